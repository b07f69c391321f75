#include "partitioner/scaled_out_layers.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace illusion::partitioner {
namespace {

constexpr const char* kNetParts[] = {"alex_net", "vgg_net", "resnet50",
                                     "lstm_langmod", "lstm_langmod_1"};
constexpr const char* kWorkloads[] = {"AlexNet", "VGG-16", "ResNet-50",
                                      "LSTM LangMod"};
constexpr double kPaperSweepMiB[] = {0.25, 0.5, 1,   2,   4,   8,    16,
                                     32,   64,  128, 256, 512, 1024, 2048};

// LSTM LangMod ("1 Billion Word" big LSTM): 793,470-word vocabulary of
// 1024-d embeddings, 8192 hidden units (4 gates each), 1024-d projection.
constexpr int64_t kLstmVocabulary = 793470;
constexpr int64_t kLstmEmbeddingDim = 1024;
constexpr int64_t kLstmInput = 2048;  // embedding/projection 1024 + recurrent.
constexpr int64_t kLstmHidden = 8192;
constexpr int64_t kLstmProjection = 1024;
constexpr int64_t kLstmCell1Batch = 32;
constexpr int64_t kLstmCell2Batch = 4;

// alex_net.py: no grouping and no pooling layers.
std::vector<LayerDesc> AlexNet() {
  return {
      MakeConvLayer("conv1", 3, 96, 55, 11, 4),
      MakeConvLayer("conv2", 96, 256, 27, 5),
      MakeConvLayer("conv3", 256, 384, 13, 3),
      MakeConvLayer("conv4", 384, 384, 13, 3),
      MakeConvLayer("conv5", 384, 256, 13, 3),
      MakeFullyConnectedLayer("fc1", 256, 4096, 6),
      MakeFullyConnectedLayer("fc2", 4096, 4096),
      MakeFullyConnectedLayer("fc3", 4096, 1000),
  };
}

// vgg_net.py: 13 3x3 convolutions without pooling layers, then 3 FC layers.
std::vector<LayerDesc> Vgg16() {
  struct Conv {
    int64_t nifm, nofm, size;
  };
  constexpr Conv kConvs[] = {
      {3, 64, 224},   {64, 64, 224},  {64, 128, 112}, {128, 128, 112},
      {128, 256, 56}, {256, 256, 56}, {256, 256, 56}, {256, 512, 28},
      {512, 512, 28}, {512, 512, 28}, {512, 512, 14}, {512, 512, 14},
      {512, 512, 14},
  };
  std::vector<LayerDesc> layers;
  int index = 1;
  for (const Conv& c : kConvs) {
    layers.push_back(MakeConvLayer(absl::StrFormat("conv%02d", index++), c.nifm,
                                   c.nofm, c.size, 3));
  }
  layers.push_back(MakeFullyConnectedLayer("fc1", 512, 4096, 7));
  layers.push_back(MakeFullyConnectedLayer("fc2", 4096, 4096));
  layers.push_back(MakeFullyConnectedLayer("fc3", 4096, 1000));
  return layers;
}

// resnet50.py (multichip copy, with fc1): bottleneck blocks a (1x1), b (3x3),
// c (1x1); no projection shortcuts, no pooling. The skip tensor added at the
// end of block k is that block's input, produced by the previous block's `c`
// (or conv1); the add feeds the next layer after block k's `c`, i.e. block
// k+1's `a` (or fc1). conv2_1_a reads conv1's output directly (no skip).
std::vector<LayerDesc> ResNet50() {
  struct Stage {
    int64_t mid, out, size, blocks;
  };
  constexpr Stage kStages[] = {{64, 256, 56, 3},
                               {128, 512, 28, 4},
                               {256, 1024, 14, 6},
                               {512, 2048, 7, 3}};
  std::vector<LayerDesc> layers = {MakeConvLayer("conv1", 3, 64, 112, 7, 2)};
  std::string block_input = "conv1";  // Producer of the current block input.
  std::string skip;                   // Skip tensor consumed by the next `a`.
  int64_t channels = 64;
  for (int s = 0; s < 4; ++s) {
    const Stage& st = kStages[s];
    for (int b = 1; b <= st.blocks; ++b) {
      const std::string prefix = absl::StrCat("conv", s + 2, "_", b, "_");
      // Upstream quirk: every stage-2 `a` layer reads 64 channels.
      const int64_t a_in = s == 0 ? 64 : channels;
      const int64_t a_stride = (s > 0 && b == 1) ? 2 : 1;
      LayerDesc a =
          MakeConvLayer(prefix + "a", a_in, st.mid, st.size, 1, a_stride);
      if (!skip.empty()) a.residual_inputs = {skip};
      layers.push_back(std::move(a));
      layers.push_back(MakeConvLayer(prefix + "b", st.mid, st.mid, st.size, 3));
      layers.push_back(MakeConvLayer(prefix + "c", st.mid, st.out, st.size, 1));
      skip = block_input;
      block_input = prefix + "c";
      channels = st.out;
    }
  }
  LayerDesc fc1 = MakeFullyConnectedLayer("fc1", 2048, 1000);
  fc1.residual_inputs = {skip};
  layers.push_back(std::move(fc1));
  return layers;
}

// lstm_langmod.py: embedding + cell 1, scheduled with batch 32.
std::vector<LayerDesc> LstmLangModCell1() {
  return {
      MakeEmbeddingLayer("embed1", kLstmVocabulary, kLstmEmbeddingDim,
                         kLstmCell1Batch),
      MakeLstmGatesLayer("act_1", kLstmInput, 4 * kLstmHidden, kLstmCell1Batch),
      MakeLstmProjectionLayer("proj_1", kLstmHidden, kLstmProjection,
                              kLstmCell1Batch),
  };
}

// lstm_langmod_1.py: cell 2, batch 4; no softmax layer after `output`.
std::vector<LayerDesc> LstmLangModCell2() {
  return {
      MakeLstmGatesLayer("act_2", kLstmInput, 4 * kLstmHidden, kLstmCell2Batch),
      MakeLstmProjectionLayer("output", kLstmHidden, kLstmProjection,
                              kLstmCell2Batch),
  };
}

// Maps aliases to the canonical net-part name; "" if not a single net part.
absl::string_view CanonicalNetPart(absl::string_view name) {
  if (name == "alex_net" || name == "alexnet" || name == "AlexNet") {
    return "alex_net";
  }
  if (name == "vgg_net" || name == "vgg16" || name == "VGG-16") {
    return "vgg_net";
  }
  if (name == "resnet50" || name == "ResNet-50") return "resnet50";
  if (name == "lstm_langmod") return "lstm_langmod";
  if (name == "lstm_langmod_1") return "lstm_langmod_1";
  return "";
}

bool IsLstmWorkload(absl::string_view name) {
  return name == "lstm_lm" || name == "LSTM LangMod";
}

}  // namespace

absl::StatusOr<std::vector<LayerDesc>> ScaledOutNetPart(
    absl::string_view net_part) {
  const absl::string_view canonical = CanonicalNetPart(net_part);
  if (canonical == "alex_net") return AlexNet();
  if (canonical == "vgg_net") return Vgg16();
  if (canonical == "resnet50") return ResNet50();
  if (canonical == "lstm_langmod") return LstmLangModCell1();
  if (canonical == "lstm_langmod_1") return LstmLangModCell2();
  if (IsLstmWorkload(net_part)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "net part '", net_part,
        "' is the two-part lstm workload; partition lstm_langmod and "
        "lstm_langmod_1 separately (see ScaledOutWorkloadNetParts)"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown net part '", net_part,
                   "'; expected alex_net, vgg_net, resnet50, lstm_langmod or "
                   "lstm_langmod_1"));
}

absl::StatusOr<std::vector<std::string>> ScaledOutWorkloadNetParts(
    absl::string_view workload) {
  if (IsLstmWorkload(workload)) {
    return std::vector<std::string>{"lstm_langmod", "lstm_langmod_1"};
  }
  const absl::string_view canonical = CanonicalNetPart(workload);
  if (canonical.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown workload '", workload,
                     "'; expected alexnet, vgg16, resnet50 or lstm_lm"));
  }
  return std::vector<std::string>{std::string(canonical)};
}

absl::Span<const char* const> ScaledOutNetPartNames() { return kNetParts; }

absl::Span<const char* const> ScaledOutWorkloadNames() { return kWorkloads; }

absl::Span<const double> PaperSweepMemsizesMiB() { return kPaperSweepMiB; }

}  // namespace illusion::partitioner
