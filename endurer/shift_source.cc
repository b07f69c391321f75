#include "endurer/shift_source.h"

#include <cstdint>

namespace illusion::endurer {

uint32_t SeededShiftSource::NextShift(uint32_t segment_words) {
  if (segment_words < 2) return 1;
  const uint64_t range = segment_words - 1;  // values 1 .. M - 1
  // Largest multiple of `range` representable; reject above it (no bias).
  const uint64_t limit = UINT64_MAX - UINT64_MAX % range;
  uint64_t x;
  do {
    x = engine_();
  } while (x >= limit);
  return static_cast<uint32_t>(1 + x % range);
}

uint32_t SequenceShiftSource::NextShift(uint32_t /*segment_words*/) {
  if (shifts_.empty()) return 1;
  const uint32_t s = shifts_[draws_ % shifts_.size()];
  ++draws_;
  return s;
}

GlibcRand::GlibcRand(uint32_t seed) {
  // r[0] = seed (0 becomes 1); r[i] = 16807 * r[i-1] mod (2^31 - 1) for
  // i < 31 (Schrage's method, as glibc); r[31..33] = r[0..2]; then
  // r[i] = r[i-31] + r[i-3] (mod 2^32) and outputs are r[i] >> 1, the first
  // 310 (i = 34 .. 343) discarded.
  std::array<int32_t, 344> r{};
  r[0] = static_cast<int32_t>(seed == 0 ? 1 : seed);
  for (int i = 1; i < 31; ++i) {
    const int64_t prev = r[i - 1];
    const int64_t hi = prev / 127773;
    const int64_t lo = prev % 127773;
    int64_t word = 16807 * lo - 2836 * hi;
    if (word < 0) word += 2147483647;
    r[i] = static_cast<int32_t>(word);
  }
  for (int i = 31; i < 34; ++i) r[i] = r[i - 31];
  for (int i = 34; i < 344; ++i) {
    r[i] = static_cast<int32_t>(static_cast<uint32_t>(r[i - 31]) + static_cast<uint32_t>(r[i - 3]));
  }
  for (int i = 0; i < 34; ++i) ring_[i] = r[310 + i];
  index_ = 0;  // ring_[index_] = r[i - 34] for the next i
}

int32_t GlibcRand::Next() {
  // r[i] = r[i-31] + r[i-3]; ring_ holds r[i-34 .. i-1] starting at index_.
  const uint32_t a = static_cast<uint32_t>(ring_[(index_ + 3) % 34]);   // r[i-31]
  const uint32_t b = static_cast<uint32_t>(ring_[(index_ + 31) % 34]);  // r[i-3]
  const uint32_t value = a + b;
  ring_[index_] = static_cast<int32_t>(value);  // replaces r[i-34]
  index_ = (index_ + 1) % 34;
  return static_cast<int32_t>(value >> 1);
}

uint32_t GlibcRandShiftSource::NextShift(uint32_t segment_words) {
  if (segment_words < 3) return 1;
  const uint32_t mod = segment_words - 1;
  while (true) {
    const uint32_t s = static_cast<uint32_t>(rand_.Next()) % mod;
    if (s != 0) return s;
  }
}

}  // namespace illusion::endurer
