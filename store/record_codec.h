// Internal to store/: how each trace-store record type maps to its table.
// RecordCodec<Record> gives the table name, the INSERT (parameter 1 is the
// run id) and per-run SELECT statements, a validity check, and the binding
// and reading of one row. Stateless: thread-safe.

#ifndef ILLUSION_STORE_RECORD_CODEC_H_
#define ILLUSION_STORE_RECORD_CODEC_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "store/records.h"
#include "store/sqlite_db.h"

namespace illusion::store {

template <typename Record>
struct RecordCodec;

// Each specialization has:
//   static const absl::string_view kTable, kInsertSql, kSelectSql;
//   // INVALID_ARGUMENT naming the field, value and limit.
//   static absl::Status Validate(const Record&, int chip_count);
//   static absl::Status Bind(Statement&, const Record&);  // parameters 2..
//   static void Read(const Statement&, Record*);           // columns 0..
#define ILLUSION_STORE_DECLARE_CODEC(Record)                       \
  template <>                                                      \
  struct RecordCodec<Record> {                                     \
    static const absl::string_view kTable;                         \
    static const absl::string_view kInsertSql;                     \
    static const absl::string_view kSelectSql;                     \
    static absl::Status Validate(const Record& r, int chip_count); \
    static absl::Status Bind(Statement& stmt, const Record& r);    \
    static void Read(const Statement& stmt, Record* r);            \
  }

ILLUSION_STORE_DECLARE_CODEC(ChipRecord);
ILLUSION_STORE_DECLARE_CODEC(SliceRecord);
ILLUSION_STORE_DECLARE_CODEC(PowerIntervalRecord);
ILLUSION_STORE_DECLARE_CODEC(MessageRecord);
ILLUSION_STORE_DECLARE_CODEC(LayerExecutionRecord);
ILLUSION_STORE_DECLARE_CODEC(ChipWearRecord);
ILLUSION_STORE_DECLARE_CODEC(WearEventRecord);
ILLUSION_STORE_DECLARE_CODEC(EndurerStateRecord);

#undef ILLUSION_STORE_DECLARE_CODEC

}  // namespace illusion::store

#endif  // ILLUSION_STORE_RECORD_CODEC_H_
