#include "partitioner/graph_partition.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace illusion::partitioner {
namespace {

using nn::Range;

int64_t UnitBytes(const nn::TensorSpec& spec, int64_t units) {
  return units > 0 ? spec.byte_size() / units : spec.byte_size();
}

// Byte ranges of `want` not covered by `have` (sorted, disjoint).
std::vector<Range> Subtract(Range want, const std::vector<Range>& have) {
  std::vector<Range> missing;
  int64_t at = want.begin;
  for (const Range& h : have) {
    if (h.end <= at || h.begin >= want.end) continue;
    if (h.begin > at) missing.push_back({at, h.begin});
    at = std::max(at, h.end);
  }
  if (at < want.end) missing.push_back({at, want.end});
  return missing;
}

void Add(std::vector<Range>& have, Range r) {
  have.push_back(r);
  std::sort(have.begin(), have.end(),
            [](const Range& a, const Range& b) { return a.begin < b.begin; });
  std::vector<Range> merged;
  for (const Range& h : have) {
    if (!merged.empty() && h.begin <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, h.end);
    } else {
      merged.push_back(h);
    }
  }
  have = std::move(merged);
}

// Bytes of a tensor produced by one wake-up (or the host).
struct Piece {
  int chip = kHost;
  Range bytes;
  std::optional<nn::Guard> guard;
};

// Plans the messages of one partition. Not thread-safe; one per call.
class MessagePlanner {
 public:
  MessagePlanner(const nn::Graph& graph, Partition& partition)
      : graph_(graph), p_(partition) {}

  absl::Status Plan() {
    p_.messages.clear();
    for (const nn::TensorSpec& in : graph_.inputs()) {
      producers_[in.name].push_back(Piece{kHost, {0, in.byte_size()}, {}});
    }
    for (int c = 0; c < static_cast<int>(p_.chips.size()); ++c) {
      for (const ChipStep& step : p_.chips[c].steps) RETURN_IF_ERROR(PlanStep(c, step));
    }
    for (const std::string& out : graph_.outputs()) {
      const nn::TensorSpec* spec = Spec(out);
      if (spec == nullptr) return Unknown(out);
      RETURN_IF_ERROR(Need(kHost, out, {0, spec->byte_size()}));
    }
    // Sender execution order (host first), plan order within a sender.
    std::stable_sort(p_.messages.begin(), p_.messages.end(),
                     [](const MessagePlan& a, const MessagePlan& b) { return a.source < b.source; });
    for (size_t i = 0; i < p_.messages.size(); ++i) p_.messages[i].order = static_cast<int>(i);
    return absl::OkStatus();
  }

 private:
  absl::Status Unknown(const std::string& tensor) {
    return absl::InvalidArgumentError(
        absl::StrCat("graph '", graph_.name(), "' has no tensor '", tensor, "'"));
  }
  const nn::TensorSpec* Spec(const std::string& name) const {
    if (const nn::TensorSpec* s = graph_.FindTensor(name)) return s;
    return p_.FindAux(name);
  }

  MessagePlan& MessageTo(int source, int destination) {
    const auto key = std::make_pair(source, destination);
    auto it = message_index_.find(key);
    if (it == message_index_.end()) {
      MessagePlan m;
      m.source = source;
      m.destination = destination;
      p_.messages.push_back(std::move(m));
      it = message_index_.emplace(key, p_.messages.size() - 1).first;
    }
    return p_.messages[it->second];
  }

  // Makes bytes `want` of `tensor` available on `chip`.
  absl::Status Need(int chip, const std::string& tensor, Range want) {
    const nn::TensorSpec* spec = Spec(tensor);
    if (spec == nullptr) return Unknown(tensor);
    std::vector<Range>& have = have_[{chip, tensor}];
    std::vector<Range> missing = Subtract(want, have);
    if (missing.empty()) return absl::OkStatus();
    std::vector<Range> covered;
    const std::vector<Piece>& pieces = producers_[tensor];
    for (size_t i = 0; i < pieces.size(); ++i) {
      const Piece piece = pieces[i];  // copy: Need() below may grow producers_
      for (const Range& m : missing) {
        const Range part{std::max(m.begin, piece.bytes.begin), std::min(m.end, piece.bytes.end)};
        if (part.size() <= 0) continue;
        Add(covered, part);
        if (piece.chip == chip) continue;
        if (piece.guard.has_value()) {
          RETURN_IF_ERROR(Need(chip, piece.guard->tensor,
                               {0, Spec(piece.guard->tensor)->byte_size()}));
        }
        Segment s;
        s.tensor = tensor;
        s.bytes = part;
        s.encoding = EncodingFor(spec->dtype);
        s.guard = piece.guard;
        MessageTo(piece.chip, chip).payload.push_back(std::move(s));
      }
    }
    for (const Range& m : missing) {
      if (!Subtract(m, covered).empty()) {
        return absl::InternalError(absl::StrCat("no chip before ",
                                                chip == kHost ? std::string("the host")
                                                              : absl::StrCat("chip ", chip),
                                                " produces bytes ", m.DebugString(),
                                                " of tensor '", tensor, "'"));
      }
    }
    // Guarded pieces are alternatives: the bytes count as held either way.
    for (const Range& m : missing) Add(have_[{chip, tensor}], m);
    return absl::OkStatus();
  }

  void Produce(int chip, const std::string& tensor, Range bytes,
               const std::optional<nn::Guard>& guard) {
    producers_[tensor].push_back(Piece{chip, bytes, guard});
    Add(have_[{chip, tensor}], bytes);
  }

  void ProduceOutputs(int chip, const nn::Op& op, Range out,
                      const std::optional<nn::Guard>& guard) {
    for (const nn::TensorSpec& o : op.outputs()) {
      const int64_t unit = UnitBytes(o, op.output_units());
      Produce(chip, o.name, {out.begin * unit, out.end * unit}, guard);
    }
  }

  // The partial-sum chain: the accumulator moves from holder to holder.
  absl::Status TakePartialSums(int chip, const nn::Op& op,
                               const std::optional<nn::Guard>& guard) {
    const std::string psum = PartialSumTensor(op.name());
    auto it = psum_holder_.find(op.name());
    if (it == psum_holder_.end() || it->second == chip) return absl::OkStatus();
    const nn::TensorSpec* spec = Spec(psum);
    Segment s;
    s.tensor = psum;
    s.bytes = {0, spec->byte_size()};
    s.encoding = WordEncoding::kInt32;
    s.guard = guard;
    MessageTo(it->second, chip).payload.push_back(std::move(s));
    return absl::OkStatus();
  }

  absl::Status PlanStep(int chip, const ChipStep& step) {
    const nn::Op* op = graph_.FindOp(step.op);
    if (op == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("graph '", graph_.name(), "' has no op '",
                                                     step.op, "'"));
    }
    if (step.guard.has_value()) {
      const nn::TensorSpec* g = Spec(step.guard->tensor);
      if (g == nullptr) return Unknown(step.guard->tensor);
      RETURN_IF_ERROR(Need(chip, g->name, {0, g->byte_size()}));
    }
    switch (step.kind) {
      case StepKind::kOutputRange:
        for (const nn::TensorSpec& in : op->inputs()) {
          RETURN_IF_ERROR(Need(chip, in.name, {0, in.byte_size()}));
        }
        ProduceOutputs(chip, *op, step.out, step.guard);
        return absl::OkStatus();
      case StepKind::kLstmUnits: {
        const auto& in = op->inputs();
        RETURN_IF_ERROR(Need(chip, in[0].name, {0, in[0].byte_size()}));
        RETURN_IF_ERROR(Need(chip, in[1].name, {0, in[1].byte_size()}));
        const int64_t unit = UnitBytes(in[2], op->output_units());
        RETURN_IF_ERROR(Need(chip, in[2].name, {step.out.begin * unit, step.out.end * unit}));
        ProduceOutputs(chip, *op, step.out, step.guard);
        return absl::OkStatus();
      }
      case StepKind::kPartialSums: {
        const nn::TensorSpec& in = op->inputs()[0];
        const int64_t unit = UnitBytes(in, op->input_units());
        RETURN_IF_ERROR(Need(chip, in.name, {step.in.begin * unit, step.in.end * unit}));
        RETURN_IF_ERROR(TakePartialSums(chip, *op, step.guard));
        psum_holder_[op->name()] = chip;
        return absl::OkStatus();
      }
      case StepKind::kFinishPartialSums:
        RETURN_IF_ERROR(TakePartialSums(chip, *op, step.guard));
        psum_holder_[op->name()] = chip;
        ProduceOutputs(chip, *op, step.out, step.guard);
        return absl::OkStatus();
    }
    return absl::OkStatus();
  }

  const nn::Graph& graph_;
  Partition& p_;
  std::map<std::string, std::vector<Piece>> producers_;
  std::map<std::pair<int, std::string>, std::vector<Range>> have_;
  std::map<std::pair<int, int>, size_t> message_index_;
  std::map<std::string, int> psum_holder_;
};

// Chips being filled in graph order. Not thread-safe; one per call.
class GraphPacker {
 public:
  GraphPacker(const nn::Graph& graph, int64_t memsize)
      : graph_(graph), memsize_(memsize), left_(memsize) {
    p_.strategy = Strategy::kGreedy;
    p_.graph_name = graph.name();
    p_.memsize_bytes = memsize;
  }

  absl::Status PlaceAll() {
    for (const auto& op : graph_.ops()) RETURN_IF_ERROR(PlaceOp(*op));
    return absl::OkStatus();
  }
  Partition& partition() { return p_; }

 private:
  ChipSlice& Current() {
    if (p_.chips.empty()) NewChip();
    return p_.chips.back();
  }
  void NewChip() {
    ChipSlice c;
    c.chip = static_cast<int>(p_.chips.size());
    c.label = std::to_string(c.chip);
    c.mode_word = static_cast<uint16_t>(c.chip + 1);
    p_.chips.push_back(std::move(c));
    left_ = memsize_;
  }
  void Put(const nn::Op& op, StepKind kind, Range out, Range in, int64_t bytes) {
    Current().steps.push_back(ChipStep{kind, op.name(), out, in, op.guard()});
    left_ -= bytes;
  }
  absl::Status TooLarge(const nn::Op& op, absl::string_view unit, int64_t bytes) const {
    return absl::ResourceExhaustedError(absl::StrCat("op '", op.name(), "' needs ", bytes,
                                                     " bytes for ", unit, "; chip budget is ",
                                                     memsize_, " bytes"));
  }

  absl::Status PlaceOp(const nn::Op& op) {
    const StepKind whole_kind =
        op.kind() == nn::OpKind::kLstm ? StepKind::kLstmUnits : StepKind::kOutputRange;
    const int64_t total = op.WeightBytes(op.all_outputs(), op.all_inputs()) +
                          op.BiasBytes(op.all_outputs());
    if (p_.chips.empty()) NewChip();
    if (total <= left_) {
      Put(op, whole_kind, op.all_outputs(), {}, total);
      return absl::OkStatus();
    }
    return SplitsByOutput(op) ? SplitOutputs(op, whole_kind) : SplitInputs(op);
  }

  int64_t OutputBytes(const nn::Op& op, Range out) const {
    return op.WeightBytes(out, op.all_inputs()) + op.BiasBytes(out);
  }

  absl::Status SplitOutputs(const nn::Op& op, StepKind kind) {
    const int64_t units = op.output_units();
    for (int64_t i = 0; i < units; ++i) {
      const int64_t unit = OutputBytes(op, {i, i + 1});
      if (unit > memsize_) return TooLarge(op, absl::StrCat("output unit ", i), unit);
    }
    for (int64_t begin = 0; begin < units;) {
      int64_t end = begin;
      while (end < units && OutputBytes(op, {begin, end + 1}) <= left_) ++end;
      if (end == begin) {
        NewChip();
        continue;
      }
      Put(op, kind, {begin, end}, {}, OutputBytes(op, {begin, end}));
      begin = end;
    }
    return absl::OkStatus();
  }

  absl::Status SplitInputs(const nn::Op& op) {
    const int64_t units = op.input_units();
    const Range all = op.all_outputs();
    for (int64_t i = 0; i < units; ++i) {
      const int64_t unit = op.WeightBytes(all, {i, i + 1});
      if (unit > memsize_) return TooLarge(op, absl::StrCat("input unit ", i), unit);
    }
    const int64_t bias = op.BiasBytes(all);
    if (bias > memsize_) return TooLarge(op, "its biases", bias);
    for (int64_t begin = 0; begin < units;) {
      int64_t end = begin;
      while (end < units && op.WeightBytes(all, {begin, end + 1}) <= left_) ++end;
      if (end == begin) {
        NewChip();
        continue;
      }
      Put(op, StepKind::kPartialSums, all, {begin, end}, op.WeightBytes(all, {begin, end}));
      begin = end;
    }
    if (bias > left_) NewChip();
    Put(op, StepKind::kFinishPartialSums, all, {}, bias);
    return absl::OkStatus();
  }

  const nn::Graph& graph_;
  const int64_t memsize_;
  int64_t left_;
  Partition p_;
};

void AddPartialSumSpecs(const nn::Graph& graph, Partition& p) {
  for (const ChipSlice& c : p.chips) {
    for (const ChipStep& s : c.steps) {
      if (s.kind != StepKind::kPartialSums) continue;
      const nn::Op& op = *graph.FindOp(s.op);
      const std::string name = PartialSumTensor(op.name());
      if (p.FindAux(name) != nullptr) continue;
      p.aux_tensors.push_back(nn::TensorSpec{
          name, nn::DType::kInt32, {op.output_units() * op.partial_sums_per_unit()}, 0});
    }
  }
}

}  // namespace

bool SplitsByOutput(const nn::Op& op) {
  return op.kind() == nn::OpKind::kLstm || op.input_units() == 0 ||
         op.output_units() >= op.input_units();
}

absl::Status PlanGraphMessages(const nn::Graph& graph, Partition& partition) {
  AddPartialSumSpecs(graph, partition);
  return MessagePlanner(graph, partition).Plan();
}

absl::StatusOr<Partition> GreedyGraphPartition(const nn::Graph& graph,
                                               const GraphPartitionOptions& options) {
  if (options.memsize_bytes <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("memsize_bytes must be positive; got ", options.memsize_bytes));
  }
  GraphPacker packer(graph, options.memsize_bytes);
  RETURN_IF_ERROR(packer.PlaceAll());
  Partition& p = packer.partition();
  RETURN_IF_ERROR(ComputeSliceWeightBytes(graph, p));
  RETURN_IF_ERROR(PlanGraphMessages(graph, p));
  return std::move(p);
}

absl::StatusOr<Partition> IdealGraphPartition(const nn::Graph& graph) {
  Partition p;
  p.strategy = Strategy::kIdeal;
  p.graph_name = graph.name();
  ChipSlice c;
  c.label = "0";
  c.mode_word = 1;
  for (const auto& op : graph.ops()) {
    const StepKind kind =
        op->kind() == nn::OpKind::kLstm ? StepKind::kLstmUnits : StepKind::kOutputRange;
    c.steps.push_back(ChipStep{kind, op->name(), op->all_outputs(), {}, op->guard()});
  }
  p.chips.push_back(std::move(c));
  RETURN_IF_ERROR(ComputeSliceWeightBytes(graph, p));
  RETURN_IF_ERROR(PlanGraphMessages(graph, p));
  return p;
}

}  // namespace illusion::partitioner
