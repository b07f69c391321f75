#include "partitioner/word_protocol.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::partitioner {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(WordProtocolTest, ModeWordsAreOneHot) {
  EXPECT_EQ(*ModeWord(PaperMode::kEightChip, 0), 0x0001);
  EXPECT_EQ(*ModeWord(PaperMode::kEightChip, 7), 0x0080);
  EXPECT_EQ(*ModeWord(PaperMode::kFourChip, 0), 0x0100);
  EXPECT_EQ(*ModeWord(PaperMode::kFourChip, 3), 0x0800);
  EXPECT_EQ(*ModeWord(PaperMode::kTarget, 0), 0x8000);
  EXPECT_EQ(kHostWord, 0);
  absl::StatusOr<uint16_t> bad = ModeWord(PaperMode::kFourChip, 4);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("chip index 4"));
}

TEST(WordProtocolTest, ChipCounts) {
  EXPECT_EQ(*PaperModeForChips(1), PaperMode::kTarget);
  EXPECT_EQ(*PaperModeForChips(4), PaperMode::kFourChip);
  EXPECT_EQ(*PaperModeForChips(8), PaperMode::kEightChip);
  absl::StatusOr<PaperMode> bad = PaperModeForChips(2);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("2"));
  EXPECT_THAT(bad.status().message(), HasSubstr("1, 4 or 8"));
  EXPECT_EQ(PaperModeName(PaperMode::kFourChip), "illusion_sm");
}

TEST(WordProtocolTest, PackInt8LittleEndianWithPadding) {
  EXPECT_THAT(PackInt8({1, 2, 3}), ElementsAre(0x0201, 0x0003));
  EXPECT_THAT(PackInt8({-16, -16}), ElementsAre(0xf0f0));
  ASSERT_OK_AND_ASSIGN(std::vector<int8_t> back, UnpackInt8({0x0201, 0x0003}, 3));
  EXPECT_THAT(back, ElementsAre(1, 2, 3));
  EXPECT_FALSE(UnpackInt8({0x0201, 0x0103}, 3).ok());  // non-zero padding
  EXPECT_FALSE(UnpackInt8({0x0201}, 3).ok());          // too few words
}

TEST(WordProtocolTest, Int16AndInt32) {
  EXPECT_THAT(PackInt16({-1, 7}), ElementsAre(0xffff, 0x0007));
  EXPECT_THAT(UnpackInt16({0xffff, 0x0007}), ElementsAre(-1, 7));
  EXPECT_THAT(PackInt32({0x372, -144}), ElementsAre(0x0372, 0x0000, 0xff70, 0xffff));
  ASSERT_OK_AND_ASSIGN(std::vector<int32_t> v, UnpackInt32({0x0372, 0x0000, 0xff70, 0xffff}));
  EXPECT_THAT(v, ElementsAre(0x372, -144));
  EXPECT_FALSE(UnpackInt32({1, 2, 3}).ok());
}

TEST(WordProtocolTest, EncodeAndDecodeBytes) {
  Words w;
  ASSERT_OK(EncodeBytes(WordEncoding::kWordPerInt8, std::string("\x01\xff", 2), &w));
  EXPECT_THAT(w, ElementsAre(0x0001, 0xffff));
  ASSERT_OK_AND_ASSIGN(std::string b, DecodeWords(WordEncoding::kWordPerInt8, w, 2));
  EXPECT_EQ(b, std::string("\x01\xff", 2));
  EXPECT_FALSE(EncodeBytes(WordEncoding::kInt32, "abc", &w).ok());
  EXPECT_EQ(WordCount(WordEncoding::kPackedInt8, 77), 39);
  EXPECT_EQ(WordCount(WordEncoding::kInt32, 44), 22);
}

// DecodeWordsInto writes exactly the bytes DecodeWords returns, for every
// encoding and for odd lengths, and rejects what DecodeWords rejects.
TEST(WordProtocolTest, DecodeWordsIntoMatchesDecodeWords) {
  const std::string bytes("\x01\xff\x80\x7f\x00\x10\xfe\x33", 8);
  for (WordEncoding encoding : {WordEncoding::kPackedInt8, WordEncoding::kInt16,
                                WordEncoding::kInt32, WordEncoding::kWordPerInt8}) {
    for (int64_t n : {0, 1, 2, 3, 4, 7, 8}) {
      Words w;
      if (!EncodeBytes(encoding, absl::string_view(bytes.data(), n), &w).ok()) continue;
      SCOPED_TRACE(absl::StrCat(WordEncodingName(encoding), " bytes=", n));
      ASSERT_OK_AND_ASSIGN(std::string expected, DecodeWords(encoding, w, n));
      EXPECT_EQ(expected, bytes.substr(0, n));
      std::vector<uint8_t> out(n + 1, 0xAA);
      ASSERT_OK(DecodeWordsInto(encoding, w, n, out.data()));
      EXPECT_EQ(std::string(out.begin(), out.begin() + n), expected);
      EXPECT_EQ(out[n], 0xAA);  // nothing written past num_bytes

      // A wrong word count is the same error from both.
      Words longer = w;
      longer.push_back(0);
      absl::Status into = DecodeWordsInto(encoding, longer, n, out.data());
      absl::StatusOr<std::string> whole = DecodeWords(encoding, longer, n);
      ASSERT_FALSE(into.ok());
      ASSERT_FALSE(whole.ok());
      EXPECT_EQ(into.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(into.message(), whole.status().message());
      EXPECT_THAT(into.message(), HasSubstr("words; got"));
    }
  }
  // Wrong byte multiple, non-zero padding and a negative count are errors.
  uint8_t out[4] = {};
  EXPECT_FALSE(DecodeWordsInto(WordEncoding::kInt32, Words{1}, 2, out).ok());
  EXPECT_FALSE(DecodeWordsInto(WordEncoding::kPackedInt8, Words{0x0201, 0x0103}, 3, out).ok());
  EXPECT_FALSE(DecodeWords(WordEncoding::kPackedInt8, Words{0x0201, 0x0103}, 3).ok());
  EXPECT_FALSE(DecodeWordsInto(WordEncoding::kPackedInt8, Words{}, -1, out).ok());
  EXPECT_FALSE(DecodeWords(WordEncoding::kPackedInt8, Words{}, -1).ok());
}

TEST(WordProtocolTest, Streams) {
  const Words in = ChipInputStream(0x0080, {5, 6});
  EXPECT_THAT(in, ElementsAre(0x0080, 5, 6, 0));
  ASSERT_OK_AND_ASSIGN(Words payload, InputPayload(in, 0x0080));
  EXPECT_THAT(payload, ElementsAre(5, 6));
  EXPECT_FALSE(InputPayload(in, 0x0040).ok());
  EXPECT_FALSE(InputPayload(Words{0x0080, 5, 1}, 0x0080).ok());
  EXPECT_THAT(ChipOutputStream({{0x0040, {1, 2}}, {kHostWord, {7}}}),
              ElementsAre(0x0040, 1, 2, 0, 7));
}

TEST(WordProtocolTest, TextFormat) {
  ASSERT_OK_AND_ASSIGN(Words w, ParseWordText("0000\n0007\n\r\n\nFFFF\n"));
  EXPECT_THAT(w, ElementsAre(0, 7, 0xffff));
  WordTextOptions strip;
  strip.strip_ffff_sentinel = true;
  strip.strip_extra_zero = true;
  ASSERT_OK_AND_ASSIGN(w, ParseWordText("0080\n0372\n0000\nFFFF\n", strip));
  EXPECT_THAT(w, ElementsAre(0x80, 0x372));
  EXPECT_EQ(FormatWordText({0x80, 0xfffe}), "0080\nfffe\n");
  absl::StatusOr<Words> bad = ParseWordText("0000\nxyz\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("line 2"));
}

}  // namespace
}  // namespace illusion::partitioner
