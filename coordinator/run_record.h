#ifndef ILLUSION_COORDINATOR_RUN_RECORD_H_
#define ILLUSION_COORDINATOR_RUN_RECORD_H_

// What one run of K inferences produced, on the global virtual timeline (ns
// from the start of the run): the host's tensors and every chip's word
// streams per inference, one record per wake-up and per message. Accounting
// (accounting.h) and the trace store read these; they are plain value types.

#include <cstdint>
#include <string>
#include <vector>

#include "chipd/chip_runtime.h"
#include "chipd/cost_model.h"
#include "chipd/power_controller.h"
#include "nn/executor.h"
#include "partitioner/partition_executor.h"

namespace illusion::coordinator {

// One executed wake-up. Plain value type.
struct WakeUpRecord {
  int inference = 0;
  int wake_up = 0;    // index in Partition::chips
  std::string label;  // ChipSlice::label
  int chip = 0;       // chip the runner addressed: the partition's (virtual)
                      // chip; under wear levelling (coordinator/wear) the
                      // RoutedFleet maps it to a physical one, and the wear
                      // rows carry the physical chips
  int64_t start_ns = 0;  // wake-up pulse
  int64_t end_ns = 0;    // off again (after shutdown)
  int64_t words_in = 0;
  int64_t words_out = 0;
  chipd::CycleBreakdown cycles;
  // As the chip reported it; sleep_j is the leakage between the chip's
  // previous activity (or time 0) and start_ns.
  chipd::ExecuteEnergy energy;
  // The chip's power intervals of this call, global time: the sleep before
  // start_ns, then waking, active, shutting down.
  chipd::IntervalList intervals;
  std::vector<chipd::StepExecution> steps;
};

// One message routed by the coordinator (star topology: every message goes
// through it). Times are when it is on the link. Plain value type.
struct MessageRecord {
  int64_t seq = 0;  // 0, 1, ... over the whole run, in routing order
  int inference = 0;
  int order = 0;  // MessagePlan::order
  int source = partitioner::kHost;       // wake-up index or kHost
  int destination = partitioner::kHost;  // wake-up index or kHost
  int source_chip = -1;       // physical chip, -1 = host
  int destination_chip = -1;  // physical chip, -1 = host
  bool via_master = false;
  int64_t words = 0;  // payload words
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  // Link energy of the payload (chipd::LinkEnergyJ). For chip-sent messages
  // it is already part of the sender's ExecuteEnergy::link_j.
  double link_j = 0;
};

// The result of one inference. Plain value type.
struct InferenceRecord {
  // What the host holds at the end: its inputs plus every tensor part that
  // reached it (class, lstm h and c, graph outputs).
  nn::TensorMap host;
  int class_id = -1;  // host "class", or -1
  // Every wake-up that ran, in execution order: in = [mode word][payload]
  // [0x0000], out = as the chip wrote it (partitioner::ExecutePartition's).
  std::vector<partitioner::ChipRun> chips;
  int64_t start_ns = 0;
  int64_t end_ns = 0;  // last wake-up or message of the inference
};

// A whole run. Plain value type.
struct RunRecord {
  std::vector<InferenceRecord> inferences;  // completed ones
  std::vector<WakeUpRecord> wake_ups;       // run order
  std::vector<MessageRecord> messages;      // seq order
  int num_chips = 0;  // physical chips of the partition
  int64_t end_ns = 0;  // T_total: end of the last activity
};

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_RUN_RECORD_H_
