#include "clients/endurance/flag_args.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::clients {
namespace {

using ::illusion::common::IsOkAndHolds;
using ::illusion::common::StatusIs;
using ::testing::HasSubstr;

TEST(FlagArgsTest, SplitsNameAndValueAtTheFirstEqualsSign) {
  std::vector<std::string> args = {"--db=/tmp/a=b.sqlite"};
  ASSERT_OK_AND_ASSIGN(FlagArgument flag, SplitFlagArgument(args, 0));
  EXPECT_EQ(flag.name, "db");
  EXPECT_EQ(flag.value, "/tmp/a=b.sqlite");
  EXPECT_TRUE(flag.has_value);
}

TEST(FlagArgsTest, TakesTheNextArgumentWhenTheFlagHasNoValue) {
  std::vector<std::string> args = {"--limit", "7", "--json"};
  size_t i = 0;
  ASSERT_OK_AND_ASSIGN(FlagArgument flag, SplitFlagArgument(args, i));
  EXPECT_FALSE(flag.has_value);
  ASSERT_OK(TakeFlagValue(args, &i, &flag));
  EXPECT_EQ(flag.value, "7");
  EXPECT_EQ(i, 1u);
  ASSERT_OK_AND_ASSIGN(FlagArgument last, SplitFlagArgument(args, 2));
  size_t j = 2;
  EXPECT_THAT(TakeFlagValue(args, &j, &last),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--json needs a value")));
  EXPECT_EQ(j, 2u);
}

TEST(FlagArgsTest, AnEqualsValueIsNotReplacedByTheNextArgument) {
  std::vector<std::string> args = {"--limit=3", "9"};
  size_t i = 0;
  ASSERT_OK_AND_ASSIGN(FlagArgument flag, SplitFlagArgument(args, i));
  ASSERT_OK(TakeFlagValue(args, &i, &flag));
  EXPECT_EQ(flag.value, "3");
  EXPECT_EQ(i, 0u);
}

TEST(FlagArgsTest, HelpAndStrayArguments) {
  std::vector<std::string> args = {"-h", "--help", "study", "-x"};
  EXPECT_THAT(SplitFlagArgument(args, 0), IsOkAndHolds(testing::Field(&FlagArgument::name, "help")));
  EXPECT_THAT(SplitFlagArgument(args, 1), IsOkAndHolds(testing::Field(&FlagArgument::name, "help")));
  EXPECT_THAT(SplitFlagArgument(args, 2),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unexpected argument 'study'")));
  EXPECT_THAT(SplitFlagArgument(args, 3),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unexpected argument '-x'")));
}

TEST(FlagArgsTest, BooleanValues) {
  EXPECT_THAT(BooleanFlagValue({"json", "", false}), IsOkAndHolds(true));
  EXPECT_THAT(BooleanFlagValue({"json", "true", true}), IsOkAndHolds(true));
  EXPECT_THAT(BooleanFlagValue({"json", "false", true}), IsOkAndHolds(false));
  EXPECT_THAT(BooleanFlagValue({"csv", "yes", true}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--csv: 'yes' is not true or false")));
}

}  // namespace
}  // namespace illusion::clients
