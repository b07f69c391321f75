#include "endurer/endurance_sim.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace illusion::endurer {
namespace {

constexpr int64_t kNever = int64_t{1} << 62;  // threshold once all 16 bits failed
constexpr uint64_t kMaxPeriods = 100'000'000;

// One pattern address, scaled to one period.
struct ScaledWrite {
  uint32_t address;
  uint64_t whole;  // integral writes per period
  double frac;     // fractional part, accumulated in `carry`
  double carry;
};

// Wear state of one physical segment. Total writes of cell i are
// uniform + pattern[i]: remaps and swaps add to `uniform`.
struct Segment {
  uint64_t uniform = 0;
  uint64_t counter = 0;
  uint64_t max_pattern = 0;
  std::vector<uint64_t> pattern;   // pattern writes per cell
  std::vector<uint8_t> failed;     // failed bits per cell (sorted order)
  std::vector<int64_t> next_fail;  // lifetime of the next bit to fail
  int64_t max_margin = -kNever;    // max over cells of pattern - next_fail
  StuckCounts stuck;
  std::optional<uint64_t> lifetime_period;
};

uint64_t PeriodsFor(double hours, double period_hours) {
  if (hours <= 0) return 0;
  return static_cast<uint64_t>(std::ceil(hours / period_hours - 1e-9));
}

// Counts newly failed bits of `seg` and recomputes its margin.
void ScanSegment(Segment& seg, const WearModel& wear, uint32_t phys) {
  const int64_t uniform = static_cast<int64_t>(seg.uniform);
  int64_t margin = -kNever;
  for (uint32_t w = 0; w < seg.pattern.size(); ++w) {
    const int64_t total = uniform + static_cast<int64_t>(seg.pattern[w]);
    if (total >= seg.next_fail[w]) {
      const CellEndurance& cell = wear.cell(phys, w);
      uint8_t i = seg.failed[w];
      while (i < kBitsPerWord && static_cast<int64_t>(cell.fail_at[i]) <= total) {
        if ((cell.stuck_one_mask >> cell.bit[i]) & 1) {
          ++seg.stuck.stuck_at_1;
        } else {
          ++seg.stuck.stuck_at_0;
        }
        ++i;
      }
      seg.failed[w] = i;
      seg.next_fail[w] = i < kBitsPerWord ? static_cast<int64_t>(cell.fail_at[i]) : kNever;
    }
    margin = std::max(margin, static_cast<int64_t>(seg.pattern[w]) - seg.next_fail[w]);
  }
  seg.max_margin = margin;
}

}  // namespace

std::vector<Checkpoint> DefaultCheckpoints() {
  return {{"day", 24}, {"week", 168}, {"month", 720}, {"year", 8760}, {"ten_years", 87600}};
}

absl::StatusOr<EnduranceSimResult> RunEnduranceSim(absl::Span<const WritePattern> patterns,
                                                   const EnduranceSimConfig& config,
                                                   ShiftSource* shifts, const WearModel* wear) {
  const uint32_t n = config.chips;
  const uint32_t m = config.segment_words;
  if (n == 0 || n > 4096) {
    return absl::InvalidArgumentError(absl::StrCat("chips ", n, " outside [1, 4096]"));
  }
  if (m < 2 || m > 65536) {
    return absl::InvalidArgumentError(absl::StrCat("segment_words ", m, " outside [2, 65536]"));
  }
  if (!(config.remap_period_hours > 0) || !std::isfinite(config.remap_period_hours)) {
    return absl::InvalidArgumentError(
        absl::StrCat("remap_period_hours ", config.remap_period_hours, " must be > 0"));
  }
  if (!(config.inference_period_s >= 0) || !std::isfinite(config.inference_period_s)) {
    return absl::InvalidArgumentError(absl::StrCat("inference_period_s ", config.inference_period_s,
                                                   " must be >= 0 (0 = one pattern per period)"));
  }
  RETURN_IF_ERROR(ValidateSwapPolicyParams(config.policy));
  double horizon = config.horizon_hours;
  for (const Checkpoint& c : config.checkpoints) {
    if (!(c.hours >= 0) || !std::isfinite(c.hours)) {
      return absl::InvalidArgumentError(
          absl::StrCat("checkpoint '", c.name, "' at ", c.hours, " hours"));
    }
    horizon = std::max(horizon, c.hours);
  }
  const uint64_t total_periods = PeriodsFor(horizon, config.remap_period_hours);
  if (total_periods == 0 || total_periods > kMaxPeriods) {
    return absl::InvalidArgumentError(
        absl::StrCat("horizon of ", horizon, " hours is ", total_periods, " remap periods of ",
                     config.remap_period_hours, " h; want 1 to ", kMaxPeriods));
  }

  // Scale each pattern to one period.
  std::vector<std::vector<ScaledWrite>> load(n);
  for (const WritePattern& p : patterns) {
    if (p.chip >= n) {
      return absl::InvalidArgumentError(
          absl::StrCat("write pattern for virtual chip ", p.chip, " outside [0, ", n, ")"));
    }
    if (!(p.inferences > 0) || !std::isfinite(p.inferences)) {
      return absl::InvalidArgumentError(absl::StrCat("write pattern of chip ", p.chip, " covers ",
                                                     p.inferences, " inferences; want > 0"));
    }
    const double runs_per_period =
        config.inference_period_s > 0
            ? config.remap_period_hours * 3600.0 / config.inference_period_s / p.inferences
            : 1.0;
    for (const AddressWrites& w : p.writes) {
      if (w.address >= m) {
        return absl::InvalidArgumentError(absl::StrCat("write pattern of chip ", p.chip,
                                                       ": address ", w.address, " past the ", m,
                                                       "-word segment"));
      }
      const double per_period = static_cast<double>(w.writes) * runs_per_period;
      double whole = std::floor(per_period);
      double frac = per_period - whole;
      if (frac < 1e-9) frac = 0;
      if (frac > 1 - 1e-9) {
        whole += 1;
        frac = 0;
      }
      load[p.chip].push_back({w.address, static_cast<uint64_t>(whole), frac, 0.0});
    }
  }

  // Randomness.
  std::unique_ptr<ShiftSource> owned_shifts;
  if (shifts == nullptr) {
    owned_shifts = std::make_unique<SeededShiftSource>(config.shift_seed);
    shifts = owned_shifts.get();
  }
  std::optional<WearModel> owned_wear;
  if (config.simulate_wear && wear == nullptr) {
    SeededUniformSource rng(config.wear_seed);
    ASSIGN_OR_RETURN(owned_wear, WearModel::Create(config.wear, n, m, rng));
    wear = &*owned_wear;
  }
  if (!config.simulate_wear) wear = nullptr;
  if (wear != nullptr && (wear->chips() != n || wear->words() != m)) {
    return absl::InvalidArgumentError(absl::StrCat("wear model of ", wear->chips(), " chips x ",
                                                   wear->words(), " words for a system of ", n,
                                                   " x ", m));
  }

  std::vector<Segment> segs(n);
  for (uint32_t p = 0; p < n; ++p) {
    Segment& s = segs[p];
    s.pattern.assign(m, 0);
    s.failed.assign(m, 0);
    s.next_fail.assign(m, kNever);
    if (wear != nullptr) {
      for (uint32_t w = 0; w < m; ++w) {
        s.next_fail[w] = static_cast<int64_t>(wear->cell(p, w).fail_at[0]);
      }
      ScanSegment(s, *wear, p);  // lifetimes of 0 writes cannot exist, but keep it exact
    }
  }
  std::vector<uint32_t> v2p(n), p2v(n), offsets(n, 0);
  std::iota(v2p.begin(), v2p.end(), 0u);
  std::iota(p2v.begin(), p2v.end(), 0u);
  SwapPolicy policy(config.policy);
  const bool endurer = config.mode != Mode::kNoResiliency;
  const bool distributed = config.mode == Mode::kDistributed;

  // Checkpoints in time order (stable for equal times).
  std::vector<size_t> order(config.checkpoints.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return config.checkpoints[a].hours < config.checkpoints[b].hours;
  });
  EnduranceSimResult result;
  result.checkpoints.resize(config.checkpoints.size());
  size_t next_cp = 0;
  uint64_t failure_period = 0;  // 0 = none yet

  auto snapshot = [&](uint64_t period, CheckpointResult& cp, const Checkpoint& def) {
    cp.name = def.name;
    cp.periods = period;
    cp.hours = static_cast<double>(period) * config.remap_period_hours;
    cp.swaps = policy.swap_count();
    cp.eps = policy.eps();
    cp.segments.resize(n);
    for (uint32_t p = 0; p < n; ++p) {
      const Segment& s = segs[p];
      SegmentSnapshot& snap = cp.segments[p];
      snap.phys = p;
      snap.virt = p2v[p];
      snap.writes = s.counter;
      snap.max_cell_writes = s.uniform + s.max_pattern;
      snap.mean_cell_writes = static_cast<double>(s.counter) / m;
      snap.stuck = s.stuck;
      cp.stuck_bits += s.stuck.total();
      cp.max_cell_writes = std::max(cp.max_cell_writes, snap.max_cell_writes);
    }
    cp.v2p = v2p;
    cp.offsets = endurer ? offsets : std::vector<uint32_t>(n, 0);
    cp.stuck_bit_list.clear();
    if (config.record_stuck_bits && wear != nullptr) {
      for (uint32_t p = 0; p < n; ++p) {
        const Segment& s = segs[p];
        for (uint32_t w = 0; w < m; ++w) {
          const CellEndurance& cell = wear->cell(p, w);
          for (uint8_t i = 0; i < s.failed[w]; ++i) {
            const uint32_t bit = cell.bit[i];
            cp.stuck_bit_list.push_back(
                {p, w, bit, static_cast<int>((cell.stuck_one_mask >> bit) & 1u)});
          }
        }
      }
    }
  };
  auto take_due_snapshots = [&](uint64_t period) {
    while (next_cp < order.size() && PeriodsFor(config.checkpoints[order[next_cp]].hours,
                                                config.remap_period_hours) <= period) {
      snapshot(period, result.checkpoints[order[next_cp]], config.checkpoints[order[next_cp]]);
      ++next_cp;
    }
  };
  take_due_snapshots(0);

  for (uint64_t period = 1; period <= total_periods; ++period) {
    for (uint32_t v = 0; v < n; ++v) {
      Segment& s = segs[v2p[v]];
      const uint32_t off = offsets[v];
      // Cells of this period: (address - offset) mod M; locals keep the
      // hot loop free of aliasing reloads.
      const uint32_t eff = endurer ? off : 0;
      uint64_t* const pat = s.pattern.data();
      const int64_t* const next_fail = s.next_fail.data();
      uint64_t max_pattern = s.max_pattern;
      int64_t max_margin = s.max_margin;
      uint64_t added = 0;
      for (ScaledWrite& w : load[v]) {
        uint64_t inc = w.whole;
        if (w.frac > 0) {
          w.carry += w.frac;
          if (w.carry >= 1) {
            w.carry -= 1;
            ++inc;
          }
        }
        const uint32_t cell = w.address >= eff ? w.address - eff : w.address + m - eff;
        const uint64_t now = (pat[cell] += inc);
        added += inc;
        max_pattern = std::max(max_pattern, now);
        max_margin = std::max(max_margin, static_cast<int64_t>(now) - next_fail[cell]);
      }
      s.max_pattern = max_pattern;
      s.max_margin = max_margin;
      s.counter += added;
      if (endurer) {
        const uint32_t shift = shifts->NextShift(m);
        if (shift == 0 || shift >= m) {
          return absl::InvalidArgumentError(
              absl::StrCat("remap shift ", shift, " outside [1, ", m - 1, "]"));
        }
        offsets[v] = (off + shift) % m;
        s.uniform += 1;
        s.counter += m;
        ++result.remaps;
      }
    }
    if (distributed) {
      std::vector<uint64_t> counts(n);
      for (uint32_t p = 0; p < n; ++p) counts[p] = segs[p].counter;
      if (std::optional<SwapDecision> d = policy.Check(counts)) {
        for (uint32_t p : {d->heavy, d->light}) {
          segs[p].uniform += 1;
          segs[p].counter += m;
        }
        const uint32_t vh = p2v[d->heavy];
        const uint32_t vl = p2v[d->light];
        p2v[d->heavy] = vl;
        p2v[d->light] = vh;
        v2p[vl] = d->heavy;
        v2p[vh] = d->light;
        policy.RecordSwap();
        result.swap_events.push_back(
            {period, period * config.remap_period_hours, d->heavy, d->light, policy.eps()});
      }
    }
    if (wear != nullptr) {
      for (uint32_t p = 0; p < n; ++p) {
        Segment& s = segs[p];
        if (static_cast<int64_t>(s.uniform) + s.max_margin < 0) continue;
        ScanSegment(s, *wear, p);
        if (s.stuck.total() > 0 && failure_period == 0) failure_period = period;
        if (!s.lifetime_period.has_value() &&
            s.stuck.total() >= std::max<uint64_t>(1, config.lifetime_stuck_bits)) {
          s.lifetime_period = period;
        }
      }
    }
    take_due_snapshots(period);
  }

  result.periods = total_periods;
  result.hours = static_cast<double>(total_periods) * config.remap_period_hours;
  result.swaps = policy.swap_count();
  result.segment_lifetime_hours.resize(n);
  for (uint32_t p = 0; p < n; ++p) {
    const Segment& s = segs[p];
    result.max_cell_writes = std::max(result.max_cell_writes, s.uniform + s.max_pattern);
    if (s.lifetime_period.has_value()) {
      const double h = static_cast<double>(*s.lifetime_period) * config.remap_period_hours;
      result.segment_lifetime_hours[p] = h;
      if (!result.lifetime_hours.has_value() || h < *result.lifetime_hours) {
        result.lifetime_hours = h;
      }
    }
  }
  if (failure_period > 0) {
    result.first_failure_hours = static_cast<double>(failure_period) * config.remap_period_hours;
  }
  const double median =
      wear != nullptr ? wear->distribution().median_cycles : config.wear.median_cycles;
  result.projected_median_lifetime_hours =
      result.max_cell_writes > 0
          ? median / static_cast<double>(result.max_cell_writes) * result.hours
          : std::numeric_limits<double>::infinity();
  EndurerState& st = result.end_state;
  st.mode = config.mode;
  st.segment_words = m;
  st.swap_count = policy.swap_count();
  st.v2p = v2p;
  st.offsets = offsets;
  st.counts.resize(n);
  for (uint32_t p = 0; p < n; ++p) st.counts[p] = segs[p].counter;
  st.policy = policy.params();
  return result;
}

}  // namespace illusion::endurer
