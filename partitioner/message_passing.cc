#include "partitioner/message_passing.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace illusion::partitioner {
namespace {

bool IsSplit(const LayerPart& part) { return part.split != SplitKind::kNone; }

bool IsEmbedding(const LayerPart& part) {
  return part.kind == LayerKind::kEmbedding;
}

// Adds the per-chip terms (everything except the residual bypass).
void AddChipTerms(const ChipPlan& chip, MessageBreakdown& out) {
  const LayerPart& first = chip.parts.front();
  const LayerPart& last = chip.parts.back();
  if (IsSplit(first)) {
    out.split_part_input += first.ifmap_bytes;
    if (IsEmbedding(first)) out.embedding_word_ids += first.ifmap_bytes;
  }
  // Only a *split* embedding triggers the hand-off: a whole embedding chip
  // passes its vectors on chip (upstream checks "part" in the name).
  if (IsEmbedding(first) && IsSplit(first) && !IsEmbedding(last)) {
    for (const LayerPart& part : chip.parts) {
      if (!IsEmbedding(part)) {
        out.embedding_handoff += part.ifmap_bytes;
        break;
      }
    }
  }
  if (!IsEmbedding(last)) out.chip_output += last.ofmap_bytes;
}

// Skip tensors: a producer's size is the sum of its parts' ofmaps and its
// location is the chip of its first part (upstream starts counting chip
// boundaries at the first part, so a producer split across chips always
// counts as remote for a consumer on a later chip).
int64_t ResidualBypassBytes(const GreedyPlan& plan) {
  struct Producer {
    int first_chip = 0;
    int64_t bytes = 0;
  };
  absl::flat_hash_map<std::string, Producer> producers;
  int64_t total = 0;
  for (const ChipPlan& chip : plan.chips) {
    for (const LayerPart& part : chip.parts) {
      auto [it, inserted] = producers.try_emplace(part.layer_name);
      if (inserted) it->second.first_chip = chip.index;
      it->second.bytes += part.ofmap_bytes;
      for (const std::string& input : part.residual_inputs) {
        auto producer = producers.find(input);
        if (producer == producers.end()) continue;
        if (producer->second.first_chip != chip.index) {
          total += producer->second.bytes;
        }
      }
    }
  }
  return total;
}

}  // namespace

std::vector<MessageRow> MessagePassingRows(const GreedyPlan& plan) {
  std::vector<MessageRow> rows;
  for (const auto* chips : {&plan.chips, &plan.dummy_chips}) {
    for (const ChipPlan& chip : *chips) {
      const std::string node = ChipName(chip);
      int number = 1;
      for (const LayerPart& part : chip.parts) {
        rows.push_back({node, part.name, number++, part.ifmap_bytes,
                        part.ofmap_bytes, part.weight_bytes});
      }
    }
  }
  return rows;
}

std::string WriteMessagePassingCsv(const GreedyPlan& plan) {
  std::string csv = absl::StrCat(kMessagePassingCsvHeader, "\n");
  for (const MessageRow& row : MessagePassingRows(plan)) {
    absl::StrAppend(&csv, row.node_name, ",", row.layer_name, ",",
                    row.layer_number, ",", row.ifmap_bytes, ",",
                    row.ofmap_bytes, ",", row.fmap_bytes, "\n");
  }
  return csv;
}

MessageBreakdown ComputeMessageBreakdown(const GreedyPlan& plan) {
  MessageBreakdown out;
  if (plan.chips.empty() || plan.chips.front().parts.empty()) return out;
  const LayerPart& first = plan.chips.front().parts.front();
  if (!IsSplit(first)) out.network_input = first.ifmap_bytes;
  for (const ChipPlan& chip : plan.chips) {
    if (!chip.parts.empty()) AddChipTerms(chip, out);
  }
  out.residual_bypass = ResidualBypassBytes(plan);
  out.total = out.network_input + out.split_part_input + out.chip_output +
              out.embedding_word_ids + out.embedding_handoff +
              out.residual_bypass;
  return out;
}

absl::StatusOr<bool> FuseSingleChipNetParts(absl::Span<GreedyPlan> parts) {
  if (parts.size() < 2) return false;
  int64_t resident = 0;
  for (const GreedyPlan& part : parts) {
    if (part.memsize_bytes != parts.front().memsize_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "net parts have different memsize_bytes: ",
          parts.front().memsize_bytes, " and ", part.memsize_bytes));
    }
    if (part.chips.size() != 1 || part.chips.front().parts.empty()) {
      return false;
    }
    resident += part.resident_weight_bytes;
  }
  if (resident > parts.front().memsize_bytes) return false;
  for (size_t k = 0; k + 1 < parts.size(); ++k) {
    parts[k].chips.front().parts.back().ofmap_bytes = 0;
    parts[k + 1].chips.front().parts.front().ifmap_bytes = 0;
  }
  for (GreedyPlan& part : parts) {
    part.messages = ComputeMessageBreakdown(part);
  }
  return true;
}

int64_t WorkloadMessageBytes(absl::Span<const GreedyPlan> parts) {
  int64_t total = 0;
  for (const GreedyPlan& part : parts) total += part.messages.total;
  return total;
}

}  // namespace illusion::partitioner
