#include "partitioner/partition_summary.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"
#include "partitioner/partition_proto.h"
#include "partitioner/slice_buffers.h"

namespace illusion::partitioner {
namespace {

std::string StepText(const ChipStep& s, const nn::Graph& graph) {
  const nn::Op* op = graph.FindOp(s.op);
  const bool whole = op != nullptr && s.out == op->all_outputs();
  std::string text;
  switch (s.kind) {
    case StepKind::kOutputRange:
    case StepKind::kLstmUnits:
      text = whole ? s.op : absl::StrCat(s.op, "[", s.out.begin, ":", s.out.end, "]");
      break;
    case StepKind::kPartialSums:
      text = absl::StrCat(s.op, ".psum[in ", s.in.begin, ":", s.in.end, "]");
      break;
    case StepKind::kFinishPartialSums:
      text = absl::StrCat(s.op, ".finish");
      break;
  }
  if (s.guard.has_value()) absl::StrAppend(&text, "?", s.guard->tensor, "=", s.guard->value);
  return text;
}

}  // namespace

absl::StatusOr<PartitionSummary> SummarizePartition(const Partition& p, const nn::Graph& graph) {
  PartitionSummary s;
  s.strategy = std::string(StrategyName(p.strategy));
  s.graph_name = p.graph_name;
  s.memsize_bytes = p.memsize_bytes;
  s.physical_chips = p.num_physical_chips();
  s.weight_bytes = p.total_weight_bytes();
  for (const MessagePlan& m : p.messages) {
    if (m.source == kHost || m.destination == kHost || m.via_master) {
      s.host_words += m.max_words();
    } else {
      s.inter_chip_words += m.max_words();
    }
  }
  for (int i = 0; i < static_cast<int>(p.chips.size()); ++i) {
    const ChipSlice& c = p.chips[i];
    ChipSummary cs;
    cs.label = c.label;
    cs.chip = c.chip;
    cs.weight_bytes = c.weight_bytes;
    for (const ChipStep& step : c.steps) cs.ops.push_back(StepText(step, graph));
    ASSIGN_OR_RETURN(std::vector<SliceBuffer> buffers, SliceBuffers(p, graph, i));
    cs.activation_peak_bytes = LivePeakBytes(buffers);
    for (const MessagePlan* m : p.Inbound(i)) {
      ++cs.messages_in;
      cs.words_in += m->max_words();
    }
    for (const MessagePlan* m : p.Outbound(i)) {
      ++cs.messages_out;
      cs.words_out += m->max_words();
    }
    s.chips.push_back(std::move(cs));
  }
  return s;
}

std::string FormatSummaryTable(const PartitionSummary& s) {
  std::string out = absl::StrFormat(
      "%s partition of %s: %d chip%s, budget %s, %d weight bytes\n", s.strategy, s.graph_name,
      s.physical_chips, s.physical_chips == 1 ? "" : "s",
      s.memsize_bytes > 0 ? absl::StrCat(s.memsize_bytes, " bytes") : "unlimited", s.weight_bytes);
  absl::StrAppendFormat(&out, "%-5s %-4s %12s %12s %7s %9s %7s %9s  %s\n", "wake", "chip",
                        "weight_B", "act_peak_B", "msg_in", "words_in", "msg_out", "words_out",
                        "ops");
  for (const ChipSummary& c : s.chips) {
    absl::StrAppendFormat(&out, "%-5s %-4d %12d %12d %7d %9d %7d %9d  %s\n", c.label, c.chip,
                          c.weight_bytes, c.activation_peak_bytes, c.messages_in, c.words_in,
                          c.messages_out, c.words_out, absl::StrJoin(c.ops, " "));
  }
  absl::StrAppendFormat(&out, "inter-chip words %d (%d bytes); host words %d (%d bytes)\n",
                        s.inter_chip_words, 2 * s.inter_chip_words, s.host_words,
                        2 * s.host_words);
  return out;
}

std::string FormatSummaryJson(const PartitionSummary& s, const Partition& partition) {
  nlohmann::json j;
  j["strategy"] = s.strategy;
  j["graph"] = s.graph_name;
  j["memsize_bytes"] = s.memsize_bytes;
  j["chips"] = s.physical_chips;
  j["weight_bytes"] = s.weight_bytes;
  j["inter_chip_words"] = s.inter_chip_words;
  j["host_words"] = s.host_words;
  nlohmann::json rows = nlohmann::json::array();
  for (const ChipSummary& c : s.chips) {
    rows.push_back({{"label", c.label},
                    {"chip", c.chip},
                    {"ops", c.ops},
                    {"weight_bytes", c.weight_bytes},
                    {"activation_peak_bytes", c.activation_peak_bytes},
                    {"messages_in", c.messages_in},
                    {"words_in", c.words_in},
                    {"messages_out", c.messages_out},
                    {"words_out", c.words_out}});
  }
  j["per_chip"] = rows;
  std::string proto_json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(PartitionToProto(partition), &proto_json,
                                                    options);
  nlohmann::json out;
  out["summary"] = j;
  out["partition"] = nlohmann::json::parse(proto_json, nullptr, /*allow_exceptions=*/false);
  return out.dump(2) + "\n";
}

}  // namespace illusion::partitioner
