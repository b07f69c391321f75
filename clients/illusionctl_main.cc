// illusionctl: the Illusion command-line client.
//
//   illusionctl golden [--reference_dir=DIR] [--repeat=N] [--json]
//     Runs the bit-exact golden model of all four workloads (mnist, svhn,
//     d2nn, kws_lstm) on their reference samples and prints each class and
//     the per-inference time. Without reference data: seeded weights/inputs.

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "clients/golden_run.h"

ABSL_FLAG(std::string, reference_dir, "",
          "the kit's reference folder (default: $ILLUSION_REFERENCE_DIR, else "
          "../shared/reference)");
ABSL_FLAG(int, repeat, 200, "timed repetitions per sample");
ABSL_FLAG(bool, json, false, "print JSON instead of a table");

namespace {

constexpr char kUsage[] =
    "usage: illusionctl <command> [flags]\n"
    "commands:\n"
    "  golden   run the golden model of all four workloads on their reference\n"
    "           samples; print class and per-inference time\n"
    "           flags: --reference_dir=DIR --repeat=N --json";

std::string DefaultReferenceDir() {
  const char* env = std::getenv("ILLUSION_REFERENCE_DIR");
  return env != nullptr && *env != '\0' ? env : "../shared/reference";
}

int RunGolden() {
  illusion::clients::GoldenOptions options;
  options.reference_dir = absl::GetFlag(FLAGS_reference_dir);
  if (options.reference_dir.empty()) options.reference_dir = DefaultReferenceDir();
  options.repeat = absl::GetFlag(FLAGS_repeat);
  absl::StatusOr<std::vector<illusion::clients::GoldenResult>> results =
      illusion::clients::RunGoldenSamples(options);
  if (!results.ok()) {
    std::cerr << "illusionctl golden: " << results.status().message() << "\n";
    return 1;
  }
  if (absl::GetFlag(FLAGS_json)) {
    std::cout << illusion::clients::FormatGoldenJson(*results);
    return 0;
  }
  if (!results->empty() && (*results)[0].weights == "seeded") {
    std::cout << "note: no reference data at '" << options.reference_dir
              << "'; running seeded weights and inputs (classes are not the paper's)\n";
  }
  std::cout << illusion::clients::FormatGoldenTable(*results);
  int mismatches = 0;
  for (const auto& r : *results) mismatches += r.expected >= 0 && r.expected != r.predicted;
  if (mismatches > 0) {
    std::cerr << "illusionctl golden: " << mismatches << " class(es) differ from the paper\n";
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) {
    std::cerr << kUsage << "\n";
    return 2;
  }
  const std::string command = args[1];
  if (command == "golden") return RunGolden();
  std::cerr << "illusionctl: unknown command '" << command << "'\n" << kUsage << "\n";
  return 2;
}
