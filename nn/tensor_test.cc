#include "nn/tensor.h"

#include <cstdint>
#include <vector>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::nn {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;

// The kernels' vector loads assume tensor storage starts on a cache line,
// whatever the size and however the tensor was made or copied.
TEST(TensorTest, StorageStartsOnACacheLine) {
  std::vector<Tensor> tensors;
  for (int64_t n : {1, 3, 17, 64, 1000, 70000}) {
    tensors.emplace_back(DType::kInt8, Shape{n});
    tensors.emplace_back(DType::kInt16, Shape{n, 3});
    tensors.push_back(Tensor::FromValues(DType::kInt32, {n}, std::vector<int32_t>(n, 7)));
    Tensor copy = tensors.back();
    tensors.push_back(copy);
  }
  for (const Tensor& t : tensors) {
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data<uint8_t>()) % kCacheLineBytes, 0u)
        << t.DebugString();
  }
}

TEST(TensorTest, CopiesAreDeepAndEqual) {
  const Tensor a = Tensor::FromValues(DType::kInt16, {2, 3}, {1, -2, 3, -4, 5, -6}, 7);
  Tensor b = a;
  EXPECT_TRUE(b.SameValues(a));
  EXPECT_EQ(b.frac_bits(), 7);
  EXPECT_NE(b.data<int16_t>(), a.data<int16_t>());
  b.data<int16_t>()[0] = 9;
  EXPECT_EQ(a.at(0), 1);
  // Assignment over a tensor of the same size reuses its storage.
  Tensor c(DType::kInt16, {3, 2});
  const int16_t* storage = c.data<int16_t>();
  c = a;
  EXPECT_TRUE(c.SameValues(a));
  EXPECT_EQ(c.data<int16_t>(), storage);
  // Over a different size it takes a new one.
  Tensor d(DType::kInt8, {5});
  d = a;
  EXPECT_TRUE(d.SameValues(a));
  EXPECT_EQ(d.byte_size(), 12);
  d = d;  // self-assignment keeps the values
  EXPECT_TRUE(d.SameValues(a));
}

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
