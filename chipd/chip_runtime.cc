#include "chipd/chip_runtime.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/memory/memory.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "chipd/chip_model.h"
#include "common/status_macros.h"
#include "partitioner/chip_runner.h"
#include "partitioner/slice_buffers.h"

namespace illusion::chipd {
namespace {

using partitioner::kHost;
using partitioner::MessagePlan;
using partitioner::Partition;

WorkKind WorkKindOf(nn::OpKind kind) {
  switch (kind) {
    case nn::OpKind::kConv2D:
      return WorkKind::kConv2D;
    case nn::OpKind::kDense:
      return WorkKind::kDense;
    case nn::OpKind::kLstm:
      return WorkKind::kLstm;
    case nn::OpKind::kMaxPool:
      return WorkKind::kMaxPool;
    case nn::OpKind::kArgmax:
      return WorkKind::kArgmax;
    case nn::OpKind::kBranch:
      return WorkKind::kBranch;
    // The scaled-out ops have no cycle costs of their own in ChipModel:
    // elementwise passes cost as pooled elements, the embedding lookup as a
    // MAC-free dense item (its output elements), the LM cell as LSTM MACs.
    case nn::OpKind::kResidualAdd:
    case nn::OpKind::kGlobalAvgPool:
      return WorkKind::kMaxPool;
    case nn::OpKind::kEmbedding:
      return WorkKind::kDense;
    case nn::OpKind::kLmLstmCell:
      return WorkKind::kLstm;
  }
  return WorkKind::kDense;
}

// Fills the WorkItem counts that depend on which firmware routine runs a
// step (workloads.md §1.1), by what the kernel does, not by op name:
// * dense, one pass (`dense2`: int16 inputs; `dense_bias`: int8 outputs): the
//   bias is preloaded into the multiplier-accumulator and every output is
//   requantized and stored directly; `dense_bias` also marks int8_output;
// * dense, finishing int32 partial sums (`add_bias`): requantize and store;
// * dense, int32 accumulation (`dense`: partial sums, or int8 inputs with an
//   int16 result): outputs stay `elements`, as before;
// * conv2d with same padding (`conv2D_1filter_pad`): every output position
//   before pooling is a padded_conv_output.
// What the cost routines need to know of an op beyond its kind, read once
// from its attrs (a map built per call) and kept per loaded slice.
struct OpRoutine {
  bool int8_out = false;      // dense: int8 output
  bool int16_in = false;      // dense: int16 input
  bool same_padding = false;  // conv: zero-padded
};

OpRoutine RoutineOf(const nn::Op& op) {
  OpRoutine r;
  if (op.kind() != nn::OpKind::kDense && op.kind() != nn::OpKind::kConv2D) return r;
  const std::map<std::string, int64_t> attrs = op.attrs();
  const auto bits = attrs.find("out_bits");
  r.int8_out = bits != attrs.end() && bits->second == 8;
  r.int16_in = !op.inputs().empty() && op.inputs()[0].dtype == nn::DType::kInt16;
  const auto pad = attrs.find("same_padding");
  r.same_padding = pad != attrs.end() && pad->second != 0;
  return r;
}

void SetRoutineCounts(const nn::Op& op, const OpRoutine& routine,
                      const partitioner::ChipStep& step, WorkItem* item) {
  using partitioner::StepKind;
  if (op.kind() == nn::OpKind::kDense) {
    const bool one_pass =
        step.kind == StepKind::kOutputRange && (routine.int8_out || routine.int16_in);
    if (one_pass || step.kind == StepKind::kFinishPartialSums) {
      item->requantized_outputs = item->elements;
      item->elements = 0;
    }
    item->int8_output = step.kind == StepKind::kOutputRange && routine.int8_out;
  } else if (op.kind() == nn::OpKind::kConv2D) {
    if (routine.same_padding && step.kind != StepKind::kFinishPartialSums) {
      item->padded_conv_outputs = step.out.size() * op.partial_sums_per_unit();
    }
  }
}

// Words of the chip's NVM: the weight NVM, plus the activation region after
// it when activations live in NVM.
int64_t NvmWords(const illusion::v1::ChipModel& model, bool activations_in_nvm) {
  const int64_t bytes =
      model.weight_nvm_bytes() + (activations_in_nvm ? model.activation_sram_bytes() : 0);
  return (bytes + 1) / 2;
}

std::string SourceName(const Partition& p, int source) {
  return partitioner::WakeUpLabel(p, source);
}

// Checks that every op of `wake_up` exists and has its weights with the
// graph's dtype and shape.
absl::Status CheckWeights(const SliceBundle& b, int wake_up) {
  for (const partitioner::ChipStep& step : b.partition.chips[wake_up].steps) {
    const nn::Op* op = b.graph.FindOp(step.op);
    if (op == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("slice '", b.name, "': unknown op '",
                                                     step.op, "' (graph '", b.graph.name(),
                                                     "')"));
    }
    if (step.out.begin < 0 || step.out.end > op->output_units() || step.out.size() <= 0) {
      return absl::InvalidArgumentError(absl::StrCat("slice '", b.name, "': op '", step.op,
                                                     "' output range ", step.out.DebugString(),
                                                     " outside [0, ", op->output_units(), ")"));
    }
    for (const nn::TensorSpec& w : op->weights()) {
      auto it = b.weights.find(w.name);
      if (it == b.weights.end()) {
        return absl::InvalidArgumentError(absl::StrCat("slice '", b.name, "': op '", step.op,
                                                       "' needs weight '", w.name,
                                                       "', which was not given"));
      }
      if (it->second.dtype() != w.dtype || it->second.shape() != w.shape) {
        return absl::InvalidArgumentError(absl::StrCat(
            "slice '", b.name, "': weight '", w.name, "' is ", it->second.DebugString(),
            "; op '", step.op, "' needs ", w.DebugString()));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

// What the cost model says of one wake-up's run, and what that depends on:
// the wake-up, the steps it ran (guards may skip some) with their MACs and
// elements, its words in and out and the NVM words it wrote. The model is fixed while a slice is loaded
// (only Reset changes it, and Reset drops the slice), so equal inputs give
// an equal cost. Plain value type.
struct ChipRuntime::WakeUpCost {
  int wake_up = 0;
  absl::InlinedVector<partitioner::StepWork, 8> work;
  int64_t words_in = 0;
  int64_t words_out = 0;
  int64_t nvm_written = 0;
  SliceCost cost;
  std::vector<double> step_cycles;  // per step, without the slice's words

  bool Matches(int w, const partitioner::WakeUpResult& run, int64_t in, int64_t out,
               int64_t nvm) const {
    if (w != wake_up || in != words_in || out != words_out || nvm != nvm_written ||
        run.work.size() != work.size()) {
      return false;
    }
    for (size_t i = 0; i < work.size(); ++i) {
      const partitioner::StepWork& a = run.work[i];
      if (a.step != work[i].step || a.macs != work[i].macs || a.elements != work[i].elements) {
        return false;
      }
    }
    return true;
  }
};

namespace {
// Cached wake-up costs per loaded slice: a handful per wake-up covers the
// guarded (LSTM) slices; beyond it costs are computed per Execute.
constexpr size_t kMaxCachedCosts = 64;
}  // namespace

// A loaded slice: the bundle plus what LoadSlice derived from it.
struct ChipRuntime::Loaded {
  explicit Loaded(SliceBundle b) : bundle(std::move(b)) {}
  SliceBundle bundle;
  SliceInfo info;
  std::vector<int> wake_ups;  // indices into partition.chips
  // Per wake-up index: the SRAM (or NVM) plan of its buffers.
  std::map<int, std::vector<partitioner::SliceBuffer>> buffers;
  std::map<int, MemoryPlan> plans;
  int64_t weight_words = 0;
  // The host-side storage of the chip's tensors, created here once and
  // reused by every Execute (partitioner::RunWakeUp takes its tensors from
  // it and Execute gives them back): one whole tensor per planned buffer of
  // each wake-up, twice for a wake-up that another resumes (one copy stays
  // in persisted_ while the next run fills the other), plus the partial-sum
  // scratch. Execute only overwrites them.
  partitioner::WakeUpBuffers tensors;
  // The inbox messages concatenated in plan order (capacity kept).
  Words payload;
  // Per-word NVM write counts before an Execute (activations in NVM).
  std::vector<uint64_t> nvm_counts_before;
  // The cost model's work items of the current Execute (capacity kept).
  std::vector<WorkItem> items;
  // What the cost model needs of each step the slice has run (its op,
  // RoutineOf the op, the weight words it reads), filled by Execute as it
  // meets them: the steps and the graph do not change while loaded.
  struct StepFacts {
    const nn::Op* op = nullptr;
    OpRoutine routine;
    int64_t weight_words_read = 0;
  };
  absl::flat_hash_map<const partitioner::ChipStep*, StepFacts> step_facts;
  // The costs of the runs seen so far (see WakeUpCost); at most
  // kMaxCachedCosts.
  std::vector<WakeUpCost> costs;
  WakeUpCost uncached_cost;  // the last one computed when `costs` was full

  int Find(const std::string& label) const {
    if (label.empty()) return wake_ups.front();
    for (int w : wake_ups) {
      if (bundle.partition.chips[w].label == label) return w;
    }
    return -1;
  }
};

ChipRuntime::ChipRuntime(int chip_id, illusion::v1::ChipModel model, ChipRuntimeOptions options,
                         Fresh fresh)
    : chip_id_(chip_id),
      options_(options),
      model_(std::move(model)),
      power_(std::move(fresh.power)),
      nvm_(std::move(fresh.nvm)),
      activations_in_nvm_(options_.activations_in_nvm) {}

ChipRuntime::~ChipRuntime() = default;

absl::StatusOr<ChipRuntime::Fresh> ChipRuntime::MakeFresh(const illusion::v1::ChipModel& model,
                                                          const ChipRuntimeOptions& options) {
  RETURN_IF_ERROR(ValidateChipModel(model));
  Fresh fresh;
  ASSIGN_OR_RETURN(fresh.power, PowerController::Create(model));
  ASSIGN_OR_RETURN(fresh.nvm,
                   IdentityNvmWritePath::Create(NvmWords(model, options.activations_in_nvm)));
  return fresh;
}

absl::StatusOr<std::unique_ptr<ChipRuntime>> ChipRuntime::Create(int chip_id,
                                                                 illusion::v1::ChipModel model,
                                                                 ChipRuntimeOptions options) {
  if (options.max_message_words <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_message_words must be positive; got ", options.max_message_words));
  }
  ASSIGN_OR_RETURN(Fresh fresh, MakeFresh(model, options));
  return absl::WrapUnique(new ChipRuntime(chip_id, std::move(model), options, std::move(fresh)));
}

illusion::v1::ChipModel ChipRuntime::model() const {
  absl::MutexLock lock(&mu_);
  return model_;
}

absl::Status ChipRuntime::Reset(std::optional<illusion::v1::ChipModel> model) {
  // Build the new parts before taking the lock: a refused model changes nothing.
  if (model.has_value()) {
    RETURN_IF_ERROR(ValidateChipModel(*model));
  }
  absl::MutexLock lock(&mu_);
  const illusion::v1::ChipModel& next = model.has_value() ? *model : model_;
  ASSIGN_OR_RETURN(Fresh fresh, MakeFresh(next, options_));
  if (model.has_value()) model_ = *std::move(model);
  power_ = std::move(fresh.power);
  nvm_ = std::move(fresh.nvm);
  remapped_ = nullptr;
  wear_.reset();
  shifts_.reset();
  activations_in_nvm_ = options_.activations_in_nvm;
  slice_.reset();
  persisted_.clear();
  stats_ = ChipStats{};
  return absl::OkStatus();
}

absl::StatusOr<SliceInfo> ChipRuntime::LoadSlice(SliceBundle slice_bundle) {
  // The whole load holds the lock: the budgets come from model_, which
  // Reset may replace.
  absl::MutexLock lock(&mu_);
  auto loaded = std::make_unique<Loaded>(std::move(slice_bundle));
  SliceBundle& bundle = loaded->bundle;
  const Partition& p = bundle.partition;
  for (int i = 0; i < static_cast<int>(p.chips.size()); ++i) {
    if (p.chips[i].chip == bundle.chip) loaded->wake_ups.push_back(i);
  }
  if (loaded->wake_ups.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("slice '", bundle.name, "': partition of '",
                                                   p.graph_name, "' has no wake-up of chip ",
                                                   bundle.chip));
  }
  for (int w : loaded->wake_ups) RETURN_IF_ERROR(CheckWeights(bundle, w));
  for (const MessagePlan& m : p.messages) {
    if (m.max_words() > options_.max_message_words) {
      return absl::InvalidArgumentError(absl::StrCat(
          "slice '", bundle.name, "': message ", m.order, " has ", m.max_words(),
          " words; the chip's limit is ", options_.max_message_words, " words"));
    }
  }
  // Weight bytes from the steps, not from what the partition claims.
  RETURN_IF_ERROR(partitioner::ComputeSliceWeightBytes(bundle.graph, bundle.partition));
  SliceInfo& info = loaded->info;
  info.name = bundle.name;
  info.nvm_capacity_bytes = model_.weight_nvm_bytes();
  info.sram_capacity_bytes = model_.activation_sram_bytes();
  for (int w : loaded->wake_ups) {
    const partitioner::ChipSlice& c = bundle.partition.chips[w];
    info.wake_ups.push_back(c.label);
    info.weight_bytes += c.weight_bytes;
  }
  if (info.weight_bytes > model_.weight_nvm_bytes()) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "slice '", bundle.name, "' needs ", info.weight_bytes, " weight bytes; chip model '",
        model_.name(), "' has ", model_.weight_nvm_bytes(), " bytes of weight NVM"));
  }
  for (int w : loaded->wake_ups) {
    ASSIGN_OR_RETURN(std::vector<partitioner::SliceBuffer> buffers,
                     partitioner::SliceBuffers(bundle.partition, bundle.graph, w));
    std::vector<BufferUse> uses;
    for (const partitioner::SliceBuffer& b : buffers) {
      uses.push_back(BufferUse{b.tensor, b.bytes, b.first_step, b.last_step});
    }
    ASSIGN_OR_RETURN(MemoryPlan plan, PlanMemory(uses, PlannerOptions{2, 0}));
    if (plan.peak_bytes > model_.activation_sram_bytes()) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "slice '", bundle.name, "' wake-up '", bundle.partition.chips[w].label, "' needs ",
          plan.peak_bytes, " activation bytes at its peak; chip model '", model_.name(),
          "' has ", model_.activation_sram_bytes(), " bytes of ",
          activations_in_nvm_ ? "activation NVM" : "SRAM"));
    }
    info.activation_peak_bytes = std::max(info.activation_peak_bytes, plan.peak_bytes);
    loaded->buffers[w] = std::move(buffers);
    loaded->plans[w] = std::move(plan);
  }
  // Create the tensors every Execute reuses (see Loaded::tensors).
  const partitioner::SliceContext ctx{bundle.partition, bundle.graph, bundle.weights};
  for (int w : loaded->wake_ups) {
    std::vector<std::string> names;
    for (const partitioner::SliceBuffer& b : loaded->buffers[w]) names.push_back(b.tensor);
    bool resumed = false;
    for (int later : loaded->wake_ups) resumed = resumed || p.chips[later].resumes == w;
    for (int copy = 0; copy < (resumed ? 2 : 1); ++copy) {
      RETURN_IF_ERROR(partitioner::AddWakeUpBuffers(ctx, w, names, &loaded->tensors));
    }
  }
  loaded->weight_words = (info.weight_bytes + 1) / 2;
  SliceInfo result = loaded->info;
  slice_ = std::move(loaded);
  persisted_.clear();
  return result;
}

absl::StatusOr<absl::Span<const uint16_t>> ChipRuntime::AssemblePayload(
    Loaded& slice, int w, const ExecuteRequest& request) const {
  const Partition& p = slice.bundle.partition;
  auto who = [&p, w] { return partitioner::WakeUpLabel(p, w); };  // for errors
  if (request.stream.has_value()) {
    if (!request.inbox.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(who(), ": give either an input stream or inbox messages, not both"));
    }
    if (static_cast<int64_t>(request.stream->size()) > options_.max_message_words + 2) {
      return absl::InvalidArgumentError(absl::StrCat(who(), ": input stream has ",
                                                     request.stream->size(),
                                                     " words; the limit is ",
                                                     options_.max_message_words + 2));
    }
    const Words& stream = *request.stream;
    if (stream.size() >= 2 && stream.front() == p.chips[w].mode_word &&
        stream.back() == partitioner::kTerminatorWord) {
      return absl::MakeConstSpan(stream).subspan(1, stream.size() - 2);
    }
    // Malformed: InputPayload says why.
    RETURN_IF_ERROR(partitioner::InputPayload(stream, p.chips[w].mode_word).status());
    return absl::InternalError(absl::StrCat(who(), ": input stream rejected"));
  }
  partitioner::WakeUpRoutes computed;
  const partitioner::MessageList& inbound =
      partitioner::RoutesOf(partitioner::SliceContext{p, slice.bundle.graph, slice.bundle.weights},
                            w, &slice.tensors, &computed)
          .inbound;
  absl::InlinedVector<const Words*, 8> ordered(inbound.size(), nullptr);
  for (const InboundMessage& m : request.inbox) {
    if (static_cast<int64_t>(m.payload.size()) > options_.max_message_words) {
      return absl::InvalidArgumentError(absl::StrCat(
          who(), ": inbox message from ", SourceName(p, m.source), " has ", m.payload.size(),
          " words; the limit is ", options_.max_message_words));
    }
    int slot = -1;
    for (size_t i = 0; i < inbound.size(); ++i) {
      const MessagePlan& plan = *inbound[i];
      if (plan.source != m.source || ordered[i] != nullptr) continue;
      if (m.message >= 0 && plan.order != m.message) continue;
      slot = static_cast<int>(i);
      break;
    }
    if (slot < 0) {
      std::vector<std::string> expected;
      for (const MessagePlan* plan : inbound) {
        expected.push_back(absl::StrCat("message ", plan->order, " from ",
                                        SourceName(p, plan->source)));
      }
      return absl::InvalidArgumentError(absl::StrCat(
          who(), ": unexpected inbox message ", m.message, " from ", SourceName(p, m.source),
          "; expected ", expected.empty() ? "none" : absl::StrJoin(expected, ", ")));
    }
    ordered[slot] = &m.payload;
  }
  // One message (the common case) is read in place; more are concatenated
  // into a buffer that keeps its capacity.
  int present = 0;
  const Words* only = nullptr;
  for (const Words* words : ordered) {
    if (words != nullptr) {
      ++present;
      only = words;
    }
  }
  if (present == 0) return absl::Span<const uint16_t>();
  if (present == 1) return absl::MakeConstSpan(*only);
  slice.payload.clear();
  for (const Words* words : ordered) {
    if (words != nullptr) slice.payload.insert(slice.payload.end(), words->begin(), words->end());
  }
  return absl::MakeConstSpan(slice.payload);
}

absl::Status ChipRuntime::WriteActivationsToNvm(const Loaded& slice, int w,
                                                const nn::TensorMap& env) {
  const std::vector<partitioner::SliceBuffer>& buffers = slice.buffers.at(w);
  const MemoryPlan& plan = slice.plans.at(w);
  const int64_t base = model_.weight_nvm_bytes() / 2;
  for (size_t i = 0; i < buffers.size(); ++i) {
    auto it = env.find(buffers[i].tensor);
    if (it == env.end()) continue;  // guarded off
    const absl::string_view bytes = it->second.bytes();
    const int64_t words = (buffers[i].bytes + 1) / 2;
    for (int64_t k = 0; k < words; ++k) {
      const uint8_t lo = 2 * k < static_cast<int64_t>(bytes.size()) ? bytes[2 * k] : 0;
      const uint8_t hi = 2 * k + 1 < static_cast<int64_t>(bytes.size()) ? bytes[2 * k + 1] : 0;
      RETURN_IF_ERROR(nvm_->Write(base + plan.offsets[i] / 2 + k,
                                  static_cast<uint16_t>(lo | (hi << 8))));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ExecuteResult> ChipRuntime::Execute(const ExecuteRequest& request) {
  absl::MutexLock lock(&mu_);
  if (slice_ == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("chip ", chip_id_, ": no slice loaded"));
  }
  Loaded& slice = *slice_;
  const Partition& p = slice.bundle.partition;
  const int w = slice.Find(request.wake_up);
  if (w < 0) {
    return absl::InvalidArgumentError(absl::StrCat("chip ", chip_id_, ": no wake-up '",
                                                   request.wake_up, "'; loaded: ",
                                                   absl::StrJoin(slice.info.wake_ups, ", ")));
  }
  ASSIGN_OR_RETURN(const absl::Span<const uint16_t> payload, AssemblePayload(slice, w, request));
  if (request.start_ns.has_value() && *request.start_ns < power_->now_ns()) {
    return absl::InvalidArgumentError(absl::StrCat("chip ", chip_id_, ": start time ",
                                                   *request.start_ns, " ns is before the chip's clock ",
                                                   power_->now_ns(), " ns"));
  }
  if (!options_.auto_wake && power_->state() != PowerState::kActive) {
    return absl::FailedPreconditionError(absl::StrCat(
        "chip ", chip_id_, " is ", PowerStateName(power_->state()),
        " and auto-wake is off; call Wake (SetPowerState) first"));
  }
  const PowerEnergy energy_before = power_->energy();
  if (request.start_ns.has_value() && power_->state() == PowerState::kOff) {
    RETURN_IF_ERROR(power_->SleepUntil(*request.start_ns));
  }
  ExecuteResult result;
  result.start_ns = power_->now_ns();
  RETURN_IF_ERROR(power_->EnsureAwake(options_.auto_wake));

  // Compute. On failure the chip shuts down again and nothing is recorded.
  const partitioner::SliceContext ctx{p, slice.bundle.graph, slice.bundle.weights};
  const int resumes = p.chips[w].resumes;
  // The tensors come from slice.tensors and go back there on every return
  // (or into persisted_ below): Execute allocates no tensor storage.
  nn::TensorMap env;
  absl::Cleanup release_tensors = [&env, &slice] {
    partitioner::ReleaseTensors(env, &slice.tensors);
  };
  if (resumes >= 0) {
    auto it = persisted_.find(resumes);
    if (it != persisted_.end()) partitioner::CopyTensors(it->second, env, &slice.tensors);
  }
  if (absl::Status ran = partitioner::RunWakeUpInBuffers(ctx, w, payload, env, slice.tensors);
      !ran.ok()) {
    (void)power_->Sleep();
    power_->TakeIntervals();
    return ran;
  }
  partitioner::WakeUpResult* const run = &slice.tensors.result;
  const int64_t nvm_before = nvm_->total_writes();
  std::vector<uint64_t>& counts_before = slice.nvm_counts_before;
  counts_before.clear();
  if (activations_in_nvm_) {
    const absl::Span<const uint64_t> counts = nvm_->physical_write_counts();
    counts_before.assign(counts.begin(), counts.end());
    RETURN_IF_ERROR(WriteActivationsToNvm(slice, w, env));
  }
  const int64_t nvm_written = nvm_->total_writes() - nvm_before;

  // Outbox and words. Sized up front: one block per vector.
  size_t stream_words = 0;
  for (const partitioner::SentMessage& sent : run->sent) stream_words += 1 + sent.payload.size();
  if (request.return_out_stream) result.out_stream.reserve(stream_words);
  result.outbox.reserve(run->sent.size());
  for (partitioner::SentMessage& sent : run->sent) {
    const MessagePlan& m = *sent.plan;
    OutboundMessage out;
    out.message = m.order;
    out.destination = m.destination;
    out.header = m.destination == kHost ? partitioner::kHostWord
                                        : p.chips[m.destination].mode_word;
    out.via_master = m.via_master;
    if (request.return_out_stream) {
      result.out_stream.push_back(out.header);
      result.out_stream.insert(result.out_stream.end(), sent.payload.begin(),
                               sent.payload.end());
    }
    out.payload = std::move(sent.payload);
    result.outbox.push_back(std::move(out));
  }
  result.words_in = static_cast<int64_t>(payload.size()) + 2;  // mode word + terminator
  result.words_out = static_cast<int64_t>(stream_words);

  // Cost.
  ASSIGN_OR_RETURN(const WakeUpCost* wake_up_cost,
                   CostOf(slice, w, *run, result.words_in, result.words_out, nvm_written));
  const SliceCost& cost = wake_up_cost->cost;
  result.steps.reserve(run->work.size());
  for (size_t i = 0; i < run->work.size(); ++i) {
    const partitioner::ChipStep& step = *run->work[i].step;
    result.steps.push_back(StepExecution{step.op,
                                         std::string(partitioner::StepKindName(step.kind)),
                                         step.out.begin, step.out.end, run->work[i].macs,
                                         wake_up_cost->step_cycles[i]});
  }
  RETURN_IF_ERROR(power_->AdvanceActive(cost.active_ns));
  RETURN_IF_ERROR(power_->Sleep());
  result.end_ns = power_->now_ns();
  power_->TakeIntervalsInto(&result.intervals);
  result.wake_up = p.chips[w].label;
  result.cycles = cost.cycles;
  const PowerEnergy& after = power_->energy();
  result.energy.active_j = after.active_j - energy_before.active_j;
  result.energy.sleep_j = after.sleep_j - energy_before.sleep_j;
  result.energy.wakeup_j = after.wakeup_j - energy_before.wakeup_j;
  result.energy.shutdown_j = after.shutdown_j - energy_before.shutdown_j;
  result.energy.mac_j = cost.energy.mac_j;
  result.energy.nvm_read_j = cost.energy.nvm_read_j;
  result.energy.nvm_write_j = cost.energy.nvm_write_j;
  result.energy.link_j = cost.energy.link_j;
  if (activations_in_nvm_) {
    const absl::Span<const uint64_t> counts = nvm_->physical_write_counts();
    for (size_t a = 0; a < counts.size(); ++a) {
      const uint64_t before = a < counts_before.size() ? counts_before[a] : 0;
      if (counts[a] > before) {
        result.nvm_writes.emplace_back(static_cast<int64_t>(a),
                                       static_cast<int64_t>(counts[a] - before));
      }
    }
  }

  // Keep the tensors when a later wake-up resumes this one.
  for (int later : slice.wake_ups) {
    if (p.chips[later].resumes == w) {
      // The previous kept tensors go back; this run's stay until the next.
      nn::TensorMap& kept = persisted_[w];
      partitioner::ReleaseTensors(kept, &slice.tensors);
      kept.swap(env);
      break;
    }
  }
  stats_.executions += 1;
  stats_.words_in += result.words_in;
  stats_.words_out += result.words_out;
  stats_.macs += cost.macs;
  stats_.nvm_writes += nvm_written;
  stats_.dynamic_energy_j += result.energy.mac_j + result.energy.nvm_read_j +
                             result.energy.nvm_write_j + result.energy.link_j;
  return result;
}

absl::StatusOr<const ChipRuntime::WakeUpCost*> ChipRuntime::CostOf(
    Loaded& slice, int w, const partitioner::WakeUpResult& run, int64_t words_in,
    int64_t words_out, int64_t nvm_written) {
  for (const WakeUpCost& c : slice.costs) {
    if (c.Matches(w, run, words_in, words_out, nvm_written)) return &c;
  }
  WakeUpCost computed;
  computed.wake_up = w;
  computed.work.assign(run.work.begin(), run.work.end());
  computed.words_in = words_in;
  computed.words_out = words_out;
  computed.nvm_written = nvm_written;
  std::vector<WorkItem>& items = slice.items;  // capacity kept across Executes
  items.clear();
  for (const partitioner::StepWork& work : run.work) {
    auto facts = slice.step_facts.find(work.step);
    if (facts == slice.step_facts.end()) {
      const nn::Op* op = slice.bundle.graph.FindOp(work.step->op);
      const bool partial = work.step->kind == partitioner::StepKind::kPartialSums;
      const int64_t weight_bytes =
          op->WeightBytes(work.step->out, partial ? work.step->in : op->all_inputs());
      facts = slice.step_facts
                  .emplace(work.step, Loaded::StepFacts{op, RoutineOf(*op), (weight_bytes + 1) / 2})
                  .first;
    }
    const nn::Op& op = *facts->second.op;
    WorkItem item;
    item.name = op.name();
    item.kind = WorkKindOf(op.kind());
    item.macs = (item.kind == WorkKind::kConv2D || item.kind == WorkKind::kDense ||
                 item.kind == WorkKind::kLstm)
                    ? work.macs
                    : 0;
    item.elements = work.elements;
    SetRoutineCounts(op, facts->second.routine, *work.step, &item);
    item.weight_words_read = facts->second.weight_words_read;
    items.push_back(std::move(item));
  }
  if (items.empty()) {
    WorkItem io;
    io.name = "io";
    io.kind = WorkKind::kBranch;
    items.push_back(std::move(io));
  }
  items.front().words_in = words_in;
  items.back().words_out = words_out;
  CostOptions cost_options;
  cost_options.nvm_words_written = nvm_written;
  cost_options.validate_model = false;  // validated when set (constructor, SetModel)
  ASSIGN_OR_RETURN(computed.cost, EstimateSliceCost(model_, items, cost_options));
  computed.step_cycles.reserve(run.work.size());
  for (size_t i = 0; i < run.work.size(); ++i) {
    // The step's own cycles, without the slice's words (costed above).
    WorkItem& single = items[i];
    single.words_in = single.words_out = 0;
    ASSIGN_OR_RETURN(CycleBreakdown c, WorkItemCycles(model_, single));
    computed.step_cycles.push_back(c.total());
  }
  if (slice.costs.size() < kMaxCachedCosts) {
    slice.costs.push_back(std::move(computed));
    return &slice.costs.back();
  }
  slice.uncached_cost = std::move(computed);
  return &slice.uncached_cost;
}

absl::Status ChipRuntime::Wake() {
  absl::MutexLock lock(&mu_);
  return power_->Wake();
}

absl::Status ChipRuntime::Sleep() {
  absl::MutexLock lock(&mu_);
  return power_->Sleep();
}

std::optional<SliceInfo> ChipRuntime::slice_info() const {
  absl::MutexLock lock(&mu_);
  if (slice_ == nullptr) return std::nullopt;
  return slice_->info;
}

ChipStats ChipRuntime::stats() const {
  absl::MutexLock lock(&mu_);
  ChipStats s = stats_;
  s.now_ns = power_->now_ns();
  s.power = power_->stats();
  s.power_energy = power_->energy();
  s.state = power_->state();
  return s;
}

std::vector<int64_t> ChipRuntime::nvm_write_counts() const {
  absl::MutexLock lock(&mu_);
  const absl::Span<const uint64_t> counts = nvm_->physical_write_counts();
  return std::vector<int64_t>(counts.begin(), counts.end());
}

bool ChipRuntime::activations_in_nvm() const {
  absl::MutexLock lock(&mu_);
  return activations_in_nvm_;
}

absl::Status ChipRuntime::ConfigureWear(const WearConfig& config) {
  if (config.cache_entries < 1 || config.cache_entries > 1024) {
    return absl::InvalidArgumentError(absl::StrCat("chip ", chip_id_, ": wear cache_entries ",
                                                   config.cache_entries,
                                                   " outside [1, 1024]"));
  }
  const int mode = static_cast<int>(config.mode);
  if (mode > static_cast<int>(endurer::Mode::kDistributed)) {
    return absl::InvalidArgumentError(
        absl::StrCat("chip ", chip_id_, ": wear mode ", mode, " outside [0, 2]"));
  }
  absl::MutexLock lock(&mu_);
  const int64_t words = NvmWords(model_, config.activations_in_nvm);
  if (words < 2 || words > 65536) {
    return absl::InvalidArgumentError(absl::StrCat(
        "chip ", chip_id_, ": chip model '", model_.name(), "' has ", words, " NVM words",
        config.activations_in_nvm ? " (weights and activations)" : " (weights)",
        "; wear levelling supports [2, 65536]"));
  }
  absl::StatusOr<std::unique_ptr<RemappedNvmWritePath>> path = RemappedNvmWritePath::Create(
      endurer::RemapperConfig{config.mode, static_cast<uint32_t>(words), config.cache_entries});
  if (!path.ok()) {
    return absl::Status(path.status().code(),
                        absl::StrCat("chip ", chip_id_, ": ", path.status().message()));
  }
  remapped_ = path->get();
  nvm_ = *std::move(path);
  wear_ = config;
  shifts_ = std::make_unique<endurer::SeededShiftSource>(config.seed);
  activations_in_nvm_ = config.activations_in_nvm;
  return absl::OkStatus();
}

WearReport ChipRuntime::Wear(bool include_cells) const {
  absl::MutexLock lock(&mu_);
  WearReport report;
  report.mode = wear_.has_value() ? wear_->mode : endurer::Mode::kNoResiliency;
  report.activations_in_nvm = activations_in_nvm_;
  report.segment_words = static_cast<uint32_t>(nvm_->capacity_words());
  report.write_count = static_cast<uint64_t>(nvm_->total_writes());
  if (remapped_ != nullptr) {
    report.offset = remapped_->remapper().offset();
    report.pending = remapped_->remapper().pending();
    report.remaps = remapped_->remaps();
  }
  const absl::Span<const uint64_t> cells = nvm_->physical_write_counts();
  if (!cells.empty()) report.max_cell_writes = *std::max_element(cells.begin(), cells.end());
  if (include_cells) report.cell_writes.assign(cells.begin(), cells.end());
  return report;
}

absl::StatusOr<RemapOutcome> ChipRuntime::Remap(std::optional<uint32_t> shift) {
  absl::MutexLock lock(&mu_);
  const int64_t m = nvm_->capacity_words();
  if (shift.has_value() && (*shift == 0 || *shift >= m)) {
    return absl::InvalidArgumentError(absl::StrCat("chip ", chip_id_, ": remap shift ", *shift,
                                                   " outside [1, ", m - 1, "]"));
  }
  if (remapped_ == nullptr) return RemapOutcome{};  // unconfigured: no resiliency
  absl::StatusOr<endurer::RemapResult> result =
      shift.has_value() ? remapped_->RemapBy(*shift) : remapped_->Remap(*shifts_);
  if (!result.ok()) {
    return absl::Status(result.status().code(),
                        absl::StrCat("chip ", chip_id_, ": ", result.status().message()));
  }
  RemapOutcome outcome;
  outcome.applied = result->applied;
  outcome.shift = result->shift;
  outcome.new_offset = remapped_->remapper().offset();
  outcome.writes = result->writes;
  outcome.flushed = result->flushed;
  return outcome;
}

absl::StatusOr<NvmImage> ChipRuntime::ExportNvm() {
  absl::MutexLock lock(&mu_);
  if (remapped_ != nullptr) return remapped_->Export();
  // Unconfigured: the identity path, physical = virtual, offset 0.
  RETURN_IF_ERROR(nvm_->Flush());
  NvmImage image;
  image.words.reserve(nvm_->capacity_words());
  for (int64_t a = 0; a < nvm_->capacity_words(); ++a) {
    ASSIGN_OR_RETURN(const uint16_t word, nvm_->Read(a));
    image.words.push_back(word);
  }
  return image;
}

absl::Status ChipRuntime::ImportNvm(const NvmImage& image) {
  absl::MutexLock lock(&mu_);
  if (remapped_ != nullptr) {
    const absl::Status status = remapped_->Import(image);
    if (status.ok()) return status;
    return absl::Status(status.code(), absl::StrCat("chip ", chip_id_, ": ", status.message()));
  }
  const int64_t m = nvm_->capacity_words();
  if (static_cast<int64_t>(image.words.size()) != m) {
    return absl::InvalidArgumentError(absl::StrCat("chip ", chip_id_, ": nvm image has ",
                                                   image.words.size(), " words; the segment has ",
                                                   m));
  }
  if (image.offset != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("chip ", chip_id_, ": nvm image offset ", image.offset,
                     " on a chip without wear levelling (must be 0)"));
  }
  for (int64_t a = 0; a < m; ++a) RETURN_IF_ERROR(nvm_->Write(a, image.words[a]));
  return absl::OkStatus();
}

}  // namespace illusion::chipd
