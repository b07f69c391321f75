// ChipRemapper: ENDURER on one chip (spec §1.3-§1.6).
//
// A ChipRemapper is one physical RRAM segment of M 16-bit words (the array
// contents, a 64-bit write counter and per-cell write counts) together with
// the translation state of the virtual chip it currently hosts: the rotation
// offset and the S-entry SRAM write cache.
//
//   physical address = (virtual address - offset) mod M
//
// Write path (ENDURER): translate, then WriteCache (absorb repeated
// addresses, write back all S entries when full). No-resiliency mode writes
// the untranslated address straight to the array. Every RRAM word write
// (cache write-back, remap rotation, migration) adds 1 to the counter and to
// that cell; reads are not counted.
//
// Local remap: draw s in [1, M - 1], flush the cache (entries land at their
// old physical addresses), rotate the segment in place so that
// new[p] = old[(p + s) mod M] (every cell written exactly once: M writes, in
// gcd(s, M) cycles), offset += s (mod M). Every virtual address keeps its
// value.
//
// A distributed swap (EndurerSystem) moves the hosted virtual chip between
// two ChipRemappers with ExchangeHostedChips: the contents are copied raw
// (M writes on each) and the offsets travel with the virtual chips; the
// write counters and cell counts stay with the physical segments.
//
// Owns its buffers (about 10 bytes per word). Movable value; not
// thread-safe: one owner drives it.

#ifndef ILLUSION_ENDURER_REMAPPER_H_
#define ILLUSION_ENDURER_REMAPPER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "endurer/mode.h"
#include "endurer/shift_source.h"
#include "endurer/write_cache.h"

namespace illusion::endurer {

struct RemapperConfig {
  Mode mode = Mode::kEndurer;                     // kEndurer and kDistributed behave the same here
  uint32_t segment_words = kDefaultSegmentWords;  // M, in [2, 65536]
  uint32_t cache_entries = kDefaultCacheEntries;  // S, in [1, 1024]
};

// What a local remap did.
struct RemapResult {
  bool applied = false;     // false in no-resiliency mode (a remap is a no-op)
  uint32_t shift = 0;       // s
  uint32_t cycles = 0;      // rotation cycles, gcd(s, M) (2^ctz(s) for M = 2^k)
  uint32_t new_offset = 0;  // offset after the remap
  uint64_t writes = 0;      // RRAM writes of the rotation: M
  uint64_t flushed = 0;     // cache entries written back before rotating
};

// Where a segment's writes came from (sums to write_count() minus any count
// set by Restore()).
struct WriteBreakdown {
  uint64_t workload = 0;   // write path: direct writes and cache write-backs
  uint64_t remap = 0;      // local-remap rotations
  uint64_t migration = 0;  // distributed-swap image copies
};

class ChipRemapper {
 public:
  // InvalidArgument for sizes outside the ranges above.
  static absl::StatusOr<ChipRemapper> Create(const RemapperConfig& config);

  // Writes `data` at virtual address `vaddr`. OutOfRange if vaddr >= M.
  absl::Status Write(uint32_t vaddr, uint16_t data);
  // The value at `vaddr`: the cached data on a hit, else the array word at
  // its physical address. OutOfRange if vaddr >= M.
  absl::StatusOr<uint16_t> Read(uint32_t vaddr) const;
  // Writes every cached entry back (counted). Returns the number written.
  size_t Flush();

  // Local remap with a shift from `shifts`. In no-resiliency mode: no draw,
  // nothing changes, applied = false. InvalidArgument if the source returns
  // a shift outside [1, M - 1].
  absl::StatusOr<RemapResult> Remap(ShiftSource& shifts);
  // Local remap by an explicit shift (tests, replays of recorded shifts).
  absl::StatusOr<RemapResult> RemapBy(uint32_t shift);

  // Distributed swap of the hosted virtual chips of `a` and `b` (different
  // segments of the same size and mode): flushes both caches, copies a's
  // raw image onto b and b's onto a (M counted writes each), and exchanges
  // the offsets and the per-virtual-address statistics. Precondition
  // (checked by EndurerSystem): same geometry; returns InvalidArgument
  // otherwise.
  static absl::Status ExchangeHostedChips(ChipRemapper& a, ChipRemapper& b);

  // Power-on restore of persisted state: discards the (volatile) cache and
  // sets mode, offset and write counter. Array contents and per-cell counts
  // are physical and stay. InvalidArgument for offset >= M, or a non-zero
  // offset in no-resiliency mode.
  absl::Status Restore(Mode mode, uint32_t offset, uint64_t write_count);
  // Drops the cache entries without writing them back.
  void DiscardCache() { cache_.Discard(); }

  // Physical address of `vaddr` (vaddr < M) under the current offset and
  // mode (identity in no-resiliency mode).
  uint32_t PhysicalAddress(uint32_t vaddr) const;

  Mode mode() const { return mode_; }
  uint32_t segment_words() const { return segment_words_; }
  uint32_t offset() const { return offset_; }
  uint64_t write_count() const { return write_count_; }
  const WriteBreakdown& breakdown() const { return breakdown_; }
  // Entries still in the write cache (not yet in RRAM).
  size_t pending() const { return cache_.size(); }
  const WriteCache& cache() const { return cache_; }
  // Raw array contents, indexed by physical address (cache not applied).
  absl::Span<const uint16_t> image() const { return words_; }
  // RRAM writes per physical cell.
  absl::Span<const uint64_t> cell_writes() const { return cell_writes_; }
  // Write-path RRAM writes of the hosted virtual chip per virtual address
  // (cache write-backs and direct writes; remap/migration traffic excluded).
  // Travels with the virtual chip on a swap.
  absl::Span<const uint64_t> workload_writes_by_virtual_address() const { return vaddr_writes_; }

 private:
  ChipRemapper(Mode mode, uint32_t segment_words, uint32_t cache_entries);

  // One counted RRAM write of the write path at physical address `pa`.
  void WorkloadWrite(uint32_t pa, uint16_t data);

  Mode mode_;
  uint32_t segment_words_;
  uint32_t offset_ = 0;
  WriteCache cache_;
  std::vector<uint16_t> words_;
  std::vector<uint64_t> cell_writes_;
  std::vector<uint64_t> vaddr_writes_;
  uint64_t write_count_ = 0;
  WriteBreakdown breakdown_;
};

}  // namespace illusion::endurer

#endif  // ILLUSION_ENDURER_REMAPPER_H_
