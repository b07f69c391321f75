#include "partitioner/slice_buffers.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace illusion::partitioner {
namespace {

// Builds the buffers of one chip. Not thread-safe; one per call.
class BufferCollector {
 public:
  BufferCollector(const Partition& p, const nn::Graph& g) : p_(p), g_(g) {}

  absl::Status Touch(const std::string& tensor, nn::Range bytes, int step) {
    const nn::TensorSpec* spec = g_.FindTensor(tensor);
    if (spec == nullptr) spec = p_.FindAux(tensor);
    if (spec == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown tensor '", tensor, "'"));
    }
    if (bytes.size() <= 0) bytes = {0, spec->byte_size()};
    auto [it, inserted] = index_.emplace(tensor, buffers_.size());
    if (inserted) {
      buffers_.push_back(Entry{tensor, {}, step, step});
    }
    Entry& e = buffers_[it->second];
    e.ranges.push_back(bytes);
    e.first = std::min(e.first, step);
    e.last = std::max(e.last, step);
    return absl::OkStatus();
  }

  // Extends the lifetime only (reads do not add bytes unless nothing is held).
  absl::Status Read(const std::string& tensor, nn::Range bytes, int step) {
    auto it = index_.find(tensor);
    if (it == index_.end()) return Touch(tensor, bytes, step);
    buffers_[it->second].last = std::max(buffers_[it->second].last, step);
    return absl::OkStatus();
  }

  std::vector<SliceBuffer> Finish() const {
    std::vector<SliceBuffer> out;
    for (const Entry& e : buffers_) {
      std::vector<nn::Range> r = e.ranges;
      std::sort(r.begin(), r.end(),
                [](const nn::Range& a, const nn::Range& b) { return a.begin < b.begin; });
      int64_t bytes = 0, end = 0;
      for (const nn::Range& x : r) {
        const int64_t b = std::max(x.begin, end);
        if (x.end > b) bytes += x.end - b;
        end = std::max(end, x.end);
      }
      out.push_back(SliceBuffer{e.tensor, bytes, e.first, e.last});
    }
    return out;
  }

 private:
  struct Entry {
    std::string tensor;
    std::vector<nn::Range> ranges;
    int first = 0;
    int last = 0;
  };
  const Partition& p_;
  const nn::Graph& g_;
  std::vector<Entry> buffers_;
  std::map<std::string, size_t> index_;
};

nn::Range UnitBytes(const nn::TensorSpec& spec, int64_t units, nn::Range r) {
  const int64_t unit = units > 0 ? spec.byte_size() / units : spec.byte_size();
  return {r.begin * unit, r.end * unit};
}

}  // namespace

absl::StatusOr<std::vector<SliceBuffer>> SliceBuffers(const Partition& partition,
                                                      const nn::Graph& graph, int chip) {
  if (chip < 0 || chip >= static_cast<int>(partition.chips.size())) {
    return absl::InvalidArgumentError(absl::StrCat("chip index ", chip, " outside [0, ",
                                                   partition.chips.size(), ")"));
  }
  BufferCollector c(partition, graph);
  for (const MessagePlan* m : partition.Inbound(chip)) {
    for (const Segment& s : m->payload) {
      if (!s.is_constant()) {
        absl::Status st = c.Touch(s.tensor, s.bytes, 0);
        if (!st.ok()) return st;
      }
    }
  }
  const std::vector<ChipStep>& steps = partition.chips[chip].steps;
  const int send_step = static_cast<int>(steps.size()) + 1;
  for (int i = 0; i < static_cast<int>(steps.size()); ++i) {
    const ChipStep& s = steps[i];
    const int k = i + 1;
    const nn::Op* op = graph.FindOp(s.op);
    if (op == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("graph has no op '", s.op, "'"));
    }
    absl::Status st;
    if (s.guard.has_value()) st.Update(c.Read(s.guard->tensor, {}, k));
    const std::string psum = PartialSumTensor(s.op);
    switch (s.kind) {
      case StepKind::kOutputRange:
      case StepKind::kLstmUnits:
        for (const nn::TensorSpec& in : op->inputs()) st.Update(c.Read(in.name, {}, k));
        for (const nn::TensorSpec& o : op->outputs()) {
          st.Update(c.Touch(o.name, UnitBytes(o, op->output_units(), s.out), k));
        }
        break;
      case StepKind::kPartialSums:
        st.Update(c.Read(op->inputs()[0].name,
                         UnitBytes(op->inputs()[0], op->input_units(), s.in), k));
        st.Update(c.Touch(psum, {}, k));
        break;
      case StepKind::kFinishPartialSums:
        st.Update(c.Read(psum, {}, k));
        st.Update(c.Touch(op->outputs()[0].name,
                          UnitBytes(op->outputs()[0], op->output_units(), s.out), k));
        break;
    }
    if (!st.ok()) return st;
  }
  for (const MessagePlan* m : partition.Outbound(chip)) {
    for (const Segment& s : m->payload) {
      if (s.is_constant()) continue;
      absl::Status st = c.Read(s.tensor, s.bytes, send_step);
      if (!st.ok()) return st;
    }
  }
  return c.Finish();
}

int64_t LivePeakBytes(const std::vector<SliceBuffer>& buffers) {
  int last = 0;
  for (const SliceBuffer& b : buffers) last = std::max(last, b.last_step);
  int64_t peak = 0;
  for (int step = 0; step <= last; ++step) {
    int64_t live = 0;
    for (const SliceBuffer& b : buffers) {
      if (b.first_step <= step && step <= b.last_step) live += b.bytes;
    }
    peak = std::max(peak, live);
  }
  return peak;
}

}  // namespace illusion::partitioner
