// Test helpers: locating the reference kit and reading its CSV files in place
// (reference data is never copied into the repository).
//
// The kit directory is $ILLUSION_REFERENCE_DIR, or "../shared/reference"
// relative to the working directory when the variable is unset or empty.
// Tests derive from ReferenceDataTest; its SetUp() skips the test when the
// kit is missing, or fails it when $CI is "true".

#ifndef ILLUSION_PARTITIONER_TESTING_REFERENCE_CSV_H_
#define ILLUSION_PARTITIONER_TESTING_REFERENCE_CSV_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace illusion::partitioner::testing {

// One data row of a CSV file, addressed by column name. Copyable value; the
// column index is shared (immutable) with the table. Not synchronized.
class CsvRecord {
 public:
  using ColumnIndex = absl::flat_hash_map<std::string, size_t>;

  CsvRecord(std::shared_ptr<const ColumnIndex> columns,
            std::vector<std::string> fields)
      : columns_(std::move(columns)), fields_(std::move(fields)) {}

  // The field of `column`; adds a test failure and returns "" if the column
  // does not exist.
  const std::string& Get(absl::string_view column) const;
  // The field parsed as an integer (a float with no fractional part, e.g.
  // "6.0", is accepted); adds a test failure and returns -1 if it is not one.
  int64_t GetInt(absl::string_view column) const;
  // The field parsed as a double; adds a test failure and returns NaN if not.
  double GetDouble(absl::string_view column) const;

 private:
  std::shared_ptr<const ColumnIndex> columns_;
  std::vector<std::string> fields_;
};

// A whole CSV file: header plus records. Plain value type.
struct CsvTable {
  std::vector<std::string> header;
  std::vector<CsvRecord> records;
};

// Parses CSV text (RFC 4180 quoting: "a, b" and "" escapes; \n or \r\n line
// ends). InvalidArgument if a row has a different field count than the
// header or a quote is unterminated.
absl::StatusOr<CsvTable> ParseCsv(absl::string_view text);

// Reads and parses a file; NotFound if it cannot be read.
absl::StatusOr<CsvTable> ReadCsvFile(const std::string& path);

// Fixture for tests that read the kit's paper_sim CSVs. Not thread-safe (a
// gtest fixture).
class ReferenceDataTest : public ::testing::Test {
 protected:
  void SetUp() override;

  // Reads <reference dir>/paper_sim/<file>; adds a fatal-free failure and
  // returns an empty table if that fails.
  CsvTable LoadPaperSim(absl::string_view file) const;

 private:
  std::string paper_sim_dir_;
};

}  // namespace illusion::partitioner::testing

#endif  // ILLUSION_PARTITIONER_TESTING_REFERENCE_CSV_H_
