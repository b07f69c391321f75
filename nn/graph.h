#ifndef ILLUSION_NN_GRAPH_H_
#define ILLUSION_NN_GRAPH_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nn/op.h"
#include "nn/ops.h"
#include "nn/tensor.h"

namespace illusion::nn {

// A validated, topologically ordered DNN: graph inputs, ops (each possibly
// guarded by a branch decision), declared outputs and the specs of every
// activation and weight tensor. The graph holds no weight values (see
// weights.h), so the same graph serves bit-exact runs and cost-only analysis.
// Built with GraphBuilder; immutable and safe to share across threads.
class Graph {
 public:
  Graph(Graph&&) = default;
  Graph& operator=(Graph&&) = default;

  const std::string& name() const { return name_; }
  const std::vector<TensorSpec>& inputs() const { return inputs_; }
  const std::vector<std::string>& outputs() const { return outputs_; }
  const std::vector<std::unique_ptr<Op>>& ops() const { return ops_; }
  // Every weight tensor, in first-use order, each once.
  const std::vector<TensorSpec>& weights() const { return weights_; }

  // The spec of a graph input or op output; nullptr when unknown.
  const TensorSpec* FindTensor(const std::string& name) const;
  // The spec of a weight tensor; nullptr when unknown.
  const TensorSpec* FindWeight(const std::string& name) const;
  // The op with this name; nullptr when unknown.
  const Op* FindOp(const std::string& name) const;

  // Totals over all ops (both branches of a guarded graph).
  int64_t weight_bytes() const;
  int64_t macs() const;

 private:
  friend class GraphBuilder;
  explicit Graph(std::string name) : name_(std::move(name)) {}

  std::string name_;
  std::vector<TensorSpec> inputs_;
  std::vector<std::string> outputs_;
  std::vector<std::unique_ptr<Op>> ops_;
  std::vector<TensorSpec> weights_;
  // Hashed: runtimes look tensors and ops up by name on every wake-up.
  // Node-based, so a spec's address stays fixed while the builder adds more.
  absl::node_hash_map<std::string, TensorSpec> tensors_;
  absl::flat_hash_map<std::string, const Op*> op_index_;  // into ops_
};

// Builds a Graph op by op, inferring every output spec. The first error is
// kept and returned by Build(); later calls after an error are ignored, so a
// workload can be written as a straight sequence of calls. Not thread-safe.
class GraphBuilder {
 public:
  explicit GraphBuilder(std::string name);

  void AddInput(TensorSpec spec);
  // Subsequent ops carry this guard until ClearGuard().
  void SetGuard(Guard guard) { guard_ = std::move(guard); }
  void ClearGuard() { guard_.reset(); }

  void Conv2D(const std::string& input, const Conv2DParams& params);
  void Dense(const std::string& input, const DenseParams& params);
  void MaxPool(const std::string& name, const std::string& input,
               const std::string& output, int shift);
  void Argmax(const std::string& name, const std::string& input,
              const std::string& output);
  void Branch(const std::string& name, const std::string& q,
              const std::string& output);
  void Lstm(const std::string& x, const std::string& h0, const std::string& c0,
            const LstmParams& params);

  // Scaled-out ops (ops.h): x + skip with an option-A shortcut; global
  // average pool.
  void ResidualAdd(const std::string& name, const std::string& x,
                   const std::string& skip, const std::string& output);
  void GlobalAvgPool(const std::string& name, const std::string& input,
                     const std::string& output);

  // Scaled-out LSTM LM ops (ops.h).
  void Embedding(const std::string& name, const std::string& id,
                 const std::string& output, const std::string& table,
                 int64_t vocabulary, int dim);
  void LmLstmCell(const std::string& x, const std::string& r, const std::string& c,
                  const LmLstmCellParams& params);

  void AddOutput(const std::string& name);

  // The graph, or the first error met while building it.
  absl::StatusOr<Graph> Build();

 private:
  const TensorSpec* Input(const std::string& op, const std::string& name);
  void AddOp(absl::StatusOr<std::unique_ptr<Op>> op);

  Graph graph_;
  std::optional<Guard> guard_;
  absl::Status status_;
  // Output tensors defined under a guard: name -> guard value, so that two
  // exclusive branches may define the same tensor.
  std::map<std::string, std::optional<Guard>> producers_;
};

}  // namespace illusion::nn

#endif  // ILLUSION_NN_GRAPH_H_
