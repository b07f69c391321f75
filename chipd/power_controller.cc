#include "chipd/power_controller.h"

#include <cmath>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace illusion::chipd {
namespace {

// Intervals one Execute usually records: sleep until its start, waking,
// active, shutting down.
constexpr size_t kIntervalsPerWakeUp = 4;

constexpr double kNsPerSecond = 1e9;

double Seconds(int64_t ns) { return static_cast<double>(ns) / kNsPerSecond; }

absl::Status CheckNonNegative(absl::string_view what, double value) {
  if (std::isfinite(value) && value >= 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "power parameter '", what, "' is ", value, "; must be finite and >= 0"));
}

ABSL_ATTRIBUTE_NOINLINE absl::Status DurationError(absl::string_view action,
                                                   int64_t duration_ns) {
  return absl::InvalidArgumentError(
      absl::StrCat(action, " duration is ", duration_ns, " ns; must be >= 0"));
}

absl::Status CheckDuration(absl::string_view action, int64_t duration_ns) {
  if (ABSL_PREDICT_TRUE(duration_ns >= 0)) return absl::OkStatus();
  return DurationError(action, duration_ns);
}

}  // namespace

absl::string_view PowerStateName(PowerState state) {
  switch (state) {
    case PowerState::kOff:
      return "off";
    case PowerState::kWaking:
      return "waking";
    case PowerState::kActive:
      return "active";
    case PowerState::kShuttingDown:
      return "shutting_down";
  }
  return "unknown";
}

PowerParams PowerParams::FromChipModel(const illusion::v1::ChipModel& model) {
  PowerParams params;
  params.active_power_w = model.active_power_w();
  params.sleep_power_w = model.sleep_power_w();
  params.wakeup_latency_ns =
      std::llround(model.wakeup_latency_s() * kNsPerSecond);
  params.wakeup_energy_j = model.wakeup_energy_j();
  params.shutdown_latency_ns =
      std::llround(model.shutdown_latency_s() * kNsPerSecond);
  params.shutdown_energy_j = model.shutdown_energy_j();
  return params;
}

absl::StatusOr<std::unique_ptr<PowerController>> PowerController::Create(
    const PowerParams& params, int64_t start_ns) {
  for (const auto& [what, value] :
       {std::pair<absl::string_view, double>{"active_power_w",
                                             params.active_power_w},
        {"sleep_power_w", params.sleep_power_w},
        {"wakeup_latency_ns", static_cast<double>(params.wakeup_latency_ns)},
        {"wakeup_energy_j", params.wakeup_energy_j},
        {"shutdown_latency_ns",
         static_cast<double>(params.shutdown_latency_ns)},
        {"shutdown_energy_j", params.shutdown_energy_j}}) {
    absl::Status status = CheckNonNegative(what, value);
    if (!status.ok()) return status;
  }
  return std::unique_ptr<PowerController>(
      new PowerController(params, start_ns));
}

absl::StatusOr<std::unique_ptr<PowerController>> PowerController::Create(
    const illusion::v1::ChipModel& model, int64_t start_ns) {
  return Create(PowerParams::FromChipModel(model), start_ns);
}

absl::Status PowerController::StateError(PowerState wanted,
                                         absl::string_view action) const {
  return absl::FailedPreconditionError(absl::StrCat(
      "cannot ", action, ": chip is ", PowerStateName(state_),
      " at t=", now_ns_, " ns; ", action, " needs ", PowerStateName(wanted)));
}

void PowerController::Record(PowerState state, int64_t duration_ns,
                             double energy_j) {
  // Transitions are recorded even with zero latency so that every wake-up and
  // shutdown shows in the log; zero-length compute or sleep is dropped.
  const bool transition =
      state == PowerState::kWaking || state == PowerState::kShuttingDown;
  if (duration_ns == 0 && !transition) return;
  if (!transition && !intervals_.empty() && intervals_.back().state == state &&
      intervals_.back().end_ns == now_ns_) {
    intervals_.back().end_ns += duration_ns;
    intervals_.back().energy_j += energy_j;
  } else {
    intervals_.push_back({state, now_ns_, now_ns_ + duration_ns, energy_j});
  }
  now_ns_ += duration_ns;
}

absl::Status PowerController::Wake() {
  absl::Status status = CheckState(PowerState::kOff, "wake");
  if (!status.ok()) return status;
  Record(PowerState::kWaking, params_.wakeup_latency_ns,
         params_.wakeup_energy_j);
  energy_.wakeup_j += params_.wakeup_energy_j;
  stats_.waking_ns += params_.wakeup_latency_ns;
  ++stats_.wakeups;
  state_ = PowerState::kActive;
  return absl::OkStatus();
}

absl::Status PowerController::Sleep() {
  absl::Status status = CheckState(PowerState::kActive, "sleep");
  if (!status.ok()) return status;
  Record(PowerState::kShuttingDown, params_.shutdown_latency_ns,
         params_.shutdown_energy_j);
  energy_.shutdown_j += params_.shutdown_energy_j;
  stats_.shutting_down_ns += params_.shutdown_latency_ns;
  ++stats_.shutdowns;
  state_ = PowerState::kOff;
  return absl::OkStatus();
}

absl::Status PowerController::EnsureAwake(bool auto_wake) {
  if (state_ == PowerState::kActive) return absl::OkStatus();
  if (!auto_wake) {
    return absl::FailedPreconditionError(
        absl::StrCat("chip is ", PowerStateName(state_), " at t=", now_ns_,
                     " ns and auto-wake is disabled; wake it first"));
  }
  return Wake();
}

absl::Status PowerController::AdvanceActive(int64_t duration_ns) {
  absl::Status status = CheckState(PowerState::kActive, "compute");
  if (status.ok()) status = CheckDuration("active", duration_ns);
  if (!status.ok()) return status;
  const double energy_j = params_.active_power_w * Seconds(duration_ns);
  Record(PowerState::kActive, duration_ns, energy_j);
  energy_.active_j += energy_j;
  stats_.active_ns += duration_ns;
  return absl::OkStatus();
}

absl::Status PowerController::AdvanceIdle(int64_t duration_ns) {
  absl::Status status = CheckState(PowerState::kOff, "idle");
  if (status.ok()) status = CheckDuration("idle", duration_ns);
  if (!status.ok()) return status;
  const double energy_j = params_.sleep_power_w * Seconds(duration_ns);
  Record(PowerState::kOff, duration_ns, energy_j);
  energy_.sleep_j += energy_j;
  stats_.off_ns += duration_ns;
  return absl::OkStatus();
}

absl::Status PowerController::SleepUntil(int64_t time_ns) {
  absl::Status status = CheckState(PowerState::kOff, "sleep until");
  if (!status.ok()) return status;
  if (time_ns < now_ns_) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot sleep until t=", time_ns,
                     " ns: it is before the chip's time t=", now_ns_, " ns"));
  }
  return AdvanceIdle(time_ns - now_ns_);
}

std::vector<PowerInterval> PowerController::TakeIntervals() {
  std::vector<PowerInterval> taken = std::move(intervals_);
  intervals_.clear();
  intervals_.reserve(kIntervalsPerWakeUp);  // one block, not a doubling chain
  return taken;
}

void PowerController::TakeIntervalsInto(IntervalList* out) {
  out->assign(intervals_.begin(), intervals_.end());
  intervals_.clear();
}

}  // namespace illusion::chipd
