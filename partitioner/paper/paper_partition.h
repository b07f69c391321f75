#ifndef ILLUSION_PARTITIONER_PAPER_PAPER_PARTITION_H_
#define ILLUSION_PARTITIONER_PAPER_PAPER_PARTITION_H_

// The paper's hand-made partitions of the four workloads (workloads.md §2.2):
// target (1 chip), 4-chip ("illusion_sm") and 8-chip ("illusion"). A
// partition lists the chip wake-ups in execution order, the op sub-ranges
// each computes, its resident weight bytes, and every message as segments of
// tensors in the canonical word encoding (word_protocol.h).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nn/op.h"
#include "nn/tensor.h"
#include "nn/workloads.h"
#include "partitioner/paper/word_protocol.h"

namespace illusion::partitioner {

// What a chip does with one op.
enum class StepKind {
  kOutputRange,        // ExecuteOutputRange(out) from whole inputs
  kPartialSums,        // <op>.psum[out] += PartialSums(out, in)
  kFinishPartialSums,  // output[out] = FinishPartialSums(<op>.psum[out])
  kLstmUnits,          // one LSTM step of units `out` (LstmStepUnits)
};

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
struct ChipPlan {
  std::string label;  // "0".."7", or "00" for the d2nn NV second wake-up
  int chip = 0;       // physical chip index within the mode
  uint16_t mode_word = 0;
  std::vector<ChipStep> steps;
  // Weight + bias bytes resident on the chip (0 for a second wake-up).
  int64_t weight_bytes = 0;
  // Index in PaperPartition::chips of an earlier wake-up of the same chip
  // whose tensors persist (non-volatile memory), or -1.
  int resumes = -1;
};

// Part of a message payload: bytes [bytes.begin, bytes.end) of a tensor, or
// one constant word. Plain value type.
struct Segment {
  std::string tensor;  // empty for a constant word
  nn::Range bytes;
  WordEncoding encoding = WordEncoding::kPackedInt8;
  uint16_t constant = 0;
  // Present only when the sender's tensor holds the value.
  std::optional<nn::Guard> guard;

  bool is_constant() const { return tensor.empty(); }
  int64_t words() const {
    return is_constant() ? 1 : WordCount(encoding, bytes.size());
  }
};

// The host (FPGA master) as a message source or destination.
inline constexpr int kHost = -1;

// One message: from a chip wake-up (or the host) to a wake-up (or the host).
// `via_master` marks a message whose header names the destination chip but
// whose payload the master takes apart and forwards itself (the lstm state).
// Plain value type.
struct MessagePlan {
  int order = 0;        // index in PaperPartition::messages
  int source = kHost;   // index into PaperPartition::chips, or kHost
  int destination = kHost;
  std::vector<Segment> payload;
  std::optional<nn::Guard> guard;  // sent only when the sender's tensor holds the value
  bool via_master = false;
};

// A complete partition. Plain value type, safe to share read-only.
struct PaperPartition {
  nn::Workload workload = nn::Workload::kMnist;
  PaperMode mode = PaperMode::kTarget;
  bool d2nn_nv = false;
  std::vector<ChipPlan> chips;        // execution order
  std::vector<MessagePlan> messages;  // sender execution order
  // Tensors that are not in the graph: "<op>.psum" int32 partial sums and the
  // lstm "last" flag.
  std::vector<nn::TensorSpec> aux_tensors;

  int64_t total_weight_bytes() const;
  // Index in `chips` of the wake-up labelled `label`, or -1.
  int FindChip(const std::string& label) const;
};

struct PaperPartitionOptions {
  // d2nn 8-chip: chip 0 keeps n1_conv2 in non-volatile memory (-DNV).
  bool d2nn_nv = false;
};

// The graph a partition of `workload` refers to (the LSTM with one step).
absl::StatusOr<nn::Graph> PaperGraph(nn::Workload workload);

// The paper's partition of `workload` over `chips` (1, 4 or 8). Errors:
// InvalidArgument for another chip count (naming it and the valid ones) or
// d2nn_nv with a workload/mode other than d2nn 8-chip.
absl::StatusOr<PaperPartition> PaperPartitionFor(nn::Workload workload, int chips,
                                                 const PaperPartitionOptions& options = {});

}  // namespace illusion::partitioner

#endif  // ILLUSION_PARTITIONER_PAPER_PAPER_PARTITION_H_
