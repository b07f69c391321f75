#ifndef ILLUSION_COORDINATOR_SCALED_OUT_NODE_RESULTS_H_
#define ILLUSION_COORDINATOR_SCALED_OUT_NODE_RESULTS_H_

// Loader of reference/paper_sim/node_results.csv: the paper's per-chip
// simulation results (each stored file's `Total` row: Total_Total_Energy and
// Total_Total_time) expanded to every chip of a net part with the stand-in
// mapping applies_to_first..applies_to_last (upstream reused "the most
// recent preceding chip that has a results file" for chips that were not
// simulated; spec §2 notes, §8 quirk 6). Rows with an empty range (eleven
// never-read LSTM dummy files) are skipped.
//
// The result feeds system_aggregation.h; message bytes come from our own
// greedy partitioner (workload_plans.h), not from this file.
//
// NodeResults is an immutable value after Load(): thread-safe for const use.

#include <map>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "coordinator/scaled_out/system_aggregation.h"

namespace illusion::coordinator::scaled_out {

class NodeResults {
 public:
  // Reads `<reference_dir>/paper_sim/node_results.csv`. Errors: NotFound if
  // the file is missing; InvalidArgument (file, line, column) for a bad
  // field, a chip name that is not "node_<k>[_dummy]", a range that mixes
  // physical and dummy chips or runs backwards, or a physical chip of a net
  // part covered twice or not at all.
  static absl::StatusOr<NodeResults> Load(const std::string& reference_dir);

  // The per-chip totals of `net_part` (alex_net, vgg_net, resnet50,
  // lstm_langmod, lstm_langmod_1) at `memsize_mib`, chips and dummies in
  // execution order; message_bytes is left 0. NotFound if absent.
  absl::StatusOr<NetPartCosts> Find(absl::string_view net_part,
                                    double memsize_mib) const;

  int num_net_parts() const { return static_cast<int>(parts_.size()); }

 private:
  std::map<std::pair<std::string, double>, NetPartCosts> parts_;
};

}  // namespace illusion::coordinator::scaled_out

#endif  // ILLUSION_COORDINATOR_SCALED_OUT_NODE_RESULTS_H_
