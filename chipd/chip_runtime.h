#ifndef ILLUSION_CHIPD_CHIP_RUNTIME_H_
#define ILLUSION_CHIPD_CHIP_RUNTIME_H_

// ChipRuntime: one simulated Illusion chip, the plain-C++ core of chipd (the
// gRPC service in chip_service.h only translates to and from it).
//
// A chip is configured by a ChipModel (chip_model.h). LoadSlice gives it the
// wake-ups of one physical chip of a Partition (its "slice": usually one
// wake-up, two for the d2nn NV chip 0) with the graph and the weights of the
// ops it runs; the slice is refused when its weights exceed the NVM or its
// planned activation peak (memory_planner.h over slice_buffers.h) exceeds the
// SRAM. Execute then runs one wake-up exactly as a paper chip does: wake (the
// master's pulse; auto-wake by default), consume the input words, compute the
// op sub-ranges bit-exactly (partitioner/chip_runner.h), emit the output
// words, shut down. It returns the outbox, cycles, energy by component, the
// power-state intervals in chip-local virtual time and the NVM writes.
//
// Memory (TFLM: nothing allocates after Prepare): LoadSlice creates the
// host-side storage of every tensor the slice's wake-ups hold (inputs,
// activations, partial-sum accumulators, outputs; one whole tensor per
// planned buffer, a second copy for a wake-up that a later one resumes)
// plus the ops' int32 scratch, and keeps it with the slice. Execute only
// overwrites it: it decodes the input words and computes the op sub-ranges
// in place (the ops' *Into range APIs, op.h), so a steady-state Execute
// allocates nothing for the chip's tensors, only the returned ExecuteResult
// (outbox payloads, out_stream, steps, intervals) and a few small blocks per
// step (names, cost items). Exception: the KWS LSTM's per-unit steps and
// ops without in-place range APIs (the scaled-out workloads' ops) still
// create temporaries.
//
// NVM wear (nvm_wear.h): every workload write to the NVM goes through an
// NvmWritePath. Unconfigured (after Create and Reset) that is the identity
// path: untranslated, uncached, counted per word. ConfigureWear replaces it
// with an ENDURER remapper over the whole NVM (remapped_nvm_write_path.h)
// whose counters then stay with this chip until the next ConfigureWear or
// Reset; LoadSlice does not touch them (weight programming is not counted),
// so a slice swapped onto another chip leaves its wear here.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "chipd/cost_model.h"
#include "chipd/memory_planner.h"
#include "chipd/nvm_wear.h"
#include "chipd/nvm_write_path.h"
#include "chipd/power_controller.h"
#include "chipd/remapped_nvm_write_path.h"
#include "endurer/shift_source.h"
#include "nn/executor.h"
#include "nn/graph.h"
#include "nn/weights.h"
#include "partitioner/chip_runner.h"
#include "partitioner/partition.h"
#include "partitioner/word_protocol.h"
#include "proto/illusion/v1/chip_model.pb.h"

namespace illusion::chipd {

using partitioner::Words;

struct ChipRuntimeOptions {
  // Execute on a sleeping chip wakes it first (the paper's master pulses
  // wake-up). When false, Execute needs an explicit Wake. Default true.
  bool auto_wake = true;
  // Activations live in NVM (after the weights) instead of SRAM, so every
  // Execute writes them through the NVM write path. Default false.
  // ConfigureWear overrides it (WearConfig::activations_in_nvm) until the
  // next Reset.
  bool activations_in_nvm = false;
  // Largest inbound or outbound message, in words. Default 1 Mi words.
  int64_t max_message_words = int64_t{1} << 20;
};

// Everything LoadSlice needs. The runtime takes ownership.
struct SliceBundle {
  std::string name;  // for errors and stats, e.g. "svhn/illusion/chip 3"
  partitioner::Partition partition;
  nn::Graph graph;
  nn::WeightMap weights;  // at least the weights of the ops the chip runs
  int chip = 0;           // the physical chip of `partition` this slice is
};

// Sizes of a loaded slice. Plain value type.
struct SliceInfo {
  std::string name;
  std::vector<std::string> wake_ups;  // labels, execution order
  int64_t weight_bytes = 0;
  int64_t activation_peak_bytes = 0;  // planned arena (max over wake-ups)
  int64_t nvm_capacity_bytes = 0;
  int64_t sram_capacity_bytes = 0;
};

// A message arriving at the chip. `message` is the plan's order (index in
// Partition::messages), or -1 to match by source (the first inbound message
// of that source whose guard allows it).
struct InboundMessage {
  int message = -1;
  int source = partitioner::kHost;
  Words payload;
};

// One Execute call.
struct ExecuteRequest {
  // Label of the wake-up to run; empty = the slice's first wake-up.
  std::string wake_up;
  // Either the messages (any order: they are put in the plan's order) ...
  std::vector<InboundMessage> inbox;
  // ... or the whole input stream [own mode word][payload][0x0000], as the
  // paper's master sends it. When set, `inbox` must be empty.
  std::optional<Words> stream;
  // Global virtual time at which the master pulses wake-up; the chip sleeps
  // until then (leakage is charged). Must not be before the chip's clock.
  // Absent: now.
  std::optional<int64_t> start_ns;
  // Fill ExecuteResult::out_stream. A caller that does not record streams
  // sets it false: the outbox carries the same payloads, words_out is
  // counted either way. Default true.
  bool return_out_stream = true;
};

// A message the chip sends. Plain value type.
struct OutboundMessage {
  int message = 0;      // the plan's order
  int destination = 0;  // wake-up index, or partitioner::kHost
  uint16_t header = 0;  // destination mode word (0x0000 = host)
  bool via_master = false;
  Words payload;
};

// Energy of one Execute by component, joules. Plain value type.
struct ExecuteEnergy {
  double active_j = 0;    // active power while computing and moving words
  double sleep_j = 0;     // leakage while off before the wake-up
  double wakeup_j = 0;
  double shutdown_j = 0;
  double mac_j = 0;       // per-MAC energy on top of active power
  double nvm_read_j = 0;
  double nvm_write_j = 0;
  double link_j = 0;      // words sent
  double total_j() const {
    return active_j + sleep_j + wakeup_j + shutdown_j + mac_j + nvm_read_j + nvm_write_j +
           link_j;
  }
};

// Cost of one executed step. Plain value type.
struct StepExecution {
  std::string op;
  std::string kind;  // partitioner::StepKindName
  int64_t out_begin = 0, out_end = 0;
  int64_t macs = 0;
  double cycles = 0;
};

// Result of one Execute. Plain value type.
struct ExecuteResult {
  std::string wake_up;
  absl::InlinedVector<OutboundMessage, 4> outbox;  // most wake-ups send a few
  // [header][payload]... as the paper's chips write it; empty when the
  // request's return_out_stream is false.
  Words out_stream;
  int64_t words_in = 0;
  int64_t words_out = 0;
  CycleBreakdown cycles;
  ExecuteEnergy energy;
  std::vector<StepExecution> steps;
  IntervalList intervals;  // this call's, chip-local time
  int64_t start_ns = 0;                  // wake-up pulse
  int64_t end_ns = 0;                    // off again
  // NVM writes that reached the array during this call: (physical word
  // address, count), address order. With a write cache, writes absorbed by
  // it are not here; earlier writes written back now are.
  std::vector<std::pair<int64_t, int64_t>> nvm_writes;
};

// Cumulative counters. Plain value type.
struct ChipStats {
  int64_t executions = 0;
  int64_t words_in = 0;
  int64_t words_out = 0;
  int64_t macs = 0;
  int64_t nvm_writes = 0;
  int64_t now_ns = 0;
  PowerStats power;
  PowerEnergy power_energy;
  double dynamic_energy_j = 0;  // mac + nvm + link energy
  PowerState state = PowerState::kOff;
};

// Thread-safe: every public method takes an internal mutex, so a gRPC
// service may call it from several threads; executions, slice loads,
// resets and wear calls are serialized. The chip id and the options are
// fixed at Create; the chip model, the clock, the power state, the stats,
// the NVM write path and its wear state, the slice and the persisted
// tensors change only under the mutex,
// and Reset may replace the model (so model() returns a copy). Created by
// Create and owned by the caller (chipd's main, an in-process fleet).
class ChipRuntime {
 public:
  // InvalidArgument when the model fails ValidateChipModel.
  static absl::StatusOr<std::unique_ptr<ChipRuntime>> Create(int chip_id,
                                                             illusion::v1::ChipModel model,
                                                             ChipRuntimeOptions options = {});
  ~ChipRuntime();
  ChipRuntime(const ChipRuntime&) = delete;
  ChipRuntime& operator=(const ChipRuntime&) = delete;

  int chip_id() const { return chip_id_; }
  // The current model (a copy: Reset may replace it).
  illusion::v1::ChipModel model() const;
  const ChipRuntimeOptions& options() const { return options_; }

  // Brings the chip back to fresh, as Create left it: clock 0, power off,
  // stats and NVM write counts zeroed, no slice, no persisted tensors, wear
  // unconfigured (identity write path, options().activations_in_nvm). With
  // `model`, the chip is reconfigured to it first (e.g. grown to hold a
  // bigger slice); the chip id and the options stay. InvalidArgument naming
  // the model, field and value when `model` fails ValidateChipModel; the
  // chip is then unchanged.
  absl::Status Reset(std::optional<illusion::v1::ChipModel> model = std::nullopt);

  // Replaces any loaded slice; the NVM wear state is kept. InvalidArgument for a malformed slice (no
  // wake-up of `chip`, an unknown op, a missing weight or one whose dtype or
  // shape differs from the graph); ResourceExhausted naming the slice, the
  // need and the budget when weights exceed the NVM or the activation peak
  // the SRAM. A refused slice leaves the previous one loaded.
  absl::StatusOr<SliceInfo> LoadSlice(SliceBundle bundle);

  // FailedPrecondition when no slice is loaded, or the chip is off and
  // auto-wake is off. InvalidArgument for an unknown wake-up label, an
  // inbox message from a source or with an order the wake-up does not
  // expect, a message longer than max_message_words, a payload whose length
  // or words do not decode, or a start time before the chip's clock. The
  // chip state is unchanged by a failed call except that the chip is shut
  // down again if it was auto-woken.
  absl::StatusOr<ExecuteResult> Execute(const ExecuteRequest& request);

  // Explicit power control; FailedPrecondition for an invalid transition.
  absl::Status Wake();
  absl::Status Sleep();

  std::optional<SliceInfo> slice_info() const;
  ChipStats stats() const;
  // Writes per physical NVM word since Create, the last Reset or the last
  // ConfigureWear.
  std::vector<int64_t> nvm_write_counts() const;
  // Whether Execute writes activations to NVM (the option, or the last
  // ConfigureWear).
  bool activations_in_nvm() const;

  // --- NVM wear levelling (nvm_wear.h, specs/distributed_endurer.md) ---

  // Replaces the NVM write path with a fresh one for `config` (all wear
  // counters zero, offset 0, empty cache, contents zero): kNoResiliency
  // writes untranslated, kEndurer/kDistributed through the write cache and
  // rotation. The segment is the whole NVM: weight words plus activation
  // words when config.activations_in_nvm, which also decides whether later
  // Executes write activations. Seeds the shift source of Remap. The slice
  // stays loaded. InvalidArgument naming the field, value and limit for
  // cache_entries outside [1, 1024], an unknown mode, or an NVM of more than
  // 65536 words; the chip is then unchanged.
  absl::Status ConfigureWear(const WearConfig& config);
  // The current wear state; cell_writes filled only with `include_cells`.
  // Unconfigured chips report kNoResiliency over the identity path.
  WearReport Wear(bool include_cells) const;
  // One local remap by `shift`, or by a shift drawn from the seeded source
  // when absent: flushes the cache and rotates the segment (M writes). A
  // no-op (applied = false) in kNoResiliency mode or when unconfigured.
  // InvalidArgument naming the shift and [1, M - 1] when it is outside.
  absl::StatusOr<RemapOutcome> Remap(std::optional<uint32_t> shift);
  // Flushes the write cache (counted writes) and returns the raw physical
  // words and the rotation offset (0 when unconfigured).
  absl::StatusOr<NvmImage> ExportNvm();
  // Writes `image.words` raw onto the array (M counted writes), adopts
  // image.offset and discards the cache: the incoming half of a
  // distributed swap. InvalidArgument when the image does not have M words,
  // its offset is >= M, or the offset is non-zero without resiliency; the
  // chip is then unchanged.
  absl::Status ImportNvm(const NvmImage& image);

 private:
  struct Loaded;
  // The per-model parts of a fresh chip.
  struct Fresh {
    std::unique_ptr<PowerController> power;
    std::unique_ptr<NvmWritePath> nvm;
  };
  ChipRuntime(int chip_id, illusion::v1::ChipModel model, ChipRuntimeOptions options,
              Fresh fresh);
  static absl::StatusOr<Fresh> MakeFresh(const illusion::v1::ChipModel& model,
                                         const ChipRuntimeOptions& options);

  // The payload words of `request`: a view of the request, or of
  // slice.payload when several inbox messages are concatenated.
  absl::StatusOr<absl::Span<const uint16_t>> AssemblePayload(
      Loaded& slice, int wake_up, const ExecuteRequest& request) const;
  absl::Status WriteActivationsToNvm(const Loaded& slice, int wake_up,
                                     const nn::TensorMap& env)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  struct WakeUpCost;
  // The cost of wake-up `wake_up` having done `run`'s work with these words
  // and NVM writes: from slice's cache when it ran so before, else computed
  // (and cached while the cache has room).
  absl::StatusOr<const WakeUpCost*> CostOf(Loaded& slice, int wake_up,
                                           const partitioner::WakeUpResult& run,
                                           int64_t words_in, int64_t words_out,
                                           int64_t nvm_written)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int chip_id_;
  const ChipRuntimeOptions options_;

  mutable absl::Mutex mu_;
  illusion::v1::ChipModel model_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<PowerController> power_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<Loaded> slice_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<NvmWritePath> nvm_ ABSL_GUARDED_BY(mu_);
  // nvm_ as a remapper after ConfigureWear (borrowed from nvm_), else null.
  RemappedNvmWritePath* remapped_ ABSL_GUARDED_BY(mu_) = nullptr;
  // The last ConfigureWear; nullopt when unconfigured.
  std::optional<WearConfig> wear_ ABSL_GUARDED_BY(mu_);
  // Shifts of Remap without an explicit shift; set by ConfigureWear.
  std::unique_ptr<endurer::SeededShiftSource> shifts_ ABSL_GUARDED_BY(mu_);
  // Execute writes activations to NVM.
  bool activations_in_nvm_ ABSL_GUARDED_BY(mu_);
  // Tensors of each wake-up after it ran (for wake-ups that resume one).
  // Their storage belongs to the slice's buffers (Loaded::tensors): each
  // run of the wake-up hands the previous copy back and keeps its own.
  std::map<int, nn::TensorMap> persisted_ ABSL_GUARDED_BY(mu_);
  ChipStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace illusion::chipd

#endif  // ILLUSION_CHIPD_CHIP_RUNTIME_H_
