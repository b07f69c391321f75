// Golden accuracy on the shared test sets (reference/illusion/datasets),
// exactly: MNIST 978/1000, SVHN 272/300, D2NN 934/1000 with 127 high-path
// decisions and no int8 wrap-around in any D2NN dense layer.

#include <string>

#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "nn/executor.h"
#include "nn/raw_file.h"
#include "nn/weights.h"
#include "nn/workloads.h"
#include "tests/testing/reference_data.h"

namespace illusion {
namespace {

using nn::Tensor;
using nn::TensorMap;
using nn::Workload;

struct Score {
  int correct = 0;
  int high_path = 0;
  int wraps = 0;
};

// Counts int8 wrap-arounds of the dense ops that ran: recomputes each output
// without the cast and checks it fits in [-128, 127].
int CountDenseWraps(const nn::Graph& graph, const nn::WeightMap& weights,
                    const TensorMap& env) {
  int wraps = 0;
  for (const auto& op : graph.ops()) {
    if (op->kind() != nn::OpKind::kDense || env.count(op->outputs()[0].name) == 0) continue;
    absl::StatusOr<nn::OpIo> io = nn::WeightsOf(*op, weights);
    EXPECT_OK(io.status());
    io->inputs = {&env.at(op->inputs()[0].name)};
    absl::StatusOr<Tensor> sums = op->PartialSums(*io, op->all_outputs(), op->all_inputs());
    EXPECT_OK(sums.status());
    const Tensor& bias = *io->weights[1];
    for (int64_t z = 0; z < sums->num_elements(); ++z) {
      const int32_t v = (sums->at(z) + bias.at(z) * 16) >> 4;
      wraps += (v < -128 || v > 127);
    }
  }
  return wraps;
}

absl::StatusOr<Score> Evaluate(const std::string& ref, Workload w, const std::string& set,
                               int count, int64_t image_bytes) {
  absl::StatusOr<nn::Graph> graph = nn::BuildWorkloadGraph(w);
  if (!graph.ok()) return graph.status();
  absl::StatusOr<nn::WeightMap> weights = nn::LoadWeightsFromDir(
      *graph, ref + "/illusion/" + std::string(nn::ReferenceFolder(w)) + "/weights",
      nn::WorkloadWeightLayout(w));
  if (!weights.ok()) return weights.status();
  absl::StatusOr<std::string> images =
      nn::ReadRawFile(ref + "/illusion/datasets/" + set + "_test_inputs.bin");
  if (!images.ok()) return images.status();
  absl::StatusOr<std::string> labels =
      nn::ReadRawFile(ref + "/illusion/datasets/" + set + "_test_labels.bin");
  if (!labels.ok()) return labels.status();
  EXPECT_EQ(static_cast<int64_t>(images->size()), count * image_bytes);
  EXPECT_EQ(static_cast<int>(labels->size()), count);
  const nn::TensorSpec& spec = *graph->FindTensor(nn::kInputTensor);
  Score score;
  for (int i = 0; i < count; ++i) {
    TensorMap in;
    absl::StatusOr<Tensor> image = Tensor::FromBytes(
        spec.dtype, spec.shape, 4, absl::string_view(*images).substr(i * image_bytes, image_bytes));
    if (!image.ok()) return image.status();
    in[nn::kInputTensor] = *std::move(image);
    absl::StatusOr<TensorMap> env = nn::ExecuteGraph(*graph, *weights, std::move(in));
    if (!env.ok()) return env.status();
    score.correct += env->at(nn::kClassTensor).at(0) == static_cast<uint8_t>((*labels)[i]);
    if (w == Workload::kD2nn) {
      score.high_path += env->at(nn::kPathTensor).at(0);
      score.wraps += CountDenseWraps(*graph, *weights, *env);
    }
  }
  return score;
}

TEST(GoldenAccuracyTest, Mnist) {
  REQUIRE_REFERENCE_DIR(ref);
  ASSERT_OK_AND_ASSIGN(Score s, Evaluate(ref, Workload::kMnist, "mnist", 1000, 784));
  EXPECT_EQ(s.correct, 978);
}

TEST(GoldenAccuracyTest, Svhn) {
  REQUIRE_REFERENCE_DIR(ref);
  ASSERT_OK_AND_ASSIGN(Score s, Evaluate(ref, Workload::kSvhn, "svhn", 300, 3072));
  EXPECT_EQ(s.correct, 272);
}

TEST(GoldenAccuracyTest, D2nn) {
  REQUIRE_REFERENCE_DIR(ref);
  ASSERT_OK_AND_ASSIGN(Score s, Evaluate(ref, Workload::kD2nn, "mnist", 1000, 784));
  EXPECT_EQ(s.correct, 934);
  EXPECT_EQ(s.high_path, 127);
  EXPECT_EQ(s.wraps, 0);
}

}  // namespace
}  // namespace illusion
