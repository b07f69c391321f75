#include "clients/endurance/endurance_command.h"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "clients/endurance/study_command.h"
#include "clients/endurance/study_store_command.h"
#include "common/status_macros.h"
#include "endurer/shift_source.h"
#include "endurer/trace.h"
#include "nlohmann/json.hpp"

namespace illusion::clients {
namespace {

using endurer::Mode;

constexpr char kReplayPrefix[] = "illusionctl endurance replay: ";

absl::Status BadValue(absl::string_view flag, absl::string_view value, absl::string_view want) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": '", value, "' is not ", want));
}

template <typename T>
absl::Status ParseUnsignedFlag(absl::string_view flag, absl::string_view value, T* out) {
  uint64_t v = 0;
  if (value.empty() || value[0] == '-' || !absl::SimpleAtoi(value, &v) ||
      v > static_cast<uint64_t>(static_cast<T>(-1))) {
    return BadValue(flag, value, "a non-negative integer in range");
  }
  *out = static_cast<T>(v);
  return absl::OkStatus();
}

absl::Status ParseDoubleFlag(absl::string_view flag, absl::string_view value, double* out) {
  double v = 0;
  if (!absl::SimpleAtod(value, &v) || !std::isfinite(v) || v < 0) {
    return BadValue(flag, value, "a finite number >= 0");
  }
  *out = v;
  return absl::OkStatus();
}

absl::Status ParseBoolFlag(absl::string_view flag, absl::string_view value, bool* out) {
  if (value == "true" || value == "1") {
    *out = true;
  } else if (value == "false" || value == "0") {
    *out = false;
  } else {
    return BadValue(flag, value, "true or false");
  }
  return absl::OkStatus();
}

// Reads the whole trace file, or an error naming it.
absl::StatusOr<std::string> ReadTraceFile(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(
        absl::StrCat("cannot read trace '", path, "': ", std::strerror(errno)));
  }
  if (S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read trace '", path, "': is a directory"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot read trace '", path, "': ", std::strerror(errno)));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) {
    return absl::DataLossError(absl::StrCat("cannot read trace '", path, "': read error"));
  }
  return contents.str();
}

std::string RemapScheduleText(const EnduranceReplayFlags& flags) {
  if (flags.mode == Mode::kNoResiliency) return "none (no resiliency)";
  if (!flags.remap_period.has_value()) {
    return "after every pass of each chip except the first (upstream driver)";
  }
  if (*flags.remap_period == 0) return "never";
  return absl::StrCat("every ", *flags.remap_period, " trace writes per chip");
}

}  // namespace

absl::StatusOr<EnduranceReplayFlags> ParseEnduranceReplayFlags(
    const std::vector<std::string>& args) {
  EnduranceReplayFlags flags;
  std::optional<Mode> mode;
  bool swap = false;
  std::optional<double> tau, eps, c;
  std::string policy = "default";
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help" || arg == "-help") {
      flags.help = true;
      continue;
    }
    if (!absl::StartsWith(arg, "--") || arg.size() == 2) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", arg, "'"));
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const bool is_bool = name == "json" || name == "swap";
    if (is_bool) {
      bool b = true;
      if (value.has_value()) RETURN_IF_ERROR(ParseBoolFlag(name, *value, &b));
      (name == "json" ? flags.json : swap) = b;
      continue;
    }
    static const char* const kValueFlags[] = {"trace",     "runs", "remap_period", "seed",
                                              "shift_rng", "mode", "policy",       "tau",
                                              "eps",       "c",    "chips",        "cache_entries"};
    bool known = false;
    for (const char* f : kValueFlags) known |= name == f;
    if (!known) return absl::InvalidArgumentError(absl::StrCat("unknown flag '--", name, "'"));
    if (!value.has_value()) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      }
      value = args[++i];
    }
    const std::string& v = *value;
    if (name == "trace") {
      if (v.empty()) return absl::InvalidArgumentError("--trace needs a file name");
      flags.trace = v;
    } else if (name == "runs") {
      RETURN_IF_ERROR(ParseUnsignedFlag(name, v, &flags.runs));
      if (flags.runs == 0) return BadValue(name, v, "at least 1");
    } else if (name == "remap_period") {
      uint64_t period = 0;
      RETURN_IF_ERROR(ParseUnsignedFlag(name, v, &period));
      flags.remap_period = period;
    } else if (name == "seed") {
      RETURN_IF_ERROR(ParseUnsignedFlag(name, v, &flags.seed));
    } else if (name == "shift_rng") {
      if (v != "mt19937" && v != "glibc") return BadValue(name, v, "mt19937 or glibc");
      flags.shift_rng = v;
    } else if (name == "mode") {
      absl::StatusOr<Mode> m = endurer::ParseMode(v);
      if (!m.ok()) return BadValue(name, v, "none, endurer or distributed");
      mode = *m;
    } else if (name == "policy") {
      policy = v;
    } else if (name == "tau" || name == "eps" || name == "c") {
      double d = 0;
      RETURN_IF_ERROR(ParseDoubleFlag(name, v, &d));
      (name == "tau" ? tau : name == "eps" ? eps : c) = d;
    } else if (name == "chips") {
      RETURN_IF_ERROR(ParseUnsignedFlag(name, v, &flags.chips));
      if (flags.chips == 0 || flags.chips > 4096) return BadValue(name, v, "in [1, 4096]");
    } else if (name == "cache_entries") {
      RETURN_IF_ERROR(ParseUnsignedFlag(name, v, &flags.cache_entries));
      if (flags.cache_entries == 0 || flags.cache_entries > 1024) {
        return BadValue(name, v, "in [1, 1024]");
      }
    }
  }
  if (swap && mode.has_value() && *mode != Mode::kDistributed) {
    return absl::InvalidArgumentError(
        absl::StrCat("--swap conflicts with --mode=", endurer::ModeName(*mode)));
  }
  flags.mode = swap ? Mode::kDistributed : mode.value_or(Mode::kEndurer);
  absl::StatusOr<endurer::SwapPolicyParams> preset = endurer::SwapPolicyForWorkload(policy);
  if (!preset.ok()) return BadValue("policy", policy, "default, svhn, d2nn or lstm");
  flags.policy = *preset;
  if (tau.has_value()) flags.policy.tau = *tau;
  if (eps.has_value()) flags.policy.eps = *eps;
  if (c.has_value()) flags.policy.c = *c;
  if (flags.trace.empty() && !flags.help) {
    return absl::InvalidArgumentError("--trace=FILE is required");
  }
  return flags;
}

std::string FormatEnduranceReplayJson(const EnduranceReplayFlags& flags,
                                      const endurer::ReplaySummary& s) {
  nlohmann::ordered_json j;
  j["nvm_writes"] = s.nvm_writes;
  j["pending"] = s.pending;
  j["remaps"] = s.remaps;
  j["swaps"] = s.swaps;
  j["per_chip_writes"] = s.per_chip_writes;
  j["trace"] = flags.trace;
  j["trace_lines"] = s.trace_lines;
  j["runs"] = s.runs;
  j["logical_writes"] = s.logical_writes;
  j["workload_writes"] = s.workload_writes;
  j["remap_writes"] = s.remap_writes;
  j["migration_writes"] = s.migration_writes;
  j["mode"] = std::string(endurer::ModeName(s.mode));
  j["chips"] = flags.chips;
  j["cache_entries"] = flags.cache_entries;
  j["remap_period"] = flags.remap_period.has_value() ? nlohmann::ordered_json(*flags.remap_period)
                                                     : nlohmann::ordered_json(nullptr);
  j["seed"] = flags.seed;
  j["shift_rng"] = flags.shift_rng;
  j["tau"] = s.end_state.policy.tau;
  j["eps"] = s.end_state.policy.eps;
  j["c"] = s.end_state.policy.c;
  j["v2p"] = s.end_state.v2p;
  j["offsets"] = s.end_state.offsets;
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  for (const endurer::SwapEvent& e : s.swap_events) {
    events.push_back(
        {{"run", e.run}, {"heavy", e.heavy}, {"light", e.light}, {"eps_after", e.eps_after}});
  }
  j["swap_events"] = std::move(events);
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::string FormatEnduranceReplayText(const EnduranceReplayFlags& flags,
                                      const endurer::ReplaySummary& s) {
  std::string out;
  absl::StrAppend(&out, absl::StrFormat("%-16s %s (%d lines), %d run(s)\n", "trace", flags.trace,
                                        s.trace_lines, s.runs));
  absl::StrAppend(&out,
                  absl::StrFormat("%-16s %s, %d chips, %d-entry write cache\n", "mode",
                                  endurer::ModeName(s.mode), flags.chips, flags.cache_entries));
  absl::StrAppend(&out, absl::StrFormat("%-16s %s (seed %d, %s)\n", "remap",
                                        RemapScheduleText(flags), flags.seed, flags.shift_rng));
  absl::StrAppend(&out, absl::StrFormat("%-16s %d\n", "logical_writes", s.logical_writes));
  absl::StrAppend(
      &out, absl::StrFormat("%-16s %d (write path %d, remaps %d, swaps %d)\n", "nvm_writes",
                            s.nvm_writes, s.workload_writes, s.remap_writes, s.migration_writes));
  absl::StrAppend(&out, absl::StrFormat("%-16s %d\n", "pending", s.pending));
  absl::StrAppend(&out, absl::StrFormat("%-16s %d\n", "remaps", s.remaps));
  absl::StrAppend(&out, absl::StrFormat("%-16s %d\n", "swaps", s.swaps));
  absl::StrAppend(&out,
                  absl::StrFormat("%-16s %g / %g / %g\n", "tau / eps / c", s.end_state.policy.tau,
                                  s.end_state.policy.eps, s.end_state.policy.c));
  for (const endurer::SwapEvent& e : s.swap_events) {
    absl::StrAppend(&out, absl::StrFormat("%-16s after run %d: p%d <-> p%d, eps -> %g\n", "swap",
                                          e.run, e.heavy, e.light, e.eps_after));
  }
  absl::StrAppend(&out, "per_chip_writes\n");
  absl::StrAppend(&out,
                  absl::StrFormat("  %-6s %14s %8s %7s\n", "phys", "writes", "hosts", "offset"));
  const std::vector<uint32_t> p2v = s.end_state.P2v();
  for (size_t p = 0; p < s.per_chip_writes.size(); ++p) {
    const uint32_t v = p < p2v.size() ? p2v[p] : 0;
    const uint32_t offset = v < s.end_state.offsets.size() ? s.end_state.offsets[v] : 0;
    absl::StrAppend(&out, absl::StrFormat("  p%-5d %14d %8s %7d\n", p, s.per_chip_writes[p],
                                          absl::StrCat("v", v), offset));
  }
  return out;
}

int RunEnduranceReplay(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  absl::StatusOr<EnduranceReplayFlags> flags = ParseEnduranceReplayFlags(args);
  if (!flags.ok()) {
    err << kReplayPrefix << flags.status().message() << "\n" << kEnduranceUsage;
    return 2;
  }
  if (flags->help) {
    out << kEnduranceUsage;
    return 0;
  }
  absl::StatusOr<std::string> text = ReadTraceFile(flags->trace);
  if (!text.ok()) {
    err << kReplayPrefix << text.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<std::vector<endurer::TraceRecord>> records =
      endurer::ParseTrace(*text, flags->trace);
  if (!records.ok()) {
    err << kReplayPrefix << records.status().message() << "\n";
    return 1;
  }
  endurer::ReplayOptions options;
  options.mode = flags->mode;
  options.chips = flags->chips;
  options.cache_entries = flags->cache_entries;
  options.runs = flags->runs;
  if (flags->remap_period.has_value()) {
    options.remap_every_writes = *flags->remap_period;
    options.remap_every_passes = 0;
  }
  options.seed = flags->seed;
  options.policy = flags->policy;
  std::unique_ptr<endurer::ShiftSource> glibc;
  if (flags->shift_rng == "glibc") {
    glibc = std::make_unique<endurer::GlibcRandShiftSource>(static_cast<uint32_t>(flags->seed));
    options.shifts = glibc.get();
  }
  absl::StatusOr<endurer::ReplaySummary> summary = endurer::ReplayTrace(*records, options);
  if (!summary.ok()) {
    err << kReplayPrefix << flags->trace << ": " << summary.status().message() << "\n";
    return 1;
  }
  out << (flags->json ? FormatEnduranceReplayJson(*flags, *summary)
                      : FormatEnduranceReplayText(*flags, *summary));
  return 0;
}

int RunEnduranceCommand(const std::vector<std::string>& args, std::ostream& out,
                        std::ostream& err) {
  if (args.empty()) {
    err << "illusionctl endurance: missing subcommand\n" << kEnduranceUsage;
    return 2;
  }
  if (args[0] == "study") {
    return RunEnduranceStudy(std::vector<std::string>(args.begin() + 1, args.end()), out, err);
  }
  if (args[0] == "list") {
    return RunEnduranceList(std::vector<std::string>(args.begin() + 1, args.end()), out, err);
  }
  if (args[0] == "show") {
    return RunEnduranceShow(std::vector<std::string>(args.begin() + 1, args.end()), out, err);
  }
  if (args[0] == "replay") {
    return RunEnduranceReplay(std::vector<std::string>(args.begin() + 1, args.end()), out, err);
  }
  if (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    out << kEnduranceUsage;
    return 0;
  }
  err << "illusionctl endurance: unknown subcommand '" << args[0] << "'\n" << kEnduranceUsage;
  return 2;
}

}  // namespace illusion::clients
