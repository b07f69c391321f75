// calibrate_msp430: the provenance of the msp430_rram cycle constants.
//
//   bazel run //coordinator/fidelity:calibrate_msp430 --
//       --reference_dir=/work/shared/reference [--chip_model=msp430_rram]
//
// Runs every configuration of the measured table (measured_table.h), and
// for every chip position with a measured runtime (HW §4.2) prints its work
// counts (the features of the cycle model: conv/dense/lstm MACs, elements,
// words in and out, ops, boots), the measured runtime and the model's. Then
// it fits the cycle constants by least squares of the relative runtime error
// over all positions (each position weighted 1/runtime, the way the rows'
// 5 % tolerance weighs them) and prints them, and finally every row of the
// table with pass/fail.

#include <cmath>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "coordinator/fidelity/measured_table.h"
#include "partitioner/paper/paper_partition.h"

ABSL_FLAG(std::string, reference_dir, "/work/shared/reference",
          "reference kit holding illusion/<workload>/");
ABSL_FLAG(std::string, chip_model, "msp430_rram", "built-in chip model or textproto path");
ABSL_FLAG(bool, print_steps, false,
          "also print every step (op, kind, output range, MACs, modeled cycles) of each position");

namespace illusion::coordinator::fidelity {
namespace {

// Feature order of the fit.
constexpr int kFeatures = 8;
const char* const kFeatureNames[kFeatures] = {
    "cycles_per_conv_mac", "cycles_per_dense_mac",  "cycles_per_lstm_mac",
    "cycles_per_element",  "cycles_per_word_received", "cycles_per_word_sent",
    "fixed_cycles_per_op", "boot_cycles_per_wakeup"};

struct Sample {
  std::string label;
  double features[kFeatures] = {0, 0, 0, 0, 0, 0, 0, 0};
  double measured_cycles = 0;
  double model_cycles = 0;
  double scale = 1;  // the residual's tolerance, cycles
};

// The counts of one wake-up, from its record and the model it ran on.
void AddFeatures(const WakeUpRecord& w, const nn::Graph& graph,
                 const illusion::v1::ChipModel& model, double* f) {
  for (const chipd::StepExecution& s : w.steps) {
    const nn::Op* op = graph.FindOp(s.op);
    const nn::OpKind kind = op == nullptr ? nn::OpKind::kDense : op->kind();
    if (kind == nn::OpKind::kConv2D) f[0] += s.macs;
    if (kind == nn::OpKind::kDense) f[1] += s.macs;
    if (kind == nn::OpKind::kLstm) f[2] += s.macs;
  }
  // One element constant: pooled and compared elements cost the same, and
  // the per-routine output costs (requantized outputs, padded conv
  // positions) enter as their equivalent in pooled elements.
  if (model.cycles_per_pooled_element() > 0) {
    f[3] += w.cycles.element / model.cycles_per_pooled_element();
  }
  f[4] += w.words_in;
  f[5] += w.words_out;
  if (model.fixed_cycles_per_op() > 0) f[6] += w.cycles.fixed / model.fixed_cycles_per_op();
  f[7] += 1;
}

// Solves the normal equations A x = b (n x n) by Gaussian elimination with
// partial pivoting; false when singular.
bool Solve(std::vector<std::vector<double>> a, std::vector<double> b, std::vector<double>* x) {
  const int n = static_cast<int>(b.size());
  for (int col = 0; col < n; ++col) {
    int pivot = col;
    for (int r = col + 1; r < n; ++r) {
      if (std::fabs(a[r][col]) > std::fabs(a[pivot][col])) pivot = r;
    }
    if (std::fabs(a[pivot][col]) < 1e-300) return false;
    std::swap(a[pivot], a[col]);
    std::swap(b[pivot], b[col]);
    for (int r = 0; r < n; ++r) {
      if (r == col) continue;
      const double k = a[r][col] / a[col][col];
      for (int c = col; c < n; ++c) a[r][c] -= k * a[col][c];
      b[r] -= k * b[col];
    }
  }
  x->resize(n);
  for (int i = 0; i < n; ++i) (*x)[i] = b[i] / a[i][i];
  return true;
}

// Fits x[free] >= 0 minimising sum ((features . x - measured) / scale)^2 with
// the other x fixed: solve, pin negative constants to 0, refit.
void FitNonNegative(const std::vector<Sample>& set, std::vector<int> free, std::vector<double>* x) {
  while (!free.empty()) {
    const int n = static_cast<int>(free.size());
    std::vector<std::vector<double>> a(n, std::vector<double>(n, 0));
    std::vector<double> b(n, 0), sol;
    for (const Sample& s : set) {
      double fixed = 0;
      for (int i = 0; i < kFeatures; ++i) {
        if (std::find(free.begin(), free.end(), i) == free.end()) fixed += (*x)[i] * s.features[i];
      }
      const double w = 1.0 / (s.scale * s.scale);
      for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) a[i][j] += w * s.features[free[i]] * s.features[free[j]];
        b[i] += w * s.features[free[i]] * (s.measured_cycles - fixed);
      }
    }
    if (!Solve(a, b, &sol)) return;
    std::vector<int> keep;
    for (int i = 0; i < n; ++i) {
      (*x)[free[i]] = std::max(0.0, sol[i]);
      if (sol[i] > 0) keep.push_back(free[i]);
    }
    if (keep.size() == free.size()) return;
    free = keep;
  }
}

int Main() {
  MeasuredTableOptions options;
  options.reference_dir = absl::GetFlag(FLAGS_reference_dir);
  options.chip_model = absl::GetFlag(FLAGS_chip_model);
  absl::StatusOr<std::vector<ConfigurationRun>> runs = RunMeasuredConfigurations(options);
  if (!runs.ok()) {
    std::cerr << runs.status() << "\n";
    return 1;
  }
  std::vector<Sample> samples;
  for (const PaperPositionRuntimes& paper : PaperRuntimes()) {
    for (const ConfigurationRun& r : *runs) {
      if (r.workload != paper.workload || r.config.name != paper.config ||
          r.chips != (paper.chips == 1 ? 8 : paper.chips)) {
        continue;
      }
      absl::StatusOr<nn::Graph> graph = partitioner::PaperGraph(r.workload);
      if (!graph.ok()) {
        std::cerr << graph.status() << "\n";
        return 1;
      }
      const RunRecord& run = paper.chips == 1 ? r.result.baseline_run : r.result.run;
      const illusion::v1::ChipModel& model =
          paper.chips == 1 ? r.result.baseline_model : r.result.model;
      const std::vector<double> windows = ActiveWindowsS(run);
      for (size_t k = 0; k < paper.runtime_s.size(); ++k) {
        if (paper.runtime_s[k] == 0) continue;
        Sample s;
        s.label = absl::StrFormat("%s %d-chip %s w%d", nn::WorkloadName(r.workload), paper.chips,
                                  paper.config, k);
        for (const WakeUpRecord& w : run.wake_ups) {
          if (w.chip != static_cast<int>(k)) continue;
          AddFeatures(w, *graph, model, s.features);
          if (absl::GetFlag(FLAGS_print_steps)) {
            for (const chipd::StepExecution& step : w.steps) {
              std::printf("  %s w%zu %-14s %-13s [%lld, %lld) macs %lld cycles %.0f\n",
                          s.label.c_str(), k, step.op.c_str(), step.kind.c_str(),
                          static_cast<long long>(step.out_begin),
                          static_cast<long long>(step.out_end),
                          static_cast<long long>(step.macs), step.cycles);
            }
          }
        }
        s.measured_cycles = paper.runtime_s[k] * model.clock_hz();
        s.model_cycles = (k < windows.size() ? windows[k] : 0) * model.clock_hz();
        samples.push_back(s);
      }
    }
  }
  std::printf("%-34s %9s %9s %9s %8s %6s %6s %4s %4s %10s %10s %7s\n", "position", "conv_mac",
              "dense_mac", "lstm_mac", "elements", "w_in", "w_out", "ops", "boot", "measured",
              "model", "err%");
  for (const Sample& s : samples) {
    std::printf("%-34s %9.0f %9.0f %9.0f %8.0f %6.0f %6.0f %4.0f %4.0f %10.0f %10.0f %7.2f\n",
                s.label.c_str(), s.features[0], s.features[1], s.features[2], s.features[3],
                s.features[4], s.features[5], s.features[6], s.features[7], s.measured_cycles,
                s.model_cycles, 100 * (s.model_cycles / s.measured_cycles - 1));
  }
  // Overhead samples: per configuration, the system's features summed over
  // its chips minus the ideal chip's (the MACs cancel), against the measured
  // sum of per-position runtimes minus the target's (HW §4.2).
  std::vector<Sample> overheads;
  for (const PaperPositionRuntimes& paper : PaperRuntimes()) {
    if (paper.chips == 1) continue;
    const PaperPositionRuntimes* target = nullptr;
    for (const PaperPositionRuntimes& t : PaperRuntimes()) {
      if (t.workload == paper.workload && t.chips == 1 && t.config == paper.config) target = &t;
    }
    Sample o;
    o.label = absl::StrFormat("%s %d-chip %s overhead", nn::WorkloadName(paper.workload),
                              paper.chips, paper.config);
    for (const Sample& s : samples) {
      const std::string prefix = absl::StrFormat("%s %d-chip %s w", nn::WorkloadName(paper.workload),
                                                 paper.chips, paper.config);
      const std::string ideal = absl::StrFormat("%s 1-chip %s w", nn::WorkloadName(paper.workload),
                                                paper.config);
      const double sign = s.label.rfind(prefix, 0) == 0 ? 1 : s.label.rfind(ideal, 0) == 0 ? -1 : 0;
      if (sign == 0) continue;
      for (int i = 0; i < kFeatures; ++i) o.features[i] += sign * s.features[i];
      o.measured_cycles += sign * s.measured_cycles;
      o.model_cycles += sign * s.model_cycles;
    }
    // Scale: the ratio rows allow 0.005 of the ideal time.
    o.scale = 0.005 * target->runtime_s[0] * 1e6;
    overheads.push_back(o);
  }
  std::printf("\n%-34s %6s %6s %4s %4s %8s %10s %10s\n", "overhead vs ideal", "w_in", "w_out",
              "ops", "boot", "elements", "measured", "model");
  for (const Sample& o : overheads) {
    std::printf("%-34s %6.0f %6.0f %4.0f %4.0f %8.0f %10.0f %10.0f\n", o.label.c_str(),
                o.features[4], o.features[5], o.features[6], o.features[7], o.features[3],
                o.measured_cycles, o.model_cycles);
  }
  // Two stages, both non-negative least squares of tolerance-normalised
  // residuals. 1: the overhead constants (elements, words, ops, boot) from
  // the overheads, each weighted by 1 / (0.005 x the ideal time): the MACs
  // cancel there, and these rows decide the ratios. 2: the per-MAC constants
  // from the windows, each weighted by 1 / (5 % of its runtime), with the
  // overhead constants of stage 1 fixed.
  for (Sample& s : samples) s.scale = 0.05 * s.measured_cycles;
  std::vector<double> x(kFeatures, 0);
  FitNonNegative(overheads, {3, 4, 5, 6, 7}, &x);
  FitNonNegative(samples, {0, 1, 2}, &x);
  std::printf("\nfit (%zu windows, %zu overheads):\n", samples.size(), overheads.size());
  for (int i = 0; i < kFeatures; ++i) std::printf("  %-26s %10.3f\n", kFeatureNames[i], x[i]);
  for (const std::vector<Sample>* set : {&overheads, &samples}) {
    double worst = 0;
    std::string at;
    for (const Sample& s : *set) {
      double pred = 0;
      for (int i = 0; i < kFeatures; ++i) pred += x[i] * s.features[i];
      if (std::fabs(pred - s.measured_cycles) / s.scale > worst) {
        worst = std::fabs(pred - s.measured_cycles) / s.scale;
        at = s.label;
      }
    }
    std::printf("  worst residual / tolerance of the %s: %.2f (%s)\n",
                set == &samples ? "windows" : "overheads", worst, at.c_str());
  }

  absl::StatusOr<MeasuredTable> table = MeasuredTableFromRuns(*runs);
  if (!table.ok()) {
    std::cerr << table.status() << "\n";
    return 1;
  }
  int failed = 0;
  std::printf("\n%-9s %5s %-22s %-28s %10s %10s %9s %s\n", "workload", "chips", "metric", "note",
              "paper", "ours", "diff", "ok");
  for (const ReproduceRow& row : table->rows) {
    if (!row.within_tolerance()) ++failed;
    std::printf("%-9s %5d %-22s %-28s %10.5g %10.5g %+9.4f %s\n", row.workload.c_str(), row.chips,
                row.metric.c_str(), row.note.c_str(), row.paper, row.ours, row.difference(),
                row.within_tolerance() ? "pass" : "FAIL");
  }
  std::printf("\n%zu rows, %d outside tolerance\n", table->rows.size(), failed);
  return 0;
}

}  // namespace
}  // namespace illusion::coordinator::fidelity

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return illusion::coordinator::fidelity::Main();
}
