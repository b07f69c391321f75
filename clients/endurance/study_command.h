#ifndef ILLUSION_CLIENTS_ENDURANCE_STUDY_COMMAND_H_
#define ILLUSION_CLIENTS_ENDURANCE_STUDY_COMMAND_H_

// `illusionctl endurance study`: D2NN accuracy vs calendar time (ZERO, day,
// week, month, year, ten years) without (NR) and with Distributed ENDURER
// (DE), with the measured stuck-bit maps of reference/endurer injected into
// the NVM-resident activation (clients/endurance/fault_accuracy.h); the
// lifetime gain; an ASCII plot; --csv stores every point.
//
// Exit codes: 0 ok; 2 usage error; 1 missing/malformed data (names the path).
// Stateless; thread-safe except for the progress bar on stderr.

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clients/endurance/fault_accuracy.h"

namespace illusion::clients {

inline constexpr char kStudyUsage[] =
    "usage: illusionctl endurance study --workload=d2nn [flags]\n"
    "  accuracy and stuck bits vs time (day .. ten years) without (NR) and with\n"
    "  Distributed ENDURER (DE), stuck-at faults injected into the NVM activation\n"
    "flags:\n"
    "  --workload=d2nn        workload (only d2nn: the kit's measured maps)\n"
    "  --source=measured      stuck bits from endurer/stuck_bits_list_processed.csv\n"
    "  --reference_dir=DIR    kit root (default $ILLUSION_REFERENCE_DIR or ../shared/reference)\n"
    "  --test_set=FILE        int8 1x28x28 images (default <kit>/illusion/datasets/mnist_test_inputs.bin)\n"
    "  --test_labels=FILE     uint8 labels (default: the matching *_labels.bin)\n"
    "  --limit=N              first N test images (default all)\n"
    "  --accuracy_drop=P      lifetime = last time accuracy >= clean - P points (default 2)\n"
    "  --csv=FILE             write every point as CSV\n"
    "  --json                 one JSON object instead of text\n";

struct StudyFlags {
  std::string workload = "d2nn";
  std::string source = "measured";
  std::string reference_dir;  // empty: environment / default
  std::string test_set;
  std::string test_labels;
  int limit = 0;
  double accuracy_drop = 2.0;
  std::string csv;
  bool json = false;
  bool help = false;
};

// InvalidArgument (usage error) for unknown flags or bad values.
absl::StatusOr<StudyFlags> ParseStudyFlags(const std::vector<std::string>& args);

struct StudyPoint {
  std::string scheme;  // "NR" or "DE"
  int timepoint = 0;   // index into kTimepoints
  int mask_chip = 0;
  int mask_stuck_bits = 0;
  std::vector<int> stuck_bits_per_chip;  // all measured failures at t, chips 0..7
  AccuracyResult accuracy;
};

struct StudyResult {
  std::vector<StudyPoint> points;  // NR t0..t5, then DE t0..t5
  int nr_lifetime_days = 0;        // last timepoint within the accuracy drop
  int de_lifetime_days = 0;
  bool de_survives_all = false;
};

// Lifetime (days) of one scheme: the last timepoint before the first whose
// accuracy is below clean - drop (clean = the ZERO point).
int LifetimeDays(const std::vector<StudyPoint>& scheme_points, double drop, bool* survives_all);

std::string FormatStudyText(const StudyFlags& flags, const StudyResult& result);
std::string FormatStudyJson(const StudyFlags& flags, const StudyResult& result);
std::string FormatStudyCsv(const StudyResult& result);

// `illusionctl endurance study ARGS` (args after "study").
int RunEnduranceStudy(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace illusion::clients

#endif  // ILLUSION_CLIENTS_ENDURANCE_STUDY_COMMAND_H_
