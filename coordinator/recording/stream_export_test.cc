#include "coordinator/recording/stream_export.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "coordinator/experiment.h"
#include "coordinator/run_record.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "nn/executor.h"
#include "nn/tensor.h"
#include "nn/workloads.h"
#include "partitioner/word_protocol.h"
#include "tests/testing/reference_data.h"

namespace illusion::coordinator {
namespace {

namespace fs = std::filesystem;
using ::illusion::common::StatusIs;
using nn::Workload;
using partitioner::ChipRun;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;
using Words = std::vector<uint16_t>;

// A fresh, empty directory for the current test.
std::string TempDir(absl::string_view suffix = "") {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const fs::path dir =
      fs::path(tmp != nullptr ? tmp : "/tmp") /
      absl::StrCat("stream_export_test_",
                   ::testing::UnitTest::GetInstance()->current_test_info()->name(), suffix);
  fs::remove_all(dir);
  return dir.string();
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// File names directly in `dir`.
std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

ChipRun Run(std::string label, int chip, Words in, Words out) {
  return ChipRun{std::move(label), chip, std::move(in), std::move(out)};
}

// The d2nn NV high path shape: chip 0 wakes twice ("0", then "00").
InferenceRecord TwoWakeUps() {
  InferenceRecord inference;
  inference.chips = {Run("0", 0, {0x0001, 0x0000, 0x1234, 0x0000}, {0x0002, 0xabcd}),
                     Run("1", 1, {0x0002, 0xabcd, 0x0000}, {0x0001, 0xffff}),
                     Run("00", 0, {0x0001, 0xffff, 0x0000}, {0x0000, 0x0007})};
  return inference;
}

TEST(StreamExportTest, WritesOneLowercaseWordPerLineAndReadsItBack) {
  const std::string dir = TempDir();
  ASSERT_OK(ExportInferenceStreams(TwoWakeUps(), 4, dir));
  // Chips 2 and 3 did not run: no files, as in the reference streams.
  EXPECT_EQ(Files(dir), (std::vector<std::string>{"chip_0_in.txt", "chip_0_out.txt",
                                                  "chip_1_in.txt", "chip_1_out.txt"}));
  EXPECT_EQ(ReadText(dir + "/chip_1_out.txt"), "0001\nffff\n");
  // Chip 0's two wake-ups, concatenated in execution order.
  EXPECT_EQ(ReadText(dir + "/chip_0_in.txt"), "0001\n0000\n1234\n0000\n0001\nffff\n0000\n");
  EXPECT_THAT(ReadStreamFile(dir + "/chip_0_out.txt"),
              ::illusion::common::IsOkAndHolds(Words{0x0002, 0xabcd, 0x0000, 0x0007}));
  EXPECT_THAT(ReadStreamFile(dir + "/chip_1_in.txt"),
              ::illusion::common::IsOkAndHolds(Words{0x0002, 0xabcd, 0x0000}));
}

TEST(StreamExportTest, SplitWakeUpsWritesTheUpstreamLayout) {
  const std::string dir = TempDir();
  StreamExportOptions options;
  options.split_wake_ups = true;
  ASSERT_OK(ExportInferenceStreams(TwoWakeUps(), 2, dir, options));
  EXPECT_EQ(Files(dir),
            (std::vector<std::string>{"chip_00_in.txt", "chip_00_out.txt", "chip_0_in.txt",
                                      "chip_0_out.txt", "chip_1_in.txt", "chip_1_out.txt"}));
  EXPECT_EQ(ReadText(dir + "/chip_00_in.txt"), "0001\nffff\n0000\n");
  EXPECT_EQ(ReadText(dir + "/chip_0_in.txt"), "0001\n0000\n1234\n0000\n");

  InferenceRecord bad = TwoWakeUps();
  bad.chips[1].label = "../x";
  EXPECT_THAT(ExportInferenceStreams(bad, 2, dir, options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("wake-up label '../x' cannot name a stream file")));
}

TEST(StreamExportTest, FoldersFollowTheWorkloadAndInferenceCount) {
  EXPECT_EQ(StreamFolder(Workload::kMnist, 1, 0), "");
  EXPECT_EQ(StreamFolder(Workload::kSvhn, 3, 2), "inference_2");
  EXPECT_EQ(StreamFolder(Workload::kKwsLstm, 1, 0), "step_0");
  EXPECT_EQ(StreamFolder(Workload::kKwsLstm, 40, 39), "step_39");

  RunRecord record;
  record.num_chips = 2;
  record.inferences = {TwoWakeUps(), TwoWakeUps()};
  record.inferences[1].chips[1].out = {0x0000, 0x0005};
  const std::string dir = TempDir();
  ASSERT_OK(ExportStreams(record, 2, Workload::kD2nn, dir));
  EXPECT_EQ(Files(dir), (std::vector<std::string>{"inference_0", "inference_1"}));
  EXPECT_EQ(ReadText(dir + "/inference_1/chip_1_out.txt"), "0000\n0005\n");
  EXPECT_EQ(ReadText(dir + "/inference_0/chip_1_out.txt"), "0001\nffff\n");

  const std::string lstm = TempDir("_lstm");
  ASSERT_OK(ExportStreams(record, 2, Workload::kKwsLstm, lstm));
  EXPECT_EQ(Files(lstm), (std::vector<std::string>{"step_0", "step_1"}));

  record.inferences.resize(1);
  const std::string one = TempDir("_one");
  ASSERT_OK(ExportStreams(record, 2, Workload::kMnist, one));
  EXPECT_EQ(Files(one).front(), "chip_0_in.txt");
}

TEST(StreamExportTest, ErrorsNameTheChipOrThePath) {
  const std::string dir = TempDir();
  EXPECT_THAT(ExportInferenceStreams(TwoWakeUps(), 0, dir),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("num_chips must be at least 1; got 0")));
  EXPECT_THAT(ExportInferenceStreams(TwoWakeUps(), 1, dir),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("wake-up '1' ran on chip 1; the run has chips 0..0")));
  RunRecord record;
  record.num_chips = 1;
  EXPECT_THAT(ExportStreams(record, 1, Workload::kMnist, dir),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no completed inference")));
  record.inferences = {InferenceRecord(), TwoWakeUps()};
  EXPECT_THAT(ExportStreams(record, 1, Workload::kMnist, dir),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("inference 1: wake-up '1' ran on chip 1")));

  // A file where a directory should be.
  fs::create_directories(dir);
  WriteText(dir + "/blocker", "x");
  EXPECT_THAT(
      ExportInferenceStreams(TwoWakeUps(), 2, dir + "/blocker/sub"),
      StatusIs(::testing::_, HasSubstr("creating stream directory '" + dir + "/blocker/sub'")));
  fs::create_directories(dir + "/chip_0_in.txt");  // a directory where a file should be
  EXPECT_THAT(ExportInferenceStreams(TwoWakeUps(), 2, dir),
              StatusIs(::testing::_, HasSubstr("opening stream file '" + dir + "/chip_0_in.txt'")));
}

TEST(StreamExportTest, ReadStreamFileIsStrictAboutWordsAndNamesFileAndLine) {
  const std::string dir = TempDir();
  fs::create_directories(dir);
  WriteText(dir + "/ok.txt", "0080\r\n\nFFFF\n  0372 \n0000");
  EXPECT_THAT(ReadStreamFile(dir + "/ok.txt"),
              ::illusion::common::IsOkAndHolds(Words{0x0080, 0xffff, 0x0372, 0x0000}));
  WriteText(dir + "/empty.txt", "");
  EXPECT_THAT(ReadStreamFile(dir + "/empty.txt"), ::illusion::common::IsOkAndHolds(Words{}));

  for (const std::string bad : {"0x12", "12345", "12g4", "+123", "12 34"}) {
    WriteText(dir + "/bad.txt", "0001\n\n" + bad + "\n");
    EXPECT_THAT(ReadStreamFile(dir + "/bad.txt"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("stream file '" + dir + "/bad.txt' line 3: '" + bad +
                                   "' is not a 4-hex-digit word")))
        << bad;
  }
  EXPECT_THAT(ReadStreamFile(dir + "/missing.txt"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("opening stream file '" + dir + "/missing.txt'")));
}

// ---- Against the reference chip streams ----

std::string Folder(Workload w) { return "illusion/" + std::string(nn::ReferenceFolder(w)); }

// The reference sample's host inputs (as partitioner/paper/paper_executor_test):
// `variant` is "low"/"high" for d2nn, "first"/"final" for the lstm.
absl::StatusOr<nn::TensorMap> ReferenceInputs(Workload w, const std::string& variant) {
  using ::illusion::testing::ReadReferenceTensor;
  using nn::DType;
  nn::TensorMap in;
  const std::string dir = Folder(w);
  if (w == Workload::kKwsLstm) {
    const std::string p = dir + "/input_" + variant + "_";
    absl::StatusOr<nn::Tensor> x = ReadReferenceTensor(p + "x.bin", DType::kInt8, {1, 10}, 4);
    absl::StatusOr<nn::Tensor> h = ReadReferenceTensor(p + "h.bin", DType::kInt8, {80}, 4);
    absl::StatusOr<nn::Tensor> c = ReadReferenceTensor(p + "c.bin", DType::kInt16, {80}, 8);
    if (!x.ok()) return x.status();
    if (!h.ok()) return h.status();
    if (!c.ok()) return c.status();
    in[nn::kLstmX] = *x, in[nn::kLstmH0] = *h, in[nn::kLstmC0] = *c;
    in["last"] = nn::Tensor::FromValues(DType::kInt16, {1}, {variant == "final" ? 1 : 0});
    return in;
  }
  std::string file = dir + "/input_sample0.bin";
  nn::Shape shape = {1, 28, 28};
  if (w == Workload::kSvhn) shape = {3, 32, 32};
  if (w == Workload::kD2nn) {
    file = variant == "high" ? dir + "/input_sample17_high.bin" : dir + "/input_sample0_low.bin";
    in[nn::kPathTensor] = nn::Tensor::FromValues(DType::kInt8, {1}, {variant == "high" ? 1 : 0});
  }
  absl::StatusOr<nn::Tensor> image = ReadReferenceTensor(file, DType::kInt8, shape, 4);
  if (!image.ok()) return image.status();
  in[nn::kInputTensor] = *image;
  return in;
}

// One reference inference through RunExperiment (reference weights, no
// baseline), exported into a fresh directory.
absl::StatusOr<ExperimentResult> RunReference(const std::string& ref, Workload w, int chips,
                                              bool nv, const std::string& variant,
                                              const std::string& dir,
                                              const StreamExportOptions& options = {}) {
  ExperimentConfig config;
  config.workload = w;
  config.chips = chips;
  config.d2nn_nv = nv;
  config.weights_dir = ref + "/" + Folder(w) + "/weights";
  config.run_baseline = false;
  absl::StatusOr<nn::TensorMap> inputs = ReferenceInputs(w, variant);
  if (!inputs.ok()) return inputs.status();
  config.inputs = {*inputs};
  absl::StatusOr<ExperimentResult> r = RunExperiment(config);
  if (!r.ok()) return r.status();
  absl::Status s = ExportStreams(r->run, r->run.num_chips, w, dir, options);
  if (!s.ok()) return s;
  return r;
}

struct StreamCase {
  Workload workload;
  std::string json;    // under illusion/<wl>/
  std::string folder;  // e.g. "mode_illusion_io"
  int chips;
  bool nv;
  std::string variant;
};

std::ostream& operator<<(std::ostream& os, const StreamCase& c) {
  return os << nn::WorkloadName(c.workload) << "/" << c.json << "/" << c.folder;
}

std::string CaseName(const ::testing::TestParamInfo<StreamCase>& info) {
  const StreamCase& c = info.param;
  return absl::StrCat(nn::WorkloadName(c.workload), "_", c.chips, "chip", c.nv ? "_nv" : "",
                      c.variant.empty() ? "" : "_", c.variant);
}

class ReferenceStreamExportTest : public ::testing::TestWithParam<StreamCase> {};

TEST_P(ReferenceStreamExportTest, ExportedFilesEqualTheReferenceChipStreams) {
  REQUIRE_REFERENCE_DIR(ref);
  const StreamCase& c = GetParam();
  std::ifstream file(ref + "/" + Folder(c.workload) + "/" + c.json);
  ASSERT_TRUE(file.good()) << c.json;
  const nlohmann::json all = nlohmann::json::parse(file);
  ASSERT_TRUE(all.contains(c.folder)) << c.folder;
  const nlohmann::json& chips = all.at(c.folder);

  const std::string dir = TempDir(CaseName({c, 0}));
  ASSERT_OK_AND_ASSIGN(ExperimentResult r,
                       RunReference(ref, c.workload, c.chips, c.nv, c.variant, dir));
  // The lstm's one inference is time step 0.
  const std::string streams = c.workload == Workload::kKwsLstm ? dir + "/step_0" : dir;

  std::set<std::string> expected_files;
  for (auto it = chips.begin(); it != chips.end(); ++it) {
    SCOPED_TRACE(absl::StrCat(c.folder, " chip ", it.key()));
    const std::string prefix = streams + "/chip_" + it.key();
    expected_files.insert("chip_" + it.key() + "_in.txt");
    expected_files.insert("chip_" + it.key() + "_out.txt");
    ASSERT_OK_AND_ASSIGN(Words in, ReadStreamFile(prefix + "_in.txt"));
    ASSERT_OK_AND_ASSIGN(Words out, ReadStreamFile(prefix + "_out.txt"));
    EXPECT_EQ(in, it.value().at("in_generated").get<Words>());
    EXPECT_EQ(out, it.value().at("out_generated").get<Words>());
  }
  if (c.nv) {
    // messages_low_NV.json lists only the chips whose streams differ from the
    // non-NV run (0 and 1); chip 2 still runs.
    EXPECT_THAT(Files(streams), ::testing::IsSupersetOf(expected_files));
  } else {
    EXPECT_THAT(Files(streams), UnorderedElementsAreArray(expected_files));
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllModes, ReferenceStreamExportTest,
    ::testing::Values(
        StreamCase{Workload::kMnist, "messages.json", "mode_illusion_io", 8, false, ""},
        StreamCase{Workload::kSvhn, "messages.json", "mode_illusion_io", 8, false, ""},
        StreamCase{Workload::kMnist, "messages.json", "mode_illusion_sm_io", 4, false, ""},
        StreamCase{Workload::kSvhn, "messages.json", "mode_illusion_sm_io", 4, false, ""},
        StreamCase{Workload::kMnist, "messages.json", "mode_target_io", 1, false, ""},
        StreamCase{Workload::kSvhn, "messages.json", "mode_target_io", 1, false, ""},
        StreamCase{Workload::kD2nn, "messages_low.json", "mode_illusion_low_io", 8, false, "low"},
        StreamCase{Workload::kD2nn, "messages_low_NV.json", "mode_illusion_low_io", 8, true, "low"},
        StreamCase{Workload::kKwsLstm, "messages_first.json", "mode_illusion_io", 8, false,
                   "first"}),
    CaseName);

// The d2nn 8-chip NV high path wakes chip 0 twice; workloads.md §3.1 gives
// the second wake-up's streams: in [0001][FFFF][0000], out [0008][0001]
// [n1_conv2 216 words].
TEST(StreamExportReferenceTest, ChipWakingTwiceIsConcatenatedOrSplitLikeUpstream) {
  REQUIRE_REFERENCE_DIR(ref);
  const std::string dir = TempDir();
  ASSERT_OK_AND_ASSIGN(ExperimentResult r,
                       RunReference(ref, Workload::kD2nn, 8, true, "high", dir));
  const InferenceRecord& inference = r.run.inferences.at(0);
  const ChipRun* first = nullptr;
  const ChipRun* second = nullptr;
  for (const ChipRun& run : inference.chips) {
    if (run.label == "0") first = &run;
    if (run.label == "00") second = &run;
  }
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->in, (Words{0x0001, 0xffff, 0x0000}));
  ASSERT_EQ(second->out.size(), 218u);
  EXPECT_EQ(second->out[0], 0x0008);
  EXPECT_EQ(second->out[1], 0x0001);

  Words in = first->in;
  in.insert(in.end(), second->in.begin(), second->in.end());
  Words out = first->out;
  out.insert(out.end(), second->out.begin(), second->out.end());
  EXPECT_THAT(ReadStreamFile(dir + "/chip_0_in.txt"), ::illusion::common::IsOkAndHolds(in));
  EXPECT_THAT(ReadStreamFile(dir + "/chip_0_out.txt"), ::illusion::common::IsOkAndHolds(out));
  EXPECT_FALSE(fs::exists(dir + "/chip_00_in.txt"));

  const std::string split = TempDir("_split");
  StreamExportOptions options;
  options.split_wake_ups = true;
  ASSERT_OK(ExportStreams(r.run, r.run.num_chips, Workload::kD2nn, split, options));
  EXPECT_THAT(ReadStreamFile(split + "/chip_00_in.txt"),
              ::illusion::common::IsOkAndHolds(second->in));
  EXPECT_THAT(ReadStreamFile(split + "/chip_00_out.txt"),
              ::illusion::common::IsOkAndHolds(second->out));
  EXPECT_THAT(ReadStreamFile(split + "/chip_0_in.txt"),
              ::illusion::common::IsOkAndHolds(first->in));
}

}  // namespace
}  // namespace illusion::coordinator
