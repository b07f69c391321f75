// Power state machine of one chip in chip-local virtual time.
//
// Chips never sleep in wall-clock time: callers tell the controller how long
// the chip computes (AdvanceActive) or stays asleep (AdvanceIdle, SleepUntil),
// and it records power-state intervals and energy by component. Time is an
// int64 count of nanoseconds since the controller's start (exact; about 292
// years of range; every latency of both shipped models is a whole number of
// ns). Seconds from the ChipModel are rounded to the nearest ns once, at
// construction.
//
//           Wake(): wakeup latency + energy
//   kOff ----------------------------------> kActive   AdvanceActive(d)
//    ^  <----------------------------------     |
//    |      Sleep(): shutdown latency + energy  |
//    AdvanceIdle(d) / SleepUntil(t): leakage
//
// kWaking and kShuttingDown are transitions: they appear in intervals(), but
// state() is always kOff or kActive between calls because a transition
// completes within the call that starts it.

#ifndef ILLUSION_CHIPD_POWER_CONTROLLER_H_
#define ILLUSION_CHIPD_POWER_CONTROLLER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/illusion/v1/chip_model.pb.h"

namespace illusion::chipd {

// Power state of a chip. kOff: power-gated, leaking sleep_power_w; kActive:
// computing at active_power_w; kWaking / kShuttingDown: the transitions.
enum class PowerState { kOff, kWaking, kActive, kShuttingDown };

// "off", "waking", "active", "shutting_down".
absl::string_view PowerStateName(PowerState state);

// Power numbers of one chip, in the controller's units. Plain value.
struct PowerParams {
  double active_power_w = 0;        // while kActive
  double sleep_power_w = 0;         // while kOff (leakage)
  int64_t wakeup_latency_ns = 0;    // length of each kWaking interval
  double wakeup_energy_j = 0;       // total energy of one wake-up
  int64_t shutdown_latency_ns = 0;  // length of each kShuttingDown interval
  double shutdown_energy_j = 0;     // total energy of one shutdown

  // Takes the fields of a validated model; latencies rounded to whole ns.
  static PowerParams FromChipModel(const illusion::v1::ChipModel& model);
};

// One recorded interval [start_ns, end_ns) in one state and its energy.
struct PowerInterval {
  PowerState state = PowerState::kOff;
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  double energy_j = 0;
};

// One wake-up's intervals: usually 4 (asleep, waking, active, shutting
// down), held inline.
using IntervalList = absl::InlinedVector<PowerInterval, 4>;

// Energy by component, joules. Plain value.
struct PowerEnergy {
  double active_j = 0;    // active_power_w x time in kActive
  double sleep_j = 0;     // sleep_power_w x time in kOff
  double wakeup_j = 0;    // wakeups x wakeup_energy_j
  double shutdown_j = 0;  // shutdowns x shutdown_energy_j
  double total_j() const { return active_j + sleep_j + wakeup_j + shutdown_j; }
};

// Counters and time by state since the start. Plain value.
struct PowerStats {
  int64_t wakeups = 0;
  int64_t shutdowns = 0;
  int64_t active_ns = 0;
  int64_t off_ns = 0;
  int64_t waking_ns = 0;
  int64_t shutting_down_ns = 0;
};

// Owns its interval log. Not thread-safe: one owner (the chip runtime) calls
// it, or callers lock. Every failed call leaves the controller unchanged.
class PowerController {
 public:
  // Starts in kOff at time `start_ns`. INVALID_ARGUMENT if a power, energy or
  // latency is negative or not finite.
  static absl::StatusOr<std::unique_ptr<PowerController>> Create(
      const PowerParams& params, int64_t start_ns = 0);
  // Same, with the params of `model` (see PowerParams::FromChipModel).
  static absl::StatusOr<std::unique_ptr<PowerController>> Create(
      const illusion::v1::ChipModel& model, int64_t start_ns = 0);

  PowerController(const PowerController&) = delete;
  PowerController& operator=(const PowerController&) = delete;

  // kOff -> kActive; time advances by the wake-up latency. FAILED_PRECONDITION
  // if the chip is not off.
  absl::Status Wake();
  // kActive -> kOff; time advances by the shutdown latency.
  // FAILED_PRECONDITION if the chip is not active.
  absl::Status Sleep();
  // Returns OK if active. If off: wakes the chip when `auto_wake`, otherwise
  // FAILED_PRECONDITION naming the state.
  absl::Status EnsureAwake(bool auto_wake);

  // Spends `duration_ns` computing. FAILED_PRECONDITION unless active;
  // INVALID_ARGUMENT if negative.
  absl::Status AdvanceActive(int64_t duration_ns);
  // Stays asleep for `duration_ns`, charging leakage. FAILED_PRECONDITION
  // unless off; INVALID_ARGUMENT if negative.
  absl::Status AdvanceIdle(int64_t duration_ns);
  // Stays asleep until time `time_ns`. FAILED_PRECONDITION unless off;
  // INVALID_ARGUMENT if `time_ns` is before now_ns().
  absl::Status SleepUntil(int64_t time_ns);

  PowerState state() const { return state_; }
  // Current chip-local virtual time, ns.
  int64_t now_ns() const { return now_ns_; }
  const PowerParams& params() const { return params_; }
  const PowerEnergy& energy() const { return energy_; }
  const PowerStats& stats() const { return stats_; }
  // Intervals since the start or the last TakeIntervals(), in time order,
  // contiguous; consecutive kActive or kOff intervals are merged. Every
  // wake-up and shutdown has its own interval, of zero length if the model's
  // latency is 0 (accel_rram_28nm).
  const std::vector<PowerInterval>& intervals() const { return intervals_; }
  // Returns the recorded intervals and clears the log (energy and stats keep
  // accumulating). Lets a long-running chip flush intervals to the store.
  std::vector<PowerInterval> TakeIntervals();
  // The same into `*out` (replacing its contents); the log keeps its
  // capacity, so a wake-up allocates nothing for its intervals.
  void TakeIntervalsInto(IntervalList* out);

 private:
  PowerController(const PowerParams& params, int64_t start_ns)
      : params_(params), now_ns_(start_ns) {}

  // Appends [now, now + duration) in `state` with `energy_j`, advances now.
  void Record(PowerState state, int64_t duration_ns, double energy_j);
  // OK when the chip is in `wanted`; the error is built out of line (cold).
  absl::Status CheckState(PowerState wanted, absl::string_view action) const {
    if (ABSL_PREDICT_TRUE(state_ == wanted)) return absl::OkStatus();
    return StateError(wanted, action);
  }
  ABSL_ATTRIBUTE_NOINLINE absl::Status StateError(PowerState wanted,
                                                  absl::string_view action) const;

  const PowerParams params_;
  PowerState state_ = PowerState::kOff;
  int64_t now_ns_;
  PowerEnergy energy_;
  PowerStats stats_;
  std::vector<PowerInterval> intervals_;
};

}  // namespace illusion::chipd

#endif  // ILLUSION_CHIPD_POWER_CONTROLLER_H_
