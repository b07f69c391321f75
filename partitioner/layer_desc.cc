#include "partitioner/layer_desc.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace illusion::partitioner {
namespace {

bool HasWeights(LayerKind kind) {
  return kind != LayerKind::kPool && kind != LayerKind::kEltwise;
}

absl::Status FieldError(const LayerDesc& layer, absl::string_view field,
                        int64_t value, absl::string_view requirement) {
  return absl::InvalidArgumentError(absl::StrCat(
      "layer '", layer.name, "': ", field, " is ", value, "; ", requirement));
}

absl::Status CheckPositiveShape(const LayerDesc& layer) {
  const std::pair<absl::string_view, int64_t> fields[] = {
      {"nifm", layer.nifm},
      {"nofm", layer.nofm},
      {"ifmap_height", layer.ifmap_height},
      {"ifmap_width", layer.ifmap_width},
      {"ofmap_height", layer.ofmap_height},
      {"ofmap_width", layer.ofmap_width},
      {"kernel_height", layer.kernel_height},
      {"kernel_width", layer.kernel_width},
      {"stride", layer.stride},
      {"batch", layer.batch},
      {"bytes_per_activation", layer.bytes_per_activation},
  };
  for (const auto& [field, value] : fields) {
    if (value <= 0) return FieldError(layer, field, value, "must be positive");
  }
  return absl::OkStatus();
}

absl::Status CheckKindRules(const LayerDesc& layer) {
  if (layer.kind == LayerKind::kLstmCellMath) {
    return absl::InvalidArgumentError(
        absl::StrCat("layer '", layer.name,
                     "': kind lstm_cell_math is produced by the partitioner "
                     "and cannot be an input layer"));
  }
  if (!HasWeights(layer.kind) && layer.nifm != layer.nofm) {
    return FieldError(
        layer, "nofm", layer.nofm,
        absl::StrCat("a ", LayerKindName(layer.kind),
                     " layer needs nofm == nifm (", layer.nifm, ")"));
  }
  const bool is_embedding = layer.kind == LayerKind::kEmbedding;
  if (is_embedding && layer.embedding_dim <= 0) {
    return FieldError(layer, "embedding_dim", layer.embedding_dim,
                      "must be positive for an embedding");
  }
  if (!is_embedding && layer.embedding_dim != 0) {
    return FieldError(layer, "embedding_dim", layer.embedding_dim,
                      "must be 0 unless the layer is an embedding");
  }
  return absl::OkStatus();
}

absl::Status CheckDerivedFields(const LayerDesc& layer) {
  LayerDesc expected = layer;
  FillDerivedFields(expected);
  const std::pair<absl::string_view, std::pair<int64_t, int64_t>> fields[] = {
      {"weight_count", {layer.weight_count, expected.weight_count}},
      {"resident_weight_count",
       {layer.resident_weight_count, expected.resident_weight_count}},
      {"ifmap_bytes", {layer.ifmap_bytes, expected.ifmap_bytes}},
      {"ofmap_bytes", {layer.ofmap_bytes, expected.ofmap_bytes}},
      {"macs", {layer.macs, expected.macs}},
  };
  for (const auto& [field, values] : fields) {
    if (values.first != values.second) {
      return FieldError(layer, field, values.first,
                        absl::StrCat("the shape implies ", values.second,
                                     " (call FillDerivedFields)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::string_view LayerKindName(LayerKind kind) {
  switch (kind) {
    case LayerKind::kConv:
      return "conv";
    case LayerKind::kFullyConnected:
      return "fc";
    case LayerKind::kPool:
      return "pool";
    case LayerKind::kEltwise:
      return "eltwise";
    case LayerKind::kEmbedding:
      return "embedding";
    case LayerKind::kLstmGates:
      return "lstm_gates";
    case LayerKind::kLstmProjection:
      return "lstm_projection";
    case LayerKind::kLstmCellMath:
      return "lstm_cell_math";
  }
  return "unknown";
}

void FillDerivedFields(LayerDesc& layer) {
  const int64_t kernel = layer.kernel_height * layer.kernel_width;
  const int64_t ofmap_area = layer.ofmap_height * layer.ofmap_width;
  const int64_t ifmap_area = layer.ifmap_height * layer.ifmap_width;
  const bool has_weights = HasWeights(layer.kind);
  layer.weight_count = has_weights ? layer.nifm * layer.nofm * kernel : 0;
  layer.resident_weight_count = layer.kind == LayerKind::kEmbedding
                                    ? layer.weight_count * layer.embedding_dim
                                    : layer.weight_count;
  layer.ifmap_bytes =
      layer.nifm * ifmap_area * layer.bytes_per_activation * layer.batch;
  layer.ofmap_bytes =
      layer.nofm * ofmap_area * layer.bytes_per_activation * layer.batch;
  layer.macs = has_weights ? layer.weight_count * ofmap_area * layer.batch : 0;
}

absl::Status ValidateLayerDesc(const LayerDesc& layer) {
  if (layer.name.empty()) {
    return absl::InvalidArgumentError("layer name is empty");
  }
  if (absl::Status s = CheckPositiveShape(layer); !s.ok()) return s;
  if (absl::Status s = CheckKindRules(layer); !s.ok()) return s;
  return CheckDerivedFields(layer);
}

LayerDesc MakeConvLayer(std::string name, int64_t nifm, int64_t nofm,
                        int64_t ofmap_size, int64_t kernel_size, int64_t stride,
                        int64_t batch) {
  LayerDesc layer;
  layer.name = std::move(name);
  layer.kind = LayerKind::kConv;
  layer.nifm = nifm;
  layer.nofm = nofm;
  layer.ofmap_height = layer.ofmap_width = ofmap_size;
  layer.kernel_height = layer.kernel_width = kernel_size;
  layer.stride = stride;
  layer.ifmap_height = layer.ifmap_width =
      kernel_size + (ofmap_size - 1) * stride;
  layer.batch = batch;
  FillDerivedFields(layer);
  return layer;
}

LayerDesc MakeFullyConnectedLayer(std::string name, int64_t nifm, int64_t nofm,
                                  int64_t kernel_size, int64_t batch) {
  LayerDesc layer = MakeConvLayer(std::move(name), nifm, nofm,
                                  /*ofmap_size=*/1, kernel_size,
                                  /*stride=*/1, batch);
  layer.kind = LayerKind::kFullyConnected;
  FillDerivedFields(layer);
  return layer;
}

LayerDesc MakeEmbeddingLayer(std::string name, int64_t vocabulary, int64_t dim,
                             int64_t batch) {
  LayerDesc layer = MakeFullyConnectedLayer(
      std::move(name), /*nifm=*/1, vocabulary, /*kernel_size=*/1, batch);
  layer.kind = LayerKind::kEmbedding;
  layer.embedding_dim = dim;
  FillDerivedFields(layer);
  return layer;
}

LayerDesc MakeLstmGatesLayer(std::string name, int64_t input_size,
                             int64_t gate_rows, int64_t batch) {
  LayerDesc layer = MakeFullyConnectedLayer(
      std::move(name), input_size, gate_rows, /*kernel_size=*/1, batch);
  layer.kind = LayerKind::kLstmGates;
  return layer;
}

LayerDesc MakeLstmProjectionLayer(std::string name, int64_t hidden,
                                  int64_t proj_size, int64_t batch) {
  LayerDesc layer = MakeFullyConnectedLayer(std::move(name), hidden, proj_size,
                                            /*kernel_size=*/1, batch);
  layer.kind = LayerKind::kLstmProjection;
  return layer;
}

}  // namespace illusion::partitioner
