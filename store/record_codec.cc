#include "store/record_codec.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace illusion::store {
namespace {

absl::Status CheckChip(absl::string_view field, int chip, int min,
                       int chip_count) {
  if (chip >= min && chip < chip_count) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      field, " ", chip, " is outside [", min, ", ", chip_count, ")"));
}

absl::Status CheckInterval(double start_s, double end_s) {
  if (end_s >= start_s) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("end_s ", end_s, " is before start_s ", start_s));
}

absl::Status CheckRange(int64_t begin, int64_t end) {
  if (begin >= 0 && end >= begin) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "output range [", begin, ", ", end, ") is not a range from 0 up"));
}

}  // namespace

// ---- chips ----
const absl::string_view RecordCodec<ChipRecord>::kTable = "chips";
const absl::string_view RecordCodec<ChipRecord>::kInsertSql =
    "INSERT INTO chips (run_id, chip, model, endpoint) VALUES (?1, ?2, ?3, ?4)";
const absl::string_view RecordCodec<ChipRecord>::kSelectSql =
    "SELECT chip, model, endpoint FROM chips WHERE run_id = ?1 ORDER BY chip";

absl::Status RecordCodec<ChipRecord>::Validate(const ChipRecord& r,
                                               int chip_count) {
  return CheckChip("chip", r.chip, 0, chip_count);
}

absl::Status RecordCodec<ChipRecord>::Bind(Statement& stmt,
                                           const ChipRecord& r) {
  RETURN_IF_ERROR(stmt.BindInt64(2, r.chip));
  RETURN_IF_ERROR(stmt.BindText(3, r.model));
  return stmt.BindText(4, r.endpoint);
}

void RecordCodec<ChipRecord>::Read(const Statement& stmt, ChipRecord* r) {
  r->chip = static_cast<int>(stmt.ColumnInt64(0));
  r->model = stmt.ColumnText(1);
  r->endpoint = stmt.ColumnText(2);
}

// ---- slices ----
const absl::string_view RecordCodec<SliceRecord>::kTable = "slices";
const absl::string_view RecordCodec<SliceRecord>::kInsertSql =
    "INSERT INTO slices (run_id, chip, label, ops_json, weight_bytes, "
    "activation_peak_bytes) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
const absl::string_view RecordCodec<SliceRecord>::kSelectSql =
    "SELECT chip, label, ops_json, weight_bytes, activation_peak_bytes "
    "FROM slices WHERE run_id = ?1 ORDER BY rowid";

absl::Status RecordCodec<SliceRecord>::Validate(const SliceRecord& r,
                                                int chip_count) {
  RETURN_IF_ERROR(CheckChip("chip", r.chip, 0, chip_count));
  if (r.weight_bytes < 0 || r.activation_peak_bytes < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "slice '", r.label, "' has negative sizes: weight_bytes ",
        r.weight_bytes, ", activation_peak_bytes ", r.activation_peak_bytes));
  }
  return absl::OkStatus();
}

absl::Status RecordCodec<SliceRecord>::Bind(Statement& stmt,
                                            const SliceRecord& r) {
  RETURN_IF_ERROR(stmt.BindInt64(2, r.chip));
  RETURN_IF_ERROR(stmt.BindText(3, r.label));
  RETURN_IF_ERROR(stmt.BindText(4, r.ops_json));
  RETURN_IF_ERROR(stmt.BindInt64(5, r.weight_bytes));
  return stmt.BindInt64(6, r.activation_peak_bytes);
}

void RecordCodec<SliceRecord>::Read(const Statement& stmt, SliceRecord* r) {
  r->chip = static_cast<int>(stmt.ColumnInt64(0));
  r->label = stmt.ColumnText(1);
  r->ops_json = stmt.ColumnText(2);
  r->weight_bytes = stmt.ColumnInt64(3);
  r->activation_peak_bytes = stmt.ColumnInt64(4);
}

// ---- power_intervals ----
const absl::string_view RecordCodec<PowerIntervalRecord>::kTable =
    "power_intervals";
const absl::string_view RecordCodec<PowerIntervalRecord>::kInsertSql =
    "INSERT INTO power_intervals (run_id, inference, chip, state, start_s, "
    "end_s, energy_j) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
const absl::string_view RecordCodec<PowerIntervalRecord>::kSelectSql =
    "SELECT inference, chip, state, start_s, end_s, energy_j "
    "FROM power_intervals WHERE run_id = ?1 ORDER BY rowid";

absl::Status RecordCodec<PowerIntervalRecord>::Validate(
    const PowerIntervalRecord& r, int chip_count) {
  RETURN_IF_ERROR(CheckChip("chip", r.chip, 0, chip_count));
  return CheckInterval(r.start_s, r.end_s);
}

absl::Status RecordCodec<PowerIntervalRecord>::Bind(
    Statement& stmt, const PowerIntervalRecord& r) {
  RETURN_IF_ERROR(stmt.BindInt64(2, r.inference));
  RETURN_IF_ERROR(stmt.BindInt64(3, r.chip));
  RETURN_IF_ERROR(stmt.BindText(4, r.state));
  RETURN_IF_ERROR(stmt.BindDouble(5, r.start_s));
  RETURN_IF_ERROR(stmt.BindDouble(6, r.end_s));
  return stmt.BindDouble(7, r.energy_j);
}

void RecordCodec<PowerIntervalRecord>::Read(const Statement& stmt,
                                            PowerIntervalRecord* r) {
  r->inference = stmt.ColumnInt64(0);
  r->chip = static_cast<int>(stmt.ColumnInt64(1));
  r->state = stmt.ColumnText(2);
  r->start_s = stmt.ColumnDouble(3);
  r->end_s = stmt.ColumnDouble(4);
  r->energy_j = stmt.ColumnDouble(5);
}

// ---- messages ----
const absl::string_view RecordCodec<MessageRecord>::kTable = "messages";
const absl::string_view RecordCodec<MessageRecord>::kInsertSql =
    "INSERT INTO messages (run_id, inference, seq, source, destination, words, "
    "bytes, start_s, end_s, energy_j) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
const absl::string_view RecordCodec<MessageRecord>::kSelectSql =
    "SELECT inference, seq, source, destination, words, bytes, start_s, end_s, "
    "energy_j FROM messages WHERE run_id = ?1 ORDER BY rowid";

absl::Status RecordCodec<MessageRecord>::Validate(const MessageRecord& r,
                                                  int chip_count) {
  RETURN_IF_ERROR(
      CheckChip("source", r.source, MessageRecord::kCoordinator, chip_count));
  RETURN_IF_ERROR(CheckChip("destination", r.destination,
                            MessageRecord::kCoordinator, chip_count));
  return CheckInterval(r.start_s, r.end_s);
}

absl::Status RecordCodec<MessageRecord>::Bind(Statement& stmt,
                                              const MessageRecord& r) {
  RETURN_IF_ERROR(stmt.BindInt64(2, r.inference));
  RETURN_IF_ERROR(stmt.BindInt64(3, r.seq));
  RETURN_IF_ERROR(stmt.BindInt64(4, r.source));
  RETURN_IF_ERROR(stmt.BindInt64(5, r.destination));
  RETURN_IF_ERROR(stmt.BindInt64(6, r.words));
  RETURN_IF_ERROR(stmt.BindInt64(7, r.bytes));
  RETURN_IF_ERROR(stmt.BindDouble(8, r.start_s));
  RETURN_IF_ERROR(stmt.BindDouble(9, r.end_s));
  return stmt.BindDouble(10, r.energy_j);
}

void RecordCodec<MessageRecord>::Read(const Statement& stmt, MessageRecord* r) {
  r->inference = stmt.ColumnInt64(0);
  r->seq = stmt.ColumnInt64(1);
  r->source = static_cast<int>(stmt.ColumnInt64(2));
  r->destination = static_cast<int>(stmt.ColumnInt64(3));
  r->words = stmt.ColumnInt64(4);
  r->bytes = stmt.ColumnInt64(5);
  r->start_s = stmt.ColumnDouble(6);
  r->end_s = stmt.ColumnDouble(7);
  r->energy_j = stmt.ColumnDouble(8);
}

// ---- layer_executions ----
const absl::string_view RecordCodec<LayerExecutionRecord>::kTable =
    "layer_executions";
const absl::string_view RecordCodec<LayerExecutionRecord>::kInsertSql =
    "INSERT INTO layer_executions (run_id, inference, chip, op, out_begin, "
    "out_end, cycles, start_s, end_s, energy_j) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
const absl::string_view RecordCodec<LayerExecutionRecord>::kSelectSql =
    "SELECT inference, chip, op, out_begin, out_end, cycles, start_s, end_s, "
    "energy_j FROM layer_executions WHERE run_id = ?1 ORDER BY rowid";

absl::Status RecordCodec<LayerExecutionRecord>::Validate(
    const LayerExecutionRecord& r, int chip_count) {
  RETURN_IF_ERROR(CheckChip("chip", r.chip, 0, chip_count));
  RETURN_IF_ERROR(CheckRange(r.out_begin, r.out_end));
  return CheckInterval(r.start_s, r.end_s);
}

absl::Status RecordCodec<LayerExecutionRecord>::Bind(
    Statement& stmt, const LayerExecutionRecord& r) {
  RETURN_IF_ERROR(stmt.BindInt64(2, r.inference));
  RETURN_IF_ERROR(stmt.BindInt64(3, r.chip));
  RETURN_IF_ERROR(stmt.BindText(4, r.op));
  RETURN_IF_ERROR(stmt.BindInt64(5, r.out_begin));
  RETURN_IF_ERROR(stmt.BindInt64(6, r.out_end));
  RETURN_IF_ERROR(stmt.BindInt64(7, r.cycles));
  RETURN_IF_ERROR(stmt.BindDouble(8, r.start_s));
  RETURN_IF_ERROR(stmt.BindDouble(9, r.end_s));
  return stmt.BindDouble(10, r.energy_j);
}

void RecordCodec<LayerExecutionRecord>::Read(const Statement& stmt,
                                             LayerExecutionRecord* r) {
  r->inference = stmt.ColumnInt64(0);
  r->chip = static_cast<int>(stmt.ColumnInt64(1));
  r->op = stmt.ColumnText(2);
  r->out_begin = stmt.ColumnInt64(3);
  r->out_end = stmt.ColumnInt64(4);
  r->cycles = stmt.ColumnInt64(5);
  r->start_s = stmt.ColumnDouble(6);
  r->end_s = stmt.ColumnDouble(7);
  r->energy_j = stmt.ColumnDouble(8);
}

// ---- chip_wear ----
const absl::string_view RecordCodec<ChipWearRecord>::kTable = "chip_wear";
const absl::string_view RecordCodec<ChipWearRecord>::kInsertSql =
    "INSERT INTO chip_wear (run_id, inference, chip, virtual_chip, write_count, "
    "pending, remaps, offset) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
const absl::string_view RecordCodec<ChipWearRecord>::kSelectSql =
    "SELECT inference, chip, virtual_chip, write_count, pending, remaps, offset "
    "FROM chip_wear WHERE run_id = ?1 ORDER BY rowid";

absl::Status RecordCodec<ChipWearRecord>::Validate(const ChipWearRecord& r, int chip_count) {
  RETURN_IF_ERROR(CheckChip("chip", r.chip, 0, chip_count));
  RETURN_IF_ERROR(CheckChip("virtual_chip", r.virtual_chip, 0, chip_count));
  if (r.write_count < 0 || r.pending < 0 || r.remaps < 0 || r.offset < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "chip_wear counts must be >= 0; got write_count ", r.write_count, ", pending ",
        r.pending, ", remaps ", r.remaps, ", offset ", r.offset));
  }
  return absl::OkStatus();
}

absl::Status RecordCodec<ChipWearRecord>::Bind(Statement& stmt, const ChipWearRecord& r) {
  RETURN_IF_ERROR(stmt.BindInt64(2, r.inference));
  RETURN_IF_ERROR(stmt.BindInt64(3, r.chip));
  RETURN_IF_ERROR(stmt.BindInt64(4, r.virtual_chip));
  RETURN_IF_ERROR(stmt.BindInt64(5, r.write_count));
  RETURN_IF_ERROR(stmt.BindInt64(6, r.pending));
  RETURN_IF_ERROR(stmt.BindInt64(7, r.remaps));
  return stmt.BindInt64(8, r.offset);
}

void RecordCodec<ChipWearRecord>::Read(const Statement& stmt, ChipWearRecord* r) {
  r->inference = stmt.ColumnInt64(0);
  r->chip = static_cast<int>(stmt.ColumnInt64(1));
  r->virtual_chip = static_cast<int>(stmt.ColumnInt64(2));
  r->write_count = stmt.ColumnInt64(3);
  r->pending = stmt.ColumnInt64(4);
  r->remaps = stmt.ColumnInt64(5);
  r->offset = stmt.ColumnInt64(6);
}

// ---- wear_events ----
const absl::string_view RecordCodec<WearEventRecord>::kTable = "wear_events";
const absl::string_view RecordCodec<WearEventRecord>::kInsertSql =
    "INSERT INTO wear_events (run_id, inference, seq, kind, chip, other_chip, "
    "virtual_chip, shift, writes, eps) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
const absl::string_view RecordCodec<WearEventRecord>::kSelectSql =
    "SELECT inference, seq, kind, chip, other_chip, virtual_chip, shift, writes, eps "
    "FROM wear_events WHERE run_id = ?1 ORDER BY rowid";

absl::Status RecordCodec<WearEventRecord>::Validate(const WearEventRecord& r, int chip_count) {
  if (r.kind != "remap" && r.kind != "swap") {
    return absl::InvalidArgumentError(
        absl::StrCat("wear_events kind must be 'remap' or 'swap'; got '", r.kind, "'"));
  }
  RETURN_IF_ERROR(CheckChip("chip", r.chip, 0, chip_count));
  RETURN_IF_ERROR(CheckChip("virtual_chip", r.virtual_chip, 0, chip_count));
  if (r.kind == "swap") return CheckChip("other_chip", r.other_chip, 0, chip_count);
  return absl::OkStatus();
}

absl::Status RecordCodec<WearEventRecord>::Bind(Statement& stmt, const WearEventRecord& r) {
  RETURN_IF_ERROR(stmt.BindInt64(2, r.inference));
  RETURN_IF_ERROR(stmt.BindInt64(3, r.seq));
  RETURN_IF_ERROR(stmt.BindText(4, r.kind));
  RETURN_IF_ERROR(stmt.BindInt64(5, r.chip));
  RETURN_IF_ERROR(stmt.BindInt64(6, r.other_chip));
  RETURN_IF_ERROR(stmt.BindInt64(7, r.virtual_chip));
  RETURN_IF_ERROR(stmt.BindInt64(8, r.shift));
  RETURN_IF_ERROR(stmt.BindInt64(9, r.writes));
  return stmt.BindDouble(10, r.eps);
}

void RecordCodec<WearEventRecord>::Read(const Statement& stmt, WearEventRecord* r) {
  r->inference = stmt.ColumnInt64(0);
  r->seq = stmt.ColumnInt64(1);
  r->kind = stmt.ColumnText(2);
  r->chip = static_cast<int>(stmt.ColumnInt64(3));
  r->other_chip = static_cast<int>(stmt.ColumnInt64(4));
  r->virtual_chip = static_cast<int>(stmt.ColumnInt64(5));
  r->shift = stmt.ColumnInt64(6);
  r->writes = stmt.ColumnInt64(7);
  r->eps = stmt.ColumnDouble(8);
}

// ---- endurer_states ----
const absl::string_view RecordCodec<EndurerStateRecord>::kTable = "endurer_states";
const absl::string_view RecordCodec<EndurerStateRecord>::kInsertSql =
    "INSERT INTO endurer_states (run_id, inference, mode, swap_count, eps, state) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
const absl::string_view RecordCodec<EndurerStateRecord>::kSelectSql =
    "SELECT inference, mode, swap_count, eps, state FROM endurer_states "
    "WHERE run_id = ?1 ORDER BY rowid";

absl::Status RecordCodec<EndurerStateRecord>::Validate(const EndurerStateRecord& r,
                                                       int chip_count) {
  if (r.state.empty()) {
    return absl::InvalidArgumentError("endurer_states state text is empty");
  }
  if (r.swap_count < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("endurer_states swap_count must be >= 0; got ", r.swap_count));
  }
  return absl::OkStatus();
}

absl::Status RecordCodec<EndurerStateRecord>::Bind(Statement& stmt,
                                                   const EndurerStateRecord& r) {
  RETURN_IF_ERROR(stmt.BindInt64(2, r.inference));
  RETURN_IF_ERROR(stmt.BindText(3, r.mode));
  RETURN_IF_ERROR(stmt.BindInt64(4, r.swap_count));
  RETURN_IF_ERROR(stmt.BindDouble(5, r.eps));
  return stmt.BindText(6, r.state);
}

void RecordCodec<EndurerStateRecord>::Read(const Statement& stmt, EndurerStateRecord* r) {
  r->inference = stmt.ColumnInt64(0);
  r->mode = stmt.ColumnText(1);
  r->swap_count = stmt.ColumnInt64(2);
  r->eps = stmt.ColumnDouble(3);
  r->state = stmt.ColumnText(4);
}

}  // namespace illusion::store
