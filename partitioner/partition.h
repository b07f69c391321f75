#ifndef ILLUSION_PARTITIONER_PARTITION_H_
#define ILLUSION_PARTITIONER_PARTITION_H_

// Partition: the one result type of every partitioning strategy (paper,
// greedy, ideal) over an nn::Graph. It lists the chip wake-ups ("slices") in
// execution order, the op sub-ranges each computes and its resident weight
// bytes, and the message plan: every inter-chip message with its source,
// destination, order and payload as byte ranges of tensors in the canonical
// word encoding (word_protocol.h).
//
// The scaled-out GreedyPlan (greedy_plan.h) is a different, cost-level view
// of the paper's simulator over LayerDesc lists; Partition is what chips run.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nn/graph.h"
#include "nn/op.h"
#include "nn/tensor.h"
#include "partitioner/word_protocol.h"

namespace illusion::partitioner {

// Where a partition came from.
enum class Strategy { kPaper, kGreedy, kIdeal };

// "paper", "greedy", "ideal".
absl::string_view StrategyName(Strategy strategy);
// Inverse of StrategyName; InvalidArgument naming the value and valid names.
absl::StatusOr<Strategy> ParseStrategy(absl::string_view name);

// What a chip does with one op.
enum class StepKind {
  kOutputRange,        // ExecuteOutputRange(out) from whole inputs
  kPartialSums,        // <op>.psum[out] += PartialSums(out, in)
  kFinishPartialSums,  // output[out] = FinishPartialSums(<op>.psum[out])
  kLstmUnits,          // one LSTM step of units `out` (LstmStepUnits)
};

// "output_range", "partial_sums", "finish_partial_sums", "lstm_units".
absl::string_view StepKindName(StepKind kind);

// One op sub-range computed by a chip. Plain value type.
struct ChipStep {
  StepKind kind = StepKind::kOutputRange;
  std::string op;
  nn::Range out;  // output units (channels, rows, hidden units)
  nn::Range in;   // input units, kPartialSums only
  // Runs only when the chip's tensor holds the value (d2nn path, lstm last).
  std::optional<nn::Guard> guard;
};

// One wake-up of a chip, in execution order. Plain value type.
struct ChipSlice {
  std::string label;  // "0".."7", or "00" for the d2nn NV second wake-up
  int chip = 0;       // physical chip index
  uint16_t mode_word = 0;
  std::vector<ChipStep> steps;
  // Weight + bias bytes resident on the chip (0 for a second wake-up).
  int64_t weight_bytes = 0;
  // Index in Partition::chips of an earlier wake-up of the same chip whose
  // tensors persist (non-volatile memory), or -1.
  int resumes = -1;
};

// Part of a message payload: bytes [bytes.begin, bytes.end) of a tensor, or
// one constant word. Plain value type.
struct Segment {
  std::string tensor;  // empty for a constant word
  nn::Range bytes;
  WordEncoding encoding = WordEncoding::kPackedInt8;
  uint16_t constant = 0;
  // Present only when the tensor holds the value (sender and receiver both
  // know the guard tensor by the time the segment is encoded or decoded).
  std::optional<nn::Guard> guard;

  bool is_constant() const { return tensor.empty(); }
  int64_t words() const {
    return is_constant() ? 1 : WordCount(encoding, bytes.size());
  }
};

// The host (FPGA master, or the coordinator) as a source or destination.
inline constexpr int kHost = -1;

// One message: from a chip wake-up (or the host) to a wake-up (or the host).
// `via_master` marks a message whose header names the destination chip but
// whose payload the master takes apart and forwards itself (the lstm state).
// A guarded message is sent only when the sender's tensor holds the value;
// the receiver decides the same from its own copy of the guard tensor, or
// from the message's first segment when that is the guard tensor.
// Plain value type.
struct MessagePlan {
  int order = 0;        // index in Partition::messages
  int source = kHost;   // index into Partition::chips, or kHost
  int destination = kHost;
  std::vector<Segment> payload;
  std::optional<nn::Guard> guard;
  bool via_master = false;

  // Words of the payload when every segment is present.
  int64_t max_words() const;
};

// Messages of one wake-up, in stream order (inline up to 8: no allocation
// for the paper's partitions).
using MessageList = absl::InlinedVector<const MessagePlan*, 8>;

// A complete partition. Plain value type, safe to share read-only.
struct Partition {
  Strategy strategy = Strategy::kPaper;
  // Workload or graph name ("mnist", "svhn", ...).
  std::string graph_name;
  // Paper partitions: the mode (target/4-chip/8-chip) and the d2nn NV option.
  PaperMode mode = PaperMode::kTarget;
  bool d2nn_nv = false;
  // Per-chip weight budget the partition was made for; 0 = unlimited.
  int64_t memsize_bytes = 0;
  std::vector<ChipSlice> chips;       // execution order
  std::vector<MessagePlan> messages;  // sender execution order
  // Tensors that are not in the graph: "<op>.psum" int32 partial sums and the
  // lstm "last" flag.
  std::vector<nn::TensorSpec> aux_tensors;

  int64_t total_weight_bytes() const;
  // Number of distinct physical chips.
  int num_physical_chips() const;
  // Index in `chips` of the wake-up labelled `label`, or -1.
  int FindChip(const std::string& label) const;
  // The aux tensor named `name`, or nullptr.
  const nn::TensorSpec* FindAux(const std::string& name) const;
  // Inbound messages of wake-up `chip` in the order its input stream carries
  // them: the host's first, then the chips' in sender execution order.
  MessageList Inbound(int chip) const;
  // Outbound messages of wake-up `chip` (or kHost), in plan order.
  MessageList Outbound(int chip) const;
};

// "<op>.psum": the int32 partial-sum accumulator of a split op.
std::string PartialSumTensor(absl::string_view op);

// The word encoding of a tensor of `dtype`: int8 packed two per word, int16
// one per word, int32 two words (low first).
WordEncoding EncodingFor(nn::DType dtype);

// Recomputes every ChipSlice::weight_bytes from its steps (output ranges hold
// weights and biases of their units, partial sums the weights of their
// inputs, finishing the biases). InvalidArgument for an unknown op.
absl::Status ComputeSliceWeightBytes(const nn::Graph& graph, Partition& partition);

}  // namespace illusion::partitioner

#endif  // ILLUSION_PARTITIONER_PARTITION_H_
