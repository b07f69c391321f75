// Random sources for the local remap shift (injectable so tests can fix the
// sequence).
//
// A local remap rotates a segment of M words by a shift s in [1, M - 1]
// (s = 0 would be a no-op rotation; the published code could draw it and
// then hit __builtin_ctz(0), spec §1.11 quirk 1, so it is excluded here).
//
//   SeededShiftSource       uniform in [1, M - 1] from a seeded mt19937_64
//                           (the default; unbiased, stable across platforms)
//   SequenceShiftSource     a fixed list, repeated (tests)
//   GlibcRandShiftSource    glibc's srand(seed)/rand() % (M - 1), as the
//                           published firmware draws it (srand(12345) gives
//                           855, 1909, 1701, ...); a draw of 0 is skipped
//
// Every source is a small value owned by its creator and not thread-safe (a
// draw mutates it); use one per simulation.

#ifndef ILLUSION_ENDURER_SHIFT_SOURCE_H_
#define ILLUSION_ENDURER_SHIFT_SOURCE_H_

#include <array>
#include <cstdint>
#include <random>
#include <vector>

namespace illusion::endurer {

// Interface: the next shift for a segment of `segment_words` words (>= 2).
// Implementations return a value in [1, segment_words - 1]; callers still
// check (a bad fixed sequence is reported, not trusted).
class ShiftSource {
 public:
  virtual ~ShiftSource() = default;
  virtual uint32_t NextShift(uint32_t segment_words) = 0;
};

// Uniform in [1, segment_words - 1] by rejection sampling on mt19937_64, so
// the sequence for a seed is the same with every standard library.
class SeededShiftSource : public ShiftSource {
 public:
  explicit SeededShiftSource(uint64_t seed) : engine_(seed) {}
  uint32_t NextShift(uint32_t segment_words) override;

 private:
  std::mt19937_64 engine_;
};

// Returns shifts[0], shifts[1], ... and starts again after the last. The
// values are returned as given (even out-of-range ones, for error tests).
// An empty list returns 1.
class SequenceShiftSource : public ShiftSource {
 public:
  explicit SequenceShiftSource(std::vector<uint32_t> shifts) : shifts_(std::move(shifts)) {}
  uint32_t NextShift(uint32_t segment_words) override;
  // Number of shifts drawn so far.
  uint64_t draws() const { return draws_; }

 private:
  std::vector<uint32_t> shifts_;
  uint64_t draws_ = 0;
};

// glibc's default random() generator (TYPE_3: additive feedback over 34
// seeded words, 310 outputs discarded), re-implemented so results do not
// depend on the host libc. Next() equals glibc rand() after srand(seed).
class GlibcRand {
 public:
  explicit GlibcRand(uint32_t seed);
  // A value in [0, 2^31 - 1].
  int32_t Next();

 private:
  std::array<int32_t, 34> ring_{};
  int index_ = 0;  // position of r[i - 34] in ring_
};

// rand() % (segment_words - 1) after srand(seed), as the published firmware;
// a draw of 0 (the ctz(0) quirk) is skipped and the next one taken, so the
// result is in [1, segment_words - 2].
class GlibcRandShiftSource : public ShiftSource {
 public:
  explicit GlibcRandShiftSource(uint32_t seed) : rand_(seed) {}
  uint32_t NextShift(uint32_t segment_words) override;

 private:
  GlibcRand rand_;
};

}  // namespace illusion::endurer

#endif  // ILLUSION_ENDURER_SHIFT_SOURCE_H_
