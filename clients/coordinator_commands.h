#ifndef ILLUSION_CLIENTS_COORDINATOR_COMMANDS_H_
#define ILLUSION_CLIENTS_COORDINATOR_COMMANDS_H_

// illusionctl's commands that talk to a coordinator:
//   run            one experiment; prints the per-chip timeline, energy, time
//                  and EDP vs the ideal chip, and where the trace store is
//   report         a stored run's report
//   list           experiments and their runs, newest first
//   trace export   one trace table of a run as CSV or JSON
//   compare        two runs side by side, or a run against its baseline
// Each goes to the coordinator at `coordinator` when given, else to a
// LocalCoordinator over the trace store `database` (a one-shot coordinator
// in this process; `run` then launches its chipd processes on loopback).
//
// Each returns the process exit code: 0 success, 1 the coordinator or the
// run failed, 2 a usage error; messages go to `err`, results to `out`.
// Human-readable tables by default, JSON with `json`.

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace illusion::clients {

// Plain struct of every flag these commands read. 0 / "" = not given.
struct CoordinatorCommandOptions {
  std::string coordinator;  // host:port; "" = local
  std::string database;     // local: trace store path ("" = default)
  std::string chipd;        // local: chipd binary ("" = found)
  bool json = false;
  bool progress = true;  // a progress bar on a terminal (runs over 1 s)

  // run
  std::string name;
  std::string workload;
  std::string strategy;
  int chips = 0;
  double memsize_mib = 0;
  bool d2nn_nv = false;
  std::string chip_model;
  std::string backend;  // "" = loopback
  std::vector<std::string> chip_endpoints;
  std::string weights;  // directory
  std::string input;    // file
  std::string initial_h;
  std::string initial_c;
  int inferences = 0;
  uint64_t seed = 0;  // input seed
  std::string schedule;
  std::string export_streams;  // directory
  bool no_baseline = false;
  // Wear levelling (ExperimentSpec.endurer ...); "" = off.
  std::string endurer;
  int remap_period = -1;   // -1: the default (1)
  std::string swap_policy;
  double endurer_c = -1;   // -1: the policy's
  uint64_t endurer_seed = 0;

  // report, trace export, compare
  int64_t run = 0;
  int64_t experiment = 0;
  int64_t against = 0;  // compare: the other run (0 = the run's baseline)
  std::string table;
  std::string format;  // trace export: csv (default) or json
  std::string out;     // trace export: a file ("" = stdout)
  int limit = 0;       // list
};

int RunRunCommand(const CoordinatorCommandOptions& options, std::ostream& out, std::ostream& err);
int RunReportCommand(const CoordinatorCommandOptions& options, std::ostream& out,
                     std::ostream& err);
int RunListCommand(const CoordinatorCommandOptions& options, std::ostream& out, std::ostream& err);
int RunTraceExportCommand(const CoordinatorCommandOptions& options, std::ostream& out,
                          std::ostream& err);
int RunCompareCommand(const CoordinatorCommandOptions& options, std::ostream& out,
                      std::ostream& err);

}  // namespace illusion::clients

#endif  // ILLUSION_CLIENTS_COORDINATOR_COMMANDS_H_
