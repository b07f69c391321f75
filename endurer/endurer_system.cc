#include "endurer/endurer_system.h"

#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace illusion::endurer {

absl::StatusOr<EndurerSystem> EndurerSystem::Create(const EndurerSystemOptions& options,
                                                    ShiftSource* shifts) {
  if (options.chips == 0 || options.chips > 4096) {
    return absl::InvalidArgumentError(absl::StrCat("chips ", options.chips, " outside [1, 4096]"));
  }
  RETURN_IF_ERROR(ValidateSwapPolicyParams(options.policy));
  RemapperConfig config;
  config.mode = options.mode;
  config.segment_words = options.segment_words;
  config.cache_entries = options.cache_entries;
  std::vector<ChipRemapper> hosts;
  hosts.reserve(options.chips);
  for (uint32_t p = 0; p < options.chips; ++p) {
    ASSIGN_OR_RETURN(ChipRemapper chip, ChipRemapper::Create(config));
    hosts.push_back(std::move(chip));
  }
  std::unique_ptr<ShiftSource> owned;
  if (shifts == nullptr) {
    owned = std::make_unique<SeededShiftSource>(options.seed);
    shifts = owned.get();
  }
  return EndurerSystem(options.mode, options.segment_words, std::move(hosts),
                       SwapPolicy(options.policy), std::move(owned), shifts);
}

EndurerSystem::EndurerSystem(Mode mode, uint32_t segment_words, std::vector<ChipRemapper> hosts,
                             SwapPolicy policy, std::unique_ptr<ShiftSource> owned,
                             ShiftSource* shifts)
    : mode_(mode),
      segment_words_(segment_words),
      hosts_(std::move(hosts)),
      v2p_(hosts_.size()),
      p2v_(hosts_.size()),
      policy_(policy),
      owned_shifts_(std::move(owned)),
      shifts_(shifts) {
  std::iota(v2p_.begin(), v2p_.end(), 0u);
  std::iota(p2v_.begin(), p2v_.end(), 0u);
}

absl::Status EndurerSystem::CheckVirtual(uint32_t virt) const {
  if (virt >= hosts_.size()) {
    return absl::NotFoundError(
        absl::StrCat("virtual chip ", virt, " not in [0, ", hosts_.size(), ")"));
  }
  return absl::OkStatus();
}

absl::Status EndurerSystem::Write(uint32_t virt, uint32_t vaddr, uint16_t data) {
  RETURN_IF_ERROR(CheckVirtual(virt));
  return hosts_[v2p_[virt]].Write(vaddr, data);
}

absl::StatusOr<uint16_t> EndurerSystem::Read(uint32_t virt, uint32_t vaddr) const {
  RETURN_IF_ERROR(CheckVirtual(virt));
  return hosts_[v2p_[virt]].Read(vaddr);
}

absl::StatusOr<RemapResult> EndurerSystem::Remap(uint32_t virt) {
  RETURN_IF_ERROR(CheckVirtual(virt));
  ASSIGN_OR_RETURN(RemapResult r, hosts_[v2p_[virt]].Remap(*shifts_));
  remaps_ += r.applied ? 1 : 0;
  return r;
}

absl::StatusOr<RemapResult> EndurerSystem::RemapBy(uint32_t virt, uint32_t shift) {
  RETURN_IF_ERROR(CheckVirtual(virt));
  ASSIGN_OR_RETURN(RemapResult r, hosts_[v2p_[virt]].RemapBy(shift));
  remaps_ += r.applied ? 1 : 0;
  return r;
}

std::optional<SwapDecision> EndurerSystem::MaybeSwap() {
  if (mode_ != Mode::kDistributed) return std::nullopt;
  const std::vector<uint64_t> c = counts();
  std::optional<SwapDecision> decision = policy_.Check(c);
  if (!decision.has_value()) return std::nullopt;
  // Cannot fail: ids come from the policy and differ.
  if (!Swap(decision->heavy, decision->light).ok()) return std::nullopt;
  return decision;
}

absl::Status EndurerSystem::Swap(uint32_t heavy_phys, uint32_t light_phys) {
  if (mode_ != Mode::kDistributed) {
    return absl::FailedPreconditionError(
        absl::StrCat("chip swap needs distributed mode; mode is ", ModeName(mode_)));
  }
  for (uint32_t p : {heavy_phys, light_phys}) {
    if (p >= hosts_.size()) {
      return absl::NotFoundError(
          absl::StrCat("physical chip ", p, " not in [0, ", hosts_.size(), ")"));
    }
  }
  if (heavy_phys == light_phys) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot swap physical chip ", heavy_phys, " with itself"));
  }
  RETURN_IF_ERROR(ChipRemapper::ExchangeHostedChips(hosts_[heavy_phys], hosts_[light_phys]));
  const uint32_t vh = p2v_[heavy_phys];
  const uint32_t vl = p2v_[light_phys];
  p2v_[heavy_phys] = vl;
  p2v_[light_phys] = vh;
  v2p_[vl] = heavy_phys;
  v2p_[vh] = light_phys;
  policy_.RecordSwap();
  return absl::OkStatus();
}

uint64_t EndurerSystem::FlushAll() {
  uint64_t n = 0;
  for (ChipRemapper& h : hosts_) n += h.Flush();
  return n;
}

EndurerState EndurerSystem::SaveState() {
  FlushAll();
  EndurerState s;
  s.mode = mode_;
  s.segment_words = segment_words_;
  s.swap_count = policy_.swap_count();
  s.v2p = v2p_;
  s.offsets.resize(hosts_.size());
  for (uint32_t v = 0; v < hosts_.size(); ++v) s.offsets[v] = offset(v);
  s.counts = counts();
  s.policy = policy_.params();
  return s;
}

absl::Status EndurerSystem::RestoreState(const EndurerState& state) {
  RETURN_IF_ERROR(ValidateEndurerState(state));
  if (state.chips() != hosts_.size() || state.segment_words != segment_words_) {
    return absl::InvalidArgumentError(
        absl::StrCat("endurer state for ", state.chips(), " chips of ", state.segment_words,
                     " words does not fit this system of ", hosts_.size(), " chips of ",
                     segment_words_, " words"));
  }
  std::vector<uint32_t> p2v = state.P2v();
  for (uint32_t p = 0; p < hosts_.size(); ++p) {
    // Offsets belong to the virtual chip now on segment p.
    RETURN_IF_ERROR(hosts_[p].Restore(state.mode, state.offsets[p2v[p]], state.counts[p]));
  }
  mode_ = state.mode;
  v2p_ = state.v2p;
  p2v_ = std::move(p2v);
  policy_ = SwapPolicy(state.policy, state.swap_count);
  return absl::OkStatus();
}

std::vector<uint64_t> EndurerSystem::counts() const {
  std::vector<uint64_t> c(hosts_.size());
  for (size_t p = 0; p < hosts_.size(); ++p) c[p] = hosts_[p].write_count();
  return c;
}

uint64_t EndurerSystem::total_writes() const {
  uint64_t t = 0;
  for (const ChipRemapper& h : hosts_) t += h.write_count();
  return t;
}

uint64_t EndurerSystem::pending() const {
  uint64_t n = 0;
  for (const ChipRemapper& h : hosts_) n += h.pending();
  return n;
}

}  // namespace illusion::endurer
