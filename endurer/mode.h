// ENDURER operating modes and the published system constants.
//
// Facts from Radway et al. 2021 / the spec (specs/distributed_endurer.md
// §1.1, §5.1): memory is 16-bit words; each physical chip is one segment of
// M = 2048 words; every virtual chip has an S = 4 entry SRAM write cache; the
// experiments use N = 8 chips. Header + tiny .cc, no state: thread-safe.

#ifndef ILLUSION_ENDURER_MODE_H_
#define ILLUSION_ENDURER_MODE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace illusion::endurer {

// Words per physical segment (M).
inline constexpr uint32_t kDefaultSegmentWords = 2048;
// Entries of the per-virtual-chip SRAM write cache (S).
inline constexpr uint32_t kDefaultCacheEntries = 4;
// Chips of the 8-chip system (N).
inline constexpr uint32_t kDefaultChips = 8;
// Bits per word.
inline constexpr uint32_t kBitsPerWord = 16;

// The numeric values are the ones the published state tuple stores.
enum class Mode : uint8_t {
  // Direct writes: no translation, no cache, no remap, no swap.
  kNoResiliency = 0,
  // Per-chip SRAM write cache plus random-shift local remap.
  kEndurer = 1,
  // ENDURER plus the distributed swap of heavy and light chips.
  kDistributed = 2,
};

// "none", "endurer" or "distributed".
absl::string_view ModeName(Mode mode);

// Accepts the names above, their numeric values ("0", "1", "2") and the
// aliases "nr", "no_resiliency", "de", "distributed_endurer".
// InvalidArgument otherwise, naming the text.
absl::StatusOr<Mode> ParseMode(absl::string_view text);

}  // namespace illusion::endurer

#endif  // ILLUSION_ENDURER_MODE_H_
