#include "partitioner/word_protocol.h"

#include <algorithm>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace illusion::partitioner {

absl::string_view PaperModeName(PaperMode mode) {
  switch (mode) {
    case PaperMode::kTarget:
      return "target";
    case PaperMode::kFourChip:
      return "illusion_sm";
    case PaperMode::kEightChip:
      return "illusion";
  }
  return "?";
}

int PaperModeChips(PaperMode mode) {
  switch (mode) {
    case PaperMode::kTarget:
      return 1;
    case PaperMode::kFourChip:
      return 4;
    case PaperMode::kEightChip:
      return 8;
  }
  return 0;
}

absl::StatusOr<PaperMode> PaperModeForChips(int chips) {
  switch (chips) {
    case 1:
      return PaperMode::kTarget;
    case 4:
      return PaperMode::kFourChip;
    case 8:
      return PaperMode::kEightChip;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "unsupported chip count ", chips, "; the paper's partitions have 1, 4 or 8 chips"));
  }
}

absl::StatusOr<uint16_t> ModeWord(PaperMode mode, int chip) {
  const int chips = PaperModeChips(mode);
  if (chip < 0 || chip >= chips) {
    return absl::InvalidArgumentError(absl::StrCat("chip index ", chip, " out of range for mode ",
                                                   PaperModeName(mode), " (", chips, " chips)"));
  }
  switch (mode) {
    case PaperMode::kTarget:
      return uint16_t{0x8000};
    case PaperMode::kFourChip:
      return static_cast<uint16_t>(0x0100u << chip);
    case PaperMode::kEightChip:
      return static_cast<uint16_t>(1u << chip);
  }
  return uint16_t{0};
}

absl::string_view WordEncodingName(WordEncoding encoding) {
  switch (encoding) {
    case WordEncoding::kPackedInt8:
      return "packed_int8";
    case WordEncoding::kInt16:
      return "int16";
    case WordEncoding::kInt32:
      return "int32";
    case WordEncoding::kWordPerInt8:
      return "word_per_int8";
  }
  return "?";
}

int64_t WordCount(WordEncoding encoding, int64_t num_bytes) {
  switch (encoding) {
    case WordEncoding::kPackedInt8:
      return (num_bytes + 1) / 2;
    case WordEncoding::kInt16:
    case WordEncoding::kInt32:
      return num_bytes / 2;
    case WordEncoding::kWordPerInt8:
      return num_bytes;
  }
  return 0;
}

namespace {

absl::Status CheckMultiple(WordEncoding encoding, int64_t num_bytes) {
  const int64_t unit = encoding == WordEncoding::kInt16   ? 2
                       : encoding == WordEncoding::kInt32 ? 4
                                                          : 1;
  if (num_bytes % unit != 0) {
    return absl::InvalidArgumentError(absl::StrCat("byte count ", num_bytes,
                                                   " is not a multiple of ", unit, " for encoding ",
                                                   WordEncodingName(encoding)));
  }
  return absl::OkStatus();
}

uint16_t Word(uint8_t lo, uint8_t hi) { return static_cast<uint16_t>(lo | (hi << 8)); }

// On a little-endian host a word's bytes lie in memory low byte first, as the
// protocol orders them, so whole words are copied rather than assembled.
constexpr bool kLittleEndianHost = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

}  // namespace

absl::Status EncodeBytes(WordEncoding encoding, absl::string_view bytes, Words* out) {
  if (absl::Status s = CheckMultiple(encoding, bytes.size()); !s.ok()) return s;
  const auto* b = reinterpret_cast<const uint8_t*>(bytes.data());
  const int64_t n = static_cast<int64_t>(bytes.size());
  const size_t first = out->size();
  if (encoding == WordEncoding::kWordPerInt8) {
    out->resize(first + static_cast<size_t>(n));
    uint16_t* d = out->data() + first;
    for (int64_t i = 0; i < n; ++i) {
      d[i] = static_cast<uint16_t>(static_cast<int16_t>(static_cast<int8_t>(b[i])));
    }
    return absl::OkStatus();
  }
  // Packed int8, int16 and int32 are all the little-endian bytes taken two at
  // a time (int32: low half first).
  out->resize(first + static_cast<size_t>((n + 1) / 2));
  uint16_t* d = out->data() + first;
  if constexpr (kLittleEndianHost) {
    std::memcpy(d, b, static_cast<size_t>(n / 2) * 2);  // the same words, in one copy
  } else {
    for (int64_t i = 0; i + 1 < n; i += 2) d[i / 2] = Word(b[i], b[i + 1]);
  }
  if (n % 2 == 1) d[n / 2] = Word(b[n - 1], 0);
  return absl::OkStatus();
}

absl::Status DecodeWordsInto(WordEncoding encoding, absl::Span<const uint16_t> words,
                             int64_t num_bytes, uint8_t* out) {
  if (num_bytes < 0) {
    return absl::InvalidArgumentError(absl::StrCat("negative byte count ", num_bytes));
  }
  if (absl::Status s = CheckMultiple(encoding, num_bytes); !s.ok()) return s;
  const int64_t expected = WordCount(encoding, num_bytes);
  if (static_cast<int64_t>(words.size()) != expected) {
    return absl::InvalidArgumentError(absl::StrCat("decoding ", num_bytes, " bytes as ",
                                                   WordEncodingName(encoding), " needs ", expected,
                                                   " words; got ", words.size()));
  }
  if (encoding == WordEncoding::kWordPerInt8) {
    for (int64_t i = 0; i < num_bytes; ++i) out[i] = static_cast<uint8_t>(words[i] & 0xFF);
    return absl::OkStatus();
  }
  if (num_bytes % 2 == 1 && (words.back() >> 8) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("padding byte of the last word is ",
                                                   words.back() >> 8, "; expected 0"));
  }
  const int64_t pairs = num_bytes / 2;
  if constexpr (kLittleEndianHost) {
    std::memcpy(out, words.data(), static_cast<size_t>(pairs) * 2);
  } else {
    for (int64_t k = 0; k < pairs; ++k) {
      out[2 * k] = static_cast<uint8_t>(words[k] & 0xFF);
      out[2 * k + 1] = static_cast<uint8_t>(words[k] >> 8);
    }
  }
  if (num_bytes % 2 == 1) out[num_bytes - 1] = static_cast<uint8_t>(words[pairs] & 0xFF);
  return absl::OkStatus();
}

absl::StatusOr<std::string> DecodeWords(WordEncoding encoding, absl::Span<const uint16_t> words,
                                        int64_t num_bytes) {
  std::string bytes(std::max<int64_t>(num_bytes, 0), '\0');
  if (absl::Status s = DecodeWordsInto(encoding, words, num_bytes,
                                       reinterpret_cast<uint8_t*>(bytes.data()));
      !s.ok()) {
    return s;
  }
  return bytes;
}

Words PackInt8(absl::Span<const int8_t> values) {
  Words out;
  (void)EncodeBytes(WordEncoding::kPackedInt8,
                    absl::string_view(reinterpret_cast<const char*>(values.data()), values.size()),
                    &out);
  return out;
}

absl::StatusOr<std::vector<int8_t>> UnpackInt8(absl::Span<const uint16_t> words, int64_t count) {
  absl::StatusOr<std::string> bytes = DecodeWords(WordEncoding::kPackedInt8, words, count);
  if (!bytes.ok()) return bytes.status();
  return std::vector<int8_t>(bytes->begin(), bytes->end());
}

Words PackInt16(absl::Span<const int16_t> values) {
  Words out;
  for (int16_t v : values) out.push_back(static_cast<uint16_t>(v));
  return out;
}

std::vector<int16_t> UnpackInt16(absl::Span<const uint16_t> words) {
  std::vector<int16_t> out;
  for (uint16_t w : words) out.push_back(static_cast<int16_t>(w));
  return out;
}

Words PackInt32(absl::Span<const int32_t> values) {
  Words out;
  for (int32_t v : values) {
    const uint32_t u = static_cast<uint32_t>(v);
    out.push_back(static_cast<uint16_t>(u & 0xFFFF));
    out.push_back(static_cast<uint16_t>(u >> 16));
  }
  return out;
}

absl::StatusOr<std::vector<int32_t>> UnpackInt32(absl::Span<const uint16_t> words) {
  if (words.size() % 2 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("int32 payload needs an even number of words; got ", words.size()));
  }
  std::vector<int32_t> out;
  for (size_t i = 0; i < words.size(); i += 2) {
    out.push_back(static_cast<int32_t>(uint32_t{words[i]} | (uint32_t{words[i + 1]} << 16)));
  }
  return out;
}

Words ChipInputStream(uint16_t own_mode_word, absl::Span<const uint16_t> payload) {
  Words out;
  out.reserve(payload.size() + 2);
  out.push_back(own_mode_word);
  out.insert(out.end(), payload.begin(), payload.end());
  out.push_back(kTerminatorWord);
  return out;
}

absl::StatusOr<Words> InputPayload(absl::Span<const uint16_t> stream, uint16_t own_mode_word) {
  if (stream.size() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("input stream has ", stream.size(), " words; needs at least 2"));
  }
  if (stream.front() != own_mode_word) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "input stream mode word is 0x%04x; expected 0x%04x", stream.front(), own_mode_word));
  }
  if (stream.back() != kTerminatorWord) {
    return absl::InvalidArgumentError(
        absl::StrFormat("input stream terminator is 0x%04x; expected 0x0000", stream.back()));
  }
  return Words(stream.begin() + 1, stream.end() - 1);
}

Words ChipOutputStream(absl::Span<const OutputMessage> messages) {
  Words out;
  for (const OutputMessage& m : messages) {
    out.push_back(m.destination);
    out.insert(out.end(), m.payload.begin(), m.payload.end());
  }
  return out;
}

absl::StatusOr<Words> ParseWordText(absl::string_view text, const WordTextOptions& options) {
  Words out;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    uint32_t value = 0;
    if (line.size() != 4 || !absl::SimpleHexAtoi(line, &value)) {
      return absl::InvalidArgumentError(absl::StrCat("line ", line_number, ": '", line,
                                                     "' is not a 4-hex-digit word"));
    }
    out.push_back(static_cast<uint16_t>(value));
  }
  if (options.strip_ffff_sentinel && !out.empty() && out.back() == 0xFFFF) out.pop_back();
  if (options.strip_extra_zero && !out.empty() && out.back() == 0x0000) out.pop_back();
  return out;
}

std::string FormatWordText(absl::Span<const uint16_t> words) {
  std::string out;
  out.reserve(words.size() * 5);
  for (uint16_t w : words) absl::StrAppendFormat(&out, "%04x\n", w);
  return out;
}

}  // namespace illusion::partitioner
