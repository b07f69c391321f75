#ifndef ILLUSION_CLIENTS_ENDURANCE_ENDURANCE_COMMAND_H_
#define ILLUSION_CLIENTS_ENDURANCE_ENDURANCE_COMMAND_H_

// `illusionctl endurance replay`: replays a write trace in the paper's
// format (chip,addr_hex,data_hex per line) through the (Distributed)
// ENDURER remapper (//endurer:trace_replay) and prints nvm_writes, pending
// (still in the write caches), remaps, swaps and the per-chip write counts.
//
//   illusionctl endurance replay --trace=FILE [--runs=R] [--remap_period=N]
//       [--seed=S] [--shift_rng=mt19937|glibc] [--mode=none|endurer|distributed]
//       [--swap] [--policy=default|svhn|d2nn|lstm] [--tau=T] [--eps=E] [--c=C]
//       [--chips=N] [--cache_entries=S] [--json]
//
// Flags take "--name=value" or "--name value"; booleans also "--name=true|false".
// The flags are parsed here (not with absl flags), so illusionctl must hand
// over the arguments before absl::ParseCommandLine sees them.
//
// Exit codes: 0 ok; 2 usage error (unknown flag, bad value, missing
// --trace, unknown subcommand); 1 runtime error (unreadable trace, malformed
// line, a record that does not fit), each one line on `err` naming the
// file, the line number and the bad text. Stateless functions; thread-safe.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "endurer/mode.h"
#include "endurer/swap_policy.h"
#include "endurer/trace_replay.h"

namespace illusion::clients {

inline constexpr char kEnduranceUsage[] =
    "usage: illusionctl endurance replay --trace=FILE [flags]\n"
    "       illusionctl endurance study --workload=d2nn [flags]  (study --help)\n"
    "       illusionctl endurance list [--db=FILE] [--json]       (list --help)\n"
    "       illusionctl endurance show --study=ID [--db=FILE] [--json|--csv]\n"
    "  replays a write trace (chip,addr_hex,data_hex per line) through the\n"
    "  ENDURER remapper and prints nvm_writes, pending, remaps, swaps and the\n"
    "  per-chip write counts\n"
    "flags:\n"
    "  --trace=FILE          the trace (required)\n"
    "  --runs=R              passes over the trace (default 1)\n"
    "  --remap_period=N      trace writes per chip between local remaps; 0 = never\n"
    "                        (default: after every pass except the first, as the\n"
    "                        paper's driver with times_before_remap = 1)\n"
    "  --seed=S              remap shift seed (default 12345)\n"
    "  --shift_rng=mt19937|glibc  shift generator (glibc = the firmware's rand())\n"
    "  --mode=none|endurer|distributed  (default endurer)\n"
    "  --swap                distributed swaps (same as --mode=distributed)\n"
    "  --policy=default|svhn|d2nn|lstm  TAU/EPS/C preset (default 0.6/0.6/8e6)\n"
    "  --tau=T --eps=E --c=C override the preset\n"
    "  --chips=N             chips (default 8); --cache_entries=S (default 4)\n"
    "  --json                one JSON object instead of text\n";

// The parsed command line.
struct EnduranceReplayFlags {
  std::string trace;
  uint64_t runs = 1;
  std::optional<uint64_t> remap_period;  // unset: per-pass schedule
  uint64_t seed = 12345;
  std::string shift_rng = "mt19937";  // or "glibc"
  endurer::Mode mode = endurer::Mode::kEndurer;
  endurer::SwapPolicyParams policy = endurer::SwapPolicyParams::Defaults();
  uint32_t chips = endurer::kDefaultChips;
  uint32_t cache_entries = endurer::kDefaultCacheEntries;
  bool json = false;
  bool help = false;
};

// InvalidArgument (a usage error) for unknown flags, positional arguments,
// bad values, conflicting --mode/--swap, or a missing --trace (unless
// --help).
absl::StatusOr<EnduranceReplayFlags> ParseEnduranceReplayFlags(
    const std::vector<std::string>& args);

// Renders a replay: one JSON object (fields nvm_writes, pending, remaps,
// swaps, per_chip_writes, and trace, trace_lines, runs, mode, ...), or
// aligned text.
std::string FormatEnduranceReplayJson(const EnduranceReplayFlags& flags,
                                      const endurer::ReplaySummary& summary);
std::string FormatEnduranceReplayText(const EnduranceReplayFlags& flags,
                                      const endurer::ReplaySummary& summary);

// `illusionctl endurance replay ARGS`: `args` are the arguments after
// "endurance replay". Returns the exit code.
int RunEnduranceReplay(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// `illusionctl endurance SUBCOMMAND ARGS`: `args` are the arguments after
// "endurance"; dispatches "replay" and "study" (clients/endurance/study_command.h). Returns the exit code (2 for a missing
// or unknown subcommand).
int RunEnduranceCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace illusion::clients

#endif  // ILLUSION_CLIENTS_ENDURANCE_ENDURANCE_COMMAND_H_
