#include "endurer/wear_model.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace illusion::endurer {
namespace {

constexpr double kMaxLifetime = 4611686018427387904.0;  // 2^62

}  // namespace

absl::Status ValidateEnduranceDistribution(const EnduranceDistribution& d) {
  if (!std::isfinite(d.median_cycles) || d.median_cycles < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("endurance median_cycles ", d.median_cycles, " must be finite and >= 1"));
  }
  if (!std::isfinite(d.sigma) || d.sigma < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("endurance sigma ", d.sigma, " must be finite and >= 0"));
  }
  if (!(d.stuck_at_one_fraction >= 0 && d.stuck_at_one_fraction <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat("endurance stuck_at_one_fraction ",
                                                   d.stuck_at_one_fraction, " outside [0, 1]"));
  }
  return absl::OkStatus();
}

double InverseNormalCdf(double u) {
  // Acklam's algorithm: rational approximations in a central region and two
  // tails.
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  u = std::clamp(u, 1e-300, 1.0 - 1e-16);
  if (u < kLow) {
    const double q = std::sqrt(-2 * std::log(u));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (u > 1 - kLow) {
    const double q = std::sqrt(-2 * std::log1p(-u));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const double q = u - 0.5;
  const double r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

double FailureProbability(const EnduranceDistribution& d, double writes) {
  if (writes <= 0) return 0;
  const double z = std::log(writes / d.median_cycles);
  if (d.sigma == 0) return z >= 0 ? 1 : 0;
  return 0.5 * std::erfc(-z / (d.sigma * std::sqrt(2.0)));
}

uint64_t LifetimeAtQuantile(const EnduranceDistribution& d, double u) {
  const double lifetime = std::ceil(d.median_cycles * std::exp(d.sigma * InverseNormalCdf(u)));
  if (!(lifetime >= 1)) return 1;
  if (lifetime >= kMaxLifetime) return static_cast<uint64_t>(kMaxLifetime);
  return static_cast<uint64_t>(lifetime);
}

double SeededUniformSource::Next() {
  // 53 random bits, shifted to the open interval (0, 1).
  return (static_cast<double>(engine_() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

double SequenceUniformSource::Next() {
  if (values_.empty()) return 0.5;
  const double v = values_[next_ % values_.size()];
  ++next_;
  return v;
}

absl::StatusOr<WearModel> WearModel::Create(const EnduranceDistribution& distribution,
                                            uint32_t chips, uint32_t words, UniformSource& rng) {
  RETURN_IF_ERROR(ValidateEnduranceDistribution(distribution));
  const uint64_t cells = static_cast<uint64_t>(chips) * words;
  if (cells == 0 || cells > (uint64_t{1} << 24)) {
    return absl::InvalidArgumentError(
        absl::StrCat("wear model for ", chips, " chips x ", words, " words: want 1 to 2^24 cells"));
  }
  WearModel model(distribution, chips, words);
  model.cells_.resize(cells);
  std::array<uint64_t, kBitsPerWord> life{};
  std::array<uint8_t, kBitsPerWord> order{};
  for (CellEndurance& cell : model.cells_) {
    for (uint32_t bit = 0; bit < kBitsPerWord; ++bit) {
      life[bit] = LifetimeAtQuantile(distribution, rng.Next());
      if (rng.Next() < distribution.stuck_at_one_fraction) {
        cell.stuck_one_mask = static_cast<uint16_t>(cell.stuck_one_mask | (1u << bit));
      }
    }
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](uint8_t x, uint8_t y) { return life[x] < life[y]; });
    for (uint32_t i = 0; i < kBitsPerWord; ++i) {
      cell.bit[i] = order[i];
      cell.fail_at[i] = life[order[i]];
    }
  }
  return model;
}

uint64_t WearModel::BitLifetime(uint32_t chip, uint32_t word, uint32_t bit) const {
  const CellEndurance& c = cell(chip, word);
  for (uint32_t i = 0; i < kBitsPerWord; ++i) {
    if (c.bit[i] == bit) return c.fail_at[i];
  }
  return 0;  // unreachable for bit < 16
}

int WearModel::StuckValue(uint32_t chip, uint32_t word, uint32_t bit) const {
  return (cell(chip, word).stuck_one_mask >> bit) & 1;
}

StuckMask WearModel::MaskAt(uint32_t chip, uint32_t word, uint64_t writes) const {
  const CellEndurance& c = cell(chip, word);
  StuckMask mask;
  for (uint32_t i = 0; i < kBitsPerWord && c.fail_at[i] <= writes; ++i) {
    const uint16_t b = static_cast<uint16_t>(1u << c.bit[i]);
    if (c.stuck_one_mask & b) {
      mask.ones = static_cast<uint16_t>(mask.ones | b);
    } else {
      mask.zeros = static_cast<uint16_t>(mask.zeros | b);
    }
  }
  return mask;
}

absl::StatusOr<std::vector<StuckBit>> WearModel::StuckBits(
    uint32_t chip, absl::Span<const uint64_t> cell_writes) const {
  if (chip >= chips_ || cell_writes.size() != words_) {
    return absl::InvalidArgumentError(absl::StrCat("stuck bits of chip ", chip, " with ",
                                                   cell_writes.size(), " cell counts; model has ",
                                                   chips_, " chips of ", words_, " words"));
  }
  std::vector<StuckBit> out;
  for (uint32_t w = 0; w < words_; ++w) {
    const StuckMask m = MaskAt(chip, w, cell_writes[w]);
    for (uint32_t bit = 0; bit < kBitsPerWord; ++bit) {
      if ((m.ones >> bit) & 1) out.push_back({chip, w, bit, 1});
      if ((m.zeros >> bit) & 1) out.push_back({chip, w, bit, 0});
    }
  }
  return out;
}

absl::StatusOr<StuckCounts> WearModel::CountStuckBits(
    uint32_t chip, absl::Span<const uint64_t> cell_writes) const {
  if (chip >= chips_ || cell_writes.size() != words_) {
    return absl::InvalidArgumentError(absl::StrCat("stuck bits of chip ", chip, " with ",
                                                   cell_writes.size(), " cell counts; model has ",
                                                   chips_, " chips of ", words_, " words"));
  }
  StuckCounts counts;
  for (uint32_t w = 0; w < words_; ++w) {
    const CellEndurance& c = cell(chip, w);
    for (uint32_t i = 0; i < kBitsPerWord && c.fail_at[i] <= cell_writes[w]; ++i) {
      if ((c.stuck_one_mask >> c.bit[i]) & 1) {
        ++counts.stuck_at_1;
      } else {
        ++counts.stuck_at_0;
      }
    }
  }
  return counts;
}

}  // namespace illusion::endurer
