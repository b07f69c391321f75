#ifndef ILLUSION_CLIENTS_COST_ONLY_RUN_H_
#define ILLUSION_CLIENTS_COST_ONLY_RUN_H_

// `illusionctl run --cost_only`: a scaled-out experiment (AlexNet, VGG-16,
// ResNet-50, the LSTM language model on accel_rram_28nm chips) costed
// without arithmetic or weights: the greedy partition of every net part,
// the analytic per-chip cost model and the paper's system accounting
// (coordinator/scaled_out/analytic_pipeline.h), against the ideal chip
// (one 2048 MiB chip) on the same link. A 1,093-chip VGG-16 system costs
// milliseconds. The bit-exact workloads (mnist, svhn, d2nn, kws_lstm) run
// through chipd instead; asking them for cost-only is a usage error.

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"

namespace illusion::clients {

struct CostOnlyRunOptions {
  std::string workload;     // alexnet | vgg16 | resnet50 | lstm_lm
  double memsize_mib = 0;   // per-chip memory; exclusive with chips
  int chips = 0;            // the smallest memsize giving at most this many chips
  double link_factor = 1;   // the paper's link worsened F times (>= 1)
  bool json = false;
};

// The result of one cost-only run. Plain value type.
struct CostOnlyResult {
  std::string workload;
  double memsize_mib = 0;
  int chips = 0;
  int dummy_chips = 0;
  int64_t message_bytes = 0;
  double energy_j = 0, time_s = 0, edp_js = 0;
  double ideal_energy_j = 0, ideal_time_s = 0, ideal_edp_js = 0;
  double energy_ratio = 0, time_ratio = 0, edp_ratio = 0;
  // The terms of energy_j and time_s (system_aggregation.h).
  double e_nodes_j = 0, e_sleep_j = 0, e_msg_j = 0, e_shut_j = 0;
  double t_nodes_s = 0, t_msg_s = 0;
  double wall_s = 0;  // host time the costing took
};

// InvalidArgument naming the flag and value: an unknown or bit-exact
// workload, neither or both of memsize_mib and chips, a memsize outside
// (0, 2048] MiB, chips < 1 or more than the smallest budget can reach, a
// link factor < 1.
absl::StatusOr<CostOnlyResult> RunCostOnly(const CostOnlyRunOptions& options);

// Prints the result (a table, or one JSON object); exit code 0, or 2 with
// the error on `err`.
int RunCostOnlyCommand(const CostOnlyRunOptions& options, std::ostream& out, std::ostream& err);

}  // namespace illusion::clients

#endif  // ILLUSION_CLIENTS_COST_ONLY_RUN_H_
