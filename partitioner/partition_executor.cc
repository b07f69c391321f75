#include "partitioner/partition_executor.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "nn/workloads.h"
#include "partitioner/chip_runner.h"

namespace illusion::partitioner {

const ChipRun* PartitionRun::Find(const std::string& label) const {
  for (const ChipRun& c : chips) {
    if (c.label == label) return &c;
  }
  return nullptr;
}

absl::StatusOr<PartitionRun> ExecutePartition(const Partition& partition, const nn::Graph& graph,
                                              const nn::WeightMap& weights,
                                              const nn::TensorMap& inputs) {
  const SliceContext ctx{partition, graph, weights};
  const int n = static_cast<int>(partition.chips.size());
  PartitionRun run;
  run.host = inputs;
  std::vector<nn::TensorMap> envs(n);
  std::vector<std::vector<SentMessage>> pending(n);
  for (int s = 0; s < n; ++s) {
    const ChipSlice& chip = partition.chips[s];
    // The host builds the stream: its own messages, then the chips'.
    Words payload;
    bool woken = !pending[s].empty();
    for (const MessagePlan* m : partition.Inbound(s)) {
      if (m->source != kHost || !GuardHolds(run.host, m->guard)) continue;
      ASSIGN_OR_RETURN(SentMessage sent, EncodeMessage(ctx, *m, run.host));
      payload.insert(payload.end(), sent.payload.begin(), sent.payload.end());
      woken = true;
    }
    if (!woken) continue;  // not on this path
    for (const SentMessage& sent : pending[s]) {
      payload.insert(payload.end(), sent.payload.begin(), sent.payload.end());
    }
    ChipRun chip_run;
    chip_run.label = chip.label;
    chip_run.chip = chip.chip;
    chip_run.in = ChipInputStream(chip.mode_word, payload);

    nn::TensorMap env = chip.resumes >= 0 ? envs[chip.resumes] : nn::TensorMap{};
    ASSIGN_OR_RETURN(Words words, InputPayload(chip_run.in, chip.mode_word));
    ASSIGN_OR_RETURN(WakeUpResult result, RunWakeUp(ctx, s, words, env));
    for (SentMessage& sent : result.sent) {
      const MessagePlan& m = *sent.plan;
      chip_run.out.push_back(m.destination == kHost ? kHostWord
                                                    : partition.chips[m.destination].mode_word);
      chip_run.out.insert(chip_run.out.end(), sent.payload.begin(), sent.payload.end());
      if (m.destination == kHost || m.via_master) {
        RETURN_IF_ERROR(DecodeMessage(ctx, m, sent.payload, run.host, kHost));
      } else {
        pending[m.destination].push_back(std::move(sent));
      }
    }
    envs[s] = std::move(env);
    run.chips.push_back(std::move(chip_run));
  }
  auto it = run.host.find(nn::kClassTensor);
  if (it != run.host.end()) run.class_id = it->second.at(0);
  return run;
}

}  // namespace illusion::partitioner
