#ifndef ILLUSION_COORDINATOR_BACKENDS_FLEET_FACTORIES_H_
#define ILLUSION_COORDINATOR_BACKENDS_FLEET_FACTORIES_H_

// FleetFactory implementations (coordinator/experiment.h) over chipd
// daemons, for ExperimentConfig::fleet_factory and baseline_fleet_factory:
//
//   ExperimentConfig config;
//   config.fleet_factory = LoopbackFleetFactory();            // N new processes
//   config.fleet_factory = GrpcFleetFactory({"h1:50051", "h2:50051"});  // running daemons
//
// Either way every chip the factory hands out has been Reset to the requested
// model, so its clock is 0 and it holds no slice, as the runner needs.

#include <string>
#include <vector>

#include "coordinator/backends/grpc_fleet.h"
#include "coordinator/backends/loopback_fleet.h"
#include "coordinator/experiment.h"

namespace illusion::coordinator {

// Each call connects a GrpcFleet to the first `chips` endpoints and Resets
// every chip to the requested model (growing a daemon's memory when the
// model asks for it). The daemons are reused, not owned: the fleet only owns
// its connections. FailedPrecondition naming both counts when there are
// fewer endpoints than chips; Unavailable naming the chip and endpoint when
// one is unreachable; InvalidArgument for an invalid model. Calls may run
// one after another on the same daemons (the run, then the baseline), not
// concurrently. The factory is copyable and thread-safe to copy.
FleetFactory GrpcFleetFactory(std::vector<std::string> endpoints, GrpcFleetOptions options = {});

// Each call starts `chips` new chipd processes (LoopbackFleet::Start) and
// Resets every chip to the requested model. The returned fleet is a
// LoopbackFleet: it owns the processes and stops them when destroyed. Errors
// as LoopbackFleet::Start and GrpcFleet::Reset (the processes are stopped).
FleetFactory LoopbackFleetFactory(LoopbackOptions options = {});

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_BACKENDS_FLEET_FACTORIES_H_
