// The Distributed ENDURER swap policy (spec §1.7), as pure arithmetic on
// the per-physical-chip write counters.
//
// Once per round (after every virtual chip has done its work and local
// remap):
//
//   threshold = (sum of counters / N) * (1 + EPS) + C
//   heavy     = the chip with the largest counter above the threshold
//               (strictly above; the first index wins ties); none -> no swap
//   light     = the chip with the smallest counter (first index wins ties)
//
// The caller swaps the contents of heavy and light and then calls
// RecordSwap(), which applies the hysteresis EPS += TAU^k and k += 1 (k
// starts at 1, so after n swaps EPS = EPS0 + TAU + ... + TAU^n). Later swaps
// need a growing imbalance; C keeps swaps away early in life.
//
// SwapPolicy is a small value (no pointers); not thread-safe when mutated.

#ifndef ILLUSION_ENDURER_SWAP_POLICY_H_
#define ILLUSION_ENDURER_SWAP_POLICY_H_

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace illusion::endurer {

// TAU, EPS (current value; EPS0 before any swap) and C.
struct SwapPolicyParams {
  double tau = 0.6;
  double eps = 0.6;
  double c = 8e6;

  // The published defaults after reset: 0.6 / 0.6 / 8e6.
  static SwapPolicyParams Defaults() { return {0.6, 0.6, 8e6}; }
  // Per-workload values of the measured experiments: SVHN 0.45 / 0.45 /
  // 7e8, D2NN 0.4 / 0.4 / 7e8, LSTM 0.6 / 0.6 / 8e6 (single-chip runs, the
  // policy was never evaluated).
  static SwapPolicyParams Svhn() { return {0.45, 0.45, 7e8}; }
  static SwapPolicyParams D2nn() { return {0.4, 0.4, 7e8}; }
  static SwapPolicyParams Lstm() { return {0.6, 0.6, 8e6}; }
};

// "default", "svhn", "d2nn" or "lstm" (also "kws_lstm"); InvalidArgument
// otherwise.
absl::StatusOr<SwapPolicyParams> SwapPolicyForWorkload(absl::string_view name);

// InvalidArgument unless tau, eps and c are finite and >= 0.
absl::Status ValidateSwapPolicyParams(const SwapPolicyParams& params);

struct SwapDecision {
  uint32_t heavy = 0;  // physical chip to unload
  uint32_t light = 0;  // least-written physical chip
};

class SwapPolicy {
 public:
  // `swap_count` swaps already happened (so k = swap_count + 1); `params.eps`
  // is the current EPS (it already includes those swaps). Parameters are
  // not validated here; see ValidateSwapPolicyParams.
  explicit SwapPolicy(SwapPolicyParams params = SwapPolicyParams::Defaults(),
                      uint64_t swap_count = 0)
      : params_(params), swap_count_(swap_count) {}

  // (sum / N) * (1 + EPS) + C, in double as the published code.
  double Threshold(absl::Span<const uint64_t> counts) const;
  // The swap to make now, if any. Empty for fewer than 2 chips.
  std::optional<SwapDecision> Check(absl::Span<const uint64_t> counts) const;
  // EPS += TAU^k; k += 1.
  void RecordSwap();

  const SwapPolicyParams& params() const { return params_; }
  double tau() const { return params_.tau; }
  double eps() const { return params_.eps; }
  double c() const { return params_.c; }
  uint64_t swap_count() const { return swap_count_; }
  // The exponent of the next hysteresis step.
  uint64_t k() const { return swap_count_ + 1; }

 private:
  SwapPolicyParams params_;
  uint64_t swap_count_;
};

}  // namespace illusion::endurer

#endif  // ILLUSION_ENDURER_SWAP_POLICY_H_
