// LayerDesc: the partitioner's plain, framework-free description of one layer
// of a feed-forward network, in the shape model of the scaled-out Illusion
// simulation (spec scaled_out_sim.md §3-§4, upstream nn_dataflow `Layer`).
//
// A network (or one independently partitioned "net part" of it) is a
// std::vector<LayerDesc> in execution order. Layers form a chain: each layer's
// main input is the previous layer's output; extra skip tensors (ResNet
// residuals) are named in `residual_inputs`. The descriptors for the paper's
// workloads come from scaled_out_layers.h; an adapter can derive the same
// descriptors from any other graph representation.

#ifndef ILLUSION_PARTITIONER_LAYER_DESC_H_
#define ILLUSION_PARTITIONER_LAYER_DESC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace illusion::partitioner {

// What a layer computes; decides how the greedy partitioner may split it.
enum class LayerKind {
  // Convolution (nofm filters of nifm x kernel_h x kernel_w). Split by output
  // channels when nofm >= nifm, else by input channels (partial sums).
  kConv,
  // Fully connected layer: a convolution with a 1x1 output whose kernel covers
  // the whole input (FC(C, M, R) = Layer(C, M, 1, R)). Same split rules.
  kFullyConnected,
  // Pooling: no weights, never split; nifm == nofm.
  kPool,
  // Element-wise op (e.g. an explicit residual add): no weights, never split.
  kEltwise,
  // Embedding lookup table with nofm vocabulary words of embedding_dim 16-bit
  // values each, modelled (as upstream) as FC(nifm = 1, nofm = words). It is
  // split by vocabulary words ("input" split: a word id selects a row).
  kEmbedding,
  // LSTM gate matrix FC(input_size, 4 * hidden): must be followed directly by
  // its kLstmProjection; the pair is split together into hidden-unit slices.
  kLstmGates,
  // LSTM projection FC(hidden, proj_size) that follows a kLstmGates layer.
  kLstmProjection,
  // Element-wise LSTM cell math. Never appears in an input layer list: the
  // partitioner emits it on the "node_k_dummy" pseudo-chips.
  kLstmCellMath,
};

// "conv", "fc", "pool", "eltwise", "embedding", "lstm_gates",
// "lstm_projection", "lstm_cell_math".
absl::string_view LayerKindName(LayerKind kind);

// One layer. A plain value type (copyable, no invariants enforced by the type
// itself: call ValidateLayerDesc); owns its strings. Not synchronized: treat
// as immutable when shared between threads.
//
// Shape fields follow upstream nn_dataflow: nifm = C, nofm = M, ofmap E x E,
// kernel R x R, stride U, input sifm = R + (E - 1) * U without padding (not
// enforced here, so padded graphs can be described too).
//
// The derived fields (weight_count ... macs) are what every consumer reads;
// FillDerivedFields() computes them from the shape, and ValidateLayerDesc()
// rejects descriptors whose derived fields disagree with the shape.
struct LayerDesc {
  // Unique name within the net part, e.g. "conv4_2_c" or "fc1".
  std::string name;
  LayerKind kind = LayerKind::kConv;

  // Input feature maps / channels (C). For kEmbedding: 1 (one word id).
  int64_t nifm = 0;
  // Output feature maps / channels (M). For kEmbedding: vocabulary words.
  int64_t nofm = 0;
  // Input spatial size (sifm), height and width; 1 for FC-like layers' output.
  int64_t ifmap_height = 1;
  int64_t ifmap_width = 1;
  // Output spatial size (sofm, E), height and width.
  int64_t ofmap_height = 1;
  int64_t ofmap_width = 1;
  // Kernel (filter) size R; an FC layer's kernel equals its input size.
  int64_t kernel_height = 1;
  int64_t kernel_width = 1;
  // Stride U (informational: sizes above are given explicitly).
  int64_t stride = 1;
  // Inputs processed together (the LSTM cells use 32 and 4; CNNs use 1).
  int64_t batch = 1;
  // Bytes per activation value (ifmap/ofmap element); the paper uses 16 bit.
  int64_t bytes_per_activation = 2;
  // kEmbedding only: values per vocabulary word (1024 for the LSTM LM);
  // 0 for every other kind.
  int64_t embedding_dim = 0;

  // Names of earlier layers whose output must also reach this layer as a skip
  // tensor (a ResNet residual added into this layer's input). A chip boundary
  // between the producer and this layer costs one message of the producer's
  // ofmap (spec §3.6 "ResNet residual bypass").
  std::vector<std::string> residual_inputs;

  // ---- Derived fields (FillDerivedFields) ----
  // Weights as the upstream Layer model counts them: nifm * nofm * kh * kw
  // (0 for kPool/kEltwise). For kEmbedding this is one weight per word, which
  // is what the paper's message-passing CSV reports in its fmap column.
  int64_t weight_count = 0;
  // Weights a chip must actually store: weight_count, except kEmbedding where
  // every word holds embedding_dim values (weight_count * embedding_dim).
  int64_t resident_weight_count = 0;
  // Input / output activation bytes for the whole batch:
  //   ifmap_bytes = nifm * ifmap_h * ifmap_w * bytes_per_activation * batch,
  //   ofmap_bytes = nofm * ofmap_h * ofmap_w * bytes_per_activation * batch.
  int64_t ifmap_bytes = 0;
  int64_t ofmap_bytes = 0;
  // Multiply-accumulates for the whole batch:
  // nifm * nofm * ofmap_h * ofmap_w * kh * kw * batch (0 for pool/eltwise).
  int64_t macs = 0;
};

// Recomputes the derived fields of `layer` from its shape fields.
void FillDerivedFields(LayerDesc& layer);

// Checks one descriptor: non-empty name, positive sizes, kind-specific rules
// (pool/eltwise have nifm == nofm, only kEmbedding has embedding_dim > 0, no
// kLstmCellMath in inputs) and derived fields consistent with the shape.
// Returns InvalidArgument naming the layer and the offending field.
absl::Status ValidateLayerDesc(const LayerDesc& layer);

// Factories for the shapes of the upstream model (square maps and kernels,
// no padding: sifm = R + (E - 1) * U). All return descriptors with derived
// fields filled in.

// Layer(C, M, E, R, U): a convolution.
LayerDesc MakeConvLayer(std::string name, int64_t nifm, int64_t nofm,
                        int64_t ofmap_size, int64_t kernel_size,
                        int64_t stride = 1, int64_t batch = 1);
// FCLayer(C, M, R): kernel R x R over an R x R input, 1 x 1 output.
LayerDesc MakeFullyConnectedLayer(std::string name, int64_t nifm, int64_t nofm,
                                  int64_t kernel_size = 1, int64_t batch = 1);
// An embedding of `vocabulary` words of `dim` values (FC(1, vocabulary, 1)).
LayerDesc MakeEmbeddingLayer(std::string name, int64_t vocabulary, int64_t dim,
                             int64_t batch);
// LSTM gates FC(input_size, 4 * hidden) and projection FC(hidden, proj_size).
LayerDesc MakeLstmGatesLayer(std::string name, int64_t input_size,
                             int64_t gate_rows, int64_t batch);
LayerDesc MakeLstmProjectionLayer(std::string name, int64_t hidden,
                                  int64_t proj_size, int64_t batch);

}  // namespace illusion::partitioner

#endif  // ILLUSION_PARTITIONER_LAYER_DESC_H_
