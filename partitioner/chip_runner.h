#ifndef ILLUSION_PARTITIONER_CHIP_RUNNER_H_
#define ILLUSION_PARTITIONER_CHIP_RUNNER_H_

// One chip wake-up of a Partition, exchanging only 16-bit words: decode the
// input payload into the chip's tensors, compute the slice's op sub-ranges
// with the nn ops' range APIs, encode the outbound messages. The same code
// runs inside chipd and inside the in-process partition executor, so both
// produce the same words.

#include <vector>

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

// The wake-up's name for errors: "chip <label>" or "host".
std::string WakeUpLabel(const Partition& partition, int chip);

// Decodes the payload of wake-up `chip`'s input stream (without the mode word
// and terminator) into `env`: the partition's inbound messages in order,
// skipping guarded messages and segments whose guard does not hold.
// InvalidArgument naming the chip and word position when the payload is too
// short, too long or does not decode. Returns the number of messages read.
absl::StatusOr<int> DecodeInbound(const SliceContext& ctx, int chip,
                                  absl::Span<const uint16_t> payload, nn::TensorMap& env);

// Decodes one message's payload (all of it) into `env` of `receiver`.
absl::Status DecodeMessage(const SliceContext& ctx, const MessagePlan& message,
                           absl::Span<const uint16_t> payload, nn::TensorMap& env,
                           int receiver);

// Encodes one message from `env` of its source. FailedPrecondition naming the
// sender, tensor and destination when a tensor part is not available.
absl::StatusOr<SentMessage> EncodeMessage(const SliceContext& ctx, const MessagePlan& message,
                                          const nn::TensorMap& env);

// Runs wake-up `chip`: DecodeInbound, then every step whose guard holds, then
// encodes every outbound message whose guard holds.
absl::StatusOr<WakeUpResult> RunWakeUp(const SliceContext& ctx, int chip,
                                       absl::Span<const uint16_t> payload, nn::TensorMap& env);

// Whether `env` satisfies `guard` (true without a guard).
bool GuardHolds(const nn::TensorMap& env, const std::optional<nn::Guard>& guard);

}  // namespace illusion::partitioner

#endif  // ILLUSION_PARTITIONER_CHIP_RUNNER_H_
