#include "coordinator/scaled_out/node_results.h"

#include <cstdint>
#include <map>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "coordinator/scaled_out/csv_table.h"

namespace illusion::coordinator::scaled_out {
namespace {

struct ChipId {
  int index = 0;
  bool dummy = false;
};

absl::StatusOr<ChipId> ParseChipId(absl::string_view name,
                                   absl::string_view where) {
  ChipId id;
  absl::string_view rest = name;
  if (absl::ConsumeSuffix(&rest, "_dummy")) id.dummy = true;
  if (!absl::ConsumePrefix(&rest, "node_") ||
      !absl::SimpleAtoi(rest, &id.index) || id.index < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": '", name, "' is not a chip name node_<k>[_dummy]"));
  }
  return id;
}

// Chips of one net part being assembled.
struct PartBuilder {
  int64_t num_chips = 0;
  std::vector<ChipCost> chips;
  std::vector<bool> covered;
  std::map<int, ChipCost> dummies;  // by chip index
};

}  // namespace

absl::StatusOr<NodeResults> NodeResults::Load(
    const std::string& reference_dir) {
  ASSIGN_OR_RETURN(CsvTable table,
                   CsvTable::Read(reference_dir + "/paper_sim/node_results.csv"));
  std::map<std::pair<std::string, double>, PartBuilder> builders;
  for (int row = 0; row < table.num_rows(); ++row) {
    ASSIGN_OR_RETURN(std::string first, table.Get(row, "applies_to_first"));
    ASSIGN_OR_RETURN(std::string last, table.Get(row, "applies_to_last"));
    ASSIGN_OR_RETURN(std::string net_part, table.Get(row, "net_part"));
    ASSIGN_OR_RETURN(double memsize, table.GetDouble(row, "memsize_MiB"));
    ASSIGN_OR_RETURN(int64_t num_chips,
                     table.GetInt(row, "chips_in_net_part"));
    PartBuilder& part = builders[{net_part, memsize}];
    if (part.num_chips == 0) {
      part.num_chips = num_chips;
      part.chips.resize(num_chips);
      part.covered.assign(num_chips, false);
    }
    if (first.empty() && last.empty()) continue;  // file never read
    const std::string where = absl::StrCat(table.name(), " data row ", row + 1);
    ASSIGN_OR_RETURN(ChipId from, ParseChipId(first, where));
    ASSIGN_OR_RETURN(ChipId to, ParseChipId(last, where));
    if (from.dummy != to.dummy || to.index < from.index) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": bad chip range '", first, "'..'", last, "'"));
    }
    ChipCost cost;
    ASSIGN_OR_RETURN(cost.energy_j, table.GetDouble(row, "Total_Total_Energy"));
    ASSIGN_OR_RETURN(cost.time_s, table.GetDouble(row, "Total_Total_time"));
    for (int k = from.index; k <= to.index; ++k) {
      if (from.dummy) {
        part.dummies[k] = cost;
        continue;
      }
      if (k > part.num_chips || part.covered[k - 1]) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": chip node_", k, " of ", net_part, " @ ", memsize,
            " MiB is outside 1..", part.num_chips, " or covered twice"));
      }
      part.covered[k - 1] = true;
      part.chips[k - 1] = cost;
    }
  }
  NodeResults results;
  for (auto& [key, part] : builders) {
    for (int64_t k = 0; k < part.num_chips; ++k) {
      if (!part.covered[k]) {
        return absl::InvalidArgumentError(
            absl::StrCat(table.name(), ": chip node_", k + 1, " of ",
                         key.first, " @ ", key.second, " MiB has no results"));
      }
    }
    NetPartCosts costs;
    costs.chips = std::move(part.chips);
    for (const auto& [index, cost] : part.dummies) {
      costs.dummy_chips.push_back(cost);
    }
    results.parts_.emplace(key, std::move(costs));
  }
  return results;
}

absl::StatusOr<NetPartCosts> NodeResults::Find(absl::string_view net_part,
                                               double memsize_mib) const {
  auto it = parts_.find({std::string(net_part), memsize_mib});
  if (it == parts_.end()) {
    return absl::NotFoundError(absl::StrCat("no node results for ", net_part,
                                            " @ ", memsize_mib, " MiB"));
  }
  return it->second;
}

}  // namespace illusion::coordinator::scaled_out
