#include "nn/graph_proto.h"

#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace illusion::nn {

void TensorSpecToProto(const TensorSpec& spec, illusion::v1::TensorSpec* proto) {
  proto->set_name(spec.name);
  proto->set_dtype(DTypeToProto(spec.dtype));
  for (int64_t d : spec.shape) proto->add_shape(d);
  proto->set_frac_bits(spec.frac_bits);
}

absl::StatusOr<TensorSpec> TensorSpecFromProto(const illusion::v1::TensorSpec& proto) {
  TensorSpec spec;
  spec.name = proto.name();
  ASSIGN_OR_RETURN(spec.dtype, DTypeFromProto(proto.dtype()));
  spec.shape.assign(proto.shape().begin(), proto.shape().end());
  spec.frac_bits = proto.frac_bits();
  return spec;
}

namespace {

illusion::v1::OpKind KindToProto(OpKind kind) {
  switch (kind) {
    case OpKind::kConv2D:
      return illusion::v1::OP_KIND_CONV2D;
    case OpKind::kDense:
      return illusion::v1::OP_KIND_DENSE;
    case OpKind::kMaxPool:
      return illusion::v1::OP_KIND_MAX_POOL;
    case OpKind::kArgmax:
      return illusion::v1::OP_KIND_ARGMAX;
    case OpKind::kBranch:
      return illusion::v1::OP_KIND_BRANCH;
    case OpKind::kLstm:
      return illusion::v1::OP_KIND_LSTM;
    case OpKind::kResidualAdd:
      return illusion::v1::OP_KIND_RESIDUAL_ADD;
    case OpKind::kGlobalAvgPool:
      return illusion::v1::OP_KIND_GLOBAL_AVG_POOL;
    case OpKind::kEmbedding:
      return illusion::v1::OP_KIND_EMBEDDING;
    case OpKind::kLmLstmCell:
      return illusion::v1::OP_KIND_LM_LSTM_CELL;
  }
  return illusion::v1::OP_KIND_UNSPECIFIED;
}

// Reads a required attribute of an op proto.
absl::StatusOr<int64_t> Attr(const illusion::v1::Op& op, const std::string& key) {
  auto it = op.int_attrs().find(key);
  if (it == op.int_attrs().end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("op '", op.name(), "' lacks attribute '", key, "'"));
  }
  return it->second;
}

absl::Status CheckArity(const illusion::v1::Op& op, int inputs, int outputs, int weights) {
  if (op.inputs_size() != inputs || op.outputs_size() != outputs ||
      op.weights_size() != weights) {
    return absl::InvalidArgumentError(absl::StrCat(
        "op '", op.name(), "' needs ", inputs, " inputs, ", outputs, " outputs and ",
        weights, " weights; got ", op.inputs_size(), ", ", op.outputs_size(), ", ",
        op.weights_size()));
  }
  return absl::OkStatus();
}

absl::Status AddOpFromProto(const illusion::v1::Op& op, GraphBuilder& b) {
  switch (op.kind()) {
    case illusion::v1::OP_KIND_CONV2D: {
      RETURN_IF_ERROR(CheckArity(op, 1, 1, 2));
      Conv2DParams p{op.name(), op.outputs(0), op.weights(0), op.weights(1)};
      ASSIGN_OR_RETURN(int64_t out_channels, Attr(op, "out_channels"));
      ASSIGN_OR_RETURN(int64_t kernel, Attr(op, "kernel"));
      ASSIGN_OR_RETURN(int64_t same, Attr(op, "same_padding"));
      ASSIGN_OR_RETURN(int64_t pool, Attr(op, "pool_shift"));
      p.out_channels = static_cast<int>(out_channels);
      p.kernel = static_cast<int>(kernel);
      p.same_padding = same != 0;
      p.pool_shift = static_cast<int>(pool);
      // Optional scaled-out attributes (absent for the paper's convolutions).
      const auto& attrs = op.int_attrs();
      if (auto it = attrs.find("stride"); it != attrs.end()) p.stride = static_cast<int>(it->second);
      if (auto it = attrs.find("pad"); it != attrs.end()) p.pad = static_cast<int>(it->second);
      if (auto it = attrs.find("pool_floor"); it != attrs.end()) p.pool_floor = it->second != 0;
      b.Conv2D(op.inputs(0), p);
      return absl::OkStatus();
    }
    case illusion::v1::OP_KIND_DENSE: {
      RETURN_IF_ERROR(CheckArity(op, 1, 1, 2));
      DenseParams p{op.name(), op.outputs(0), op.weights(0), op.weights(1)};
      ASSIGN_OR_RETURN(int64_t features, Attr(op, "out_features"));
      ASSIGN_OR_RETURN(int64_t bits, Attr(op, "out_bits"));
      ASSIGN_OR_RETURN(int64_t bias_shift, Attr(op, "bias_shift"));
      ASSIGN_OR_RETURN(int64_t out_shift, Attr(op, "out_shift"));
      ASSIGN_OR_RETURN(int64_t frac, Attr(op, "out_frac_bits"));
      p.out_features = static_cast<int>(features);
      p.out_dtype = bits == 8 ? DType::kInt8 : DType::kInt16;
      p.bias_shift = static_cast<int>(bias_shift);
      p.out_shift = static_cast<int>(out_shift);
      p.out_frac_bits = static_cast<int>(frac);
      b.Dense(op.inputs(0), p);
      return absl::OkStatus();
    }
    case illusion::v1::OP_KIND_MAX_POOL: {
      RETURN_IF_ERROR(CheckArity(op, 1, 1, 0));
      ASSIGN_OR_RETURN(int64_t shift, Attr(op, "shift"));
      b.MaxPool(op.name(), op.inputs(0), op.outputs(0), static_cast<int>(shift));
      return absl::OkStatus();
    }
    case illusion::v1::OP_KIND_ARGMAX:
      RETURN_IF_ERROR(CheckArity(op, 1, 1, 0));
      b.Argmax(op.name(), op.inputs(0), op.outputs(0));
      return absl::OkStatus();
    case illusion::v1::OP_KIND_BRANCH:
      RETURN_IF_ERROR(CheckArity(op, 1, 1, 0));
      b.Branch(op.name(), op.inputs(0), op.outputs(0));
      return absl::OkStatus();
    case illusion::v1::OP_KIND_LSTM: {
      RETURN_IF_ERROR(CheckArity(op, 3, 2, 3));
      LstmParams p{op.name(), op.outputs(0), op.outputs(1), op.weights(0),
                   op.weights(1), op.weights(2)};
      ASSIGN_OR_RETURN(int64_t hidden, Attr(op, "hidden"));
      p.hidden = static_cast<int>(hidden);
      b.Lstm(op.inputs(0), op.inputs(1), op.inputs(2), p);
      return absl::OkStatus();
    }
    case illusion::v1::OP_KIND_RESIDUAL_ADD:
      RETURN_IF_ERROR(CheckArity(op, 2, 1, 0));
      b.ResidualAdd(op.name(), op.inputs(0), op.inputs(1), op.outputs(0));
      return absl::OkStatus();
    case illusion::v1::OP_KIND_GLOBAL_AVG_POOL:
      RETURN_IF_ERROR(CheckArity(op, 1, 1, 0));
      b.GlobalAvgPool(op.name(), op.inputs(0), op.outputs(0));
      return absl::OkStatus();
    case illusion::v1::OP_KIND_EMBEDDING: {
      RETURN_IF_ERROR(CheckArity(op, 1, 1, 1));
      ASSIGN_OR_RETURN(int64_t vocabulary, Attr(op, "vocabulary"));
      ASSIGN_OR_RETURN(int64_t dim, Attr(op, "dim"));
      if (vocabulary <= 0 || dim <= 0 || dim > std::numeric_limits<int>::max()) {
        return absl::InvalidArgumentError(
            absl::StrCat("op '", op.name(), "': embedding vocabulary ", vocabulary, " and dim ",
                         dim, " must be positive (dim at most ",
                         std::numeric_limits<int>::max(), ")"));
      }
      b.Embedding(op.name(), op.inputs(0), op.outputs(0), op.weights(0), vocabulary,
                  static_cast<int>(dim));
      return absl::OkStatus();
    }
    case illusion::v1::OP_KIND_LM_LSTM_CELL: {
      RETURN_IF_ERROR(CheckArity(op, 3, 2, 2));
      LmLstmCellParams p{op.name(), op.outputs(0), op.outputs(1), op.weights(0),
                         op.weights(1), 0};
      ASSIGN_OR_RETURN(int64_t hidden, Attr(op, "hidden"));
      if (hidden <= 0 || hidden > std::numeric_limits<int>::max()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "op '", op.name(), "': lm_lstm_cell hidden ", hidden, " must be positive"));
      }
      p.hidden = static_cast<int>(hidden);
      b.LmLstmCell(op.inputs(0), op.inputs(1), op.inputs(2), p);
      return absl::OkStatus();
    }
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "op '", op.name(), "' has unknown kind ", static_cast<int>(op.kind())));
  }
}

}  // namespace

illusion::v1::DType DTypeToProto(DType dtype) {
  switch (dtype) {
    case DType::kInt8:
      return illusion::v1::DTYPE_INT8;
    case DType::kInt16:
      return illusion::v1::DTYPE_INT16;
    case DType::kInt32:
      return illusion::v1::DTYPE_INT32;
    case DType::kUInt8:
      return illusion::v1::DTYPE_UINT8;
  }
  return illusion::v1::DTYPE_UNSPECIFIED;
}

absl::StatusOr<DType> DTypeFromProto(illusion::v1::DType dtype) {
  switch (dtype) {
    case illusion::v1::DTYPE_INT8:
      return DType::kInt8;
    case illusion::v1::DTYPE_INT16:
      return DType::kInt16;
    case illusion::v1::DTYPE_INT32:
      return DType::kInt32;
    case illusion::v1::DTYPE_UINT8:
      return DType::kUInt8;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("dtype ", static_cast<int>(dtype), " is not int8, int16, int32 or uint8"));
  }
}

void TensorToProto(const std::string& name, const Tensor& tensor,
                   illusion::v1::Tensor* proto) {
  proto->set_name(name);
  proto->set_dtype(DTypeToProto(tensor.dtype()));
  proto->clear_shape();
  for (int64_t d : tensor.shape()) proto->add_shape(d);
  proto->set_frac_bits(tensor.frac_bits());
  proto->set_data(std::string(tensor.bytes()));
}

absl::StatusOr<Tensor> TensorFromProto(const illusion::v1::Tensor& proto) {
  absl::StatusOr<DType> dtype = DTypeFromProto(proto.dtype());
  if (!dtype.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor '", proto.name(), "': ", dtype.status().message()));
  }
  Shape shape(proto.shape().begin(), proto.shape().end());
  for (int64_t d : shape) {
    if (d < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tensor '", proto.name(), "' has negative dimension in ", ShapeString(shape)));
    }
  }
  absl::StatusOr<Tensor> t = Tensor::FromBytes(*dtype, shape, proto.frac_bits(), proto.data());
  if (!t.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor '", proto.name(), "': ", t.status().message()));
  }
  return t;
}

illusion::v1::Graph GraphToProto(const Graph& graph) {
  illusion::v1::Graph proto;
  proto.set_name(graph.name());
  for (const TensorSpec& in : graph.inputs()) TensorSpecToProto(in, proto.add_inputs());
  for (const std::string& out : graph.outputs()) {
    TensorSpecToProto(*graph.FindTensor(out), proto.add_outputs());
  }
  for (const TensorSpec& w : graph.weights()) TensorSpecToProto(w, proto.add_weights());
  for (const auto& op : graph.ops()) {
    illusion::v1::Op* p = proto.add_ops();
    p->set_name(op->name());
    p->set_kind(KindToProto(op->kind()));
    for (const TensorSpec& s : op->inputs()) p->add_inputs(s.name);
    for (const TensorSpec& s : op->outputs()) {
      p->add_outputs(s.name);
      TensorSpecToProto(s, proto.add_activations());
    }
    for (const TensorSpec& s : op->weights()) p->add_weights(s.name);
    for (const auto& [key, value] : op->attrs()) (*p->mutable_int_attrs())[key] = value;
    if (op->guard().has_value()) {
      p->mutable_guard()->set_tensor(op->guard()->tensor);
      p->mutable_guard()->set_value(op->guard()->value);
    }
  }
  return proto;
}

absl::StatusOr<Graph> GraphFromProto(const illusion::v1::Graph& proto) {
  GraphBuilder b(proto.name());
  for (const illusion::v1::TensorSpec& in : proto.inputs()) {
    ASSIGN_OR_RETURN(TensorSpec spec, TensorSpecFromProto(in));
    b.AddInput(std::move(spec));
  }
  for (const illusion::v1::Op& op : proto.ops()) {
    if (op.has_guard()) {
      b.SetGuard(Guard{op.guard().tensor(), op.guard().value()});
    } else {
      b.ClearGuard();
    }
    RETURN_IF_ERROR(AddOpFromProto(op, b));
  }
  b.ClearGuard();
  for (const illusion::v1::TensorSpec& out : proto.outputs()) b.AddOutput(out.name());
  return b.Build();
}

}  // namespace illusion::nn
