#include "clients/golden_run.h"

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/reference_data.h"

namespace illusion::clients {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;

TEST(GoldenRunTest, ReferenceSamplesGiveThePapersClasses) {
  REQUIRE_REFERENCE_DIR(ref);
  GoldenOptions options;
  options.reference_dir = ref;
  options.repeat = 2;
  ASSERT_OK_AND_ASSIGN(std::vector<GoldenResult> results, RunGoldenSamples(options));
  ASSERT_EQ(results.size(), 5u);  // mnist, svhn, d2nn low + high, kws_lstm
  for (const GoldenResult& r : results) {
    EXPECT_EQ(r.weights, "reference");
    EXPECT_EQ(r.predicted, r.expected) << r.workload << " " << r.sample;
    EXPECT_GT(r.microseconds_per_inference, 0);
  }
  EXPECT_THAT(FormatGoldenTable(results), HasSubstr("d2nn      sample 17 (high path)"));
  EXPECT_THAT(FormatGoldenJson(results), HasSubstr("\"workload\": \"kws_lstm\""));
}

TEST(GoldenRunTest, WithoutReferenceDataRunsSeededWeights) {
  GoldenOptions options;
  options.reference_dir = "/nonexistent";
  options.repeat = 1;
  ASSERT_OK_AND_ASSIGN(std::vector<GoldenResult> results, RunGoldenSamples(options));
  ASSERT_EQ(results.size(), 4u);
  for (const GoldenResult& r : results) {
    EXPECT_EQ(r.weights, "seeded");
    EXPECT_EQ(r.expected, -1);
    EXPECT_GE(r.predicted, 0);
  }
  EXPECT_EQ(results[3].steps, 40);
}

TEST(GoldenRunTest, RejectsANonPositiveRepeat) {
  GoldenOptions options;
  options.repeat = 0;
  EXPECT_THAT(RunGoldenSamples(options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("repeat must be in [1, 1000000]; got 0")));
}

}  // namespace
}  // namespace illusion::clients
