#include "store/export.h"

#include <charconv>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace illusion::store {
namespace {

// Shortest round-trip text of a double; CSV has no standard for the
// non-finite ones, so they are spelled like Python/pandas read them.
std::string FormatDouble(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

struct CsvCell {
  std::string operator()(std::monostate) const { return ""; }
  std::string operator()(int64_t v) const { return absl::StrCat(v); }
  std::string operator()(double v) const { return FormatDouble(v); }
  std::string operator()(const std::string& v) const { return CsvField(v); }
};

struct JsonCell {
  nlohmann::ordered_json operator()(std::monostate) const { return nullptr; }
  nlohmann::ordered_json operator()(int64_t v) const { return v; }
  nlohmann::ordered_json operator()(double v) const { return v; }
  nlohmann::ordered_json operator()(const std::string& v) const { return v; }
};

void WriteCsvLine(absl::Span<const std::string> fields, std::ostream& out) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out << ',';
    out << fields[i];
  }
  out << '\n';
}

absl::Status ExportCsv(TraceStore& store, absl::string_view table,
                       std::optional<int64_t> run_id, std::ostream& out) {
  std::vector<std::string> fields;
  return store.ScanTable(
      table, run_id,
      [&](absl::Span<const std::string> columns) {
        fields.clear();
        for (const std::string& column : columns) {
          fields.push_back(CsvField(column));
        }
        WriteCsvLine(fields, out);
        return absl::OkStatus();
      },
      [&](absl::Span<const Cell> row) {
        for (size_t i = 0; i < row.size(); ++i) {
          fields[i] = std::visit(CsvCell(), row[i]);
        }
        WriteCsvLine(fields, out);
        return absl::OkStatus();
      });
}

// Streams the array row by row so a large table is never held in memory.
absl::Status ExportJson(TraceStore& store, absl::string_view table,
                        std::optional<int64_t> run_id, std::ostream& out) {
  std::vector<std::string> names;
  bool first = true;
  RETURN_IF_ERROR(store.ScanTable(
      table, run_id,
      [&](absl::Span<const std::string> columns) {
        names.assign(columns.begin(), columns.end());
        out << '[';
        return absl::OkStatus();
      },
      [&](absl::Span<const Cell> row) {
        nlohmann::ordered_json object = nlohmann::ordered_json::object();
        for (size_t i = 0; i < row.size(); ++i) {
          object[names[i]] = std::visit(JsonCell(), row[i]);
        }
        out << (first ? "\n" : ",\n")
            << object.dump(-1, ' ', false,
                           nlohmann::ordered_json::error_handler_t::replace);
        first = false;
        return absl::OkStatus();
      }));
  out << (first ? "]\n" : "\n]\n");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ExportFormat> ParseExportFormat(absl::string_view name) {
  if (name == "csv") return ExportFormat::kCsv;
  if (name == "json") return ExportFormat::kJson;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown export format '", name, "'; valid: csv, json"));
}

std::string CsvField(absl::string_view value) {
  if (value.find_first_of(",\"\r\n") == absl::string_view::npos) {
    return std::string(value);
  }
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

absl::Status ExportTable(TraceStore& store, absl::string_view table,
                         ExportFormat format, std::optional<int64_t> run_id,
                         std::ostream& out) {
  RETURN_IF_ERROR(format == ExportFormat::kCsv
                      ? ExportCsv(store, table, run_id, out)
                      : ExportJson(store, table, run_id, out));
  out.flush();
  if (!out) {
    return absl::DataLossError(absl::StrCat("writing table '", table,
                                            "' failed: output stream error"));
  }
  return absl::OkStatus();
}

}  // namespace illusion::store
