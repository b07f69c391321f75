#include "partitioner/partition.h"

#include <algorithm>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace illusion::partitioner {

absl::string_view StrategyName(Strategy strategy) {
  switch (strategy) {
    case Strategy::kPaper:
      return "paper";
    case Strategy::kGreedy:
      return "greedy";
    case Strategy::kIdeal:
      return "ideal";
  }
  return "unknown";
}

absl::StatusOr<Strategy> ParseStrategy(absl::string_view name) {
  for (Strategy s : {Strategy::kPaper, Strategy::kGreedy, Strategy::kIdeal}) {
    if (name == StrategyName(s)) return s;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown strategy '", name, "'; valid: paper, greedy, ideal"));
}

absl::string_view StepKindName(StepKind kind) {
  switch (kind) {
    case StepKind::kOutputRange:
      return "output_range";
    case StepKind::kPartialSums:
      return "partial_sums";
    case StepKind::kFinishPartialSums:
      return "finish_partial_sums";
    case StepKind::kLstmUnits:
      return "lstm_units";
  }
  return "unknown";
}

int64_t MessagePlan::max_words() const {
  int64_t words = 0;
  for (const Segment& s : payload) words += s.words();
  return words;
}

int64_t Partition::total_weight_bytes() const {
  int64_t total = 0;
  for (const ChipSlice& c : chips) total += c.weight_bytes;
  return total;
}

int Partition::num_physical_chips() const {
  std::set<int> ids;
  for (const ChipSlice& c : chips) ids.insert(c.chip);
  return static_cast<int>(ids.size());
}

int Partition::FindChip(const std::string& label) const {
  for (size_t i = 0; i < chips.size(); ++i) {
    if (chips[i].label == label) return static_cast<int>(i);
  }
  return -1;
}

const nn::TensorSpec* Partition::FindAux(const std::string& name) const {
  for (const nn::TensorSpec& s : aux_tensors) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

MessageList Partition::Inbound(int chip) const {
  MessageList in;
  for (const MessagePlan& m : messages) {
    if (m.destination == chip && m.source == kHost && !m.via_master) in.push_back(&m);
  }
  const size_t from_host = in.size();
  for (const MessagePlan& m : messages) {
    if (m.destination == chip && m.source != kHost && !m.via_master) in.push_back(&m);
  }
  // Stable insertion sort of the chips' messages by sender: a handful of
  // messages, usually already in order (no allocation, unlike stable_sort).
  for (size_t i = from_host + 1; i < in.size(); ++i) {
    const MessagePlan* m = in[i];
    size_t j = i;
    for (; j > from_host && in[j - 1]->source > m->source; --j) in[j] = in[j - 1];
    in[j] = m;
  }
  return in;
}

MessageList Partition::Outbound(int chip) const {
  MessageList out;
  for (const MessagePlan& m : messages) {
    if (m.source == chip) out.push_back(&m);
  }
  return out;
}

std::string PartialSumTensor(absl::string_view op) { return absl::StrCat(op, ".psum"); }

WordEncoding EncodingFor(nn::DType dtype) {
  switch (dtype) {
    case nn::DType::kInt16:
      return WordEncoding::kInt16;
    case nn::DType::kInt32:
      return WordEncoding::kInt32;
    default:
      return WordEncoding::kPackedInt8;
  }
}

absl::Status ComputeSliceWeightBytes(const nn::Graph& graph, Partition& partition) {
  for (ChipSlice& c : partition.chips) {
    c.weight_bytes = 0;
    for (const ChipStep& s : c.steps) {
      const nn::Op* o = graph.FindOp(s.op);
      if (o == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("chip ", c.label, ": graph '", graph.name(), "' has no op '", s.op, "'"));
      }
      switch (s.kind) {
        case StepKind::kOutputRange:
        case StepKind::kLstmUnits:
          c.weight_bytes += o->WeightBytes(s.out, o->all_inputs()) + o->BiasBytes(s.out);
          break;
        case StepKind::kPartialSums:
          c.weight_bytes += o->WeightBytes(s.out, s.in);
          break;
        case StepKind::kFinishPartialSums:
          c.weight_bytes += o->BiasBytes(s.out);
          break;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace illusion::partitioner
