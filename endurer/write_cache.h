// WriteCache: the per-virtual-chip SRAM write-back cache of ENDURER.
//
// S entries (4 in the paper) of {physical address, data}. A write to an
// address already in the cache only updates the cached data (the RRAM write
// is absorbed). A write to a new address is appended; if the cache is full
// first, ALL entries are written back and the cache is emptied ("fill S
// distinct addresses, then flush all S"; this is not an LRU). Every entry is
// dirty (the published code never uses a clean state). Spec §1.4.
//
// The write-back target is a caller-supplied sink `void(uint32_t addr,
// uint16_t data)`, called in insertion order, so the cache owns only its S
// entries and knows nothing about RRAM or counters. Value type; not
// thread-safe.

#ifndef ILLUSION_ENDURER_WRITE_CACHE_H_
#define ILLUSION_ENDURER_WRITE_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace illusion::endurer {

class WriteCache {
 public:
  struct Entry {
    uint32_t address;
    uint16_t data;
  };

  // `capacity` >= 1 (callers validate; 0 is treated as 1).
  explicit WriteCache(uint32_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {
    entries_.reserve(capacity_);
  }

  // Caches `data` for `address`. Returns true if the write hit an entry
  // (absorbed). On a miss with a full cache, writes every entry back through
  // `sink` and empties the cache before appending.
  template <typename Sink>
  bool Write(uint32_t address, uint16_t data, Sink&& sink) {
    for (Entry& e : entries_) {  // linear search, as the hardware
      if (e.address == address) {
        e.data = data;
        return true;
      }
    }
    if (entries_.size() == capacity_) Flush(sink);
    entries_.push_back({address, data});
    return false;
  }

  // Writes every entry back through `sink` (insertion order) and empties the
  // cache. Returns the number of entries written back.
  template <typename Sink>
  size_t Flush(Sink&& sink) {
    const size_t n = entries_.size();
    for (const Entry& e : entries_) sink(e.address, e.data);
    entries_.clear();
    return n;
  }

  // The cached data for `address`, if present.
  std::optional<uint16_t> Lookup(uint32_t address) const {
    for (const Entry& e : entries_) {
      if (e.address == address) return e.data;
    }
    return std::nullopt;
  }

  // Drops every entry without writing it back (power loss of the SRAM).
  void Discard() { entries_.clear(); }

  size_t size() const { return entries_.size(); }
  uint32_t capacity() const { return capacity_; }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  uint32_t capacity_;
  std::vector<Entry> entries_;
};

}  // namespace illusion::endurer

#endif  // ILLUSION_ENDURER_WRITE_CACHE_H_
