// Cost-only scaled-out bench: times the analytic pipeline (greedy partition
// -> accel_rram_28nm per-part cost -> system aggregation) on VGG-16 at
// 0.25 MiB per chip (1,093 chips) and on the paper's whole sweep (4
// workloads x 14 memsizes + the 6/12/50 MiB extras, link 1x), and prints the
// results and wall times. No weights, no arithmetic on data.

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "coordinator/scaled_out/analytic_pipeline.h"
#include "coordinator/scaled_out/system_aggregation.h"
#include "partitioner/scaled_out_layers.h"

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int Run() {
  namespace so = ::illusion::coordinator::scaled_out;
  const so::LinkParams link;
  Clock::time_point start = Clock::now();
  absl::StatusOr<so::ModelPoint> vgg = so::ModelWorkloadPoint("VGG-16", 0.25, link);
  const double vgg_s = SecondsSince(start);
  if (!vgg.ok()) {
    std::fprintf(stderr, "VGG-16 @ 0.25 MiB: %s\n",
                 vgg.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "VGG-16 @ 0.25 MiB: %d chips, E %.6g J, T %.6g s, E ratio %.4f, "
      "T ratio %.4f, wall %.3f ms (incl. the 2048 MiB ideal)\n",
      vgg->system.chips, vgg->system.energy_j, vgg->system.time_s,
      vgg->ratios.energy, vgg->ratios.time, vgg_s * 1e3);

  std::vector<double> memsizes(
      illusion::partitioner::PaperSweepMemsizesMiB().begin(),
      illusion::partitioner::PaperSweepMemsizesMiB().end());
  start = Clock::now();
  int points = 0;
  long long chips = 0;
  for (const char* workload : illusion::partitioner::ScaledOutWorkloadNames()) {
    std::vector<double> sizes = memsizes;
    if (std::string(workload) == "ResNet-50") sizes.insert(sizes.end(), {6, 12});
    if (std::string(workload) == "LSTM LangMod") sizes.push_back(50);
    for (double mib : sizes) {
      absl::StatusOr<so::ModelPoint> p = so::ModelWorkloadPoint(workload, mib, link);
      if (!p.ok()) {
        std::fprintf(stderr, "%s @ %g MiB: %s\n", workload, mib,
                     p.status().ToString().c_str());
        return 1;
      }
      ++points;
      chips += p->system.chips;
      std::printf("  %-13s %7g MiB %5d chips  E %.4f  T %.4f  EDP %.4f\n",
                  workload, mib, p->system.chips, p->ratios.energy,
                  p->ratios.time, p->ratios.edp);
    }
  }
  std::printf("full sweep: %d points, %lld chips in total, wall %.3f ms\n",
              points, chips, SecondsSince(start) * 1e3);
  return 0;
}

}  // namespace

int main() { return Run(); }
