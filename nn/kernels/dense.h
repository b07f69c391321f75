#ifndef ILLUSION_NN_KERNELS_DENSE_H_
#define ILLUSION_NN_KERNELS_DENSE_H_

// Dense (fully connected) layers of the workloads (workloads.md §1.1, §1.5),
// split so a partition can cut them by output rows or input columns:
//   DenseAccumulate: int32 partial sums C[z] = sum_v A[v] * H[z][v] over a
//     column range (the form that travels between chips);
//   DenseFinish: out = Wrap<T>((C + (B << bias_shift)) >> out_shift).
// With bias_shift = out_shift = 4 this is add_bias / dense_bias of the CNNs;
// the KWS LSTM logits use 7/7 (firmware) or 4/7 (golden c_lstm2).
// Stateless and thread-safe.

#include <cstdint>

#include "nn/kernels/fixed_point.h"

namespace illusion::nn::kernels {

// `input` holds exactly columns [in_begin, in_end); `weights` is the whole
// [out][in_total] row-major matrix. Writes sums[z - out_begin].
template <typename In>
inline void DenseAccumulate(const In* input, const int8_t* weights,
                            int in_total, int out_begin, int out_end,
                            int in_begin, int in_end, int32_t* sums) {
  const int n = in_end - in_begin;
  for (int z = out_begin; z < out_end; ++z) {
    const int8_t* w = weights + static_cast<size_t>(z) * in_total + in_begin;
    int32_t s = 0;
    for (int v = 0; v < n; ++v) s += static_cast<int32_t>(input[v]) * w[v];
    sums[z - out_begin] = s;
  }
}

// Output element type T is int8_t or int16_t (wrap-around cast) or int32_t.
template <typename T>
inline void DenseFinish(const int32_t* sums, const int8_t* bias, int bias_shift,
                        int out_shift, int out_begin, int out_end, T* out) {
  for (int z = out_begin; z < out_end; ++z) {
    const int32_t v = ShiftRightFloor(
        sums[z - out_begin] + BiasToAccumulator(bias[z], bias_shift), out_shift);
    out[z - out_begin] = static_cast<T>(v);
  }
}

}  // namespace illusion::nn::kernels

#endif  // ILLUSION_NN_KERNELS_DENSE_H_
