// EndurerSystem: N chips under (Distributed) ENDURER: one ChipRemapper per
// physical segment, the virtual <-> physical chip maps and the swap policy
// (spec §1.2-§1.9). This is the orchestrator-side model: the write path of
// every virtual chip, local remaps, the once-per-round swap, and the
// persisted state.
//
//   EndurerSystem sys = *EndurerSystem::Create(options, &shifts);
//   RETURN_IF_ERROR(sys.Write(/*virt=*/0, /*vaddr=*/0x7bf, 0x0080));
//   ASSIGN_OR_RETURN(RemapResult r, sys.Remap(0));
//   std::optional<SwapDecision> swapped = sys.MaybeSwap();  // once per round
//   EndurerState saved = sys.SaveState();                   // flushes first
//
// Owns its chips; keeps a pointer to the ShiftSource, which must outlive it
// (or pass nullptr to own a SeededShiftSource(options.seed)). Movable; not
// thread-safe.

#ifndef ILLUSION_ENDURER_ENDURER_SYSTEM_H_
#define ILLUSION_ENDURER_ENDURER_SYSTEM_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "endurer/endurer_state.h"
#include "endurer/mode.h"
#include "endurer/remapper.h"
#include "endurer/shift_source.h"
#include "endurer/swap_policy.h"

namespace illusion::endurer {

struct EndurerSystemOptions {
  Mode mode = Mode::kEndurer;
  uint32_t chips = kDefaultChips;                 // N, 1 to 4096
  uint32_t segment_words = kDefaultSegmentWords;  // M
  uint32_t cache_entries = kDefaultCacheEntries;  // S
  SwapPolicyParams policy = SwapPolicyParams::Defaults();
  uint64_t seed = 12345;  // for the owned shift source when none is given
};

class EndurerSystem {
 public:
  // InvalidArgument for bad sizes or policy values. `shifts` may be null.
  static absl::StatusOr<EndurerSystem> Create(const EndurerSystemOptions& options,
                                              ShiftSource* shifts = nullptr);

  // Write path of virtual chip `virt`. NotFound for an unknown chip,
  // OutOfRange for vaddr >= M.
  absl::Status Write(uint32_t virt, uint32_t vaddr, uint16_t data);
  absl::StatusOr<uint16_t> Read(uint32_t virt, uint32_t vaddr) const;
  // Local remap of virtual chip `virt` (no-op in no-resiliency mode).
  absl::StatusOr<RemapResult> Remap(uint32_t virt);
  absl::StatusOr<RemapResult> RemapBy(uint32_t virt, uint32_t shift);
  // Distributed mode only: evaluates the policy on the counters and, if it
  // says so, swaps heavy and light and updates EPS. Call once per round.
  std::optional<SwapDecision> MaybeSwap();
  // Swaps the contents of two physical chips (the hosted virtual chips
  // change places; 2 * M writes) and records the swap in the policy.
  // FailedPrecondition unless in distributed mode; NotFound / InvalidArgument
  // for bad or equal chip ids.
  absl::Status Swap(uint32_t heavy_phys, uint32_t light_phys);
  // Writes every cache back. Returns the entries written.
  uint64_t FlushAll();

  // Flushes every cache, then returns the persisted state.
  EndurerState SaveState();
  // Power-on restore: validates `state` (same chip count and segment size
  // as this system), discards every cache (volatile SRAM) and sets mode,
  // maps, offsets, counters and policy. Array contents and per-cell counts
  // are physical and stay as they are in this object (the upstream flow
  // re-streams the initial memory after a restore).
  absl::Status RestoreState(const EndurerState& state);

  Mode mode() const { return mode_; }
  uint32_t chips() const { return static_cast<uint32_t>(hosts_.size()); }
  uint32_t segment_words() const { return segment_words_; }
  // The segment hosting virtual chip v / the virtual chip on segment p
  // (routing table for inter-chip messages). Precondition: id < chips().
  uint32_t physical_of(uint32_t virt) const { return v2p_[virt]; }
  uint32_t virtual_of(uint32_t phys) const { return p2v_[phys]; }
  const std::vector<uint32_t>& v2p() const { return v2p_; }
  const std::vector<uint32_t>& p2v() const { return p2v_; }
  // Offset of virtual chip v.
  uint32_t offset(uint32_t virt) const { return hosts_[v2p_[virt]].offset(); }
  // Write counter of every physical chip.
  std::vector<uint64_t> counts() const;
  uint64_t total_writes() const;
  // Entries still in the caches.
  uint64_t pending() const;
  const SwapPolicy& policy() const { return policy_; }
  // Physical segment p.
  const ChipRemapper& segment(uint32_t phys) const { return hosts_[phys]; }
  uint64_t remaps() const { return remaps_; }

 private:
  EndurerSystem(Mode mode, uint32_t segment_words, std::vector<ChipRemapper> hosts,
                SwapPolicy policy, std::unique_ptr<ShiftSource> owned, ShiftSource* shifts);
  absl::Status CheckVirtual(uint32_t virt) const;

  Mode mode_;
  uint32_t segment_words_;
  std::vector<ChipRemapper> hosts_;  // indexed by physical chip
  std::vector<uint32_t> v2p_;
  std::vector<uint32_t> p2v_;
  SwapPolicy policy_;
  std::unique_ptr<ShiftSource> owned_shifts_;
  ShiftSource* shifts_;  // owned_shifts_.get() or the caller's
  uint64_t remaps_ = 0;
};

}  // namespace illusion::endurer

#endif  // ILLUSION_ENDURER_ENDURER_SYSTEM_H_
