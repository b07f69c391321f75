#include "partitioner/chip_runner.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "absl/container/inlined_vector.h"
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

// The full-size tensor `name` of `env`. When absent it is started
// zero-filled: moved from buffers->spare when that holds one of the right
// size (no allocation), else constructed.
// `known_spec`, when given, is SpecOf(ctx, name) looked up before.
absl::StatusOr<Tensor*> Materialize(const SliceContext& ctx, Env& env, const std::string& name,
                                    WakeUpBuffers* buffers,
                                    const nn::TensorSpec* known_spec = nullptr) {
  auto it = env.find(name);
  if (it != env.end()) return &it->second;
  const nn::TensorSpec* spec = known_spec != nullptr ? known_spec : SpecOf(ctx, name);
  if (spec == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("unknown tensor '", name, "'"));
  }
  if (buffers != nullptr) {
    auto spare = buffers->spare.find(name);
    if (spare != buffers->spare.end() && spare->second.dtype() == spec->dtype &&
        spare->second.shape() == spec->shape) {
      Tensor& t = spare->second;
      if (t.byte_size() > 0) std::memset(t.data<uint8_t>(), 0, t.byte_size());
      return &env.insert(buffers->spare.extract(spare)).position->second;
    }
  }
  return &env.emplace(name, Tensor(spec->dtype, spec->shape, spec->frac_bits)).first->second;
}

absl::Status CheckBytes(const Tensor& t, const std::string& name, int64_t offset,
                        int64_t size) {
  if (offset < 0 || offset + size > t.byte_size()) {
    return absl::InvalidArgumentError(absl::StrCat("bytes [", offset, ", ", offset + size,
                                                   ") outside tensor '", name, "' of ",
                                                   t.byte_size(), " bytes"));
  }
  return absl::OkStatus();
}

// Writes `bytes` at `offset` into the full-size tensor `name` of `env`,
// starting it zero-filled first (Materialize).
absl::Status WriteBytes(const SliceContext& ctx, Env& env, const std::string& name,
                        int64_t offset, absl::string_view bytes,
                        WakeUpBuffers* buffers = nullptr) {
  ASSIGN_OR_RETURN(Tensor * t, Materialize(ctx, env, name, buffers));
  RETURN_IF_ERROR(CheckBytes(*t, name, offset, static_cast<int64_t>(bytes.size())));
  if (!bytes.empty()) std::memcpy(t->data<uint8_t>() + offset, bytes.data(), bytes.size());
  return absl::OkStatus();
}

// Decodes the segments of `m` present in `env` from words[*pos...].
// `specs`, when not empty, holds SpecOf each segment's tensor (see
// WakeUpRoutes::inbound_specs).
absl::Status DecodeSegments(const SliceContext& ctx, const MessagePlan& m,
                            absl::Span<const uint16_t> words, int64_t* pos, Env& env,
                            int receiver, WakeUpBuffers* buffers,
                            absl::Span<const nn::TensorSpec* const> specs = {}) {
  for (size_t i = 0; i < m.payload.size(); ++i) {
    const Segment& s = m.payload[i];
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
    ASSIGN_OR_RETURN(Tensor * t, Materialize(ctx, env, s.tensor, buffers,
                                             specs.empty() ? nullptr : specs[i]));
    RETURN_IF_ERROR(CheckBytes(*t, s.tensor, s.bytes.begin, s.bytes.size()));
    RETURN_IF_ERROR(
        DecodeWordsInto(s.encoding, part, s.bytes.size(), t->data<uint8_t>() + s.bytes.begin));
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

// `n` int32 scratch elements: from `buffers` (grown when short) or `local`.
absl::Span<int32_t> Scratch(int64_t n, WakeUpBuffers* buffers, nn::AlignedVector<int32_t>* local) {
  nn::AlignedVector<int32_t>& v = buffers != nullptr ? buffers->scratch : *local;
  if (static_cast<int64_t>(v.size()) < n) v.resize(n);
  return absl::MakeSpan(v.data(), n);
}

// Elements of output `index` in output unit range `out`.
int64_t RangeElements(const nn::Op& op, int index, Range out) {
  return op.outputs()[index].num_elements() / op.output_units() * out.size();
}

bool IsPartialSumStep(const ChipStep& step) {
  return step.kind == StepKind::kPartialSums || step.kind == StepKind::kFinishPartialSums;
}

// The lookups of `step` of wake-up `chip`, done now.
absl::StatusOr<StepPlan> PlanStep(const SliceContext& ctx, const ChipStep& step, int chip) {
  StepPlan plan;
  plan.op = ctx.graph.FindOp(step.op);
  if (plan.op == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(WakeUpLabel(ctx.partition, chip),
                                                   ": graph has no op '", step.op, "'"));
  }
  ASSIGN_OR_RETURN(plan.io, nn::WeightsOf(*plan.op, ctx.weights));
  // Unknown names are left null: Materialize looks them up and reports them.
  for (const nn::TensorSpec& out : plan.op->outputs()) {
    plan.output_specs.push_back(SpecOf(ctx, out.name));
  }
  if (IsPartialSumStep(step)) {
    plan.psum = PartialSumTensor(step.op);
    plan.psum_spec = SpecOf(ctx, plan.psum);
  }
  return plan;
}

// Runs `step` with its lookups from `plan` (PlanStep of the same step).
absl::StatusOr<StepWork> RunStep(const SliceContext& ctx, const ChipStep& step,
                                 const StepPlan& plan, Env& env, int chip,
                                 WakeUpBuffers* buffers) {
  const nn::Op* op = plan.op;
  nn::OpIo io = plan.io;
  StepWork work{&step, 0, 0};
  nn::AlignedVector<int32_t> local_scratch;
  switch (step.kind) {
    case StepKind::kOutputRange: {
      for (const nn::TensorSpec& in : op->inputs()) {
        ASSIGN_OR_RETURN(const Tensor* t, Need(ctx, env, in.name, chip));
        io.inputs.push_back(t);
      }
      absl::InlinedVector<Tensor*, 2> outs;
      for (size_t i = 0; i < op->outputs().size(); ++i) {
        ASSIGN_OR_RETURN(Tensor * t, Materialize(ctx, env, op->outputs()[i].name, buffers,
                                                 plan.output_specs[i]));
        outs.push_back(t);
      }
      RETURN_IF_ERROR(op->ExecuteOutputRangeInto(
          io, step.out, Scratch(op->ScratchElements(step.out), buffers, &local_scratch), outs));
      for (size_t i = 0; i < outs.size(); ++i) {
        work.elements += RangeElements(*op, static_cast<int>(i), step.out);
      }
      work.macs = op->Macs(step.out, op->all_inputs());
      return work;
    }
    case StepKind::kPartialSums: {
      const nn::TensorSpec& spec = op->inputs()[0];
      ASSIGN_OR_RETURN(const Tensor* input, Need(ctx, env, spec.name, chip));
      io.inputs = {input};
      const int64_t n = step.out.size() * op->partial_sums_per_unit();
      absl::Span<int32_t> sums = Scratch(n, buffers, &local_scratch);
      RETURN_IF_ERROR(op->PartialSumsInto(io, step.out, step.in, sums.data()));
      ASSIGN_OR_RETURN(Tensor * acc, Materialize(ctx, env, plan.psum, buffers, plan.psum_spec));
      const int64_t first = step.out.begin * op->partial_sums_per_unit();
      RETURN_IF_ERROR(CheckBytes(*acc, plan.psum, 4 * first, 4 * n));
      int32_t* a = acc->data<int32_t>() + first;
      for (int64_t i = 0; i < n; ++i) a[i] += sums[i];
      work.macs = op->Macs(step.out, step.in);
      work.elements = n;
      return work;
    }
    case StepKind::kFinishPartialSums: {
      const std::string& psum_name = plan.psum;
      ASSIGN_OR_RETURN(const Tensor* acc, Need(ctx, env, psum_name, chip));
      // A conv's accumulator holds a whole (pre-pooling) plane per output unit.
      const int64_t per_unit = op->partial_sums_per_unit();
      RETURN_IF_ERROR(CheckBytes(*acc, psum_name, 4 * step.out.begin * per_unit,
                                 4 * step.out.size() * per_unit));
      ASSIGN_OR_RETURN(Tensor * output, Materialize(ctx, env, op->outputs()[0].name, buffers,
                                                    plan.output_specs[0]));
      RETURN_IF_ERROR(op->FinishPartialSumsInto(acc->data<int32_t>() + step.out.begin * per_unit,
                                                io, step.out, output));
      work.elements = RangeElements(*op, 0, step.out);
      return work;
    }
    case StepKind::kLstmUnits: {
      ASSIGN_OR_RETURN(const Tensor* x_all, Need(ctx, env, op->inputs()[0].name, chip));
      ASSIGN_OR_RETURN(const Tensor* h, Need(ctx, env, op->inputs()[1].name, chip));
      ASSIGN_OR_RETURN(const Tensor* c_all, Need(ctx, env, op->inputs()[2].name, chip));
      const int64_t in_dim = op->inputs()[0].shape.back();
      // The step's x is the first in_dim values of x (its first time step).
      if (x_all->dtype() != nn::DType::kInt8 || x_all->num_elements() < in_dim) {
        return absl::InvalidArgumentError(absl::StrCat(
            WakeUpLabel(ctx.partition, chip), ": lstm step '", step.op, "' needs ", in_dim,
            " int8 x values; got ", x_all->DebugString()));
      }
      ASSIGN_OR_RETURN(Tensor * h_out, Materialize(ctx, env, op->outputs()[0].name, buffers,
                                                   plan.output_specs[0]));
      ASSIGN_OR_RETURN(Tensor * c_out, Materialize(ctx, env, op->outputs()[1].name, buffers,
                                                   plan.output_specs[1]));
      RETURN_IF_ERROR(nn::LstmStepUnitsInto(
          *op, absl::MakeConstSpan(x_all->data<int8_t>(), in_dim), *h, *c_all, io, step.out,
          Scratch(4 * step.out.size(), buffers, &local_scratch), h_out, c_out));
      work.elements = 2 * step.out.size();
      work.macs = op->Macs(step.out, op->all_inputs());
      return work;
    }
  }
  return work;
}

}  // namespace

absl::Status AddWakeUpBuffers(const SliceContext& ctx, int chip,
                              const std::vector<std::string>& tensors, WakeUpBuffers* buffers) {
  if (chip < 0 || chip >= static_cast<int>(ctx.partition.chips.size())) {
    return absl::InvalidArgumentError(absl::StrCat("wake-up index ", chip, " outside [0, ",
                                                   ctx.partition.chips.size(), ")"));
  }
  for (const std::string& name : tensors) {
    const nn::TensorSpec* spec = SpecOf(ctx, name);
    if (spec == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(WakeUpLabel(ctx.partition, chip),
                                                     ": unknown tensor '", name, "'"));
    }
    buffers->spare.emplace(name, Tensor(spec->dtype, spec->shape, spec->frac_bits));
  }
  int64_t scratch = 0;
  std::vector<StepPlan> plans;
  plans.reserve(ctx.partition.chips[chip].steps.size());
  for (const ChipStep& step : ctx.partition.chips[chip].steps) {
    ASSIGN_OR_RETURN(StepPlan plan, PlanStep(ctx, step, chip));
    const nn::Op* op = plan.op;
    plans.push_back(std::move(plan));
    if (step.kind == StepKind::kOutputRange) {
      scratch = std::max(scratch, op->ScratchElements(step.out));
    } else if (step.kind == StepKind::kPartialSums) {
      scratch = std::max(scratch, step.out.size() * op->partial_sums_per_unit());
    } else if (step.kind == StepKind::kLstmUnits) {
      scratch = std::max(scratch, 4 * step.out.size());  // the gates
    }
  }
  if (static_cast<int64_t>(buffers->scratch.size()) < scratch) buffers->scratch.resize(scratch);
  if (buffers->routes.size() < ctx.partition.chips.size()) {
    buffers->routes.resize(ctx.partition.chips.size());
  }
  WakeUpRoutes routes{ctx.partition.Inbound(chip), ctx.partition.Outbound(chip), {}};
  routes.inbound_specs.reserve(routes.inbound.size());
  for (const MessagePlan* m : routes.inbound) {
    auto& specs = routes.inbound_specs.emplace_back();
    for (const Segment& s : m->payload) {
      specs.push_back(s.is_constant() ? nullptr : SpecOf(ctx, s.tensor));
    }
  }
  buffers->routes[chip] = std::move(routes);
  if (buffers->step_plans.size() < ctx.partition.chips.size()) {
    buffers->step_plans.resize(ctx.partition.chips.size());
  }
  buffers->step_plans[chip] = std::move(plans);
  return absl::OkStatus();
}

void ReleaseTensors(Env& env, WakeUpBuffers* buffers) {
  while (!env.empty()) buffers->spare.insert(env.extract(env.begin()));
}

void CopyTensors(const Env& from, Env& env, WakeUpBuffers* buffers) {
  for (const auto& [name, tensor] : from) {
    auto it = env.find(name);
    if (it == env.end() && buffers != nullptr) {
      auto spare = buffers->spare.find(name);
      if (spare != buffers->spare.end() && spare->second.dtype() == tensor.dtype() &&
          spare->second.shape() == tensor.shape()) {
        it = env.insert(buffers->spare.extract(spare)).position;
      }
    }
    if (it == env.end()) {
      env.emplace(name, tensor);
      continue;
    }
    if (it->second.dtype() != tensor.dtype() || it->second.shape() != tensor.shape()) {
      it->second = tensor;
      continue;
    }
    if (tensor.byte_size() > 0) {
      std::memcpy(it->second.data<uint8_t>(), tensor.bytes().data(), tensor.byte_size());
    }
  }
}

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

const WakeUpRoutes& RoutesOf(const SliceContext& ctx, int chip, const WakeUpBuffers* buffers,
                             WakeUpRoutes* computed) {
  if (buffers != nullptr && chip >= 0 && chip < static_cast<int>(buffers->routes.size()) &&
      buffers->routes[chip].has_value()) {
    return *buffers->routes[chip];
  }
  *computed = WakeUpRoutes{ctx.partition.Inbound(chip), ctx.partition.Outbound(chip), {}};
  return *computed;
}

namespace {

// DecodeInbound over the wake-up's inbound messages `routes.inbound`.
absl::StatusOr<int> DecodeInboundList(const SliceContext& ctx, int chip,
                                      const WakeUpRoutes& routes,
                                      absl::Span<const uint16_t> payload, Env& env,
                                      WakeUpBuffers* buffers) {
  int64_t pos = 0;
  int read = 0;
  const bool have_specs = routes.inbound_specs.size() == routes.inbound.size();
  for (size_t i = 0; i < routes.inbound.size(); ++i) {
    const MessagePlan* m = routes.inbound[i];
    ASSIGN_OR_RETURN(bool present, Present(ctx, *m, payload, pos, env));
    if (!present) continue;
    RETURN_IF_ERROR(DecodeSegments(
        ctx, *m, payload, &pos, env, chip, buffers,
        have_specs ? absl::MakeConstSpan(routes.inbound_specs[i])
                   : absl::Span<const nn::TensorSpec* const>()));
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

}  // namespace

absl::StatusOr<int> DecodeInbound(const SliceContext& ctx, int chip,
                                  absl::Span<const uint16_t> payload, Env& env,
                                  WakeUpBuffers* buffers) {
  WakeUpRoutes computed;
  return DecodeInboundList(ctx, chip, RoutesOf(ctx, chip, buffers, &computed), payload, env,
                           buffers);
}

absl::Status DecodeMessage(const SliceContext& ctx, const MessagePlan& message,
                           absl::Span<const uint16_t> payload, Env& env, int receiver) {
  int64_t pos = 0;
  RETURN_IF_ERROR(DecodeSegments(ctx, message, payload, &pos, env, receiver, nullptr));
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
  sent.payload.reserve(m.max_words());  // one block, not a doubling chain
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

namespace {

// RunWakeUp into `result` (cleared first).
absl::Status RunWakeUpInto(const SliceContext& ctx, int chip, absl::Span<const uint16_t> payload,
                           Env& env, WakeUpBuffers* buffers, WakeUpResult& result) {
  if (chip < 0 || chip >= static_cast<int>(ctx.partition.chips.size())) {
    return absl::InvalidArgumentError(absl::StrCat("wake-up index ", chip, " outside [0, ",
                                                   ctx.partition.chips.size(), ")"));
  }
  result.sent.clear();
  result.work.clear();
  result.work.reserve(ctx.partition.chips[chip].steps.size());
  // The buffers' routes, or both lists computed once for this wake-up.
  WakeUpRoutes computed;
  const WakeUpRoutes& routes = RoutesOf(ctx, chip, buffers, &computed);
  RETURN_IF_ERROR(
      DecodeInboundList(ctx, chip, routes, payload, env, buffers).status());
  result.words_in = static_cast<int64_t>(payload.size());
  const std::vector<ChipStep>& steps = ctx.partition.chips[chip].steps;
  // The buffers' step plans, or each step planned as it runs.
  const std::vector<StepPlan>* plans =
      buffers != nullptr && chip < static_cast<int>(buffers->step_plans.size()) &&
              buffers->step_plans[chip].size() == steps.size()
          ? &buffers->step_plans[chip]
          : nullptr;
  for (size_t i = 0; i < steps.size(); ++i) {
    const ChipStep& step = steps[i];
    if (!GuardHolds(env, step.guard)) continue;
    StepWork work;
    if (plans != nullptr) {
      ASSIGN_OR_RETURN(work, RunStep(ctx, step, (*plans)[i], env, chip, buffers));
    } else {
      ASSIGN_OR_RETURN(const StepPlan plan, PlanStep(ctx, step, chip));
      ASSIGN_OR_RETURN(work, RunStep(ctx, step, plan, env, chip, buffers));
    }
    result.work.push_back(work);
  }
  const MessageList& outbound = routes.outbound;
  result.sent.reserve(outbound.size());
  for (const MessagePlan* m : outbound) {
    if (!GuardHolds(env, m->guard)) continue;
    ASSIGN_OR_RETURN(SentMessage sent, EncodeMessage(ctx, *m, env));
    result.sent.push_back(std::move(sent));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<WakeUpResult> RunWakeUp(const SliceContext& ctx, int chip,
                                       absl::Span<const uint16_t> payload, Env& env,
                                       WakeUpBuffers* buffers) {
  WakeUpResult result;
  RETURN_IF_ERROR(RunWakeUpInto(ctx, chip, payload, env, buffers, result));
  return result;
}

absl::Status RunWakeUpInBuffers(const SliceContext& ctx, int chip,
                                absl::Span<const uint16_t> payload, Env& env,
                                WakeUpBuffers& buffers) {
  return RunWakeUpInto(ctx, chip, payload, env, &buffers, buffers.result);
}

}  // namespace illusion::partitioner
