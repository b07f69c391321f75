#include "nn/workloads.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace illusion::nn {
namespace {

Conv2DParams Conv(std::string name, std::string output, std::string weights,
                  std::string bias, int out_channels, int kernel, bool same,
                  int pool_shift) {
  Conv2DParams p;
  p.name = std::move(name);
  p.output = std::move(output);
  p.weights = std::move(weights);
  p.bias = std::move(bias);
  p.out_channels = out_channels;
  p.kernel = kernel;
  p.same_padding = same;
  p.pool_shift = pool_shift;
  return p;
}

DenseParams Fc(std::string name, std::string output, std::string weights,
               std::string bias, int out_features, DType out_dtype) {
  DenseParams p;
  p.name = std::move(name);
  p.output = std::move(output);
  p.weights = std::move(weights);
  p.bias = std::move(bias);
  p.out_features = out_features;
  p.out_dtype = out_dtype;
  return p;
}

TensorSpec Image(Shape shape) {
  return TensorSpec{kInputTensor, DType::kInt8, std::move(shape), 4};
}

// workloads.md §1.2.
absl::StatusOr<Graph> BuildMnist() {
  GraphBuilder b("mnist");
  b.AddInput(Image({1, 28, 28}));
  b.Conv2D(kInputTensor, Conv("layer1", "conv1", "layer1_H", "layer1_B", 6, 5, false, 1));
  b.Conv2D("conv1", Conv("layer2", "conv2", "layer2_H", "layer2_B", 6, 3, false, 0));
  b.Conv2D("conv2", Conv("layer3", "conv3", "layer3_H", "layer3_B", 8, 3, false, 1));
  b.Conv2D("conv3", Conv("layer4", "conv4", "layer4_H", "layer4_B", 24, 3, false, 0));
  b.Dense("conv4", Fc("layer5", "classes", "layer5_H", "layer5_B", 10, DType::kInt16));
  b.Argmax("argmax", "classes", kClassTensor);
  b.AddOutput(kClassTensor);
  b.AddOutput("classes");
  return b.Build();
}

// workloads.md §1.3. fc1 is one 384 -> 52 layer; its weights are stored as
// five column slices (see WorkloadWeightLayout).
absl::StatusOr<Graph> BuildSvhn() {
  GraphBuilder b("svhn");
  b.AddInput(Image({3, 32, 32}));
  b.Conv2D(kInputTensor, Conv("layer1", "conv1", "layer1_H", "layer1_B", 18, 3, true, 2));
  b.Conv2D("conv1", Conv("layer2", "conv2", "layer2_H", "layer2_B", 18, 3, true, 0));
  b.Conv2D("conv2", Conv("layer3", "conv3", "layer3_H", "layer3_B", 24, 3, true, 1));
  b.Dense("conv3", Fc("layer4", "fc1", "layer4_H", "layer4_B", 52, DType::kInt16));
  b.Dense("fc1", Fc("layer5", "fc2", "layer5_H", "layer5_B", 60, DType::kInt16));
  b.Dense("fc2", Fc("layer6", "fc3", "layer6_H", "layer6_B", 10, DType::kInt16));
  b.Argmax("argmax", "fc3", kClassTensor);
  b.AddOutput(kClassTensor);
  b.AddOutput("fc3");
  return b.Build();
}

// workloads.md §1.4: N1 and Q always run; the decision q[0] > q[1] picks N2
// (high path) or N3 (low path). Every dense output is int8 with wrap-around.
absl::StatusOr<Graph> BuildD2nn() {
  GraphBuilder b("d2nn");
  b.AddInput(Image({1, 28, 28}));
  b.Conv2D(kInputTensor,
           Conv("n1_conv1", "n1_conv1", "N1_layer1_H", "N1_layer1_B", 6, 5, false, 2));
  b.Conv2D("n1_conv1",
           Conv("n1_conv2", "n1_conv2", "N1_layer2_H", "N1_layer2_B", 12, 1, false, 0));
  b.MaxPool("q_input", "n1_conv2", "q_input", 1);
  b.Dense("q_input", Fc("q_fc1", "q_fc1", "Q_layer1_H", "Q_layer1_B", 64, DType::kInt8));
  b.Dense("q_fc1", Fc("q_fc2", "q_fc2", "Q_layer2_H", "Q_layer2_B", 2, DType::kInt8));
  b.Branch("decision", "q_fc2", kPathTensor);
  b.SetGuard(Guard{kPathTensor, 0});
  b.Dense("q_input", Fc("n3_fc1", "n3_fc1", "N3_layer1_H", "N3_layer1_B", 32, DType::kInt8));
  b.Dense("n3_fc1", Fc("n3_fc2", "n3_fc2", "N3_layer2_H", "N3_layer2_B", 10, DType::kInt8));
  b.Argmax("argmax_low", "n3_fc2", kClassTensor);
  b.SetGuard(Guard{kPathTensor, 1});
  b.Conv2D("n1_conv2",
           Conv("n2_conv1", "n2_conv1", "N2_layer1_H", "N2_layer1_B", 12, 3, false, 0));
  b.Conv2D("n2_conv1",
           Conv("n2_conv2", "n2_conv2", "N2_layer2_H", "N2_layer2_B", 24, 3, false, 0));
  b.Dense("n2_conv2", Fc("n2_fc1", "n2_fc1", "N2_layer3_H", "N2_layer3_B", 128, DType::kInt8));
  b.Dense("n2_fc1", Fc("n2_fc2", "n2_fc2", "N2_layer4_H", "N2_layer4_B", 24, DType::kInt8));
  b.Dense("n2_fc2", Fc("n2_fc3", "n2_fc3", "N2_layer5_H", "N2_layer5_B", 10, DType::kInt8));
  b.Argmax("argmax_high", "n2_fc3", kClassTensor);
  b.ClearGuard();
  b.AddOutput(kClassTensor);
  b.AddOutput(kPathTensor);
  return b.Build();
}

// workloads.md §1.5: the deployed 80-hidden int8 model, then fc 80 -> 11 on
// the last h.
absl::StatusOr<Graph> BuildKwsLstm(const WorkloadOptions& options) {
  if (options.lstm_steps <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "kws_lstm: lstm_steps must be positive; got ", options.lstm_steps));
  }
  constexpr int kHidden = 80;
  GraphBuilder b("kws_lstm");
  b.AddInput(TensorSpec{kLstmX, DType::kInt8, {options.lstm_steps, 10}, 4});
  b.AddInput(TensorSpec{kLstmH0, DType::kInt8, {kHidden}, 4});
  b.AddInput(TensorSpec{kLstmC0, DType::kInt16, {kHidden}, 8});
  LstmParams lstm;
  lstm.name = "lstm";
  lstm.h_output = "h";
  lstm.c_output = "c";
  lstm.input_weights = "lstm_i_H";
  lstm.hidden_weights = "lstm_h_H";
  lstm.bias = "lstm_B";
  lstm.hidden = kHidden;
  b.Lstm(kLstmX, kLstmH0, kLstmC0, lstm);
  DenseParams fc = Fc("fc", "logits", "fc_H", "fc_B", 11, DType::kInt16);
  fc.bias_shift = options.lstm_bias_form == LstmBiasForm::kFirmware ? 7 : 4;
  fc.out_shift = 7;
  b.Dense("h", fc);
  b.Argmax("argmax", "logits", kClassTensor);
  b.AddOutput(kClassTensor);
  b.AddOutput("logits");
  b.AddOutput("h");
  b.AddOutput("c");
  return b.Build();
}

}  // namespace

const std::vector<Workload>& AllWorkloads() {
  static const auto* all = new std::vector<Workload>{
      Workload::kMnist, Workload::kSvhn, Workload::kD2nn, Workload::kKwsLstm};
  return *all;
}

absl::string_view WorkloadName(Workload w) {
  switch (w) {
    case Workload::kMnist:
      return "mnist";
    case Workload::kSvhn:
      return "svhn";
    case Workload::kD2nn:
      return "d2nn";
    case Workload::kKwsLstm:
      return "kws_lstm";
  }
  return "?";
}

absl::StatusOr<Workload> ParseWorkload(absl::string_view name) {
  for (Workload w : AllWorkloads()) {
    if (WorkloadName(w) == name) return w;
  }
  if (name == "lstm") return Workload::kKwsLstm;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown workload '", name, "'; expected mnist, svhn, d2nn or kws_lstm"));
}

absl::string_view ReferenceFolder(Workload w) {
  return w == Workload::kKwsLstm ? "lstm" : WorkloadName(w);
}

absl::StatusOr<Graph> BuildWorkloadGraph(Workload w,
                                         const WorkloadOptions& options) {
  switch (w) {
    case Workload::kMnist:
      return BuildMnist();
    case Workload::kSvhn:
      return BuildSvhn();
    case Workload::kD2nn:
      return BuildD2nn();
    case Workload::kKwsLstm:
      return BuildKwsLstm(options);
  }
  return absl::InvalidArgumentError("unknown workload");
}

std::vector<WeightFile> WorkloadWeightLayout(Workload w) {
  switch (w) {
    case Workload::kSvhn:
      return {{"layer4a_H.bin", "layer4_H", 0, 77},
              {"layer4b_H.bin", "layer4_H", 77, 154},
              {"layer4c_H.bin", "layer4_H", 154, 231},
              {"layer4d_H.bin", "layer4_H", 231, 308},
              {"layer4e_H.bin", "layer4_H", 308, 384}};
    case Workload::kKwsLstm:
      return {{"full_lstm_i_H.bin", "lstm_i_H"},
              {"full_lstm_h_H.bin", "lstm_h_H"},
              {"full_lstm_B.bin", "lstm_B"},
              {"full_fc_H.bin", "fc_H"},
              {"fc_B.bin", "fc_B"}};
    case Workload::kMnist:
    case Workload::kD2nn:
      return {};
  }
  return {};
}

std::vector<std::string> LogitTensors(Workload w) {
  switch (w) {
    case Workload::kMnist:
      return {"classes"};
    case Workload::kSvhn:
      return {"fc3"};
    case Workload::kD2nn:
      return {"n3_fc2", "n2_fc3"};
    case Workload::kKwsLstm:
      return {"logits"};
  }
  return {};
}

}  // namespace illusion::nn
