#ifndef ILLUSION_COORDINATOR_RECORDING_REPORT_JSON_H_
#define ILLUSION_COORDINATOR_RECORDING_REPORT_JSON_H_

// Accounts and reports (coordinator/accounting.h) as JSON documents, the
// form the trace store keeps them in (TraceStore::PutReport) and that
// `illusionctl report/compare` reads back.
//
// One document format, two kinds, snake_case field names, units in the
// names (_j joules, _ns nanoseconds of virtual time, _s seconds, _js J*s):
//
//   {"format": "illusion.report", "version": 1,
//    "kind": "account" | "report",
//    "phase": "run" | "baseline",        optional
//    "baseline_run_id": 12,              optional (store id of the baseline)
//    "run": <account>,
//    "baseline": <account>,              kind "report" only
//    "ratios": {"energy": r, "time": r, "edp": r}}   kind "report" only
//
//   <account> = {"inferences", "time_ns", "time_s", "energy_j", "sleep_j",
//     "host_link_j", "edp_js",
//     "active_j", "wakeup_j", "shutdown_j", "mac_j", "nvm_read_j",
//     "nvm_write_j", "link_j",                    (sums over the chips)
//     "chips": [{"chip", "wakeups", "busy_ns", "active_ns", "sleep_ns",
//                "active_j", "wakeup_j", "shutdown_j", "sleep_j", "mac_j",
//                "nvm_read_j", "nvm_write_j", "link_j", "total_j", "edp_js",
//                "timeline": <timeline>            optional
//               }, ...]}                           chips[k].chip == k
//
//   <timeline> = {"wakeups", "first_wake_ns", "last_off_ns", "waking_ns",
//     "active_ns", "shutting_down_ns", "sleep_ns", "longest_sleep_ns",
//     "duty_cycle"}
//
// A chip's edp_js is its energy x the run's time (its share of the system
// EDP; the shares add up to it). The derived fields (time_s, every edp_js,
// the account's per-component sums, total_j, duty_cycle) are written for
// readers and ignored when parsing: parsing returns exactly the Account, Report and ChipTimeline
// values that were written (doubles are written with the shortest text that
// reads back to the same value; a non-finite double is written as null and
// read back as NaN). Unknown fields are ignored, so later versions may add
// fields; a higher "version" is refused.
//
// Free functions, no state: thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "coordinator/accounting.h"
#include "coordinator/run_record.h"

namespace illusion::coordinator {

// The "format" and "version" every document carries.
inline constexpr char kReportFormat[] = "illusion.report";
inline constexpr int kReportVersion = 1;

// One physical chip's timeline over [0, T_total], summarized. Plain value
// type.
struct ChipTimeline {
  int chip = 0;
  int wakeups = 0;
  int64_t first_wake_ns = -1;  // first wake-up pulse; -1 if it never woke
  int64_t last_off_ns = -1;    // off after its last wake-up; -1 if never woke
  int64_t waking_ns = 0;
  int64_t active_ns = 0;
  int64_t shutting_down_ns = 0;
  int64_t sleep_ns = 0;          // T_total - waking - active - shutting down
  int64_t longest_sleep_ns = 0;  // longest power-gated stretch in [0, T_total]
  // Derived: (waking + active + shutting down) / T_total, 0 when T_total = 0.
  double duty_cycle(int64_t time_ns) const;
};

// One timeline per physical chip of `record` (record.num_chips of them, in
// chip order) from its wake-ups' power intervals, over [0, record.end_ns].
// InvalidArgument naming the wake-up when one ran on a chip outside
// [0, record.num_chips).
absl::StatusOr<std::vector<ChipTimeline>> SummarizeTimelines(const RunRecord& record);

enum class ReportKind { kAccount, kReport };

// "account", "report".
absl::string_view ReportKindName(ReportKind kind);

// Everything a document holds. Plain value type.
struct ReportDocument {
  ReportKind kind = ReportKind::kAccount;
  // "run" or "baseline" (RunPhaseName), or "" when not recorded.
  std::string phase;
  // Trace-store id of the baseline run; 0 = not recorded.
  int64_t baseline_run_id = 0;
  // kAccount: only report.run is meaningful (baseline empty, ratios 0).
  Report report;
  // Empty, or one per chip of report.run / report.baseline (chip order).
  std::vector<ChipTimeline> run_timelines;
  std::vector<ChipTimeline> baseline_timelines;
};

// The document as compact JSON. A timeline list is written only when it has
// one entry per chip of its account; otherwise it is left out (the writer
// never fails).
std::string ReportDocumentToJson(const ReportDocument& document);

// Parses a document. InvalidArgument when the text is not JSON, "format" is
// not kReportFormat, "kind" is unknown, a required field is missing or of the
// wrong type or range, or chips[k].chip != k (each naming the field's path,
// e.g. "run.chips[2].active_j", the bad value and what was expected);
// FailedPrecondition for a version above kReportVersion (naming both).
absl::StatusOr<ReportDocument> ParseReportDocument(absl::string_view json);

// Conveniences: a kAccount document of `account`, a kReport document of
// `report`, and the parsers that require that kind (InvalidArgument naming
// the kind found otherwise).
std::string AccountToJson(const Account& account, absl::Span<const ChipTimeline> timelines = {});
std::string ReportToJson(const Report& report);
absl::StatusOr<Account> ParseAccountJson(absl::string_view json);
absl::StatusOr<Report> ParseReportJson(absl::string_view json);

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_RECORDING_REPORT_JSON_H_
