#include "nn/tensor.h"

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::nn {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;

TEST(TensorTest, FromBytesChecksTheByteCount) {
  EXPECT_THAT(Tensor::FromBytes(DType::kInt16, {3}, 0, "abcde"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("needs 6 bytes; got 5")));
  ASSERT_OK_AND_ASSIGN(Tensor t, Tensor::FromBytes(DType::kInt16, {2}, 4,
                                                   std::string("\x01\x00\xff\xff", 4)));
  EXPECT_EQ(t.at(0), 1);
  EXPECT_EQ(t.at(1), -1);
  EXPECT_EQ(t.frac_bits(), 4);
}

TEST(TensorTest, FromValuesWrapsToTheElementType) {
  Tensor t = Tensor::FromValues(DType::kInt8, {3}, {1, 200, -129});
  EXPECT_EQ(t.values(), (std::vector<int32_t>{1, -56, 127}));
}

TEST(TensorTest, ReshapeKeepsTheElementCount) {
  Tensor t(DType::kInt32, {2, 3});
  EXPECT_OK(t.Reshape({6}));
  EXPECT_THAT(t.Reshape({4}), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("cannot reshape [6]")));
}

TEST(TensorTest, FirstDifferenceFindsTheMismatch) {
  Tensor a = Tensor::FromValues(DType::kInt8, {4}, {1, 2, 3, 4});
  Tensor b = Tensor::FromValues(DType::kInt8, {4}, {1, 2, 9, 4});
  EXPECT_EQ(FirstDifference(a, a), -1);
  EXPECT_EQ(FirstDifference(a, b), 2);
  EXPECT_FALSE(a.SameValues(b));
}

TEST(DTypeTest, ParsesNamesAndRejectsUnknown) {
  ASSERT_OK_AND_ASSIGN(DType d, ParseDType("int16"));
  EXPECT_EQ(d, DType::kInt16);
  EXPECT_THAT(ParseDType("float"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'float'")));
}

}  // namespace
}  // namespace illusion::nn
