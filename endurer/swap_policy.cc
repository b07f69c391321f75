#include "endurer/swap_policy.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace illusion::endurer {

absl::StatusOr<SwapPolicyParams> SwapPolicyForWorkload(absl::string_view name) {
  if (name == "default") return SwapPolicyParams::Defaults();
  if (name == "svhn") return SwapPolicyParams::Svhn();
  if (name == "d2nn") return SwapPolicyParams::D2nn();
  if (name == "lstm" || name == "kws_lstm") return SwapPolicyParams::Lstm();
  return absl::InvalidArgumentError(
      absl::StrCat("unknown swap-policy workload '", name, "' (want default, svhn, d2nn or lstm)"));
}

absl::Status ValidateSwapPolicyParams(const SwapPolicyParams& params) {
  const std::pair<const char*, double> values[] = {
      {"tau", params.tau}, {"eps", params.eps}, {"c", params.c}};
  for (const auto& [name, value] : values) {
    if (!std::isfinite(value) || value < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("swap policy ", name, " = ", value, " must be finite and >= 0"));
    }
  }
  return absl::OkStatus();
}

double SwapPolicy::Threshold(absl::Span<const uint64_t> counts) const {
  if (counts.empty()) return params_.c;
  uint64_t total = 0;
  for (uint64_t c : counts) total += c;
  return static_cast<double>(total) / static_cast<double>(counts.size()) * (1 + params_.eps) +
         params_.c;
}

std::optional<SwapDecision> SwapPolicy::Check(absl::Span<const uint64_t> counts) const {
  if (counts.size() < 2) return std::nullopt;
  const double threshold = Threshold(counts);
  std::optional<uint32_t> heavy;
  uint32_t light = 0;
  for (uint32_t i = 0; i < counts.size(); ++i) {
    if (static_cast<double>(counts[i]) > threshold &&
        (!heavy.has_value() || counts[i] > counts[*heavy])) {
      heavy = i;
    }
    if (counts[i] < counts[light]) light = i;
  }
  if (!heavy.has_value() || *heavy == light) return std::nullopt;
  return SwapDecision{*heavy, light};
}

void SwapPolicy::RecordSwap() {
  ++swap_count_;  // now k - 1 == swap_count_ for the step just made
  params_.eps += std::pow(params_.tau, static_cast<double>(swap_count_));
}

}  // namespace illusion::endurer
