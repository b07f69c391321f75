// Wear and failure model of RRAM cells: a configurable endurance
// distribution turns per-cell write counts into stuck bits.
//
// The repository of the paper has no endurance constant (spec §3.1): the
// failures were measured. This model is the inference the spec suggests:
// every bit of every word gets a lifetime in word writes drawn from a
// log-normal distribution (median `median_cycles`, log-space standard
// deviation `sigma`); once its cell has been written that many times the
// bit is stuck, at 1 with probability `stuck_at_one_fraction`, else at 0.
// Stuck bits never heal (the reference data is "processed": temporary
// failures removed).
//
// Defaults [derived]: maximum-likelihood fit of the processed SVHN
// no-resiliency points of reference/endurer/nr_endurance_points.csv
// (64 words, 8.6 M writes -> 5 of 1,024 bits, 85.8 M -> 57): median
// 3.24e9 writes, sigma 2.3. D2NN alone fits 2.4e9 / 2.1 and LSTM 7.2e9 /
// 2.15 (word writes are data-dependent). 335 of the 337 new NR failures are
// stuck-at-1: stuck_at_one_fraction 0.99.
//
// Randomness comes from an injectable UniformSource (tests use a fixed
// sequence): per bit, in the order chip, word, bit (LSB first), one draw u1
// for the lifetime (quantile u1 of the distribution) and one draw u2 for the
// stuck value (1 iff u2 < stuck_at_one_fraction).
//
// WearModel owns its tables (about 144 bytes per word); it is immutable
// after Create, so concurrent const use is safe. Sources are not
// thread-safe.

#ifndef ILLUSION_ENDURER_WEAR_MODEL_H_
#define ILLUSION_ENDURER_WEAR_MODEL_H_

#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "endurer/mode.h"

namespace illusion::endurer {

struct EnduranceDistribution {
  double median_cycles = 3.24e9;        // writes at which half the bits fail
  double sigma = 2.3;                   // std deviation of ln(lifetime)
  double stuck_at_one_fraction = 0.99;  // share of failures that read 1
};

// InvalidArgument unless median_cycles >= 1, sigma >= 0 (0 = every bit fails
// at the median) and the fraction is in [0, 1], all finite.
absl::Status ValidateEnduranceDistribution(const EnduranceDistribution& d);

// P(a bit has failed after `writes` writes of its cell): the log-normal CDF.
double FailureProbability(const EnduranceDistribution& d, double writes);
// The lifetime at quantile u in (0, 1), in writes, rounded up and clamped to
// [1, 2^62].
uint64_t LifetimeAtQuantile(const EnduranceDistribution& d, double u);
// Inverse of the standard normal CDF, |relative error| < 1.2e-9 (Acklam's
// rational approximation); 0 at u = 0.5 exactly. u is clamped into (0, 1).
double InverseNormalCdf(double u);

// Interface: uniform doubles in (0, 1).
class UniformSource {
 public:
  virtual ~UniformSource() = default;
  virtual double Next() = 0;
};

// From a seeded mt19937_64 (53-bit mantissa, never 0 or 1).
class SeededUniformSource : public UniformSource {
 public:
  explicit SeededUniformSource(uint64_t seed) : engine_(seed) {}
  double Next() override;

 private:
  std::mt19937_64 engine_;
};

// values[0], values[1], ... repeated; an empty list yields 0.5.
class SequenceUniformSource : public UniformSource {
 public:
  explicit SequenceUniformSource(std::vector<double> values) : values_(std::move(values)) {}
  double Next() override;

 private:
  std::vector<double> values_;
  size_t next_ = 0;
};

struct StuckBit {
  uint32_t chip = 0;  // physical chip
  uint32_t word = 0;  // physical word address
  uint32_t bit = 0;   // 0 = least significant
  int value = 1;      // 1 = stuck-at-1, 0 = stuck-at-0
};

struct StuckCounts {
  uint64_t stuck_at_1 = 0;
  uint64_t stuck_at_0 = 0;
  uint64_t total() const { return stuck_at_1 + stuck_at_0; }
};

// The 16 bits of one cell sorted by lifetime, for fast threshold scans.
struct CellEndurance {
  std::array<uint64_t, kBitsPerWord> fail_at{};  // ascending lifetimes
  std::array<uint8_t, kBitsPerWord> bit{};       // bit index of fail_at[i]
  uint16_t stuck_one_mask = 0;                   // bits that stick at 1
};

// Masks of a word's stuck bits; a read returns (data | ones) & ~zeros.
struct StuckMask {
  uint16_t ones = 0;
  uint16_t zeros = 0;
  uint16_t Apply(uint16_t data) const { return static_cast<uint16_t>((data | ones) & ~zeros); }
};

class WearModel {
 public:
  // Draws the lifetimes of chips x words x 16 bits from `rng`.
  // InvalidArgument for a bad distribution or zero / too many cells
  // (chips * words <= 2^24).
  static absl::StatusOr<WearModel> Create(const EnduranceDistribution& distribution, uint32_t chips,
                                          uint32_t words, UniformSource& rng);

  // Lifetime (writes) and stuck value of one bit. Preconditions: in range.
  uint64_t BitLifetime(uint32_t chip, uint32_t word, uint32_t bit) const;
  int StuckValue(uint32_t chip, uint32_t word, uint32_t bit) const;
  const CellEndurance& cell(uint32_t chip, uint32_t word) const {
    return cells_[static_cast<size_t>(chip) * words_ + word];
  }
  // Stuck bits of one word after `writes` writes of that cell.
  StuckMask MaskAt(uint32_t chip, uint32_t word, uint64_t writes) const;

  // Every stuck bit of `chip` given its per-cell write counts (one entry per
  // word; InvalidArgument for another length), in word then bit order.
  absl::StatusOr<std::vector<StuckBit>> StuckBits(uint32_t chip,
                                                  absl::Span<const uint64_t> cell_writes) const;
  absl::StatusOr<StuckCounts> CountStuckBits(uint32_t chip,
                                             absl::Span<const uint64_t> cell_writes) const;

  uint32_t chips() const { return chips_; }
  uint32_t words() const { return words_; }
  const EnduranceDistribution& distribution() const { return distribution_; }

 private:
  WearModel(EnduranceDistribution d, uint32_t chips, uint32_t words)
      : distribution_(d), chips_(chips), words_(words) {}

  EnduranceDistribution distribution_;
  uint32_t chips_;
  uint32_t words_;
  std::vector<CellEndurance> cells_;
};

}  // namespace illusion::endurer

#endif  // ILLUSION_ENDURER_WEAR_MODEL_H_
