#ifndef ILLUSION_CLIENTS_GOLDEN_RUN_H_
#define ILLUSION_CLIENTS_GOLDEN_RUN_H_

// The golden-model run behind `illusionctl golden`: every workload on its
// reference sample(s), with the class and the per-inference time.

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace illusion::clients {

struct GoldenOptions {
  // The kit's reference folder (holding illusion/). Empty or missing: run on
  // seeded weights and seeded inputs instead, and say so in each result.
  std::string reference_dir;
  // Timed repetitions per sample (the per-inference time is their mean).
  int repeat = 200;
};

// One workload on one sample.
struct GoldenResult {
  std::string workload;   // mnist, svhn, d2nn, kws_lstm
  std::string sample;     // e.g. "sample 0 (low path)"
  std::string weights;    // "reference" or "seeded"
  int steps = 1;          // LSTM time steps run per inference
  int predicted = -1;     // class
  int expected = -1;      // reference class, -1 when unknown (seeded)
  double microseconds_per_inference = 0;
};

// Runs all four workloads. InvalidArgument for bad options; errors from
// reference files name the file.
absl::StatusOr<std::vector<GoldenResult>> RunGoldenSamples(const GoldenOptions& options);

// A human-readable table, one row per result.
std::string FormatGoldenTable(const std::vector<GoldenResult>& results);
// A JSON array of objects with the GoldenResult fields.
std::string FormatGoldenJson(const std::vector<GoldenResult>& results);

}  // namespace illusion::clients

#endif  // ILLUSION_CLIENTS_GOLDEN_RUN_H_
