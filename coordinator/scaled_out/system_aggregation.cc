#include "coordinator/scaled_out/system_aggregation.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace illusion::coordinator::scaled_out {
namespace {

absl::Status CheckChips(const std::vector<ChipCost>& chips, const char* what) {
  for (size_t i = 0; i < chips.size(); ++i) {
    const ChipCost& c = chips[i];
    if (!std::isfinite(c.energy_j) || !std::isfinite(c.time_s) ||
        c.energy_j < 0 || c.time_s < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " ", i + 1, " has energy ", c.energy_j,
                       " J and time ", c.time_s, " s; both must be >= 0"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

LinkParams WorsenedLink(double factor) {
  LinkParams link;
  link.bandwidth_bytes_per_s /= factor;
  link.energy_j_per_byte *= factor;
  return link;
}

absl::StatusOr<SystemCost> AggregateNetPart(const NetPartCosts& part,
                                            const LinkParams& link) {
  if (part.chips.empty()) {
    return absl::InvalidArgumentError("net part has no chips");
  }
  if (absl::Status s = CheckChips(part.chips, "chip"); !s.ok()) return s;
  if (absl::Status s = CheckChips(part.dummy_chips, "dummy chip"); !s.ok()) {
    return s;
  }
  if (part.message_bytes < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("message bytes ", part.message_bytes, " < 0"));
  }
  if (!(link.bandwidth_bytes_per_s > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "link bandwidth ", link.bandwidth_bytes_per_s, " B/s must be > 0"));
  }
  SystemCost cost;
  cost.chips = static_cast<int>(part.chips.size());
  cost.dummy_chips = static_cast<int>(part.dummy_chips.size());
  cost.message_bytes = part.message_bytes;
  // Same summation order as analyze_results.py: chips, then dummies.
  for (const ChipCost& c : part.chips) {
    cost.t_nodes_s += c.time_s;
    cost.e_nodes_j += c.energy_j;
  }
  for (const ChipCost& c : part.dummy_chips) {
    cost.t_nodes_s += c.time_s;
    cost.e_nodes_j += c.energy_j;
  }
  for (const ChipCost& c : part.chips) {
    cost.e_sleep_j += link.sleep_power_w * (cost.t_nodes_s - c.time_s);
  }
  const double bytes = static_cast<double>(part.message_bytes);
  cost.t_msg_s = link.latency_s + bytes / link.bandwidth_bytes_per_s;
  cost.e_msg_j = bytes * link.energy_j_per_byte;
  cost.e_shut_j = link.sleep_power_w * cost.t_msg_s;
  cost.energy_j = cost.e_nodes_j + cost.e_sleep_j + cost.e_msg_j + cost.e_shut_j;
  cost.time_s = cost.t_nodes_s + cost.t_msg_s;
  return cost;
}

absl::StatusOr<SystemCost> AggregateWorkload(
    absl::Span<const NetPartCosts> parts, const LinkParams& link) {
  if (parts.empty()) {
    return absl::InvalidArgumentError("workload has no net parts");
  }
  SystemCost total;
  for (size_t i = 0; i < parts.size(); ++i) {
    absl::StatusOr<SystemCost> part = AggregateNetPart(parts[i], link);
    if (!part.ok()) {
      return absl::Status(part.status().code(),
                          absl::StrCat("net part ", i, ": ",
                                       part.status().message()));
    }
    total.chips += part->chips;
    total.dummy_chips += part->dummy_chips;
    total.message_bytes += part->message_bytes;
    total.t_nodes_s += part->t_nodes_s;
    total.e_nodes_j += part->e_nodes_j;
    total.e_sleep_j += part->e_sleep_j;
    total.t_msg_s += part->t_msg_s;
    total.e_msg_j += part->e_msg_j;
    total.e_shut_j += part->e_shut_j;
    total.energy_j += part->energy_j;
    total.time_s += part->time_s;
  }
  return total;
}

absl::StatusOr<CostRatios> RatiosAgainst(const SystemCost& system,
                                         const SystemCost& ideal) {
  if (!(ideal.energy_j > 0) || !(ideal.time_s > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("ideal energy ", ideal.energy_j, " J and time ",
                     ideal.time_s, " s must be > 0"));
  }
  CostRatios r;
  r.energy = system.energy_j / ideal.energy_j;
  r.time = system.time_s / ideal.time_s;
  r.edp = r.energy * r.time;
  return r;
}

}  // namespace illusion::coordinator::scaled_out
