// illusionctl: the Illusion command-line client.
//
//   illusionctl golden [--reference_dir=DIR] [--repeat=N] [--json]
//     Runs the bit-exact golden model of all four workloads (mnist, svhn,
//     d2nn, kws_lstm) on their reference samples and prints each class and
//     the per-inference time. Without reference data: seeded weights/inputs.
//
//   illusionctl partition --workload=NAME --strategy=paper|greedy|ideal
//       [--chips=N] [--memsize_mib=M] [--format=table|json|paper-csv]
//       [--d2nn_nv]
//     Partitions a workload: the paper's four (mnist, svhn, d2nn, kws_lstm)
//     with paper (--chips 1, 4 or 8; default 8), greedy (--memsize_mib, or
//     --chips for the smallest budget giving at most that many chips) or
//     ideal; the scaled-out workloads (alexnet, vgg16, resnet50, lstm_lm, and
//     the net parts alex_net, vgg_net, lstm_langmod, lstm_langmod_1) with
//     greedy or ideal.

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "clients/golden_run.h"
#include "clients/partition_command.h"

ABSL_FLAG(std::string, reference_dir, "",
          "the kit's reference folder (default: $ILLUSION_REFERENCE_DIR, else "
          "../shared/reference)");
ABSL_FLAG(int, repeat, 200, "timed repetitions per sample");
ABSL_FLAG(bool, json, false, "print JSON instead of a table");
ABSL_FLAG(std::string, workload, "", "partition: workload or net-part name");
ABSL_FLAG(std::string, strategy, "", "partition: paper, greedy or ideal");
ABSL_FLAG(int, chips, 0,
          "partition: chip count (paper: 1, 4 or 8, default 8; greedy: the smallest budget "
          "giving at most N chips)");
ABSL_FLAG(double, memsize_mib, 0, "partition: greedy per-chip weight memory in MiB");
ABSL_FLAG(bool, d2nn_nv, false,
          "partition: paper d2nn 8-chip with n1_conv2 kept in non-volatile memory");
ABSL_FLAG(std::string, format, "table", "partition: table, json or paper-csv");

namespace {

constexpr char kUsage[] =
    "usage: illusionctl <command> [flags]\n"
    "commands:\n"
    "  golden   run the golden model of all four workloads on their reference\n"
    "           samples; print class and per-inference time\n"
    "           flags: --reference_dir=DIR --repeat=N --json\n"
    "  partition partition a workload\n"
    "           flags: --workload=NAME --strategy=paper|greedy|ideal [--chips=N]\n"
    "                  [--memsize_mib=M] [--format=table|json|paper-csv] [--d2nn_nv]";

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

int RunPartition() {
  illusion::clients::PartitionCommandOptions options;
  options.workload = absl::GetFlag(FLAGS_workload);
  options.strategy = absl::GetFlag(FLAGS_strategy);
  options.chips = absl::GetFlag(FLAGS_chips);
  options.memsize_mib = absl::GetFlag(FLAGS_memsize_mib);
  options.d2nn_nv = absl::GetFlag(FLAGS_d2nn_nv);
  options.format = absl::GetFlag(FLAGS_format);
  absl::StatusOr<std::string> out = illusion::clients::RunPartitionCommand(options);
  if (!out.ok()) {
    std::cerr << "illusionctl partition: " << out.status().message() << "\n";
    return 1;
  }
  std::cout << *out;
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
  if (command == "partition") return RunPartition();
  std::cerr << "illusionctl: unknown command '" << command << "'\n" << kUsage << "\n";
  return 2;
}
