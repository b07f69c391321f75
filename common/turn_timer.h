#ifndef ILLUSION_COMMON_TURN_TIMER_H_
#define ILLUSION_COMMON_TURN_TIMER_H_

// TurnTimer: times two jobs that run on two threads but only one at a time,
// taking turns (a paired benchmark). Each job's wall and thread-CPU time is
// summed over its own turns only. On a shared machine whose speed drifts by
// tens of percent within seconds, two jobs timed one after the other see
// different machines; taking turns every few milliseconds gives both the same
// machine, so their ratio is stable even when their absolute times are not.
//
//   TurnTimer timer;                      // party 0 goes first
//   thread A: timer.Begin(0); ...; timer.Yield(0); ...; timer.End(0);
//   thread B: timer.Begin(1); ...; timer.Yield(1); ...; timer.End(1);
//
// Thread-safe: every method may be called from any thread, but each party's
// calls must come from one thread (its CPU clock is that thread's).

#include <array>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace illusion::common {

// CPU seconds the calling thread has used (CLOCK_THREAD_CPUTIME_ID).
double ThreadCpuSeconds();

class TurnTimer {
 public:
  // Party `first` (0 or 1) holds the first turn.
  explicit TurnTimer(int first = 0);

  // Waits until both parties have begun (or the other has ended) and it is
  // `party`'s turn, then starts its clocks.
  void Begin(int party);
  // Ends `party`'s turn (adding its time), hands the turn to the other party,
  // waits for it back, then restarts the clocks. Returns at once when the
  // other party has ended (the turn stays) or `party` is not running.
  void Yield(int party);
  // Ends `party`'s last turn (adding its time) and leaves: the other party
  // runs on without waiting. Idempotent; call it on every exit path (also
  // when the job failed before Begin) so the other party never waits forever.
  void End(int party);

  // Summed over the party's turns; read them after both parties ended.
  double wall_seconds(int party) const;
  double cpu_seconds(int party) const;
  // Turns the party started: its Begin, and each Yield that waited.
  int turns(int party) const;

 private:
  struct Party {
    bool begun = false;
    bool ended = false;
    bool running = false;  // holds the turn with its clocks started
    std::chrono::steady_clock::time_point wall_start;
    double cpu_start = 0;
    double wall_seconds = 0;
    double cpu_seconds = 0;
    int turns = 0;
  };

  // With mu_ held: stops `party`'s clocks and adds the elapsed time.
  void StopClocks(Party& p);
  // With `lock` held: waits until `party` may run, then starts its clocks.
  void WaitAndStart(int party, std::unique_lock<std::mutex>& lock);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  int turn_;
  std::array<Party, 2> parties_;
};

}  // namespace illusion::common

#endif  // ILLUSION_COMMON_TURN_TIMER_H_
