#ifndef ILLUSION_NN_KERNELS_CONV2D_H_
#define ILLUSION_NN_KERNELS_CONV2D_H_

// Square 2-D convolution of the CNN workloads (workloads.md §1.1), split in
// two phases so that a partition can cut it by output or input channels:
//   Conv2DAccumulate: int32 Q8 sums (no bias) of a range of output channels
//     over a range of input channels, at full (pre-pool) resolution;
//   Conv2DFinish: + (bias << 4), qRelu, max-pool 2^pool_shift, to int8.
// Layouts: input CHW, weights OIHW, stride `stride` (1 for the paper's
// workloads), zero padding `pad` on each side (0 = valid, kernel/2 = same). Stateless and thread-safe, except that
// Conv2DAccumulate uses a thread_local scratch buffer for its patch matrix.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "nn/kernels/fixed_point.h"

namespace illusion::nn::kernels {

struct Conv2DShape {
  int in_channels_total = 0;  // IC of the weight tensor
  int in_size = 0;            // H = W of the input
  int kernel = 0;             // K
  int pad = 0;                // zero padding on each side
  int stride = 1;             // step of the window, both directions
  int out_size() const { return (in_size + 2 * pad - kernel) / stride + 1; }
};

// Row j = (c, fy, fx) of Conv2DAccumulate's im2col patch matrix:
// p[y * M + x] = input (c, y * stride + fy - pad, x * stride + fx - pad), 0 in
// the padding. `p` holds M * M zeros on entry. Also used by nn/ops.cc's AVX2
// path.
inline void BuildPatchRow(const int8_t* input, const Conv2DShape& s, int j, int8_t* p) {
  const int m = s.out_size();
  const int k = s.kernel;
  const int c = j / (k * k);
  const int fy = j / k % k;
  const int fx = j % k;
  const int8_t* x = input + static_cast<size_t>(c) * s.in_size * s.in_size;
  if (s.stride != 1) {
    for (int y = 0; y < m; ++y) {
      const int iy = y * s.stride + fy - s.pad;
      if (iy < 0 || iy >= s.in_size) continue;
      for (int xx = 0; xx < m; ++xx) {
        const int ix = xx * s.stride + fx - s.pad;
        if (ix >= 0 && ix < s.in_size) p[y * m + xx] = x[iy * s.in_size + ix];
      }
    }
    return;
  }
  // Output column xx reads input column xx + fx - pad; copy the valid run.
  const int x_lo = std::max(0, s.pad - fx);
  const int x_hi = std::min(m, s.in_size + s.pad - fx);
  if (x_hi <= x_lo) return;
  for (int y = 0; y < m; ++y) {
    const int iy = y + fy - s.pad;
    if (iy < 0 || iy >= s.in_size) continue;
    std::memcpy(p + y * m + x_lo, x + iy * s.in_size + x_lo + fx - s.pad, x_hi - x_lo);
  }
}

// acc[(o - out_begin) * M * M + y * M + x] = sum over input channels
// c in [in_begin, in_end) of the KxK window. `input` holds exactly channels
// [in_begin, in_end) (CHW); `weights` is the whole OIHW tensor.
//
// Implementation: the input is unrolled once into a patch matrix
// P[(c, fy, fx)][y * M + x] (im2col, zero padding included), shared by every
// output channel; each output channel is then a sum of weight-scaled rows of
// P. The inner loop runs over all M * M positions contiguously, which the
// compiler vectorises even when M is small (MNIST conv4 has M = 2).
inline void Conv2DAccumulate(const int8_t* input, const int8_t* weights,
                             const Conv2DShape& s, int out_begin, int out_end,
                             int in_begin, int in_end, int32_t* acc) {
  const int m = s.out_size();
  const int mm = m * m;
  const int k = s.kernel;
  const int channels = in_end - in_begin;
  const int rows = channels * k * k;
  thread_local std::vector<int8_t> patches;
  patches.assign(static_cast<size_t>(rows) * mm, 0);
  for (int j = 0; j < rows; ++j) {
    BuildPatchRow(input, s, j, &patches[static_cast<size_t>(j) * mm]);
  }
  for (int o = out_begin; o < out_end; ++o) {
    int32_t* a = acc + static_cast<size_t>(o - out_begin) * mm;
    std::fill(a, a + mm, 0);
    const int8_t* w =
        weights + (static_cast<size_t>(o) * s.in_channels_total + in_begin) * k * k;
    for (int j = 0; j < rows; ++j) {
      const int32_t wv = w[j];
      if (wv == 0) continue;
      const int8_t* p = &patches[static_cast<size_t>(j) * mm];
      for (int i = 0; i < mm; ++i) a[i] += wv * p[i];
    }
  }
}

// out[(o - out_begin) * Mp * Mp + (y >> ps) * Mp + (x >> ps)] =
//   max over the pool window of qRelu(acc + (bias[o] << 4)), Mp = M >> ps.
// When M is not a multiple of 2^ps the last M - (Mp << ps) rows and columns
// fill no whole window and are dropped (floor pooling).
// Starting from 0 and taking the max equals the firmware's "assign the first
// element of each window" because qRelu >= 0.
inline void Conv2DFinish(const int32_t* acc, const int8_t* bias, int out_size,
                         int pool_shift, int out_begin, int out_end,
                         int8_t* out) {
  const int m = out_size;
  const int mp = m >> pool_shift;
  for (int o = out_begin; o < out_end; ++o) {
    const int32_t b = BiasToAccumulator(bias[o], 4);
    const int32_t* a = acc + static_cast<size_t>(o - out_begin) * m * m;
    int8_t* dst = out + static_cast<size_t>(o - out_begin) * mp * mp;
    std::fill(dst, dst + mp * mp, 0);
    const int used = mp << pool_shift;
    for (int y = 0; y < used; ++y) {
      for (int x = 0; x < used; ++x) {
        const int8_t v = QRelu(a[y * m + x] + b);
        int8_t& slot = dst[(y >> pool_shift) * mp + (x >> pool_shift)];
        slot = std::max(slot, v);
      }
    }
  }
}

}  // namespace illusion::nn::kernels

#endif  // ILLUSION_NN_KERNELS_CONV2D_H_
