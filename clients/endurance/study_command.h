#ifndef ILLUSION_CLIENTS_ENDURANCE_STUDY_COMMAND_H_
#define ILLUSION_CLIENTS_ENDURANCE_STUDY_COMMAND_H_

// `illusionctl endurance study`: D2NN accuracy vs calendar time (ZERO, day,
// week, month, year, ten years) without (NR) and with Distributed ENDURER
// (DE), with stuck-at faults injected into the NVM-resident activation
// (clients/endurance/fault_accuracy.h): either the measured stuck-bit maps
// of reference/endurer (--source=measured) or stuck bits of the seeded wear
// model after fast-forwarding the per-inference write pattern
// (--source=model, clients/endurance/model_study.h); the lifetime gain; an
// ASCII plot. Every point is stored in the trace store as it is computed
// (endurance_studies / endurance_points, store/trace_store.h; --db, default
// the trace store's default path; --no_store to skip), and --csv writes them
// as CSV too. `endurance list` / `endurance show --study=ID`
// (clients/endurance/study_store_command.h) read them back.
//
// Exit codes: 0 ok; 2 usage error; 1 missing/malformed data (names the path).
// Stateless; thread-safe except for the progress bar on stderr.

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clients/endurance/fault_accuracy.h"

namespace illusion::clients {

inline constexpr char kStudyUsage[] =
    "usage: illusionctl endurance study --workload=d2nn [--source=measured|model] [flags]\n"
    "  accuracy and stuck bits vs time (day .. ten years) without (NR) and with\n"
    "  Distributed ENDURER (DE), stuck-at faults injected into the NVM activation\n"
    "  (D2NN n1_conv2: 216 16-bit words written once per inference)\n"
    "flags:\n"
    "  --workload=d2nn        workload (only d2nn: the kit's measured maps and write pattern)\n"
    "  --source=S             measured (default): stuck bits of endurer/stuck_bits_list_processed.csv;\n"
    "                         model: fast-forward the per-inference write pattern with the wear model\n"
    "  --reference_dir=DIR    kit root (default $ILLUSION_REFERENCE_DIR or ../shared/reference)\n"
    "  --test_set=FILE        int8 1x28x28 images (default <kit>/illusion/datasets/mnist_test_inputs.bin)\n"
    "  --test_labels=FILE     uint8 labels (default: the matching *_labels.bin)\n"
    "  --limit=N              first N test images (default all)\n"
    "  --accuracy_drop=P      failure threshold = fault-free accuracy - P points (default 2);\n"
    "                         lifetime = the last checkpoint at or above the threshold: from the\n"
    "                         next checkpoint on the accuracy stays below it (early dips that\n"
    "                         recover do not end the life); a scheme still at or above it at\n"
    "                         the last checkpoint survives (gain printed as a lower bound)\n"
    "  --csv=FILE             also write every point as CSV\n"
    "  --db=FILE              trace store the study and its points are recorded in (default\n"
    "                         $ILLUSION_DB, else $XDG_DATA_HOME/illusion/traces.db, else\n"
    "                         ~/.local/share/illusion/traces.db); read back with\n"
    "                         illusionctl endurance show --study=ID\n"
    "  --no_store             do not record the study\n"
    "  --figures=DIR          write accuracy_vs_time.svg and stuck_bits_vs_time.svg there\n"
    "  --json                 one JSON object instead of text\n"
    "--source=model only:\n"
    "  --years=Y              horizon in years of 365 days, (0, 100] (default 10); checkpoints\n"
    "                         ZERO DAY WEEK MONTH YEAR TENYEAR up to Y, plus Y itself\n"
    "  --inference_rate=R     inferences per HOUR, (0, 1e7] (default 750 = the paper's 4.8 s each)\n"
    "  --remap_period_hours=H local-remap period and simulation step, [0.01, 8760] (default 4)\n"
    "  --chips=N              chips (segments of 2048 words), [1, 64] (default 8)\n"
    "  --seed=S               wear-model seed (bit lifetimes, stuck values); remap shifts use S+1\n"
    "                         (default 1); NR and DE share the same drawn chips\n"
    "  --endurance_median=W   median bit lifetime in word writes, [1, 1e15] (default 2.4e9, D2NN fit)\n"
    "  --endurance_sigma=S    log-normal sigma of the lifetime, [0, 10] (default 2.1)\n"
    "  --stuck_at_one=F       share of failures stuck at 1, [0, 1] (default 0.99)\n";

struct StudyFlags {
  std::string workload = "d2nn";
  std::string source = "measured";  // or "model"
  std::string reference_dir;        // empty: environment / default
  std::string test_set;
  std::string test_labels;
  int limit = 0;
  double accuracy_drop = 2.0;
  std::string csv;
  std::string db;         // empty: store::TraceStore::DefaultPath()
  std::string figures;    // empty: no SVG figures
  bool no_store = false;
  bool json = false;
  bool help = false;
  // --source=model.
  double years = 10;
  double inference_rate_per_hour = 750;
  double remap_period_hours = 4;
  int chips = 8;
  uint64_t seed = 1;
  double endurance_median = 2.4e9;
  double endurance_sigma = 2.1;
  double stuck_at_one = 0.99;
};

// InvalidArgument (usage error) for unknown flags or bad values; the
// message names the flag, the value and the allowed range.
absl::StatusOr<StudyFlags> ParseStudyFlags(const std::vector<std::string>& args);

struct StudyPoint {
  std::string scheme;  // "NR" or "DE"
  int timepoint = 0;   // measured: index into kTimepoints
  std::string label;   // ZERO, DAY, ..., TENYEAR, or "<Y>YEAR"
  double days = 0;     // cumulative days
  int mask_chip = 0;   // physical chip whose stuck bits mask the activation
  int mask_stuck_bits = 0;
  std::vector<int> stuck_bits_per_chip;  // per physical chip
  AccuracyResult accuracy;
};

struct StudyResult {
  // Where the study was recorded (study_id 0: not recorded).
  int64_t study_id = 0;
  std::string db;
  AccuracyResult clean;            // no stuck bits at all
  std::vector<StudyPoint> points;  // NR in time order, then DE
  double nr_lifetime_days = 0;     // see LifetimeDays
  double de_lifetime_days = 0;
  bool nr_survives_all = false;
  bool de_survives_all = false;
  // --source=model.
  uint64_t de_swaps = 0;
  uint64_t periods = 0;
};

// Lifetime (days) of one scheme's points (time order): threshold = clean -
// drop; the lifetime is the days of the LAST point at or above the
// threshold, so every later point is below it (the accuracy never
// recovers); 0 when no point is. `survives_all` is set when the last point
// is at or above the threshold (the lifetime is then only a lower bound).
double LifetimeDays(const std::vector<StudyPoint>& scheme_points, double clean_pct, double drop,
                    bool* survives_all);

// "DE/NR" lifetime gain in words, e.g. ">= 121.7x (DE 3650+ days vs NR 30
// days)"; never a ratio when NR's lifetime is 0 or both survive.
std::string LifetimeGainText(const StudyResult& result);

// The flags that define a study (not --csv/--db/--json) as a JSON object,
// stored as the study's config; StudyFlagsFromConfigJson is the inverse
// (INVALID_ARGUMENT naming the key for a malformed document).
std::string StudyConfigJson(const StudyFlags& flags);
absl::StatusOr<StudyFlags> StudyFlagsFromConfigJson(absl::string_view json);

// Chips of a study's stuck_bits_per_chip (8 for the measured maps).
int StudyChips(const StudyFlags& flags);

// The summary fields the store keeps of a finished study as JSON (survival
// flags, swaps, periods, the clean run's high-path count, the gain text);
// ApplyStudySummaryJson sets them back on `result`.
std::string StudySummaryJson(const StudyFlags& flags, const StudyResult& result);
absl::Status ApplyStudySummaryJson(absl::string_view json, StudyResult& result);

std::string FormatStudyText(const StudyFlags& flags, const StudyResult& result);
std::string FormatStudyJson(const StudyFlags& flags, const StudyResult& result);
std::string FormatStudyCsv(const StudyResult& result);

// `illusionctl endurance study ARGS` (args after "study").
int RunEnduranceStudy(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace illusion::clients

#endif  // ILLUSION_CLIENTS_ENDURANCE_STUDY_COMMAND_H_
