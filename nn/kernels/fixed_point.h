#ifndef ILLUSION_NN_KERNELS_FIXED_POINT_H_
#define ILLUSION_NN_KERNELS_FIXED_POINT_H_

// Scalar fixed-point primitives of the paper's golden C models
// (workloads.md §1). All functions are pure and thread-safe.

#include <cstdint>

namespace illusion::nn::kernels {

// qRelu of a Q8 int32 accumulator to Q4 int8: negative -> 0, otherwise
// round half up ((acc + 8) >> 4) saturating at 127 (when acc + 8 > 2047).
inline int8_t QRelu(int32_t acc) {
  if (acc < 0) return 0;
  const int32_t r = acc + 8;
  if (r > 2047) return 127;
  return static_cast<int8_t>(r >> 4);
}

// A Q4 bias moved to the Q8 accumulator scale: B << 4 (written as a product,
// which is the same value and well defined for negative B).
inline int32_t BiasToAccumulator(int32_t bias, int shift) {
  return bias * (int32_t{1} << shift);
}

// Arithmetic (floor) right shift; GCC's >> on signed values is arithmetic.
inline int32_t ShiftRightFloor(int32_t v, int shift) { return v >> shift; }

// Two's-complement wrap-around casts (a plain C cast, no saturation).
inline int8_t WrapToInt8(int32_t v) { return static_cast<int8_t>(v); }
inline int16_t WrapToInt16(int32_t v) { return static_cast<int16_t>(v); }

// KWS LSTM hard sigmoid, (a + 4) / 8 on a Q11 input, round half up, Q4 out.
inline int32_t HardSigmoid(int32_t a) {
  if (a > 8192) return 16;
  if (a < -8192) return 0;
  return ((a >> 3) + 1024 + 64) >> 7;
}

// KWS LSTM hard tanh on a Q11 input, floor, Q4 out.
inline int32_t HardTanh(int32_t a) {
  if (a > 2048) return 16;
  if (a < -2048) return -16;
  return a >> 7;
}

}  // namespace illusion::nn::kernels

#endif  // ILLUSION_NN_KERNELS_FIXED_POINT_H_
