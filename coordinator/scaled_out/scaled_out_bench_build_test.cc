// The cost-only bench binary is built (it is a data dependency of this
// test) and present in the runfiles.

#include <sys/stat.h>

#include "gtest/gtest.h"

namespace {

TEST(ScaledOutBenchBuildTest, BenchBinaryIsBuilt) {
  struct stat info;
  EXPECT_EQ(stat("coordinator/scaled_out/scaled_out_bench", &info), 0);
}

}  // namespace
