#include "common/status_macros.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace illusion::common {
namespace {

absl::StatusOr<int> ParsePositive(int value) {
  if (value <= 0) return absl::InvalidArgumentError("value must be positive");
  return value;
}

absl::Status Check(int value, int* calls) {
  ++*calls;
  return ParsePositive(value).status();
}

absl::Status TwoChecks(int first, int second, int* calls) {
  RETURN_IF_ERROR(Check(first, calls));
  RETURN_IF_ERROR(Check(second, calls));
  return absl::OkStatus();
}

absl::StatusOr<int> Sum(int a, int b) {
  ASSIGN_OR_RETURN(int x, ParsePositive(a));
  ASSIGN_OR_RETURN(const int y, ParsePositive(b));
  return x + y;
}

absl::StatusOr<std::unique_ptr<int>> MakeBox(int value) {
  RETURN_IF_ERROR(ParsePositive(value));  // StatusOr accepted too.
  return std::make_unique<int>(value);
}

absl::StatusOr<int> Unbox(int value) {
  std::unique_ptr<int> box;
  ASSIGN_OR_RETURN(box, MakeBox(value));  // Existing lvalue, move-only type.
  return *box;
}

TEST(StatusMacrosTest, ReturnIfErrorPassesOkThrough) {
  int calls = 0;
  EXPECT_TRUE(TwoChecks(1, 2, &calls).ok());
  EXPECT_EQ(calls, 2);
}

TEST(StatusMacrosTest, ReturnIfErrorReturnsFirstErrorAndEvaluatesOnce) {
  int calls = 0;
  const absl::Status status = TwoChecks(-1, 2, &calls);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "value must be positive");
  EXPECT_EQ(calls, 1);
}

TEST(StatusMacrosTest, AssignOrReturnAssignsValues) {
  const absl::StatusOr<int> sum = Sum(2, 3);
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(*sum, 5);
  const absl::StatusOr<int> unboxed = Unbox(7);
  ASSERT_TRUE(unboxed.ok());
  EXPECT_EQ(*unboxed, 7);
}

TEST(StatusMacrosTest, AssignOrReturnPropagatesError) {
  EXPECT_EQ(Sum(2, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Unbox(-3).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace illusion::common
