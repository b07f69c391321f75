#include "partitioner/paper/paper_executor.h"

#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "nn/ops.h"

namespace illusion::partitioner {
namespace {

using Env = nn::TensorMap;
using nn::Range;
using nn::Tensor;

// A message as sent: its plan, the segments whose guards held, the words.
struct Sent {
  const MessagePlan* plan = nullptr;
  std::vector<const Segment*> segments;
  Words payload;
};

// Read-only context of one run; borrows everything.
struct Context {
  const PaperPartition& partition;
  const nn::Graph& graph;
  const nn::WeightMap& weights;

  const nn::TensorSpec* Spec(const std::string& name) const {
    if (const nn::TensorSpec* s = graph.FindTensor(name)) return s;
    for (const nn::TensorSpec& s : partition.aux_tensors) {
      if (s.name == name) return &s;
    }
    return nullptr;
  }
  std::string Label(int chip) const {
    return chip == kHost ? "host" : "chip " + partition.chips[chip].label;
  }
};

bool Holds(const Env& env, const std::optional<nn::Guard>& guard) {
  if (!guard.has_value()) return true;
  auto it = env.find(guard->tensor);
  return it != env.end() && it->second.num_elements() > 0 && it->second.at(0) == guard->value;
}

// Writes `bytes` at `offset` into the full-size tensor `name` of `env`,
// creating it zero-filled first.
absl::Status WriteBytes(const Context& ctx, Env& env, const std::string& name, int64_t offset,
                        absl::string_view bytes) {
  auto it = env.find(name);
  if (it == env.end()) {
    const nn::TensorSpec* spec = ctx.Spec(name);
    if (spec == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown tensor '", name, "'"));
    }
    it = env.emplace(name, Tensor(spec->dtype, spec->shape, spec->frac_bits)).first;
  }
  if (offset < 0 || offset + static_cast<int64_t>(bytes.size()) > it->second.byte_size()) {
    return absl::InvalidArgumentError(absl::StrCat("bytes [", offset, ", ", offset + bytes.size(),
                                                   ") outside tensor '", name, "' of ",
                                                   it->second.byte_size(), " bytes"));
  }
  std::memcpy(it->second.data<uint8_t>() + offset, bytes.data(), bytes.size());
  return absl::OkStatus();
}

absl::StatusOr<Sent> Encode(const Context& ctx, const MessagePlan& m, const Env& env) {
  Sent sent;
  sent.plan = &m;
  for (const Segment& s : m.payload) {
    if (!Holds(env, s.guard)) continue;
    sent.segments.push_back(&s);
    if (s.is_constant()) {
      sent.payload.push_back(s.constant);
      continue;
    }
    auto it = env.find(s.tensor);
    if (it == env.end() || s.bytes.end > it->second.byte_size()) {
      return absl::FailedPreconditionError(
          absl::StrCat(ctx.Label(m.source), ": tensor '", s.tensor, "' bytes ",
                       s.bytes.DebugString(), " for the message to ", ctx.Label(m.destination),
                       " are not available"));
    }
    RETURN_IF_ERROR(EncodeBytes(
        s.encoding, it->second.bytes().substr(s.bytes.begin, s.bytes.size()), &sent.payload));
  }
  return sent;
}

// Decodes the segments of `sent` from words[*pos...] into `env`.
absl::Status Decode(const Context& ctx, const Sent& sent, absl::Span<const uint16_t> words,
                    int64_t* pos, Env& env, int receiver) {
  for (const Segment* s : sent.segments) {
    const int64_t n = s->words();
    if (*pos + n > static_cast<int64_t>(words.size())) {
      return absl::InvalidArgumentError(absl::StrCat(ctx.Label(receiver), ": stream ends at word ",
                                                     words.size(), "; segment '", s->tensor,
                                                     "' needs ", n, " words from ", *pos));
    }
    absl::Span<const uint16_t> part = words.subspan(*pos, n);
    *pos += n;
    if (s->is_constant()) {
      if (part[0] != s->constant) {
        return absl::InvalidArgumentError(absl::StrCat(ctx.Label(receiver), ": word ", *pos - 1,
                                                       " is ", part[0], "; expected constant ",
                                                       s->constant));
      }
      continue;
    }
    ASSIGN_OR_RETURN(std::string bytes, DecodeWords(s->encoding, part, s->bytes.size()));
    RETURN_IF_ERROR(WriteBytes(ctx, env, s->tensor, s->bytes.begin, bytes));
  }
  return absl::OkStatus();
}

absl::StatusOr<const Tensor*> Need(const Context& ctx, const Env& env, const std::string& name,
                                   int chip) {
  auto it = env.find(name);
  if (it == env.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat(ctx.Label(chip), ": tensor '", name, "' is not available"));
  }
  return &it->second;
}

// Writes output unit range `out` of op output `index`.
absl::Status WriteOutput(const Context& ctx, Env& env, const nn::Op& op, int index, Range out,
                         const Tensor& value) {
  const nn::TensorSpec& spec = op.outputs()[index];
  const int64_t unit = spec.byte_size() / op.output_units();
  return WriteBytes(ctx, env, spec.name, out.begin * unit, value.bytes());
}

absl::Status RunStep(const Context& ctx, const ChipStep& step, Env& env, int chip) {
  const nn::Op* op = ctx.graph.FindOp(step.op);
  if (op == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("graph has no op '", step.op, "'"));
  }
  ASSIGN_OR_RETURN(nn::OpIo io, nn::WeightsOf(*op, ctx.weights));
  const std::string psum_name = step.op + ".psum";
  switch (step.kind) {
    case StepKind::kOutputRange: {
      for (const nn::TensorSpec& in : op->inputs()) {
        ASSIGN_OR_RETURN(const Tensor* t, Need(ctx, env, in.name, chip));
        io.inputs.push_back(t);
      }
      ASSIGN_OR_RETURN(std::vector<Tensor> outs, op->ExecuteOutputRange(io, step.out));
      for (size_t i = 0; i < outs.size(); ++i) {
        RETURN_IF_ERROR(WriteOutput(ctx, env, *op, static_cast<int>(i), step.out, outs[i]));
      }
      return absl::OkStatus();
    }
    case StepKind::kPartialSums: {
      const nn::TensorSpec& spec = op->inputs()[0];
      ASSIGN_OR_RETURN(const Tensor* input, Need(ctx, env, spec.name, chip));
      const int64_t unit = spec.byte_size() / op->input_units();
      nn::Shape shape = {step.in.size()};
      if (op->kind() == nn::OpKind::kConv2D) shape = {step.in.size(), spec.shape[1], spec.shape[2]};
      ASSIGN_OR_RETURN(Tensor slice,
                       Tensor::FromBytes(spec.dtype, shape, spec.frac_bits,
                                         input->bytes().substr(step.in.begin * unit,
                                                               step.in.size() * unit)));
      io.inputs = {&slice};
      ASSIGN_OR_RETURN(Tensor sums, op->PartialSums(io, step.out, step.in));
      if (env.find(psum_name) == env.end()) {
        RETURN_IF_ERROR(WriteBytes(ctx, env, psum_name, 0, ""));
      }
      Tensor& acc = env.at(psum_name);
      const int64_t per_unit = sums.num_elements() / step.out.size();
      for (int64_t i = 0; i < sums.num_elements(); ++i) {
        acc.data<int32_t>()[step.out.begin * per_unit + i] += sums.data<int32_t>()[i];
      }
      return absl::OkStatus();
    }
    case StepKind::kFinishPartialSums: {
      ASSIGN_OR_RETURN(const Tensor* acc, Need(ctx, env, psum_name, chip));
      ASSIGN_OR_RETURN(Tensor sums, Tensor::FromBytes(nn::DType::kInt32, {step.out.size()}, 0,
                                                      acc->bytes().substr(4 * step.out.begin,
                                                                          4 * step.out.size())));
      ASSIGN_OR_RETURN(Tensor result, op->FinishPartialSums(sums, io, step.out));
      return WriteOutput(ctx, env, *op, 0, step.out, result);
    }
    case StepKind::kLstmUnits: {
      ASSIGN_OR_RETURN(const Tensor* x_all, Need(ctx, env, op->inputs()[0].name, chip));
      ASSIGN_OR_RETURN(const Tensor* h, Need(ctx, env, op->inputs()[1].name, chip));
      ASSIGN_OR_RETURN(const Tensor* c_all, Need(ctx, env, op->inputs()[2].name, chip));
      const int64_t in_dim = op->inputs()[0].shape.back();
      ASSIGN_OR_RETURN(Tensor x, Tensor::FromBytes(nn::DType::kInt8, {in_dim}, 4,
                                                   x_all->bytes().substr(0, in_dim)));
      ASSIGN_OR_RETURN(Tensor c, Tensor::FromBytes(nn::DType::kInt16, {step.out.size()}, 8,
                                                   c_all->bytes().substr(2 * step.out.begin,
                                                                         2 * step.out.size())));
      ASSIGN_OR_RETURN(std::vector<Tensor> outs, nn::LstmStepUnits(*op, x, *h, c, io, step.out));
      for (size_t i = 0; i < outs.size(); ++i) {
        RETURN_IF_ERROR(WriteOutput(ctx, env, *op, static_cast<int>(i), step.out, outs[i]));
      }
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

}  // namespace

const ChipRun* PaperRun::Find(const std::string& label) const {
  for (const ChipRun& c : chips) {
    if (c.label == label) return &c;
  }
  return nullptr;
}

absl::StatusOr<PaperRun> ExecutePaperPartition(const PaperPartition& partition,
                                               const nn::Graph& graph,
                                               const nn::WeightMap& weights,
                                               const nn::TensorMap& inputs) {
  const Context ctx{partition, graph, weights};
  const int n = static_cast<int>(partition.chips.size());
  PaperRun run;
  run.host = inputs;
  std::vector<Env> envs(n);
  std::vector<std::vector<Sent>> pending(n);
  for (int s = 0; s < n; ++s) {
    const ChipPlan& chip = partition.chips[s];
    // The master builds the stream: its own messages, then the chips'.
    std::vector<Sent> received;
    for (const MessagePlan& m : partition.messages) {
      if (m.source != kHost || m.destination != s || !Holds(run.host, m.guard)) continue;
      ASSIGN_OR_RETURN(Sent sent, Encode(ctx, m, run.host));
      received.push_back(std::move(sent));
    }
    for (Sent& sent : pending[s]) received.push_back(std::move(sent));
    if (received.empty()) continue;  // not woken on this path
    Words payload;
    for (const Sent& sent : received) {
      payload.insert(payload.end(), sent.payload.begin(), sent.payload.end());
    }
    ChipRun chip_run;
    chip_run.label = chip.label;
    chip_run.chip = chip.chip;
    chip_run.in = ChipInputStream(chip.mode_word, payload);

    // The chip: decode, compute, encode.
    Env env = chip.resumes >= 0 ? envs[chip.resumes] : Env{};
    ASSIGN_OR_RETURN(Words words, InputPayload(chip_run.in, chip.mode_word));
    int64_t pos = 0;
    for (const Sent& sent : received) RETURN_IF_ERROR(Decode(ctx, sent, words, &pos, env, s));
    if (pos != static_cast<int64_t>(words.size())) {
      return absl::InvalidArgumentError(absl::StrCat(ctx.Label(s), ": ", words.size() - pos,
                                                     " payload words left undecoded"));
    }
    for (const ChipStep& step : chip.steps) {
      if (Holds(env, step.guard)) RETURN_IF_ERROR(RunStep(ctx, step, env, s));
    }
    for (const MessagePlan& m : partition.messages) {
      if (m.source != s || !Holds(env, m.guard)) continue;
      ASSIGN_OR_RETURN(Sent sent, Encode(ctx, m, env));
      chip_run.out.push_back(m.destination == kHost ? kHostWord
                                                    : partition.chips[m.destination].mode_word);
      chip_run.out.insert(chip_run.out.end(), sent.payload.begin(), sent.payload.end());
      if (m.destination == kHost || m.via_master) {
        int64_t host_pos = 0;
        RETURN_IF_ERROR(Decode(ctx, sent, sent.payload, &host_pos, run.host, kHost));
      } else {
        pending[m.destination].push_back(std::move(sent));
      }
    }
    envs[s] = std::move(env);
    run.chips.push_back(std::move(chip_run));
  }
  auto it = run.host.find(nn::kClassTensor);
  if (it != run.host.end()) run.class_id = it->second.at(0);
  return run;
}

}  // namespace illusion::partitioner
