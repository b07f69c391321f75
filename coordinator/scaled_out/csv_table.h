#ifndef ILLUSION_COORDINATOR_SCALED_OUT_CSV_TABLE_H_
#define ILLUSION_COORDINATOR_SCALED_OUT_CSV_TABLE_H_

// CsvTable: a small, plain CSV reader for the scaled-out reference tables
// (reference/paper_sim/*.csv), for non-test code. RFC 4180 subset: comma
// separated, optional double quotes around a field ("" inside quotes is one
// quote), '\n' or "\r\n" line ends, first line is the header. No embedded
// newlines inside quoted fields (the kit has none).
//
// Errors name the file, the 1-based line and the column, e.g.
//   "sweep_results_1x.csv:12: column 'E_ratio': 'abc' is not a number".
//
// Plain value type; owns its strings. Not synchronized: treat as immutable
// when shared between threads.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace illusion::coordinator::scaled_out {

class CsvTable {
 public:
  // Reads and parses `path`. NotFound if the file cannot be opened;
  // InvalidArgument (file and line) for an empty file, an unterminated quote
  // or a row whose field count differs from the header's.
  static absl::StatusOr<CsvTable> Read(const std::string& path);
  // Parses `text`; `name` is used in error messages only.
  static absl::StatusOr<CsvTable> Parse(absl::string_view text,
                                        std::string name);

  const std::string& name() const { return name_; }
  const std::vector<std::string>& header() const { return header_; }
  int num_rows() const { return static_cast<int>(rows_.size()); }

  // Index of header column `column`; NotFound naming the file otherwise.
  absl::StatusOr<int> ColumnIndex(absl::string_view column) const;
  // The raw field of data row `row` (0-based). InvalidArgument for an
  // unknown column, OutOfRange for a bad row.
  absl::StatusOr<std::string> Get(int row, absl::string_view column) const;
  // The field as a double / int64. InvalidArgument naming file, line and
  // column when it is empty or not a number.
  absl::StatusOr<double> GetDouble(int row, absl::string_view column) const;
  absl::StatusOr<int64_t> GetInt(int row, absl::string_view column) const;

 private:
  std::string name_;
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<int> line_numbers_;  // 1-based file line of each data row
};

}  // namespace illusion::coordinator::scaled_out

#endif  // ILLUSION_COORDINATOR_SCALED_OUT_CSV_TABLE_H_
