#ifndef ILLUSION_COORDINATOR_IN_PROCESS_FLEET_H_
#define ILLUSION_COORDINATOR_IN_PROCESS_FLEET_H_

// InProcessFleet: a ChipFleet of N chipd::ChipRuntime objects in this process,
// all of one chip model. Used by tests, sweeps and large chip counts, where
// starting one chipd process per chip is not worth it.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "chipd/chip_runtime.h"
#include "chipd/nvm_wear.h"
#include "coordinator/chip_fleet.h"
#include "proto/illusion/v1/chip_model.pb.h"

namespace illusion::coordinator {

// Owns its N runtimes. Thread-safe: the chip vector never changes after
// Create and every ChipRuntime locks internally.
class InProcessFleet : public ChipFleet {
 public:
  // `num_chips` chips with ids 0..num_chips-1, each created with `model` and
  // `options`. InvalidArgument when num_chips < 1 or the model is invalid
  // (naming the model and field).
  static absl::StatusOr<std::unique_ptr<InProcessFleet>> Create(
      int num_chips, const illusion::v1::ChipModel& model,
      const chipd::ChipRuntimeOptions& options = {});

  int size() const override { return static_cast<int>(chips_.size()); }
  absl::Status LoadSlice(int chip, chipd::SliceBundle bundle) override;
  absl::StatusOr<chipd::ExecuteResult> Execute(int chip,
                                               const chipd::ExecuteRequest& request) override;
  std::string Describe(int chip) const override;
  // NVM wear levelling: forwarded to the chip's ChipRuntime.
  absl::Status ConfigureWear(int chip, const chipd::WearConfig& config) override;
  absl::StatusOr<chipd::WearReport> GetWear(int chip, bool include_cells) override;
  absl::StatusOr<chipd::RemapOutcome> Remap(int chip, std::optional<uint32_t> shift) override;
  absl::StatusOr<chipd::NvmImage> ExportNvm(int chip) override;
  absl::Status ImportNvm(int chip, const chipd::NvmImage& image) override;

  // The runtime of chip `chip` (for stats); nullptr outside [0, size()).
  const chipd::ChipRuntime* chip(int chip) const;

 private:
  explicit InProcessFleet(std::vector<std::unique_ptr<chipd::ChipRuntime>> chips)
      : chips_(std::move(chips)) {}
  absl::Status CheckChip(int chip) const;

  const std::vector<std::unique_ptr<chipd::ChipRuntime>> chips_;
};

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_IN_PROCESS_FLEET_H_
