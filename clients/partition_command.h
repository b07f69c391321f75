#ifndef ILLUSION_CLIENTS_PARTITION_COMMAND_H_
#define ILLUSION_CLIENTS_PARTITION_COMMAND_H_

// `illusionctl partition`: partitions a workload and renders the result.
//
// The paper's four workloads (mnist, svhn, d2nn, kws_lstm) are partitioned as
// nn graphs (partitioner::Partition, the LSTM with one step):
//   paper:  the paper's hand-made partition over --chips 1, 4 or 8 (default
//           8); --d2nn_nv for the d2nn 8-chip variant;
//   greedy: GreedyGraphPartition with --memsize_mib, or with the smallest
//           budget in bytes giving at most --chips chips;
//   ideal:  one chip with unlimited memory.
// They render as the partition summary (table or json).
//
// The scaled-out workloads (alexnet, vgg16, resnet50, lstm_lm and the paper's
// net-part names) use the LayerDesc greedy partitioner (greedy with
// --memsize_mib or --chips, or ideal) and also render as the paper's
// message-passing CSV.

#include <string>

#include "absl/status/statusor.h"

namespace illusion::clients {

struct PartitionCommandOptions {
  std::string workload;     // e.g. mnist, resnet50, alex_net, lstm_langmod_1
  std::string strategy;     // paper | greedy | ideal
  int chips = 0;            // 0 = not given
  double memsize_mib = 0;   // per-chip weight memory; 0 = not given
  bool d2nn_nv = false;     // paper d2nn 8-chip: chip 0 keeps n1_conv2 in NV memory
  std::string format = "table";  // table | json | paper-csv
};

// The rendered partition, or a one-line error: InvalidArgument for unknown
// names, a missing or contradictory size (greedy with both or neither of
// --chips and --memsize_mib, paper with --memsize_mib, ideal with either but
// --chips=1) or a format the workload has no form for; ResourceExhausted for
// a budget too small for the largest indivisible unit (naming it);
// Unimplemented for the paper strategy on the scaled-out workloads.
// Greedy with --chips=N reports the budget it chose.
absl::StatusOr<std::string> RunPartitionCommand(const PartitionCommandOptions& options);

}  // namespace illusion::clients

#endif  // ILLUSION_CLIENTS_PARTITION_COMMAND_H_
