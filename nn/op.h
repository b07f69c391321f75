#ifndef ILLUSION_NN_OP_H_
#define ILLUSION_NN_OP_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "nn/tensor.h"

namespace illusion::nn {

// The paper's ops (conv2d .. lstm) and the scaled-out workloads' ops
// (residual_add, global_avg_pool: AlexNet/VGG-16/ResNet-50; embedding,
// lm_lstm_cell: the LSTM language model). See ops.h.
enum class OpKind {
  kConv2D,
  kDense,
  kMaxPool,
  kArgmax,
  kBranch,
  kLstm,
  kResidualAdd,
  kGlobalAvgPool,
  kEmbedding,
  kLmLstmCell,
};

// "conv2d", "dense", "max_pool", "argmax", "branch", "lstm", "residual_add",
// "global_avg_pool", "embedding", "lm_lstm_cell".
absl::string_view OpKindName(OpKind kind);

// Half-open range [begin, end) of output or input units of an op.
struct Range {
  int64_t begin = 0;
  int64_t end = 0;
  int64_t size() const { return end - begin; }
  bool operator==(const Range& o) const { return begin == o.begin && end == o.end; }
  std::string DebugString() const;
};

// An op with a guard runs only when the named scalar tensor (computed earlier
// in the graph) holds `value`. This is how the D2NN's data-dependent branch
// is expressed: ops of the high path carry {path, 1}, of the low path {path, 0}.
struct Guard {
  std::string tensor;
  int32_t value = 0;
};

// Tensors an op reads at run time: pointers, in the order of Op::inputs() and
// Op::weights(). The caller owns the tensors and keeps them alive for the call.
// Inline storage: building one for a step allocates nothing.
struct OpIo {
  absl::InlinedVector<const Tensor*, 4> inputs;
  absl::InlinedVector<const Tensor*, 4> weights;
};

// One operation of a graph. Besides running whole, every op can run a
// sub-range of its output units (output channels, dense rows, LSTM units);
// ops with input_units() > 0 can also produce int32 partial sums over a
// sub-range of input units (input channels, dense columns) that are summed
// across chips and completed with FinishPartialSums. This is what a partition
// uses to split an op across chips. Immutable after construction, so const
// methods are safe to call from several threads.
class Op {
 public:
  Op(OpKind kind, std::string name, std::vector<TensorSpec> inputs,
     std::vector<TensorSpec> outputs, std::vector<TensorSpec> weights);
  virtual ~Op() = default;
  Op(const Op&) = delete;
  Op& operator=(const Op&) = delete;

  OpKind kind() const { return kind_; }
  const std::string& name() const { return name_; }
  const std::vector<TensorSpec>& inputs() const { return inputs_; }
  const std::vector<TensorSpec>& outputs() const { return outputs_; }
  const std::vector<TensorSpec>& weights() const { return weights_; }
  const std::optional<Guard>& guard() const { return guard_; }
  void set_guard(Guard guard) { guard_ = std::move(guard); }

  // Units of the output split dimension (channels, rows, hidden units).
  virtual int64_t output_units() const = 0;
  // Units of the input split dimension, or 0 when the op cannot produce
  // partial sums over part of its input.
  virtual int64_t input_units() const { return 0; }
  // int32 partial sums per output unit (a conv's pre-pooling plane, 1 for
  // dense); the "<op>.psum" accumulator holds output_units() times this.
  virtual int64_t partial_sums_per_unit() const { return 1; }
  Range all_outputs() const { return Range{0, output_units()}; }
  Range all_inputs() const { return Range{0, input_units()}; }

  // Bytes of weights (not biases) needed for outputs `out` over inputs `in`.
  virtual int64_t WeightBytes(Range out, Range in) const { return 0; }
  // Bytes of biases needed to finish outputs `out`.
  virtual int64_t BiasBytes(Range out) const { return 0; }
  // Multiply-accumulates for outputs `out` over inputs `in`.
  virtual int64_t Macs(Range out, Range in) const { return 0; }

  // The op's integer parameters by name (e.g. "kernel", "pool_shift"): with
  // kind, name, inputs, outputs and weights they fully describe the op, so a
  // graph can be serialized and rebuilt (graph_proto.h).
  virtual std::map<std::string, int64_t> attrs() const { return {}; }

  // Whole-op totals.
  int64_t weight_bytes() const;
  int64_t macs() const;
  // Bytes of all input and output activations.
  int64_t activation_bytes() const;

  // Runs the whole op; returns one tensor per output.
  absl::StatusOr<std::vector<Tensor>> Execute(const OpIo& io) const;
  // Computes output units `out` only, from whole inputs. Each returned tensor
  // has its split dimension cut to out.size().
  virtual absl::StatusOr<std::vector<Tensor>> ExecuteOutputRange(
      const OpIo& io, Range out) const = 0;
  // int32 partial sums of outputs `out` over inputs `in`. io.inputs[0] holds
  // exactly input units `in`. Unimplemented when input_units() == 0.
  virtual absl::StatusOr<Tensor> PartialSums(const OpIo& io, Range out,
                                             Range in) const;
  // Completes partial sums that cover all input units: bias, activation and
  // pooling. Only io.weights is read.
  virtual absl::StatusOr<Tensor> FinishPartialSums(const Tensor& sums,
                                                   const OpIo& io,
                                                   Range out) const;

  // ---- The same range APIs, writing into caller-owned tensors ------------
  //
  // For runtimes that create their tensors once and then only overwrite them
  // (chipd; TFLM's "nothing allocates after Prepare"). Each computes exactly
  // what its counterpart above computes. `output` / `outputs[i]` is the whole
  // output tensor (dtype and shape of outputs()[i]): the bytes of units
  // `out` are overwritten, the others are left alone. The defaults call the
  // counterparts and copy, so they allocate; conv2d, dense, max_pool, argmax,
  // branch, lstm, residual_add, global_avg_pool, embedding and lm_lstm_cell
  // override them and allocate nothing (a partial-sum API an op does not
  // support stays Unimplemented). See also LstmStepUnitsInto (ops.h).

  // int32 scratch elements ExecuteOutputRangeInto needs for `out`.
  virtual int64_t ScratchElements(Range out) const { return 0; }
  // ExecuteOutputRange into `outputs` (one per output). `scratch` holds at
  // least ScratchElements(out) elements; its contents are clobbered.
  virtual absl::Status ExecuteOutputRangeInto(const OpIo& io, Range out,
                                              absl::Span<int32_t> scratch,
                                              absl::Span<Tensor* const> outputs) const;
  // PartialSums into sums[0, out.size() * partial_sums_per_unit()), which
  // is overwritten. Unlike PartialSums, io.inputs[0] is the whole input.
  virtual absl::Status PartialSumsInto(const OpIo& io, Range out, Range in,
                                       int32_t* sums) const;
  // FinishPartialSums of sums[0, out.size() * partial_sums_per_unit()) into
  // units `out` of output 0.
  virtual absl::Status FinishPartialSumsInto(const int32_t* sums, const OpIo& io,
                                             Range out, Tensor* output) const;

 protected:
  // InvalidArgument unless `output` is a whole output `index` (dtype and
  // element count of outputs()[index]).
  absl::Status CheckOutputTensor(int index, const Tensor* output) const;
  // Byte offset of output unit `unit` in the whole output `index`.
  int64_t OutputUnitOffset(int index, int64_t unit) const;
  // InvalidArgument unless `out` is a non-empty sub-range of the outputs.
  absl::Status CheckOutputRange(Range out) const;
  // InvalidArgument unless `in` is a non-empty sub-range of the inputs.
  absl::Status CheckInputRange(Range in) const;
  // InvalidArgument unless io has the declared number of tensors and each
  // weight matches its spec; inputs[i] must match inputs()[i] when
  // `check_inputs` is set.
  absl::Status CheckIo(const OpIo& io, bool check_inputs) const;

 private:
  OpKind kind_;
  std::string name_;
  std::vector<TensorSpec> inputs_;
  std::vector<TensorSpec> outputs_;
  std::vector<TensorSpec> weights_;
  std::optional<Guard> guard_;
};

}  // namespace illusion::nn

#endif  // ILLUSION_NN_OP_H_
