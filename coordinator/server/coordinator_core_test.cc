// CoordinatorCore end to end on a real SQLite file: in-process and loopback
// (real chipd processes) runs, the stored report, listings, trace export,
// and bad requests that leave the store consistent and the core serving.

#include "coordinator/server/coordinator_core.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::coordinator {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;
namespace pb = illusion::v1;

std::unique_ptr<CoordinatorCore> NewCore(const std::string& name) {
  CoordinatorOptions options;
  options.database = std::string(std::getenv("TEST_TMPDIR")) + "/" + name + ".db";
  options.progress_interval_ms = 0;
  absl::StatusOr<std::unique_ptr<CoordinatorCore>> core = CoordinatorCore::Create(options);
  EXPECT_OK(core.status());
  return core.ok() ? *std::move(core) : nullptr;
}

pb::RunExperimentRequest Inline(const std::string& workload, const std::string& backend,
                                int inferences) {
  pb::RunExperimentRequest r;
  r.mutable_spec()->set_workload(workload);
  r.mutable_spec()->set_backend(backend);
  r.mutable_spec()->set_inferences(inferences);
  return r;
}

TEST(CoordinatorCoreTest, InProcessRunIsStoredAndReportedBack) {
  std::unique_ptr<CoordinatorCore> core = NewCore("in_process");
  ASSERT_NE(core, nullptr);
  std::vector<pb::RunProgress> progress;
  ASSERT_OK_AND_ASSIGN(
      pb::ExperimentReport report,
      core->RunExperiment(Inline("svhn", "in_process", 3), [&](const pb::RunProgress& p) {
        progress.push_back(p);
        return absl::OkStatus();
      }));
  EXPECT_EQ(report.status(), "complete");
  EXPECT_EQ(report.chips(), 8);
  EXPECT_EQ(report.inferences(), 3);
  ASSERT_EQ(report.classes_size(), 3);
  EXPECT_GT(report.energy_ratio(), 1.0);
  EXPECT_LT(report.energy_ratio(), 1.2);
  EXPECT_GT(report.time_ratio(), 1.0);
  EXPECT_NEAR(report.edp_ratio(), report.energy_ratio() * report.time_ratio(), 1e-9);
  EXPECT_THAT(report.report_text(), HasSubstr("chip 7"));
  EXPECT_THAT(report.report_text(), HasSubstr("ratios vs baseline"));

  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.front().phase(), "starting");
  EXPECT_EQ(progress.back().phase(), "done");
  EXPECT_EQ(progress.back().report().run_id(), report.run_id());
  bool saw_run = false;
  for (const pb::RunProgress& p : progress) saw_run |= p.phase() == "run" && p.current_chip() >= 0;
  EXPECT_TRUE(saw_run);

  pb::GetReportRequest get;
  get.set_run_id(report.run_id());
  ASSERT_OK_AND_ASSIGN(pb::ExperimentReport stored, core->GetReport(get));
  EXPECT_EQ(stored.baseline_run_id(), report.baseline_run_id());
  EXPECT_DOUBLE_EQ(stored.energy_ratio(), report.energy_ratio());
  EXPECT_DOUBLE_EQ(stored.time_ratio(), report.time_ratio());
  EXPECT_EQ(stored.report_json(), report.report_json());
  get.set_run_id(0);
  get.set_experiment_id(report.experiment_id());
  ASSERT_OK_AND_ASSIGN(stored, core->GetReport(get));
  EXPECT_EQ(stored.run_id(), report.run_id());

  ASSERT_OK_AND_ASSIGN(pb::ListExperimentsResponse list, core->ListExperiments({}));
  ASSERT_EQ(list.experiments_size(), 1);
  EXPECT_EQ(list.experiments(0).experiment().spec().name(), "svhn-paper-8chip");
  ASSERT_EQ(list.experiments(0).runs_size(), 2);

  std::string csv;
  pb::GetTraceRequest trace;
  trace.set_run_id(report.run_id());
  trace.set_table("messages");
  ASSERT_OK(core->ExportTrace(trace, [&](absl::string_view chunk) {
    csv.append(chunk.data(), chunk.size());
    return absl::OkStatus();
  }));
  const std::vector<std::string> lines = absl::StrSplit(csv, '\n', absl::SkipEmpty());
  EXPECT_GT(lines.size(), 3u * 8);  // a header and every message of 3 inferences
  trace.set_table("nonsense");
  EXPECT_THAT(core->ExportTrace(trace, [](absl::string_view) { return absl::OkStatus(); }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nonsense")));
}

TEST(CoordinatorCoreTest, BadRequestsLeaveTheStoreConsistentAndTheCoreServing) {
  std::unique_ptr<CoordinatorCore> core = NewCore("bad");
  ASSERT_NE(core, nullptr);
  EXPECT_THAT(core->RunExperiment(Inline("alexnet", "in_process", 1), nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("workload")));
  pb::RunExperimentRequest unreachable = Inline("mnist", "grpc", 1);
  unreachable.mutable_spec()->add_chip_endpoints("127.0.0.1:1");
  EXPECT_THAT(core->RunExperiment(unreachable, nullptr),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("1")));
  for (int i = 0; i < 7; ++i) unreachable.mutable_spec()->add_chip_endpoints("127.0.0.1:1");
  EXPECT_THAT(core->RunExperiment(unreachable, nullptr),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("127.0.0.1:1")));
  pb::RunExperimentRequest missing;
  missing.set_experiment_id(999);
  EXPECT_THAT(core->RunExperiment(missing, nullptr),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("999")));
  // A progress sink that fails (a client that went away) fails the run.
  EXPECT_THAT(core->RunExperiment(Inline("mnist", "in_process", 5),
                                  [](const pb::RunProgress& p) {
                                    return p.phase() == "run" && p.inferences_done() >= 2
                                               ? absl::CancelledError("client gone")
                                               : absl::OkStatus();
                                  }),
              StatusIs(absl::StatusCode::kCancelled));
  // Still serving.
  ASSERT_OK_AND_ASSIGN(pb::ExperimentReport ok,
                       core->RunExperiment(Inline("mnist", "in_process", 1), nullptr));
  EXPECT_EQ(ok.status(), "complete");
  ASSERT_OK_AND_ASSIGN(pb::ListExperimentsResponse list, core->ListExperiments({}));
  bool saw_failed = false;
  for (const auto& e : list.experiments()) {
    for (const auto& r : e.runs()) {
      EXPECT_NE(r.status(), "running");
      saw_failed |= r.status() == "failed";
    }
  }
  EXPECT_TRUE(saw_failed);
}

TEST(CoordinatorCoreTest, LoopbackRunMatchesInProcess) {
  std::unique_ptr<CoordinatorCore> core = NewCore("loopback");
  ASSERT_NE(core, nullptr);
  ASSERT_OK_AND_ASSIGN(pb::ExperimentReport in_process,
                       core->RunExperiment(Inline("mnist", "in_process", 2), nullptr));
  ASSERT_OK_AND_ASSIGN(pb::ExperimentReport loopback,
                       core->RunExperiment(Inline("mnist", "loopback", 2), nullptr));
  EXPECT_EQ(loopback.classes(0), in_process.classes(0));
  EXPECT_EQ(loopback.classes(1), in_process.classes(1));
  EXPECT_DOUBLE_EQ(loopback.energy_j(), in_process.energy_j());
  EXPECT_DOUBLE_EQ(loopback.time_s(), in_process.time_s());
  EXPECT_DOUBLE_EQ(loopback.edp_ratio(), in_process.edp_ratio());
}

}  // namespace
}  // namespace illusion::coordinator
