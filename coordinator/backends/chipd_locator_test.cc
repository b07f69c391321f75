// FindChipdBinary: an explicit hint or $ILLUSION_CHIPD wins (and is checked),
// and when nothing is found the error lists every place it looked. (This
// target has no data dependency on //chipd; loopback_fleet_test finds chipd
// in its runfiles.)

#include "coordinator/backends/chipd_locator.h"

#include <stdlib.h>

#include <string>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::coordinator {
namespace {

using ::illusion::common::IsOkAndHolds;
using ::illusion::common::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

class ChipdLocatorTest : public ::testing::Test {
 protected:
  void SetUp() override { unsetenv("ILLUSION_CHIPD"); }
  void TearDown() override { unsetenv("ILLUSION_CHIPD"); }
};

TEST_F(ChipdLocatorTest, AHintIsUsedWhenExecutable) {
  EXPECT_THAT(FindChipdBinary("/bin/sh"), IsOkAndHolds(std::string("/bin/sh")));
  EXPECT_THAT(FindChipdBinary("/no/such/chipd"),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("'/no/such/chipd' (as given) is not executable"),
                             HasSubstr("No such file"))));
  EXPECT_THAT(FindChipdBinary("/tmp"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("not a regular file")));
}

TEST_F(ChipdLocatorTest, EnvironmentVariableComesNext) {
  setenv("ILLUSION_CHIPD", "/bin/sh", 1);
  EXPECT_THAT(FindChipdBinary(), IsOkAndHolds(std::string("/bin/sh")));
  EXPECT_THAT(FindChipdBinary("/bin/true"), IsOkAndHolds(std::string("/bin/true")));
  setenv("ILLUSION_CHIPD", "/no/such/chipd", 1);
  EXPECT_THAT(FindChipdBinary(),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("'/no/such/chipd' ($ILLUSION_CHIPD) is not executable")));
}

TEST_F(ChipdLocatorTest, NotFoundListsEveryPlace) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  ASSERT_NE(srcdir, nullptr);
  absl::StatusOr<std::string> found = FindChipdBinary();
  EXPECT_THAT(found, StatusIs(absl::StatusCode::kNotFound,
                              AllOf(HasSubstr("chipd_locator_test.runfiles/illusion/chipd/chipd"),
                                    HasSubstr("/../chipd/chipd"),
                                    HasSubstr(std::string(srcdir) + "/illusion/chipd/chipd"),
                                    HasSubstr("$ILLUSION_CHIPD (not set)"))));
}

}  // namespace
}  // namespace illusion::coordinator
