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
//
//   illusionctl run --workload=NAME [--local | --coordinator=ADDR] [...]
//   illusionctl report --run=ID | --experiment=ID
//   illusionctl list [--limit=N]
//   illusionctl trace export --run=ID --table=NAME [--format=csv|json]
//   illusionctl endurance replay --trace=FILE [--remap_period=N] [--seed=S] [--json]
//     Replays an NVM write trace through the Distributed ENDURER remapper.
//   illusionctl endurance study|list|show ...
//     Endurance-resilience studies, recorded in the trace store.
//
//   illusionctl compare --run=A [--against=B]
//     Experiments through a coordinator (clients/coordinator_commands.h):
//     --coordinator=ADDR, else a one-shot local coordinator over --database.

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_split.h"
#include "clients/coordinator_commands.h"
#include "clients/cost_only_run.h"
#include "clients/endurance/endurance_command.h"
#include "clients/golden_run.h"
#include "clients/partition_command.h"
#include "clients/reference_dir.h"
#include "clients/reproduce_command.h"
#include "common/grpc_tuning.h"

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
ABSL_FLAG(std::string, format, "",
          "partition: table (default), json or paper-csv; trace export: csv (default) or json");
ABSL_FLAG(bool, local, false,
          "run/report/list/trace/compare: use a one-shot local coordinator (the default "
          "without --coordinator)");
ABSL_FLAG(std::string, coordinator, "", "address of a running coordinator (host:port)");
ABSL_FLAG(std::string, database, "",
          "local coordinator: trace store file (default $ILLUSION_DB, else "
          "$XDG_DATA_HOME/illusion/traces.db, else ~/.local/share/illusion/traces.db)");
ABSL_FLAG(std::string, chipd, "", "local coordinator: chipd binary (default: found)");
ABSL_FLAG(std::string, name, "", "run: experiment label");
ABSL_FLAG(std::string, chip_model, "", "run: built-in chip model or textproto (msp430_rram)");
ABSL_FLAG(std::string, backend, "", "run: loopback (default), in_process or grpc");
ABSL_FLAG(std::vector<std::string>, chip_endpoints, {},
          "run: chipd addresses for --backend=grpc, comma-separated");
ABSL_FLAG(std::string, weights, "", "run: weights directory (default: built-in seeded)");
ABSL_FLAG(std::string, input, "", "run: raw input tensors (workload's input format)");
ABSL_FLAG(std::string, initial_h, "", "run: kws_lstm initial h (80 int8)");
ABSL_FLAG(std::string, initial_c, "", "run: kws_lstm initial c (80 int16 LE)");
ABSL_FLAG(int, inferences, 0, "run: inferences (default 1, or the --input tensor count)");
ABSL_FLAG(uint64_t, seed, 0, "run: seed of generated inputs (default 1)");
ABSL_FLAG(std::string, schedule, "", "run: sequential (default) or overlapped");
ABSL_FLAG(std::string, export_streams, "", "run: export chip_<k>_in/out.txt here");
ABSL_FLAG(bool, no_baseline, false, "run: skip the ideal-chip baseline");
ABSL_FLAG(bool, cost_only, false,
          "run: cost a scaled-out workload (alexnet, vgg16, resnet50, lstm_lm) on "
          "accel_rram_28nm without arithmetic; with --memsize_mib or --chips");
ABSL_FLAG(double, link_factor, 1, "run --cost_only: the paper's link worsened F times");
ABSL_FLAG(std::string, endurer, "",
          "run: NVM wear levelling of the chips (activations in NVM): none (count writes), "
          "endurer (cache + local remaps) or distributed (also chip swaps); default off");
ABSL_FLAG(int, remap_period, -1, "run --endurer: inferences between local remaps (default 1; "
          "0 = never)");
ABSL_FLAG(std::string, swap_policy, "",
          "run --endurer: TAU/EPS/C preset default|svhn|d2nn|lstm (default: the workload's)");
ABSL_FLAG(double, endurer_c, -1, "run --endurer: override the swap threshold offset C (writes)");
ABSL_FLAG(uint64_t, endurer_seed, 0, "run --endurer: seed of the remap shifts (default 12345)");
ABSL_FLAG(bool, progress, true, "run: progress bar on a terminal");
ABSL_FLAG(int64_t, run, 0, "report/trace/compare: run id");
ABSL_FLAG(int64_t, experiment, 0, "report: experiment id (its latest run)");
ABSL_FLAG(int64_t, against, 0, "compare: the other run (default: the run's baseline)");
ABSL_FLAG(std::string, table, "", "trace export: table name");
ABSL_FLAG(std::string, out, "", "trace export: output file (default stdout)");
ABSL_FLAG(int, limit, 0, "list: at most N experiments (default 50)");

namespace {

constexpr char kUsage[] =
    "usage: illusionctl <command> [flags]\n"
    "commands:\n"
    "  golden   run the golden model of all four workloads on their reference\n"
    "           samples; print class and per-inference time\n"
    "           flags: --reference_dir=DIR --repeat=N --json\n"
    "  partition partition a workload\n"
    "           flags: --workload=NAME --strategy=paper|greedy|ideal [--chips=N]\n"
    "                  [--memsize_mib=M] [--format=table|json|paper-csv] [--d2nn_nv]\n"
    "  run      run an experiment: --workload=NAME [--strategy --chips --memsize_mib\n"
    "           --chip_model --backend --weights=DIR --input=FILE --inferences=K\n"
    "           --schedule --export_streams=DIR --json] [--local|--coordinator=ADDR]\n"
    "           [--endurer=none|endurer|distributed --remap_period=N\n"
    "            --swap_policy=NAME --endurer_c=C --endurer_seed=S]\n"
    "           run --cost_only --workload=alexnet|vgg16|resnet50|lstm_lm\n"
    "               --memsize_mib=M|--chips=N [--link_factor=F] [--json]\n"
    "           costs a scaled-out system without arithmetic (1,000 chips in ms)\n"
    "  report   --run=ID | --experiment=ID [--json]\n"
    "  list     [--limit=N] [--json]\n"
    "  trace export --run=ID --table=NAME [--format=csv|json] [--out=FILE]\n"
    "  compare  --run=A [--against=B] [--json]\n"
    "  reproduce --table=measured|scaled_out [--json] [--figures=DIR]\n"
    "           the paper's numbers next to ours, row by row, with tolerances\n"
    "           and SVG figures (illusionctl reproduce --help)\n"
    "  endurance replay --trace=FILE [--remap_period=N] [--seed=S] [--json]\n"
    "           replay an NVM write trace through the ENDURER remapper\n"
    "  endurance study --workload=d2nn [--source=measured|model] [--db=FILE] [--json]\n"
    "           accuracy and stuck bits vs time without and with ENDURER, recorded in the store\n"
    "  endurance list | show --study=ID   the recorded studies\n"
    "           (illusionctl endurance --help for every flag)";

using illusion::clients::DefaultReferenceDir;

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
  if (options.format.empty()) options.format = "table";
  absl::StatusOr<std::string> out = illusion::clients::RunPartitionCommand(options);
  if (!out.ok()) {
    std::cerr << "illusionctl partition: " << out.status().message() << "\n";
    return 1;
  }
  std::cout << *out;
  return 0;
}

illusion::clients::CoordinatorCommandOptions CoordinatorFlags() {
  illusion::clients::CoordinatorCommandOptions o;
  o.coordinator = absl::GetFlag(FLAGS_coordinator);
  o.database = absl::GetFlag(FLAGS_database);
  o.chipd = absl::GetFlag(FLAGS_chipd);
  o.json = absl::GetFlag(FLAGS_json);
  o.progress = absl::GetFlag(FLAGS_progress);
  o.name = absl::GetFlag(FLAGS_name);
  o.workload = absl::GetFlag(FLAGS_workload);
  o.strategy = absl::GetFlag(FLAGS_strategy);
  o.chips = absl::GetFlag(FLAGS_chips);
  o.memsize_mib = absl::GetFlag(FLAGS_memsize_mib);
  o.d2nn_nv = absl::GetFlag(FLAGS_d2nn_nv);
  o.chip_model = absl::GetFlag(FLAGS_chip_model);
  o.backend = absl::GetFlag(FLAGS_backend);
  o.chip_endpoints = absl::GetFlag(FLAGS_chip_endpoints);
  o.weights = absl::GetFlag(FLAGS_weights);
  o.input = absl::GetFlag(FLAGS_input);
  o.initial_h = absl::GetFlag(FLAGS_initial_h);
  o.initial_c = absl::GetFlag(FLAGS_initial_c);
  o.inferences = absl::GetFlag(FLAGS_inferences);
  o.seed = absl::GetFlag(FLAGS_seed);
  o.schedule = absl::GetFlag(FLAGS_schedule);
  o.export_streams = absl::GetFlag(FLAGS_export_streams);
  o.no_baseline = absl::GetFlag(FLAGS_no_baseline);
  o.endurer = absl::GetFlag(FLAGS_endurer);
  o.remap_period = absl::GetFlag(FLAGS_remap_period);
  o.swap_policy = absl::GetFlag(FLAGS_swap_policy);
  o.endurer_c = absl::GetFlag(FLAGS_endurer_c);
  o.endurer_seed = absl::GetFlag(FLAGS_endurer_seed);
  o.run = absl::GetFlag(FLAGS_run);
  o.experiment = absl::GetFlag(FLAGS_experiment);
  o.against = absl::GetFlag(FLAGS_against);
  o.table = absl::GetFlag(FLAGS_table);
  o.format = absl::GetFlag(FLAGS_format);
  o.out = absl::GetFlag(FLAGS_out);
  o.limit = absl::GetFlag(FLAGS_limit);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  // `endurance` parses its own flags (--trace, --remap_period, ...).
  if (argc >= 2 && std::string(argv[1]) == "endurance") {
    return illusion::clients::RunEnduranceCommand(
        std::vector<std::string>(argv + 2, argv + argc), std::cout, std::cerr);
  }
  // So does `reproduce` (--table, --figures, ...).
  if (argc >= 2 && std::string(argv[1]) == "reproduce") {
    return illusion::clients::RunReproduceCommand(
        std::vector<std::string>(argv + 2, argv + argc), std::cout, std::cerr);
  }
  absl::SetProgramUsageMessage(kUsage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  illusion::common::TurnOffMutexDeadlockDetection();
  if (args.size() < 2) {
    std::cerr << kUsage << "\n";
    return 2;
  }
  const std::string command = args[1];
  if (command == "golden") return RunGolden();
  if (command == "partition") return RunPartition();
  if (absl::GetFlag(FLAGS_local) && !absl::GetFlag(FLAGS_coordinator).empty()) {
    std::cerr << "illusionctl: --local contradicts --coordinator="
              << absl::GetFlag(FLAGS_coordinator) << "; give one\n";
    return 2;
  }
  namespace cl = illusion::clients;
  if (command == "run" && absl::GetFlag(FLAGS_cost_only)) {
    cl::CostOnlyRunOptions o;
    o.workload = absl::GetFlag(FLAGS_workload);
    o.memsize_mib = absl::GetFlag(FLAGS_memsize_mib);
    o.chips = absl::GetFlag(FLAGS_chips);
    o.link_factor = absl::GetFlag(FLAGS_link_factor);
    o.json = absl::GetFlag(FLAGS_json);
    return cl::RunCostOnlyCommand(o, std::cout, std::cerr);
  }
  if (command == "run") return cl::RunRunCommand(CoordinatorFlags(), std::cout, std::cerr);
  if (command == "report") return cl::RunReportCommand(CoordinatorFlags(), std::cout, std::cerr);
  if (command == "list") return cl::RunListCommand(CoordinatorFlags(), std::cout, std::cerr);
  if (command == "compare") return cl::RunCompareCommand(CoordinatorFlags(), std::cout, std::cerr);
  if (command == "trace") {
    if (args.size() < 3 || std::string(args[2]) != "export") {
      std::cerr << "illusionctl trace: expected 'trace export --run=ID --table=NAME'\n";
      return 2;
    }
    return cl::RunTraceExportCommand(CoordinatorFlags(), std::cout, std::cerr);
  }
  std::cerr << "illusionctl: unknown command '" << command << "'\n" << kUsage << "\n";
  return 2;
}
