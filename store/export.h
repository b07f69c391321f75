// Export of one trace-store table as CSV or JSON, for illusionctl and for
// analysis outside the project (pandas, spreadsheets, jq).
//
// CSV (RFC 4180): a header row of column names, then one line per row, "\n"
// line ends; a field holding a comma, double quote, CR or LF is quoted and
// its quotes doubled; NULL is an empty field. JSON: one array of objects,
// one object per row keyed by column name, NULL as null. Reals are written
// with the shortest text that reads back to the same double.
//
// Free functions; they use the store's own locking (see TraceStore).

#ifndef ILLUSION_STORE_EXPORT_H_
#define ILLUSION_STORE_EXPORT_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "store/trace_store.h"

namespace illusion::store {

enum class ExportFormat { kCsv, kJson };

// "csv" or "json"; anything else is INVALID_ARGUMENT listing the valid ones.
absl::StatusOr<ExportFormat> ParseExportFormat(absl::string_view name);

// Writes `table` (one of TraceStore::TableNames(), else INVALID_ARGUMENT
// listing them) to `out`, only the rows of `run_id` if given (NOT_FOUND for
// an unknown run). DATA_LOSS if writing to `out` fails.
absl::Status ExportTable(TraceStore& store, absl::string_view table,
                         ExportFormat format, std::optional<int64_t> run_id,
                         std::ostream& out);

// One CSV field, quoted if needed (exposed for tests and other writers).
std::string CsvField(absl::string_view value);

}  // namespace illusion::store

#endif  // ILLUSION_STORE_EXPORT_H_
