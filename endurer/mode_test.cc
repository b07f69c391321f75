#include "endurer/mode.h"

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::endurer {
namespace {

using ::illusion::common::IsOkAndHolds;
using ::illusion::common::StatusIs;
using ::testing::HasSubstr;

TEST(ModeTest, NamesRoundTrip) {
  for (Mode m : {Mode::kNoResiliency, Mode::kEndurer, Mode::kDistributed}) {
    EXPECT_THAT(ParseMode(ModeName(m)), IsOkAndHolds(m));
  }
}

TEST(ModeTest, AcceptsNumbersAndAliases) {
  EXPECT_THAT(ParseMode("0"), IsOkAndHolds(Mode::kNoResiliency));
  EXPECT_THAT(ParseMode("nr"), IsOkAndHolds(Mode::kNoResiliency));
  EXPECT_THAT(ParseMode("1"), IsOkAndHolds(Mode::kEndurer));
  EXPECT_THAT(ParseMode("2"), IsOkAndHolds(Mode::kDistributed));
  EXPECT_THAT(ParseMode("de"), IsOkAndHolds(Mode::kDistributed));
}

TEST(ModeTest, RejectsUnknownNamingIt) {
  EXPECT_THAT(ParseMode("turbo"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'turbo'")));
}

TEST(ModeTest, PublishedConstants) {
  EXPECT_EQ(kDefaultSegmentWords, 2048u);
  EXPECT_EQ(kDefaultCacheEntries, 4u);
  EXPECT_EQ(kDefaultChips, 8u);
  EXPECT_EQ(static_cast<int>(Mode::kDistributed), 2);
}

}  // namespace
}  // namespace illusion::endurer
