#include "endurer/trace_replay.h"

#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "endurer/endurer_system.h"
#include "endurer/remapper.h"

namespace illusion::endurer {
namespace {

absl::Status CheckRecords(absl::Span<const TraceRecord> records, uint32_t chips,
                          uint32_t segment_words) {
  for (const TraceRecord& r : records) {
    if (r.chip >= chips) {
      return absl::InvalidArgumentError(absl::StrCat("line ", r.line, ": chip ", r.chip,
                                                     " outside [0, ", chips, ") in '",
                                                     FormatTraceLine(r), "'"));
    }
    if (r.address >= segment_words) {
      char hex[16];
      std::snprintf(hex, sizeof(hex), "0x%04x", r.address);
      return absl::OutOfRangeError(absl::StrCat("line ", r.line, ": address ", hex, " past the ",
                                                segment_words, "-word segment in '",
                                                FormatTraceLine(r), "'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ReplaySummary> ReplayTrace(absl::Span<const TraceRecord> records,
                                          const ReplayOptions& options) {
  if (options.runs == 0) return absl::InvalidArgumentError("runs must be >= 1");
  EndurerSystemOptions sys_options;
  sys_options.mode = options.mode;
  sys_options.chips = options.chips;
  sys_options.segment_words = options.segment_words;
  sys_options.cache_entries = options.cache_entries;
  sys_options.policy = options.policy;
  sys_options.seed = options.seed;
  ASSIGN_OR_RETURN(EndurerSystem sys, EndurerSystem::Create(sys_options, options.shifts));
  RETURN_IF_ERROR(CheckRecords(records, options.chips, options.segment_words));

  // The driver replays each chip's records as one block.
  std::vector<std::vector<std::pair<uint16_t, uint16_t>>> by_chip(options.chips);
  for (const TraceRecord& r : records) by_chip[r.chip].emplace_back(r.address, r.data);

  ReplaySummary summary;
  summary.mode = options.mode;
  summary.trace_lines = records.size();
  summary.runs = options.runs;
  std::vector<uint64_t> since_remap(options.chips, 0);
  for (uint64_t t = 0; t < options.runs; ++t) {
    for (uint32_t c = 0; c < options.chips; ++c) {
      for (const auto& [addr, data] : by_chip[c]) {
        RETURN_IF_ERROR(sys.Write(c, addr, data));
        if (options.remap_every_writes > 0 && ++since_remap[c] == options.remap_every_writes) {
          since_remap[c] = 0;
          RETURN_IF_ERROR(sys.Remap(c).status());
        }
      }
      if (options.remap_every_writes == 0 && options.remap_every_passes > 0 && t != 0 &&
          t % options.remap_every_passes == 0) {
        RETURN_IF_ERROR(sys.Remap(c).status());
      }
    }
    if (std::optional<SwapDecision> swap = sys.MaybeSwap()) {
      summary.swap_events.push_back({t, swap->heavy, swap->light, sys.policy().eps()});
    }
  }
  summary.logical_writes = records.size() * options.runs;
  summary.per_chip_writes = sys.counts();
  for (uint32_t p = 0; p < options.chips; ++p) {
    const WriteBreakdown& b = sys.segment(p).breakdown();
    summary.workload_writes += b.workload;
    summary.remap_writes += b.remap;
    summary.migration_writes += b.migration;
  }
  summary.nvm_writes = sys.total_writes();
  summary.pending = sys.pending();
  summary.remaps = sys.remaps();
  summary.swaps = sys.policy().swap_count();
  // The persisted tuple without flushing (the caches are reported as pending).
  EndurerState& s = summary.end_state;
  s.mode = sys.mode();
  s.segment_words = sys.segment_words();
  s.swap_count = sys.policy().swap_count();
  s.v2p = sys.v2p();
  s.offsets.resize(options.chips);
  for (uint32_t v = 0; v < options.chips; ++v) s.offsets[v] = sys.offset(v);
  s.counts = summary.per_chip_writes;
  s.policy = sys.policy().params();
  return summary;
}

absl::StatusOr<std::vector<WritePattern>> WritePatternsFromTrace(
    absl::Span<const TraceRecord> records, const PatternOptions& options) {
  if (!(options.inferences_per_run > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("inferences_per_run ", options.inferences_per_run, " must be > 0"));
  }
  if (options.chips == 0 || options.chips > 4096) {
    return absl::InvalidArgumentError(absl::StrCat("chips ", options.chips, " outside [1, 4096]"));
  }
  RemapperConfig config;
  config.mode = options.mode == Mode::kNoResiliency ? Mode::kNoResiliency : Mode::kEndurer;
  config.segment_words = options.segment_words;
  config.cache_entries = options.cache_entries;
  std::vector<ChipRemapper> chips;
  chips.reserve(options.chips);
  for (uint32_t c = 0; c < options.chips; ++c) {
    ASSIGN_OR_RETURN(ChipRemapper chip, ChipRemapper::Create(config));
    chips.push_back(std::move(chip));
  }
  RETURN_IF_ERROR(CheckRecords(records, options.chips, options.segment_words));
  for (const TraceRecord& r : records) RETURN_IF_ERROR(chips[r.chip].Write(r.address, r.data));
  std::vector<WritePattern> patterns(options.chips);
  for (uint32_t c = 0; c < options.chips; ++c) {
    chips[c].Flush();
    patterns[c].chip = c;
    patterns[c].inferences = options.inferences_per_run;
    const absl::Span<const uint64_t> per_vaddr = chips[c].workload_writes_by_virtual_address();
    for (uint32_t a = 0; a < per_vaddr.size(); ++a) {
      if (per_vaddr[a] > 0) patterns[c].writes.push_back({a, per_vaddr[a]});
    }
  }
  return patterns;
}

}  // namespace illusion::endurer
