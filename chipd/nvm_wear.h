// Value types of a chip's NVM wear levelling, shared by the chip runtime,
// the ChipService proto translation and the coordinator (which drives the
// Distributed ENDURER policy across chips: specs/distributed_endurer.md).
//
// A chip's wear-levelled segment is its whole NVM: the weight NVM plus, when
// activations live in NVM, the activation region after it, in 16-bit words
// (M = segment_words). The segment is one endurer::ChipRemapper: the S-entry
// write cache and the rotation offset of the virtual chip it hosts, plus the
// per-cell and total write counters of the physical array, which never reset
// except by ConfigureWear. Weight programming at LoadSlice is not counted
// (the measurement campaigns discard weight reloads too, spec §1.9);
// workload writes, cache write-backs, local remaps and migrations are.

#ifndef ILLUSION_CHIPD_NVM_WEAR_H_
#define ILLUSION_CHIPD_NVM_WEAR_H_

#include <cstdint>
#include <vector>

#include "endurer/mode.h"

namespace illusion::chipd {

// How a chip's NVM is wear-levelled for the next experiment. Plain value.
struct WearConfig {
  // kNoResiliency: untranslated direct writes (counts only). kEndurer and
  // kDistributed: the write cache plus rotation; the chip treats both alike
  // (swaps are the coordinator's business).
  endurer::Mode mode = endurer::Mode::kNoResiliency;
  // Write-cache entries S, in [1, 1024].
  uint32_t cache_entries = endurer::kDefaultCacheEntries;
  // Activations are written to NVM (after the weights) on every Execute.
  bool activations_in_nvm = true;
  // Seeds the chip's shift source for Remap without an explicit shift.
  uint64_t seed = 12345;
};

// A snapshot of a chip's wear state. Plain value.
struct WearReport {
  endurer::Mode mode = endurer::Mode::kNoResiliency;
  bool activations_in_nvm = false;
  uint32_t segment_words = 0;  // M
  uint32_t offset = 0;         // rotation of the hosted virtual chip
  uint64_t write_count = 0;    // RRAM word writes of the array, all causes
  uint64_t pending = 0;        // entries still in the write cache
  uint64_t remaps = 0;         // local remaps since ConfigureWear
  uint64_t max_cell_writes = 0;
  // Writes per physical word (size M); only when asked for (GetWear with
  // include_cells), else empty.
  std::vector<uint64_t> cell_writes;
};

// What one local remap did (endurer::RemapResult). Plain value.
struct RemapOutcome {
  bool applied = false;  // false in no-resiliency mode
  uint32_t shift = 0;
  uint32_t new_offset = 0;
  uint64_t writes = 0;   // M when applied
  uint64_t flushed = 0;  // cache entries written back first
};

// The raw physical contents of a chip's segment and the offset of the
// virtual chip it hosts, after a cache flush: what a distributed swap moves
// from one chip to another. Plain value.
struct NvmImage {
  uint32_t offset = 0;
  std::vector<uint16_t> words;  // size M, physical order
};

}  // namespace illusion::chipd

#endif  // ILLUSION_CHIPD_NVM_WEAR_H_
