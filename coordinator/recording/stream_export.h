#ifndef ILLUSION_COORDINATOR_RECORDING_STREAM_EXPORT_H_
#define ILLUSION_COORDINATOR_RECORDING_STREAM_EXPORT_H_

// Export of the chips' word streams of a run in the paper's text format
// (workloads.md §3.1, the upstream illusion_testing/ios/ files that the RTL
// testbench and the FPGA power scripts load): `chip_<k>_in.txt` and
// `chip_<k>_out.txt`, one lowercase 4-hex-digit word per line, each line
// ending in '\n' (partitioner::FormatWordText).
//
// The words are those of InferenceRecord::chips, i.e. the reference
// messages*.json "in_generated" / "out_generated" streams:
//   in  = [own mode word][payload][0000]
//   out = [destination][payload]... with no FFFF end sentinel (the upstream
//         out files usually carry one that the chip never sends).
// A chip that does not run in an inference (e.g. the d2nn path not taken)
// gets no files, as it has no entry in the reference streams.
//
// A physical chip that wakes several times in one inference (the d2nn 8-chip
// NV high path: wake-up "0" and, resumed, "00") gets its streams
// concatenated in execution order: exactly the words that chip reads from and
// writes to its port during the inference, each wake-up's input ending in its
// own 0000 terminator. The upstream ios instead keep the second wake-up apart
// as chip_00_{in,out}_NV.txt; StreamExportOptions::split_wake_ups writes that
// layout (one file pair per wake-up, named by its label).
//
// Folder layout of a run (ExportStreams):
//   KWS LSTM     <dir>/step_<s>/ per inference s: each inference of the run is
//                one time step of every chip (always, even for one step);
//   others, K=1  <dir>/ directly;
//   others, K>1  <dir>/inference_<i>/.
// Directories are created as needed; existing files of the same name are
// overwritten, other files are left alone.
//
// Free functions, no state: thread-safe (concurrent exports must use
// distinct directories).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "coordinator/run_record.h"
#include "nn/workloads.h"

namespace illusion::coordinator {

// Plain copyable struct.
struct StreamExportOptions {
  // One file pair per wake-up, chip_<label>_{in,out}.txt (upstream ios
  // layout for chips that wake twice), instead of one per physical chip.
  // Default false.
  bool split_wake_ups = false;
};

// The sub-folder of inference `inference` of `inferences` (see above):
// "step_<s>", "inference_<i>", or "" for the directory itself.
std::string StreamFolder(nn::Workload workload, int inferences, int inference);

// Writes the streams of one inference into `dir` (created with its parents).
// InvalidArgument when num_chips < 1 or a wake-up ran on a chip outside
// [0, num_chips) (naming the wake-up, the chip and the range), or, with
// split_wake_ups, a label that is not [0-9A-Za-z_-]+; Internal/NotFound/
// PermissionDenied naming the path when a directory or file cannot be
// written.
absl::Status ExportInferenceStreams(const InferenceRecord& inference, int num_chips,
                                    const std::string& dir,
                                    const StreamExportOptions& options = {});

// Writes every completed inference of `record` (record.inferences) under
// `dir` in the layout of `workload`. InvalidArgument for a record without
// inferences; otherwise as ExportInferenceStreams, prefixed with the
// inference ("inference 1: ...").
absl::Status ExportStreams(const RunRecord& record, int num_chips, nn::Workload workload,
                           const std::string& dir, const StreamExportOptions& options = {});

// Reads one stream file: one 4-hex-digit word per line (either case),
// blank lines and trailing '\r' or spaces skipped; words are returned as
// written (an upstream FFFF sentinel is kept: see
// partitioner::ParseWordText to strip it). NotFound when the file does not
// exist; InvalidArgument naming the file, the line number and its text for a
// malformed line.
absl::StatusOr<std::vector<uint16_t>> ReadStreamFile(const std::string& path);

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_RECORDING_STREAM_EXPORT_H_
