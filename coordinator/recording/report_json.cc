#include "coordinator/recording/report_json.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "chipd/power_controller.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace illusion::coordinator {
namespace {

using Json = nlohmann::json;                 // parsing
using OrderedJson = nlohmann::ordered_json;  // writing: fields in a stable order

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kIntMax = std::numeric_limits<int>::max();

// ---- Writing ----

// nlohmann writes NaN and infinities as null; say so explicitly.
OrderedJson Real(double v) {
  if (!std::isfinite(v)) return nullptr;
  return v;
}

OrderedJson TimelineJson(const ChipTimeline& t, int64_t time_ns) {
  OrderedJson j = OrderedJson::object();
  j["wakeups"] = t.wakeups;
  j["first_wake_ns"] = t.first_wake_ns;
  j["last_off_ns"] = t.last_off_ns;
  j["waking_ns"] = t.waking_ns;
  j["active_ns"] = t.active_ns;
  j["shutting_down_ns"] = t.shutting_down_ns;
  j["sleep_ns"] = t.sleep_ns;
  j["longest_sleep_ns"] = t.longest_sleep_ns;
  j["duty_cycle"] = Real(t.duty_cycle(time_ns));
  return j;
}

OrderedJson ChipJson(const ChipAccount& c, double time_s, const ChipTimeline* timeline,
                     int64_t time_ns) {
  OrderedJson j = OrderedJson::object();
  j["chip"] = c.chip;
  j["wakeups"] = c.wakeups;
  j["busy_ns"] = c.busy_ns;
  j["active_ns"] = c.active_ns;
  j["sleep_ns"] = c.sleep_ns;
  j["active_j"] = Real(c.active_j);
  j["wakeup_j"] = Real(c.wakeup_j);
  j["shutdown_j"] = Real(c.shutdown_j);
  j["sleep_j"] = Real(c.sleep_j);
  j["mac_j"] = Real(c.mac_j);
  j["nvm_read_j"] = Real(c.nvm_read_j);
  j["nvm_write_j"] = Real(c.nvm_write_j);
  j["link_j"] = Real(c.link_j);
  j["total_j"] = Real(c.total_j());
  j["edp_js"] = Real(c.total_j() * time_s);
  if (timeline != nullptr) j["timeline"] = TimelineJson(*timeline, time_ns);
  return j;
}

OrderedJson AccountJson(const Account& a, absl::Span<const ChipTimeline> timelines) {
  const bool with_timelines = !timelines.empty() && timelines.size() == a.chips.size();
  ChipAccount sum;  // the system sums by component, in chip order
  for (const ChipAccount& c : a.chips) {
    sum.active_j += c.active_j;
    sum.wakeup_j += c.wakeup_j;
    sum.shutdown_j += c.shutdown_j;
    sum.mac_j += c.mac_j;
    sum.nvm_read_j += c.nvm_read_j;
    sum.nvm_write_j += c.nvm_write_j;
    sum.link_j += c.link_j;
  }
  OrderedJson j = OrderedJson::object();
  j["inferences"] = a.inferences;
  j["time_ns"] = a.time_ns;
  j["time_s"] = Real(a.time_s());
  j["energy_j"] = Real(a.energy_j);
  j["sleep_j"] = Real(a.sleep_j);
  j["host_link_j"] = Real(a.host_link_j);
  j["edp_js"] = Real(a.edp_js());
  j["active_j"] = Real(sum.active_j);
  j["wakeup_j"] = Real(sum.wakeup_j);
  j["shutdown_j"] = Real(sum.shutdown_j);
  j["mac_j"] = Real(sum.mac_j);
  j["nvm_read_j"] = Real(sum.nvm_read_j);
  j["nvm_write_j"] = Real(sum.nvm_write_j);
  j["link_j"] = Real(sum.link_j);
  OrderedJson chips = OrderedJson::array();
  for (size_t k = 0; k < a.chips.size(); ++k) {
    chips.push_back(
        ChipJson(a.chips[k], a.time_s(), with_timelines ? &timelines[k] : nullptr, a.time_ns));
  }
  j["chips"] = std::move(chips);
  return j;
}

// ---- Parsing ----

std::string Describe(const Json& v) {
  std::string text = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return absl::StrCat(v.type_name(), " ", text);
}

absl::Status Bad(const std::string& path, const Json& v, absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("report JSON: ", path, " is ", Describe(v), "; expected ", expected));
}

std::string Join(const std::string& path, absl::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

// The member `key` of `object` (which the caller checked is an object), or
// nullptr when absent and not required.
absl::StatusOr<const Json*> Member(const Json& object, absl::string_view key,
                                   const std::string& path, bool required = true) {
  auto it = object.find(std::string(key));
  if (it == object.end()) {
    if (!required) return nullptr;
    return absl::InvalidArgumentError(
        absl::StrCat("report JSON: ", Join(path, key), " is missing"));
  }
  return &*it;
}

absl::StatusOr<const Json*> Object(const Json& object, absl::string_view key,
                                   const std::string& path, bool required = true) {
  ASSIGN_OR_RETURN(const Json* v, Member(object, key, path, required));
  if (v != nullptr && !v->is_object()) return Bad(Join(path, key), *v, "an object");
  return v;
}

absl::Status Int64(const Json& object, absl::string_view key, const std::string& path, int64_t min,
                   int64_t max, int64_t* out) {
  ASSIGN_OR_RETURN(const Json* v, Member(object, key, path));
  const std::string where = Join(path, key);
  const std::string range = absl::StrCat("an integer in [", min, ", ", max, "]");
  if (!v->is_number_integer()) return Bad(where, *v, range);
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(kInt64Max)) {
    return Bad(where, *v, range);
  }
  const int64_t value = v->get<int64_t>();
  if (value < min || value > max) return Bad(where, *v, range);
  *out = value;
  return absl::OkStatus();
}

absl::Status Int(const Json& object, absl::string_view key, const std::string& path, int64_t min,
                 int* out) {
  int64_t value = 0;
  RETURN_IF_ERROR(Int64(object, key, path, min, kIntMax, &value));
  *out = static_cast<int>(value);
  return absl::OkStatus();
}

// A number, or null for a non-finite value (read back as NaN).
absl::Status Double(const Json& object, absl::string_view key, const std::string& path,
                    double* out) {
  ASSIGN_OR_RETURN(const Json* v, Member(object, key, path));
  if (v->is_null()) {
    *out = std::numeric_limits<double>::quiet_NaN();
    return absl::OkStatus();
  }
  if (!v->is_number()) return Bad(Join(path, key), *v, "a number (or null)");
  *out = v->get<double>();
  return absl::OkStatus();
}

absl::StatusOr<ChipTimeline> ParseTimeline(const Json& j, const std::string& path, int chip) {
  ChipTimeline t;
  t.chip = chip;
  RETURN_IF_ERROR(Int(j, "wakeups", path, 0, &t.wakeups));
  RETURN_IF_ERROR(Int64(j, "first_wake_ns", path, -1, kInt64Max, &t.first_wake_ns));
  RETURN_IF_ERROR(Int64(j, "last_off_ns", path, -1, kInt64Max, &t.last_off_ns));
  RETURN_IF_ERROR(Int64(j, "waking_ns", path, 0, kInt64Max, &t.waking_ns));
  RETURN_IF_ERROR(Int64(j, "active_ns", path, 0, kInt64Max, &t.active_ns));
  RETURN_IF_ERROR(Int64(j, "shutting_down_ns", path, 0, kInt64Max, &t.shutting_down_ns));
  RETURN_IF_ERROR(Int64(j, "sleep_ns", path, 0, kInt64Max, &t.sleep_ns));
  RETURN_IF_ERROR(Int64(j, "longest_sleep_ns", path, 0, kInt64Max, &t.longest_sleep_ns));
  return t;
}

absl::StatusOr<ChipAccount> ParseChip(const Json& j, const std::string& path, int index) {
  if (!j.is_object()) return Bad(path, j, "an object");
  ChipAccount c;
  RETURN_IF_ERROR(Int(j, "chip", path, 0, &c.chip));
  if (c.chip != index) {
    return absl::InvalidArgumentError(absl::StrCat("report JSON: ", path, ".chip is ", c.chip,
                                                   "; chips must be listed in order, expected ",
                                                   index));
  }
  RETURN_IF_ERROR(Int(j, "wakeups", path, 0, &c.wakeups));
  RETURN_IF_ERROR(Int64(j, "busy_ns", path, 0, kInt64Max, &c.busy_ns));
  RETURN_IF_ERROR(Int64(j, "active_ns", path, 0, kInt64Max, &c.active_ns));
  // sleep_ns = T_total - busy_ns may be negative in a malformed record; keep it.
  RETURN_IF_ERROR(
      Int64(j, "sleep_ns", path, std::numeric_limits<int64_t>::min(), kInt64Max, &c.sleep_ns));
  RETURN_IF_ERROR(Double(j, "active_j", path, &c.active_j));
  RETURN_IF_ERROR(Double(j, "wakeup_j", path, &c.wakeup_j));
  RETURN_IF_ERROR(Double(j, "shutdown_j", path, &c.shutdown_j));
  RETURN_IF_ERROR(Double(j, "sleep_j", path, &c.sleep_j));
  RETURN_IF_ERROR(Double(j, "mac_j", path, &c.mac_j));
  RETURN_IF_ERROR(Double(j, "nvm_read_j", path, &c.nvm_read_j));
  RETURN_IF_ERROR(Double(j, "nvm_write_j", path, &c.nvm_write_j));
  RETURN_IF_ERROR(Double(j, "link_j", path, &c.link_j));
  return c;
}

// Parses the account at `path` and, when every chip has one, its timelines.
absl::Status ParseAccount(const Json& j, const std::string& path, Account* account,
                          std::vector<ChipTimeline>* timelines) {
  RETURN_IF_ERROR(Int(j, "inferences", path, 0, &account->inferences));
  RETURN_IF_ERROR(Int64(j, "time_ns", path, 0, kInt64Max, &account->time_ns));
  RETURN_IF_ERROR(Double(j, "energy_j", path, &account->energy_j));
  RETURN_IF_ERROR(Double(j, "sleep_j", path, &account->sleep_j));
  RETURN_IF_ERROR(Double(j, "host_link_j", path, &account->host_link_j));
  ASSIGN_OR_RETURN(const Json* chips, Member(j, "chips", path));
  if (!chips->is_array()) return Bad(Join(path, "chips"), *chips, "an array");
  std::vector<ChipTimeline> found;
  for (size_t k = 0; k < chips->size(); ++k) {
    const std::string chip_path = absl::StrCat(Join(path, "chips"), "[", k, "]");
    ASSIGN_OR_RETURN(ChipAccount c, ParseChip((*chips)[k], chip_path, static_cast<int>(k)));
    account->chips.push_back(c);
    ASSIGN_OR_RETURN(const Json* t, Object((*chips)[k], "timeline", chip_path, false));
    if (t != nullptr) {
      ASSIGN_OR_RETURN(ChipTimeline timeline,
                       ParseTimeline(*t, Join(chip_path, "timeline"), static_cast<int>(k)));
      found.push_back(timeline);
    }
  }
  if (!found.empty() && found.size() != account->chips.size()) {
    return absl::InvalidArgumentError(absl::StrCat("report JSON: ", path, " has timelines for ",
                                                   found.size(), " of its ", account->chips.size(),
                                                   " chips; expected all or none"));
  }
  *timelines = std::move(found);
  return absl::OkStatus();
}

absl::Status ParseHeader(const Json& j, ReportDocument* doc) {
  ASSIGN_OR_RETURN(const Json* format, Member(j, "format", ""));
  if (!format->is_string() || format->get<std::string>() != kReportFormat) {
    return Bad("format", *format, absl::StrCat("\"", kReportFormat, "\""));
  }
  int64_t version = 0;
  RETURN_IF_ERROR(Int64(j, "version", "", 1, kInt64Max, &version));
  if (version > kReportVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "report JSON has version ", version, "; this build reads versions up to ", kReportVersion));
  }
  ASSIGN_OR_RETURN(const Json* kind, Member(j, "kind", ""));
  if (kind->is_string() && kind->get<std::string>() == "account") {
    doc->kind = ReportKind::kAccount;
  } else if (kind->is_string() && kind->get<std::string>() == "report") {
    doc->kind = ReportKind::kReport;
  } else {
    return Bad("kind", *kind, "\"account\" or \"report\"");
  }
  ASSIGN_OR_RETURN(const Json* phase, Member(j, "phase", "", false));
  if (phase != nullptr) {
    if (!phase->is_string()) return Bad("phase", *phase, "a string");
    doc->phase = phase->get<std::string>();
  }
  if (j.contains("baseline_run_id")) {
    RETURN_IF_ERROR(Int64(j, "baseline_run_id", "", 0, kInt64Max, &doc->baseline_run_id));
  }
  return absl::OkStatus();
}

}  // namespace

double ChipTimeline::duty_cycle(int64_t time_ns) const {
  if (time_ns <= 0) return 0;
  return static_cast<double>(waking_ns + active_ns + shutting_down_ns) /
         static_cast<double>(time_ns);
}

absl::StatusOr<std::vector<ChipTimeline>> SummarizeTimelines(const RunRecord& record) {
  const int chips = std::max(record.num_chips, 0);
  std::vector<ChipTimeline> timelines(chips);
  // Busy windows [wake-up pulse, off) per chip.
  std::vector<std::vector<std::pair<int64_t, int64_t>>> windows(chips);
  for (int k = 0; k < chips; ++k) timelines[k].chip = k;
  for (const WakeUpRecord& w : record.wake_ups) {
    if (w.chip < 0 || w.chip >= chips) {
      return absl::InvalidArgumentError(absl::StrCat("wake-up '", w.label, "' of inference ",
                                                     w.inference, " ran on chip ", w.chip,
                                                     "; the run has chips 0..", chips - 1));
    }
    ChipTimeline& t = timelines[w.chip];
    t.wakeups += 1;
    t.first_wake_ns = t.first_wake_ns < 0 ? w.start_ns : std::min(t.first_wake_ns, w.start_ns);
    t.last_off_ns = std::max(t.last_off_ns, w.end_ns);
    for (const chipd::PowerInterval& i : w.intervals) {
      const int64_t d = i.end_ns - i.start_ns;
      switch (i.state) {
        case chipd::PowerState::kOff:
          break;
        case chipd::PowerState::kWaking:
          t.waking_ns += d;
          break;
        case chipd::PowerState::kActive:
          t.active_ns += d;
          break;
        case chipd::PowerState::kShuttingDown:
          t.shutting_down_ns += d;
          break;
      }
    }
    windows[w.chip].emplace_back(w.start_ns, w.end_ns);
  }
  for (int k = 0; k < chips; ++k) {
    ChipTimeline& t = timelines[k];
    t.sleep_ns = record.end_ns - t.waking_ns - t.active_ns - t.shutting_down_ns;
    std::sort(windows[k].begin(), windows[k].end());
    int64_t free_from = 0;  // end of the previous busy window
    for (const auto& [start, end] : windows[k]) {
      t.longest_sleep_ns = std::max(t.longest_sleep_ns, start - free_from);
      free_from = std::max(free_from, end);
    }
    t.longest_sleep_ns = std::max(t.longest_sleep_ns, record.end_ns - free_from);
  }
  return timelines;
}

absl::string_view ReportKindName(ReportKind kind) {
  return kind == ReportKind::kAccount ? "account" : "report";
}

std::string ReportDocumentToJson(const ReportDocument& doc) {
  OrderedJson j = OrderedJson::object();
  j["format"] = kReportFormat;
  j["version"] = kReportVersion;
  j["kind"] = std::string(ReportKindName(doc.kind));
  if (!doc.phase.empty()) j["phase"] = doc.phase;
  if (doc.baseline_run_id != 0) j["baseline_run_id"] = doc.baseline_run_id;
  j["run"] = AccountJson(doc.report.run, doc.run_timelines);
  if (doc.kind == ReportKind::kReport) {
    j["baseline"] = AccountJson(doc.report.baseline, doc.baseline_timelines);
    OrderedJson ratios = OrderedJson::object();
    ratios["energy"] = Real(doc.report.energy_ratio);
    ratios["time"] = Real(doc.report.time_ratio);
    ratios["edp"] = Real(doc.report.edp_ratio);
    j["ratios"] = std::move(ratios);
  }
  return j.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

absl::StatusOr<ReportDocument> ParseReportDocument(absl::string_view json) {
  const Json j = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "report JSON is not valid JSON: '", json.substr(0, 80), json.size() > 80 ? "...'" : "'"));
  }
  if (!j.is_object()) return Bad("the document", j, "an object");
  ReportDocument doc;
  RETURN_IF_ERROR(ParseHeader(j, &doc));
  ASSIGN_OR_RETURN(const Json* run, Object(j, "run", ""));
  RETURN_IF_ERROR(ParseAccount(*run, "run", &doc.report.run, &doc.run_timelines));
  if (doc.kind == ReportKind::kReport) {
    ASSIGN_OR_RETURN(const Json* baseline, Object(j, "baseline", ""));
    RETURN_IF_ERROR(
        ParseAccount(*baseline, "baseline", &doc.report.baseline, &doc.baseline_timelines));
    ASSIGN_OR_RETURN(const Json* ratios, Object(j, "ratios", ""));
    RETURN_IF_ERROR(Double(*ratios, "energy", "ratios", &doc.report.energy_ratio));
    RETURN_IF_ERROR(Double(*ratios, "time", "ratios", &doc.report.time_ratio));
    RETURN_IF_ERROR(Double(*ratios, "edp", "ratios", &doc.report.edp_ratio));
  }
  return doc;
}

std::string AccountToJson(const Account& account, absl::Span<const ChipTimeline> timelines) {
  ReportDocument doc;
  doc.kind = ReportKind::kAccount;
  doc.report.run = account;
  doc.run_timelines.assign(timelines.begin(), timelines.end());
  return ReportDocumentToJson(doc);
}

std::string ReportToJson(const Report& report) {
  ReportDocument doc;
  doc.kind = ReportKind::kReport;
  doc.report = report;
  return ReportDocumentToJson(doc);
}

namespace {

absl::StatusOr<ReportDocument> ParseKind(absl::string_view json, ReportKind want) {
  ASSIGN_OR_RETURN(ReportDocument doc, ParseReportDocument(json));
  if (doc.kind != want) {
    return absl::InvalidArgumentError(absl::StrCat("report JSON has kind \"",
                                                   ReportKindName(doc.kind), "\"; expected \"",
                                                   ReportKindName(want), "\""));
  }
  return doc;
}

}  // namespace

absl::StatusOr<Account> ParseAccountJson(absl::string_view json) {
  ASSIGN_OR_RETURN(ReportDocument doc, ParseKind(json, ReportKind::kAccount));
  return std::move(doc.report.run);
}

absl::StatusOr<Report> ParseReportJson(absl::string_view json) {
  ASSIGN_OR_RETURN(ReportDocument doc, ParseKind(json, ReportKind::kReport));
  return std::move(doc.report);
}

}  // namespace illusion::coordinator
