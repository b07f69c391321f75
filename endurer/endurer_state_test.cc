#include "endurer/endurer_state.h"

#include <string>

#include "absl/strings/str_replace.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::endurer {
namespace {

using ::illusion::common::IsOk;
using ::illusion::common::IsOkAndHolds;
using ::illusion::common::StatusIs;
using ::testing::HasSubstr;

// The measured SVHN DE end state (reference/endurer/end_states.csv, END).
EndurerState SvhnEnd() {
  EndurerState s;
  s.mode = Mode::kDistributed;
  s.swap_count = 1;
  s.v2p = {6, 1, 2, 3, 4, 5, 0, 7};
  s.offsets = {1650, 1049, 1755, 1248, 628, 462, 1838, 1423};
  s.counts = {961020257, 87114923, 89874313, 91204164, 86470040, 86487270, 563470473, 91397472};
  s.policy = {0.45, 0.9, 7e8};
  return s;
}

TEST(EndurerStateTest, RoundTripsExactly) {
  const EndurerState s = SvhnEnd();
  ASSERT_THAT(ValidateEndurerState(s), IsOk());
  const std::string text = SerializeEndurerState(s);
  EXPECT_THAT(text, HasSubstr("illusion_endurer_state 1\nmode distributed\nchips 8\n"));
  EXPECT_THAT(text, HasSubstr("v2p 6 1 2 3 4 5 0 7\n"));
  EXPECT_THAT(ParseEndurerState(text), IsOkAndHolds(s));
  // Non-representable decimals survive too.
  EndurerState odd = s;
  odd.policy = {0.1, 1.0 / 3.0, 123456789.123456789};
  EXPECT_THAT(ParseEndurerState(SerializeEndurerState(odd)), IsOkAndHolds(odd));
}

TEST(EndurerStateTest, InitialIsIdentity) {
  const EndurerState s = EndurerState::Initial(8);
  EXPECT_EQ(s.v2p, (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(s.P2v(), s.v2p);
  EXPECT_THAT(ValidateEndurerState(s), IsOk());
  EXPECT_EQ(SvhnEnd().P2v(), (std::vector<uint32_t>{6, 1, 2, 3, 4, 5, 0, 7}));
}

TEST(EndurerStateTest, CommentsAndBlankLinesAreIgnored) {
  std::string text = "# saved before power-off\n\n" + SerializeEndurerState(SvhnEnd());
  text = absl::StrReplaceAll(text, {{"swap_count 1\n", "swap_count 1   # one swap\n"}});
  EXPECT_THAT(ParseEndurerState(text), IsOkAndHolds(SvhnEnd()));
}

TEST(EndurerStateTest, ParseErrorsNameTheLine) {
  const std::string good = SerializeEndurerState(SvhnEnd());
  EXPECT_THAT(ParseEndurerState(""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(
      ParseEndurerState(absl::StrReplaceAll(good, {{"_state 1", "_state 2"}})),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 1: unsupported version 2")));
  EXPECT_THAT(ParseEndurerState("mode endurer\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 1: expected")));
  EXPECT_THAT(ParseEndurerState(absl::StrReplaceAll(good, {{"v2p 6 1 2 3 4 5 0 7", "v2p 6 1 2"}})),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("line 6: 'v2p' needs 8 value(s), got 3 in 'v2p 6 1 2'")));
  EXPECT_THAT(
      ParseEndurerState(absl::StrReplaceAll(good, {{"counts 961020257", "counts x"}})),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 8: bad unsigned number 'x'")));
  EXPECT_THAT(ParseEndurerState(absl::StrReplaceAll(good, {{"tau ", "tau_x "}})),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("line 9: expected key 'tau', got 'tau_x'")));
  EXPECT_THAT(
      ParseEndurerState(absl::StrReplaceAll(good, {{"mode distributed", "mode fast"}})),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 2: unknown endurer mode")));
  EXPECT_THAT(ParseEndurerState(good.substr(0, good.find("eps"))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ends before key 'eps'")));
  EXPECT_THAT(ParseEndurerState(good + "extra 1\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 12: unexpected key")));
}

TEST(EndurerStateTest, ValidationIsStricterThanUpstream) {
  EndurerState s = SvhnEnd();
  s.offsets[3] = 2048;  // upstream accepted offset == M
  EXPECT_THAT(ValidateEndurerState(s),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("offset of virtual chip 3 is 2048; must be < 2048")));
  s = SvhnEnd();
  s.v2p[1] = 6;  // not a permutation: upstream did not check
  EXPECT_THAT(ValidateEndurerState(s),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a permutation")));
  s = SvhnEnd();
  s.counts.pop_back();
  EXPECT_THAT(ValidateEndurerState(s), StatusIs(absl::StatusCode::kInvalidArgument));
  s = SvhnEnd();
  s.mode = Mode::kNoResiliency;  // needs identity and zero offsets
  EXPECT_THAT(ValidateEndurerState(s),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no-resiliency")));
  s = SvhnEnd();
  s.policy.tau = -0.5;
  EXPECT_THAT(ValidateEndurerState(s),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tau")));
  // A parsed state is validated too.
  s = SvhnEnd();
  s.v2p[0] = 9;
  EXPECT_THAT(ParseEndurerState(SerializeEndurerState(s)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("permutation")));
}

}  // namespace
}  // namespace illusion::endurer
