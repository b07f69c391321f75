#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "nn/kernels/conv2d.h"
#include "nn/kernels/dense.h"
#include "nn/kernels/fixed_point.h"
#include "nn/kernels/lstm.h"
#include "nn/kernels/pooling.h"

namespace illusion::nn::kernels {
namespace {

TEST(QReluTest, RoundsHalfUpAndSaturates) {
  EXPECT_EQ(QRelu(-1), 0);
  EXPECT_EQ(QRelu(0), 0);
  EXPECT_EQ(QRelu(7), 0);     // (7 + 8) >> 4 = 0
  EXPECT_EQ(QRelu(8), 1);     // half rounds up
  EXPECT_EQ(QRelu(24), 2);    // 1.5 -> 2
  EXPECT_EQ(QRelu(2039), 127);
  EXPECT_EQ(QRelu(2040), 127);  // r = 2048 > 2047 saturates
  EXPECT_EQ(QRelu(100000), 127);
}

TEST(HardActivationsTest, MatchTheSpecifiedPiecewiseForms) {
  EXPECT_EQ(HardSigmoid(8193), 16);
  EXPECT_EQ(HardSigmoid(-8193), 0);
  EXPECT_EQ(HardSigmoid(0), 8);          // ((0 >> 3) + 1088) >> 7 = 8
  EXPECT_EQ(HardSigmoid(8192), 16);      // (1024 + 1088) >> 7 = 16
  EXPECT_EQ(HardSigmoid(-8192), 0);      // (-1024 + 1088) >> 7 = 0
  EXPECT_EQ(HardSigmoid(-1), 8);         // (-1 >> 3) = -1: 1087 >> 7 = 8
  EXPECT_EQ(HardTanh(2049), 16);
  EXPECT_EQ(HardTanh(-2049), -16);
  EXPECT_EQ(HardTanh(-1), -1);           // floor
  EXPECT_EQ(HardTanh(255), 1);
}

TEST(WrapTest, CastsWrapAround) {
  EXPECT_EQ(WrapToInt8(200), -56);
  EXPECT_EQ(WrapToInt8(-129), 127);
  EXPECT_EQ(WrapToInt16(40000), -25536);
}

TEST(Conv2DTest, ValidConvolutionMatchesHandComputation) {
  // 1 channel 3x3 input, one 2x2 filter of ones: sums of each 2x2 window.
  const std::vector<int8_t> in = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::vector<int8_t> w = {1, 1, 1, 1};
  Conv2DShape s{1, 3, 2, 0};
  std::vector<int32_t> acc(4);
  Conv2DAccumulate(in.data(), w.data(), s, 0, 1, 0, 1, acc.data());
  EXPECT_EQ(acc, (std::vector<int32_t>{12, 16, 24, 28}));
  // bias 1 -> +16; qRelu((12+16+8)>>4 = 2), ...; 2x2 pool keeps the max.
  const std::vector<int8_t> bias = {1};
  std::vector<int8_t> out(1);
  Conv2DFinish(acc.data(), bias.data(), 2, 1, 0, 1, out.data());
  EXPECT_EQ(out[0], (28 + 16 + 8) >> 4);
}

TEST(Conv2DTest, SamePaddingReadsZerosOutsideTheInput) {
  const std::vector<int8_t> in = {1, 2, 3, 4};  // 2x2
  const std::vector<int8_t> w = {0, 0, 0, 0, 1, 0, 0, 0, 1};  // centre + bottom-right
  Conv2DShape s{1, 2, 3, 1};
  std::vector<int32_t> acc(4);
  Conv2DAccumulate(in.data(), w.data(), s, 0, 1, 0, 1, acc.data());
  EXPECT_EQ(acc, (std::vector<int32_t>{1 + 4, 2, 3, 4}));
}

TEST(Conv2DTest, InputChannelPartsSumToTheWhole) {
  std::vector<int8_t> in(3 * 16), w(2 * 3 * 9);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<int8_t>(i * 7 % 23 - 11);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>(i * 5 % 13 - 6);
  Conv2DShape s{3, 4, 3, 1};
  std::vector<int32_t> whole(2 * 16), a(2 * 16), b(2 * 16);
  Conv2DAccumulate(in.data(), w.data(), s, 0, 2, 0, 3, whole.data());
  Conv2DAccumulate(in.data(), w.data(), s, 0, 2, 0, 1, a.data());
  Conv2DAccumulate(in.data() + 16, w.data(), s, 0, 2, 1, 3, b.data());
  for (size_t i = 0; i < whole.size(); ++i) EXPECT_EQ(whole[i], a[i] + b[i]) << i;
}

TEST(DenseTest, PartialSumsAndFinishUseFloorShift) {
  const std::vector<int8_t> in = {1, -2, 3};
  const std::vector<int8_t> w = {1, 1, 1, -1, -1, -1};  // 2 x 3
  std::vector<int32_t> sums(2);
  DenseAccumulate(in.data(), w.data(), 3, 0, 2, 0, 3, sums.data());
  EXPECT_EQ(sums, (std::vector<int32_t>{2, -2}));
  const std::vector<int8_t> bias = {0, 0};
  std::vector<int16_t> out(2);
  DenseFinish(sums.data(), bias.data(), 4, 4, 0, 2, out.data());
  EXPECT_EQ(out, (std::vector<int16_t>{0, -1}));  // -2 >> 4 = -1 (floor)
}

TEST(DenseTest, Int8OutputWrapsInsteadOfSaturating) {
  const std::vector<int8_t> in = {100};
  const std::vector<int8_t> w = {100};  // 10000 >> 4 = 625 -> wraps to 113
  std::vector<int32_t> sums(1);
  DenseAccumulate(in.data(), w.data(), 1, 0, 1, 0, 1, sums.data());
  const std::vector<int8_t> bias = {0};
  std::vector<int8_t> out(1);
  DenseFinish(sums.data(), bias.data(), 4, 4, 0, 1, out.data());
  EXPECT_EQ(out[0], static_cast<int8_t>(625));
}

TEST(PoolingTest, MaxPoolAndFirstMaximumArgmax) {
  const std::vector<int8_t> in = {1, 5, 2, 0, 3, 4, 9, 1, 0, 0, 0, 0, -1, 2, 3, 7};
  std::vector<int8_t> out(4);
  MaxPool(in.data(), 1, 4, 1, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{5, 9, 2, 7}));
  const std::vector<int16_t> logits = {3, 9, 9, -4};
  EXPECT_EQ(Argmax(logits.data(), 4), 1);
}

TEST(LstmTest, CellUpdateFollowsTheSpecifiedFormulas) {
  // One unit: gates i, f, g, o.
  const std::vector<int32_t> gates = {0, 9000, 2048, -9000};
  const std::vector<int16_t> c_in = {320};
  std::vector<int16_t> c_out(1);
  std::vector<int8_t> h_out(1);
  LstmCellUpdate(gates.data(), c_in.data(), 1, c_out.data(), h_out.data());
  // i = 8, f = 16, g = 16, o = 0: c = 16 * 20 + 8 * 16 = 448; h = 0.
  EXPECT_EQ(c_out[0], 448);
  EXPECT_EQ(h_out[0], 0);
}

}  // namespace
}  // namespace illusion::nn::kernels
