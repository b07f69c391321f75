#ifndef ILLUSION_NN_SCALED_OUT_WORKLOADS_H_
#define ILLUSION_NN_SCALED_OUT_WORKLOADS_H_

// The scaled-out simulation's CNNs (scaled_out_sim.md §4; the LayerDesc
// tables of partitioner/scaled_out_layers.h) as executable nn graphs, so that
// GreedyGraphPartition produces real Partitions for them. Batch 1, int8
// activations (Q4) and int8 weights with int32 accumulators, exactly like the
// paper's CNN ops; weights are seeded (there is no reference). Layer names
// and shapes follow the LayerDesc tables; the differences are:
//   * weights are int8 (1 byte, plus 1 byte per output channel of bias), the
//     tables count 16-bit weights: graph weight bytes = table bytes / 2 +
//     biases, weight counts and MACs are equal;
//   * pooling that the tables omit is folded into the convolutions (the
//     conv's 2^p max-pool, floor mode where the side is odd) or added as
//     weightless ops (ResNet residual adds, global average pool);
//   * ResNet-50's conv2_2_a and conv2_3_a read the 256 channels the previous
//     block produces (upstream's table has 64: its quirk), so they hold
//     256 * 64 weights, not 64 * 64.
//
// AlexNet ("alexnet"): input int8 [3, 227, 227]; conv1 11x11 stride 4 (55,
//   pool -> 27), conv2 5x5 pad 2 (27, pool -> 13), conv3-5 3x3 same (13;
//   conv5 pool -> 6), fc1 9216 -> 4096, fc2, fc3 -> 1000 ("logits"), argmax.
// VGG-16 ("vgg16"): input int8 [3, 224, 224]; conv01..conv13 3x3 same with a
//   2x2 max-pool after conv02, 04, 07, 10, 13; fc1 25088 -> 4096, fc2, fc3.
// ResNet-50 ("resnet50"): input int8 [3, 224, 224]; conv1 7x7 stride 2 pad 3
//   (112, pool -> 56); 16 bottleneck blocks conv<s>_<b>_{a,b,c} (a: 1x1,
//   stride 2 in the first block of stages 3-5; b: 3x3 same; c: 1x1) each
//   followed by add<s>_<b> = ResidualAdd(c, block input) (option-A
//   shortcut: no weights); pool (global average) -> fc1 2048 -> 1000.
// Every graph ends with "logits" (int16 [1000]) and "class" (argmax).
// Dense layers: out = Wrap16((sum + (B << 4)) >> 4), int16 between FCs.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nn/graph.h"

namespace illusion::nn {

enum class ScaledOutNet { kAlexNet, kVgg16, kResNet50 };

// "alexnet", "vgg16", "resnet50".
absl::string_view ScaledOutNetName(ScaledOutNet net);
// Accepts the names above and the net-part names alex_net, vgg_net;
// InvalidArgument listing them otherwise.
absl::StatusOr<ScaledOutNet> ParseScaledOutNet(absl::string_view name);
const std::vector<ScaledOutNet>& AllScaledOutNets();

struct ScaledOutGraphOptions {
  // Divides every channel count (conv channels, hidden FC features; not the
  // 3 input channels nor the 1000 classes) by this, at least 1 channel left:
  // a reduced-size variant for bit-exact property tests. 1 = the real net.
  int channel_divisor = 1;
};

absl::StatusOr<Graph> BuildScaledOutGraph(ScaledOutNet net,
                                          const ScaledOutGraphOptions& options = {});

// The LSTM language model ("lstm_lm"; LayerDesc net parts lstm_langmod =
// embed1 + act_1 + proj_1 and lstm_langmod_1 = act_2 + output) as one graph,
// one time step, batch 1:
//   embed1: Embedding(word) -> "embed1" int8 [dim]
//   act_1:  LmLstmCell(x = embed1, r = "r1_0", c = "c1_0") -> "h1", "c1"
//   proj_1: Dense(h1) -> "r1" int8 [projection]
//   act_2:  LmLstmCell(x = r1, r = "r2_0", c = "c2_0") -> "h2", "c2"
//   output: Dense(h2) -> "r2" int8 [projection]
// Inputs: "word" int32 [1], "r1_0"/"r2_0" int8 [projection] (Q4),
// "c1_0"/"c2_0" int16 [hidden] (Q8). Outputs: r2, r1, c1, c2 (the step's
// result and the next state). Dense: out = Wrap8((sum + (B << 4)) >> 4).
// Differences from the tables: int8 weights (half the bytes), biases added;
// the embedding holds vocabulary x dim bytes and splits by dimension (one
// unit = `vocabulary` bytes; the table splits by words); MACs are per word
// (the tables schedule cell 1 with batch 32, cell 2 with batch 4, and count
// the embedding as vocabulary MACs: here a lookup has none); the tables
// partition the two cells as two systems, the graph as one.
struct LstmLmOptions {
  int64_t vocabulary = 793470;
  int dim = 1024;
  int hidden = 8192;
  int projection = 1024;
};
absl::StatusOr<Graph> BuildLstmLmGraph(const LstmLmOptions& options = {});

}  // namespace illusion::nn

#endif  // ILLUSION_NN_SCALED_OUT_WORKLOADS_H_
