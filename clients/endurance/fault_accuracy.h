#ifndef ILLUSION_CLIENTS_ENDURANCE_FAULT_ACCURACY_H_
#define ILLUSION_CLIENTS_ENDURANCE_FAULT_ACCURACY_H_

// Accuracy of the golden D2NN with stuck-at faults injected into its
// NVM-resident activation (reference/endurer/README.md, specs/
// distributed_endurer.md §3.3): `n1_conv2` (12x6x6 int8 = 432 B) is written to
// 216 16-bit RRAM words, element 2k in the low byte and 2k+1 in the high byte
// of word k, and read back from there by the high path (N2) only; the low
// path (max-pool -> Q decision -> N3) uses the on-chip copy, as upstream's
// extraction does (mask on n1_conv2_out_raw, read only by N2). Every written
// value goes through the stuck bits: (v & and) | or, then qRelu, then | or
// again. Upstream applies this to the raw value, which its conv keeps >= 0
// (max with 0), so applying it after our fused qRelu is identical.
//
// Regions (upstream extract_model_d2nn.py): NR = physical chip 0, words
// 0x400-0x4D7; DE = the last 216 words 0x728-0x7FF of the physical chip the
// upstream mapping picks (v2p of the period's end state, chip axis rolled by
// sum(offsets) mod 8 -- the np.roll bug; addresses unrotated).
// Not modelled: DE weight masking (the D2NN memory image is not in the kit).
//
// Known gap vs reference/endurer/accuracy_recomputed.csv (NR YEAR / TENYEAR
// 92.8 / 82.0 % here vs 78.5 / 57.2 %): the reference evaluated another D2NN.
// Its C sources (distributed_endurer/c_models/c_d2nn) requantize with QOUT =
// 14 (conv shift 7, dense shift 8) where illusion_testing's golden model,
// which we run and which matches the kit's tensors bit for bit, uses 11; its
// evaluated weights are extracted from fpga_endurer/memory_d2nn.csv, which
// is not in the kit. The kit's weights under QOUT = 14 score 8.5 % clean, so
// those weights differ. Same test inputs (the kit's MNIST set = its data.c).
// Clean 94.4 % with 46.2 % of the images on the high path there vs 93.4 % /
// 12.7 % here (spec §4.2). Only high-path images can be hurt, so the NR loss
// is bounded by that share: at ten years we lose 90 % of the high-path images
// (114 of 127), the reference 80 % (37.2 of 46.2 points). Both keep the
// high-path share constant under every NR mask. DE agrees (0-3 mask bits).
// Stateless functions; thread-safe.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nn/graph.h"
#include "nn/weights.h"

namespace illusion::clients {

inline constexpr int kD2nnActivationWords = 216;
inline constexpr uint32_t kD2nnNrActivationBase = 0x400;
inline constexpr uint32_t kD2nnDeActivationBase = 0x728;
inline constexpr uint32_t kSegmentWords = 2048;

// The six measured timepoints, in order, and their cumulative days.
inline constexpr const char* kTimepoints[] = {"ZERO", "DAY", "WEEK", "MONTH", "YEAR", "TENYEAR"};
inline constexpr int kTimepointDays[] = {0, 1, 7, 30, 365, 3650};
inline constexpr int kNumTimepoints = 6;
// Index of `name` in kTimepoints, or -1.
int TimepointIndex(absl::string_view name);

struct StuckBit {
  int chip = 0;           // physical chip
  uint32_t word = 0;      // word address in the 2048-word segment
  int bit = 0;            // 0 = LSB
  int value = 0;          // stuck value 0/1
  int first_timepoint = 0;  // index into kTimepoints
};

// Rows of stuck_bits_list_processed.csv with the given workload ("d2nn") and
// mode ("NR"/"DE"). InvalidArgument naming `path` and the line when malformed.
absl::StatusOr<std::vector<StuckBit>> ParseStuckBitsCsv(absl::string_view text,
                                                        absl::string_view workload,
                                                        absl::string_view mode,
                                                        absl::string_view path);

// Per-word AND/OR masks over a region of `words` 16-bit words.
struct ActivationMask {
  std::vector<uint16_t> and_mask;  // 0 bit = stuck-at-0
  std::vector<uint16_t> or_mask;   // 1 bit = stuck-at-1
  int stuck_bits = 0;              // bits of the region failed
};

// The mask of the bits of `chip` in [base, base + words) failed at or before
// timepoint index `t`.
ActivationMask BuildActivationMask(const std::vector<StuckBit>& bits, int chip, uint32_t base,
                                   int words, int t);

// The DE physical chip whose failures the upstream flow used as the
// activation mask, given the ENDURER state (v2p, per-virtual-chip offsets).
int UpstreamDeMaskChip(const std::vector<int>& v2p, const std::vector<int>& offsets);

// For each timepoint index 0..5 of the d2nn_de experiment, the mask chip
// from end_states.csv (state recorded at the start of the next period; END
// for TENYEAR). InvalidArgument naming `path` when rows are missing.
absl::StatusOr<std::vector<int>> D2nnDeMaskChips(absl::string_view end_states_csv,
                                                 absl::string_view path);

// A loaded test set: int8 images (784 B each, 1x28x28) and labels.
struct TestSet {
  std::string images;
  std::string labels;
  int count() const { return static_cast<int>(labels.size()); }
};
// Reads <prefix>_inputs.bin / <prefix>_labels.bin style files; NotFound naming
// the path.
absl::StatusOr<TestSet> ReadTestSet(const std::string& inputs_path, const std::string& labels_path);

struct AccuracyResult {
  int correct = 0;
  int total = 0;
  int high_path = 0;
  double accuracy_pct() const { return total == 0 ? 0.0 : 100.0 * correct / total; }
};

// Runs the D2NN golden model over the first `limit` images of `set` (all when
// limit <= 0) with `mask` applied to the NVM copy of n1_conv2 that the high
// path reads.
absl::StatusOr<AccuracyResult> EvaluateD2nnWithActivationFaults(const nn::Graph& graph,
                                                                const nn::WeightMap& weights,
                                                                const TestSet& set,
                                                                const ActivationMask& mask,
                                                                int limit);

// Applies `mask` to an int8 n1_conv2 buffer of 2 * mask words (exposed for tests).
void ApplyActivationMask(const ActivationMask& mask, int8_t* values, int64_t n);

}  // namespace illusion::clients

#endif  // ILLUSION_CLIENTS_ENDURANCE_FAULT_ACCURACY_H_
