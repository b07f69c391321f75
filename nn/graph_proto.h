#ifndef ILLUSION_NN_GRAPH_PROTO_H_
#define ILLUSION_NN_GRAPH_PROTO_H_

// Conversion between nn graphs/tensors and proto/illusion/v1/model.proto.
// This adapter is the only part of nn that knows about protos; the core nn
// libraries depend on Abseil alone. Stateless and thread-safe.

#include "absl/status/statusor.h"
#include "nn/graph.h"
#include "nn/tensor.h"
#include "proto/illusion/v1/model.pb.h"

namespace illusion::nn {

illusion::v1::DType DTypeToProto(DType dtype);
// InvalidArgument for DTYPE_UNSPECIFIED or an unknown value.
absl::StatusOr<DType> DTypeFromProto(illusion::v1::DType dtype);

void TensorSpecToProto(const TensorSpec& spec, illusion::v1::TensorSpec* proto);
// InvalidArgument naming the spec for a bad dtype.
absl::StatusOr<TensorSpec> TensorSpecFromProto(const illusion::v1::TensorSpec& proto);

void TensorToProto(const std::string& name, const Tensor& tensor,
                   illusion::v1::Tensor* proto);
// InvalidArgument naming the tensor when dtype, shape and data disagree.
absl::StatusOr<Tensor> TensorFromProto(const illusion::v1::Tensor& proto);

// The whole graph: inputs, outputs, weight and activation specs, ops with
// their attributes and guards.
illusion::v1::Graph GraphToProto(const Graph& graph);
// Rebuilds a graph through GraphBuilder, so every check of the builder and
// of the op factories applies; InvalidArgument naming the op otherwise (an
// unknown kind, a missing attribute).
absl::StatusOr<Graph> GraphFromProto(const illusion::v1::Graph& proto);

}  // namespace illusion::nn

#endif  // ILLUSION_NN_GRAPH_PROTO_H_
