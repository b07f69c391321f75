#ifndef ILLUSION_COORDINATOR_SERVER_EXPERIMENT_SPEC_H_
#define ILLUSION_COORDINATOR_SERVER_EXPERIMENT_SPEC_H_

// An ExperimentSpec (proto/illusion/v1/coordinator.proto), as users and
// clients write it, resolved into what the coordinator runs: the defaults
// filled in, every field checked, the raw input files decoded into the host
// tensors of each inference, and a coordinator::ExperimentConfig (without
// fleet factories: the backend is named here, made by the caller).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "coordinator/experiment.h"
#include "nn/executor.h"
#include "nn/graph.h"
#include "nn/workloads.h"
#include "proto/illusion/v1/coordinator.pb.h"

namespace illusion::coordinator {

enum class Backend { kInProcess, kLoopback, kGrpc };

// "in_process", "loopback", "grpc".
absl::string_view BackendName(Backend backend);
// Inverse of BackendName; InvalidArgument naming the value and valid names.
absl::StatusOr<Backend> ParseBackend(absl::string_view name);

// A spec ready to run. Plain value type.
struct ResolvedSpec {
  // The spec with every default filled in (what the store records).
  illusion::v1::ExperimentSpec spec;
  ExperimentConfig config;
  Backend backend = Backend::kLoopback;
  std::vector<std::string> endpoints;  // Backend::kGrpc
};

// Resolves `spec`. InvalidArgument naming the field, its value and what is
// allowed (unknown workload, strategy, schedule or backend; chips or
// memsize_mib contradicting the strategy; input bytes that are not a whole
// number of input tensors; initial_h/c of the wrong size; grpc without
// endpoints; ...); the chip model's own error when it does not load. Greedy
// with `chips` finds the smallest per-chip budget giving at most that many
// chips (partitioner/budget_search.h).
absl::StatusOr<ResolvedSpec> ResolveSpec(const illusion::v1::ExperimentSpec& spec);

// The host tensors of `inferences` inferences from raw input bytes in the
// workload's input format (see ExperimentSpec.input); inference i uses
// tensor i mod N. For the KWS LSTM each inference is one step (frame i mod
// T): the first gets h0/c0 from `initial_h`/`initial_c` (zeros when empty),
// later ones carry the state, and "last" is 1 only for the final step.
absl::StatusOr<std::vector<nn::TensorMap>> DecodeInputs(nn::Workload workload,
                                                        const nn::Graph& graph,
                                                        absl::string_view input,
                                                        absl::string_view initial_h,
                                                        absl::string_view initial_c,
                                                        int inferences);

// How many inferences `input` holds (tensors for the CNNs, frames for the
// LSTM). InvalidArgument when its size is not a whole number of them (the
// size of one named).
absl::StatusOr<int> CountInputTensors(nn::Workload workload, const nn::Graph& graph,
                                      absl::string_view input);

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_SERVER_EXPERIMENT_SPEC_H_
