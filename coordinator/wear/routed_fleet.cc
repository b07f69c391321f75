#include "coordinator/wear/routed_fleet.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace illusion::coordinator {

RoutedFleet::RoutedFleet(ChipFleet* physical)
    : physical_(physical), size_(physical->size()), v2p_(physical->size()) {
  for (int k = 0; k < size_; ++k) v2p_[k] = k;
}

absl::StatusOr<int> RoutedFleet::Route(int chip) const {
  if (chip < 0 || chip >= size_) {
    return absl::NotFoundError(
        absl::StrCat("virtual chip ", chip, " is outside the fleet of ", size_, " chips"));
  }
  absl::MutexLock lock(&mu_);
  return v2p_[chip];
}

int RoutedFleet::PhysicalOf(int chip) const {
  absl::StatusOr<int> p = Route(chip);
  return p.ok() ? *p : -1;
}

int RoutedFleet::VirtualOf(int physical) const {
  absl::MutexLock lock(&mu_);
  auto it = std::find(v2p_.begin(), v2p_.end(), physical);
  return it == v2p_.end() ? -1 : static_cast<int>(it - v2p_.begin());
}

std::vector<int> RoutedFleet::Routes() const {
  absl::MutexLock lock(&mu_);
  return v2p_;
}

absl::Status RoutedFleet::SwapRoutes(int a, int b) {
  RETURN_IF_ERROR(Route(a).status());
  RETURN_IF_ERROR(Route(b).status());
  absl::MutexLock lock(&mu_);
  std::swap(v2p_[a], v2p_[b]);
  return absl::OkStatus();
}

absl::Status RoutedFleet::LoadSlice(int chip, chipd::SliceBundle bundle) {
  ASSIGN_OR_RETURN(const int p, Route(chip));
  return physical_->LoadSlice(p, std::move(bundle));
}

absl::StatusOr<chipd::ExecuteResult> RoutedFleet::Execute(int chip,
                                                          const chipd::ExecuteRequest& request) {
  ASSIGN_OR_RETURN(const int p, Route(chip));
  return physical_->Execute(p, request);
}

std::string RoutedFleet::Describe(int chip) const {
  const int p = PhysicalOf(chip);
  if (p < 0) return absl::StrCat("virtual chip ", chip, " (no such chip)");
  if (p == chip) return physical_->Describe(p);
  return absl::StrCat("virtual chip ", chip, " on ", physical_->Describe(p));
}

absl::Status RoutedFleet::ConfigureWear(int chip, const chipd::WearConfig& config) {
  ASSIGN_OR_RETURN(const int p, Route(chip));
  return physical_->ConfigureWear(p, config);
}

absl::StatusOr<chipd::WearReport> RoutedFleet::GetWear(int chip, bool include_cells) {
  ASSIGN_OR_RETURN(const int p, Route(chip));
  return physical_->GetWear(p, include_cells);
}

absl::StatusOr<chipd::RemapOutcome> RoutedFleet::Remap(int chip, std::optional<uint32_t> shift) {
  ASSIGN_OR_RETURN(const int p, Route(chip));
  return physical_->Remap(p, shift);
}

absl::StatusOr<chipd::NvmImage> RoutedFleet::ExportNvm(int chip) {
  ASSIGN_OR_RETURN(const int p, Route(chip));
  return physical_->ExportNvm(p);
}

absl::Status RoutedFleet::ImportNvm(int chip, const chipd::NvmImage& image) {
  ASSIGN_OR_RETURN(const int p, Route(chip));
  return physical_->ImportNvm(p, image);
}

}  // namespace illusion::coordinator
