#include "chipd/cost_model.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "chipd/chip_model.h"
#include "common/status_macros.h"

namespace illusion::chipd {
namespace {

using ::illusion::v1::ChipModel;

constexpr double kNsPerSecond = 1e9;

bool HasMacs(WorkKind kind) {
  return kind == WorkKind::kConv2D || kind == WorkKind::kDense ||
         kind == WorkKind::kLstm;
}

double CyclesPerMac(const ChipModel& model, const WorkItem& item) {
  switch (item.kind) {
    case WorkKind::kConv2D:
      return model.cycles_per_conv_mac();
    case WorkKind::kDense:
      return item.int8_output && model.has_cycles_per_int8_out_dense_mac()
                 ? model.cycles_per_int8_out_dense_mac()
                 : model.cycles_per_dense_mac();
    case WorkKind::kLstm:
      return model.cycles_per_lstm_mac();
    default:
      return 0;
  }
}

double CyclesPerElement(const ChipModel& model, WorkKind kind) {
  return kind == WorkKind::kArgmax || kind == WorkKind::kBranch
             ? model.cycles_per_compared_element()
             : model.cycles_per_pooled_element();
}

double CyclesPerRequantizedOutput(const ChipModel& model, WorkKind kind) {
  return model.has_cycles_per_requantized_output()
             ? model.cycles_per_requantized_output()
             : CyclesPerElement(model, kind);
}

absl::Status ValidateItem(const WorkItem& item) {
  const auto who = [&] {
    return absl::StrCat("work item '", item.name, "' (",
                        WorkKindName(item.kind), ")");
  };
  for (const auto& [field, value] :
       {std::pair<absl::string_view, int64_t>{"macs", item.macs},
        {"elements", item.elements},
        {"words_in", item.words_in},
        {"words_out", item.words_out},
        {"weight_words_read", item.weight_words_read},
        {"requantized_outputs", item.requantized_outputs},
        {"padded_conv_outputs", item.padded_conv_outputs}}) {
    if (value < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(who(), " has ", field, " ", value, "; must be >= 0"));
    }
  }
  if (item.macs > 0 && !HasMacs(item.kind)) {
    return absl::InvalidArgumentError(
        absl::StrCat(who(), " has ", item.macs,
                     " macs; only conv2d, dense and lstm items have MACs"));
  }
  if (item.int8_output && item.kind != WorkKind::kDense) {
    return absl::InvalidArgumentError(
        absl::StrCat(who(), " is int8_output; only dense items can be"));
  }
  if (item.padded_conv_outputs > 0 && item.kind != WorkKind::kConv2D) {
    return absl::InvalidArgumentError(absl::StrCat(
        who(), " has ", item.padded_conv_outputs,
        " padded_conv_outputs; only conv2d items have them"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::string_view WorkKindName(WorkKind kind) {
  switch (kind) {
    case WorkKind::kConv2D:
      return "conv2d";
    case WorkKind::kDense:
      return "dense";
    case WorkKind::kLstm:
      return "lstm";
    case WorkKind::kMaxPool:
      return "max_pool";
    case WorkKind::kArgmax:
      return "argmax";
    case WorkKind::kBranch:
      return "branch";
  }
  return "unknown";
}

absl::StatusOr<CycleBreakdown> WorkItemCycles(const ChipModel& model,
                                              const WorkItem& item) {
  RETURN_IF_ERROR(ValidateItem(item));
  CycleBreakdown cycles;
  cycles.mac = static_cast<double>(item.macs) * CyclesPerMac(model, item);
  // Per-output work: pooling/accumulator passes, one-pass requantize and
  // store, and the padded kernel's window clamping.
  cycles.element =
      static_cast<double>(item.elements) * CyclesPerElement(model, item.kind) +
      static_cast<double>(item.requantized_outputs) *
          CyclesPerRequantizedOutput(model, item.kind) +
      static_cast<double>(item.padded_conv_outputs) *
          model.cycles_per_padded_conv_output();
  cycles.receive =
      static_cast<double>(item.words_in) * model.cycles_per_word_received();
  cycles.send =
      static_cast<double>(item.words_out) * model.cycles_per_word_sent();
  cycles.fixed = static_cast<double>(model.fixed_cycles_per_op());
  return cycles;
}

absl::StatusOr<SliceCost> EstimateSliceCost(const ChipModel& model,
                                            const std::vector<WorkItem>& items,
                                            const CostOptions& options) {
  if (options.validate_model) RETURN_IF_ERROR(ValidateChipModel(model));
  if (options.nvm_words_written < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "nvm_words_written is ", options.nvm_words_written, "; must be >= 0"));
  }
  SliceCost cost;
  int64_t weight_words_read = 0;
  for (const WorkItem& item : items) {
    ASSIGN_OR_RETURN(CycleBreakdown cycles, WorkItemCycles(model, item));
    cost.cycles.mac += cycles.mac;
    cost.cycles.element += cycles.element;
    cost.cycles.receive += cycles.receive;
    cost.cycles.send += cycles.send;
    cost.cycles.fixed += cycles.fixed;
    cost.macs += item.macs;
    cost.words_in += item.words_in;
    cost.words_out += item.words_out;
    weight_words_read += item.weight_words_read;
  }
  if (options.include_boot) {
    cost.cycles.boot = static_cast<double>(model.boot_cycles_per_wakeup());
  }
  const double total_cycles = cost.cycles.total();
  cost.active_ns = CyclesToNs(model, total_cycles);

  EnergyBreakdown& energy = cost.energy;
  // Exact seconds, not the rounded active_ns, so energy is linear in cycles.
  energy.active_j = model.active_power_w() * total_cycles / model.clock_hz();
  energy.mac_j = model.mac_energy_j() * static_cast<double>(cost.macs);
  energy.nvm_read_j = model.nvm_read_energy_j_per_word() *
                      static_cast<double>(weight_words_read);
  energy.nvm_write_j = model.nvm_write_energy_j_per_word() *
                       static_cast<double>(options.nvm_words_written);
  energy.link_j = LinkEnergyJ(model, cost.words_out);
  return cost;
}

int64_t CyclesToNs(const ChipModel& model, double cycles) {
  return std::llround(cycles * kNsPerSecond / model.clock_hz());
}

int64_t LinkTransferNs(const ChipModel& model, int64_t words) {
  const double seconds =
      model.link_latency_s() +
      static_cast<double>(words) / model.link_bandwidth_words_per_s();
  return std::llround(seconds * kNsPerSecond);
}

double LinkEnergyJ(const ChipModel& model, int64_t words) {
  return model.link_energy_j_per_word() * static_cast<double>(words);
}

std::ostream& operator<<(std::ostream& os, const CycleBreakdown& c) {
  return os << "{mac=" << c.mac << " element=" << c.element << " receive=" << c.receive
            << " send=" << c.send << " fixed=" << c.fixed << " boot=" << c.boot << "}";
}

}  // namespace illusion::chipd
