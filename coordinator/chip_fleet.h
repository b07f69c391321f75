#ifndef ILLUSION_COORDINATOR_CHIP_FLEET_H_
#define ILLUSION_COORDINATOR_CHIP_FLEET_H_

// ChipFleet: the coordinator's view of N chips, whatever runs them: N
// ChipRuntime objects in this process (in_process_fleet.h), N chipd
// processes over gRPC, or real boards behind the FPGA master. The experiment
// runner only talks to this interface (leveldb's Env shape).

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "chipd/chip_runtime.h"
#include "chipd/nvm_wear.h"

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

  // NVM wear levelling (chipd/nvm_wear.h). Fleets that cannot do it keep
  // these defaults, which return Unimplemented naming the chip. NotFound for
  // a chip outside [0, size()).
  //
  // Replaces chip `chip`'s NVM write path with a fresh one configured by
  // `config` (counters zeroed). InvalidArgument for a bad field.
  virtual absl::Status ConfigureWear(int chip, const chipd::WearConfig& config) {
    return NoWear(chip);
  }
  // The chip's wear state; the per-cell counts only with `include_cells`.
  virtual absl::StatusOr<chipd::WearReport> GetWear(int chip, bool include_cells) {
    return NoWear(chip);
  }
  // One local remap by `shift` (in [1, M-1]) or by a shift the chip draws.
  virtual absl::StatusOr<chipd::RemapOutcome> Remap(int chip, std::optional<uint32_t> shift) {
    return NoWear(chip);
  }
  // Flushes the write cache and returns the segment's raw contents.
  virtual absl::StatusOr<chipd::NvmImage> ExportNvm(int chip) { return NoWear(chip); }
  // Overwrites the whole segment with `image` (M counted writes) and adopts
  // its offset; InvalidArgument when its size is not M.
  virtual absl::Status ImportNvm(int chip, const chipd::NvmImage& image) { return NoWear(chip); }

 protected:
  absl::Status NoWear(int chip) const {
    return absl::UnimplementedError(
        absl::StrCat(Describe(chip), " does not support NVM wear levelling"));
  }
};

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_CHIP_FLEET_H_
