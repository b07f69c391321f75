// `illusionctl run --cost_only`: scaled-out systems costed without
// arithmetic, sized by memory or by chip count.

#include "clients/cost_only_run.h"

#include <sstream>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace illusion::clients {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;

TEST(CostOnlyRunTest, ThousandChipVggIsCostedWithItsTerms) {
  CostOnlyRunOptions o;
  o.workload = "vgg16";
  o.memsize_mib = 0.25;
  ASSERT_OK_AND_ASSIGN(CostOnlyResult r, RunCostOnly(o));
  EXPECT_EQ(r.workload, "vgg16");
  EXPECT_GT(r.chips, 1000);
  EXPECT_NEAR(r.energy_j, r.e_nodes_j + r.e_sleep_j + r.e_msg_j + r.e_shut_j,
              1e-12 * r.energy_j);
  EXPECT_NEAR(r.time_s, r.t_nodes_s + r.t_msg_s, 1e-12 * r.time_s);
  EXPECT_NEAR(r.energy_ratio, r.energy_j / r.ideal_energy_j, 1e-12);
  EXPECT_NEAR(r.edp_ratio, r.energy_ratio * r.time_ratio, 1e-12);
  EXPECT_GT(r.energy_ratio, 1.0);
  EXPECT_GT(r.message_bytes, 0);
}

TEST(CostOnlyRunTest, ChipCountPicksTheSmallestMemoryThatFits) {
  CostOnlyRunOptions o;
  o.workload = "vgg16";
  o.chips = 1000;
  ASSERT_OK_AND_ASSIGN(CostOnlyResult r, RunCostOnly(o));
  EXPECT_LE(r.chips, 1000);
  CostOnlyRunOptions smaller;
  smaller.workload = "vgg16";
  smaller.memsize_mib = r.memsize_mib * (1 - 1e-5);
  ASSERT_OK_AND_ASSIGN(CostOnlyResult below, RunCostOnly(smaller));
  EXPECT_GT(below.chips, 1000);
}

TEST(CostOnlyRunTest, LstmCountsItsDummyChipsAndAWorseLinkCostsMore) {
  CostOnlyRunOptions o;
  o.workload = "lstm_lm";
  o.memsize_mib = 8;
  ASSERT_OK_AND_ASSIGN(CostOnlyResult base, RunCostOnly(o));
  o.link_factor = 8;
  ASSERT_OK_AND_ASSIGN(CostOnlyResult worse, RunCostOnly(o));
  EXPECT_EQ(worse.chips, base.chips);
  EXPECT_GT(worse.e_msg_j, base.e_msg_j);
  EXPECT_GT(worse.time_s, base.time_s);
}

TEST(CostOnlyRunTest, BadRequestsNameTheFlagAndValue) {
  CostOnlyRunOptions o;
  o.workload = "svhn";
  o.memsize_mib = 1;
  EXPECT_THAT(RunCostOnly(o), StatusIs(absl::StatusCode::kInvalidArgument,
                                       AllOf(HasSubstr("'svhn'"), HasSubstr("drop --cost_only"))));
  o.workload = "lenet";
  EXPECT_THAT(RunCostOnly(o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--workload='lenet'")));
  o.workload = "resnet50";
  o.chips = 10;
  EXPECT_THAT(RunCostOnly(o), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("exactly one of --memsize_mib")));
  o.chips = 0;
  o.memsize_mib = 4096;
  EXPECT_THAT(RunCostOnly(o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("got 4096")));
  o.memsize_mib = 6;
  o.link_factor = 0.5;
  EXPECT_THAT(RunCostOnly(o), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("--link_factor must be >= 1")));
}

TEST(CostOnlyRunTest, JsonOutputCarriesTheReportFields) {
  CostOnlyRunOptions o;
  o.workload = "resnet50";
  o.memsize_mib = 6;
  o.json = true;
  std::ostringstream out, err;
  ASSERT_EQ(RunCostOnlyCommand(o, out, err), 0) << err.str();
  const nlohmann::json j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["mode"], "cost_only");
  EXPECT_EQ(j["workload"], "resnet50");
  EXPECT_GT(j["chips"].get<int>(), 1);
  EXPECT_GT(j["energy_ratio"].get<double>(), 1.0);
  // The paper's sweep has ResNet-50 at 6 MiB at 1.02047 energy, 1.02822 time.
  EXPECT_NEAR(j["energy_ratio"].get<double>(), 1.02047, 0.02);
  EXPECT_NEAR(j["time_ratio"].get<double>(), 1.02822, 0.05);
  std::ostringstream out2, err2;
  o.workload = "d2nn";
  EXPECT_EQ(RunCostOnlyCommand(o, out2, err2), 2);
  EXPECT_THAT(err2.str(), HasSubstr("cost_only"));
}

}  // namespace
}  // namespace illusion::clients
