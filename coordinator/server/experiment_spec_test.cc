#include "coordinator/server/experiment_spec.h"

#include <string>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/workloads.h"
#include "partitioner/paper/paper_partition.h"

namespace illusion::coordinator {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;
using illusion::v1::ExperimentSpec;

ExperimentSpec Spec(const std::string& workload) {
  ExperimentSpec s;
  s.set_workload(workload);
  return s;
}

TEST(ResolveSpecTest, FillsTheDefaults) {
  ASSERT_OK_AND_ASSIGN(ResolvedSpec r, ResolveSpec(Spec("svhn")));
  EXPECT_EQ(r.spec.strategy(), "paper");
  EXPECT_EQ(r.spec.chips(), 8);
  EXPECT_EQ(r.spec.chip_model(), "msp430_rram");
  EXPECT_EQ(r.spec.schedule(), "sequential");
  EXPECT_EQ(r.spec.backend(), "loopback");
  EXPECT_EQ(r.spec.inferences(), 1);
  EXPECT_EQ(r.spec.name(), "svhn-paper-8chip");
  EXPECT_EQ(r.backend, Backend::kLoopback);
  EXPECT_EQ(r.config.workload, nn::Workload::kSvhn);
  EXPECT_EQ(r.config.chips, 8);
  EXPECT_TRUE(r.config.run_baseline);
  EXPECT_TRUE(r.config.inputs.empty());
}

TEST(ResolveSpecTest, GreedyChipsBecomeTheSmallestBudget) {
  ExperimentSpec s = Spec("mnist");
  s.set_strategy("greedy");
  s.set_chips(3);
  ASSERT_OK_AND_ASSIGN(ResolvedSpec r, ResolveSpec(s));
  EXPECT_GT(r.config.memsize_bytes, 0);
  EXPECT_LT(r.config.memsize_bytes, 3648);  // all of MNIST's weights
  s.set_memsize_mib(1);
  EXPECT_THAT(ResolveSpec(s), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("chips: 3 contradicts memsize_mib 1")));
}

TEST(ResolveSpecTest, BadFieldsAreNamed) {
  EXPECT_THAT(ResolveSpec(Spec("")), StatusIs(absl::StatusCode::kInvalidArgument,
                                              HasSubstr("workload: required")));
  EXPECT_THAT(ResolveSpec(Spec("alexnet")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("alexnet")));
  ExperimentSpec s = Spec("svhn");
  s.set_chips(3);
  EXPECT_THAT(ResolveSpec(s), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("chips: strategy paper has 1, 4 or 8 chips; got 3")));
  s = Spec("svhn");
  s.set_backend("carrier_pigeon");
  EXPECT_THAT(ResolveSpec(s), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("backend: unknown backend 'carrier_pigeon'")));
  s = Spec("svhn");
  s.set_backend("grpc");
  EXPECT_THAT(ResolveSpec(s), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("chip_endpoints")));
  s = Spec("svhn");
  s.set_schedule("eventually");
  EXPECT_THAT(ResolveSpec(s),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("schedule: ")));
  s = Spec("svhn");
  s.set_input(std::string(100, '\0'));
  EXPECT_THAT(ResolveSpec(s),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("input: 100 bytes is not a whole number of inputs of 3072 bytes")));
  s = Spec("mnist");
  s.set_d2nn_nv(true);
  EXPECT_THAT(ResolveSpec(s), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("d2nn_nv")));
  s = Spec("mnist");
  s.set_chip_model("no_such_chip");
  EXPECT_THAT(ResolveSpec(s), StatusIs(absl::StatusCode::kNotFound, HasSubstr("no_such_chip")));
}

TEST(ResolveSpecTest, InputBytesBecomeTensorsCyclically) {
  ExperimentSpec s = Spec("mnist");
  std::string two(2 * 784, '\0');
  two[0] = 5;
  two[784] = static_cast<char>(-3);
  s.set_input(two);
  ASSERT_OK_AND_ASSIGN(ResolvedSpec r, ResolveSpec(s));
  EXPECT_EQ(r.spec.inferences(), 2);  // the file's count
  ASSERT_EQ(r.config.inputs.size(), 2u);
  EXPECT_EQ(r.config.inputs[1].at(nn::kInputTensor).at(0), -3);
  s.set_inferences(5);
  ASSERT_OK_AND_ASSIGN(r, ResolveSpec(s));
  ASSERT_EQ(r.config.inputs.size(), 5u);
  EXPECT_EQ(r.config.inputs[4].at(nn::kInputTensor).at(0), 5);  // 4 mod 2 = 0
}

TEST(ResolveSpecTest, LstmFramesAreStepsWithTheInitialStateFirst) {
  ExperimentSpec s = Spec("lstm");
  s.set_input(std::string(30, '\x01'));  // 3 frames
  std::string h(80, '\x02');
  std::string c(160, '\0');
  c[0] = '\xff';
  c[1] = '\xff';  // c[0] = -1
  s.set_initial_h(h);
  s.set_initial_c(c);
  ASSERT_OK_AND_ASSIGN(ResolvedSpec r, ResolveSpec(s));
  EXPECT_EQ(r.spec.workload(), "kws_lstm");
  ASSERT_EQ(r.config.inputs.size(), 3u);
  EXPECT_EQ(r.config.inputs[0].at(nn::kLstmH0).at(0), 2);
  EXPECT_EQ(r.config.inputs[0].at(nn::kLstmC0).at(0), -1);
  EXPECT_EQ(r.config.inputs[1].count(nn::kLstmH0), 0u);  // carried
  EXPECT_EQ(r.config.inputs[0].at("last").at(0), 0);
  EXPECT_EQ(r.config.inputs[2].at("last").at(0), 1);
  s.set_initial_c(std::string(7, '\0'));
  EXPECT_THAT(ResolveSpec(s), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("initial_c: 7 bytes; expected 160")));
}

}  // namespace
}  // namespace illusion::coordinator
