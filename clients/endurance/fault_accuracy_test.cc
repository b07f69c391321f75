// Fault-injection accuracy: mask construction and application (synthetic),
// and the D2NN accuracy vs time with the measured stuck-bit maps against
// reference/endurer/accuracy_recomputed.csv (whole 1000-image MNIST set,
// ~0.1 s per point).

#include "clients/endurance/fault_accuracy.h"

#include <vector>

#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "nn/raw_file.h"
#include "nn/workloads.h"
#include "tests/testing/reference_data.h"

namespace illusion::clients {
namespace {

TEST(FaultAccuracyTest, MaskBuildsAndMasksLittleEndianWords) {
  std::vector<StuckBit> bits = {
      {0, 0x401, 7, 1, 3},   // word 1, low byte sign bit stuck-at-1, from MONTH
      {0, 0x400, 9, 0, 0},   // word 0, high byte bit 1 stuck-at-0, from ZERO
      {1, 0x400, 0, 1, 0},   // other chip: ignored
      {0, 0x4D8, 0, 1, 0},   // outside the region: ignored
  };
  ActivationMask day = BuildActivationMask(bits, 0, 0x400, 216, 1);
  EXPECT_EQ(day.stuck_bits, 1);
  ActivationMask month = BuildActivationMask(bits, 0, 0x400, 216, 3);
  EXPECT_EQ(month.stuck_bits, 2);
  EXPECT_EQ(month.and_mask[0], 0xFDFF);
  EXPECT_EQ(month.or_mask[1], 0x0080);
  int8_t v[4] = {5, 3, 10, 1};
  ApplyActivationMask(month, v, 4);
  EXPECT_EQ(v[0], 5);
  EXPECT_EQ(v[1], 1);  // element 1 = high byte of word 0: bit 1 cleared
  // Element 2 = low byte of word 1: 10 | 0x80 < 0 -> qRelu 0 -> | 0x80.
  EXPECT_EQ(v[2], static_cast<int8_t>(0x80));
  EXPECT_EQ(v[3], 1);
}

TEST(FaultAccuracyTest, UpstreamDeMaskChipRollsTheChipAxis) {
  EXPECT_EQ(UpstreamDeMaskChip({0, 1, 2, 3, 4, 5, 6, 7}, {0, 0, 0, 0, 0, 0, 0, 0}), 0);
  // sum 5 -> rolled[0] = maps[3] = phys v2p[3].
  EXPECT_EQ(UpstreamDeMaskChip({0, 1, 2, 3, 4, 5, 6, 7}, {5, 0, 0, 0, 0, 0, 0, 0}), 3);
  EXPECT_EQ(UpstreamDeMaskChip({3, 0, 6, 7, 5, 2, 1, 4}, {2, 0, 0, 0, 0, 0, 0, 0}), 1);
}

TEST(FaultAccuracyTest, BadStuckBitsCsvNamesPathAndLine) {
  absl::StatusOr<std::vector<StuckBit>> r = ParseStuckBitsCsv(
      "workload,mode,phys_chip,word_addr_hex,bit_lsb0,stuck_value,first_timepoint\n"
      "d2nn,NR,0,zz,1,1,DAY\n",
      "d2nn", "NR", "f.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("f.csv:2"), std::string::npos) << r.status();
}

// accuracy_recomputed.csv (upstream D2NN, 94.4 % clean, 46.2 % high path):
//   NR 94.4 94.4 94.4 94.4 78.5 57.2;  DE 94.4 93.5 94.4 93.2 93.8 92.6
// stuck bits in the activation mask: NR 0 0 0 1 6 149; DE 2 3 2 0 1 2; the
// high-path share stays 46.2 % under every NR mask (only N2 reads the NVM
// copy). Our golden D2NN is a different configuration (93.4 % clean, 12.7 %
// high path), so faults can cost at most ~12.7 points. Pinned below (exact,
// whole set): NR 93.4 93.4 93.4 93.4 92.8 82.0 (at ten years 90 % of the
// high-path images are lost; upstream 80 %); DE 93.4 throughout (DE weight
// flips are not modelled: the D2NN memory image is not in the kit).
TEST(FaultAccuracyTest, D2nnAccuracyVsTimeWithMeasuredStuckBits) {
  REQUIRE_REFERENCE_DIR(ref);
  const std::string stuck_path = ref + "/endurer/stuck_bits_list_processed.csv";
  const std::string states_path = ref + "/endurer/end_states.csv";
  ASSERT_OK_AND_ASSIGN(std::string stuck, nn::ReadRawFile(stuck_path));
  ASSERT_OK_AND_ASSIGN(std::string states, nn::ReadRawFile(states_path));
  ASSERT_OK_AND_ASSIGN(std::vector<StuckBit> nr, ParseStuckBitsCsv(stuck, "d2nn", "NR", stuck_path));
  ASSERT_OK_AND_ASSIGN(std::vector<StuckBit> de, ParseStuckBitsCsv(stuck, "d2nn", "DE", stuck_path));
  ASSERT_OK_AND_ASSIGN(std::vector<int> de_chips, D2nnDeMaskChips(states, states_path));
  EXPECT_EQ(de_chips, (std::vector<int>{0, 3, 0, 7, 3, 1}));
  ASSERT_OK_AND_ASSIGN(TestSet set, ReadTestSet(ref + "/illusion/datasets/mnist_test_inputs.bin",
                                                ref + "/illusion/datasets/mnist_test_labels.bin"));
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, nn::BuildWorkloadGraph(nn::Workload::kD2nn));
  ASSERT_OK_AND_ASSIGN(nn::WeightMap weights,
                       nn::LoadWeightsFromDir(graph, ref + "/illusion/d2nn/weights",
                                              nn::WorkloadWeightLayout(nn::Workload::kD2nn)));
  const double kRefNr[] = {94.4, 94.4, 94.4, 94.4, 78.5, 57.2};
  const double kRefDe[] = {94.4, 93.5, 94.4, 93.2, 93.8, 92.6};
  const int kNrMaskBits[] = {0, 0, 0, 1, 6, 149};  // = reference exactly
  const int kNrCorrect[] = {934, 934, 934, 934, 928, 820};
  const int kDeCorrect[] = {934, 934, 934, 934, 934, 934};
  const int kCleanHighPath = 127;
  for (int t = 0; t < kNumTimepoints; ++t) {
    SCOPED_TRACE(kTimepoints[t]);
    ActivationMask m = BuildActivationMask(nr, 0, kD2nnNrActivationBase, kD2nnActivationWords, t);
    EXPECT_EQ(m.stuck_bits, kNrMaskBits[t]);
    ASSERT_OK_AND_ASSIGN(AccuracyResult a,
                         EvaluateD2nnWithActivationFaults(graph, weights, set, m, 0));
    EXPECT_EQ(a.total, 1000);
    EXPECT_EQ(a.correct, kNrCorrect[t]);
    // Faults reach only the high path; the Q decision reads the clean copy.
    EXPECT_EQ(a.high_path, kCleanHighPath);
    if (t <= 3) {  // before the collapse
      EXPECT_NEAR(a.accuracy_pct(), kRefNr[t], 1.5);
    }
    ActivationMask d =
        BuildActivationMask(de, de_chips[t], kD2nnDeActivationBase, kD2nnActivationWords, t);
    ASSERT_OK_AND_ASSIGN(AccuracyResult b,
                         EvaluateD2nnWithActivationFaults(graph, weights, set, d, 0));
    EXPECT_EQ(b.correct, kDeCorrect[t]);
    EXPECT_NEAR(b.accuracy_pct(), kRefDe[t], 7.5);
  }
  // The headline: at ten years NR has lost most of its high path (ref
  // 57.2 %), DE has not (ref 92.6 %; ours 93.4 %, within 1 point).
  ActivationMask nr10 = BuildActivationMask(nr, 0, kD2nnNrActivationBase, kD2nnActivationWords, 5);
  ActivationMask de10 =
      BuildActivationMask(de, de_chips[5], kD2nnDeActivationBase, kD2nnActivationWords, 5);
  ASSERT_OK_AND_ASSIGN(AccuracyResult a10,
                       EvaluateD2nnWithActivationFaults(graph, weights, set, nr10, 0));
  ASSERT_OK_AND_ASSIGN(AccuracyResult b10,
                       EvaluateD2nnWithActivationFaults(graph, weights, set, de10, 0));
  EXPECT_LT(a10.accuracy_pct(), b10.accuracy_pct() - 10.0);
  EXPECT_GE(kNrCorrect[0] - a10.correct, 0.85 * a10.high_path);  // most high-path images lost
  EXPECT_NEAR(b10.accuracy_pct(), 92.6, 1.0);
}

}  // namespace
}  // namespace illusion::clients
