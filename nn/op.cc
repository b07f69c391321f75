#include "nn/op.h"

#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace illusion::nn {

absl::string_view OpKindName(OpKind kind) {
  switch (kind) {
    case OpKind::kConv2D:
      return "conv2d";
    case OpKind::kDense:
      return "dense";
    case OpKind::kMaxPool:
      return "max_pool";
    case OpKind::kArgmax:
      return "argmax";
    case OpKind::kBranch:
      return "branch";
    case OpKind::kLstm:
      return "lstm";
    case OpKind::kResidualAdd:
      return "residual_add";
    case OpKind::kGlobalAvgPool:
      return "global_avg_pool";
    case OpKind::kEmbedding:
      return "embedding";
    case OpKind::kLmLstmCell:
      return "lm_lstm_cell";
  }
  return "?";
}

std::string Range::DebugString() const {
  return absl::StrCat("[", begin, ", ", end, ")");
}

Op::Op(OpKind kind, std::string name, std::vector<TensorSpec> inputs,
       std::vector<TensorSpec> outputs, std::vector<TensorSpec> weights)
    : kind_(kind),
      name_(std::move(name)),
      inputs_(std::move(inputs)),
      outputs_(std::move(outputs)),
      weights_(std::move(weights)) {}

int64_t Op::weight_bytes() const {
  return WeightBytes(all_outputs(), all_inputs()) + BiasBytes(all_outputs());
}

int64_t Op::macs() const { return Macs(all_outputs(), all_inputs()); }

int64_t Op::activation_bytes() const {
  int64_t total = 0;
  for (const TensorSpec& s : inputs_) total += s.byte_size();
  for (const TensorSpec& s : outputs_) total += s.byte_size();
  return total;
}

absl::StatusOr<std::vector<Tensor>> Op::Execute(const OpIo& io) const {
  return ExecuteOutputRange(io, all_outputs());
}

absl::StatusOr<Tensor> Op::PartialSums(const OpIo&, Range, Range) const {
  return absl::UnimplementedError(absl::StrCat(
      "op '", name_, "' (", OpKindName(kind_), ") has no partial sums"));
}

absl::StatusOr<Tensor> Op::FinishPartialSums(const Tensor&, const OpIo&,
                                             Range) const {
  return absl::UnimplementedError(absl::StrCat(
      "op '", name_, "' (", OpKindName(kind_), ") has no partial sums"));
}

absl::Status Op::ExecuteOutputRangeInto(const OpIo& io, Range out, absl::Span<int32_t>,
                                        absl::Span<Tensor* const> outputs) const {
  if (outputs.size() != outputs_.size()) {
    return absl::InvalidArgumentError(absl::StrCat("op '", name_, "' has ", outputs_.size(),
                                                   " outputs; got ", outputs.size()));
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    absl::Status s = CheckOutputTensor(static_cast<int>(i), outputs[i]);
    if (!s.ok()) return s;
  }
  absl::StatusOr<std::vector<Tensor>> results = ExecuteOutputRange(io, out);
  if (!results.ok()) return results.status();
  for (size_t i = 0; i < results->size() && i < outputs.size(); ++i) {
    const Tensor& result = (*results)[i];
    const int64_t offset = OutputUnitOffset(static_cast<int>(i), out.begin);
    if (offset + result.byte_size() > outputs[i]->byte_size()) {
      return absl::InternalError(absl::StrCat("op '", name_, "': output ", i, " range ",
                                              out.DebugString(), " overflows its tensor"));
    }
    std::memcpy(outputs[i]->data<uint8_t>() + offset, result.bytes().data(),
                result.byte_size());
  }
  return absl::OkStatus();
}

absl::Status Op::PartialSumsInto(const OpIo&, Range, Range, int32_t*) const {
  return absl::UnimplementedError(absl::StrCat(
      "op '", name_, "' (", OpKindName(kind_), ") has no partial sums"));
}

absl::Status Op::FinishPartialSumsInto(const int32_t*, const OpIo&, Range, Tensor*) const {
  return absl::UnimplementedError(absl::StrCat(
      "op '", name_, "' (", OpKindName(kind_), ") has no partial sums"));
}

absl::Status Op::CheckOutputTensor(int index, const Tensor* output) const {
  const TensorSpec& spec = outputs_[index];
  if (output == nullptr || output->dtype() != spec.dtype ||
      output->num_elements() != spec.num_elements()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "op '", name_, "': output '", spec.name, "' must be ", DTypeName(spec.dtype), " ",
        ShapeString(spec.shape), "; got ", output == nullptr ? "none" : output->DebugString()));
  }
  return absl::OkStatus();
}

int64_t Op::OutputUnitOffset(int index, int64_t unit) const {
  return unit * (outputs_[index].byte_size() / output_units());
}

absl::Status Op::CheckOutputRange(Range out) const {
  if (out.begin < 0 || out.end > output_units() || out.size() <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("op '", name_, "': output range ", out.DebugString(),
                     " is not a non-empty part of [0, ", output_units(), ")"));
  }
  return absl::OkStatus();
}

absl::Status Op::CheckInputRange(Range in) const {
  if (in.begin < 0 || in.end > input_units() || in.size() <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("op '", name_, "': input range ", in.DebugString(),
                     " is not a non-empty part of [0, ", input_units(), ")"));
  }
  return absl::OkStatus();
}

namespace {

absl::Status CheckTensor(absl::string_view op, absl::string_view role,
                         const TensorSpec& spec, const Tensor* t) {
  if (t == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "op '", op, "': ", role, " '", spec.name, "' is missing"));
  }
  if (t->dtype() != spec.dtype || t->shape() != spec.shape) {
    return absl::InvalidArgumentError(absl::StrCat(
        "op '", op, "': ", role, " '", spec.name, "' must be ",
        DTypeName(spec.dtype), " ", ShapeString(spec.shape), "; got ",
        t->DebugString()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Op::CheckIo(const OpIo& io, bool check_inputs) const {
  if (io.inputs.size() != inputs_.size() ||
      io.weights.size() != weights_.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "op '", name_, "' takes ", inputs_.size(), " inputs and ",
        weights_.size(), " weights; got ", io.inputs.size(), " and ",
        io.weights.size()));
  }
  for (size_t i = 0; i < weights_.size(); ++i) {
    absl::Status s = CheckTensor(name_, "weight", weights_[i], io.weights[i]);
    if (!s.ok()) return s;
  }
  if (!check_inputs) return absl::OkStatus();
  for (size_t i = 0; i < inputs_.size(); ++i) {
    absl::Status s = CheckTensor(name_, "input", inputs_[i], io.inputs[i]);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace illusion::nn
