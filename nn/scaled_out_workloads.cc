#include "nn/scaled_out_workloads.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nn/workloads.h"

namespace illusion::nn {
namespace {

constexpr int kClasses = 1000;

// Builds convs and dense layers with the naming used by the LayerDesc tables.
class NetBuilder {
 public:
  NetBuilder(std::string name, int divisor, int input_size)
      : b_(std::move(name)), divisor_(std::max(1, divisor)) {
    b_.AddInput(TensorSpec{kInputTensor, DType::kInt8, {3, input_size, input_size}, 4});
  }
  int Ch(int channels) const { return std::max(1, channels / divisor_); }

  // Returns the output tensor name (= layer name).
  std::string Conv(const std::string& name, const std::string& input, int out_channels,
                   int kernel, int stride, int pad, int pool_shift) {
    Conv2DParams p;
    p.name = name;
    p.output = name;
    p.weights = name + ".w";
    p.bias = name + ".b";
    p.out_channels = Ch(out_channels);
    p.kernel = kernel;
    p.stride = stride;
    p.pad = pad;
    p.same_padding = pad > 0;
    p.pool_shift = pool_shift;
    p.pool_floor = pool_shift > 0;
    b_.Conv2D(input, p);
    return name;
  }
  std::string Dense(const std::string& name, const std::string& input, int features,
                    bool hidden) {
    DenseParams p;
    p.name = name;
    p.output = hidden ? name : "logits";
    p.weights = name + ".w";
    p.bias = name + ".b";
    p.out_features = hidden ? Ch(features) : features;
    p.out_dtype = DType::kInt16;
    b_.Dense(input, p);
    return p.output;
  }
  absl::StatusOr<Graph> Finish(const std::string& logits) {
    b_.Argmax("argmax", logits, kClassTensor);
    b_.AddOutput(logits);
    b_.AddOutput(kClassTensor);
    return b_.Build();
  }
  GraphBuilder& builder() { return b_; }

 private:
  GraphBuilder b_;
  int divisor_;
};

absl::StatusOr<Graph> AlexNet(int divisor) {
  NetBuilder n("alexnet", divisor, 227);
  std::string t = n.Conv("conv1", kInputTensor, 96, 11, 4, 0, 1);  // 55 -> 27
  t = n.Conv("conv2", t, 256, 5, 1, 2, 1);                         // 27 -> 13
  t = n.Conv("conv3", t, 384, 3, 1, 1, 0);
  t = n.Conv("conv4", t, 384, 3, 1, 1, 0);
  t = n.Conv("conv5", t, 256, 3, 1, 1, 1);  // 13 -> 6
  t = n.Dense("fc1", t, 4096, true);
  t = n.Dense("fc2", t, 4096, true);
  t = n.Dense("fc3", t, kClasses, false);
  return n.Finish(t);
}

absl::StatusOr<Graph> Vgg16(int divisor) {
  NetBuilder n("vgg16", divisor, 224);
  constexpr int kChannels[] = {64, 64, 128, 128, 256, 256, 256,
                               512, 512, 512, 512, 512, 512};
  constexpr bool kPoolAfter[] = {false, true,  false, true,  false, false, true,
                                 false, false, true,  false, false, true};
  std::string t = kInputTensor;
  for (int i = 0; i < 13; ++i) {
    t = n.Conv(absl::StrFormat("conv%02d", i + 1), t, kChannels[i], 3, 1, 1,
               kPoolAfter[i] ? 1 : 0);
  }
  t = n.Dense("fc1", t, 4096, true);
  t = n.Dense("fc2", t, 4096, true);
  t = n.Dense("fc3", t, kClasses, false);
  return n.Finish(t);
}

absl::StatusOr<Graph> ResNet50(int divisor) {
  NetBuilder n("resnet50", divisor, 224);
  struct Stage {
    int mid, out, blocks;
  };
  constexpr Stage kStages[] = {{64, 256, 3}, {128, 512, 4}, {256, 1024, 6}, {512, 2048, 3}};
  std::string block_input = n.Conv("conv1", kInputTensor, 64, 7, 2, 3, 1);  // 112 -> 56
  for (int s = 0; s < 4; ++s) {
    const Stage& st = kStages[s];
    for (int b = 1; b <= st.blocks; ++b) {
      const std::string prefix = absl::StrCat("conv", s + 2, "_", b, "_");
      const int stride = (s > 0 && b == 1) ? 2 : 1;
      std::string t = n.Conv(prefix + "a", block_input, st.mid, 1, stride, 0, 0);
      t = n.Conv(prefix + "b", t, st.mid, 3, 1, 1, 0);
      t = n.Conv(prefix + "c", t, st.out, 1, 1, 0, 0);
      const std::string add = absl::StrCat("add", s + 2, "_", b);
      n.builder().ResidualAdd(add, t, block_input, add);
      block_input = add;
    }
  }
  n.builder().GlobalAvgPool("pool", block_input, "pool");
  const std::string logits = n.Dense("fc1", "pool", kClasses, false);
  return n.Finish(logits);
}

}  // namespace

absl::string_view ScaledOutNetName(ScaledOutNet net) {
  switch (net) {
    case ScaledOutNet::kAlexNet:
      return "alexnet";
    case ScaledOutNet::kVgg16:
      return "vgg16";
    case ScaledOutNet::kResNet50:
      return "resnet50";
  }
  return "?";
}

absl::StatusOr<ScaledOutNet> ParseScaledOutNet(absl::string_view name) {
  if (name == "alexnet" || name == "alex_net") return ScaledOutNet::kAlexNet;
  if (name == "vgg16" || name == "vgg_net") return ScaledOutNet::kVgg16;
  if (name == "resnet50") return ScaledOutNet::kResNet50;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown scaled-out net '", name, "'; expected alexnet, vgg16 or resnet50"));
}

const std::vector<ScaledOutNet>& AllScaledOutNets() {
  static const auto* nets = new std::vector<ScaledOutNet>{
      ScaledOutNet::kAlexNet, ScaledOutNet::kVgg16, ScaledOutNet::kResNet50};
  return *nets;
}

absl::StatusOr<Graph> BuildLstmLmGraph(const LstmLmOptions& o) {
  GraphBuilder b("lstm_lm");
  b.AddInput(TensorSpec{"word", DType::kInt32, {1}, 0});
  for (const char* r : {"r1_0", "r2_0"}) {
    b.AddInput(TensorSpec{r, DType::kInt8, {o.projection}, 4});
  }
  for (const char* c : {"c1_0", "c2_0"}) {
    b.AddInput(TensorSpec{c, DType::kInt16, {o.hidden}, 8});
  }
  b.Embedding("embed1", "word", "embed1", "embed1.table", o.vocabulary, o.dim);
  auto cell = [&](const std::string& name, const std::string& x, const std::string& r,
                  const std::string& c, const std::string& h_out, const std::string& c_out) {
    LmLstmCellParams p{name, h_out, c_out, name + ".w", name + ".b", o.hidden};
    b.LmLstmCell(x, r, c, p);
  };
  auto proj = [&](const std::string& name, const std::string& h, const std::string& out) {
    DenseParams p;
    p.name = name;
    p.output = out;
    p.weights = name + ".w";
    p.bias = name + ".b";
    p.out_features = o.projection;
    p.out_dtype = DType::kInt8;
    b.Dense(h, p);
  };
  cell("act_1", "embed1", "r1_0", "c1_0", "h1", "c1");
  proj("proj_1", "h1", "r1");
  cell("act_2", "r1", "r2_0", "c2_0", "h2", "c2");
  proj("output", "h2", "r2");
  for (const char* out : {"r2", "r1", "c1", "c2"}) b.AddOutput(out);
  return b.Build();
}

absl::StatusOr<Graph> BuildScaledOutGraph(ScaledOutNet net,
                                          const ScaledOutGraphOptions& options) {
  if (options.channel_divisor < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "channel_divisor must be >= 1; got ", options.channel_divisor));
  }
  switch (net) {
    case ScaledOutNet::kAlexNet:
      return AlexNet(options.channel_divisor);
    case ScaledOutNet::kVgg16:
      return Vgg16(options.channel_divisor);
    case ScaledOutNet::kResNet50:
      return ResNet50(options.channel_divisor);
  }
  return absl::InvalidArgumentError("unknown scaled-out net");
}

}  // namespace illusion::nn
