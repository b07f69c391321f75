#ifndef ILLUSION_CLIENTS_PARTITION_COMMAND_H_
#define ILLUSION_CLIENTS_PARTITION_COMMAND_H_

// `illusionctl partition`: partitions a workload and renders the result.
// Implemented today: strategies greedy and ideal for the scaled-out workloads
// (alexnet, vgg16, resnet50, lstm_lm and the paper's net-part names). The
// paper strategy and the paper's four small workloads answer Unimplemented.

#include <string>

#include "absl/status/statusor.h"

namespace illusion::clients {

struct PartitionCommandOptions {
  std::string workload;     // e.g. resnet50, alex_net, lstm_langmod_1
  std::string strategy;     // paper | greedy | ideal
  int chips = 0;            // 0 = not given; else must agree with the result
  double memsize_mib = 0;   // per-chip weight memory; required for greedy
  std::string format = "table";  // table | json | paper-csv
};

// The rendered partition, or a one-line error: InvalidArgument for unknown
// names, a missing or contradictory size; ResourceExhausted for a budget too
// small for the largest indivisible unit (naming it); Unimplemented for
// combinations not built yet.
absl::StatusOr<std::string> RunPartitionCommand(const PartitionCommandOptions& options);

}  // namespace illusion::clients

#endif  // ILLUSION_CLIENTS_PARTITION_COMMAND_H_
