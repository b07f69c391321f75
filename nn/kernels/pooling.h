#ifndef ILLUSION_NN_KERNELS_POOLING_H_
#define ILLUSION_NN_KERNELS_POOLING_H_

// Separate non-overlapping 2^shift x 2^shift max-pool over int8 CHW tensors
// (the D2NN's max_pool), and the first-maximum argmax. Stateless, thread-safe.

#include <algorithm>
#include <cstdint>
#include <limits>

namespace illusion::nn::kernels {

// Pools channels [0, channels) of a channels x size x size input.
inline void MaxPool(const int8_t* input, int channels, int size, int shift,
                    int8_t* out) {
  const int op = size >> shift;
  const int w = 1 << shift;
  for (int c = 0; c < channels; ++c) {
    const int8_t* x = input + static_cast<size_t>(c) * size * size;
    int8_t* dst = out + static_cast<size_t>(c) * op * op;
    for (int y = 0; y < op; ++y) {
      for (int xx = 0; xx < op; ++xx) {
        int8_t m = x[(y * w) * size + xx * w];
        for (int dy = 0; dy < w; ++dy) {
          for (int dx = 0; dx < w; ++dx) {
            m = std::max(m, x[(y * w + dy) * size + xx * w + dx]);
          }
        }
        dst[y * op + xx] = m;
      }
    }
  }
}

// Index of the first maximum (strict >, starting from INT16_MIN), as the
// golden models' argmax.
template <typename T>
inline int Argmax(const T* values, int n) {
  int32_t best = std::numeric_limits<int16_t>::min();
  int index = 0;
  for (int i = 0; i < n; ++i) {
    if (static_cast<int32_t>(values[i]) > best) {
      best = values[i];
      index = i;
    }
  }
  return index;
}

}  // namespace illusion::nn::kernels

#endif  // ILLUSION_NN_KERNELS_POOLING_H_
