#ifndef ILLUSION_NN_OPS_H_
#define ILLUSION_NN_OPS_H_

// Factories for the concrete ops of the paper's workloads. Each factory
// validates the parameters against the input specs, infers the output specs
// and returns the op, or InvalidArgument naming the op and the bad value.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "nn/op.h"
#include "nn/tensor.h"

namespace illusion::nn {

// Square convolution, stride 1, + bias, qRelu, max-pool 2^pool_shift.
// Input int8 [C, S, S]; weights int8 [out_channels, C, kernel, kernel];
// bias int8 [out_channels]; output int8 [out_channels, M >> p, M >> p] with
// M = S - kernel + 1 (valid) or S (same padding, kernel odd).
//
// Scaled-out extensions (defaults keep the paper's behaviour): `stride` > 1
// gives M = (S + 2 * pad - kernel) / stride + 1; `pad` >= 0 sets the zero
// padding explicitly (overriding same_padding); `pool_floor` allows M not a
// multiple of 2^pool_shift, dropping the last rows/columns (M >> p windows).
struct Conv2DParams {
  std::string name;
  std::string output;
  std::string weights;
  std::string bias;
  int out_channels = 0;
  int kernel = 0;
  bool same_padding = false;
  int pool_shift = 0;
  int stride = 1;
  int pad = -1;  // -1: from same_padding (kernel / 2 or 0)
  bool pool_floor = false;
};
absl::StatusOr<std::unique_ptr<Op>> MakeConv2D(const Conv2DParams& params,
                                               const TensorSpec& input);

// Dense layer over the flattened input (int8 or int16, N elements):
// out = Wrap<out_dtype>((sum + (B << bias_shift)) >> out_shift).
// Weights int8 [out_features, N]; bias int8 [out_features].
struct DenseParams {
  std::string name;
  std::string output;
  std::string weights;
  std::string bias;
  int out_features = 0;
  DType out_dtype = DType::kInt16;  // kInt8 or kInt16, both wrap around
  int bias_shift = 4;
  int out_shift = 4;
  int out_frac_bits = 4;
};
absl::StatusOr<std::unique_ptr<Op>> MakeDense(const DenseParams& params,
                                              const TensorSpec& input);

// Non-overlapping 2^shift max-pool of an int8 [C, S, S] tensor.
absl::StatusOr<std::unique_ptr<Op>> MakeMaxPool(const std::string& name,
                                                const std::string& output,
                                                int shift,
                                                const TensorSpec& input);

// Index of the first maximum of a 1-D (or flattened) tensor, as int16 [1].
absl::StatusOr<std::unique_ptr<Op>> MakeArgmax(const std::string& name,
                                               const std::string& output,
                                               const TensorSpec& input);

// The D2NN decision: output int8 [1] = 1 (high path) iff q[0] > q[1].
absl::StatusOr<std::unique_ptr<Op>> MakeBranch(const std::string& name,
                                               const std::string& output,
                                               const TensorSpec& q);

// KWS LSTM over T steps. Inputs x int8 [T, I] (Q4), h0 int8 [H] (Q4), c0 int16
// [H] (Q8); weights wi int8 [4H, I], wh int8 [4H, H], bias int8 [4H] (Q7);
// outputs h int8 [H], c int16 [H] after the last step.
struct LstmParams {
  std::string name;
  std::string h_output;
  std::string c_output;
  std::string input_weights;
  std::string hidden_weights;
  std::string bias;
  int hidden = 0;
};
absl::StatusOr<std::unique_ptr<Op>> MakeLstm(const LstmParams& params,
                                             const TensorSpec& x,
                                             const TensorSpec& h0,
                                             const TensorSpec& c0);

// One LSTM step for hidden units `units` (the rows of all four gates), as a
// chip of the paper's 8-chip partition computes it. x int8 [I], h int8 [H]
// (whole), c int16 holding exactly units `units`. Returns {h', c'} of those
// units. `weights` are wi, wh, bias as for MakeLstm.
absl::StatusOr<std::vector<Tensor>> LstmStepUnits(const Op& lstm,
                                                  const Tensor& x,
                                                  const Tensor& h,
                                                  const Tensor& c,
                                                  const OpIo& weights,
                                                  Range units);

// LstmStepUnits writing into caller-owned tensors, allocating nothing (for
// chipd): x holds the step's I int8 values; h int8 [H] and c int16 [H] are
// whole (units `units` of c are read); h_out int8 [H] and c_out int16 [H]
// are whole outputs of which units `units` are overwritten (they may be h
// and c: the gates are complete before the cell update writes). `scratch`
// holds at least 4 * units.size() int32 elements (the gates); clobbered.
// Writes exactly the values LstmStepUnits returns.
absl::Status LstmStepUnitsInto(const Op& lstm, absl::Span<const int8_t> x, const Tensor& h,
                               const Tensor& c, const OpIo& weights, Range units,
                               absl::Span<int32_t> scratch, Tensor* h_out, Tensor* c_out);

// The int32 Q11 gate pre-activations of one step for `units`, gate-major:
// element [g * n + k] is gate g (i, f, g, o) of unit units.begin + k.
absl::StatusOr<Tensor> LstmGatesForUnits(const Op& lstm, const Tensor& x,
                                         const Tensor& h, const OpIo& weights,
                                         Range units);

// ---- Ops of the scaled-out workloads (AlexNet, VGG-16, ResNet-50) ----------
//
// Their kinds are OpKind::kResidualAdd and OpKind::kGlobalAvgPool (op.h). Both are
// weightless and split by channels.

// Residual add with a parameter-free ("option A") shortcut, as upstream
// resnet50.py models no projection shortcuts. x int8 [C, S, S]; skip int8
// [Cs, Ss, Ss] with Cs <= C, Ss = S * st for an integer st >= 1, same
// frac_bits; out int8 [C, S, S]:
//   out[c][y][x] = Sat8(x[c][y][x] + (c < Cs ? skip[c][y * st][x * st] : 0))
// (skip subsampled by st, zero channels appended, saturation to [-128, 127]).
absl::StatusOr<std::unique_ptr<Op>> MakeResidualAdd(const std::string& name,
                                                    const std::string& output,
                                                    const TensorSpec& x,
                                                    const TensorSpec& skip);

// Global average pool of int8 [C, S, S] to int8 [C] (same frac_bits):
//   out[c] = floor((sum + n / 2) / n), n = S * S (round half up), which is
//   always within int8.
absl::StatusOr<std::unique_ptr<Op>> MakeGlobalAvgPool(const std::string& name,
                                                      const std::string& output,
                                                      const TensorSpec& input);

// ---- Ops of the scaled-out LSTM language model ---------------------------

// Embedding lookup. Input: word id int32 [1]; weights: the table stored
// dimension-major, int8 [dim, vocabulary] (row d holds value d of every word,
// so a range of output dimensions is a contiguous block); output int8 [dim]
// Q4: out[d] = table[d][id]. Splits by output dimensions (each unit holds
// `vocabulary` bytes); no MACs. An id outside [0, vocabulary) is
// InvalidArgument.
absl::StatusOr<std::unique_ptr<Op>> MakeEmbedding(const std::string& name,
                                                  const std::string& output,
                                                  const std::string& table,
                                                  int64_t vocabulary, int dim,
                                                  const TensorSpec& id);

// One step of an LSTM cell with a projected recurrent input (the big LSTM
// LM): inputs x int8 [I] (Q4), r int8 [P] (Q4, the previous projected
// output), c int16 [H] (Q8); weights w int8 [4H, I + P] (Q7, columns x then
// r, rows gate-major i, f, g, o) and bias int8 [4H] (Q7); outputs h int8 [H]
// (Q4) and c' int16 [H] (Q8). gates = (B << 4) + W . [x; r] (int32 Q11), then
// the KWS LSTM's cell update (kernels::LstmCellUpdate: hard sigmoid / tanh).
// Splits by hidden units (4 * (I + P) weight bytes and 4 bias bytes each);
// the projection h -> r is a separate Dense op.
struct LmLstmCellParams {
  std::string name;
  std::string h_output;
  std::string c_output;
  std::string weights;
  std::string bias;
  int hidden = 0;
};
absl::StatusOr<std::unique_ptr<Op>> MakeLmLstmCell(const LmLstmCellParams& params,
                                                   const TensorSpec& x,
                                                   const TensorSpec& r,
                                                   const TensorSpec& c);

}  // namespace illusion::nn

#endif  // ILLUSION_NN_OPS_H_
