#ifndef ILLUSION_PARTITIONER_WORD_PROTOCOL_H_
#define ILLUSION_PARTITIONER_WORD_PROTOCOL_H_

// The Illusion inter-chip link protocol (workloads.md §2.1): 16-bit words,
// one-hot mode words naming a chip, packing of int8/int16/int32 payloads,
// per-chip input and output streams, and the upstream ios text format (§3.1).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace illusion::partitioner {

using Words = std::vector<uint16_t>;

// The paper's three system sizes.
enum class PaperMode { kTarget, kFourChip, kEightChip };

// "target", "illusion_sm", "illusion" (the upstream ios folder infix).
absl::string_view PaperModeName(PaperMode mode);
// Number of chips of the mode: 1, 4 or 8.
int PaperModeChips(PaperMode mode);
// 1 -> target, 4 -> 4-chip, 8 -> 8-chip; InvalidArgument naming the value and
// the valid ones otherwise.
absl::StatusOr<PaperMode> PaperModeForChips(int chips);

// The host's (FPGA master's) address.
inline constexpr uint16_t kHostWord = 0x0000;
// The input stream terminator.
inline constexpr uint16_t kTerminatorWord = 0x0000;

// Chip `chip`'s mode word: 8-chip 1 << k, 4-chip 0x0100 << k, target 0x8000.
// InvalidArgument when chip is outside [0, chips of the mode).
absl::StatusOr<uint16_t> ModeWord(PaperMode mode, int chip);

// How tensor bytes travel as words.
enum class WordEncoding {
  kPackedInt8,   // two int8 per word, element 2i in the low byte; odd length
                 // padded with one zero byte
  kInt16,        // one int16 per word (byte count must be even)
  kInt32,        // two words per int32, low half first (byte count % 4 == 0)
  kWordPerInt8,  // one int8 per word, sign-extended (e.g. the d2nn path flag)
};

// "packed_int8", "int16", "int32", "word_per_int8".
absl::string_view WordEncodingName(WordEncoding encoding);

// Words needed for `num_bytes` bytes in `encoding`.
int64_t WordCount(WordEncoding encoding, int64_t num_bytes);

// Appends the little-endian bytes `bytes` encoded as words to `out`.
// InvalidArgument when the byte count does not fit the encoding.
absl::Status EncodeBytes(WordEncoding encoding, absl::string_view bytes,
                         Words* out);

// Inverse of EncodeBytes: decodes exactly WordCount(encoding, num_bytes)
// words into num_bytes bytes. InvalidArgument when the word count differs or
// a padding byte is not zero.
absl::StatusOr<std::string> DecodeWords(WordEncoding encoding,
                                        absl::Span<const uint16_t> words,
                                        int64_t num_bytes);

// DecodeWords straight into `out` (num_bytes bytes, caller-owned), with the
// same checks and messages; allocates nothing. On error `out` may have been
// partly written.
absl::Status DecodeWordsInto(WordEncoding encoding, absl::Span<const uint16_t> words,
                             int64_t num_bytes, uint8_t* out);

// Typed conveniences over EncodeBytes/DecodeWords.
Words PackInt8(absl::Span<const int8_t> values);
absl::StatusOr<std::vector<int8_t>> UnpackInt8(absl::Span<const uint16_t> words,
                                               int64_t count);
Words PackInt16(absl::Span<const int16_t> values);
std::vector<int16_t> UnpackInt16(absl::Span<const uint16_t> words);
Words PackInt32(absl::Span<const int32_t> values);
// InvalidArgument for an odd number of words.
absl::StatusOr<std::vector<int32_t>> UnpackInt32(absl::Span<const uint16_t> words);

// [own mode word][payload...][0x0000].
Words ChipInputStream(uint16_t own_mode_word, absl::Span<const uint16_t> payload);

// The payload of a chip input stream: checks the first word equals
// `own_mode_word` and the last is the 0x0000 terminator (InvalidArgument
// naming the bad word otherwise).
absl::StatusOr<Words> InputPayload(absl::Span<const uint16_t> stream,
                                   uint16_t own_mode_word);

// One message a chip writes: destination mode word (0 = host) and payload.
struct OutputMessage {
  uint16_t destination = kHostWord;
  Words payload;
};

// The concatenation of [destination][payload] of every message.
Words ChipOutputStream(absl::Span<const OutputMessage> messages);

// Options for reading the upstream text files.
struct WordTextOptions {
  // Drop one trailing FFFF end sentinel (out files, §3.1).
  bool strip_ffff_sentinel = false;
  // After that, drop one trailing extra 0000 (a few out files).
  bool strip_extra_zero = false;
};

// Parses one 4-hex-digit word per line, skipping blank lines (and '\r').
// InvalidArgument naming the line number and text of a malformed line.
absl::StatusOr<Words> ParseWordText(absl::string_view text,
                                    const WordTextOptions& options = {});

// One lowercase 4-hex-digit word per line, each line ending in '\n'.
std::string FormatWordText(absl::Span<const uint16_t> words);

}  // namespace illusion::partitioner

#endif  // ILLUSION_PARTITIONER_WORD_PROTOCOL_H_
