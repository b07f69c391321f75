#include "common/turn_timer.h"

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace illusion::common {
namespace {

using std::chrono::milliseconds;

// Runs `chunks` chunks of `sleep` for `party`, yielding between chunks and
// logging each chunk's party.
void Job(TurnTimer& timer, int party, int chunks, milliseconds sleep, std::mutex& log_mu,
         std::vector<int>& log) {
  timer.Begin(party);
  for (int i = 0; i < chunks; ++i) {
    {
      std::lock_guard<std::mutex> lock(log_mu);
      log.push_back(party);
    }
    std::this_thread::sleep_for(sleep);
    if (i + 1 < chunks) timer.Yield(party);
  }
  timer.End(party);
}

TEST(TurnTimerTest, PartiesAlternateAndTimeOnlyTheirOwnTurns) {
  TurnTimer timer(/*first=*/1);
  std::mutex log_mu;
  std::vector<int> log;
  const auto start = std::chrono::steady_clock::now();
  // Party 0 starts its thread first but party 1 holds the first turn.
  std::thread a(Job, std::ref(timer), 0, 6, milliseconds(1), std::ref(log_mu), std::ref(log));
  std::thread b(Job, std::ref(timer), 1, 4, milliseconds(30), std::ref(log_mu), std::ref(log));
  a.join();
  b.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // 1,0,1,0,... while both run; party 0's last two chunks run alone.
  EXPECT_EQ(log, (std::vector<int>{1, 0, 1, 0, 1, 0, 1, 0, 0, 0}));
  EXPECT_EQ(timer.turns(1), 4);
  EXPECT_EQ(timer.turns(0), 4);  // its last two chunks ran in its fourth turn

  // Each party's time covers its own sleeps...
  EXPECT_GE(timer.wall_seconds(1), 4 * 0.030);
  EXPECT_GE(timer.wall_seconds(0), 6 * 0.001);
  // ...but not the other's: party 0 waited through all of party 1's 120 ms.
  EXPECT_LT(timer.wall_seconds(0), 0.120);
  // Turns never overlap.
  EXPECT_LE(timer.wall_seconds(0) + timer.wall_seconds(1), elapsed);
  // Sleeping takes (almost) no CPU time.
  EXPECT_LT(timer.cpu_seconds(1), timer.wall_seconds(1));
}

TEST(TurnTimerTest, APartyThatEndsWithoutBeginningDoesNotBlockTheOther) {
  TurnTimer timer(/*first=*/1);
  timer.End(1);  // its job failed before it started
  std::thread a([&] {
    timer.Begin(0);
    timer.Yield(0);  // alone: keeps the turn
    timer.End(0);
  });
  a.join();
  EXPECT_EQ(timer.turns(0), 1);
  EXPECT_EQ(timer.turns(1), 0);
  EXPECT_EQ(timer.wall_seconds(1), 0);
}

TEST(TurnTimerTest, EndIsIdempotentAndYieldBeforeBeginIsANoOp) {
  TurnTimer timer;
  timer.Yield(0);  // not running
  timer.End(1);
  timer.End(1);
  timer.Begin(0);
  timer.End(0);
  timer.End(0);
  EXPECT_EQ(timer.turns(0), 1);
  EXPECT_GE(timer.wall_seconds(0), 0);
}

}  // namespace
}  // namespace illusion::common
