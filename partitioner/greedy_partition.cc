#include "partitioner/greedy_partition.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "partitioner/message_passing.h"

namespace illusion::partitioner {
namespace {

constexpr double kBytesPerMiB = 1024.0 * 1024.0;
constexpr int64_t kMaxMemsizeBytes = int64_t{1} << 50;

// Channels of a part: (nifm, nofm) of the layer with `count` units of the
// split dimension.
std::pair<int64_t, int64_t> PartChannels(const LayerDesc& layer,
                                         SplitKind split, int64_t count) {
  if (split == SplitKind::kNone) return {layer.nifm, layer.nofm};
  // An embedding is FC(1, words): its word ("input") split cuts nofm.
  if (split == SplitKind::kOutput || layer.kind == LayerKind::kEmbedding) {
    return {layer.nifm, count};
  }
  return {count, layer.nofm};
}

// Builds the part of `layer` holding units [begin, end) of its split
// dimension (part_index 0 and kNone: the whole layer).
LayerPart MakePart(const LayerDesc& layer, SplitKind split, int part_index,
                   int64_t begin, int64_t end, int64_t bytes_per_weight) {
  LayerPart part;
  part.layer_name = layer.name;
  part.name = split == SplitKind::kNone
                  ? layer.name
                  : absl::StrCat(layer.name, "_part_", part_index, "_",
                                 std::string(1, SplitKindChar(split)));
  part.kind = layer.kind;
  part.part_index = part_index;
  part.split = split;
  part.channel_begin = begin;
  part.channel_end = end;
  const auto [nifm, nofm] = PartChannels(layer, split, end - begin);
  const int64_t act = layer.bytes_per_activation * layer.batch;
  part.ifmap_bytes = nifm * layer.ifmap_height * layer.ifmap_width * act;
  part.ofmap_bytes = nofm * layer.ofmap_height * layer.ofmap_width * act;
  const int64_t weights =
      layer.weight_count == 0
          ? 0
          : nifm * nofm * layer.kernel_height * layer.kernel_width;
  part.weight_bytes = weights * bytes_per_weight;
  part.resident_weight_bytes = layer.kind == LayerKind::kEmbedding
                                   ? part.weight_bytes * layer.embedding_dim
                                   : part.weight_bytes;
  part.residual_inputs = layer.residual_inputs;
  return part;
}

// The LSTM cell math of one chip's `slices` hidden units, upstream's
// "conv_part_<i>" = FC(1, batch * slices, 1) on a dummy chip. It holds no
// chip memory; the fmap column keeps upstream's value.
LayerPart MakeCellMathPart(const LayerDesc& gates, int index, int64_t begin,
                           int64_t end, int64_t bytes_per_weight) {
  LayerPart part;
  part.layer_name = "conv";
  part.name = absl::StrCat("conv_part_", index);
  part.kind = LayerKind::kLstmCellMath;
  part.part_index = index;
  part.channel_begin = begin;
  part.channel_end = end;
  const int64_t outputs = gates.batch * (end - begin);
  const int64_t act = gates.bytes_per_activation * gates.batch;
  part.ifmap_bytes = act;
  part.ofmap_bytes = outputs * act;
  part.weight_bytes = outputs * bytes_per_weight;
  return part;
}

// Chips being filled in order. Not thread-safe; one per GreedyPartition call.
class Packer {
 public:
  explicit Packer(int64_t memsize) : memsize_(memsize), left_(memsize) {}

  int64_t memsize() const { return memsize_; }
  int64_t left() const { return left_; }
  int chip() const { return chip_; }

  void NextChip() {
    ++chip_;
    left_ = memsize_;
  }

  void Place(LayerPart part) {
    while (static_cast<int>(chips_.size()) < chip_) {
      chips_.emplace_back();
      chips_.back().index = static_cast<int>(chips_.size());
    }
    ChipPlan& chip = chips_[chip_ - 1];
    left_ -= part.resident_weight_bytes;
    chip.resident_weight_bytes += part.resident_weight_bytes;
    chip.parts.push_back(std::move(part));
  }

  void AddDummy(int chip, LayerPart part) {
    ChipPlan dummy;
    dummy.index = chip;
    dummy.dummy = true;
    dummy.parts.push_back(std::move(part));
    dummies_.push_back(std::move(dummy));
  }

  std::vector<ChipPlan>& chips() { return chips_; }
  std::vector<ChipPlan>& dummies() { return dummies_; }

 private:
  const int64_t memsize_;
  int64_t left_;
  int chip_ = 1;
  std::vector<ChipPlan> chips_;
  std::vector<ChipPlan> dummies_;
};

absl::Status TooLarge(absl::string_view layer, int64_t unit,
                      absl::string_view what, int64_t memsize) {
  return absl::ResourceExhaustedError(
      absl::StrCat("layer '", layer, "' needs ", unit, " bytes for one ", what,
                   "; chip budget is ", memsize, " bytes"));
}

// Places a layer that does not fit in what is left of the current chip.
absl::Status PlaceSplitLayer(const LayerDesc& layer, int64_t bytes_per_weight,
                             Packer& packer) {
  const int64_t kernel = layer.kernel_height * layer.kernel_width;
  SplitKind split = SplitKind::kInput;
  int64_t units = layer.nifm;
  int64_t unit = layer.nofm * kernel * bytes_per_weight;
  absl::string_view what = "input channel";
  if (layer.kind == LayerKind::kEmbedding) {
    units = layer.nofm;
    unit = layer.nifm * kernel * layer.embedding_dim * bytes_per_weight;
    what = "vocabulary word";
  } else if (layer.nofm >= layer.nifm) {
    split = SplitKind::kOutput;
    units = layer.nofm;
    unit = layer.nifm * kernel * bytes_per_weight;
    what = "output channel";
  }
  if (unit > packer.memsize()) {
    return TooLarge(layer.name, unit, what, packer.memsize());
  }
  int part_index = 0;
  for (int64_t begin = 0; begin < units;) {
    if (packer.left() < unit) packer.NextChip();
    const int64_t count = std::min(packer.left() / unit, units - begin);
    packer.Place(MakePart(layer, split, ++part_index, begin, begin + count,
                          bytes_per_weight));
    begin += count;
  }
  return absl::OkStatus();
}

// Places an LSTM gates + projection pair (see the header comment).
absl::Status PlaceLstmPair(const LayerDesc& gates, const LayerDesc& proj,
                           int64_t bytes_per_weight, Packer& packer) {
  const int64_t slices = proj.nifm;
  const int64_t rows_per_slice = gates.nofm / slices;
  const int64_t unit =
      (rows_per_slice * gates.nifm * gates.kernel_height * gates.kernel_width +
       proj.nofm * proj.kernel_height * proj.kernel_width) *
      bytes_per_weight;
  // Hidden-unit slices [begin, end) held by physical chip `chip`.
  struct ChipSlices {
    int chip;
    int64_t begin, end;
  };
  std::vector<ChipSlices> chip_slices;
  if (unit * slices <= packer.left()) {
    chip_slices.push_back({packer.chip(), 0, slices});
    packer.Place(
        MakePart(gates, SplitKind::kNone, 0, 0, gates.nofm, bytes_per_weight));
    packer.Place(
        MakePart(proj, SplitKind::kNone, 0, 0, proj.nofm, bytes_per_weight));
  } else {
    if (unit > packer.memsize()) {
      return TooLarge(gates.name, unit,
                      absl::StrCat("lstm slice (with '", proj.name, "')"),
                      packer.memsize());
    }
    // Part numbers count chips from the current one, even if it takes none.
    int64_t begin = 0;
    for (int part = 1;; ++part) {
      const int64_t count = std::min(packer.left() / unit, slices - begin);
      if (count > 0) {
        const int64_t end = begin + count;
        chip_slices.push_back({packer.chip(), begin, end});
        packer.Place(MakePart(gates, SplitKind::kOutput, part,
                              rows_per_slice * begin, rows_per_slice * end,
                              bytes_per_weight));
        packer.Place(MakePart(proj, SplitKind::kInput, part, begin, end,
                              bytes_per_weight));
        begin = end;
      }
      if (begin == slices) break;
      packer.NextChip();
    }
  }
  int index = 0;
  for (const ChipSlices& s : chip_slices) {
    packer.AddDummy(s.chip, MakeCellMathPart(gates, ++index, s.begin, s.end,
                                             bytes_per_weight));
  }
  return absl::OkStatus();
}

absl::Status CheckLstmPairing(const std::vector<LayerDesc>& layers, size_t i) {
  const LayerDesc& layer = layers[i];
  if (layer.kind == LayerKind::kLstmProjection &&
      (i == 0 || layers[i - 1].kind != LayerKind::kLstmGates)) {
    return absl::InvalidArgumentError(
        absl::StrCat("lstm projection '", layer.name,
                     "' must directly follow an lstm gates layer"));
  }
  if (layer.kind != LayerKind::kLstmGates) return absl::OkStatus();
  if (i + 1 == layers.size() ||
      layers[i + 1].kind != LayerKind::kLstmProjection) {
    return absl::InvalidArgumentError(
        absl::StrCat("lstm gates layer '", layer.name,
                     "' must be directly followed by its lstm projection"));
  }
  const LayerDesc& proj = layers[i + 1];
  if (layer.nofm % proj.nifm != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("lstm gates layer '", layer.name, "' has ", layer.nofm,
                     " gate rows, not a multiple of the ", proj.nifm,
                     " inputs of '", proj.name, "'"));
  }
  return absl::OkStatus();
}

absl::Status ValidateLayers(const std::vector<LayerDesc>& layers) {
  if (layers.empty()) {
    return absl::InvalidArgumentError("layer list is empty");
  }
  absl::flat_hash_set<std::string> seen;
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerDesc& layer = layers[i];
    RETURN_IF_ERROR(ValidateLayerDesc(layer));
    for (const std::string& input : layer.residual_inputs) {
      if (!seen.contains(input)) {
        return absl::InvalidArgumentError(
            absl::StrCat("layer '", layer.name, "': residual input '", input,
                         "' is not an earlier layer"));
      }
    }
    if (!seen.insert(layer.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("duplicate layer name '", layer.name, "'"));
    }
    RETURN_IF_ERROR(CheckLstmPairing(layers, i));
  }
  return absl::OkStatus();
}

absl::Status PackLayers(const std::vector<LayerDesc>& layers,
                        int64_t bytes_per_weight, Packer& packer) {
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerDesc& layer = layers[i];
    if (layer.kind == LayerKind::kLstmGates) {
      RETURN_IF_ERROR(
          PlaceLstmPair(layer, layers[i + 1], bytes_per_weight, packer));
      ++i;
      continue;
    }
    const int64_t resident = layer.resident_weight_count * bytes_per_weight;
    if (resident <= packer.left()) {
      packer.Place(MakePart(layer, SplitKind::kNone, 0, 0, layer.nofm,
                            bytes_per_weight));
    } else {
      RETURN_IF_ERROR(PlaceSplitLayer(layer, bytes_per_weight, packer));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int64_t> ResolveMemsizeBytes(const GreedyOptions& options) {
  const bool has_bytes = options.memsize_bytes != 0;
  const bool has_mib = options.memsize_mib != 0.0;
  if (has_bytes == has_mib) {
    return absl::InvalidArgumentError(absl::StrCat(
        "set exactly one of memsize_bytes (", options.memsize_bytes,
        ") and memsize_mib (", options.memsize_mib, ")"));
  }
  if (has_bytes) {
    if (options.memsize_bytes < 0 || options.memsize_bytes > kMaxMemsizeBytes) {
      return absl::InvalidArgumentError(absl::StrCat("memsize_bytes is ",
                                                     options.memsize_bytes,
                                                     "; must be in [1, 2^50]"));
    }
    return options.memsize_bytes;
  }
  const double bytes = std::floor(options.memsize_mib * kBytesPerMiB);
  if (!std::isfinite(options.memsize_mib) || !(bytes >= 1.0) ||
      bytes > static_cast<double>(kMaxMemsizeBytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("memsize_mib is ", options.memsize_mib,
                     "; must give between 1 byte and 2^50 bytes"));
  }
  return static_cast<int64_t>(bytes);
}

absl::StatusOr<GreedyPlan> GreedyPartition(const std::vector<LayerDesc>& layers,
                                           const GreedyOptions& options) {
  ASSIGN_OR_RETURN(const int64_t memsize, ResolveMemsizeBytes(options));
  if (options.bytes_per_weight <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("bytes_per_weight is ",
                                                   options.bytes_per_weight,
                                                   "; must be positive"));
  }
  RETURN_IF_ERROR(ValidateLayers(layers));
  Packer packer(memsize);
  RETURN_IF_ERROR(PackLayers(layers, options.bytes_per_weight, packer));

  GreedyPlan plan;
  plan.memsize_bytes = memsize;
  plan.bytes_per_weight = options.bytes_per_weight;
  plan.chips = std::move(packer.chips());
  plan.dummy_chips = std::move(packer.dummies());
  plan.num_chips = static_cast<int>(plan.chips.size());
  for (const ChipPlan& chip : plan.chips) {
    plan.resident_weight_bytes += chip.resident_weight_bytes;
  }
  plan.messages = ComputeMessageBreakdown(plan);
  return plan;
}

}  // namespace illusion::partitioner
