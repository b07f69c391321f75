#include "coordinator/backends/fleet_factories.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace illusion::coordinator {
namespace {

// Resets chips 0..chips-1 of `fleet` to `model`; the error names the chip.
template <typename Fleet>
absl::Status ResetAll(Fleet& fleet, int chips, const illusion::v1::ChipModel& model) {
  for (int k = 0; k < chips; ++k) {
    const absl::Status s = fleet.Reset(k, model);
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat("resetting chip ", k, " to model '",
                                                 model.name(), "': ", s.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

FleetFactory GrpcFleetFactory(std::vector<std::string> endpoints, GrpcFleetOptions options) {
  return [endpoints = std::move(endpoints), options](
             int chips,
             const illusion::v1::ChipModel& model) -> absl::StatusOr<std::unique_ptr<ChipFleet>> {
    if (chips < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("a fleet needs at least 1 chip; asked for ", chips));
    }
    if (static_cast<int>(endpoints.size()) < chips) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the partition needs ", chips, " chips; the gRPC fleet has ", endpoints.size(),
          " endpoints (", absl::StrJoin(endpoints, ", "), ")"));
    }
    ASSIGN_OR_RETURN(std::unique_ptr<GrpcFleet> fleet,
                     GrpcFleet::Connect(std::vector<std::string>(endpoints.begin(),
                                                                 endpoints.begin() + chips),
                                        options));
    RETURN_IF_ERROR(ResetAll(*fleet, chips, model));
    return std::unique_ptr<ChipFleet>(std::move(fleet));
  };
}

FleetFactory LoopbackFleetFactory(LoopbackOptions options) {
  return [options = std::move(options)](
             int chips,
             const illusion::v1::ChipModel& model) -> absl::StatusOr<std::unique_ptr<ChipFleet>> {
    ASSIGN_OR_RETURN(std::unique_ptr<LoopbackFleet> fleet, LoopbackFleet::Start(chips, options));
    // On error the fleet's destructor stops the processes.
    RETURN_IF_ERROR(ResetAll(*fleet, chips, model));
    return std::unique_ptr<ChipFleet>(std::move(fleet));
  };
}

}  // namespace illusion::coordinator
