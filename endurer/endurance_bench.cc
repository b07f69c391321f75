// Ten-year endurance study of 8 chips at a 4-hour remap period, fast-
// forwarded (no inference is replayed): no resiliency, ENDURER and
// Distributed ENDURER on the SVHN write pattern, plus a dense worst case
// (every word of every chip written each period). Prints stuck bits per
// checkpoint, lifetimes, the hottest cell and the wall time of each study
// (target: < 2 s per study).
//
//   bazel run //endurer:endurance_bench [-- --trace=FILE]
//
// The SVHN pattern comes from --trace, else
// $ILLUSION_REFERENCE_DIR/endurer/traces/svhn_write_pattern.txt, else
// ../shared/reference/...; without it a synthetic pattern of the same shape
// (64 words, 250,724 raw / 61,656 cached writes per run) is used and the
// output says so.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "endurer/endurance_sim.h"
#include "endurer/trace.h"
#include "endurer/trace_replay.h"

namespace illusion::endurer {
namespace {

struct Patterns {
  std::string source;
  std::vector<WritePattern> raw;     // no resiliency: every write reaches RRAM
  std::vector<WritePattern> cached;  // through the 4-entry cache
};

std::string DefaultTracePath() {
  const char* env = std::getenv("ILLUSION_REFERENCE_DIR");
  const std::string dir = env != nullptr && *env != '\0' ? env : "../shared/reference";
  return dir + "/endurer/traces/svhn_write_pattern.txt";
}

Patterns SyntheticSvhnLike() {
  // 64 words at 0x7bf..0x7fe; totals as the real trace.
  Patterns p;
  p.source = "synthetic SVHN-like pattern (reference trace not found)";
  WritePattern raw, cached;
  raw.inferences = cached.inferences = 411;
  for (uint32_t i = 0; i < 64; ++i) {
    raw.writes.push_back({0x7bf + i, 250724 / 64 + (i < 250724 % 64 ? 1u : 0u)});
    cached.writes.push_back({0x7bf + i, 61656 / 64 + (i < 61656 % 64 ? 1u : 0u)});
  }
  p.raw = {raw};
  p.cached = {cached};
  return p;
}

Patterns LoadPatterns(const std::string& path) {
  std::ifstream in(path);
  if (!in) return SyntheticSvhnLike();
  absl::StatusOr<std::vector<TraceRecord>> records = ParseTrace(in, path);
  if (!records.ok()) {
    std::fprintf(stderr, "endurance_bench: %s; using the synthetic pattern\n",
                 std::string(records.status().message()).c_str());
    return SyntheticSvhnLike();
  }
  Patterns p;
  p.source = absl::StrCat(path, " (", records->size(), " writes = 411 inferences = one 4-h run)");
  PatternOptions options;
  options.inferences_per_run = 411;
  options.mode = Mode::kNoResiliency;
  p.raw = *WritePatternsFromTrace(*records, options);
  options.mode = Mode::kEndurer;
  p.cached = *WritePatternsFromTrace(*records, options);
  return p;
}

std::string Hours(const std::optional<double>& h) {
  if (!h.has_value()) return "> horizon";
  const double days = *h / 24;
  if (days < 60) return absl::StrCat(days, " d");
  return absl::StrCat(static_cast<int>(days / 365.0 * 100) / 100.0, " y");
}

// Runs and prints one study; returns false on error or, for a study with a
// target, when it took 2 s or more.
bool RunStudy(const std::string& name, const std::vector<WritePattern>& patterns,
              EnduranceSimConfig config, bool has_target = true) {
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<EnduranceSimResult> r = RunEnduranceSim(patterns, config);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!r.ok()) {
    std::fprintf(stderr, "%s: %s\n", name.c_str(), std::string(r.status().message()).c_str());
    return false;
  }
  std::printf("\n%s  [%s, %u chips, remap every %g h, %llu periods]\n", name.c_str(),
              std::string(ModeName(config.mode)).c_str(), config.chips, config.remap_period_hours,
              static_cast<unsigned long long>(r->periods));
  std::printf("  %-10s %10s %12s %14s %6s %6s\n", "checkpoint", "stuck bits", "worst chip",
              "hottest cell", "swaps", "eps");
  for (const CheckpointResult& cp : r->checkpoints) {
    uint64_t worst = 0;
    for (const SegmentSnapshot& s : cp.segments) worst = std::max(worst, s.stuck.total());
    std::printf("  %-10s %10llu %12llu %14llu %6llu %6.3g\n", cp.name.c_str(),
                static_cast<unsigned long long>(cp.stuck_bits),
                static_cast<unsigned long long>(worst),
                static_cast<unsigned long long>(cp.max_cell_writes),
                static_cast<unsigned long long>(cp.swaps), cp.eps);
  }
  std::printf(
      "  first stuck bit: %s; lifetime (%llu stuck bits on a chip): %s; hottest cell "
      "reaches the median endurance in %s\n",
      Hours(r->first_failure_hours).c_str(),
      static_cast<unsigned long long>(config.lifetime_stuck_bits), Hours(r->lifetime_hours).c_str(),
      Hours(r->projected_median_lifetime_hours).c_str());
  std::printf("  remaps %llu, swaps %llu, wall time %.1f ms %s\n",
              static_cast<unsigned long long>(r->remaps), static_cast<unsigned long long>(r->swaps),
              ms,
              !has_target ? "(stress case, no target)"
              : ms < 2000 ? "(target < 2 s: ok)"
                          : "(target < 2 s: MISSED)");
  return !has_target || ms < 2000;
}

int Main(int argc, char** argv) {
  std::string trace = DefaultTracePath();
  uint64_t wear_seed = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (absl::StartsWith(arg, "--trace=")) {
      trace = arg.substr(8);
    } else if (absl::StartsWith(arg, "--wear_seed=")) {
      wear_seed = std::strtoull(arg.c_str() + 12, nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: endurance_bench [--trace=FILE] [--wear_seed=N]\n");
      return 2;
    }
  }
  const auto start = std::chrono::steady_clock::now();
  const Patterns p = LoadPatterns(trace);
  const double load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("pattern: %s; parsed in %.1f ms\n", p.source.c_str(), load_ms);
  std::printf(
      "wear model: log-normal, median %.3g writes, sigma %.2g (fit of the SVHN NR data), "
      "seed %llu\n",
      EnduranceDistribution{}.median_cycles, EnduranceDistribution{}.sigma,
      static_cast<unsigned long long>(wear_seed));

  EnduranceSimConfig base;  // ten years, 8 chips, 4-hour period
  base.wear_seed = wear_seed;
  base.lifetime_stuck_bits = 5;  // SVHN accuracy collapsed with 5 stuck activation bits
  bool ok = true;

  EnduranceSimConfig nr = base;
  nr.mode = Mode::kNoResiliency;
  ok &= RunStudy("SVHN, no resiliency", p.raw, nr);

  EnduranceSimConfig en = base;
  en.mode = Mode::kEndurer;
  ok &= RunStudy("SVHN, ENDURER", p.cached, en);

  EnduranceSimConfig de = base;
  de.mode = Mode::kDistributed;
  de.policy = SwapPolicyParams::Svhn();
  ok &= RunStudy("SVHN, Distributed ENDURER (TAU = EPS = 0.45, C = 7e8)", p.cached, de);

  // Worst case for the fast-forward: every word of every chip, 100 writes
  // each per period, chip v weighted v + 1.
  std::vector<WritePattern> dense(8);
  for (uint32_t v = 0; v < 8; ++v) {
    dense[v].chip = v;
    for (uint32_t a = 0; a < kDefaultSegmentWords; ++a)
      dense[v].writes.push_back({a, 100 * (v + 1)});
  }
  EnduranceSimConfig dense_cfg = base;
  dense_cfg.mode = Mode::kDistributed;
  dense_cfg.policy = SwapPolicyParams::Defaults();
  ok &= RunStudy("dense worst case, Distributed ENDURER (defaults 0.6/0.6/8e6)", dense, dense_cfg,
                 /*has_target=*/false);
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace illusion::endurer

int main(int argc, char** argv) { return illusion::endurer::Main(argc, argv); }
