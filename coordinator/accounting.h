#ifndef ILLUSION_COORDINATOR_ACCOUNTING_H_
#define ILLUSION_COORDINATOR_ACCOUNTING_H_

// Energy, time and EDP of a run on the global virtual timeline, the way the
// paper's analysis counts them (hardware_measurements.md §2.2), per physical
// chip and for the system, and the ratios against a baseline (the ideal
// chip).
//
// T_total = RunRecord::end_ns: the end of the last wake-up or message.
// Per chip:
//   active, wake-up, shut-down, mac, nvm read/write and link energy: the sums
//   of what the chip reported per wake-up (ExecuteEnergy);
//   sleep: leakage for EVERY moment in [0, T_total] the chip is not waking,
//   active or shutting down, including before its first and after its last
//   wake-up, and for chips that never woke. The chip already charges the
//   sleep before each wake-up (ExecuteEnergy::sleep_j, its kOff interval from
//   its previous activity or time 0 to the wake-up pulse), so we take those
//   and add only the tail sleep_power_w x (T_total - last end). No interval
//   is counted twice: the identity sleep_j == sleep_power_w x sleep_ns (with
//   sleep_ns = T_total - busy_ns) holds up to rounding and is tested.
// System: energy = the sum of every chip's parts (exactly, in a fixed order),
// time = T_total, EDP = energy x time. Link energy of the host's own messages
// is reported apart (host_link_j) and not in the system energy: the master
// is outside the measured chip rails.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "coordinator/run_record.h"
#include "proto/illusion/v1/chip_model.pb.h"

namespace illusion::coordinator {

// One physical chip's account. Plain value type.
struct ChipAccount {
  int chip = 0;
  int wakeups = 0;
  int64_t busy_ns = 0;   // waking + active + shutting down
  int64_t active_ns = 0;
  int64_t sleep_ns = 0;  // T_total - busy_ns
  double active_j = 0;
  double wakeup_j = 0;
  double shutdown_j = 0;
  double sleep_j = 0;
  double mac_j = 0;
  double nvm_read_j = 0;
  double nvm_write_j = 0;
  double link_j = 0;
  double total_j() const {
    return active_j + wakeup_j + shutdown_j + sleep_j + mac_j + nvm_read_j + nvm_write_j +
           link_j;
  }
};

// A run's account. Plain value type.
struct Account {
  std::vector<ChipAccount> chips;  // by physical chip id
  int inferences = 0;
  int64_t time_ns = 0;   // T_total
  double energy_j = 0;   // sum of the chips' total_j()
  double sleep_j = 0;    // the leakage part of energy_j
  double host_link_j = 0;  // host-sent words, not in energy_j
  double time_s() const { return static_cast<double>(time_ns) * 1e-9; }
  double edp_js() const { return energy_j * time_s(); }
};

// Accounts `record` for chips of `model` (sleep_power_w). InvalidArgument
// when the record has a wake-up of a chip outside [0, record.num_chips) or
// one that ends after record.end_ns.
absl::StatusOr<Account> AccountRun(const RunRecord& record, const illusion::v1::ChipModel& model);

// A run against its baseline. Plain value type.
struct Report {
  Account run;
  Account baseline;
  double energy_ratio = 0;  // run / baseline
  double time_ratio = 0;
  double edp_ratio = 0;
};

// The report of `run` vs `baseline`. InvalidArgument when the baseline's
// energy or time is 0 or the inference counts differ (both named).
absl::StatusOr<Report> MakeReport(Account run, Account baseline);

// A human-readable table: per-chip rows, system totals, baseline, ratios
// (a report without a baseline, i.e. no baseline chips, says so instead).
std::string FormatReport(const Report& report);

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_ACCOUNTING_H_
