#include "coordinator/scaled_out/csv_table.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace illusion::coordinator::scaled_out {
namespace {

// Splits one line into fields; false on an unterminated quote.
bool SplitLine(absl::string_view line, std::vector<std::string>& fields) {
  fields.clear();
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else {
      field.push_back(c);
    }
  }
  fields.push_back(std::move(field));
  return !quoted;
}

}  // namespace

absl::StatusOr<CsvTable> CsvTable::Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open '", path, "'"));
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

absl::StatusOr<CsvTable> CsvTable::Parse(absl::string_view text,
                                         std::string name) {
  CsvTable table;
  table.name_ = std::move(name);
  std::vector<std::string> fields;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (!SplitLine(line, fields)) {
      return absl::InvalidArgumentError(
          absl::StrCat(table.name_, ":", line_number, ": unterminated quote"));
    }
    if (table.header_.empty()) {
      table.header_ = fields;
      continue;
    }
    if (fields.size() != table.header_.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          table.name_, ":", line_number, ": ", fields.size(),
          " fields; header has ", table.header_.size()));
    }
    table.rows_.push_back(fields);
    table.line_numbers_.push_back(line_number);
  }
  if (table.header_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(table.name_, ": empty file, no header"));
  }
  return table;
}

absl::StatusOr<int> CsvTable::ColumnIndex(absl::string_view column) const {
  for (size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == column) return static_cast<int>(i);
  }
  return absl::NotFoundError(
      absl::StrCat(name_, ": no column '", column, "'"));
}

absl::StatusOr<std::string> CsvTable::Get(int row,
                                          absl::string_view column) const {
  absl::StatusOr<int> index = ColumnIndex(column);
  if (!index.ok()) return absl::InvalidArgumentError(index.status().message());
  if (row < 0 || row >= num_rows()) {
    return absl::OutOfRangeError(absl::StrCat(name_, ": row ", row, " of ",
                                              num_rows()));
  }
  return rows_[row][*index];
}

absl::StatusOr<double> CsvTable::GetDouble(int row,
                                           absl::string_view column) const {
  absl::StatusOr<std::string> field = Get(row, column);
  if (!field.ok()) return field.status();
  double value = 0;
  if (!absl::SimpleAtod(*field, &value)) {
    return absl::InvalidArgumentError(
        absl::StrCat(name_, ":", line_numbers_[row], ": column '", column,
                     "': '", *field, "' is not a number"));
  }
  return value;
}

absl::StatusOr<int64_t> CsvTable::GetInt(int row,
                                         absl::string_view column) const {
  absl::StatusOr<std::string> field = Get(row, column);
  if (!field.ok()) return field.status();
  int64_t value = 0;
  if (!absl::SimpleAtoi(*field, &value)) {
    return absl::InvalidArgumentError(
        absl::StrCat(name_, ":", line_numbers_[row], ": column '", column,
                     "': '", *field, "' is not an integer"));
  }
  return value;
}

}  // namespace illusion::coordinator::scaled_out
