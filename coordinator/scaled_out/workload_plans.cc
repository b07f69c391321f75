#include "coordinator/scaled_out/workload_plans.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "partitioner/greedy_partition.h"
#include "partitioner/message_passing.h"
#include "partitioner/scaled_out_layers.h"

namespace illusion::coordinator::scaled_out {

absl::StatusOr<std::vector<NetPartPlan>> PartitionWorkload(
    absl::string_view workload, double memsize_mib) {
  ASSIGN_OR_RETURN(std::vector<std::string> names,
                   partitioner::ScaledOutWorkloadNetParts(workload));
  std::vector<NetPartPlan> parts;
  std::vector<partitioner::GreedyPlan> plans;
  for (const std::string& name : names) {
    NetPartPlan part;
    part.net_part = name;
    ASSIGN_OR_RETURN(part.layers, partitioner::ScaledOutNetPart(name));
    partitioner::GreedyOptions options;
    options.memsize_mib = memsize_mib;
    absl::StatusOr<partitioner::GreedyPlan> plan =
        partitioner::GreedyPartition(part.layers, options);
    if (!plan.ok()) {
      return absl::Status(plan.status().code(),
                          absl::StrCat(workload, " @ ", memsize_mib, " MiB (",
                                       name, "): ", plan.status().message()));
    }
    plans.push_back(*std::move(plan));
    parts.push_back(std::move(part));
  }
  ASSIGN_OR_RETURN(bool fused, partitioner::FuseSingleChipNetParts(
                                   absl::MakeSpan(plans)));
  (void)fused;
  for (size_t i = 0; i < parts.size(); ++i) parts[i].plan = std::move(plans[i]);
  return parts;
}

absl::StatusOr<std::string> ShortWorkloadName(absl::string_view workload) {
  if (workload == "AlexNet" || workload == "alexnet") return std::string("alexnet");
  if (workload == "VGG-16" || workload == "vgg16") return std::string("vgg16");
  if (workload == "ResNet-50" || workload == "resnet50") {
    return std::string("resnet50");
  }
  if (workload == "LSTM LangMod" || workload == "lstm_lm") {
    return std::string("lstm_lm");
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown scaled-out workload '", workload, "'"));
}

}  // namespace illusion::coordinator::scaled_out
