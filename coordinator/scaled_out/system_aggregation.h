#ifndef ILLUSION_COORDINATOR_SCALED_OUT_SYSTEM_AGGREGATION_H_
#define ILLUSION_COORDINATOR_SCALED_OUT_SYSTEM_AGGREGATION_H_

// The coordinator's system accounting in the scaled-out (paper_sim)
// conventions: spec scaled_out_sim.md §5.2, upstream analyze_results.py
// ("e_cmp"/"t_cmp"). Input: per net part, every chip's total energy and time
// in execution order, the LSTM dummy pseudo-chips, the message bytes of §3.6
// and the link. For one net part with chips i = 1..N and dummies j:
//
//   T_nodes = sum_i T_i + sum_j T_j        chips run strictly one after another
//   E_nodes = sum_i E_i + sum_j E_j
//   E_sleep = sum_i P_sleep * (T_nodes - T_i)   physical chips only
//   T_msg   = latency + bytes / bandwidth   latency once per NET PART
//   E_msg   = bytes * energy_per_byte
//   E_shut  = P_sleep * T_msg               one chip's sleep during messages
//   E_sys   = E_nodes + E_sleep + E_msg + E_shut;  T_sys = T_nodes + T_msg
//
// A multi-part workload (the LSTM: two cells) is the SUM of its net parts,
// each with its own T_nodes: cell-1 chips are not charged sleep while cell 2
// runs (spec §8 quirk 4). Worsen factor F: bandwidth / F, energy/byte x F.
//
// Relation to coordinator/accounting.h (AccountRun): that is the timeline
// accounting of real runs; it charges sleep to EVERY chip for every instant
// it is not busy, including the message time, and messages as the sending
// chip's link energy on the timeline (int64 ns). The paper's accounting
// differs in three ways that a timeline cannot express exactly, so it is not
// routed through coordinator::Accounting:
//   * during T_msg only ONE chip's sleep leakage is charged (E_shut), not N;
//   * LSTM dummy pseudo-chips add time and energy but no sleep and no
//     messages (they are not hardware), while the real chips sleep through
//     them;
//   * per-chip times are fractional nanoseconds (e.g. 72,773.5 ns), which the
//     int64-ns timeline would round, breaking "to the printed digits".
// Wake-up and shutdown cost nothing here (spec §0); sleep is 3.096 mW.
//
// Plain functions and value types: thread-safe.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace illusion::coordinator::scaled_out {

// One chip's (or dummy pseudo-chip's) totals for one inference. Plain value.
struct ChipCost {
  double energy_j = 0;
  double time_s = 0;
};

// What the aggregation needs of one net part. Plain value type.
struct NetPartCosts {
  // Physical chips node_1..node_N in execution order.
  std::vector<ChipCost> chips;
  // LSTM cell-math pseudo-chips (node_k_dummy); empty for CNNs.
  std::vector<ChipCost> dummy_chips;
  // Message bytes of spec §3.6 (MessageBreakdown::total).
  int64_t message_bytes = 0;
};

// Link and sleep parameters. Defaults are the paper's 1x link. Plain value.
struct LinkParams {
  // 32 GiB/s (spec §5.2: "32 GB/s" used as x 1024^3).
  double bandwidth_bytes_per_s = 32.0 * 1024.0 * 1024.0 * 1024.0;
  // 256 pJ per byte.
  double energy_j_per_byte = 256e-12;
  // 100 ns, once per net part (spec §8 quirk 3).
  double latency_s = 100e-9;
  // Sleeping chip: 0.000774 W x 16 x 16 / 64 = 3.096 mW.
  double sleep_power_w = 3.096e-3;
};

// The paper's link worsened by `factor` F (bandwidth / F, energy x F).
LinkParams WorsenedLink(double factor);

// System totals of a net part or workload, with the terms broken out.
// energy_j = e_nodes_j + e_sleep_j + e_msg_j + e_shut_j and
// time_s = t_nodes_s + t_msg_s (for a workload: sums over its net parts).
// Plain value type.
struct SystemCost {
  int chips = 0;        // physical chips
  int dummy_chips = 0;  // LSTM pseudo-chips
  int64_t message_bytes = 0;
  double t_nodes_s = 0;
  double e_nodes_j = 0;
  double e_sleep_j = 0;
  double t_msg_s = 0;
  double e_msg_j = 0;
  double e_shut_j = 0;
  double energy_j = 0;
  double time_s = 0;
};

// Aggregates one net part. InvalidArgument if it has no chips, a chip has a
// negative or non-finite cost, message_bytes < 0, or the link has a
// non-positive bandwidth.
absl::StatusOr<SystemCost> AggregateNetPart(const NetPartCosts& part,
                                            const LinkParams& link);

// Aggregates a workload: the sum of its net parts (see file comment).
// InvalidArgument for no parts or any bad part (naming its index).
absl::StatusOr<SystemCost> AggregateWorkload(
    absl::Span<const NetPartCosts> parts, const LinkParams& link);

// Ratios of a system against the ideal chip. Plain value type.
struct CostRatios {
  double energy = 0;
  double time = 0;
  double edp = 0;  // energy x time
};

// system / ideal. InvalidArgument if the ideal's energy or time is <= 0.
absl::StatusOr<CostRatios> RatiosAgainst(const SystemCost& system,
                                         const SystemCost& ideal);

}  // namespace illusion::coordinator::scaled_out

#endif  // ILLUSION_COORDINATOR_SCALED_OUT_SYSTEM_AGGREGATION_H_
