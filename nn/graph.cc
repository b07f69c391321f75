#include "nn/graph.h"

#include "absl/strings/str_cat.h"

namespace illusion::nn {

const TensorSpec* Graph::FindTensor(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

const TensorSpec* Graph::FindWeight(const std::string& name) const {
  for (const TensorSpec& w : weights_) {
    if (w.name == name) return &w;
  }
  return nullptr;
}

const Op* Graph::FindOp(const std::string& name) const {
  auto it = op_index_.find(name);
  return it == op_index_.end() ? nullptr : it->second;
}

int64_t Graph::weight_bytes() const {
  int64_t total = 0;
  for (const TensorSpec& w : weights_) total += w.byte_size();
  return total;
}

int64_t Graph::macs() const {
  int64_t total = 0;
  for (const auto& op : ops_) total += op->macs();
  return total;
}

GraphBuilder::GraphBuilder(std::string name) : graph_(std::move(name)) {}

void GraphBuilder::AddInput(TensorSpec spec) {
  if (!status_.ok()) return;
  if (graph_.tensors_.count(spec.name) > 0) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat("graph '", graph_.name_, "': tensor '", spec.name,
                     "' is defined twice"));
    return;
  }
  graph_.tensors_[spec.name] = spec;
  producers_[spec.name] = std::nullopt;
  graph_.inputs_.push_back(std::move(spec));
}

const TensorSpec* GraphBuilder::Input(const std::string& op,
                                      const std::string& name) {
  if (!status_.ok()) return nullptr;
  const TensorSpec* spec = graph_.FindTensor(name);
  if (spec == nullptr) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat("graph '", graph_.name_, "': op '", op,
                     "' reads unknown tensor '", name, "'"));
  }
  return spec;
}

void GraphBuilder::AddOp(absl::StatusOr<std::unique_ptr<Op>> op) {
  if (!status_.ok()) return;
  if (!op.ok()) {
    status_ = absl::Status(op.status().code(),
                           absl::StrCat("graph '", graph_.name_, "': ",
                                        op.status().message()));
    return;
  }
  if (graph_.FindOp((*op)->name()) != nullptr) {
    status_ = absl::InvalidArgumentError(absl::StrCat(
        "graph '", graph_.name_, "': op '", (*op)->name(), "' is defined twice"));
    return;
  }
  if (guard_.has_value()) {
    if (graph_.FindTensor(guard_->tensor) == nullptr) {
      status_ = absl::InvalidArgumentError(
          absl::StrCat("graph '", graph_.name_, "': guard of op '", (*op)->name(),
                       "' reads unknown tensor '", guard_->tensor, "'"));
      return;
    }
    (*op)->set_guard(*guard_);
  }
  for (const TensorSpec& out : (*op)->outputs()) {
    auto it = producers_.find(out.name);
    if (it != producers_.end()) {
      // Allowed only for two ops guarded on the same tensor, different values.
      const std::optional<Guard>& prev = it->second;
      const bool exclusive = prev.has_value() && guard_.has_value() &&
                             prev->tensor == guard_->tensor &&
                             prev->value != guard_->value &&
                             graph_.tensors_[out.name].shape == out.shape &&
                             graph_.tensors_[out.name].dtype == out.dtype;
      if (!exclusive) {
        status_ = absl::InvalidArgumentError(
            absl::StrCat("graph '", graph_.name_, "': tensor '", out.name,
                         "' is written twice (op '", (*op)->name(), "')"));
        return;
      }
    }
    producers_[out.name] = guard_;
    graph_.tensors_[out.name] = out;
  }
  for (const TensorSpec& w : (*op)->weights()) {
    const TensorSpec* prev = graph_.FindWeight(w.name);
    if (prev == nullptr) {
      graph_.weights_.push_back(w);
    } else if (prev->shape != w.shape || prev->dtype != w.dtype) {
      status_ = absl::InvalidArgumentError(absl::StrCat(
          "graph '", graph_.name_, "': weight '", w.name, "' is used as ",
          ShapeString(prev->shape), " and as ", ShapeString(w.shape)));
      return;
    }
  }
  graph_.op_index_.emplace((*op)->name(), op->get());
  graph_.ops_.push_back(*std::move(op));
}

void GraphBuilder::Conv2D(const std::string& input, const Conv2DParams& params) {
  const TensorSpec* in = Input(params.name, input);
  if (in == nullptr) return;
  TensorSpec named = *in;
  AddOp(MakeConv2D(params, named));
}

void GraphBuilder::Dense(const std::string& input, const DenseParams& params) {
  const TensorSpec* in = Input(params.name, input);
  if (in == nullptr) return;
  AddOp(MakeDense(params, *in));
}

void GraphBuilder::MaxPool(const std::string& name, const std::string& input,
                           const std::string& output, int shift) {
  const TensorSpec* in = Input(name, input);
  if (in == nullptr) return;
  AddOp(MakeMaxPool(name, output, shift, *in));
}

void GraphBuilder::Argmax(const std::string& name, const std::string& input,
                          const std::string& output) {
  const TensorSpec* in = Input(name, input);
  if (in == nullptr) return;
  AddOp(MakeArgmax(name, output, *in));
}

void GraphBuilder::Branch(const std::string& name, const std::string& q,
                          const std::string& output) {
  const TensorSpec* in = Input(name, q);
  if (in == nullptr) return;
  AddOp(MakeBranch(name, output, *in));
}

void GraphBuilder::Lstm(const std::string& x, const std::string& h0,
                        const std::string& c0, const LstmParams& params) {
  const TensorSpec* xs = Input(params.name, x);
  const TensorSpec* hs = Input(params.name, h0);
  const TensorSpec* cs = Input(params.name, c0);
  if (xs == nullptr || hs == nullptr || cs == nullptr) return;
  AddOp(MakeLstm(params, *xs, *hs, *cs));
}

void GraphBuilder::ResidualAdd(const std::string& name, const std::string& x,
                               const std::string& skip, const std::string& output) {
  const TensorSpec* xs = Input(name, x);
  const TensorSpec* ss = Input(name, skip);
  if (xs == nullptr || ss == nullptr) return;
  AddOp(MakeResidualAdd(name, output, *xs, *ss));
}

void GraphBuilder::GlobalAvgPool(const std::string& name, const std::string& input,
                                 const std::string& output) {
  const TensorSpec* in = Input(name, input);
  if (in == nullptr) return;
  AddOp(MakeGlobalAvgPool(name, output, *in));
}

void GraphBuilder::Embedding(const std::string& name, const std::string& id,
                             const std::string& output, const std::string& table,
                             int64_t vocabulary, int dim) {
  const TensorSpec* in = Input(name, id);
  if (in == nullptr) return;
  AddOp(MakeEmbedding(name, output, table, vocabulary, dim, *in));
}

void GraphBuilder::LmLstmCell(const std::string& x, const std::string& r,
                              const std::string& c, const LmLstmCellParams& params) {
  const TensorSpec* xs = Input(params.name, x);
  const TensorSpec* rs = Input(params.name, r);
  const TensorSpec* cs = Input(params.name, c);
  if (xs == nullptr || rs == nullptr || cs == nullptr) return;
  AddOp(MakeLmLstmCell(params, *xs, *rs, *cs));
}

void GraphBuilder::AddOutput(const std::string& name) {
  if (!status_.ok()) return;
  if (graph_.FindTensor(name) == nullptr) {
    status_ = absl::InvalidArgumentError(absl::StrCat(
        "graph '", graph_.name_, "': output '", name, "' is not a tensor"));
    return;
  }
  graph_.outputs_.push_back(name);
}

absl::StatusOr<Graph> GraphBuilder::Build() {
  if (!status_.ok()) return status_;
  if (graph_.outputs_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("graph '", graph_.name_, "' has no outputs"));
  }
  return std::move(graph_);
}

}  // namespace illusion::nn
