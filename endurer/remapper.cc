#include "endurer/remapper.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"

namespace illusion::endurer {

absl::StatusOr<ChipRemapper> ChipRemapper::Create(const RemapperConfig& config) {
  if (config.segment_words < 2 || config.segment_words > 65536) {
    return absl::InvalidArgumentError(
        absl::StrCat("segment_words ", config.segment_words, " outside [2, 65536]"));
  }
  if (config.cache_entries < 1 || config.cache_entries > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("cache_entries ", config.cache_entries, " outside [1, 1024]"));
  }
  return ChipRemapper(config.mode, config.segment_words, config.cache_entries);
}

ChipRemapper::ChipRemapper(Mode mode, uint32_t segment_words, uint32_t cache_entries)
    : mode_(mode),
      segment_words_(segment_words),
      cache_(cache_entries),
      words_(segment_words, 0),
      cell_writes_(segment_words, 0),
      vaddr_writes_(segment_words, 0) {}

uint32_t ChipRemapper::PhysicalAddress(uint32_t vaddr) const {
  if (mode_ == Mode::kNoResiliency) return vaddr;
  return (vaddr + segment_words_ - offset_) % segment_words_;
}

void ChipRemapper::WorkloadWrite(uint32_t pa, uint16_t data) {
  words_[pa] = data;
  ++cell_writes_[pa];
  ++write_count_;
  ++breakdown_.workload;
  const uint32_t vaddr = mode_ == Mode::kNoResiliency ? pa : (pa + offset_) % segment_words_;
  ++vaddr_writes_[vaddr];
}

absl::Status ChipRemapper::Write(uint32_t vaddr, uint16_t data) {
  if (vaddr >= segment_words_) {
    return absl::OutOfRangeError(
        absl::StrCat("virtual address ", vaddr, " past the ", segment_words_, "-word segment"));
  }
  if (mode_ == Mode::kNoResiliency) {
    WorkloadWrite(vaddr, data);
    return absl::OkStatus();
  }
  cache_.Write(PhysicalAddress(vaddr), data,
               [this](uint32_t pa, uint16_t d) { WorkloadWrite(pa, d); });
  return absl::OkStatus();
}

absl::StatusOr<uint16_t> ChipRemapper::Read(uint32_t vaddr) const {
  if (vaddr >= segment_words_) {
    return absl::OutOfRangeError(
        absl::StrCat("virtual address ", vaddr, " past the ", segment_words_, "-word segment"));
  }
  const uint32_t pa = PhysicalAddress(vaddr);
  if (mode_ != Mode::kNoResiliency) {
    if (std::optional<uint16_t> hit = cache_.Lookup(pa)) return *hit;
  }
  return words_[pa];
}

size_t ChipRemapper::Flush() {
  return cache_.Flush([this](uint32_t pa, uint16_t d) { WorkloadWrite(pa, d); });
}

absl::StatusOr<RemapResult> ChipRemapper::Remap(ShiftSource& shifts) {
  if (mode_ == Mode::kNoResiliency) return RemapResult{};
  return RemapBy(shifts.NextShift(segment_words_));
}

absl::StatusOr<RemapResult> ChipRemapper::RemapBy(uint32_t shift) {
  if (mode_ == Mode::kNoResiliency) return RemapResult{};
  if (shift == 0 || shift >= segment_words_) {
    return absl::InvalidArgumentError(
        absl::StrCat("remap shift ", shift, " outside [1, ", segment_words_ - 1, "]"));
  }
  RemapResult result;
  result.applied = true;
  result.shift = shift;
  // The cache holds physical addresses: write it back before moving data.
  result.flushed = Flush();
  // new[p] = old[(p + s) mod M]; each cell is written exactly once. The
  // hardware does this in place, cycle by cycle; the result is the same.
  std::rotate(words_.begin(), words_.begin() + shift, words_.end());
  for (uint64_t& c : cell_writes_) ++c;
  write_count_ += segment_words_;
  breakdown_.remap += segment_words_;
  offset_ = (offset_ + shift) % segment_words_;
  result.cycles = std::gcd(shift, segment_words_);
  result.new_offset = offset_;
  result.writes = segment_words_;
  return result;
}

absl::Status ChipRemapper::ExchangeHostedChips(ChipRemapper& a, ChipRemapper& b) {
  if (&a == &b) return absl::InvalidArgumentError("cannot swap a chip with itself");
  if (a.segment_words_ != b.segment_words_ || a.mode_ != b.mode_) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot swap segments of ", a.segment_words_, " and ", b.segment_words_,
                     " words (modes ", ModeName(a.mode_), ", ", ModeName(b.mode_), ")"));
  }
  a.Flush();
  b.Flush();
  // Raw physical copy: b <- a (M writes on b), then a <- b (M writes on a).
  std::swap(a.words_, b.words_);
  for (ChipRemapper* chip : {&b, &a}) {
    for (uint64_t& c : chip->cell_writes_) ++c;
    chip->write_count_ += chip->segment_words_;
    chip->breakdown_.migration += chip->segment_words_;
  }
  // The translation state belongs to the virtual chip and moves with it.
  std::swap(a.offset_, b.offset_);
  std::swap(a.vaddr_writes_, b.vaddr_writes_);
  return absl::OkStatus();
}

absl::Status ChipRemapper::Restore(Mode mode, uint32_t offset, uint64_t write_count) {
  if (offset >= segment_words_) {
    return absl::InvalidArgumentError(
        absl::StrCat("offset ", offset, " outside [0, ", segment_words_ - 1, "]"));
  }
  if (mode == Mode::kNoResiliency && offset != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("offset ", offset, " in no-resiliency mode (must be 0)"));
  }
  cache_.Discard();
  mode_ = mode;
  offset_ = offset;
  write_count_ = write_count;
  return absl::OkStatus();
}

}  // namespace illusion::endurer
