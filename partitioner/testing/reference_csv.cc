#include "partitioner/testing/reference_csv.h"

#include "tests/testing/reference_data.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace illusion::partitioner::testing {
namespace {

const std::string& EmptyString() {
  static const std::string* const kEmpty = new std::string();
  return *kEmpty;
}

// Splits CSV text into rows of fields, honouring double quotes.
absl::StatusOr<std::vector<std::vector<std::string>>> SplitCsv(
    absl::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c != '"') {
        field += c;
      } else if (i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else if (c != '\r') {
      field += c;
    }
  }
  if (quoted) return absl::InvalidArgumentError("unterminated quote in csv");
  if (!field.empty() || !row.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

const std::string& CsvRecord::Get(absl::string_view column) const {
  auto it = columns_->find(column);
  if (it == columns_->end()) {
    ADD_FAILURE() << "no csv column '" << column << "'";
    return EmptyString();
  }
  return fields_[it->second];
}

int64_t CsvRecord::GetInt(absl::string_view column) const {
  const std::string& text = Get(column);
  int64_t value = 0;
  if (absl::SimpleAtoi(text, &value)) return value;
  double real = 0;
  if (absl::SimpleAtod(text, &real) && std::floor(real) == real) {
    return static_cast<int64_t>(real);
  }
  ADD_FAILURE() << "csv column '" << column << "' is not an integer: '" << text
                << "'";
  return -1;
}

double CsvRecord::GetDouble(absl::string_view column) const {
  const std::string& text = Get(column);
  double value = 0;
  if (absl::SimpleAtod(text, &value)) return value;
  ADD_FAILURE() << "csv column '" << column << "' is not a number: '" << text
                << "'";
  return std::numeric_limits<double>::quiet_NaN();
}

absl::StatusOr<CsvTable> ParseCsv(absl::string_view text) {
  absl::StatusOr<std::vector<std::vector<std::string>>> rows = SplitCsv(text);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return absl::InvalidArgumentError("csv has no header");
  CsvTable table;
  table.header = std::move(rows->front());
  auto columns = std::make_shared<CsvRecord::ColumnIndex>();
  for (size_t i = 0; i < table.header.size(); ++i) {
    columns->emplace(table.header[i], i);
  }
  for (size_t r = 1; r < rows->size(); ++r) {
    std::vector<std::string>& fields = (*rows)[r];
    if (fields.size() != table.header.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("csv row ", r + 1, " has ", fields.size(),
                       " fields; header has ", table.header.size()));
    }
    table.records.emplace_back(columns, std::move(fields));
  }
  return table;
}

absl::StatusOr<CsvTable> ReadCsvFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read '", path, "'"));
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<CsvTable> table = ParseCsv(text.str());
  if (!table.ok()) {
    return absl::Status(table.status().code(),
                        absl::StrCat(path, ": ", table.status().message()));
  }
  return table;
}

void ReferenceDataTest::SetUp() {
  // The kit is located, and a missing kit skipped or failed (CI=true), by the
  // project-wide rule in tests/testing/reference_data.h.
  absl::StatusOr<std::string> dir = ::illusion::testing::ReferenceDir();
  std::string reason;
  if (dir.ok()) {
    paper_sim_dir_ = *dir + "/paper_sim";
    std::error_code error;
    if (std::filesystem::is_directory(paper_sim_dir_, error)) return;
    reason = absl::StrCat("reference data not found at '", paper_sim_dir_,
                          "' (set ILLUSION_REFERENCE_DIR to the kit's reference directory)");
  } else {
    reason = std::string(dir.status().message());
  }
  if (::illusion::testing::RunningInCi()) {
    FAIL() << reason;
  }
  GTEST_SKIP() << reason;
}

CsvTable ReferenceDataTest::LoadPaperSim(absl::string_view file) const {
  absl::StatusOr<CsvTable> table =
      ReadCsvFile(absl::StrCat(paper_sim_dir_, "/", file));
  if (!table.ok()) {
    ADD_FAILURE() << table.status();
    return CsvTable{};
  }
  return *std::move(table);
}

}  // namespace illusion::partitioner::testing
