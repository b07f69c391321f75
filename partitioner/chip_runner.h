#ifndef ILLUSION_PARTITIONER_CHIP_RUNNER_H_
#define ILLUSION_PARTITIONER_CHIP_RUNNER_H_

// One chip wake-up of a Partition, exchanging only 16-bit words: decode the
// input payload into the chip's tensors, compute the slice's op sub-ranges
// with the nn ops' range APIs, encode the outbound messages. The same code
// runs inside chipd and inside the in-process partition executor, so both
// produce the same words.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "nn/executor.h"
#include "nn/graph.h"
#include "nn/weights.h"
#include "partitioner/partition.h"
#include "partitioner/word_protocol.h"

namespace illusion::partitioner {

// Everything a wake-up reads; borrows all three, which must outlive it.
// Thread-safe to share read-only.
struct SliceContext {
  const Partition& partition;
  const nn::Graph& graph;
  const nn::WeightMap& weights;
};

// A message as sent: its plan and payload words (without the header word).
struct SentMessage {
  const MessagePlan* plan = nullptr;
  Words payload;
};

// Work of one executed step, for cost accounting. Plain value type.
struct StepWork {
  const ChipStep* step = nullptr;
  int64_t macs = 0;
  // Output (or partial-sum) elements written.
  int64_t elements = 0;
};

// Result of one wake-up. Plain value type.
struct WakeUpResult {
  std::vector<SentMessage> sent;  // outbound messages whose guards held
  std::vector<StepWork> work;     // steps whose guards held, in order
  int64_t words_in = 0;           // payload words consumed
};

// The messages a wake-up reads and sends, as Partition::Inbound and
// Partition::Outbound list them. Plain value type.
struct WakeUpRoutes {
  MessageList inbound;
  MessageList outbound;
  // When set (AddWakeUpBuffers): per inbound message, the spec of each of
  // its payload segments' tensors (null for constants and unknown names,
  // which the decoder then looks up and reports).
  std::vector<absl::InlinedVector<const nn::TensorSpec*, 4>> inbound_specs;
};

// One step of a wake-up with its name lookups done: the op, its weight
// tensors, the specs of the tensors it starts, and for partial-sum steps the
// accumulator's name. Points into the SliceContext it was made from. Plain
// value type.
struct StepPlan {
  const nn::Op* op = nullptr;
  nn::OpIo io;  // weights set, inputs empty
  absl::InlinedVector<const nn::TensorSpec*, 2> output_specs;  // op->outputs()
  std::string psum;                            // PartialSumTensor(op), partial-sum steps
  const nn::TensorSpec* psum_spec = nullptr;   // its spec, partial-sum steps
};

// Buffers a runtime creates once (chipd: at LoadSlice) and lends to every
// wake-up, so that a wake-up allocates no tensor storage (TFLM: nothing
// allocates after Prepare). Without them a wake-up creates its tensors.
// The buffers serve one SliceContext, whose partition, graph and weights must
// stay unchanged while they do (routes and step plans point into them).
// Plain value type; not thread-safe.
struct WakeUpBuffers {
  // Spare whole tensors by name. A tensor a wake-up starts (an input it
  // decodes, an op output, a partial-sum accumulator) is moved, map node and
  // all, from here into the env and zero-filled instead of being constructed;
  // ReleaseTensors moves it back.
  std::multimap<std::string, nn::Tensor> spare;
  // int32 scratch for the ops' range APIs (partial sums); grown when short.
  nn::AlignedVector<int32_t> scratch;
  // Per wake-up index of the partition: its message lists, set by
  // AddWakeUpBuffers (a wake-up without them has them computed per run).
  std::vector<std::optional<WakeUpRoutes>> routes;
  // Per wake-up index: one plan per step of the slice, set by
  // AddWakeUpBuffers (empty: each step looks its op and tensors up per run).
  std::vector<std::vector<StepPlan>> step_plans;
  // The result of the last RunWakeUp into these buffers: its vectors keep
  // their capacity from one wake-up to the next.
  WakeUpResult result;
};

// The routes of wake-up `chip`: the ones `buffers` keeps, or else computed
// into `*computed`.
const WakeUpRoutes& RoutesOf(const SliceContext& ctx, int chip, const WakeUpBuffers* buffers,
                             WakeUpRoutes* computed);

// Adds to `buffers` one zero-filled tensor for each of `tensors` (names of
// graph or partition tensors; e.g. the SliceBuffers of wake-up `chip`),
// grows the scratch to what the steps of wake-up `chip` need and keeps its
// routes and step plans.
// InvalidArgument naming an unknown tensor or op, or a bad wake-up index.
absl::Status AddWakeUpBuffers(const SliceContext& ctx, int chip,
                              const std::vector<std::string>& tensors, WakeUpBuffers* buffers);

// Moves every tensor of `env` into buffers->spare; `env` ends empty. Does
// not allocate.
void ReleaseTensors(nn::TensorMap& env, WakeUpBuffers* buffers);

// Copies the tensors of `from` into `env`, into spare tensors of `buffers`
// of the same name and size when there are (no allocation), else into new
// ones. Tensors already in `env` are overwritten.
void CopyTensors(const nn::TensorMap& from, nn::TensorMap& env, WakeUpBuffers* buffers);

// The wake-up's name for errors: "chip <label>" or "host".
std::string WakeUpLabel(const Partition& partition, int chip);

// Decodes the payload of wake-up `chip`'s input stream (without the mode word
// and terminator) into `env`: the partition's inbound messages in order,
// skipping guarded messages and segments whose guard does not hold.
// InvalidArgument naming the chip and word position when the payload is too
// short, too long or does not decode. Returns the number of messages read.
// Tensors it starts are taken from `buffers` when given (see WakeUpBuffers).
absl::StatusOr<int> DecodeInbound(const SliceContext& ctx, int chip,
                                  absl::Span<const uint16_t> payload, nn::TensorMap& env,
                                  WakeUpBuffers* buffers = nullptr);

// Decodes one message's payload (all of it) into `env` of `receiver`.
absl::Status DecodeMessage(const SliceContext& ctx, const MessagePlan& message,
                           absl::Span<const uint16_t> payload, nn::TensorMap& env,
                           int receiver);

// Encodes one message from `env` of its source. FailedPrecondition naming the
// sender, tensor and destination when a tensor part is not available.
absl::StatusOr<SentMessage> EncodeMessage(const SliceContext& ctx, const MessagePlan& message,
                                          const nn::TensorMap& env);

// Runs wake-up `chip`: DecodeInbound, then every step whose guard holds, then
// encodes every outbound message whose guard holds. With `buffers`, the
// tensors the wake-up starts come from buffers->spare, the ops write their
// output ranges in place (Op::ExecuteOutputRangeInto and friends) and the
// only allocations left are the result's (messages, work) and small
// per-step bookkeeping; the KWS LSTM unit steps (kLstmUnits) and ops
// without in-place range APIs still create temporaries.
absl::StatusOr<WakeUpResult> RunWakeUp(const SliceContext& ctx, int chip,
                                       absl::Span<const uint16_t> payload, nn::TensorMap& env,
                                       WakeUpBuffers* buffers = nullptr);

// RunWakeUp into buffers.result, which is cleared first and keeps the
// capacity of its vectors (the sent payloads are new blocks each run: the
// caller takes them).
absl::Status RunWakeUpInBuffers(const SliceContext& ctx, int chip,
                                absl::Span<const uint16_t> payload, nn::TensorMap& env,
                                WakeUpBuffers& buffers);

// Whether `env` satisfies `guard` (true without a guard).
bool GuardHolds(const nn::TensorMap& env, const std::optional<nn::Guard>& guard);

}  // namespace illusion::partitioner

#endif  // ILLUSION_PARTITIONER_CHIP_RUNNER_H_
