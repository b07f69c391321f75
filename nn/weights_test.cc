#include "nn/weights.h"

#include <cstdlib>
#include <string>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/raw_file.h"
#include "nn/workloads.h"

namespace illusion::nn {
namespace {

using ::illusion::common::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

// A fresh directory under the test's temporary directory.
std::string MakeDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = std::string(tmp != nullptr ? tmp : "/tmp") + "/" + name;
  std::string cmd = "rm -rf '" + dir + "' && mkdir -p '" + dir + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  return dir;
}

// Writes every weight of `w` (in the workload's layout) to `dir`.
void WriteWeights(Workload w, const Graph& graph, const WeightMap& weights,
                  const std::string& dir) {
  std::vector<WeightFile> layout = WorkloadWeightLayout(w);
  for (const TensorSpec& spec : graph.weights()) {
    const Tensor& t = weights.at(spec.name);
    bool written = false;
    for (const WeightFile& wf : layout) {
      if (wf.tensor != spec.name) continue;
      std::string bytes;
      if (wf.column_end == 0) {
        bytes = std::string(t.bytes());
      } else {
        for (int64_t r = 0; r < spec.shape[0]; ++r) {
          for (int64_t c = wf.column_begin; c < wf.column_end; ++c) {
            bytes.push_back(static_cast<char>(t.at(r * spec.shape[1] + c)));
          }
        }
      }
      ASSERT_OK(WriteRawFile(dir + "/" + wf.file, bytes));
      written = true;
    }
    if (!written) {
      ASSERT_OK(WriteRawFile(dir + "/" + spec.name + ".bin", t.bytes()));
    }
  }
}

class LoaderTest : public ::testing::TestWithParam<Workload> {};

TEST_P(LoaderTest, RoundTripsSeededWeightsThroughTheDirectoryLayout) {
  ASSERT_OK_AND_ASSIGN(Graph graph, BuildWorkloadGraph(GetParam()));
  WeightMap weights = SeededWeights(graph, 99);
  const std::string dir = MakeDir(std::string(WorkloadName(GetParam())));
  WriteWeights(GetParam(), graph, weights, dir);
  ASSERT_OK_AND_ASSIGN(WeightMap loaded,
                       LoadWeightsFromDir(graph, dir, WorkloadWeightLayout(GetParam())));
  EXPECT_OK(ValidateWeights(graph, loaded));
  for (const auto& [name, t] : weights) {
    EXPECT_TRUE(loaded.at(name).SameValues(t)) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Workloads, LoaderTest,
                         ::testing::Values(Workload::kMnist, Workload::kSvhn,
                                           Workload::kD2nn, Workload::kKwsLstm),
                         [](const auto& info) {
                           return std::string(WorkloadName(info.param));
                         });

TEST(LoaderErrorsTest, WrongSizeNamesFileExpectedAndActual) {
  ASSERT_OK_AND_ASSIGN(Graph graph, BuildWorkloadGraph(Workload::kMnist));
  const std::string dir = MakeDir("wrong_size");
  WriteWeights(Workload::kMnist, graph, SeededWeights(graph, 1), dir);
  ASSERT_OK(WriteRawFile(dir + "/layer3_H.bin", std::string(431, '\0')));
  EXPECT_THAT(LoadWeightsFromDir(graph, dir, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(dir + "/layer3_H.bin"),
                             HasSubstr("int8 [8, 6, 3, 3], 432 bytes"),
                             HasSubstr("has 431 bytes; expected 432"))));
}

TEST(LoaderErrorsTest, MissingFileIsNamed) {
  ASSERT_OK_AND_ASSIGN(Graph graph, BuildWorkloadGraph(Workload::kD2nn));
  const std::string dir = MakeDir("missing");
  WriteWeights(Workload::kD2nn, graph, SeededWeights(graph, 1), dir);
  std::remove((dir + "/N2_layer4_B.bin").c_str());
  EXPECT_THAT(LoadWeightsFromDir(graph, dir, {}),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("weight file '" + dir +
                                 "/N2_layer4_B.bin' for tensor 'N2_layer4_B' is missing")));
}

TEST(LoaderErrorsTest, WrongSliceSizeNamesTheSlice) {
  ASSERT_OK_AND_ASSIGN(Graph graph, BuildWorkloadGraph(Workload::kSvhn));
  const std::string dir = MakeDir("slice");
  WriteWeights(Workload::kSvhn, graph, SeededWeights(graph, 1), dir);
  ASSERT_OK(WriteRawFile(dir + "/layer4c_H.bin", std::string(52 * 76, '\0')));
  EXPECT_THAT(LoadWeightsFromDir(graph, dir, WorkloadWeightLayout(Workload::kSvhn)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("layer4c_H.bin"), HasSubstr("[52, 77]"),
                             HasSubstr("has 3952 bytes; expected 4004"))));
}

TEST(LoaderErrorsTest, LayoutNamingAnUnknownTensorIsRejected) {
  ASSERT_OK_AND_ASSIGN(Graph graph, BuildWorkloadGraph(Workload::kMnist));
  const std::vector<WeightFile> layout = {{"x.bin", "layer9_H"}};
  EXPECT_THAT(LoadWeightsFromDir(graph, "/nonexistent", layout),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("tensor 'layer9_H' (file 'x.bin')")));
}

TEST(ValidateWeightsTest, ShapeMismatchNamesExpectedAndActual) {
  ASSERT_OK_AND_ASSIGN(Graph graph, BuildWorkloadGraph(Workload::kMnist));
  WeightMap weights = SeededWeights(graph, 1);
  weights["layer2_H"] = Tensor(DType::kInt8, {6, 6, 9});
  EXPECT_THAT(ValidateWeights(graph, weights),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("weight 'layer2_H' must be int8 [6, 6, 3, 3], 324 bytes"),
                             HasSubstr("got int8 [6, 6, 9]"))));
}

TEST(SeededWeightsTest, AreDeterministicAndSeedDependent) {
  ASSERT_OK_AND_ASSIGN(Graph graph, BuildWorkloadGraph(Workload::kMnist));
  WeightMap a = SeededWeights(graph, 5), b = SeededWeights(graph, 5),
            c = SeededWeights(graph, 6);
  EXPECT_TRUE(a.at("layer4_H").SameValues(b.at("layer4_H")));
  EXPECT_FALSE(a.at("layer4_H").SameValues(c.at("layer4_H")));
  for (int32_t v : a.at("layer4_H").values()) {
    EXPECT_GE(v, -16);
    EXPECT_LE(v, 16);
  }
}

}  // namespace
}  // namespace illusion::nn
