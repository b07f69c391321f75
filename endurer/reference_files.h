// Test helper: files of the reference kit's endurer/ folder
// ($ILLUSION_REFERENCE_DIR/endurer/..., see tests/testing/reference_data.h).
// Stateless; thread-safe.

#ifndef ILLUSION_ENDURER_REFERENCE_FILES_H_
#define ILLUSION_ENDURER_REFERENCE_FILES_H_

#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "tests/testing/reference_data.h"

namespace illusion::endurer::testing {

// "endurer/traces/svhn_write_pattern.txt", relative to the reference dir.
inline constexpr char kSvhnTrace[] = "endurer/traces/svhn_write_pattern.txt";

// The contents of <reference dir>/<relative>; NotFound naming the path when
// the kit or the file is missing.
absl::StatusOr<std::string> ReadEndurerReferenceFile(const std::string& relative);

}  // namespace illusion::endurer::testing

// Declares `std::string var` = the file's contents, or skips the test (fails
// it under CI=true) with the reason.
#define REQUIRE_ENDURER_REFERENCE_FILE(var, relative)                                          \
  std::string var;                                                                             \
  {                                                                                            \
    absl::StatusOr<std::string> contents_or =                                                  \
        ::illusion::endurer::testing::ReadEndurerReferenceFile(relative);                      \
    if (!contents_or.ok()) {                                                                   \
      if (::illusion::testing::RunningInCi()) {                                                \
        FAIL() << "reference data required under CI=true: " << contents_or.status().message(); \
      } else {                                                                                 \
        GTEST_SKIP() << "skipped: " << contents_or.status().message();                         \
      }                                                                                        \
    }                                                                                          \
    var = *std::move(contents_or);                                                             \
  }

#endif  // ILLUSION_ENDURER_REFERENCE_FILES_H_
