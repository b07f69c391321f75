#include "partitioner/chip_runner.h"

#include <cstring>
#include <string>
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

const nn::TensorSpec* SpecOf(const SliceContext& ctx, const std::string& name) {
  if (const nn::TensorSpec* s = ctx.graph.FindTensor(name)) return s;
  return ctx.partition.FindAux(name);
}

// Writes `bytes` at `offset` into the full-size tensor `name` of `env`,
// creating it zero-filled first.
absl::Status WriteBytes(const SliceContext& ctx, Env& env, const std::string& name,
                        int64_t offset, absl::string_view bytes) {
  auto it = env.find(name);
  if (it == env.end()) {
    const nn::TensorSpec* spec = SpecOf(ctx, name);
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

// Decodes the segments of `m` present in `env` from words[*pos...].
absl::Status DecodeSegments(const SliceContext& ctx, const MessagePlan& m,
                            absl::Span<const uint16_t> words, int64_t* pos, Env& env,
                            int receiver) {
  for (const Segment& s : m.payload) {
    if (!GuardHolds(env, s.guard)) continue;
    const int64_t n = s.words();
    if (*pos + n > static_cast<int64_t>(words.size())) {
      return absl::InvalidArgumentError(absl::StrCat(
          WakeUpLabel(ctx.partition, receiver), ": input ends at word ", words.size(),
          "; message ", m.order, " segment '", s.is_constant() ? "constant" : s.tensor,
          "' needs ", n, " words from word ", *pos));
    }
    absl::Span<const uint16_t> part = words.subspan(*pos, n);
    *pos += n;
    if (s.is_constant()) {
      if (part[0] != s.constant) {
        return absl::InvalidArgumentError(
            absl::StrCat(WakeUpLabel(ctx.partition, receiver), ": word ", *pos - 1, " is 0x",
                         absl::Hex(part[0]), "; message ", m.order, " expects constant 0x",
                         absl::Hex(s.constant)));
      }
      continue;
    }
    ASSIGN_OR_RETURN(std::string bytes, DecodeWords(s.encoding, part, s.bytes.size()));
    RETURN_IF_ERROR(WriteBytes(ctx, env, s.tensor, s.bytes.begin, bytes));
  }
  return absl::OkStatus();
}

// Whether guarded message `m` is in the stream at `pos` (see MessagePlan).
absl::StatusOr<bool> Present(const SliceContext& ctx, const MessagePlan& m,
                             absl::Span<const uint16_t> words, int64_t pos, const Env& env) {
  if (!m.guard.has_value()) return true;
  if (env.count(m.guard->tensor) > 0) return GuardHolds(env, m.guard);
  if (!m.payload.empty() && m.payload[0].tensor == m.guard->tensor) {
    const Segment& s = m.payload[0];
    if (pos + s.words() > static_cast<int64_t>(words.size())) return false;
    ASSIGN_OR_RETURN(std::string bytes,
                     DecodeWords(s.encoding, words.subspan(pos, s.words()), s.bytes.size()));
    Env peek;
    RETURN_IF_ERROR(WriteBytes(ctx, peek, s.tensor, s.bytes.begin, bytes));
    return GuardHolds(peek, m.guard);
  }
  return pos < static_cast<int64_t>(words.size());
}

absl::StatusOr<const Tensor*> Need(const SliceContext& ctx, const Env& env,
                                   const std::string& name, int chip) {
  auto it = env.find(name);
  if (it == env.end()) {
    return absl::FailedPreconditionError(absl::StrCat(WakeUpLabel(ctx.partition, chip),
                                                      ": tensor '", name, "' is not available"));
  }
  return &it->second;
}

// Writes output unit range `out` of op output `index`.
absl::Status WriteOutput(const SliceContext& ctx, Env& env, const nn::Op& op, int index,
                         Range out, const Tensor& value) {
  const nn::TensorSpec& spec = op.outputs()[index];
  const int64_t unit = spec.byte_size() / op.output_units();
  return WriteBytes(ctx, env, spec.name, out.begin * unit, value.bytes());
}

absl::StatusOr<StepWork> RunStep(const SliceContext& ctx, const ChipStep& step, Env& env,
                                 int chip) {
  const nn::Op* op = ctx.graph.FindOp(step.op);
  if (op == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(WakeUpLabel(ctx.partition, chip),
                                                   ": graph has no op '", step.op, "'"));
  }
  ASSIGN_OR_RETURN(nn::OpIo io, nn::WeightsOf(*op, ctx.weights));
  const std::string psum_name = PartialSumTensor(step.op);
  StepWork work{&step, 0, 0};
  switch (step.kind) {
    case StepKind::kOutputRange: {
      for (const nn::TensorSpec& in : op->inputs()) {
        ASSIGN_OR_RETURN(const Tensor* t, Need(ctx, env, in.name, chip));
        io.inputs.push_back(t);
      }
      ASSIGN_OR_RETURN(std::vector<Tensor> outs, op->ExecuteOutputRange(io, step.out));
      for (size_t i = 0; i < outs.size(); ++i) {
        RETURN_IF_ERROR(WriteOutput(ctx, env, *op, static_cast<int>(i), step.out, outs[i]));
        work.elements += outs[i].num_elements();
      }
      work.macs = op->Macs(step.out, op->all_inputs());
      return work;
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
      work.macs = op->Macs(step.out, step.in);
      work.elements = sums.num_elements();
      return work;
    }
    case StepKind::kFinishPartialSums: {
      ASSIGN_OR_RETURN(const Tensor* acc, Need(ctx, env, psum_name, chip));
      // A conv's accumulator holds a whole (pre-pooling) plane per output unit.
      const int64_t per_unit = op->partial_sums_per_unit();
      ASSIGN_OR_RETURN(Tensor sums,
                       Tensor::FromBytes(nn::DType::kInt32, {step.out.size() * per_unit}, 0,
                                         acc->bytes().substr(4 * step.out.begin * per_unit,
                                                             4 * step.out.size() * per_unit)));
      ASSIGN_OR_RETURN(Tensor result, op->FinishPartialSums(sums, io, step.out));
      work.elements = result.num_elements();
      RETURN_IF_ERROR(WriteOutput(ctx, env, *op, 0, step.out, result));
      return work;
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
        work.elements += outs[i].num_elements();
      }
      work.macs = op->Macs(step.out, op->all_inputs());
      return work;
    }
  }
  return work;
}

}  // namespace

bool GuardHolds(const Env& env, const std::optional<nn::Guard>& guard) {
  if (!guard.has_value()) return true;
  auto it = env.find(guard->tensor);
  return it != env.end() && it->second.num_elements() > 0 && it->second.at(0) == guard->value;
}

std::string WakeUpLabel(const Partition& partition, int chip) {
  if (chip == kHost) return "host";
  if (chip < 0 || chip >= static_cast<int>(partition.chips.size())) {
    return absl::StrCat("chip #", chip);
  }
  return "chip " + partition.chips[chip].label;
}

absl::StatusOr<int> DecodeInbound(const SliceContext& ctx, int chip,
                                  absl::Span<const uint16_t> payload, Env& env) {
  int64_t pos = 0;
  int read = 0;
  for (const MessagePlan* m : ctx.partition.Inbound(chip)) {
    ASSIGN_OR_RETURN(bool present, Present(ctx, *m, payload, pos, env));
    if (!present) continue;
    RETURN_IF_ERROR(DecodeSegments(ctx, *m, payload, &pos, env, chip));
    ++read;
  }
  if (pos != static_cast<int64_t>(payload.size())) {
    return absl::InvalidArgumentError(absl::StrCat(WakeUpLabel(ctx.partition, chip), ": ",
                                                   payload.size() - pos,
                                                   " payload words left after word ", pos,
                                                   " (the slice's inbound messages end there)"));
  }
  return read;
}

absl::Status DecodeMessage(const SliceContext& ctx, const MessagePlan& message,
                           absl::Span<const uint16_t> payload, Env& env, int receiver) {
  int64_t pos = 0;
  RETURN_IF_ERROR(DecodeSegments(ctx, message, payload, &pos, env, receiver));
  if (pos != static_cast<int64_t>(payload.size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        WakeUpLabel(ctx.partition, receiver), ": message ", message.order, " has ",
        payload.size(), " words; its plan reads ", pos));
  }
  return absl::OkStatus();
}

absl::StatusOr<SentMessage> EncodeMessage(const SliceContext& ctx, const MessagePlan& m,
                                          const Env& env) {
  SentMessage sent;
  sent.plan = &m;
  for (const Segment& s : m.payload) {
    if (!GuardHolds(env, s.guard)) continue;
    if (s.is_constant()) {
      sent.payload.push_back(s.constant);
      continue;
    }
    auto it = env.find(s.tensor);
    if (it == env.end() || s.bytes.end > it->second.byte_size()) {
      return absl::FailedPreconditionError(absl::StrCat(
          WakeUpLabel(ctx.partition, m.source), ": tensor '", s.tensor, "' bytes ",
          s.bytes.DebugString(), " for the message to ",
          WakeUpLabel(ctx.partition, m.destination), " are not available"));
    }
    RETURN_IF_ERROR(EncodeBytes(
        s.encoding, it->second.bytes().substr(s.bytes.begin, s.bytes.size()), &sent.payload));
  }
  return sent;
}

absl::StatusOr<WakeUpResult> RunWakeUp(const SliceContext& ctx, int chip,
                                       absl::Span<const uint16_t> payload, Env& env) {
  if (chip < 0 || chip >= static_cast<int>(ctx.partition.chips.size())) {
    return absl::InvalidArgumentError(absl::StrCat("wake-up index ", chip, " outside [0, ",
                                                   ctx.partition.chips.size(), ")"));
  }
  WakeUpResult result;
  RETURN_IF_ERROR(DecodeInbound(ctx, chip, payload, env).status());
  result.words_in = static_cast<int64_t>(payload.size());
  for (const ChipStep& step : ctx.partition.chips[chip].steps) {
    if (!GuardHolds(env, step.guard)) continue;
    ASSIGN_OR_RETURN(StepWork work, RunStep(ctx, step, env, chip));
    result.work.push_back(work);
  }
  for (const MessagePlan* m : ctx.partition.Outbound(chip)) {
    if (!GuardHolds(env, m->guard)) continue;
    ASSIGN_OR_RETURN(SentMessage sent, EncodeMessage(ctx, *m, env));
    result.sent.push_back(std::move(sent));
  }
  return result;
}

}  // namespace illusion::partitioner
