#include "coordinator/in_process_fleet.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace illusion::coordinator {

absl::StatusOr<std::unique_ptr<InProcessFleet>> InProcessFleet::Create(
    int num_chips, const illusion::v1::ChipModel& model,
    const chipd::ChipRuntimeOptions& options) {
  if (num_chips < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("in-process fleet needs at least 1 chip; got ", num_chips));
  }
  std::vector<std::unique_ptr<chipd::ChipRuntime>> chips;
  chips.reserve(num_chips);
  for (int k = 0; k < num_chips; ++k) {
    ASSIGN_OR_RETURN(std::unique_ptr<chipd::ChipRuntime> chip,
                     chipd::ChipRuntime::Create(k, model, options));
    chips.push_back(std::move(chip));
  }
  return std::unique_ptr<InProcessFleet>(new InProcessFleet(std::move(chips)));
}

absl::Status InProcessFleet::CheckChip(int chip) const {
  if (chip < 0 || chip >= size()) {
    return absl::NotFoundError(absl::StrCat("chip ", chip, " is not in the in-process fleet of ",
                                            size(), " chips (ids 0..", size() - 1, ")"));
  }
  return absl::OkStatus();
}

absl::Status InProcessFleet::LoadSlice(int chip, chipd::SliceBundle bundle) {
  RETURN_IF_ERROR(CheckChip(chip));
  return chips_[chip]->LoadSlice(std::move(bundle)).status();
}

absl::StatusOr<chipd::ExecuteResult> InProcessFleet::Execute(
    int chip, const chipd::ExecuteRequest& request) {
  RETURN_IF_ERROR(CheckChip(chip));
  return chips_[chip]->Execute(request);
}

absl::Status InProcessFleet::ConfigureWear(int chip, const chipd::WearConfig& config) {
  RETURN_IF_ERROR(CheckChip(chip));
  return chips_[chip]->ConfigureWear(config);
}

absl::StatusOr<chipd::WearReport> InProcessFleet::GetWear(int chip, bool include_cells) {
  RETURN_IF_ERROR(CheckChip(chip));
  return chips_[chip]->Wear(include_cells);
}

absl::StatusOr<chipd::RemapOutcome> InProcessFleet::Remap(int chip,
                                                          std::optional<uint32_t> shift) {
  RETURN_IF_ERROR(CheckChip(chip));
  return chips_[chip]->Remap(shift);
}

absl::StatusOr<chipd::NvmImage> InProcessFleet::ExportNvm(int chip) {
  RETURN_IF_ERROR(CheckChip(chip));
  return chips_[chip]->ExportNvm();
}

absl::Status InProcessFleet::ImportNvm(int chip, const chipd::NvmImage& image) {
  RETURN_IF_ERROR(CheckChip(chip));
  return chips_[chip]->ImportNvm(image);
}

std::string InProcessFleet::Describe(int chip) const {
  return absl::StrCat("in-process chip ", chip);
}

const chipd::ChipRuntime* InProcessFleet::chip(int chip) const {
  if (chip < 0 || chip >= size()) return nullptr;
  return chips_[chip].get();
}

}  // namespace illusion::coordinator
