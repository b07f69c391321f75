#include "common/turn_timer.h"

#include <time.h>

namespace illusion::common {

double ThreadCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

TurnTimer::TurnTimer(int first) : turn_(first == 1 ? 1 : 0) {}

void TurnTimer::StopClocks(Party& p) {
  if (!p.running) return;
  p.wall_seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - p.wall_start).count();
  p.cpu_seconds += ThreadCpuSeconds() - p.cpu_start;
  p.running = false;
}

void TurnTimer::WaitAndStart(int party, std::unique_lock<std::mutex>& lock) {
  const Party& other = parties_[1 - party];
  cv_.wait(lock, [&] { return other.ended || (other.begun && turn_ == party); });
  Party& p = parties_[party];
  ++p.turns;
  p.running = true;
  p.cpu_start = ThreadCpuSeconds();
  p.wall_start = std::chrono::steady_clock::now();
}

void TurnTimer::Begin(int party) {
  std::unique_lock<std::mutex> lock(mu_);
  Party& p = parties_[party];
  if (p.begun || p.ended) return;
  p.begun = true;
  cv_.notify_all();
  WaitAndStart(party, lock);
}

void TurnTimer::Yield(int party) {
  std::unique_lock<std::mutex> lock(mu_);
  Party& p = parties_[party];
  // Alone (the other ended): keep the turn and the clocks running.
  if (!p.running || parties_[1 - party].ended) return;
  StopClocks(p);
  turn_ = 1 - party;
  cv_.notify_all();
  WaitAndStart(party, lock);
}

void TurnTimer::End(int party) {
  std::unique_lock<std::mutex> lock(mu_);
  Party& p = parties_[party];
  if (p.ended) return;
  StopClocks(p);
  p.ended = true;
  turn_ = 1 - party;
  cv_.notify_all();
}

double TurnTimer::wall_seconds(int party) const {
  std::lock_guard<std::mutex> lock(mu_);
  return parties_[party].wall_seconds;
}

double TurnTimer::cpu_seconds(int party) const {
  std::lock_guard<std::mutex> lock(mu_);
  return parties_[party].cpu_seconds;
}

int TurnTimer::turns(int party) const {
  std::lock_guard<std::mutex> lock(mu_);
  return parties_[party].turns;
}

}  // namespace illusion::common
