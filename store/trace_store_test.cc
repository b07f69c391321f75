#include "store/trace_store.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/records.h"
#include "store/sqlite_db.h"

namespace illusion::store {

// Field-wise equality for the round trips (test-only; found by ADL).
bool operator==(const ChipRecord& a, const ChipRecord& b) {
  return std::tie(a.chip, a.model, a.endpoint) ==
         std::tie(b.chip, b.model, b.endpoint);
}
bool operator==(const SliceRecord& a, const SliceRecord& b) {
  return std::tie(a.chip, a.label, a.ops_json, a.weight_bytes,
                  a.activation_peak_bytes) ==
         std::tie(b.chip, b.label, b.ops_json, b.weight_bytes,
                  b.activation_peak_bytes);
}
bool operator==(const PowerIntervalRecord& a, const PowerIntervalRecord& b) {
  return std::tie(a.inference, a.chip, a.state, a.start_s, a.end_s,
                  a.energy_j) ==
         std::tie(b.inference, b.chip, b.state, b.start_s, b.end_s, b.energy_j);
}
bool operator==(const ChipWearRecord& a, const ChipWearRecord& b) {
  return std::tie(a.inference, a.chip, a.virtual_chip, a.write_count, a.pending, a.remaps,
                  a.offset) == std::tie(b.inference, b.chip, b.virtual_chip, b.write_count,
                                        b.pending, b.remaps, b.offset);
}
bool operator==(const WearEventRecord& a, const WearEventRecord& b) {
  return std::tie(a.inference, a.seq, a.kind, a.chip, a.other_chip, a.virtual_chip, a.shift,
                  a.writes, a.eps) == std::tie(b.inference, b.seq, b.kind, b.chip, b.other_chip,
                                               b.virtual_chip, b.shift, b.writes, b.eps);
}
bool operator==(const EndurerStateRecord& a, const EndurerStateRecord& b) {
  return std::tie(a.inference, a.mode, a.swap_count, a.eps, a.state) ==
         std::tie(b.inference, b.mode, b.swap_count, b.eps, b.state);
}
bool operator==(const MessageRecord& a, const MessageRecord& b) {
  return std::tie(a.inference, a.seq, a.source, a.destination, a.words, a.bytes,
                  a.start_s, a.end_s, a.energy_j) ==
         std::tie(b.inference, b.seq, b.source, b.destination, b.words, b.bytes,
                  b.start_s, b.end_s, b.energy_j);
}
bool operator==(const LayerExecutionRecord& a, const LayerExecutionRecord& b) {
  return std::tie(a.inference, a.chip, a.op, a.out_begin, a.out_end, a.cycles,
                  a.start_s, a.end_s, a.energy_j) ==
         std::tie(b.inference, b.chip, b.op, b.out_begin, b.out_end, b.cycles,
                  b.start_s, b.end_s, b.energy_j);
}

namespace {

using ::illusion::common::IsOkAndHolds;
using ::illusion::common::StatusIs;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr int kChips = 4;

std::string TempPath(absl::string_view suffix = "") {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(
      dir != nullptr ? dir : "/tmp", "/",
      ::testing::UnitTest::GetInstance()->current_test_info()->name(), suffix,
      ".db");
}

std::vector<MessageRecord> Messages(int count, int64_t first_seq = 0) {
  std::vector<MessageRecord> messages;
  for (int i = 0; i < count; ++i) {
    const double t = 1e-3 * i;
    messages.push_back({/*inference=*/i / 100, first_seq + i,
                        /*source=*/i % kChips - 1, /*destination=*/i % kChips,
                        /*words=*/i + 1, /*bytes=*/2 * (i + 1), t, t + 5e-4,
                        1e-9 * i});
  }
  return messages;
}

// A store with one experiment and one 'running' 4-chip run.
class TraceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, TraceStore::Open(TempPath()));
    ASSERT_OK_AND_ASSIGN(experiment_,
                         store_->CreateExperiment("lenet", R"({"k": 1})"));
    ASSERT_OK_AND_ASSIGN(run_, store_->StartRun(Spec()));
  }
  RunSpec Spec() const {
    return {experiment_, "paper", "in_process", "sequential", kChips};
  }

  std::unique_ptr<TraceStore> store_;
  int64_t experiment_ = 0;
  int64_t run_ = 0;
};

TEST_F(TraceStoreTest, RoundTripsExperimentsAndRuns) {
  ASSERT_OK_AND_ASSIGN(std::vector<ExperimentRecord> experiments,
                       store_->ListExperiments());
  ASSERT_THAT(experiments, SizeIs(1));
  EXPECT_EQ(experiments[0].id, experiment_);
  EXPECT_EQ(experiments[0].name, "lenet");
  EXPECT_EQ(experiments[0].config_json, R"({"k": 1})");
  EXPECT_THAT(experiments[0].created_at, testing::EndsWith("Z"));

  ASSERT_OK_AND_ASSIGN(RunRecord run, store_->GetRun(run_));
  EXPECT_EQ(run.id, run_);
  EXPECT_EQ(run.spec.experiment_id, experiment_);
  EXPECT_EQ(run.spec.strategy, "paper");
  EXPECT_EQ(run.spec.backend, "in_process");
  EXPECT_EQ(run.spec.schedule, "sequential");
  EXPECT_EQ(run.spec.chip_count, kChips);
  EXPECT_EQ(run.status, RunStatus::kRunning);
  EXPECT_EQ(run.finished_at, "");
  EXPECT_EQ(run.owner_pid, getpid());
  EXPECT_FALSE(run.owner_host.empty());

  ASSERT_OK(store_->FinishRun(run_, RunStatus::kFailed, "chip 2 timed out"));
  ASSERT_OK_AND_ASSIGN(run, store_->GetRun(run_));
  EXPECT_EQ(run.status, RunStatus::kFailed);
  EXPECT_EQ(run.error, "chip 2 timed out");
  EXPECT_FALSE(run.finished_at.empty());

  ASSERT_OK_AND_ASSIGN(const int64_t second, store_->StartRun(Spec()));
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> runs, store_->ListRuns(10));
  ASSERT_THAT(runs, SizeIs(2));
  EXPECT_EQ(runs[0].id, second);  // Newest first.
  EXPECT_EQ(runs[1].id, run_);
  EXPECT_THAT(store_->ListRuns(1), IsOkAndHolds(SizeIs(1)));
  EXPECT_THAT(store_->ListRuns(0), StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr("limit 0")));
}

TEST_F(TraceStoreTest, RoundTripsEveryTraceTable) {
  const std::vector<ChipRecord> chips = {{0, "msp430_rram", "in_process"},
                                         {1, "msp430_rram", "127.0.0.1:5001"},
                                         {2, "msp430_rram", "x"},
                                         {3, "accel28", "/dev/ttyUSB0"}};
  const std::vector<SliceRecord> slices = {
      {0, "conv1", R"(["conv1[0:8]"])", 4096, 1024},
      {3, "fc, \"tail\"", "[]", 0, 77}};
  const std::vector<PowerIntervalRecord> power = {
      {0, 0, "active", 0.0, 0.25, 1.5e-3},
      {0, 1, "sleep", 0.0, 0.25, 2e-9},
      {1, 3, "wake_up", 0.25, 0.2500001, 0.1}};
  const std::vector<MessageRecord> messages = Messages(250);
  const std::vector<LayerExecutionRecord> layers = {
      {0, 0, "conv1", 0, 8, 123456, 0.0, 0.1, 1e-4},
      {0, 1, "conv1", 8, 16, 123457, 0.1, 0.2, 1.1e-4}};
  ASSERT_OK(store_->AddChips(run_, chips));
  ASSERT_OK(store_->AddSlices(run_, slices));
  ASSERT_OK(store_->AppendPowerIntervals(run_, power));
  ASSERT_OK(store_->AppendMessages(run_, messages));
  ASSERT_OK(store_->AppendLayerExecutions(run_, layers));
  ASSERT_OK(store_->PutReport(run_, R"({"edp": 1})"));
  ASSERT_OK(store_->PutReport(run_, R"({"edp": 2})"));  // Replaces.

  // Reopening proves the rows are on disk, not only in the connection.
  store_.reset();
  ASSERT_OK_AND_ASSIGN(store_, TraceStore::Open(TempPath()));
  EXPECT_THAT(store_->GetChips(run_), IsOkAndHolds(ElementsAreArray(chips)));
  EXPECT_THAT(store_->GetSlices(run_), IsOkAndHolds(ElementsAreArray(slices)));
  EXPECT_THAT(store_->GetPowerIntervals(run_),
              IsOkAndHolds(ElementsAreArray(power)));
  EXPECT_THAT(store_->GetMessages(run_),
              IsOkAndHolds(ElementsAreArray(messages)));
  EXPECT_THAT(store_->GetLayerExecutions(run_),
              IsOkAndHolds(ElementsAreArray(layers)));
  EXPECT_THAT(store_->GetReport(run_), IsOkAndHolds(R"({"edp": 2})"));
}

TEST_F(TraceStoreTest, RoundTripsWearTables) {
  const std::vector<ChipWearRecord> wear = {{0, 0, 0, 6144, 4, 0, 0},
                                            {3, 2, 1, 1 << 20, 0, 3, 1855}};
  const std::vector<WearEventRecord> events = {{1, 0, "remap", 2, -1, 2, 855, 2048, 0.45},
                                               {3, 1, "swap", 0, 3, 0, 0, 4096, 0.9}};
  const std::vector<EndurerStateRecord> states = {
      {3, "distributed", 1, 0.9, "illusion_endurer_state 1\nmode distributed\n"}};
  ASSERT_OK(store_->AppendChipWear(run_, wear));
  ASSERT_OK(store_->AppendWearEvents(run_, events));
  ASSERT_OK(store_->AppendEndurerStates(run_, states));
  store_.reset();
  ASSERT_OK_AND_ASSIGN(store_, TraceStore::Open(TempPath()));
  EXPECT_THAT(store_->GetChipWear(run_), IsOkAndHolds(ElementsAreArray(wear)));
  EXPECT_THAT(store_->GetWearEvents(run_), IsOkAndHolds(ElementsAreArray(events)));
  EXPECT_THAT(store_->GetEndurerStates(run_), IsOkAndHolds(ElementsAreArray(states)));

  // Bad rows name the field and value; nothing of the batch lands.
  EXPECT_THAT(store_->AppendChipWear(run_, {{4, 9, 0, 1, 0, 0, 0}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("9")));
  EXPECT_THAT(store_->AppendWearEvents(run_, {{4, 2, "rotate", 0, -1, 0, 1, 1, 0}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'rotate'")));
  EXPECT_THAT(store_->GetChipWear(run_), IsOkAndHolds(SizeIs(2)));
}

TEST_F(TraceStoreTest, UnknownIdsAreNotFoundByNumber) {
  const auto not_found =
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("run 999 not found"));
  EXPECT_THAT(store_->GetRun(999), not_found);
  EXPECT_THAT(store_->GetMessages(999), not_found);
  EXPECT_THAT(store_->GetChips(999), not_found);
  EXPECT_THAT(store_->AppendMessages(999, Messages(1)), not_found);
  EXPECT_THAT(store_->AddChips(999, {}), not_found);
  EXPECT_THAT(store_->FinishRun(999, RunStatus::kComplete, ""), not_found);
  EXPECT_THAT(store_->PutReport(999, "{}"), not_found);
  EXPECT_THAT(store_->GetReport(999), not_found);
  EXPECT_THAT(store_->GetReport(run_),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no report")));
  EXPECT_THAT(store_->StartRun({77, "paper", "grpc", "sequential", 1}),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("experiment 77 not found")));
}

TEST_F(TraceStoreTest, RejectsBadInputNamingTheValue) {
  EXPECT_THAT(
      store_->StartRun({experiment_, "paper", "grpc", "s", 0}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("chip_count 0")));
  EXPECT_THAT(
      store_->CreateExperiment("x", "{oops"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("config of experiment 'x' is not valid JSON")));
  EXPECT_THAT(store_->PutReport(run_, "[1,"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not valid JSON")));
  std::vector<MessageRecord> messages = Messages(5);
  messages[3].source = kChips;
  EXPECT_THAT(store_->AppendMessages(run_, messages),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("messages row 3 of 5 for run"),
                             HasSubstr("source 4 is outside [-1, 4)"))));
  EXPECT_THAT(
      store_->AppendPowerIntervals(run_, {{0, 0, "active", 2.0, 1.0, 0.0}}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("end_s 1 is before start_s 2")));
  EXPECT_THAT(store_->AppendLayerExecutions(
                  run_, {{0, -1, "conv", 0, 1, 1, 0.0, 1.0, 0.0}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("chip -1 is outside [0, 4)")));
  EXPECT_THAT(store_->GetMessages(run_), IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(store_->FinishRun(run_, RunStatus::kRunning, ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(TraceStoreTest, FailedBatchRollsBackEntirely) {
  ASSERT_OK(store_->AppendMessages(run_, Messages(10)));
  // Row 500 repeats (inference 0, seq 5), already committed: the whole
  // 1000-row batch must vanish, including the 500 rows before it.
  std::vector<MessageRecord> batch = Messages(1000, /*first_seq=*/10);
  batch[500].inference = 0;
  batch[500].seq = 5;
  EXPECT_THAT(store_->AppendMessages(run_, batch),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       AllOf(HasSubstr("messages row 500 of 1000"),
                             HasSubstr("UNIQUE constraint failed"))));
  EXPECT_THAT(store_->GetMessages(run_), IsOkAndHolds(SizeIs(10)));
  // The store stays usable after the rollback.
  ASSERT_OK(store_->AppendMessages(run_, Messages(1000, 10)));
  EXPECT_THAT(store_->GetMessages(run_), IsOkAndHolds(SizeIs(1010)));
  EXPECT_THAT(store_->AddChips(run_, {{1, "m", "e"}, {1, "m", "e"}}),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(store_->GetChips(run_), IsOkAndHolds(IsEmpty()));
}

TEST_F(TraceStoreTest, FinishedRunsTakeNoMoreTraces) {
  ASSERT_OK(store_->FinishRun(run_, RunStatus::kComplete, ""));
  EXPECT_THAT(store_->AppendMessages(run_, Messages(1)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("is 'complete'")));
  EXPECT_THAT(store_->FinishRun(run_, RunStatus::kFailed, "late"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK(store_->PutReport(run_, "{}"));  // Reports come after the end.
}

TEST_F(TraceStoreTest, UsesWalJournal) {
  ASSERT_OK_AND_ASSIGN(auto db, SqliteDb::Open(TempPath()));
  EXPECT_THAT(db->JournalMode(), IsOkAndHolds("wal"));
}

TEST_F(TraceStoreTest, ConcurrentWritersFromThreadsAllLand) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int b = 0; b < 5; ++b) {
        EXPECT_OK(
            store_->AppendMessages(run_, Messages(100, (t * 5 + b) * 100)));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(store_->GetMessages(run_), IsOkAndHolds(SizeIs(2000)));
}

TEST(TraceStoreOpenTest, CreatesParentDirectories) {
  const std::string path = TempPath("/a/b/c/traces");
  ASSERT_OK(TraceStore::Open(path).status());
  EXPECT_EQ(access(path.c_str(), F_OK), 0);
}

TEST(TraceStoreOpenTest, RefusesAFileThatIsNotADatabase) {
  const std::string path = TempPath();
  FILE* file = std::fopen(path.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs("this is not sqlite, just some text long enough to matter\n",
             file);
  std::fclose(file);
  EXPECT_THAT(TraceStore::Open(path),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr(path), HasSubstr("not a database"))));
}

TEST(TraceStoreOpenTest, DefaultPathFollowsTheEnvironment) {
  const char* home = std::getenv("HOME");
  const std::string saved_home = home != nullptr ? home : "";
  setenv("ILLUSION_DB", "/x/mine.db", 1);
  setenv("XDG_DATA_HOME", "/xdg", 1);
  setenv("HOME", "/home/u", 1);
  EXPECT_THAT(TraceStore::DefaultPath(), IsOkAndHolds("/x/mine.db"));
  unsetenv("ILLUSION_DB");
  EXPECT_THAT(TraceStore::DefaultPath(),
              IsOkAndHolds("/xdg/illusion/traces.db"));
  unsetenv("XDG_DATA_HOME");
  EXPECT_THAT(TraceStore::DefaultPath(),
              IsOkAndHolds("/home/u/.local/share/illusion/traces.db"));
  unsetenv("HOME");
  EXPECT_THAT(TraceStore::DefaultPath(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("ILLUSION_DB")));
  if (home != nullptr) setenv("HOME", saved_home.c_str(), 1);
}

// Child of the crash test: starts a run, commits one batch, writes half of a
// second batch inside an open transaction and dies. Exit code 1 is the
// expected "crash"; 2 means the setup itself failed.
[[noreturn]] void CrashingWriter(const std::string& path) {
  auto store = TraceStore::Open(path);
  if (!store.ok()) _exit(2);
  auto experiment = (*store)->CreateExperiment("crash", "{}");
  if (!experiment.ok()) _exit(2);
  auto run = (*store)->StartRun({*experiment, "paper", "in_process", "seq", 4});
  if (!run.ok() || !(*store)->AppendMessages(*run, Messages(300)).ok())
    _exit(2);
  auto db = SqliteDb::Open(path);
  if (!db.ok() || !(*db)->Exec("BEGIN IMMEDIATE").ok()) _exit(2);
  const std::string insert = absl::StrCat("INSERT INTO messages VALUES (", *run,
                                          ", 9, 1, 0, 1, 1, 2, 0, 1, 0)");
  if (!(*db)->Exec(insert).ok()) _exit(2);
  _exit(1);  // No COMMIT, no FinishRun, no destructors.
}

TEST(TraceStoreCrashTest, CommittedBatchesSurviveAndRunIsMarkedIncomplete) {
  const std::string path = TempPath();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) CrashingWriter(path);
  int wait_status = 0;
  ASSERT_EQ(waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFEXITED(wait_status));
  ASSERT_EQ(WEXITSTATUS(wait_status), 1) << "child setup failed";

  ASSERT_OK_AND_ASSIGN(auto store, TraceStore::Open(path));
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> runs, store->ListRuns(10));
  ASSERT_THAT(runs, SizeIs(1));
  EXPECT_EQ(runs[0].owner_pid, child);
  EXPECT_EQ(runs[0].status, RunStatus::kIncomplete);
  EXPECT_THAT(runs[0].error, HasSubstr(absl::StrCat("owner process ", child)));
  EXPECT_FALSE(runs[0].finished_at.empty());
  EXPECT_THAT(store->GetMessages(runs[0].id),
              IsOkAndHolds(ElementsAreArray(Messages(300))));
  EXPECT_THAT(store->AppendMessages(runs[0].id, Messages(1)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("'incomplete'")));
}

TEST(TraceStoreCrashTest, LiveAndRemoteOwnersKeepTheirRunsRunning) {
  const std::string path = TempPath();
  ASSERT_OK_AND_ASSIGN(auto writer, TraceStore::Open(path));
  ASSERT_OK_AND_ASSIGN(const int64_t experiment,
                       writer->CreateExperiment("e", "{}"));
  ASSERT_OK_AND_ASSIGN(const int64_t mine,
                       writer->StartRun({experiment, "p", "b", "s", 1}));
  ASSERT_OK_AND_ASSIGN(const int64_t remote,
                       writer->StartRun({experiment, "p", "b", "s", 1}));
  {
    ASSERT_OK_AND_ASSIGN(auto db, SqliteDb::Open(path));
    ASSERT_OK(db->Exec(absl::StrCat(
        "UPDATE runs SET owner_host = 'elsewhere', owner_pid = 999999999 "
        "WHERE id = ",
        remote)));
  }
  // A second opener (e.g. illusionctl) while the writer is alive.
  ASSERT_OK_AND_ASSIGN(auto reader, TraceStore::Open(path));
  EXPECT_THAT(reader->MarkInterruptedRuns(), IsOkAndHolds(0));
  ASSERT_OK_AND_ASSIGN(RunRecord run, reader->GetRun(mine));
  EXPECT_EQ(run.status, RunStatus::kRunning);
  ASSERT_OK_AND_ASSIGN(run, reader->GetRun(remote));
  EXPECT_EQ(run.status, RunStatus::kRunning);
  ASSERT_OK(writer->AppendMessages(mine, {{0, 0, -1, 0, 1, 2, 0, 1, 0}}));
  EXPECT_THAT(reader->GetMessages(mine), IsOkAndHolds(SizeIs(1)));
}

TEST(RunStatusTest, NamesRoundTrip) {
  for (RunStatus status : {RunStatus::kRunning, RunStatus::kComplete,
                           RunStatus::kIncomplete, RunStatus::kFailed}) {
    EXPECT_THAT(ParseRunStatus(RunStatusName(status)), IsOkAndHolds(status));
  }
  EXPECT_THAT(ParseRunStatus("done"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown run status 'done'")));
}

}  // namespace
}  // namespace illusion::store
