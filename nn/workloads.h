#ifndef ILLUSION_NN_WORKLOADS_H_
#define ILLUSION_NN_WORKLOADS_H_

// The paper's four quantized workloads as graphs (workloads.md §1): MNIST CNN,
// SVHN CNN, D2NN (dynamic, data-dependent branch) and the KWS LSTM.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nn/graph.h"
#include "nn/weights.h"

namespace illusion::nn {

enum class Workload { kMnist, kSvhn, kD2nn, kKwsLstm };

// All four, in the paper's order.
const std::vector<Workload>& AllWorkloads();
// "mnist", "svhn", "d2nn", "kws_lstm".
absl::string_view WorkloadName(Workload w);
// Accepts the names above and "lstm"; InvalidArgument listing the valid names.
absl::StatusOr<Workload> ParseWorkload(absl::string_view name);
// Folder of the workload under reference/illusion: mnist, svhn, d2nn, lstm.
absl::string_view ReferenceFolder(Workload w);

// Graph tensor names shared by the workloads.
inline constexpr char kInputTensor[] = "input";  // CNN image (int8 CHW Q4)
inline constexpr char kClassTensor[] = "class";  // int16 [1]
inline constexpr char kPathTensor[] = "path";    // D2NN: int8 [1], 1 = high
inline constexpr char kLstmX[] = "x";            // KWS: int8 [T, 10] Q4
inline constexpr char kLstmH0[] = "h0";          // KWS: int8 [80] Q4
inline constexpr char kLstmC0[] = "c0";          // KWS: int16 [80] Q8

// How the KWS LSTM's logits add the fc bias to the Q11 partial sums:
// firmware (what the chips and the reference streams use) (psum + (B << 7))
// >> 7, or the golden c_lstm2 model's (psum + (B << 4)) >> 7.
enum class LstmBiasForm { kFirmware, kGolden };

struct WorkloadOptions {
  // KWS LSTM time steps (the paper's sequences have 40).
  int lstm_steps = 40;
  LstmBiasForm lstm_bias_form = LstmBiasForm::kFirmware;
};

// The workload's graph. Inputs: "input" for the CNNs; "x", "h0", "c0" for the
// LSTM. Output: "class" (and the logits tensor).
absl::StatusOr<Graph> BuildWorkloadGraph(Workload w,
                                         const WorkloadOptions& options = {});

// Layout of the workload's weights directory as in reference/illusion/<wl>/
// weights (e.g. SVHN fc1 as five column-slice files, the LSTM's full_*.bin).
std::vector<WeightFile> WorkloadWeightLayout(Workload w);

// Name of the tensor holding the logits the class is taken from ("classes"
// for MNIST, "fc3" for SVHN, "n3_fc2"/"n2_fc3" for D2NN low/high, "logits"
// for the LSTM).
std::vector<std::string> LogitTensors(Workload w);

}  // namespace illusion::nn

#endif  // ILLUSION_NN_WORKLOADS_H_
