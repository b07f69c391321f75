#include "clients/endurance/model_study.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "endurer/mode.h"
#include "endurer/trace.h"
#include "endurer/trace_replay.h"

namespace illusion::clients {
namespace {

absl::StatusOr<std::vector<ModelCheckpoint>> RunScheme(endurer::Mode mode, uint32_t base,
                                                       const ModelStudyOptions& o,
                                                       const endurer::WearModel& wear,
                                                       uint64_t* swaps, uint64_t* periods) {
  ASSIGN_OR_RETURN(std::vector<endurer::WritePattern> patterns,
                   ActivationWritePatterns(mode, o.chips, base, kD2nnActivationWords));
  endurer::EnduranceSimConfig config;
  config.mode = mode;
  config.chips = o.chips;
  config.segment_words = kSegmentWords;
  config.remap_period_hours = o.remap_period_hours;
  config.inference_period_s = 3600.0 / o.inferences_per_hour;
  config.checkpoints = StudyCheckpoints(o.years);
  config.shift_seed = o.seed + 1;
  config.record_stuck_bits = true;
  ASSIGN_OR_RETURN(endurer::EnduranceSimResult r,
                   endurer::RunEnduranceSim(patterns, config, nullptr, &wear));
  *swaps = r.swaps;
  *periods = r.periods;
  std::vector<ModelCheckpoint> out;
  for (size_t i = 0; i < r.checkpoints.size(); ++i) {
    const endurer::CheckpointResult& cp = r.checkpoints[i];
    ModelCheckpoint m;
    m.label = cp.name;
    m.hours = config.checkpoints[i].hours;
    m.simulated_hours = cp.hours;
    for (const endurer::SegmentSnapshot& s : cp.segments) {
      m.stuck_bits_per_chip.push_back(static_cast<int>(s.stuck.total()));
    }
    m.activation_chip = static_cast<int>(cp.v2p[0]);
    m.activation_offset = cp.offsets[0];
    m.mask = MaskForRegion(cp.stuck_bit_list, cp.v2p[0], base, cp.offsets[0],
                           kD2nnActivationWords, kSegmentWords);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

std::vector<endurer::Checkpoint> StudyCheckpoints(double years) {
  const double horizon = years * 8760.0;
  std::vector<endurer::Checkpoint> out = {{"ZERO", 0}};
  const endurer::Checkpoint standard[] = {
      {"DAY", 24}, {"WEEK", 168}, {"MONTH", 720}, {"YEAR", 8760}, {"TENYEAR", 87600}};
  for (const endurer::Checkpoint& c : standard) {
    if (c.hours <= horizon * (1 + 1e-12)) out.push_back(c);
  }
  if (std::abs(out.back().hours - horizon) > 1e-9 * horizon) {
    out.push_back({absl::StrFormat("%gYEAR", years), horizon});
  }
  return out;
}

absl::StatusOr<std::vector<endurer::WritePattern>> ActivationWritePatterns(endurer::Mode mode,
                                                                           uint32_t chips,
                                                                           uint32_t base,
                                                                           int words) {
  std::vector<endurer::TraceRecord> records;
  for (int k = 0; k < words; ++k) {
    endurer::TraceRecord r;
    r.chip = 0;
    r.address = static_cast<uint16_t>(base + k);
    r.line = static_cast<uint32_t>(k + 1);
    records.push_back(r);
  }
  endurer::PatternOptions p;
  p.mode = mode;
  p.chips = chips;
  p.segment_words = kSegmentWords;
  p.inferences_per_run = 1;
  return endurer::WritePatternsFromTrace(records, p);
}

ActivationMask MaskForRegion(const std::vector<endurer::StuckBit>& stuck, uint32_t chip,
                             uint32_t base, uint32_t offset, int words, uint32_t m) {
  ActivationMask mask;
  mask.and_mask.assign(words, 0xFFFF);
  mask.or_mask.assign(words, 0);
  for (const endurer::StuckBit& b : stuck) {
    if (b.chip != chip) continue;
    // Virtual address of this physical word: (phys + offset) mod m.
    const uint32_t vaddr = (b.word + offset) % m;
    if (vaddr < base || vaddr >= base + static_cast<uint32_t>(words)) continue;
    const uint16_t bit = static_cast<uint16_t>(1u << b.bit);
    if (b.value == 1) {
      mask.or_mask[vaddr - base] |= bit;
    } else {
      mask.and_mask[vaddr - base] &= static_cast<uint16_t>(~bit);
    }
    ++mask.stuck_bits;
  }
  return mask;
}

absl::StatusOr<ModelWearResult> SimulateD2nnActivationWear(const ModelStudyOptions& o) {
  RETURN_IF_ERROR(endurer::ValidateEnduranceDistribution(o.wear));
  if (!(o.inferences_per_hour > 0) || !std::isfinite(o.inferences_per_hour)) {
    return absl::InvalidArgumentError(
        absl::StrCat("inference rate ", o.inferences_per_hour, " per hour must be > 0"));
  }
  if (!(o.years > 0) || !std::isfinite(o.years)) {
    return absl::InvalidArgumentError(absl::StrCat("horizon of ", o.years, " years must be > 0"));
  }
  endurer::SeededUniformSource rng(o.seed);
  ASSIGN_OR_RETURN(endurer::WearModel wear,
                   endurer::WearModel::Create(o.wear, o.chips, kSegmentWords, rng));
  ModelWearResult result;
  uint64_t ignored = 0;
  ASSIGN_OR_RETURN(result.nr, RunScheme(endurer::Mode::kNoResiliency, kD2nnNrActivationBase, o,
                                        wear, &ignored, &result.periods));
  ASSIGN_OR_RETURN(result.de, RunScheme(endurer::Mode::kDistributed, kD2nnDeActivationBase, o,
                                        wear, &result.de_swaps, &result.periods));
  return result;
}

}  // namespace illusion::clients
