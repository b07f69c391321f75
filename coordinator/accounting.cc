#include "coordinator/accounting.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace illusion::coordinator {

absl::StatusOr<Account> AccountRun(const RunRecord& record,
                                   const illusion::v1::ChipModel& model) {
  Account account;
  account.inferences = static_cast<int>(record.inferences.size());
  account.time_ns = record.end_ns;
  account.chips.resize(std::max(record.num_chips, 0));
  for (int k = 0; k < static_cast<int>(account.chips.size()); ++k) account.chips[k].chip = k;
  std::vector<int64_t> last_end(account.chips.size(), 0);
  for (const WakeUpRecord& w : record.wake_ups) {
    if (w.chip < 0 || w.chip >= record.num_chips) {
      return absl::InvalidArgumentError(absl::StrCat("wake-up '", w.label, "' ran on chip ",
                                                     w.chip, "; the run has chips 0..",
                                                     record.num_chips - 1));
    }
    if (w.end_ns > record.end_ns) {
      return absl::InvalidArgumentError(absl::StrCat("wake-up '", w.label, "' on chip ", w.chip,
                                                     " ends at ", w.end_ns,
                                                     " ns, after the run's end ", record.end_ns,
                                                     " ns"));
    }
    ChipAccount& c = account.chips[w.chip];
    c.wakeups += 1;
    c.active_j += w.energy.active_j;
    c.wakeup_j += w.energy.wakeup_j;
    c.shutdown_j += w.energy.shutdown_j;
    c.sleep_j += w.energy.sleep_j;  // the kOff interval before this wake-up
    c.mac_j += w.energy.mac_j;
    c.nvm_read_j += w.energy.nvm_read_j;
    c.nvm_write_j += w.energy.nvm_write_j;
    c.link_j += w.energy.link_j;
    for (const chipd::PowerInterval& i : w.intervals) {
      if (i.state == chipd::PowerState::kOff) continue;
      c.busy_ns += i.end_ns - i.start_ns;
      if (i.state == chipd::PowerState::kActive) c.active_ns += i.end_ns - i.start_ns;
    }
    last_end[w.chip] = std::max(last_end[w.chip], w.end_ns);
  }
  for (ChipAccount& c : account.chips) {
    const int64_t tail_ns = record.end_ns - last_end[c.chip];
    c.sleep_j += model.sleep_power_w() * static_cast<double>(tail_ns) * 1e-9;
    c.sleep_ns = record.end_ns - c.busy_ns;
    account.energy_j += c.total_j();
    account.sleep_j += c.sleep_j;
  }
  for (const MessageRecord& m : record.messages) {
    if (m.source == partitioner::kHost) account.host_link_j += m.link_j;
  }
  return account;
}

absl::StatusOr<Report> MakeReport(Account run, Account baseline) {
  if (baseline.energy_j <= 0 || baseline.time_ns <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("baseline has energy ", baseline.energy_j,
                                                   " J and time ", baseline.time_ns,
                                                   " ns; both must be positive"));
  }
  if (run.inferences != baseline.inferences) {
    return absl::InvalidArgumentError(absl::StrCat("run has ", run.inferences,
                                                   " inferences; baseline has ",
                                                   baseline.inferences));
  }
  Report report;
  report.energy_ratio = run.energy_j / baseline.energy_j;
  report.time_ratio = static_cast<double>(run.time_ns) / static_cast<double>(baseline.time_ns);
  report.edp_ratio = run.edp_js() / baseline.edp_js();
  report.run = std::move(run);
  report.baseline = std::move(baseline);
  return report;
}

namespace {

void AppendAccount(const std::string& title, const Account& a, std::string* out) {
  absl::StrAppendFormat(out, "%s: %d inference(s)\n", title, a.inferences);
  absl::StrAppendFormat(out, "  %4s %5s %12s %12s %12s %12s %12s %12s\n", "chip", "wakes",
                        "busy_ms", "active_uJ", "wake+shut_uJ", "sleep_uJ", "dynamic_uJ",
                        "total_uJ");
  for (const ChipAccount& c : a.chips) {
    absl::StrAppendFormat(out, "  %4d %5d %12.3f %12.3f %12.4f %12.4f %12.4f %12.3f\n", c.chip,
                          c.wakeups, c.busy_ns * 1e-6, c.active_j * 1e6,
                          (c.wakeup_j + c.shutdown_j) * 1e6, c.sleep_j * 1e6,
                          (c.mac_j + c.nvm_read_j + c.nvm_write_j + c.link_j) * 1e6,
                          c.total_j() * 1e6);
  }
  absl::StrAppendFormat(out, "  system: energy %.6g J (sleep %.4g J), time %.6g s, EDP %.6g J*s\n",
                        a.energy_j, a.sleep_j, a.time_s(), a.edp_js());
}

}  // namespace

std::string FormatReport(const Report& report) {
  std::string out;
  AppendAccount("run", report.run, &out);
  if (report.baseline.chips.empty()) return out + "no baseline run (no ratios)\n";
  AppendAccount("baseline", report.baseline, &out);
  absl::StrAppendFormat(&out, "ratios vs baseline: energy %.4f, time %.4f, EDP %.4f\n",
                        report.energy_ratio, report.time_ratio, report.edp_ratio);
  return out;
}

}  // namespace illusion::coordinator
