#include "partitioner/paper/paper_partition.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "nn/graph.h"

namespace illusion::partitioner {
namespace {

using nn::Guard;
using nn::Range;
using nn::Workload;

constexpr char kPath[] = "path";
constexpr char kLast[] = "last";

Guard PathIs(int value) { return Guard{kPath, value}; }
Guard LastIs(int value) { return Guard{kLast, value}; }

std::string PsumOf(const std::string& op) { return PartialSumTensor(op); }

// Accumulates a partition step by step; the first error is kept. Not
// thread-safe; lives for one PaperPartitionFor call and borrows the graph.
class Builder {
 public:
  Builder(const nn::Graph& graph, Workload workload, PaperMode mode, bool nv)
      : graph_(graph) {
    p_.strategy = Strategy::kPaper;
    p_.graph_name = std::string(nn::WorkloadName(workload));
    p_.mode = mode;
    p_.d2nn_nv = nv;
  }

  // Adds a wake-up of physical chip `chip`; returns its index.
  int Chip(int chip, std::string label = "", int resumes = -1) {
    ChipSlice c;
    c.chip = chip;
    c.label = label.empty() ? std::to_string(chip) : std::move(label);
    c.resumes = resumes;
    absl::StatusOr<uint16_t> word = ModeWord(p_.mode, chip);
    if (!word.ok()) Fail(word.status());
    c.mode_word = word.value_or(0);
    p_.chips.push_back(std::move(c));
    return static_cast<int>(p_.chips.size()) - 1;
  }

  // Output units `out` of `op` (all when out is empty).
  void Out(int chip, const std::string& op, Range out = {}, std::optional<Guard> g = {}) {
    const nn::Op* o = FindOp(op);
    if (o == nullptr) return;
    if (out.size() == 0) out = o->all_outputs();
    p_.chips[chip].steps.push_back(ChipStep{StepKind::kOutputRange, op, out, Range{}, g});
  }
  void Lstm(int chip, Range units) {
    if (FindOp("lstm") == nullptr) return;
    p_.chips[chip].steps.push_back(ChipStep{StepKind::kLstmUnits, "lstm", units, Range{}, {}});
  }
  void Psum(int chip, const std::string& op, Range in, std::optional<Guard> g = {}) {
    const nn::Op* o = FindOp(op);
    if (o == nullptr) return;
    p_.chips[chip].steps.push_back(
        ChipStep{StepKind::kPartialSums, op, o->all_outputs(), in, g});
    AddPsumSpec(*o);
  }
  void Finish(int chip, const std::string& op, std::optional<Guard> g = {}) {
    const nn::Op* o = FindOp(op);
    if (o == nullptr) return;
    p_.chips[chip].steps.push_back(
        ChipStep{StepKind::kFinishPartialSums, op, o->all_outputs(), Range{}, g});
  }

  // Adds a message; returns its index.
  int Msg(int source, int destination, std::optional<Guard> g = {}, bool via_master = false) {
    MessagePlan m;
    m.order = static_cast<int>(p_.messages.size());
    m.source = source;
    m.destination = destination;
    m.guard = std::move(g);
    m.via_master = via_master;
    p_.messages.push_back(std::move(m));
    return static_cast<int>(p_.messages.size()) - 1;
  }
  // Bytes [begin, end) of `tensor` (the whole tensor when end == 0), in the
  // encoding of its dtype.
  void Seg(int msg, const std::string& tensor, int64_t begin = 0, int64_t end = 0,
           std::optional<Guard> g = {}) {
    const nn::TensorSpec* spec = FindSpec(tensor);
    if (spec == nullptr) return;
    if (end == 0) end = spec->byte_size();
    WordEncoding e = EncodingFor(spec->dtype);
    if (tensor == kPath) e = WordEncoding::kWordPerInt8;
    p_.messages[msg].payload.push_back(Segment{tensor, Range{begin, end}, e, 0, std::move(g)});
  }
  void Const(int msg, uint16_t value) {
    Segment s;
    s.constant = value;
    p_.messages[msg].payload.push_back(std::move(s));
  }

  void AddAux(nn::TensorSpec spec) {
    for (const nn::TensorSpec& s : p_.aux_tensors) {
      if (s.name == spec.name) return;
    }
    p_.aux_tensors.push_back(std::move(spec));
  }

  absl::StatusOr<Partition> Finish() {
    if (!status_.ok()) return status_;
    RETURN_IF_ERROR(ComputeSliceWeightBytes(graph_, p_));
    return std::move(p_);
  }

 private:
  void Fail(absl::Status s) {
    if (status_.ok()) status_ = std::move(s);
  }
  const nn::Op* FindOp(const std::string& op) {
    const nn::Op* o = graph_.FindOp(op);
    if (o == nullptr) Fail(absl::InternalError(absl::StrCat("graph has no op '", op, "'")));
    return o;
  }
  const nn::TensorSpec* FindSpec(const std::string& tensor) {
    if (const nn::TensorSpec* s = graph_.FindTensor(tensor)) return s;
    for (const nn::TensorSpec& s : p_.aux_tensors) {
      if (s.name == tensor) return &s;
    }
    Fail(absl::InternalError(absl::StrCat("no tensor '", tensor, "'")));
    return nullptr;
  }
  void AddPsumSpec(const nn::Op& o) {
    AddAux(nn::TensorSpec{PsumOf(o.name()), nn::DType::kInt32, {o.output_units()}, 8});
  }

  const nn::Graph& graph_;
  Partition p_;
  absl::Status status_;
};

// One chip running every op of the graph whole (guards kept); the d2nn path
// comes from the host.
void Target(Builder& b, const nn::Graph& graph, Workload w) {
  const int c = b.Chip(0);
  for (const auto& op : graph.ops()) {
    if (op->kind() == nn::OpKind::kBranch) continue;
    b.Out(c, op->name(), {}, op->guard());
  }
  const int in = b.Msg(kHost, c);
  if (w == Workload::kD2nn) b.Seg(in, kPath);
  b.Seg(in, nn::kInputTensor);
  b.Seg(b.Msg(c, kHost), nn::kClassTensor);
}

void Mnist(Builder& b, int chips) {
  if (chips == 4) {
    for (int k = 0; k < 4; ++k) b.Chip(k);
    b.Out(0, "layer1"), b.Out(0, "layer2"), b.Out(0, "layer3");
    b.Out(1, "layer4", {0, 12});
    b.Out(2, "layer4", {12, 24});
    b.Out(3, "layer5"), b.Out(3, "argmax");
    b.Seg(b.Msg(kHost, 0), nn::kInputTensor);
    b.Seg(b.Msg(0, 1), "conv3");
    b.Seg(b.Msg(0, 2), "conv3");
    b.Seg(b.Msg(1, 3), "conv4", 0, 48);
    b.Seg(b.Msg(2, 3), "conv4", 48, 96);
    b.Seg(b.Msg(3, kHost), nn::kClassTensor);
    return;
  }
  for (int k = 0; k < 8; ++k) b.Chip(k);
  b.Out(0, "layer1"), b.Out(0, "layer2");
  b.Out(1, "layer3");
  for (int j = 0; j < 4; ++j) b.Out(2 + j, "layer4", {6 * j, 6 * j + 6});
  b.Psum(6, "layer5", {0, 48});
  b.Psum(7, "layer5", {48, 96}), b.Finish(7, "layer5"), b.Out(7, "argmax");
  b.Seg(b.Msg(kHost, 0), nn::kInputTensor);
  b.Seg(b.Msg(0, 1), "conv2");
  for (int j = 0; j < 4; ++j) b.Seg(b.Msg(1, 2 + j), "conv3");
  for (int j = 0; j < 4; ++j) b.Seg(b.Msg(2 + j, j < 2 ? 6 : 7), "conv4", 24 * j, 24 * j + 24);
  b.Seg(b.Msg(6, 7), PsumOf("layer5"));
  b.Seg(b.Msg(7, kHost), nn::kClassTensor);
}

void Svhn(Builder& b, int chips) {
  if (chips == 4) {
    for (int k = 0; k < 4; ++k) b.Chip(k);
    b.Out(0, "layer1"), b.Out(0, "layer2"), b.Out(0, "layer3");
    b.Psum(1, "layer4", {0, 154});
    b.Psum(2, "layer4", {154, 308});
    b.Psum(3, "layer4", {308, 384}), b.Finish(3, "layer4");
    b.Out(3, "layer5"), b.Out(3, "layer6"), b.Out(3, "argmax");
    b.Seg(b.Msg(kHost, 0), nn::kInputTensor);
    b.Seg(b.Msg(0, 1), "conv3", 0, 154);
    b.Seg(b.Msg(0, 2), "conv3", 154, 308);
    b.Seg(b.Msg(0, 3), "conv3", 308, 384);
    b.Seg(b.Msg(1, 2), PsumOf("layer4"));
    b.Seg(b.Msg(2, 3), PsumOf("layer4"));
    b.Seg(b.Msg(3, kHost), nn::kClassTensor);
    return;
  }
  for (int k = 0; k < 8; ++k) b.Chip(k);
  b.Out(0, "layer1"), b.Out(0, "layer2");
  b.Out(1, "layer3");
  // fc1 input slices a..e and the whole packed words that cover them.
  const Range inputs[5] = {{0, 77}, {77, 154}, {154, 231}, {231, 308}, {308, 384}};
  for (int j = 0; j < 5; ++j) b.Psum(2 + j, "layer4", inputs[j]);
  b.Finish(6, "layer4");
  b.Out(7, "layer5"), b.Out(7, "layer6"), b.Out(7, "argmax");
  b.Seg(b.Msg(kHost, 0), nn::kInputTensor);
  b.Seg(b.Msg(0, 1), "conv2");
  for (int j = 0; j < 5; ++j) {
    b.Seg(b.Msg(1, 2 + j), "conv3", inputs[j].begin & ~int64_t{1}, (inputs[j].end + 1) & ~int64_t{1});
  }
  for (int j = 2; j < 6; ++j) b.Seg(b.Msg(j, j + 1), PsumOf("layer4"));
  b.Seg(b.Msg(6, 7), "fc1");
  b.Seg(b.Msg(7, kHost), nn::kClassTensor);
}

void D2nnFourChip(Builder& b) {
  for (int k = 0; k < 4; ++k) b.Chip(k);
  for (const char* op : {"n1_conv1", "n1_conv2", "q_input", "q_fc1", "q_fc2"}) b.Out(0, op);
  for (const char* op : {"n3_fc1", "n3_fc2", "argmax_low"}) b.Out(1, op, {}, PathIs(0));
  for (const char* op : {"n2_conv1", "n2_conv2"}) b.Out(1, op, {}, PathIs(1));
  b.Out(2, "n2_fc1", {0, 84});
  b.Out(3, "n2_fc1", {84, 128});
  for (const char* op : {"n2_fc2", "n2_fc3", "argmax_high"}) b.Out(3, op);
  const int in = b.Msg(kHost, 0);
  b.Seg(in, kPath), b.Seg(in, nn::kInputTensor);
  int m = b.Msg(0, 1, PathIs(0));
  b.Seg(m, kPath), b.Seg(m, "q_input");
  m = b.Msg(0, 1, PathIs(1));
  b.Seg(m, kPath), b.Seg(m, "n1_conv2");
  b.Seg(b.Msg(1, kHost, PathIs(0)), nn::kClassTensor);
  for (int dest : {2, 3}) {
    m = b.Msg(1, dest, PathIs(1));
    b.Seg(m, kPath), b.Seg(m, "n2_conv2");
  }
  b.Seg(b.Msg(2, 3), "n2_fc1", 0, 84);
  b.Seg(b.Msg(3, kHost), nn::kClassTensor);
}

void D2nnEightChip(Builder& b, bool nv) {
  b.Chip(0), b.Chip(1);
  const int c00 = nv ? b.Chip(0, "00", /*resumes=*/0) : -1;
  const int c2 = b.Chip(2);
  int c[8] = {0, 1, c2, 0, 0, 0, 0, 0};
  for (int k = 3; k < 8; ++k) c[k] = b.Chip(k);
  for (const char* op : {"n1_conv1", "n1_conv2", "q_input"}) b.Out(0, op);
  b.Out(0, "q_fc1", {0, 28});
  if (!nv) b.Out(1, "q_input");
  b.Out(1, "q_fc1", {28, 64}), b.Out(1, "q_fc2"), b.Out(1, "decision");
  for (const char* op : {"n3_fc1", "n3_fc2", "argmax_low"}) b.Out(c[2], op);
  b.Out(c[3], "n2_conv1"), b.Out(c[3], "n2_conv2");
  for (int j = 0; j < 3; ++j) b.Out(c[4 + j], "n2_fc1", {42 * j, 42 * j + 42});
  b.Out(c[7], "n2_fc1", {126, 128});
  for (const char* op : {"n2_fc2", "n2_fc3", "argmax_high"}) b.Out(c[7], op);

  const int in = b.Msg(kHost, 0);
  if (nv) b.Const(in, 0x0000);  // a normal (first) wake-up
  b.Seg(in, nn::kInputTensor);
  int m = b.Msg(0, 1);
  b.Seg(m, nv ? "q_input" : "n1_conv2"), b.Seg(m, "q_fc1", 0, 28);
  m = b.Msg(1, c[2], PathIs(0));
  b.Seg(m, kPath), b.Seg(m, "q_input");
  if (nv) {
    b.Const(b.Msg(1, c00, PathIs(1)), 0xFFFF);  // wake chip 0 again to resend
    m = b.Msg(c00, c[3]);
    b.Const(m, 1), b.Seg(m, "n1_conv2");
  } else {
    m = b.Msg(1, c[3], PathIs(1));
    b.Seg(m, kPath), b.Seg(m, "n1_conv2");
  }
  b.Seg(b.Msg(c[2], kHost), nn::kClassTensor);
  for (int k = 4; k < 8; ++k) {
    m = b.Msg(c[3], c[k]);
    b.Const(m, 1), b.Seg(m, "n2_conv2");
  }
  for (int j = 0; j < 3; ++j) b.Seg(b.Msg(c[4 + j], c[7]), "n2_fc1", 42 * j, 42 * j + 42);
  b.Seg(b.Msg(c[7], kHost), nn::kClassTensor);
}

// Every chip runs one step of its units; the master relays h and c, and in
// the last step the fc partial sums run as a chain 0 -> 1 -> ... -> n-1.
void Lstm(Builder& b, int chips) {
  b.AddAux(nn::TensorSpec{kLast, nn::DType::kInt16, {1}, 0});
  b.AddAux(nn::TensorSpec{PsumOf("fc"), nn::DType::kInt32, {11}, 11});
  const int units = 80 / chips;
  for (int k = 0; k < chips; ++k) b.Chip(k);
  for (int k = 0; k < chips; ++k) {
    const Range u{units * k, units * (k + 1)};
    b.Lstm(k, u);
    b.Psum(k, "fc", u, LastIs(1));
    if (k == chips - 1) b.Finish(k, "fc", LastIs(1)), b.Out(k, "argmax", {}, LastIs(1));
    const int in = b.Msg(kHost, k);
    b.Seg(in, kLast), b.Seg(in, nn::kLstmX), b.Seg(in, nn::kLstmH0);
    if (k > 0) b.Seg(in, PsumOf("fc"), 0, 0, LastIs(1));
    b.Const(in, 0);
    b.Seg(in, nn::kLstmC0, 2 * u.begin, 2 * u.end);
    const bool last_chip = k == chips - 1;
    const int out = b.Msg(k, last_chip ? kHost : k + 1, {}, /*via_master=*/!last_chip);
    b.Seg(out, last_chip ? nn::kClassTensor : PsumOf("fc"), 0, 0, LastIs(1));
    b.Seg(out, "h", u.begin, u.end);
    b.Seg(out, "c", 2 * u.begin, 2 * u.end);
  }
}

}  // namespace

absl::StatusOr<nn::Graph> PaperGraph(Workload workload) {
  nn::WorkloadOptions options;
  options.lstm_steps = 1;
  return nn::BuildWorkloadGraph(workload, options);
}

absl::StatusOr<Partition> PaperPartitionFor(Workload workload, int chips,
                                                 const PaperPartitionOptions& options) {
  ASSIGN_OR_RETURN(PaperMode mode, PaperModeForChips(chips));
  if (options.d2nn_nv && (workload != Workload::kD2nn || mode != PaperMode::kEightChip)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "d2nn_nv applies to the d2nn 8-chip partition only; got ", nn::WorkloadName(workload),
        " with ", chips, " chips"));
  }
  ASSIGN_OR_RETURN(nn::Graph graph, PaperGraph(workload));
  Builder b(graph, workload, mode, options.d2nn_nv);
  if (workload == Workload::kKwsLstm) {
    Lstm(b, chips);
  } else if (mode == PaperMode::kTarget) {
    Target(b, graph, workload);
  } else if (workload == Workload::kMnist) {
    Mnist(b, chips);
  } else if (workload == Workload::kSvhn) {
    Svhn(b, chips);
  } else if (mode == PaperMode::kFourChip) {
    D2nnFourChip(b);
  } else {
    D2nnEightChip(b, options.d2nn_nv);
  }
  return b.Finish();
}

}  // namespace illusion::partitioner
