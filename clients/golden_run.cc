#include "clients/golden_run.h"

#include <sys/stat.h>

#include <chrono>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "nn/executor.h"
#include "nn/raw_file.h"
#include "nn/weights.h"
#include "nn/workloads.h"

namespace illusion::clients {
namespace {

using nn::Tensor;
using nn::TensorMap;
using nn::Workload;

// A sample: where its inputs come from and the class the paper reports.
struct Sample {
  std::string label;
  std::vector<std::pair<std::string, std::string>> files;  // tensor -> file
  int expected;
};

std::vector<Sample> ReferenceSamples(Workload w) {
  switch (w) {
    case Workload::kMnist:
      return {{"sample 0", {{nn::kInputTensor, "mnist/input_sample0.bin"}}, 7}};
    case Workload::kSvhn:
      return {{"sample 0", {{nn::kInputTensor, "svhn/input_sample0.bin"}}, 5}};
    case Workload::kD2nn:
      return {{"sample 0 (low path)", {{nn::kInputTensor, "d2nn/input_sample0_low.bin"}}, 7},
              {"sample 17 (high path)", {{nn::kInputTensor, "d2nn/input_sample17_high.bin"}}, 7}};
    case Workload::kKwsLstm:
      return {{"final step from recorded state",
               {{nn::kLstmX, "lstm/input_final_x.bin"},
                {nn::kLstmH0, "lstm/input_final_h.bin"},
                {nn::kLstmC0, "lstm/input_final_c.bin"}},
               1}};
  }
  return {};
}

bool HasReference(const std::string& dir) {
  struct stat st;
  return !dir.empty() && stat((dir + "/illusion").c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

absl::StatusOr<TensorMap> LoadInputs(const nn::Graph& graph, const std::string& dir,
                                     const Sample& sample) {
  TensorMap inputs;
  for (const auto& [tensor, file] : sample.files) {
    const nn::TensorSpec& spec = *graph.FindTensor(tensor);
    ASSIGN_OR_RETURN(std::string bytes, nn::ReadRawFile(dir + "/illusion/" + file));
    absl::StatusOr<Tensor> t = Tensor::FromBytes(spec.dtype, spec.shape, spec.frac_bits, bytes);
    if (!t.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("input file '", dir, "/illusion/", file,
                                                     "': ", t.status().message()));
    }
    inputs[tensor] = *std::move(t);
  }
  return inputs;
}

// Runs once for the class, then `repeat` times for the time.
absl::StatusOr<GoldenResult> Measure(const nn::Graph& graph, const nn::WeightMap& weights,
                                     const TensorMap& inputs, int repeat) {
  ASSIGN_OR_RETURN(TensorMap env, nn::ExecuteGraph(graph, weights, inputs));
  GoldenResult r;
  r.predicted = env.at(nn::kClassTensor).at(0);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < repeat; ++i) {
    absl::StatusOr<TensorMap> again = nn::ExecuteGraph(graph, weights, inputs);
    if (!again.ok()) return again.status();
  }
  const std::chrono::duration<double, std::micro> elapsed =
      std::chrono::steady_clock::now() - start;
  r.microseconds_per_inference = elapsed.count() / repeat;
  return r;
}

absl::Status RunWorkload(Workload w, const GoldenOptions& options, bool reference,
                         std::vector<GoldenResult>& results) {
  nn::WorkloadOptions wo;
  if (w == Workload::kKwsLstm && reference) wo.lstm_steps = 1;
  ASSIGN_OR_RETURN(nn::Graph graph, nn::BuildWorkloadGraph(w, wo));
  nn::WeightMap weights;
  if (reference) {
    ASSIGN_OR_RETURN(weights, nn::LoadWeightsFromDir(
                                  graph,
                                  absl::StrCat(options.reference_dir, "/illusion/",
                                               nn::ReferenceFolder(w), "/weights"),
                                  nn::WorkloadWeightLayout(w)));
  } else {
    weights = nn::SeededWeights(graph, 1);
  }
  std::vector<Sample> samples = ReferenceSamples(w);
  if (!reference) samples = {{"seeded input", {}, -1}};
  for (const Sample& sample : samples) {
    TensorMap inputs;
    if (reference) {
      ASSIGN_OR_RETURN(inputs, LoadInputs(graph, options.reference_dir, sample));
    } else {
      for (const nn::TensorSpec& spec : graph.inputs()) {
        inputs[spec.name] = nn::SeededTensor(spec, 2, -16, 16);
      }
    }
    ASSIGN_OR_RETURN(GoldenResult r, Measure(graph, weights, inputs, options.repeat));
    r.workload = std::string(nn::WorkloadName(w));
    r.sample = sample.label;
    r.weights = reference ? "reference" : "seeded";
    r.steps = w == Workload::kKwsLstm ? wo.lstm_steps : 1;
    r.expected = sample.expected;
    results.push_back(std::move(r));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<GoldenResult>> RunGoldenSamples(const GoldenOptions& options) {
  if (options.repeat < 1 || options.repeat > 1000000) {
    return absl::InvalidArgumentError(
        absl::StrCat("repeat must be in [1, 1000000]; got ", options.repeat));
  }
  const bool reference = HasReference(options.reference_dir);
  std::vector<GoldenResult> results;
  for (Workload w : nn::AllWorkloads()) {
    RETURN_IF_ERROR(RunWorkload(w, options, reference, results));
  }
  return results;
}

std::string FormatGoldenTable(const std::vector<GoldenResult>& results) {
  std::string out = absl::StrFormat("%-9s %-31s %-9s %5s %5s %8s %14s\n", "workload",
                                    "sample", "weights", "steps", "class", "expected",
                                    "us/inference");
  for (const GoldenResult& r : results) {
    absl::StrAppend(&out, absl::StrFormat("%-9s %-31s %-9s %5d %5d %8s %14.1f\n", r.workload,
                                          r.sample, r.weights, r.steps, r.predicted,
                                          r.expected < 0 ? "-" : absl::StrCat(r.expected),
                                          r.microseconds_per_inference));
  }
  return out;
}

std::string FormatGoldenJson(const std::vector<GoldenResult>& results) {
  std::string out = "[";
  for (size_t i = 0; i < results.size(); ++i) {
    const GoldenResult& r = results[i];
    absl::StrAppend(&out, i ? ",\n " : "\n ",
                    absl::StrFormat("{\"workload\": \"%s\", \"sample\": \"%s\", "
                                    "\"weights\": \"%s\", \"steps\": %d, \"class\": %d, "
                                    "\"expected\": %s, \"us_per_inference\": %.3f}",
                                    r.workload, r.sample, r.weights, r.steps, r.predicted,
                                    r.expected < 0 ? "null" : absl::StrCat(r.expected),
                                    r.microseconds_per_inference));
  }
  absl::StrAppend(&out, "\n]\n");
  return out;
}

}  // namespace illusion::clients
