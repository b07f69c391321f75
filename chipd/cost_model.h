// Analytic cost of running a slice on a chip: cycles, active time and energy
// by component, from an illusion.v1.ChipModel and a list of work items (one
// per op executed, with its MACs, elementwise work and link words).
//
//   cycles = boot (once per activation, optional)
//          + sum over items of  MACs x cycles_per_<kind>_mac
//                                 (cycles_per_int8_out_dense_mac for an
//                                 int8-output dense routine, if set)
//                             + elements x cycles_per_{pooled,compared}_element
//                             + requantized outputs x
//                                 cycles_per_requantized_output (if set; else
//                                 the pooled-element cost)
//                             + padded conv outputs x
//                                 cycles_per_padded_conv_output (if set)
//                             + words_in x cycles_per_word_received
//                             + words_out x cycles_per_word_sent
//                             + fixed_cycles_per_op
//   active time = cycles / clock_hz
//   energy = active_power_w x active time + mac_energy_j x MACs
//          + nvm_read_energy_j_per_word x weight words read (if set)
//          + nvm_write_energy_j_per_word x NVM words written
//          + link_energy_j_per_word x words sent
//
// Cycles are doubles: a wide accelerator costs a fraction of a cycle per MAC.
// Wake-up, shutdown and sleep energy are not here: PowerController charges
// them. PowerController also charges active_power_w for the time it is told
// the chip computed, so a caller that drives both must count that term once
// (use SliceCost::active_ns for AdvanceActive and take the other components
// from here). Pure functions: stateless and thread-safe.

#ifndef ILLUSION_CHIPD_COST_MODEL_H_
#define ILLUSION_CHIPD_COST_MODEL_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/illusion/v1/chip_model.pb.h"

namespace illusion::chipd {

// What kind of work an item is; mirrors nn::OpKind.
enum class WorkKind { kConv2D, kDense, kLstm, kMaxPool, kArgmax, kBranch };

// "conv2d", "dense", "lstm", "max_pool", "argmax", "branch".
absl::string_view WorkKindName(WorkKind kind);

// One op (or op sub-range) executed on the chip. All counts must be >= 0.
struct WorkItem {
  std::string name;  // for error messages, e.g. the op name
  WorkKind kind = WorkKind::kDense;
  // Multiply-accumulates; only conv2d, dense and lstm items may have them.
  int64_t macs = 0;
  // Elementwise work: elements compared for argmax and branch, elements
  // pooled for every other kind (conv2d with fused pooling, max_pool).
  int64_t elements = 0;
  // 16-bit words this item reads from / writes to the chip's link port.
  int64_t words_in = 0;
  int64_t words_out = 0;
  // 16-bit weight words read from the NVM (energy only, when the model sets
  // nvm_read_energy_j_per_word).
  int64_t weight_words_read = 0;
  // Dense only: the routine writes int8 outputs directly (D2NN `dense_bias`),
  // so its MACs cost cycles_per_int8_out_dense_mac when the model sets it.
  bool int8_output = false;
  // Outputs requantized and stored in one pass (bias, shift, cast) with no
  // accumulator or pooling pass: a dense op's finish of int32 partial sums,
  // or the outputs of a one-pass dense routine. Not included in `elements`.
  int64_t requantized_outputs = 0;
  // Conv2d only: output positions (before pooling) computed by the
  // same-padded kernel, each charged cycles_per_padded_conv_output.
  int64_t padded_conv_outputs = 0;
};

// Cycles by cause. Plain value.
struct CycleBreakdown {
  double mac = 0;
  double element = 0;
  double receive = 0;
  double send = 0;
  double fixed = 0;
  double boot = 0;
  double total() const { return mac + element + receive + send + fixed + boot; }
  // Field by field, exactly (the same model and work give the same doubles).
  bool operator==(const CycleBreakdown& o) const {
    return mac == o.mac && element == o.element && receive == o.receive && send == o.send &&
           fixed == o.fixed && boot == o.boot;
  }
  bool operator!=(const CycleBreakdown& o) const { return !(*this == o); }
};
// "{mac=.. element=.. receive=.. send=.. fixed=.. boot=..}", for test failures and logs.
std::ostream& operator<<(std::ostream& os, const CycleBreakdown& c);

// Energy by component, joules. Plain value.
struct EnergyBreakdown {
  double active_j = 0;     // active_power_w x cycles / clock_hz
  double mac_j = 0;        // mac_energy_j x MACs
  double nvm_read_j = 0;   // weight words read x nvm_read_energy_j_per_word
  double nvm_write_j = 0;  // words written x nvm_write_energy_j_per_word
  double link_j = 0;       // words sent x link_energy_j_per_word
  double total_j() const {
    return active_j + mac_j + nvm_read_j + nvm_write_j + link_j;
  }
};

struct CostOptions {
  // Charge boot_cycles_per_wakeup once: every activation of the paper's chip
  // is a cold boot. Default true.
  bool include_boot = true;
  // NVM words written during the slice (e.g. non-volatile activations, or
  // weights being loaded). Default 0.
  int64_t nvm_words_written = 0;
  // Check the model with ValidateChipModel first. Default true; ChipRuntime,
  // which validates its model when it is set, turns it off for Execute.
  bool validate_model = true;
};

// Cost of one slice activation. Plain value.
struct SliceCost {
  CycleBreakdown cycles;
  // cycles.total() / clock_hz, rounded to the nearest ns.
  int64_t active_ns = 0;
  EnergyBreakdown energy;
  int64_t macs = 0;
  int64_t words_in = 0;
  int64_t words_out = 0;
};

// Cycles of one item (no boot). The model must pass ValidateChipModel.
// INVALID_ARGUMENT naming the item if a count is negative, a non-MAC kind
// has MACs, a non-dense item is int8_output or a non-conv2d item has
// padded_conv_outputs.
absl::StatusOr<CycleBreakdown> WorkItemCycles(
    const illusion::v1::ChipModel& model, const WorkItem& item);

// Cost of running `items` once. INVALID_ARGUMENT if the model fails
// ValidateChipModel, an item is invalid (as above) or
// options.nvm_words_written is negative.
absl::StatusOr<SliceCost> EstimateSliceCost(
    const illusion::v1::ChipModel& model, const std::vector<WorkItem>& items,
    const CostOptions& options = {});

// cycles / clock_hz in ns, rounded to the nearest ns. The model must be valid.
int64_t CyclesToNs(const illusion::v1::ChipModel& model, double cycles);

// Time on the link for one message of `words` 16-bit words: link_latency_s +
// words / link_bandwidth_words_per_s, rounded to the nearest ns. The model
// must be valid; `words` >= 0.
int64_t LinkTransferNs(const illusion::v1::ChipModel& model, int64_t words);

// Link energy of sending `words` 16-bit words.
double LinkEnergyJ(const illusion::v1::ChipModel& model, int64_t words);

}  // namespace illusion::chipd

#endif  // ILLUSION_CHIPD_COST_MODEL_H_
