#ifndef ILLUSION_COORDINATOR_WEAR_ROUTED_FLEET_H_
#define ILLUSION_COORDINATOR_WEAR_ROUTED_FLEET_H_

// RoutedFleet: a ChipFleet seen through a routing table, so that a virtual
// chip (a role: chip k of a partition) can move to another physical chip
// while the experiment runner keeps addressing it as k. This is how the
// coordinator re-routes messages after a Distributed ENDURER swap
// (specs/distributed_endurer.md §1.7: the hot virtual chip's image moves to
// the least-written physical chip and the master's routing follows v2p).
//
// Chip k of this fleet is physical chip PhysicalOf(k) of the underlying
// fleet; the table starts as the identity and is always a permutation of
// 0..size()-1.

#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "coordinator/chip_fleet.h"

namespace illusion::coordinator {

// Borrows the physical fleet, which must outlive it. Thread-safe: the table
// is guarded by a mutex; calls are forwarded to the (thread-safe) physical
// fleet. Swap routes only between inferences (the runner's OnInference),
// when no call is in flight.
class RoutedFleet : public ChipFleet {
 public:
  explicit RoutedFleet(ChipFleet* physical);

  int size() const override { return size_; }
  absl::Status LoadSlice(int chip, chipd::SliceBundle bundle) override;
  absl::StatusOr<chipd::ExecuteResult> Execute(int chip,
                                               const chipd::ExecuteRequest& request) override;
  // The physical chip's own description while the route is the identity,
  // else "virtual chip k on <physical description>".
  std::string Describe(int chip) const override;

  absl::Status ConfigureWear(int chip, const chipd::WearConfig& config) override;
  absl::StatusOr<chipd::WearReport> GetWear(int chip, bool include_cells) override;
  absl::StatusOr<chipd::RemapOutcome> Remap(int chip, std::optional<uint32_t> shift) override;
  absl::StatusOr<chipd::NvmImage> ExportNvm(int chip) override;
  absl::Status ImportNvm(int chip, const chipd::NvmImage& image) override;

  // The physical chip hosting virtual chip `chip` (-1 outside the fleet).
  int PhysicalOf(int chip) const;
  // The virtual chip physical chip `physical` hosts (-1 outside the fleet).
  int VirtualOf(int physical) const;
  // The whole table, virtual -> physical.
  std::vector<int> Routes() const;
  // Exchanges the physical chips of virtual chips `a` and `b`. NotFound for
  // a chip outside [0, size()).
  absl::Status SwapRoutes(int a, int b);

  ChipFleet& physical() { return *physical_; }

 private:
  // The physical chip of `chip`, or NotFound naming it and the fleet size.
  absl::StatusOr<int> Route(int chip) const;

  ChipFleet* const physical_;
  const int size_;
  mutable absl::Mutex mu_;
  std::vector<int> v2p_ ABSL_GUARDED_BY(mu_);
};

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_WEAR_ROUTED_FLEET_H_
