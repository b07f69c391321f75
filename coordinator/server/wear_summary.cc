#include "coordinator/server/wear_summary.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "endurer/endurer_state.h"
#include "endurer/mode.h"

namespace illusion::coordinator {
namespace {

void SetImbalance(illusion::v1::WearSummary& wear) {
  double total = 0, most = 0;
  for (const illusion::v1::ChipWear& c : wear.chips()) {
    total += static_cast<double>(c.write_count());
    most = std::max(most, static_cast<double>(c.write_count()));
  }
  const double mean = wear.chips_size() > 0 ? total / wear.chips_size() : 0;
  wear.set_imbalance(mean > 0 ? most / mean : 0);
}

}  // namespace

illusion::v1::WearSummary WearSummaryOf(const std::vector<WearRound>& rounds) {
  illusion::v1::WearSummary wear;
  if (rounds.empty()) return wear;
  const WearRound& last = rounds.back();
  wear.set_mode(std::string(endurer::ModeName(last.state.mode)));
  wear.set_swaps(last.state.swap_count);
  wear.set_eps(last.state.policy.eps);
  uint64_t remaps = 0;
  for (const WearRound& r : rounds) remaps += r.remaps.size();
  wear.set_remaps(remaps);
  for (size_t p = 0; p < last.chips.size(); ++p) {
    illusion::v1::ChipWear* c = wear.add_chips();
    c->set_chip(static_cast<int>(p));
    for (size_t v = 0; v < last.state.v2p.size(); ++v) {
      if (last.state.v2p[v] == p) c->set_virtual_chip(static_cast<int>(v));
    }
    c->set_write_count(last.chips[p].write_count);
    c->set_pending(last.chips[p].pending);
    c->set_remaps(last.chips[p].remaps);
    c->set_offset(last.chips[p].offset);
  }
  wear.set_state(endurer::SerializeEndurerState(last.state));
  SetImbalance(wear);
  return wear;
}

absl::StatusOr<illusion::v1::WearSummary> WearSummaryFromStore(store::TraceStore& store,
                                                              int64_t run_id) {
  illusion::v1::WearSummary wear;
  ASSIGN_OR_RETURN(std::vector<store::EndurerStateRecord> states,
                   store.GetEndurerStates(run_id));
  if (states.empty()) return wear;
  const store::EndurerStateRecord& last = states.back();
  wear.set_mode(last.mode);
  wear.set_swaps(static_cast<uint64_t>(last.swap_count));
  wear.set_eps(last.eps);
  wear.set_state(last.state);
  ASSIGN_OR_RETURN(std::vector<store::WearEventRecord> events, store.GetWearEvents(run_id));
  wear.set_remaps(static_cast<uint64_t>(
      std::count_if(events.begin(), events.end(),
                    [](const store::WearEventRecord& e) { return e.kind == "remap"; })));
  ASSIGN_OR_RETURN(std::vector<store::ChipWearRecord> chips, store.GetChipWear(run_id));
  for (const store::ChipWearRecord& r : chips) {
    if (r.inference != last.inference) continue;
    illusion::v1::ChipWear* c = wear.add_chips();
    c->set_chip(r.chip);
    c->set_virtual_chip(r.virtual_chip);
    c->set_write_count(static_cast<uint64_t>(r.write_count));
    c->set_pending(static_cast<uint64_t>(r.pending));
    c->set_remaps(static_cast<uint64_t>(r.remaps));
    c->set_offset(static_cast<uint32_t>(r.offset));
  }
  SetImbalance(wear);
  return wear;
}

std::string FormatWearSummary(const illusion::v1::WearSummary& wear) {
  if (wear.mode().empty()) return "";
  std::string out = absl::StrFormat(
      "\nNVM wear (%s): %d swaps, EPS %.4g, %d local remaps; max/mean writes %.3fx\n",
      wear.mode(), wear.swaps(), wear.eps(), wear.remaps(), wear.imbalance());
  absl::StrAppend(&out, "  chip  hosts  writes        pending  remaps  offset\n");
  for (const illusion::v1::ChipWear& c : wear.chips()) {
    absl::StrAppend(&out, absl::StrFormat("  %4d  %5d  %12d  %7d  %6d  %6d\n", c.chip(),
                                          c.virtual_chip(), c.write_count(), c.pending(),
                                          c.remaps(), c.offset()));
  }
  return out;
}

}  // namespace illusion::coordinator
