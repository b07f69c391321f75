#ifndef ILLUSION_TESTS_TESTING_REFERENCE_DATA_H_
#define ILLUSION_TESTS_TESTING_REFERENCE_DATA_H_

// Access to the paper's reference data (../shared/reference) for tests. The
// data is read in place, never copied into the project. A test that needs it
// and cannot find it skips with the reason, except under CI=true, where it
// fails (REQUIRE_REFERENCE_DIR). Thread-safe.

#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "nn/tensor.h"

namespace illusion::testing {

// $ILLUSION_REFERENCE_DIR, or ../shared/reference relative to the current
// directory. NotFound (with both places tried) when it is not a directory
// holding illusion/ .
absl::StatusOr<std::string> ReferenceDir();

// True when the environment says we run in CI (CI=true).
bool RunningInCi();

// Reads `<reference dir>/<relative>` as a tensor of the given type and shape;
// InvalidArgument naming the file when its size does not match.
absl::StatusOr<nn::Tensor> ReadReferenceTensor(const std::string& relative,
                                               nn::DType dtype, nn::Shape shape,
                                               int frac_bits = 0);

}  // namespace illusion::testing

// Declares `std::string var` = the reference directory, or skips the test
// (fails it under CI=true) with the reason.
#define REQUIRE_REFERENCE_DIR(var)                                          \
  std::string var;                                                          \
  {                                                                         \
    absl::StatusOr<std::string> dir_or = ::illusion::testing::ReferenceDir(); \
    if (!dir_or.ok()) {                                                     \
      if (::illusion::testing::RunningInCi()) {                             \
        FAIL() << "reference data required under CI=true: "                 \
               << dir_or.status().message();                                \
      } else {                                                              \
        GTEST_SKIP() << "skipped: " << dir_or.status().message();           \
      }                                                                     \
    }                                                                       \
    var = *dir_or;                                                          \
  }

#endif  // ILLUSION_TESTS_TESTING_REFERENCE_DATA_H_
