#ifndef ILLUSION_NN_KERNELS_LSTM_H_
#define ILLUSION_NN_KERNELS_LSTM_H_

// One time step of the KWS LSTM (workloads.md §1.5), for a range of hidden
// units so that it can be split across chips. Formats: x, h int8 Q4; c int16
// Q8; weights and biases int8 Q7; gates int32 Q11. Gate order i, f, g, o:
// row r of the [4 * hidden] matrices is gate r / hidden, unit r % hidden.
// Stateless and thread-safe.

#include <cstdint>

#include "nn/kernels/fixed_point.h"

namespace illusion::nn::kernels {

struct LstmShape {
  int input = 0;   // features per step (10)
  int hidden = 0;  // units (80)
};

// gates[g * n + (u - unit_begin)] for g in {i, f, g, o}, n = unit count:
// (B[r] << 4) + Wi[r] . x + Wh[r] . h with r = g * hidden + u.
inline void LstmGates(const int8_t* x, const int8_t* h, const int8_t* wi,
                      const int8_t* wh, const int8_t* bias, const LstmShape& s,
                      int unit_begin, int unit_end, int32_t* gates) {
  const int n = unit_end - unit_begin;
  for (int g = 0; g < 4; ++g) {
    for (int u = unit_begin; u < unit_end; ++u) {
      const int r = g * s.hidden + u;
      int32_t a = BiasToAccumulator(bias[r], 4);
      const int8_t* wir = wi + static_cast<size_t>(r) * s.input;
      for (int v = 0; v < s.input; ++v) a += static_cast<int32_t>(wir[v]) * x[v];
      const int8_t* whr = wh + static_cast<size_t>(r) * s.hidden;
      for (int v = 0; v < s.hidden; ++v) a += static_cast<int32_t>(whr[v]) * h[v];
      gates[g * n + (u - unit_begin)] = a;
    }
  }
}

// Cell update from gates (layout of LstmGates) and the previous cell values
// of the same units: c' = (int16)(f * (c >> 4) + i * g),
// h' = (int8)((tanh(c' << 3) * o) >> 4).
inline void LstmCellUpdate(const int32_t* gates, const int16_t* c_in, int n,
                           int16_t* c_out, int8_t* h_out) {
  for (int k = 0; k < n; ++k) {
    const int32_t i = HardSigmoid(gates[k]);
    const int32_t f = HardSigmoid(gates[n + k]);
    const int32_t g = HardTanh(gates[2 * n + k]);
    const int32_t o = HardSigmoid(gates[3 * n + k]);
    const int16_t c = WrapToInt16(f * (c_in[k] >> 4) + i * g);
    c_out[k] = c;
    h_out[k] = WrapToInt8((HardTanh(static_cast<int32_t>(c) * 8) * o) >> 4);
  }
}

}  // namespace illusion::nn::kernels

#endif  // ILLUSION_NN_KERNELS_LSTM_H_
