#ifndef ILLUSION_CLIENTS_ENDURANCE_MODEL_STUDY_H_
#define ILLUSION_CLIENTS_ENDURANCE_MODEL_STUDY_H_

// Modelled wear for `illusionctl endurance study --source=model`: the D2NN's
// per-inference NVM write pattern (its n1_conv2 activation, 216 16-bit words
// written once per inference: reference/endurer/write_patterns_summary.csv,
// d2nn_write_pattern*.txt) is derived through the endurer write path
// (endurer::WritePatternsFromTrace) and fast-forwarded with
// endurer::RunEnduranceSim for NR (no resiliency, region 0x400-0x4D7 of
// physical chip 0, as upstream) and DE (Distributed ENDURER, region
// 0x728-0x7FF of virtual chip 0). Both runs share ONE seeded WearModel (the
// same silicon), so their stuck bits differ only by where the writes land.
//
// At every checkpoint the stuck bits of the physical cells that hold the
// activation at that time (physical chip v2p[0], word (vaddr - offset[0])
// mod M, i.e. after that period's remap) become the stuck-at mask that
// fault_accuracy.h applies to every write of n1_conv2.
//
// Stateless free functions; thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clients/endurance/fault_accuracy.h"
#include "endurer/endurance_sim.h"
#include "endurer/wear_model.h"
#include "endurer/write_pattern.h"

namespace illusion::clients {

// D2NN-only maximum-likelihood fit of the processed NR points
// (endurer/wear_model.h): median 2.4e9 word writes, sigma 2.1, 99 % of the
// failures stuck at 1.
inline constexpr double kD2nnEnduranceMedian = 2.4e9;
inline constexpr double kD2nnEnduranceSigma = 2.1;
// The paper's D2NN rate: 4.8 s per inference = 750 inferences per hour.
inline constexpr double kD2nnInferencesPerHour = 750;

struct ModelStudyOptions {
  uint32_t chips = 8;
  double years = 10;                                 // horizon
  double inferences_per_hour = kD2nnInferencesPerHour;
  double remap_period_hours = 4;
  uint64_t seed = 1;  // wear-model draws; remap shifts use seed + 1
  endurer::EnduranceDistribution wear = {kD2nnEnduranceMedian, kD2nnEnduranceSigma, 0.99};
};

// ZERO, DAY, WEEK, MONTH, YEAR, TENYEAR up to the horizon, plus the horizon
// itself as "<Y>YEAR" (e.g. "0.5YEAR", "20YEAR") when it is none of them.
std::vector<endurer::Checkpoint> StudyCheckpoints(double years);

// One pattern per virtual chip: `words` writes, one per word from `base` on
// virtual chip 0, per inference, through the write path of `mode`.
absl::StatusOr<std::vector<endurer::WritePattern>> ActivationWritePatterns(endurer::Mode mode,
                                                                           uint32_t chips,
                                                                           uint32_t base,
                                                                           int words);

// The stuck-at mask of the `words` virtual words from `base` when they live
// on physical chip `chip` under `offset` (physical word = (vaddr - offset)
// mod m), from the bits of `stuck`.
ActivationMask MaskForRegion(const std::vector<endurer::StuckBit>& stuck, uint32_t chip,
                             uint32_t base, uint32_t offset, int words, uint32_t m);

struct ModelCheckpoint {
  std::string label;                     // ZERO, DAY, ..., or "<Y>YEAR"
  double hours = 0;                      // nominal checkpoint time
  double simulated_hours = 0;            // whole remap periods
  std::vector<int> stuck_bits_per_chip;  // physical chips
  int activation_chip = 0;               // physical chip holding the activation
  uint32_t activation_offset = 0;
  ActivationMask mask;
};

struct ModelWearResult {
  std::vector<ModelCheckpoint> nr;
  std::vector<ModelCheckpoint> de;
  uint64_t de_swaps = 0;
  uint64_t periods = 0;
};

// InvalidArgument for bad options (from the simulator or the distribution).
absl::StatusOr<ModelWearResult> SimulateD2nnActivationWear(const ModelStudyOptions& options);

}  // namespace illusion::clients

#endif  // ILLUSION_CLIENTS_ENDURANCE_MODEL_STUDY_H_
