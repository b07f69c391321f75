// EndurerState: everything ENDURER must keep across power-off (spec §1.9,
// §5.2), and its versioned text form.
//
// The state is the published get/set_endurer_state tuple: mode, swap count,
// the virtual -> physical chip map, the per-VIRTUAL-chip offsets, the
// per-PHYSICAL-chip 64-bit write counters, and TAU, EPS, C; plus the
// geometry (segment words) needed to validate the offsets. The SRAM write
// caches are volatile and not part of it: flush them before saving
// (EndurerSystem::SaveState does). Validation is stricter than the
// published code (quirk 8): v2p must be a permutation and offsets < M.
//
// Text form, version 1 (one "key values..." line each, in this order;
// '#' comments and blank lines are ignored; doubles with 17 significant
// digits so they round-trip exactly):
//
//   illusion_endurer_state 1
//   mode distributed
//   chips 8
//   segment_words 2048
//   swap_count 1
//   v2p 6 1 2 3 4 5 0 7
//   offsets 1650 1049 1755 1248 628 462 1838 1423
//   counts 961020257 87114923 89874313 91204164 86470040 86487270 563470473 91397472
//   tau 0.45000000000000001
//   eps 0.90000000000000002
//   c 700000000
//
// Plain value type and free functions; thread-safe for concurrent reads.

#ifndef ILLUSION_ENDURER_ENDURER_STATE_H_
#define ILLUSION_ENDURER_ENDURER_STATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "endurer/mode.h"
#include "endurer/swap_policy.h"

namespace illusion::endurer {

inline constexpr int kEndurerStateVersion = 1;

struct EndurerState {
  Mode mode = Mode::kEndurer;
  uint32_t segment_words = kDefaultSegmentWords;
  uint64_t swap_count = 0;        // k = swap_count + 1
  std::vector<uint32_t> v2p;      // virtual chip -> physical chip
  std::vector<uint32_t> offsets;  // per virtual chip, in [0, segment_words)
  std::vector<uint64_t> counts;   // per physical chip
  SwapPolicyParams policy;        // TAU, current EPS, C

  // The identity map, zero offsets and counters for `chips` chips.
  static EndurerState Initial(uint32_t chips, Mode mode = Mode::kEndurer,
                              SwapPolicyParams policy = SwapPolicyParams::Defaults(),
                              uint32_t segment_words = kDefaultSegmentWords);
  uint32_t chips() const { return static_cast<uint32_t>(v2p.size()); }
  // physical -> virtual (inverse of v2p; valid only for a valid state).
  std::vector<uint32_t> P2v() const;

  friend bool operator==(const EndurerState& a, const EndurerState& b);
  friend bool operator!=(const EndurerState& a, const EndurerState& b) { return !(a == b); }
};

// InvalidArgument naming the field and value: no chips or more than 4096;
// v2p/offsets/counts of different lengths; v2p not a permutation; an offset
// >= segment_words; segment_words outside [2, 65536]; bad policy values; in
// no-resiliency mode a non-identity map or a non-zero offset.
absl::Status ValidateEndurerState(const EndurerState& state);

// The version-1 text form above (ends with a newline). Does not validate.
std::string SerializeEndurerState(const EndurerState& state);

// Parses the text form. InvalidArgument "endurer state line N: ..." naming
// the bad text for a missing/unknown version, an unknown, repeated, missing
// or out-of-order key, a wrong number of values or a bad number; then the
// result must pass ValidateEndurerState.
absl::StatusOr<EndurerState> ParseEndurerState(absl::string_view text);

}  // namespace illusion::endurer

#endif  // ILLUSION_ENDURER_ENDURER_STATE_H_
