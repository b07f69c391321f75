#ifndef ILLUSION_COORDINATOR_CHIP_FLEET_H_
#define ILLUSION_COORDINATOR_CHIP_FLEET_H_

// ChipFleet: the coordinator's view of N chips, whatever runs them: N
// ChipRuntime objects in this process (in_process_fleet.h), N chipd
// processes over gRPC, or real boards behind the FPGA master. The experiment
// runner only talks to this interface (leveldb's Env shape).

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "chipd/chip_runtime.h"

namespace illusion::coordinator {

// A fixed set of chips numbered 0..size()-1. Chip k runs the slice of
// physical chip k of a partition. Implementations own their chips (or the
// connections to them) and must be thread-safe: distinct chips may be called
// from different threads. Errors name the chip via Describe().
class ChipFleet {
 public:
  virtual ~ChipFleet() = default;

  // Number of chips.
  virtual int size() const = 0;

  // Loads (replaces) chip `chip`'s slice. NotFound for a chip outside
  // [0, size()); otherwise the chip's own errors (ResourceExhausted when the
  // slice does not fit, InvalidArgument for a malformed slice).
  virtual absl::Status LoadSlice(int chip, chipd::SliceBundle bundle) = 0;

  // Runs one wake-up on chip `chip` (see chipd::ChipRuntime::Execute).
  // NotFound for a chip outside [0, size()); Unavailable when the chip cannot
  // be reached; otherwise the chip's own errors.
  virtual absl::StatusOr<chipd::ExecuteResult> Execute(int chip,
                                                       const chipd::ExecuteRequest& request) = 0;

  // A name for errors and logs: "in-process chip 3", "chipd 127.0.0.1:50053".
  virtual std::string Describe(int chip) const = 0;
};

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_CHIP_FLEET_H_
