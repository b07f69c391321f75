// RemappedNvmWritePath: a chip's NVM write path through ENDURER
// (endurer::ChipRemapper, specs/distributed_endurer.md §1.3-§1.6).
//
// The whole NVM is one wear-levelled segment of M = capacity_words() words
// (any M in [2, 65536], not only powers of two: the rotation runs in
// gcd(s, M) cycles). In kEndurer and kDistributed modes a write is
// translated (physical = (virtual - offset) mod M) and goes through the
// S-entry write cache, so repeated addresses are absorbed and only the
// cache write-backs reach the array; in kNoResiliency mode writes go
// untranslated straight to the array. Every write that reaches the array
// (workload write-backs, local-remap rotations, image imports) is counted on
// its physical word.

#ifndef ILLUSION_CHIPD_REMAPPED_NVM_WRITE_PATH_H_
#define ILLUSION_CHIPD_REMAPPED_NVM_WRITE_PATH_H_

#include <cstdint>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "chipd/nvm_wear.h"
#include "chipd/nvm_write_path.h"
#include "endurer/remapper.h"
#include "endurer/shift_source.h"

namespace illusion::chipd {

// An NvmWritePath over one endurer::ChipRemapper. Owns the remapper (array
// contents, cache, offset and counters). Not thread-safe: the chip runtime
// drives it under its mutex.
class RemappedNvmWritePath : public NvmWritePath {
 public:
  // InvalidArgument (naming the field, value and range) when
  // config.segment_words is outside [2, 65536] or config.cache_entries
  // outside [1, 1024].
  static absl::StatusOr<std::unique_ptr<RemappedNvmWritePath>> Create(
      const endurer::RemapperConfig& config);

  absl::Status Write(int64_t virtual_address, uint16_t word) override;
  absl::StatusOr<uint16_t> Read(int64_t virtual_address) const override;
  // Writes the cache back (each entry one counted write).
  absl::Status Flush() override;

  int64_t capacity_words() const override { return remapper_.segment_words(); }
  absl::Span<const uint64_t> physical_write_counts() const override {
    return remapper_.cell_writes();
  }
  int64_t total_writes() const override {
    return static_cast<int64_t>(remapper_.write_count());
  }

  // Local remap by a shift drawn from `shifts` (no-op with applied = false
  // in kNoResiliency mode). Flushes the cache, then rotates: M writes.
  // InvalidArgument if the source yields a shift outside [1, M - 1].
  absl::StatusOr<endurer::RemapResult> Remap(endurer::ShiftSource& shifts);
  // Local remap by `shift`; InvalidArgument naming the shift and
  // [1, M - 1] when it is outside that range (also in kNoResiliency mode).
  absl::StatusOr<endurer::RemapResult> RemapBy(uint32_t shift);

  // Flushes the cache (counted) and returns the raw physical words and the
  // offset of the hosted virtual chip.
  NvmImage Export();
  // Writes `image.words` raw onto the array (M counted writes, one per
  // cell), adopts `image.offset` and leaves the cache empty (its entries
  // belonged to the virtual chip being replaced and are discarded, not
  // written back). The write counters stay with this physical segment.
  // InvalidArgument when the image does not have M words, its offset is
  // >= M, or the offset is non-zero in kNoResiliency mode; the path is then
  // unchanged.
  absl::Status Import(const NvmImage& image);

  // Local remaps applied since creation.
  uint64_t remaps() const { return remaps_; }
  const endurer::ChipRemapper& remapper() const { return remapper_; }

 private:
  explicit RemappedNvmWritePath(endurer::ChipRemapper remapper)
      : remapper_(std::move(remapper)) {}

  absl::Status CheckAddress(int64_t virtual_address, const char* operation) const;

  endurer::ChipRemapper remapper_;
  endurer::RemapperConfig config_;
  uint64_t remaps_ = 0;
};

}  // namespace illusion::chipd

#endif  // ILLUSION_CHIPD_REMAPPED_NVM_WRITE_PATH_H_
