#ifndef ILLUSION_NN_EXECUTOR_H_
#define ILLUSION_NN_EXECUTOR_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "nn/graph.h"
#include "nn/tensor.h"
#include "nn/weights.h"

namespace illusion::nn {

// Tensors by name: graph inputs going in, every computed tensor coming out.
using TensorMap = std::map<std::string, Tensor>;

struct ExecuteOptions {
  // Run every op regardless of its guard (both D2NN branches), for tests that
  // check the tensors of the branch not taken. Default: honour guards.
  bool run_all_branches = false;
};

// Runs a whole graph on one host, in op order: the golden model. Returns the
// inputs plus every tensor computed. Errors: InvalidArgument for a missing or
// mis-shaped input or weight (named). Thread-safe (no shared state).
absl::StatusOr<TensorMap> ExecuteGraph(const Graph& graph,
                                       const WeightMap& weights,
                                       TensorMap inputs,
                                       const ExecuteOptions& options = {});

// Gathers the weight tensors of `op` from `weights` (InvalidArgument naming
// the first missing one).
absl::StatusOr<OpIo> WeightsOf(const Op& op, const WeightMap& weights);

}  // namespace illusion::nn

#endif  // ILLUSION_NN_EXECUTOR_H_
