#include "clients/endurance/fault_accuracy.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "nn/executor.h"
#include "nn/raw_file.h"
#include "nn/workloads.h"

namespace illusion::clients {
namespace {

constexpr char kN1Conv2[] = "n1_conv2";
// The guard value of the D2NN's high path (N2), the only reader of the
// NVM-resident n1_conv2.
constexpr int kHighPath = 1;
constexpr int kD2nnImageBytes = 784;

struct Csv {
  std::vector<std::string> header;
  std::vector<std::pair<int, std::vector<std::string>>> rows;  // line number, fields
  int Column(absl::string_view name) const {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return static_cast<int>(i);
    }
    return -1;
  }
};

absl::StatusOr<Csv> ParseCsv(absl::string_view text, absl::string_view path) {
  Csv csv;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    line = absl::StripSuffix(line, "\r");
    if (line.empty()) continue;
    std::vector<std::string> fields = absl::StrSplit(line, ',');
    if (csv.header.empty()) {
      csv.header = std::move(fields);
    } else {
      csv.rows.push_back({line_no, std::move(fields)});
    }
  }
  if (csv.header.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": empty CSV"));
  return csv;
}

absl::Status BadLine(absl::string_view path, int line, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(path, ":", line, ": ", why));
}

}  // namespace

int TimepointIndex(absl::string_view name) {
  for (int i = 0; i < kNumTimepoints; ++i) {
    if (name == kTimepoints[i]) return i;
  }
  return -1;
}

absl::StatusOr<std::vector<StuckBit>> ParseStuckBitsCsv(absl::string_view text,
                                                        absl::string_view workload,
                                                        absl::string_view mode,
                                                        absl::string_view path) {
  ASSIGN_OR_RETURN(Csv csv, ParseCsv(text, path));
  const int c_wl = csv.Column("workload"), c_mode = csv.Column("mode"),
            c_chip = csv.Column("phys_chip"), c_addr = csv.Column("word_addr_hex"),
            c_bit = csv.Column("bit_lsb0"), c_val = csv.Column("stuck_value"),
            c_first = csv.Column("first_timepoint");
  if (std::min({c_wl, c_mode, c_chip, c_addr, c_bit, c_val, c_first}) < 0) {
    return BadLine(path, 1, "missing a column of workload,mode,phys_chip,word_addr_hex,"
                            "bit_lsb0,stuck_value,first_timepoint");
  }
  std::vector<StuckBit> out;
  for (const auto& [line, f] : csv.rows) {
    if (f.size() != csv.header.size()) return BadLine(path, line, "wrong number of fields");
    if (f[c_wl] != workload || f[c_mode] != mode) continue;
    StuckBit b;
    if (!absl::SimpleAtoi(f[c_chip], &b.chip) || b.chip < 0 ||
        !absl::SimpleHexAtoi(f[c_addr], &b.word) || b.word >= kSegmentWords ||
        !absl::SimpleAtoi(f[c_bit], &b.bit) || b.bit < 0 || b.bit > 15 ||
        !absl::SimpleAtoi(f[c_val], &b.value) || (b.value != 0 && b.value != 1)) {
      return BadLine(path, line, "bad chip/address/bit/value");
    }
    b.first_timepoint = TimepointIndex(f[c_first]);
    if (b.first_timepoint < 0) continue;  // 20YEAR etc.: beyond the study
    out.push_back(b);
  }
  return out;
}

ActivationMask BuildActivationMask(const std::vector<StuckBit>& bits, int chip, uint32_t base,
                                   int words, int t) {
  ActivationMask m;
  m.and_mask.assign(words, 0xFFFF);
  m.or_mask.assign(words, 0);
  for (const StuckBit& b : bits) {
    if (b.chip != chip || b.first_timepoint > t || b.word < base || b.word >= base + words) {
      continue;
    }
    const uint16_t bit = static_cast<uint16_t>(1u << b.bit);
    if (b.value == 1) {
      m.or_mask[b.word - base] |= bit;
    } else {
      m.and_mask[b.word - base] &= static_cast<uint16_t>(~bit);
    }
    ++m.stuck_bits;
  }
  return m;
}

int UpstreamDeMaskChip(const std::vector<int>& v2p, const std::vector<int>& offsets) {
  const int n = static_cast<int>(v2p.size());
  if (n == 0) return 0;
  int64_t sum = 0;
  for (int o : offsets) sum += o;
  // np.roll(maps, s, axis=0): rolled[0] = maps[(0 - s) mod n]; maps[v] = phys[v2p[v]].
  const int v = static_cast<int>(((-sum) % n + n) % n);
  return v2p[v];
}

absl::StatusOr<std::vector<int>> D2nnDeMaskChips(absl::string_view end_states_csv,
                                                 absl::string_view path) {
  ASSIGN_OR_RETURN(Csv csv, ParseCsv(end_states_csv, path));
  const int c_exp = csv.Column("experiment"), c_key = csv.Column("state_key");
  if (c_exp < 0 || c_key < 0) return BadLine(path, 1, "missing experiment/state_key columns");
  std::map<std::string, int> chip_by_key;
  for (const auto& [line, f] : csv.rows) {
    if (f.size() != csv.header.size()) return BadLine(path, line, "wrong number of fields");
    if (f[c_exp] != "d2nn_de") continue;
    std::vector<int> v2p(8), off(8);
    for (int i = 0; i < 8; ++i) {
      const int cv = csv.Column(absl::StrCat("v2p_", i));
      const int co = csv.Column(absl::StrCat("offset_v", i));
      if (cv < 0 || co < 0 || !absl::SimpleAtoi(f[cv], &v2p[i]) ||
          !absl::SimpleAtoi(f[co], &off[i]) || v2p[i] < 0 || v2p[i] > 7) {
        return BadLine(path, line, "bad v2p/offset");
      }
    }
    chip_by_key[f[c_key]] = UpstreamDeMaskChip(v2p, off);
  }
  // Timepoint T uses the end state of its period = the state recorded at the
  // start of the next period.
  static const char* const kNext[] = {"DAY", "WEEK", "MONTH", "YEAR", "TENYEAR", "END"};
  std::vector<int> out;
  for (const char* key : kNext) {
    auto it = chip_by_key.find(key);
    if (it == chip_by_key.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": no d2nn_de state with state_key ", key));
    }
    out.push_back(it->second);
  }
  return out;
}

absl::StatusOr<TestSet> ReadTestSet(const std::string& inputs_path,
                                    const std::string& labels_path) {
  TestSet set;
  ASSIGN_OR_RETURN(set.images, nn::ReadRawFile(inputs_path));
  ASSIGN_OR_RETURN(set.labels, nn::ReadRawFile(labels_path));
  if (set.images.size() != set.labels.size() * kD2nnImageBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        inputs_path, ": ", set.images.size(), " bytes, want ", kD2nnImageBytes, " per label of ",
        labels_path, " (", set.labels.size(), " labels)"));
  }
  return set;
}

void ApplyActivationMask(const ActivationMask& mask, int8_t* values, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const int64_t word = i / 2;
    if (word >= static_cast<int64_t>(mask.and_mask.size())) break;
    const int shift = (i % 2) * 8;
    const uint8_t a = static_cast<uint8_t>(mask.and_mask[word] >> shift);
    const uint8_t o = static_cast<uint8_t>(mask.or_mask[word] >> shift);
    int8_t v = static_cast<int8_t>((static_cast<uint8_t>(values[i]) & a) | o);
    if (v < 0) v = 0;                                     // qRelu
    values[i] = static_cast<int8_t>(static_cast<uint8_t>(v) | o);  // OR-ed again
  }
}

absl::StatusOr<AccuracyResult> EvaluateD2nnWithActivationFaults(const nn::Graph& graph,
                                                                const nn::WeightMap& weights,
                                                                const TestSet& set,
                                                                const ActivationMask& mask,
                                                                int limit) {
  const nn::TensorSpec* spec = graph.FindTensor(nn::kInputTensor);
  if (spec == nullptr) return absl::InvalidArgumentError("graph has no input tensor");
  const int n = limit > 0 ? std::min(limit, set.count()) : set.count();
  AccuracyResult r;
  for (int i = 0; i < n; ++i) {
    ASSIGN_OR_RETURN(nn::Tensor image,
                     nn::Tensor::FromBytes(spec->dtype, spec->shape, 4,
                                           absl::string_view(set.images)
                                               .substr(int64_t{i} * kD2nnImageBytes,
                                                       kD2nnImageBytes)));
    nn::TensorMap env;
    env[nn::kInputTensor] = std::move(image);
    std::optional<nn::Tensor> nvm_copy;  // n1_conv2 as written to NVM
    // The golden executor's loop (nn/executor.cc) plus the NVM write hook.
    for (const auto& op : graph.ops()) {
      if (op->guard().has_value()) {
        auto g = env.find(op->guard()->tensor);
        if (g == env.end() || g->second.at(0) != op->guard()->value) continue;
      }
      ASSIGN_OR_RETURN(nn::OpIo io, nn::WeightsOf(*op, weights));
      // The high path reads n1_conv2 back from NVM; the low path (q_input)
      // uses the on-chip copy.
      const bool reads_nvm = op->guard().has_value() && op->guard()->value == kHighPath;
      for (const nn::TensorSpec& in : op->inputs()) {
        if (reads_nvm && in.name == kN1Conv2 && nvm_copy.has_value()) {
          io.inputs.push_back(&*nvm_copy);
          continue;
        }
        auto it = env.find(in.name);
        if (it == env.end()) {
          return absl::FailedPreconditionError(
              absl::StrCat("op '", op->name(), "' reads '", in.name, "', not computed"));
        }
        io.inputs.push_back(&it->second);
      }
      ASSIGN_OR_RETURN(std::vector<nn::Tensor> outs, op->Execute(io));
      for (size_t k = 0; k < outs.size(); ++k) {
        if (op->outputs()[k].name == kN1Conv2 && outs[k].dtype() == nn::DType::kInt8) {
          nvm_copy = outs[k];
          ApplyActivationMask(mask, nvm_copy->data<int8_t>(), nvm_copy->num_elements());
        }
        env[op->outputs()[k].name] = std::move(outs[k]);
      }
    }
    ++r.total;
    r.correct += env.at(nn::kClassTensor).at(0) == static_cast<uint8_t>(set.labels[i]);
    r.high_path += env.at(nn::kPathTensor).at(0);
  }
  return r;
}

}  // namespace illusion::clients
