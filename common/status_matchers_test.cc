#include "common/status_matchers.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::common {
namespace {

using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

absl::StatusOr<std::vector<int>> MakeVector(int n) {
  if (n < 0) return absl::OutOfRangeError("n = -1 is below 0");
  return std::vector<int>(n, 1);
}

TEST(StatusMatchersTest, IsOkMatchesStatusAndStatusOr) {
  EXPECT_THAT(absl::OkStatus(), IsOk());
  EXPECT_THAT(MakeVector(2), IsOk());
  EXPECT_THAT(absl::NotFoundError("chip 3"), Not(IsOk()));
  EXPECT_THAT(MakeVector(-1), Not(IsOk()));
  EXPECT_OK(absl::OkStatus());
  ASSERT_OK(MakeVector(0));
}

TEST(StatusMatchersTest, StatusIsChecksCodeAndMessage) {
  const absl::Status status = absl::InvalidArgumentError("bad zero_point 3");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("zero_point")));
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kInvalidArgument, "bad zero_point 3"));
  EXPECT_THAT(status, Not(StatusIs(absl::StatusCode::kNotFound)));
  EXPECT_THAT(status, Not(StatusIs(absl::StatusCode::kInvalidArgument,
                                   HasSubstr("arena"))));
  EXPECT_THAT(absl::OkStatus(), StatusIs(absl::StatusCode::kOk));
}

TEST(StatusMatchersTest, StatusIsWorksOnStatusOr) {
  EXPECT_THAT(MakeVector(-1),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("below 0")));
  EXPECT_THAT(MakeVector(1), StatusIs(Eq(absl::StatusCode::kOk)));
}

TEST(StatusMatchersTest, IsOkAndHoldsMatchesValue) {
  EXPECT_THAT(MakeVector(3), IsOkAndHolds(SizeIs(3)));
  EXPECT_THAT(MakeVector(3), Not(IsOkAndHolds(SizeIs(2))));
  EXPECT_THAT(MakeVector(-1), Not(IsOkAndHolds(SizeIs(0))));
}

TEST(StatusMatchersTest, DescribesMismatch) {
  const testing::Matcher<absl::Status> matcher =
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("chip"));
  testing::StringMatchResultListener listener;
  EXPECT_FALSE(matcher.MatchAndExplain(absl::InternalError("boom"), &listener));
  EXPECT_THAT(listener.str(), HasSubstr("INTERNAL: boom"));
  EXPECT_THAT(testing::DescribeMatcher<absl::Status>(matcher),
              HasSubstr("has a status code that"));
}

TEST(StatusMatchersTest, AssertOkAndAssignMovesValue) {
  ASSERT_OK_AND_ASSIGN(std::vector<int> values, MakeVector(4));
  EXPECT_EQ(values.size(), 4u);
  absl::StatusOr<std::unique_ptr<int>> boxed = std::make_unique<int>(5);
  std::unique_ptr<int> box;
  ASSERT_OK_AND_ASSIGN(box, std::move(boxed));
  EXPECT_EQ(*box, 5);
}

}  // namespace
}  // namespace illusion::common
