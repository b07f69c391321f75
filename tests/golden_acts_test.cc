// Every intermediate tensor of the reference samples (reference/illusion/
// <wl>/acts) reproduced bit-exactly by the nn golden model, and the final
// classes of workloads.md §4: mnist 7, svhn 5, d2nn 7 (low) and 7 (high),
// kws lstm 1.

#include <string>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/executor.h"
#include "nn/ops.h"
#include "nn/weights.h"
#include "nn/workloads.h"
#include "tests/testing/reference_data.h"

namespace illusion {
namespace {

using nn::DType;
using nn::Range;
using nn::Tensor;
using nn::TensorMap;
using nn::Workload;
using testing::ReadReferenceTensor;

// Loads the reference weights of `w` for `graph` from the kit.
absl::StatusOr<nn::WeightMap> ReferenceWeights(const std::string& ref, Workload w,
                                               const nn::Graph& graph) {
  return nn::LoadWeightsFromDir(
      graph, ref + "/illusion/" + std::string(nn::ReferenceFolder(w)) + "/weights",
      nn::WorkloadWeightLayout(w));
}

// Expects `actual` to equal the reference file bit for bit.
void ExpectMatches(const Tensor& actual, const std::string& file) {
  absl::StatusOr<Tensor> expected =
      ReadReferenceTensor(file, actual.dtype(), {actual.num_elements()});
  ASSERT_OK(expected.status());
  const int64_t diff = nn::FirstDifference(actual, *expected);
  EXPECT_EQ(diff, -1) << file << ": first difference at element " << diff
                      << ": got " << (diff >= 0 ? actual.at(diff) : 0) << ", expected "
                      << (diff >= 0 ? expected->at(diff) : 0);
}

absl::StatusOr<TensorMap> RunCnn(const nn::Graph& graph, const nn::WeightMap& weights,
                                 const std::string& input_file, bool all_branches) {
  const nn::TensorSpec& spec = *graph.FindTensor(nn::kInputTensor);
  absl::StatusOr<Tensor> input = ReadReferenceTensor(input_file, spec.dtype, spec.shape, 4);
  if (!input.ok()) return input.status();
  TensorMap inputs;
  inputs[nn::kInputTensor] = *std::move(input);
  nn::ExecuteOptions options;
  options.run_all_branches = all_branches;
  return nn::ExecuteGraph(graph, weights, std::move(inputs), options);
}

// Partial sums of a dense op over input columns [0, end), from the whole input.
Tensor DensePrefixSums(const nn::Op& op, const nn::WeightMap& weights,
                       const Tensor& input, int64_t end) {
  absl::StatusOr<nn::OpIo> io = nn::WeightsOf(op, weights);
  EXPECT_OK(io.status());
  const int64_t elem = nn::DTypeBytes(input.dtype());
  Tensor prefix = *Tensor::FromBytes(input.dtype(), {end}, input.frac_bits(),
                                     input.bytes().substr(0, end * elem));
  io->inputs = {&prefix};
  absl::StatusOr<Tensor> sums = op.PartialSums(*io, op.all_outputs(), Range{0, end});
  EXPECT_OK(sums.status());
  return *sums;
}

TEST(GoldenActsTest, MnistSample0) {
  REQUIRE_REFERENCE_DIR(ref);
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, nn::BuildWorkloadGraph(Workload::kMnist));
  ASSERT_OK_AND_ASSIGN(nn::WeightMap weights, ReferenceWeights(ref, Workload::kMnist, graph));
  ASSERT_OK_AND_ASSIGN(TensorMap env,
                       RunCnn(graph, weights, "illusion/mnist/input_sample0.bin", false));
  for (const char* t : {"conv1", "conv2", "conv3", "conv4"}) {
    ExpectMatches(env.at(t), std::string("illusion/mnist/acts/") + t + ".bin");
  }
  ExpectMatches(env.at("classes"), "illusion/mnist/acts/classes.bin");
  const nn::Op& fc = *graph.FindOp("layer5");
  ExpectMatches(DensePrefixSums(fc, weights, env.at("conv4"), 48),
                "illusion/mnist/acts/fc_partial_chip6.bin");
  ExpectMatches(DensePrefixSums(fc, weights, env.at("conv4"), 96),
                "illusion/mnist/acts/fc_partial_full.bin");
  EXPECT_EQ(env.at(nn::kClassTensor).at(0), 7);
}

TEST(GoldenActsTest, SvhnSample0) {
  REQUIRE_REFERENCE_DIR(ref);
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, nn::BuildWorkloadGraph(Workload::kSvhn));
  ASSERT_OK_AND_ASSIGN(nn::WeightMap weights, ReferenceWeights(ref, Workload::kSvhn, graph));
  ASSERT_OK_AND_ASSIGN(TensorMap env,
                       RunCnn(graph, weights, "illusion/svhn/input_sample0.bin", false));
  for (const char* t : {"conv1", "conv2", "conv3", "fc1", "fc2", "fc3"}) {
    ExpectMatches(env.at(t), std::string("illusion/svhn/acts/") + t + ".bin");
  }
  // The fc1 chain: running partial sums after slices a, a+b, ..., a..e.
  const int64_t ends[] = {77, 154, 231, 308, 384};
  const nn::Op& fc1 = *graph.FindOp("layer4");
  for (int k = 0; k < 5; ++k) {
    ExpectMatches(DensePrefixSums(fc1, weights, env.at("conv3"), ends[k]),
                  "illusion/svhn/acts/fc1_partial_after_slice" + std::to_string(k) + ".bin");
  }
  EXPECT_EQ(env.at(nn::kClassTensor).at(0), 5);
}

class D2nnGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(D2nnGoldenTest, BothBranchesAndTheTakenPath) {
  REQUIRE_REFERENCE_DIR(ref);
  const std::string path = GetParam();  // "low" (sample 0) or "high" (sample 17)
  const std::string input = path == "low" ? "illusion/d2nn/input_sample0_low.bin"
                                          : "illusion/d2nn/input_sample17_high.bin";
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, nn::BuildWorkloadGraph(Workload::kD2nn));
  ASSERT_OK_AND_ASSIGN(nn::WeightMap weights, ReferenceWeights(ref, Workload::kD2nn, graph));
  ASSERT_OK_AND_ASSIGN(TensorMap all, RunCnn(graph, weights, input, true));
  for (const char* t : {"n1_conv1", "n1_conv2", "q_input", "q_fc1", "q_fc2", "n3_fc1",
                        "n3_fc2", "n2_conv1", "n2_conv2", "n2_fc1", "n2_fc2", "n2_fc3"}) {
    ExpectMatches(all.at(t), "illusion/d2nn/acts/" + path + "_" + t + ".bin");
  }
  ASSERT_OK_AND_ASSIGN(TensorMap taken, RunCnn(graph, weights, input, false));
  EXPECT_EQ(taken.at(nn::kPathTensor).at(0), path == "high" ? 1 : 0);
  EXPECT_EQ(taken.count("n2_fc3") > 0, path == "high");
  EXPECT_EQ(taken.at(nn::kClassTensor).at(0), 7);
}

INSTANTIATE_TEST_SUITE_P(Paths, D2nnGoldenTest, ::testing::Values("low", "high"));

// One LSTM step (first or final) from the recorded state, checked against h,
// c and every chip's gate pre-activations.
class LstmGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LstmGoldenTest, StepMatchesTheReference) {
  REQUIRE_REFERENCE_DIR(ref);
  const std::string step = GetParam();  // "first" or "final"
  nn::WorkloadOptions options;
  options.lstm_steps = 1;
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, nn::BuildWorkloadGraph(Workload::kKwsLstm, options));
  ASSERT_OK_AND_ASSIGN(nn::WeightMap weights,
                       ReferenceWeights(ref, Workload::kKwsLstm, graph));
  TensorMap in;
  ASSERT_OK_AND_ASSIGN(in[nn::kLstmX], ReadReferenceTensor("illusion/lstm/input_" + step +
                                                               "_x.bin", DType::kInt8, {1, 10}, 4));
  ASSERT_OK_AND_ASSIGN(in[nn::kLstmH0], ReadReferenceTensor("illusion/lstm/input_" + step +
                                                                "_h.bin", DType::kInt8, {80}, 4));
  ASSERT_OK_AND_ASSIGN(in[nn::kLstmC0], ReadReferenceTensor("illusion/lstm/input_" + step +
                                                                "_c.bin", DType::kInt16, {80}, 8));
  const Tensor x_step = *Tensor::FromBytes(DType::kInt8, {10}, 4, in[nn::kLstmX].bytes());
  const Tensor h_in = in[nn::kLstmH0];
  ASSERT_OK_AND_ASSIGN(TensorMap env, nn::ExecuteGraph(graph, weights, in));
  ExpectMatches(env.at("h"), "illusion/lstm/acts/" + step + "_h_out.bin");
  ExpectMatches(env.at("c"), "illusion/lstm/acts/" + step + "_c_out.bin");

  const nn::Op& lstm = *graph.FindOp("lstm");
  ASSERT_OK_AND_ASSIGN(nn::OpIo lstm_weights, nn::WeightsOf(lstm, weights));
  std::string gates;
  for (int chip = 0; chip < 8; ++chip) {
    ASSERT_OK_AND_ASSIGN(Tensor g, nn::LstmGatesForUnits(lstm, x_step, h_in, lstm_weights,
                                                         Range{10 * chip, 10 * chip + 10}));
    gates += std::string(g.bytes());
  }
  ExpectMatches(*Tensor::FromBytes(DType::kInt32, {320}, 11, gates),
                "illusion/lstm/acts/" + step + "_gates_per_chip.bin");

  if (step == "final") {
    // The fc chain: running partial sums after chip k cover units 0..10k+9.
    const nn::Op& fc = *graph.FindOp("fc");
    std::string chain;
    for (int chip = 0; chip < 8; ++chip) {
      chain += std::string(DensePrefixSums(fc, weights, env.at("h"), 10 * chip + 10).bytes());
    }
    ExpectMatches(*Tensor::FromBytes(DType::kInt32, {88}, 11, chain),
                  "illusion/lstm/acts/final_fc_partials.bin");
    ExpectMatches(env.at("logits"), "illusion/lstm/acts/final_logits_msp.bin");
    EXPECT_EQ(env.at(nn::kClassTensor).at(0), 1);
  }
}

INSTANTIATE_TEST_SUITE_P(Steps, LstmGoldenTest, ::testing::Values("first", "final"));

TEST(LstmGoldenBiasFormTest, GoldenFormGivesTheCLstm2LogitsAndTheSameClass) {
  REQUIRE_REFERENCE_DIR(ref);
  nn::WorkloadOptions options;
  options.lstm_steps = 1;
  options.lstm_bias_form = nn::LstmBiasForm::kGolden;
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, nn::BuildWorkloadGraph(Workload::kKwsLstm, options));
  ASSERT_OK_AND_ASSIGN(nn::WeightMap weights,
                       ReferenceWeights(ref, Workload::kKwsLstm, graph));
  TensorMap in;
  ASSERT_OK_AND_ASSIGN(in[nn::kLstmX],
                       ReadReferenceTensor("illusion/lstm/input_final_x.bin", DType::kInt8, {1, 10}, 4));
  ASSERT_OK_AND_ASSIGN(in[nn::kLstmH0],
                       ReadReferenceTensor("illusion/lstm/input_final_h.bin", DType::kInt8, {80}, 4));
  ASSERT_OK_AND_ASSIGN(in[nn::kLstmC0],
                       ReadReferenceTensor("illusion/lstm/input_final_c.bin", DType::kInt16, {80}, 8));
  ASSERT_OK_AND_ASSIGN(TensorMap env, nn::ExecuteGraph(graph, weights, in));
  // workloads.md §1.5: the golden c_lstm2 logits of the reference sample.
  EXPECT_EQ(env.at("logits").values(),
            (std::vector<int32_t>{30, 114, -11, 69, 23, -12, -14, 5, 28, -9, 77}));
  EXPECT_EQ(env.at(nn::kClassTensor).at(0), 1);
}

}  // namespace
}  // namespace illusion
