// The runner's buffered entry points against the plain ones: a wake-up run
// into WakeUpBuffers (kept routes, reused result) sends the same words and
// does the same work as RunWakeUp, run after run.

#include "partitioner/chip_runner.h"

#include <cstdint>
#include <vector>

#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "nn/weights.h"
#include "nn/workloads.h"
#include "partitioner/paper/paper_partition.h"
#include "partitioner/partition.h"

namespace illusion::partitioner {
namespace {

std::vector<const MessagePlan*> Plans(const MessageList& list) {
  return std::vector<const MessagePlan*>(list.begin(), list.end());
}

TEST(ChipRunnerTest, BufferedWakeUpsSendWhatRunWakeUpSendsAndKeepTheirRoutes) {
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, PaperGraph(nn::Workload::kMnist));
  const nn::WeightMap weights = nn::SeededWeights(graph, 3);
  ASSERT_OK_AND_ASSIGN(Partition p, PaperPartitionFor(nn::Workload::kMnist, 8));
  const SliceContext ctx{p, graph, weights};
  // Wake-up 0 reads the image from the host.
  nn::TensorMap host;
  for (const nn::TensorSpec& spec : graph.inputs()) {
    host[spec.name] = nn::SeededTensor(spec, 7, -100, 100);
  }
  Words payload;
  for (const MessagePlan* m : p.Inbound(0)) {
    ASSERT_EQ(m->source, kHost);
    ASSERT_OK_AND_ASSIGN(SentMessage sent, EncodeMessage(ctx, *m, host));
    payload.insert(payload.end(), sent.payload.begin(), sent.payload.end());
  }
  ASSERT_FALSE(payload.empty());
  nn::TensorMap plain_env;
  ASSERT_OK_AND_ASSIGN(WakeUpResult plain, RunWakeUp(ctx, 0, payload, plain_env));
  ASSERT_FALSE(plain.sent.empty());

  WakeUpBuffers buffers;
  ASSERT_OK(AddWakeUpBuffers(ctx, 0, {}, &buffers));
  WakeUpRoutes computed;
  const WakeUpRoutes& kept = RoutesOf(ctx, 0, &buffers, &computed);
  EXPECT_EQ(&kept, &*buffers.routes.at(0));
  EXPECT_EQ(Plans(kept.inbound), Plans(p.Inbound(0)));
  EXPECT_EQ(Plans(kept.outbound), Plans(p.Outbound(0)));
  // A wake-up the buffers were not set up for has its routes computed.
  const WakeUpRoutes& other = RoutesOf(ctx, 1, &buffers, &computed);
  EXPECT_EQ(&other, &computed);
  EXPECT_EQ(Plans(other.inbound), Plans(p.Inbound(1)));
  EXPECT_EQ(Plans(other.outbound), Plans(p.Outbound(1)));

  const StepWork* work_block = nullptr;
  for (int run = 0; run < 3; ++run) {
    SCOPED_TRACE(run);
    nn::TensorMap env;
    ASSERT_OK(RunWakeUpInBuffers(ctx, 0, payload, env, buffers));
    const WakeUpResult& got = buffers.result;
    EXPECT_EQ(got.words_in, plain.words_in);
    ASSERT_EQ(got.sent.size(), plain.sent.size());
    for (size_t m = 0; m < plain.sent.size(); ++m) {
      EXPECT_EQ(got.sent[m].plan, plain.sent[m].plan);
      EXPECT_EQ(got.sent[m].payload, plain.sent[m].payload) << "message " << m;
    }
    ASSERT_EQ(got.work.size(), plain.work.size());
    for (size_t k = 0; k < plain.work.size(); ++k) {
      EXPECT_EQ(got.work[k].step, plain.work[k].step);
      EXPECT_EQ(got.work[k].macs, plain.work[k].macs);
      EXPECT_EQ(got.work[k].elements, plain.work[k].elements);
    }
    // The result is cleared and refilled in place, not reallocated.
    if (run > 0) {
      EXPECT_EQ(got.work.data(), work_block);
    }
    work_block = got.work.data();
    ReleaseTensors(env, &buffers);
  }
  // A bad payload fails and says where; the buffers stay usable.
  nn::TensorMap env;
  Words short_payload(payload.begin(), payload.end() - 1);
  EXPECT_FALSE(RunWakeUpInBuffers(ctx, 0, short_payload, env, buffers).ok());
  ReleaseTensors(env, &buffers);
  ASSERT_OK(RunWakeUpInBuffers(ctx, 0, payload, env, buffers));
  EXPECT_EQ(buffers.result.sent.size(), plain.sent.size());
}

}  // namespace
}  // namespace illusion::partitioner
