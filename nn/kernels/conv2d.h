#ifndef ILLUSION_NN_KERNELS_CONV2D_H_
#define ILLUSION_NN_KERNELS_CONV2D_H_

// Square 2-D convolution of the CNN workloads (workloads.md §1.1), split in
// two phases so that a partition can cut it by output or input channels:
//   Conv2DAccumulate: int32 Q8 sums (no bias) of a range of output channels
//     over a range of input channels, at full (pre-pool) resolution;
//   Conv2DFinish: + (bias << 4), qRelu, max-pool 2^pool_shift, to int8.
// Layouts: input CHW, weights OIHW, stride 1, zero padding `pad` on each side
// (0 = valid, kernel/2 = same). Stateless and thread-safe, except that
// Conv2DAccumulate uses a thread_local scratch buffer for padded input.

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
  int out_size() const { return in_size + 2 * pad - kernel + 1; }
};

// acc[(o - out_begin) * M * M + y * M + x] = sum over input channels
// c in [in_begin, in_end) of the KxK window. `input` holds exactly channels
// [in_begin, in_end) (CHW); `weights` is the whole OIHW tensor.
inline void Conv2DAccumulate(const int8_t* input, const int8_t* weights,
                             const Conv2DShape& s, int out_begin, int out_end,
                             int in_begin, int in_end, int32_t* acc) {
  const int m = s.out_size();
  const int k = s.kernel;
  const int p = s.in_size + 2 * s.pad;  // padded side
  const int channels = in_end - in_begin;
  const int8_t* src = input;
  thread_local std::vector<int8_t> padded;
  if (s.pad > 0) {
    padded.assign(static_cast<size_t>(channels) * p * p, 0);
    for (int c = 0; c < channels; ++c) {
      for (int y = 0; y < s.in_size; ++y) {
        std::memcpy(&padded[(static_cast<size_t>(c) * p + y + s.pad) * p + s.pad],
                    input + (static_cast<size_t>(c) * s.in_size + y) * s.in_size,
                    s.in_size);
      }
    }
    src = padded.data();
  }
  for (int o = out_begin; o < out_end; ++o) {
    int32_t* a = acc + static_cast<size_t>(o - out_begin) * m * m;
    std::fill(a, a + m * m, 0);
    for (int c = 0; c < channels; ++c) {
      const int8_t* x = src + static_cast<size_t>(c) * p * p;
      const int8_t* w =
          weights + (static_cast<size_t>(o) * s.in_channels_total + in_begin + c) * k * k;
      for (int fy = 0; fy < k; ++fy) {
        for (int fx = 0; fx < k; ++fx) {
          const int32_t wv = w[fy * k + fx];
          if (wv == 0) continue;
          for (int y = 0; y < m; ++y) {
            const int8_t* row = x + (y + fy) * p + fx;
            int32_t* arow = a + y * m;
            for (int xx = 0; xx < m; ++xx) arow[xx] += wv * row[xx];
          }
        }
      }
    }
  }
}

// out[(o - out_begin) * Mp * Mp + (y >> ps) * Mp + (x >> ps)] =
//   max over the pool window of qRelu(acc + (bias[o] << 4)), Mp = M >> ps.
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
    for (int y = 0; y < m; ++y) {
      for (int x = 0; x < m; ++x) {
        const int8_t v = QRelu(a[y * m + x] + b);
        int8_t& slot = dst[(y >> pool_shift) * mp + (x >> pool_shift)];
        slot = std::max(slot, v);
      }
    }
  }
}

}  // namespace illusion::nn::kernels

#endif  // ILLUSION_NN_KERNELS_CONV2D_H_
