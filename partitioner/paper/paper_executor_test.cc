// The paper partitions run word by word against the reference streams
// (reference/illusion/<wl>/messages*.json, "in_generated"/"out_generated"),
// and against the unpartitioned golden model (nn::ExecuteGraph).

#include "partitioner/partition_executor.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "nn/executor.h"
#include "nn/weights.h"
#include "nn/workloads.h"
#include "partitioner/paper/paper_partition.h"
#include "tests/testing/reference_data.h"

namespace illusion::partitioner {
namespace {

using nn::DType;
using nn::Tensor;
using nn::TensorMap;
using nn::Workload;
using ::illusion::testing::ReadReferenceTensor;

std::string Folder(Workload w) { return "illusion/" + std::string(nn::ReferenceFolder(w)); }

absl::StatusOr<nn::WeightMap> Weights(const std::string& ref, Workload w, const nn::Graph& g) {
  return nn::LoadWeightsFromDir(g, ref + "/" + Folder(w) + "/weights",
                                nn::WorkloadWeightLayout(w));
}

// Host inputs of the reference sample: `variant` is "low"/"high" for d2nn,
// "first"/"final" for the lstm.
absl::StatusOr<TensorMap> Inputs(Workload w, const std::string& variant) {
  TensorMap in;
  const std::string dir = Folder(w);
  if (w == Workload::kKwsLstm) {
    const std::string p = dir + "/input_" + variant + "_";
    absl::StatusOr<Tensor> x = ReadReferenceTensor(p + "x.bin", DType::kInt8, {1, 10}, 4);
    absl::StatusOr<Tensor> h = ReadReferenceTensor(p + "h.bin", DType::kInt8, {80}, 4);
    absl::StatusOr<Tensor> c = ReadReferenceTensor(p + "c.bin", DType::kInt16, {80}, 8);
    if (!x.ok()) return x.status();
    if (!h.ok()) return h.status();
    if (!c.ok()) return c.status();
    in[nn::kLstmX] = *x, in[nn::kLstmH0] = *h, in[nn::kLstmC0] = *c;
    in["last"] = Tensor::FromValues(DType::kInt16, {1}, {variant == "final" ? 1 : 0});
    return in;
  }
  std::string file = dir + "/input_sample0.bin";
  nn::Shape shape = {1, 28, 28};
  if (w == Workload::kSvhn) shape = {3, 32, 32};
  if (w == Workload::kD2nn) {
    file = variant == "high" ? dir + "/input_sample17_high.bin" : dir + "/input_sample0_low.bin";
    in[nn::kPathTensor] = Tensor::FromValues(DType::kInt8, {1}, {variant == "high" ? 1 : 0});
  }
  absl::StatusOr<Tensor> image = ReadReferenceTensor(file, DType::kInt8, shape, 4);
  if (!image.ok()) return image.status();
  in[nn::kInputTensor] = *image;
  return in;
}

// The golden model on the graph inputs only.
absl::StatusOr<TensorMap> Golden(const nn::Graph& g, const nn::WeightMap& weights,
                                 const TensorMap& inputs) {
  TensorMap in;
  for (const nn::TensorSpec& s : g.inputs()) in[s.name] = inputs.at(s.name);
  return nn::ExecuteGraph(g, weights, in);
}

// Everything one test case needs, loaded from the kit.
struct Loaded {
  nn::Graph graph;
  nn::WeightMap weights;
  TensorMap inputs;
  TensorMap golden;
  PartitionRun run;
};

absl::StatusOr<Loaded> RunCase(const std::string& ref, Workload w, int chips, bool nv,
                               const std::string& variant) {
  absl::StatusOr<nn::Graph> g = PaperGraph(w);
  if (!g.ok()) return g.status();
  absl::StatusOr<nn::WeightMap> weights = Weights(ref, w, *g);
  if (!weights.ok()) return weights.status();
  absl::StatusOr<TensorMap> inputs = Inputs(w, variant);
  if (!inputs.ok()) return inputs.status();
  absl::StatusOr<TensorMap> golden = Golden(*g, *weights, *inputs);
  if (!golden.ok()) return golden.status();
  PaperPartitionOptions options;
  options.d2nn_nv = nv;
  absl::StatusOr<Partition> p = PaperPartitionFor(w, chips, options);
  if (!p.ok()) return p.status();
  absl::StatusOr<PartitionRun> run = ExecutePartition(*p, *g, *weights, *inputs);
  if (!run.ok()) return run.status();
  return Loaded{*std::move(g), *std::move(weights), *std::move(inputs), *std::move(golden),
                *std::move(run)};
}

// One stream folder of a messages*.json.
struct StreamCase {
  Workload workload;
  std::string json;    // file under illusion/<wl>/
  std::string folder;  // e.g. "mode_illusion_io"
  int chips;
  bool nv;
  std::string variant;
  int expected_class;  // -1: no class (lstm first step)
};

std::ostream& operator<<(std::ostream& os, const StreamCase& c) {
  return os << nn::WorkloadName(c.workload) << "/" << c.json << "/" << c.folder;
}

class ReferenceStreamsTest : public ::testing::TestWithParam<StreamCase> {};

TEST_P(ReferenceStreamsTest, GeneratedStreamsMatchWordForWord) {
  REQUIRE_REFERENCE_DIR(ref);
  const StreamCase& c = GetParam();
  std::ifstream file(ref + "/" + Folder(c.workload) + "/" + c.json);
  ASSERT_TRUE(file.good()) << c.json;
  const nlohmann::json all = nlohmann::json::parse(file);
  ASSERT_TRUE(all.contains(c.folder)) << c.folder;
  const nlohmann::json& chips = all.at(c.folder);

  ASSERT_OK_AND_ASSIGN(Loaded l, RunCase(ref, c.workload, c.chips, c.nv, c.variant));
  std::vector<std::string> ran;
  for (const ChipRun& r : l.run.chips) ran.push_back(r.label);
  std::vector<std::string> expected_chips;
  for (auto it = chips.begin(); it != chips.end(); ++it) expected_chips.push_back(it.key());
  std::sort(expected_chips.begin(), expected_chips.end());
  std::vector<std::string> sorted_ran = ran;
  std::sort(sorted_ran.begin(), sorted_ran.end());
  if (c.nv) {
    // messages_low_NV.json lists only the chips whose streams differ from the
    // non-NV run (0 and 1); chip 2 still runs.
    EXPECT_THAT(sorted_ran, ::testing::IsSupersetOf(expected_chips));
  } else {
    EXPECT_EQ(sorted_ran, expected_chips);
  }

  for (auto it = chips.begin(); it != chips.end(); ++it) {
    const ChipRun* r = l.run.Find(it.key());
    ASSERT_NE(r, nullptr) << "chip " << it.key();
    const Words in = it.value().at("in_generated").get<Words>();
    const Words out = it.value().at("out_generated").get<Words>();
    EXPECT_EQ(r->in, in) << c << " chip " << it.key() << " in";
    EXPECT_EQ(r->out, out) << c << " chip " << it.key() << " out";
  }

  if (c.expected_class >= 0) {
    EXPECT_EQ(l.run.class_id, c.expected_class);
    EXPECT_EQ(l.run.class_id, l.golden.at(nn::kClassTensor).at(0));
  }
  if (c.workload == Workload::kKwsLstm) {
    EXPECT_TRUE(l.run.host.at("h").SameValues(l.golden.at("h")));
    EXPECT_TRUE(l.run.host.at("c").SameValues(l.golden.at("c")));
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllModes, ReferenceStreamsTest,
    ::testing::Values(
        StreamCase{Workload::kMnist, "messages.json", "mode_target_io", 1, false, "", 7},
        StreamCase{Workload::kMnist, "messages.json", "mode_illusion_sm_io", 4, false, "", 7},
        StreamCase{Workload::kMnist, "messages.json", "mode_illusion_io", 8, false, "", 7},
        StreamCase{Workload::kSvhn, "messages.json", "mode_target_io", 1, false, "", 5},
        StreamCase{Workload::kSvhn, "messages.json", "mode_illusion_sm_io", 4, false, "", 5},
        StreamCase{Workload::kSvhn, "messages.json", "mode_illusion_io", 8, false, "", 5},
        StreamCase{Workload::kD2nn, "messages_low.json", "mode_target_low_io", 1, false, "low", 7},
        StreamCase{Workload::kD2nn, "messages_low.json", "mode_illusion_sm_low_io", 4, false,
                   "low", 7},
        StreamCase{Workload::kD2nn, "messages_low.json", "mode_illusion_low_io", 8, false, "low",
                   7},
        StreamCase{Workload::kD2nn, "messages_low_NV.json", "mode_illusion_low_io", 8, true,
                   "low", 7},
        StreamCase{Workload::kKwsLstm, "messages_first.json", "mode_target_io", 1, false, "first",
                   -1},
        StreamCase{Workload::kKwsLstm, "messages_first.json", "mode_illusion_sm_io", 4, false,
                   "first", -1},
        StreamCase{Workload::kKwsLstm, "messages_first.json", "mode_illusion_io", 8, false,
                   "first", -1}));

// (in, out) word counts per chip label.
using Counts = std::map<std::string, std::pair<size_t, size_t>>;

Counts CountsOf(const PartitionRun& run) {
  Counts counts;
  for (const ChipRun& r : run.chips) counts[r.label] = {r.in.size(), r.out.size()};
  return counts;
}

// The d2nn high path (sample 17): message sizes of workloads.md §2.2.
TEST(PaperExecutorTest, D2nnHighPathWordCounts) {
  REQUIRE_REFERENCE_DIR(ref);
  const Counts target = {{"0", {395, 2}}};
  const Counts four = {{"0", {395, 218}}, {"1", {219, 100}}, {"2", {51, 43}}, {"3", {93, 2}}};
  Counts eight = {{"0", {394, 231}}, {"1", {232, 218}}, {"3", {219, 200}}, {"4", {51, 22}},
                  {"5", {51, 22}},   {"6", {51, 22}},   {"7", {114, 2}}};
  Counts nv = eight;
  nv["0"] = {395, 69};
  nv["1"] = {70, 2};
  nv["00"] = {3, 218};
  const struct {
    int chips;
    bool nv;
    Counts counts;
  } cases[] = {{1, false, target}, {4, false, four}, {8, false, eight}, {8, true, nv}};
  for (const auto& c : cases) {
    ASSERT_OK_AND_ASSIGN(Loaded l, RunCase(ref, Workload::kD2nn, c.chips, c.nv, "high"));
    EXPECT_EQ(CountsOf(l.run), c.counts) << c.chips << " chips, nv " << c.nv;
    EXPECT_EQ(l.run.class_id, 7);
    EXPECT_EQ(l.run.class_id, l.golden.at(nn::kClassTensor).at(0));
    EXPECT_EQ(l.golden.at(nn::kPathTensor).at(0), 1);
    if (c.nv) {
      const ChipRun* wake = l.run.Find("00");
      ASSERT_NE(wake, nullptr);
      EXPECT_EQ(wake->in, (Words{0x0001, 0xFFFF, 0x0000}));
      EXPECT_EQ(l.run.Find("1")->out, (Words{0x0001, 0xFFFF}));
      EXPECT_EQ(wake->out[0], 0x0008);
      EXPECT_EQ(wake->out[1], 0x0001);
    }
  }
}

// The lstm final step: the fc partial-sum chain and the class (§2.2).
TEST(PaperExecutorTest, LstmFinalStepWordCountsAndClass) {
  REQUIRE_REFERENCE_DIR(ref);
  Counts four = {{"0", {69, 53}}, {"1", {91, 53}}, {"2", {91, 53}}, {"3", {91, 32}}};
  Counts eight;
  for (int k = 0; k < 8; ++k) {
    eight[std::to_string(k)] = {k == 0 ? 59 : 81, k == 7 ? 17 : 38};
  }
  const struct {
    int chips;
    Counts counts;
  } cases[] = {{1, {{"0", {129, 122}}}}, {4, four}, {8, eight}};
  for (const auto& c : cases) {
    ASSERT_OK_AND_ASSIGN(Loaded l, RunCase(ref, Workload::kKwsLstm, c.chips, false, "final"));
    EXPECT_EQ(CountsOf(l.run), c.counts) << c.chips << " chips";
    EXPECT_EQ(l.run.class_id, 1);
    EXPECT_EQ(l.run.class_id, l.golden.at(nn::kClassTensor).at(0));
    EXPECT_TRUE(l.run.host.at("h").SameValues(l.golden.at("h")));
    EXPECT_TRUE(l.run.host.at("c").SameValues(l.golden.at("c")));
    // The last chip's message to the host starts [0][class].
    const ChipRun& last = l.run.chips.back();
    EXPECT_EQ(last.out[0], kHostWord);
    EXPECT_EQ(last.out[1], 1);
  }
}

}  // namespace
}  // namespace illusion::partitioner
