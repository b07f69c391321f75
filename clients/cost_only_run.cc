#include "clients/cost_only_run.h"

#include <chrono>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "coordinator/scaled_out/analytic_pipeline.h"
#include "coordinator/scaled_out/system_aggregation.h"
#include "coordinator/scaled_out/workload_plans.h"
#include "nlohmann/json.hpp"

namespace illusion::clients {
namespace {

namespace so = ::illusion::coordinator::scaled_out;

// Smallest per-chip memory tried by the --chips search: 1 KiB.
constexpr double kSmallestMemsizeMiB = 1.0 / 1024;

absl::StatusOr<int> ChipsAt(const std::string& workload, double memsize_mib,
                            const so::LinkParams& link) {
  ASSIGN_OR_RETURN(so::SystemCost cost, so::ModelWorkloadCost(workload, memsize_mib, link));
  return cost.chips;
}

// The smallest memsize (to 1e-6 relative) whose system has at most `chips`
// chips; chip counts fall as the memsize grows.
absl::StatusOr<double> MemsizeForChips(const std::string& workload, int chips,
                                       const so::LinkParams& link) {
  double hi = so::kIdealMemsizeMiB;
  double lo = kSmallestMemsizeMiB;
  absl::StatusOr<int> at_lo = ChipsAt(workload, lo, link);
  if (at_lo.ok() && *at_lo <= chips) return lo;
  while (hi / lo > 1 + 1e-6) {
    const double mid = std::sqrt(lo * hi);
    absl::StatusOr<int> n = ChipsAt(workload, mid, link);
    if (n.ok() && *n <= chips) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return hi;
}

}  // namespace

absl::StatusOr<CostOnlyResult> RunCostOnly(const CostOnlyRunOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  if (o.workload == "mnist" || o.workload == "svhn" || o.workload == "d2nn" ||
      o.workload == "kws_lstm" || o.workload == "lstm") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--cost_only is for the scaled-out workloads (alexnet, vgg16, resnet50, lstm_lm); '",
        o.workload, "' runs bit-exactly on chipd: drop --cost_only"));
  }
  absl::StatusOr<std::string> workload = so::ShortWorkloadName(o.workload);
  if (!workload.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--workload='", o.workload, "' has no cost-only model; expected alexnet, vgg16, "
        "resnet50 or lstm_lm"));
  }
  if ((o.memsize_mib > 0) == (o.chips > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--cost_only needs exactly one of --memsize_mib=M and --chips=N; got --memsize_mib=",
        o.memsize_mib, " --chips=", o.chips));
  }
  if (o.memsize_mib < 0 || o.memsize_mib > so::kIdealMemsizeMiB) {
    return absl::InvalidArgumentError(absl::StrCat("--memsize_mib must be in (0, ",
                                                   so::kIdealMemsizeMiB, "]; got ",
                                                   o.memsize_mib));
  }
  if (o.chips < 0) {
    return absl::InvalidArgumentError(absl::StrCat("--chips must be >= 1; got ", o.chips));
  }
  if (!(o.link_factor >= 1) || !std::isfinite(o.link_factor)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--link_factor must be >= 1 (1 = the paper's link); got ", o.link_factor));
  }
  const so::LinkParams link = so::WorsenedLink(o.link_factor);
  CostOnlyResult r;
  r.workload = *workload;
  if (o.chips > 0) {
    ASSIGN_OR_RETURN(r.memsize_mib, MemsizeForChips(*workload, o.chips, link));
  } else {
    r.memsize_mib = o.memsize_mib;
  }
  ASSIGN_OR_RETURN(so::ModelPoint point, so::ModelWorkloadPoint(*workload, r.memsize_mib, link));
  if (o.chips > 0 && point.system.chips > o.chips) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--chips=", o.chips, " is fewer than ", r.workload, " can be split into down to ",
        kSmallestMemsizeMiB, " MiB per chip (", point.system.chips, " chips)"));
  }
  const so::SystemCost& s = point.system;
  r.chips = s.chips;
  r.dummy_chips = s.dummy_chips;
  r.message_bytes = s.message_bytes;
  r.energy_j = s.energy_j;
  r.time_s = s.time_s;
  r.edp_js = s.energy_j * s.time_s;
  r.ideal_energy_j = point.ideal.energy_j;
  r.ideal_time_s = point.ideal.time_s;
  r.ideal_edp_js = point.ideal.energy_j * point.ideal.time_s;
  r.energy_ratio = point.ratios.energy;
  r.time_ratio = point.ratios.time;
  r.edp_ratio = point.ratios.edp;
  r.e_nodes_j = s.e_nodes_j;
  r.e_sleep_j = s.e_sleep_j;
  r.e_msg_j = s.e_msg_j;
  r.e_shut_j = s.e_shut_j;
  r.t_nodes_s = s.t_nodes_s;
  r.t_msg_s = s.t_msg_s;
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

int RunCostOnlyCommand(const CostOnlyRunOptions& options, std::ostream& out, std::ostream& err) {
  absl::StatusOr<CostOnlyResult> r = RunCostOnly(options);
  if (!r.ok()) {
    err << "illusionctl run: " << r.status().message() << "\n";
    return 2;
  }
  if (options.json) {
    out << nlohmann::json{{"mode", "cost_only"},
                          {"workload", r->workload},
                          {"chip_model", "accel_rram_28nm"},
                          {"memsize_mib", r->memsize_mib},
                          {"link_factor", options.link_factor},
                          {"chips", r->chips},
                          {"dummy_chips", r->dummy_chips},
                          {"message_bytes", r->message_bytes},
                          {"energy_j", r->energy_j},
                          {"time_s", r->time_s},
                          {"edp_js", r->edp_js},
                          {"baseline_energy_j", r->ideal_energy_j},
                          {"baseline_time_s", r->ideal_time_s},
                          {"baseline_edp_js", r->ideal_edp_js},
                          {"energy_ratio", r->energy_ratio},
                          {"time_ratio", r->time_ratio},
                          {"edp_ratio", r->edp_ratio},
                          {"energy_terms_j",
                           {{"nodes", r->e_nodes_j},
                            {"sleep", r->e_sleep_j},
                            {"messages", r->e_msg_j},
                            {"shutdown", r->e_shut_j}}},
                          {"time_terms_s", {{"nodes", r->t_nodes_s}, {"messages", r->t_msg_s}}},
                          {"wall_s", r->wall_s}}
               .dump(2)
        << "\n";
    return 0;
  }
  out << absl::StrFormat(
      "cost-only %s on accel_rram_28nm: %d chips at %.6g MiB per chip (link x%g)%s\n",
      r->workload, r->chips, r->memsize_mib, options.link_factor,
      r->dummy_chips > 0 ? absl::StrCat(", ", r->dummy_chips, " LSTM dummy chips") : "");
  out << absl::StrFormat("             %14s %14s %10s\n", "system", "ideal chip", "ratio");
  out << absl::StrFormat("  energy     %12.6g J %12.6g J %10.5f\n", r->energy_j,
                         r->ideal_energy_j, r->energy_ratio);
  out << absl::StrFormat("  time       %12.6g s %12.6g s %10.5f\n", r->time_s, r->ideal_time_s,
                         r->time_ratio);
  out << absl::StrFormat("  EDP        %11.6g Js %11.6g Js %10.5f\n", r->edp_js, r->ideal_edp_js,
                         r->edp_ratio);
  out << absl::StrFormat(
      "  energy terms: nodes %.6g J, sleep %.6g J, messages %.6g J, shutdown %.6g J\n"
      "  time terms: nodes %.6g s, messages %.6g s; %d message bytes\n",
      r->e_nodes_j, r->e_sleep_j, r->e_msg_j, r->e_shut_j, r->t_nodes_s, r->t_msg_s,
      r->message_bytes);
  out << absl::StrFormat("  costed in %.3f s without arithmetic\n", r->wall_s);
  return 0;
}

}  // namespace illusion::clients
