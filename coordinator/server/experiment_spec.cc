#include "coordinator/server/experiment_spec.h"

#include <cmath>
#include <cstdint>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "chipd/chip_model.h"
#include "common/status_macros.h"
#include "coordinator/experiment_runner.h"
#include "endurer/mode.h"
#include "endurer/swap_policy.h"
#include "partitioner/budget_search.h"
#include "partitioner/paper/paper_partition.h"
#include "partitioner/partition.h"

namespace illusion::coordinator {
namespace {

using illusion::v1::ExperimentSpec;
using partitioner::Strategy;

constexpr int kLstmFeatures = 10;
constexpr int kLstmHidden = 80;
constexpr double kBytesPerMiB = 1048576.0;

absl::Status Invalid(absl::string_view field, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", message));
}

// Bytes of one inference's input: one CNN image, or one LSTM frame.
absl::StatusOr<int64_t> InputUnitBytes(nn::Workload workload, const nn::Graph& graph) {
  if (workload == nn::Workload::kKwsLstm) return int64_t{kLstmFeatures};
  if (graph.inputs().size() != 1) {
    return absl::InternalError(absl::StrCat("graph '", graph.name(), "' has ",
                                            graph.inputs().size(), " inputs; expected 1"));
  }
  const nn::TensorSpec& spec = graph.inputs()[0];
  if (spec.dtype != nn::DType::kInt8) {
    return absl::InternalError(absl::StrCat("input '", spec.name, "' is not int8"));
  }
  return spec.num_elements();
}

std::vector<int32_t> Int8Values(absl::string_view bytes) {
  std::vector<int32_t> v;
  v.reserve(bytes.size());
  for (char b : bytes) v.push_back(static_cast<int8_t>(b));
  return v;
}

std::vector<int32_t> Int16Values(absl::string_view bytes) {
  std::vector<int32_t> v;
  v.reserve(bytes.size() / 2);
  for (size_t i = 0; i + 1 < bytes.size(); i += 2) {
    const uint16_t u = static_cast<uint8_t>(bytes[i]) |
                       static_cast<uint16_t>(static_cast<uint8_t>(bytes[i + 1])) << 8;
    v.push_back(static_cast<int16_t>(u));
  }
  return v;
}

// Fills defaults and checks the sizing fields of each strategy.
absl::Status ResolveSizing(ExperimentSpec& spec, const nn::Graph& graph,
                           ExperimentConfig& config) {
  if (spec.chips() < 0) return Invalid("chips", absl::StrCat("must be positive; got ", spec.chips()));
  if (spec.memsize_mib() < 0 || !std::isfinite(spec.memsize_mib())) {
    return Invalid("memsize_mib", absl::StrCat("must be positive; got ", spec.memsize_mib()));
  }
  switch (config.strategy) {
    case Strategy::kPaper:
      if (spec.memsize_mib() > 0) {
        return Invalid("memsize_mib",
                       absl::StrCat(spec.memsize_mib(),
                                    " contradicts strategy paper (its chips are fixed; give chips "
                                    "1, 4 or 8)"));
      }
      if (spec.chips() == 0) spec.set_chips(8);
      if (spec.chips() != 1 && spec.chips() != 4 && spec.chips() != 8) {
        return Invalid("chips", absl::StrCat("strategy paper has 1, 4 or 8 chips; got ",
                                             spec.chips()));
      }
      config.chips = spec.chips();
      return absl::OkStatus();
    case Strategy::kIdeal:
      if (spec.memsize_mib() > 0 || spec.chips() > 1) {
        return Invalid(spec.chips() > 1 ? "chips" : "memsize_mib",
                       "strategy ideal is one chip holding every weight; drop chips/memsize_mib");
      }
      spec.set_chips(1);
      config.chips = 1;
      return absl::OkStatus();
    case Strategy::kGreedy:
      if (spec.chips() > 0 && spec.memsize_mib() > 0) {
        return Invalid("chips", absl::StrCat(spec.chips(), " contradicts memsize_mib ",
                                             spec.memsize_mib(), "; give one of them"));
      }
      if (spec.memsize_mib() > 0) {
        const double bytes = std::floor(spec.memsize_mib() * kBytesPerMiB);
        if (bytes < 1 || bytes > static_cast<double>(int64_t{1} << 50)) {
          return Invalid("memsize_mib", absl::StrCat(spec.memsize_mib(),
                                                     " must give between 1 byte and 2^50 bytes"));
        }
        config.memsize_bytes = static_cast<int64_t>(bytes);
      } else if (spec.chips() > 0) {
        absl::StatusOr<partitioner::BudgetSearch> search =
            partitioner::SmallestGreedyGraphBudget(graph, spec.chips());
        if (!search.ok()) return Invalid("chips", search.status().message());
        config.memsize_bytes = search->memsize_bytes;
      }
      // Neither: the chip model's weight NVM (ExperimentConfig's default).
      config.chips = spec.chips();
      return absl::OkStatus();
  }
  return absl::InternalError("unknown strategy");
}

// The spec's wear-levelling fields into config.wear (defaults filled into
// `spec` so the stored spec says what ran).
absl::Status ResolveWear(ExperimentSpec& spec, ExperimentConfig& config) {
  const bool any = spec.has_remap_period() || !spec.swap_policy().empty() ||
                   spec.has_endurer_c() || spec.endurer_seed() != 0;
  if (spec.endurer().empty()) {
    if (any) {
      return Invalid("endurer",
                     "remap_period, swap_policy, endurer_c and endurer_seed need endurer set "
                     "(none, endurer or distributed)");
    }
    return absl::OkStatus();
  }
  WearLevelingConfig& wear = config.wear;
  wear.enabled = true;
  {
    absl::StatusOr<endurer::Mode> mode = endurer::ParseMode(spec.endurer());
    if (!mode.ok()) return Invalid("endurer", mode.status().message());
    wear.mode = *mode;
    spec.set_endurer(std::string(endurer::ModeName(*mode)));
  }
  if (!spec.has_remap_period()) spec.set_remap_period(1);
  if (spec.remap_period() < 0) {
    return Invalid("remap_period",
                   absl::StrCat("must be >= 0 (0 = never); got ", spec.remap_period()));
  }
  wear.remap_period = spec.remap_period();
  if (spec.swap_policy().empty()) {
    switch (config.workload) {
      case nn::Workload::kSvhn: spec.set_swap_policy("svhn"); break;
      case nn::Workload::kD2nn: spec.set_swap_policy("d2nn"); break;
      case nn::Workload::kKwsLstm: spec.set_swap_policy("lstm"); break;
      default: spec.set_swap_policy("default"); break;
    }
  }
  {
    absl::StatusOr<endurer::SwapPolicyParams> policy =
        endurer::SwapPolicyForWorkload(spec.swap_policy());
    if (!policy.ok()) return Invalid("swap_policy", policy.status().message());
    wear.policy = *policy;
  }
  if (spec.has_endurer_c()) {
    if (!std::isfinite(spec.endurer_c()) || spec.endurer_c() < 0) {
      return Invalid("endurer_c", absl::StrCat("must be finite and >= 0; got ", spec.endurer_c()));
    }
    wear.policy.c = spec.endurer_c();
  }
  if (spec.endurer_seed() == 0) spec.set_endurer_seed(12345);
  wear.seed = spec.endurer_seed();
  return ValidateWearLevelingConfig(wear);
}

}  // namespace

absl::string_view BackendName(Backend backend) {
  switch (backend) {
    case Backend::kInProcess:
      return "in_process";
    case Backend::kLoopback:
      return "loopback";
    case Backend::kGrpc:
      return "grpc";
  }
  return "unknown";
}

absl::StatusOr<Backend> ParseBackend(absl::string_view name) {
  for (Backend b : {Backend::kInProcess, Backend::kLoopback, Backend::kGrpc}) {
    if (name == BackendName(b)) return b;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown backend '", name, "'; expected in_process, loopback or grpc"));
}

absl::StatusOr<int> CountInputTensors(nn::Workload workload, const nn::Graph& graph,
                                      absl::string_view input) {
  ASSIGN_OR_RETURN(const int64_t unit, InputUnitBytes(workload, graph));
  if (input.empty() || input.size() % unit != 0) {
    return Invalid("input", absl::StrCat(input.size(), " bytes is not a whole number of ",
                                         workload == nn::Workload::kKwsLstm ? "frames" : "inputs",
                                         " of ", unit, " bytes (", nn::WorkloadName(workload),
                                         ")"));
  }
  return static_cast<int>(input.size() / unit);
}

absl::StatusOr<std::vector<nn::TensorMap>> DecodeInputs(nn::Workload workload,
                                                        const nn::Graph& graph,
                                                        absl::string_view input,
                                                        absl::string_view initial_h,
                                                        absl::string_view initial_c,
                                                        int inferences) {
  ASSIGN_OR_RETURN(const int count, CountInputTensors(workload, graph, input));
  ASSIGN_OR_RETURN(const int64_t unit, InputUnitBytes(workload, graph));
  if (inferences < 1) {
    return Invalid("inferences", absl::StrCat("must be at least 1; got ", inferences));
  }
  const bool lstm = workload == nn::Workload::kKwsLstm;
  if (!lstm && (!initial_h.empty() || !initial_c.empty())) {
    return Invalid(initial_h.empty() ? "initial_c" : "initial_h",
                   absl::StrCat("applies to kws_lstm only; workload is ",
                                nn::WorkloadName(workload)));
  }
  if (lstm && !initial_h.empty() && initial_h.size() != kLstmHidden) {
    return Invalid("initial_h", absl::StrCat(initial_h.size(), " bytes; expected ", kLstmHidden,
                                             " (80 int8 Q4 values)"));
  }
  if (lstm && !initial_c.empty() && initial_c.size() != 2 * kLstmHidden) {
    return Invalid("initial_c", absl::StrCat(initial_c.size(), " bytes; expected ",
                                             2 * kLstmHidden, " (80 int16 Q8 values, LE)"));
  }
  std::vector<nn::TensorMap> all;
  all.reserve(inferences);
  for (int i = 0; i < inferences; ++i) {
    const absl::string_view bytes = input.substr((i % count) * unit, unit);
    nn::TensorMap in;
    if (!lstm) {
      const nn::TensorSpec& spec = graph.inputs()[0];
      in[spec.name] =
          nn::Tensor::FromValues(spec.dtype, spec.shape, Int8Values(bytes), spec.frac_bits);
      all.push_back(std::move(in));
      continue;
    }
    in[nn::kLstmX] = nn::Tensor::FromValues(nn::DType::kInt8, {1, kLstmFeatures},
                                            Int8Values(bytes), 4);
    if (i == 0) {
      std::vector<int32_t> h(kLstmHidden, 0), c(kLstmHidden, 0);
      if (!initial_h.empty()) h = Int8Values(initial_h);
      if (!initial_c.empty()) c = Int16Values(initial_c);
      in[nn::kLstmH0] = nn::Tensor::FromValues(nn::DType::kInt8, {kLstmHidden}, h, 4);
      in[nn::kLstmC0] = nn::Tensor::FromValues(nn::DType::kInt16, {kLstmHidden}, c, 8);
    }
    in["last"] = nn::Tensor::FromValues(nn::DType::kInt16, {1}, {i == inferences - 1 ? 1 : 0});
    all.push_back(std::move(in));
  }
  return all;
}

absl::StatusOr<ResolvedSpec> ResolveSpec(const ExperimentSpec& in) {
  ResolvedSpec r;
  ExperimentSpec& spec = r.spec;
  spec = in;
  ExperimentConfig& config = r.config;

  if (spec.workload().empty()) return Invalid("workload", "required (mnist, svhn, d2nn or kws_lstm)");
  {
    absl::StatusOr<nn::Workload> w = nn::ParseWorkload(spec.workload());
    if (!w.ok()) return Invalid("workload", w.status().message());
    config.workload = *w;
    spec.set_workload(std::string(nn::WorkloadName(*w)));
  }
  ASSIGN_OR_RETURN(nn::Graph graph, partitioner::PaperGraph(config.workload));

  if (spec.strategy().empty()) spec.set_strategy("paper");
  {
    absl::StatusOr<Strategy> s = partitioner::ParseStrategy(spec.strategy());
    if (!s.ok()) return Invalid("strategy", s.status().message());
    config.strategy = *s;
  }
  RETURN_IF_ERROR(ResolveSizing(spec, graph, config));
  if (spec.d2nn_nv() && (config.workload != nn::Workload::kD2nn ||
                         config.strategy != Strategy::kPaper || config.chips != 8)) {
    return Invalid("d2nn_nv", "applies to the d2nn paper 8-chip partition only");
  }
  config.d2nn_nv = spec.d2nn_nv();

  if (spec.chip_model().empty()) spec.set_chip_model("msp430_rram");
  RETURN_IF_ERROR(chipd::LoadChipModel(spec.chip_model()).status());
  config.chip_model = spec.chip_model();

  if (spec.schedule().empty()) spec.set_schedule("sequential");
  {
    absl::StatusOr<Schedule> s = ParseSchedule(spec.schedule());
    if (!s.ok()) return Invalid("schedule", s.status().message());
    config.schedule = *s;
  }

  if (spec.backend().empty()) spec.set_backend("loopback");
  {
    absl::StatusOr<Backend> b = ParseBackend(spec.backend());
    if (!b.ok()) return Invalid("backend", b.status().message());
    r.backend = *b;
  }
  if (r.backend == Backend::kGrpc) {
    if (spec.chip_endpoints().empty()) {
      return Invalid("chip_endpoints", "backend grpc needs one chipd address per chip");
    }
    r.endpoints.assign(spec.chip_endpoints().begin(), spec.chip_endpoints().end());
    // Remote chips are what they are: a slice must fit them.
    config.fit_memory = false;
  } else if (!spec.chip_endpoints().empty()) {
    return Invalid("chip_endpoints",
                   absl::StrCat("only for backend grpc; backend is ", spec.backend()));
  }

  if (spec.inferences() < 0) {
    return Invalid("inferences", absl::StrCat("must be at least 1; got ", spec.inferences()));
  }
  if (spec.input().empty()) {
    if (!spec.initial_h().empty() || !spec.initial_c().empty()) {
      return Invalid(spec.initial_h().empty() ? "initial_c" : "initial_h",
                     "needs input (the frames to run from that state)");
    }
    if (spec.inferences() == 0) spec.set_inferences(1);
    if (spec.input_seed() == 0) spec.set_input_seed(1);
    config.input_seed = spec.input_seed();
  } else {
    ASSIGN_OR_RETURN(const int count, CountInputTensors(config.workload, graph, spec.input()));
    if (spec.inferences() == 0) spec.set_inferences(count);
    ASSIGN_OR_RETURN(config.inputs,
                     DecodeInputs(config.workload, graph, spec.input(), spec.initial_h(),
                                  spec.initial_c(), spec.inferences()));
  }
  config.inferences = spec.inferences();

  if (spec.weight_seed() == 0) spec.set_weight_seed(1);
  config.weight_seed = spec.weight_seed();
  config.weights_dir = spec.weights_dir();
  config.run_baseline = !spec.skip_baseline();
  RETURN_IF_ERROR(ResolveWear(spec, config));

  if (spec.name().empty()) {
    spec.set_name(absl::StrCat(spec.workload(), "-", spec.strategy(), "-",
                               spec.chips() > 0        ? absl::StrCat(spec.chips(), "chip")
                               : spec.memsize_mib() > 0 ? absl::StrCat(spec.memsize_mib(), "MiB")
                                                        : std::string("model-memory")));
  }
  return r;
}

}  // namespace illusion::coordinator
