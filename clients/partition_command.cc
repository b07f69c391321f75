#include "clients/partition_command.h"

#include <cmath>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "nn/workloads.h"
#include "partitioner/greedy_partition.h"
#include "partitioner/message_passing.h"
#include "partitioner/scaled_out_layers.h"

namespace illusion::clients {
namespace {

using partitioner::GreedyPlan;

// One partitioned net part.
struct NetPartPlan {
  std::string net_part;
  GreedyPlan plan;
};

// Memory large enough for any scaled-out net part on one chip (the ideal).
constexpr int64_t kIdealMemsizeBytes = int64_t{1} << 40;

absl::Status CheckOptions(const PartitionCommandOptions& o) {
  if (o.format != "table" && o.format != "json" && o.format != "paper-csv") {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown --format '", o.format, "'; expected table, json or paper-csv"));
  }
  if (o.strategy != "paper" && o.strategy != "greedy" && o.strategy != "ideal") {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown --strategy '", o.strategy, "'; expected paper, greedy or ideal"));
  }
  if (o.chips < 0) {
    return absl::InvalidArgumentError(absl::StrCat("--chips must be positive; got ", o.chips));
  }
  if (o.memsize_mib < 0 || !std::isfinite(o.memsize_mib)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--memsize_mib must be positive; got ", o.memsize_mib));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<NetPartPlan>> PartitionScaledOut(
    const PartitionCommandOptions& o, const std::vector<std::string>& parts) {
  partitioner::GreedyOptions greedy;
  if (o.strategy == "ideal") {
    if (o.memsize_mib > 0) {
      return absl::InvalidArgumentError(
          "--strategy=ideal is one chip with unlimited memory; drop --memsize_mib");
    }
    greedy.memsize_bytes = kIdealMemsizeBytes;
  } else {
    if (o.memsize_mib <= 0) {
      return absl::InvalidArgumentError(
          "--strategy=greedy needs --memsize_mib (per-chip weight memory, e.g. 6)");
    }
    greedy.memsize_mib = o.memsize_mib;
  }
  std::vector<NetPartPlan> plans;
  std::vector<GreedyPlan> raw;
  for (const std::string& part : parts) {
    ASSIGN_OR_RETURN(std::vector<partitioner::LayerDesc> layers,
                     partitioner::ScaledOutNetPart(part));
    ASSIGN_OR_RETURN(GreedyPlan plan, partitioner::GreedyPartition(layers, greedy));
    raw.push_back(std::move(plan));
  }
  if (o.strategy != "ideal") {
    RETURN_IF_ERROR(partitioner::FuseSingleChipNetParts(absl::MakeSpan(raw)).status());
  }
  int total_chips = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    total_chips += raw[i].num_chips;
    plans.push_back(NetPartPlan{parts[i], std::move(raw[i])});
  }
  const int expected = o.strategy == "ideal" ? 1 : o.chips;
  if (o.strategy == "ideal" && o.chips > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--strategy=ideal is one chip; --chips=", o.chips, " contradicts it"));
  }
  if (expected > 0 && o.strategy == "greedy" && total_chips != expected) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--chips=", o.chips, " contradicts --memsize_mib=", o.memsize_mib, ", which gives ",
        total_chips, " chips"));
  }
  return plans;
}

std::string RenderTable(const std::vector<NetPartPlan>& plans) {
  std::string out;
  for (const NetPartPlan& p : plans) {
    absl::StrAppendFormat(&out, "%s: %d chips (+%d cell-math pseudo-chips), %.6g MiB/chip, "
                          "message bytes %d\n", p.net_part, p.plan.num_chips,
                          static_cast<int>(p.plan.dummy_chips.size()),
                          p.plan.memsize_bytes / 1048576.0, p.plan.messages.total);
    absl::StrAppendFormat(&out, "  %-16s %14s %6s  %s\n", "chip", "weight bytes", "parts",
                          "layers");
    for (const auto* chips : {&p.plan.chips, &p.plan.dummy_chips}) {
      for (const partitioner::ChipPlan& chip : *chips) {
        std::vector<std::string> names;
        for (const auto& part : chip.parts) names.push_back(part.name);
        std::string layers = absl::StrJoin(names, ",");
        if (layers.size() > 60) layers = layers.substr(0, 57) + "...";
        absl::StrAppendFormat(&out, "  %-16s %14d %6d  %s\n", partitioner::ChipName(chip),
                              chip.resident_weight_bytes, chip.parts.size(), layers);
      }
    }
  }
  return out;
}

std::string RenderJson(const PartitionCommandOptions& o, const std::vector<NetPartPlan>& plans) {
  std::string out = absl::StrFormat("{\"workload\": \"%s\", \"strategy\": \"%s\", \"net_parts\": [",
                                    o.workload, o.strategy);
  for (size_t i = 0; i < plans.size(); ++i) {
    const GreedyPlan& plan = plans[i].plan;
    absl::StrAppendFormat(&out, "%s{\"net_part\": \"%s\", \"chips\": %d, \"dummy_chips\": %d, "
                          "\"memsize_bytes\": %d, \"message_bytes\": %d, \"nodes\": [",
                          i ? ", " : "", plans[i].net_part, plan.num_chips,
                          plan.dummy_chips.size(), plan.memsize_bytes, plan.messages.total);
    bool first = true;
    for (const auto* chips : {&plan.chips, &plan.dummy_chips}) {
      for (const partitioner::ChipPlan& chip : *chips) {
        std::vector<std::string> names;
        for (const auto& part : chip.parts) names.push_back(absl::StrCat("\"", part.name, "\""));
        absl::StrAppendFormat(&out, "%s{\"node\": \"%s\", \"weight_bytes\": %d, \"layers\": [%s]}",
                              first ? "" : ", ", partitioner::ChipName(chip),
                              chip.resident_weight_bytes, absl::StrJoin(names, ", "));
        first = false;
      }
    }
    out += "]}";
  }
  out += "]}\n";
  return out;
}

}  // namespace

absl::StatusOr<std::string> RunPartitionCommand(const PartitionCommandOptions& o) {
  RETURN_IF_ERROR(CheckOptions(o));
  if (nn::ParseWorkload(o.workload).ok()) {
    return absl::UnimplementedError(absl::StrCat(
        "partitioning the paper workload '", o.workload,
        "' is not implemented yet (issue: partitioner, strategy paper)"));
  }
  absl::StatusOr<std::vector<std::string>> parts =
      partitioner::ScaledOutWorkloadNetParts(o.workload);
  if (!parts.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown --workload '", o.workload, "'; expected mnist, svhn, d2nn, kws_lstm, "
        "alexnet, vgg16, resnet50, lstm_lm or a net part (alex_net, vgg_net, "
        "lstm_langmod, lstm_langmod_1)"));
  }
  if (o.strategy == "paper") {
    return absl::UnimplementedError(absl::StrCat(
        "--strategy=paper covers the paper's 1/4/8-chip partitions of mnist, svhn, d2nn "
        "and kws_lstm only; use greedy or ideal for '", o.workload, "'"));
  }
  ASSIGN_OR_RETURN(std::vector<NetPartPlan> plans, PartitionScaledOut(o, *parts));
  if (o.format == "json") return RenderJson(o, plans);
  if (o.format == "table") return RenderTable(plans);
  if (plans.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--format=paper-csv writes one net part per file; '", o.workload, "' has ",
        plans.size(), " (", absl::StrJoin(*parts, ", "), "): name one of them"));
  }
  return partitioner::WriteMessagePassingCsv(plans[0].plan);
}

}  // namespace illusion::clients
