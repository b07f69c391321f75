#include "clients/partition_command.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"
#include "nn/graph.h"
#include "nn/scaled_out_workloads.h"
#include "nn/workloads.h"
#include "partitioner/budget_search.h"
#include "partitioner/graph_partition.h"
#include "partitioner/greedy_partition.h"
#include "partitioner/message_passing.h"
#include "partitioner/paper/paper_partition.h"
#include "partitioner/partition.h"
#include "partitioner/partition_summary.h"
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
// Largest budget the --chips search tries (ResolveMemsizeBytes' limit).
constexpr int64_t kMaxSearchBytes = int64_t{1} << 50;
constexpr double kBytesPerMiB = 1048576.0;

constexpr char kScaledOutNames[] =
    "alexnet, vgg16, resnet50, lstm_lm or a net part (alex_net, vgg_net, lstm_langmod, "
    "lstm_langmod_1)";

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
  if (o.d2nn_nv && o.strategy != "paper") {
    return absl::InvalidArgumentError(
        "--d2nn_nv is the paper's d2nn 8-chip variant; it needs --strategy=paper");
  }
  return absl::OkStatus();
}

// Greedy is sized by exactly one of --memsize_mib and --chips.
absl::Status CheckGreedySize(const PartitionCommandOptions& o) {
  if (o.chips > 0 && o.memsize_mib > 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--chips=", o.chips, " contradicts --memsize_mib=", o.memsize_mib,
        "; greedy takes one of them"));
  }
  if (o.chips == 0 && o.memsize_mib == 0) {
    return absl::InvalidArgumentError(
        "--strategy=greedy needs --memsize_mib=M (per-chip weight memory, e.g. 6) or "
        "--chips=N (the smallest budget giving at most N chips)");
  }
  return absl::OkStatus();
}

// Ideal is one chip with unlimited memory.
absl::Status CheckIdealSize(const PartitionCommandOptions& o) {
  if (o.memsize_mib > 0) {
    return absl::InvalidArgumentError(
        "--strategy=ideal is one chip with unlimited memory; drop --memsize_mib");
  }
  if (o.chips > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--strategy=ideal is one chip; --chips=", o.chips, " contradicts it"));
  }
  return absl::OkStatus();
}

// --memsize_mib in bytes (a fractional byte dropped).
absl::StatusOr<int64_t> MemsizeBytes(double memsize_mib) {
  partitioner::GreedyOptions greedy;
  greedy.memsize_mib = memsize_mib;
  absl::StatusOr<int64_t> bytes = partitioner::ResolveMemsizeBytes(greedy);
  if (!bytes.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--memsize_mib=", memsize_mib, " must give between 1 byte and 2^50 bytes per chip"));
  }
  return *bytes;
}

using partitioner::BudgetSearch;
using ChipsAt = partitioner::ChipsAtBudget;
using partitioner::SmallestBudget;

// One line naming the chosen budget, for the table formats.
std::string BudgetLine(const BudgetSearch& s) {
  const std::string below =
      s.chips_one_byte_less > 0
          ? absl::StrCat("gives ", s.chips_one_byte_less, " chips")
          : std::string("is below the largest indivisible unit");
  return absl::StrFormat(
      "--chips=%d: budget %d bytes (%.6g MiB) is the smallest giving at most %d chips; "
      "%d bytes %s\n",
      s.max_chips, s.memsize_bytes, s.memsize_bytes / kBytesPerMiB, s.max_chips,
      s.memsize_bytes - 1, below);
}

nlohmann::json BudgetJson(const BudgetSearch& s) {
  return {{"max_chips", s.max_chips},
          {"memsize_bytes", s.memsize_bytes},
          {"memsize_mib", s.memsize_bytes / kBytesPerMiB},
          {"chips", s.chips},
          {"chips_one_byte_less", s.chips_one_byte_less}};
}

// ---- The paper's four workloads, as nn graphs. ----

absl::StatusOr<std::string> RunGraphWorkload(const PartitionCommandOptions& o,
                                             nn::Workload workload) {
  if (o.format == "paper-csv") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--format=paper-csv is the scaled-out simulator's message-passing CSV (", kScaledOutNames,
        "); use --format=table or json for '", o.workload, "'"));
  }
  ASSIGN_OR_RETURN(nn::Graph graph, partitioner::PaperGraph(workload));
  partitioner::Partition partition;
  std::optional<BudgetSearch> search;
  if (o.strategy == "paper") {
    if (o.memsize_mib > 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--strategy=paper has the paper's fixed chips; --memsize_mib=", o.memsize_mib,
          " contradicts it (give --chips=1, 4 or 8)"));
    }
    partitioner::PaperPartitionOptions paper;
    paper.d2nn_nv = o.d2nn_nv;
    ASSIGN_OR_RETURN(partition,
                     partitioner::PaperPartitionFor(workload, o.chips > 0 ? o.chips : 8, paper));
  } else if (o.strategy == "ideal") {
    RETURN_IF_ERROR(CheckIdealSize(o));
    ASSIGN_OR_RETURN(partition, partitioner::IdealGraphPartition(graph));
  } else {
    RETURN_IF_ERROR(CheckGreedySize(o));
    partitioner::GraphPartitionOptions greedy;
    if (o.memsize_mib > 0) {
      ASSIGN_OR_RETURN(greedy.memsize_bytes, MemsizeBytes(o.memsize_mib));
    } else {
      absl::StatusOr<BudgetSearch> found = partitioner::SmallestGreedyGraphBudget(graph, o.chips);
      if (!found.ok()) {
        return absl::Status(found.status().code(), absl::StrCat("--", found.status().message()));
      }
      search = *std::move(found);
      greedy.memsize_bytes = search->memsize_bytes;
    }
    ASSIGN_OR_RETURN(partition, partitioner::GreedyGraphPartition(graph, greedy));
  }
  ASSIGN_OR_RETURN(partitioner::PartitionSummary summary,
                   partitioner::SummarizePartition(partition, graph));
  if (o.format == "table") {
    std::string out = partitioner::FormatSummaryTable(summary);
    if (search.has_value()) out += BudgetLine(*search);
    return out;
  }
  std::string json = partitioner::FormatSummaryJson(summary, partition);
  if (!search.has_value()) return json;
  nlohmann::json parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return absl::InternalError("partition summary JSON does not parse");
  parsed["budget_search"] = BudgetJson(*search);
  return parsed.dump(2) + "\n";
}

// ---- The scaled-out workloads, as LayerDesc lists. ----

// Greedy (memsize_bytes > 0) or ideal (0) plans of `parts`, fused as the
// simulator does for greedy.
absl::StatusOr<std::vector<GreedyPlan>> PlanNetParts(const std::vector<std::string>& parts,
                                                     int64_t memsize_bytes) {
  partitioner::GreedyOptions greedy;
  greedy.memsize_bytes = memsize_bytes > 0 ? memsize_bytes : kIdealMemsizeBytes;
  std::vector<GreedyPlan> raw;
  for (const std::string& part : parts) {
    ASSIGN_OR_RETURN(std::vector<partitioner::LayerDesc> layers,
                     partitioner::ScaledOutNetPart(part));
    ASSIGN_OR_RETURN(GreedyPlan plan, partitioner::GreedyPartition(layers, greedy));
    raw.push_back(std::move(plan));
  }
  if (memsize_bytes > 0) {
    RETURN_IF_ERROR(partitioner::FuseSingleChipNetParts(absl::MakeSpan(raw)).status());
  }
  return raw;
}

int TotalChips(const std::vector<GreedyPlan>& plans) {
  int total = 0;
  for (const GreedyPlan& plan : plans) total += plan.num_chips;
  return total;
}

// The smallest greedy budget giving at most o.chips chips over all `parts`.
absl::StatusOr<BudgetSearch> SearchScaledOutBudget(const PartitionCommandOptions& o,
                                                   const std::vector<std::string>& parts) {
  if (o.chips < static_cast<int>(parts.size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--chips=", o.chips, " is too few: '", o.workload, "' has ", parts.size(),
        " net parts (", absl::StrJoin(parts, ", "), "), at least one chip each"));
  }
  const ChipsAt chips_at = [&parts](int64_t budget) -> absl::StatusOr<int> {
    ASSIGN_OR_RETURN(std::vector<GreedyPlan> plans, PlanNetParts(parts, budget));
    return TotalChips(plans);
  };
  // Double from 1 MiB until the budget qualifies.
  int64_t hi = int64_t{1} << 20;
  for (;;) {
    absl::StatusOr<int> chips = chips_at(hi);
    if (!chips.ok() && !absl::IsResourceExhausted(chips.status())) return chips.status();
    if (chips.ok() && *chips <= o.chips) return SmallestBudget(o.chips, hi, *chips, chips_at);
    if (hi >= kMaxSearchBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--chips=", o.chips, " is too few for '", o.workload, "' even with 2^50 bytes per chip"));
    }
    hi *= 2;
  }
}

absl::StatusOr<std::vector<NetPartPlan>> PartitionScaledOut(
    const PartitionCommandOptions& o, const std::vector<std::string>& parts,
    std::optional<BudgetSearch>& search) {
  int64_t memsize_bytes = 0;  // ideal
  if (o.strategy == "ideal") {
    RETURN_IF_ERROR(CheckIdealSize(o));
  } else {
    RETURN_IF_ERROR(CheckGreedySize(o));
    if (o.memsize_mib > 0) {
      ASSIGN_OR_RETURN(memsize_bytes, MemsizeBytes(o.memsize_mib));
    } else {
      ASSIGN_OR_RETURN(search, SearchScaledOutBudget(o, parts));
      memsize_bytes = search->memsize_bytes;
    }
  }
  ASSIGN_OR_RETURN(std::vector<GreedyPlan> raw, PlanNetParts(parts, memsize_bytes));
  std::vector<NetPartPlan> plans;
  for (size_t i = 0; i < parts.size(); ++i) {
    plans.push_back(NetPartPlan{parts[i], std::move(raw[i])});
  }
  return plans;
}

std::string RenderTable(const std::vector<NetPartPlan>& plans) {
  std::string out;
  for (const NetPartPlan& p : plans) {
    absl::StrAppendFormat(&out, "%s: %d chips (+%d cell-math pseudo-chips), %.6g MiB/chip, "
                          "message bytes %d\n", p.net_part, p.plan.num_chips,
                          static_cast<int>(p.plan.dummy_chips.size()),
                          p.plan.memsize_bytes / kBytesPerMiB, p.plan.messages.total);
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

std::string RenderJson(const PartitionCommandOptions& o, const std::vector<NetPartPlan>& plans,
                       const std::optional<BudgetSearch>& search) {
  std::string out = absl::StrFormat("{\"workload\": \"%s\", \"strategy\": \"%s\", ",
                                    o.workload, o.strategy);
  if (search.has_value()) {
    absl::StrAppend(&out, "\"budget_search\": ", BudgetJson(*search).dump(), ", ");
  }
  out += "\"net_parts\": [";
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

// The scaled-out workload as an nn graph (nn/scaled_out_workloads.h), or
// nullopt for the net-part names, which have no graph of their own.
std::optional<absl::StatusOr<nn::Graph>> ScaledOutGraph(absl::string_view workload) {
  if (workload == "lstm_lm") return nn::BuildLstmLmGraph();
  if (workload == "alexnet" || workload == "vgg16" || workload == "resnet50") {
    return nn::BuildScaledOutGraph(*nn::ParseScaledOutNet(workload));
  }
  return std::nullopt;
}

// The extra "graph_partition" JSON section: the same strategy and budget
// applied by GreedyGraphPartition / IdealGraphPartition to the workload's nn
// graph (int8 weights + biases, so about half the chips of the 16-bit
// LayerDesc plan), summarized per chip. With greedy --chips=N the graph gets
// its own budget search (the smallest graph budget giving at most N chips,
// reported as "budget_search"), since the LayerDesc budget would give the
// int8 graph about half the chips. A failure (e.g. a budget below the
// graph's largest indivisible unit) is reported in the section, not as an
// error of the command.
nlohmann::json GraphPartitionJson(const PartitionCommandOptions& o, const nn::Graph& graph,
                                  int64_t memsize_bytes) {
  nlohmann::json j;
  j["graph"] = graph.name();
  j["weights"] = "int8 weights and biases, 1 byte each (the LayerDesc plan counts 16-bit weights)";
  if (o.strategy == "greedy" && o.memsize_mib <= 0 && o.chips > 0) {
    absl::StatusOr<BudgetSearch> found = partitioner::SmallestGreedyGraphBudget(graph, o.chips);
    if (!found.ok()) {
      j["error"] = absl::StrCat("--", found.status().message());
      return j;
    }
    j["budget_search"] = BudgetJson(*found);
    memsize_bytes = found->memsize_bytes;
  }
  absl::StatusOr<partitioner::Partition> partition =
      o.strategy == "ideal"
          ? partitioner::IdealGraphPartition(graph)
          : partitioner::GreedyGraphPartition(graph, {memsize_bytes});
  absl::StatusOr<partitioner::PartitionSummary> summary =
      partition.ok() ? partitioner::SummarizePartition(*partition, graph)
                     : absl::StatusOr<partitioner::PartitionSummary>(partition.status());
  if (!summary.ok()) {
    j["error"] = std::string(summary.status().message());
    return j;
  }
  j["strategy"] = summary->strategy;
  j["memsize_bytes"] = summary->memsize_bytes;
  j["chips"] = summary->physical_chips;
  j["weight_bytes"] = summary->weight_bytes;
  j["messages"] = partition->messages.size();
  j["inter_chip_words"] = summary->inter_chip_words;
  j["host_words"] = summary->host_words;
  nlohmann::json chips = nlohmann::json::array();
  for (const partitioner::ChipSummary& c : summary->chips) {
    chips.push_back({{"label", c.label},
                     {"ops", c.ops},
                     {"weight_bytes", c.weight_bytes},
                     {"activation_peak_bytes", c.activation_peak_bytes},
                     {"messages_in", c.messages_in},
                     {"messages_out", c.messages_out},
                     {"words_in", c.words_in},
                     {"words_out", c.words_out}});
  }
  j["chip_slices"] = std::move(chips);
  return j;
}

absl::StatusOr<std::string> RunScaledOut(const PartitionCommandOptions& o,
                                         const std::vector<std::string>& parts) {
  if (o.strategy == "paper") {
    return absl::UnimplementedError(absl::StrCat(
        "--strategy=paper covers the paper's 1/4/8-chip partitions of mnist, svhn, d2nn "
        "and kws_lstm only; use greedy or ideal for '", o.workload, "'"));
  }
  std::optional<BudgetSearch> search;
  ASSIGN_OR_RETURN(std::vector<NetPartPlan> plans, PartitionScaledOut(o, parts, search));
  if (o.format == "json") {
    std::string json = RenderJson(o, plans, search);
    std::optional<absl::StatusOr<nn::Graph>> graph = ScaledOutGraph(o.workload);
    if (!graph.has_value()) return json;
    if (!graph->ok()) return graph->status();
    // The LayerDesc JSON unchanged, plus one trailing key.
    const size_t end = json.rfind('}');
    return absl::StrCat(json.substr(0, end), ", \"graph_partition\": ",
                        GraphPartitionJson(o, **graph, plans[0].plan.memsize_bytes).dump(),
                        "}\n");
  }
  if (o.format == "table") {
    std::string out = RenderTable(plans);
    if (search.has_value()) out += BudgetLine(*search);
    return out;
  }
  if (plans.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--format=paper-csv writes one net part per file; '", o.workload, "' has ",
        plans.size(), " (", absl::StrJoin(parts, ", "), "): name one of them"));
  }
  return partitioner::WriteMessagePassingCsv(plans[0].plan);
}

}  // namespace

absl::StatusOr<std::string> RunPartitionCommand(const PartitionCommandOptions& o) {
  RETURN_IF_ERROR(CheckOptions(o));
  if (absl::StatusOr<nn::Workload> workload = nn::ParseWorkload(o.workload); workload.ok()) {
    return RunGraphWorkload(o, *workload);
  }
  absl::StatusOr<std::vector<std::string>> parts =
      partitioner::ScaledOutWorkloadNetParts(o.workload);
  if (!parts.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown --workload '", o.workload, "'; expected mnist, svhn, d2nn, kws_lstm, ",
        kScaledOutNames));
  }
  return RunScaledOut(o, *parts);
}

}  // namespace illusion::clients
