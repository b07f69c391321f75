#include "nn/executor.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace illusion::nn {

absl::StatusOr<OpIo> WeightsOf(const Op& op, const WeightMap& weights) {
  OpIo io;
  for (const TensorSpec& spec : op.weights()) {
    auto it = weights.find(spec.name);
    if (it == weights.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "op '", op.name(), "' needs weight '", spec.name, "', which is not loaded"));
    }
    io.weights.push_back(&it->second);
  }
  return io;
}

namespace {

absl::Status CheckGraphInputs(const Graph& graph, const TensorMap& inputs) {
  for (const TensorSpec& spec : graph.inputs()) {
    auto it = inputs.find(spec.name);
    if (it == inputs.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "graph '", graph.name(), "': input '", spec.name, "' (",
          DTypeName(spec.dtype), " ", ShapeString(spec.shape), ") is missing"));
    }
    if (it->second.dtype() != spec.dtype || it->second.shape() != spec.shape) {
      return absl::InvalidArgumentError(absl::StrCat(
          "graph '", graph.name(), "': input '", spec.name, "' must be ",
          DTypeName(spec.dtype), " ", ShapeString(spec.shape), "; got ",
          it->second.DebugString()));
    }
  }
  return absl::OkStatus();
}

// True when the op should run: no guard, or the guard tensor exists and
// holds the guard value.
bool GuardHolds(const Op& op, const TensorMap& env) {
  if (!op.guard().has_value()) return true;
  auto it = env.find(op.guard()->tensor);
  return it != env.end() && it->second.num_elements() > 0 &&
         it->second.at(0) == op.guard()->value;
}

}  // namespace

absl::StatusOr<TensorMap> ExecuteGraph(const Graph& graph,
                                       const WeightMap& weights,
                                       TensorMap inputs,
                                       const ExecuteOptions& options) {
  RETURN_IF_ERROR(CheckGraphInputs(graph, inputs));
  TensorMap env = std::move(inputs);
  for (const auto& op : graph.ops()) {
    if (!options.run_all_branches && !GuardHolds(*op, env)) continue;
    ASSIGN_OR_RETURN(OpIo io, WeightsOf(*op, weights));
    for (const TensorSpec& in : op->inputs()) {
      auto it = env.find(in.name);
      if (it == env.end()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "op '", op->name(), "' reads '", in.name, "', which was not computed"));
      }
      io.inputs.push_back(&it->second);
    }
    ASSIGN_OR_RETURN(std::vector<Tensor> outs, op->Execute(io));
    for (size_t i = 0; i < outs.size(); ++i) {
      env[op->outputs()[i].name] = std::move(outs[i]);
    }
  }
  return env;
}

}  // namespace illusion::nn
