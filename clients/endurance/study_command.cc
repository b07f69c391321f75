#include "clients/endurance/study_command.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "clients/endurance/flag_args.h"
#include "clients/endurance/model_study.h"
#include "clients/endurance/study_figures.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "clients/reference_dir.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"
#include "nn/raw_file.h"
#include "nn/weights.h"
#include "nn/workloads.h"
#include "store/records.h"
#include "store/trace_store.h"

namespace illusion::clients {
namespace {

constexpr char kPrefix[] = "illusionctl endurance study: ";
constexpr int kChips = 8;

absl::Status Bad(absl::string_view flag, absl::string_view value, absl::string_view want) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": '", value, "' is not ", want));
}

// A finite number in (lo, hi] or [lo, hi].
bool Number(absl::string_view text, double lo, bool lo_inclusive, double hi, double* out) {
  double v = 0;
  if (!absl::SimpleAtod(text, &v) || !std::isfinite(v)) return false;
  if (v > hi || v < lo || (!lo_inclusive && v == lo)) return false;
  *out = v;
  return true;
}


std::string Bar(double fraction, int width, char fill) {
  const int n = std::clamp(static_cast<int>(std::lround(fraction * width)), 0, width);
  return std::string(n, fill) + std::string(width - n, ' ');
}

int TotalStuck(const StudyPoint& p) {
  int s = 0;
  for (int c : p.stuck_bits_per_chip) s += c;
  return s;
}

std::vector<StudyPoint> SchemePoints(const StudyResult& r, absl::string_view scheme) {
  std::vector<StudyPoint> out;
  for (const StudyPoint& p : r.points) {
    if (p.scheme == scheme) out.push_back(p);
  }
  return out;
}

// Progress bar on stderr, only when it is a terminal.
class Progress {
 public:
  Progress(std::ostream& err, int total) : err_(err), total_(total), on_(isatty(STDERR_FILENO)) {}
  void Step(absl::string_view what) {
    if (on_) {
      err_ << "\r[" << Bar(static_cast<double>(done_) / total_, 30, '#') << "] " << done_ << "/"
           << total_ << " " << what << "            " << std::flush;
    }
    ++done_;
  }
  void Done() {
    if (on_) err_ << "\r[" << Bar(1, 30, '#') << "] " << total_ << "/" << total_ << " done" << std::string(24, ' ') << "\n";
  }

 private:
  std::ostream& err_;
  int total_;
  bool on_;
  int done_ = 0;
};

// Called with each point as soon as it is computed (the store records it).
using PointSink = std::function<absl::Status(const StudyPoint&)>;

struct EvalInputs {
  TestSet set;
  nn::Graph graph;
  nn::WeightMap weights;
};

absl::StatusOr<EvalInputs> LoadEvalInputs(const StudyFlags& flags, const std::string& ref) {
  const std::string inputs =
      flags.test_set.empty() ? ref + "/illusion/datasets/mnist_test_inputs.bin" : flags.test_set;
  std::string labels = flags.test_labels;
  if (labels.empty()) {
    labels = inputs;
    const size_t at = labels.rfind("_inputs.bin");
    if (at == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("--test_labels is required when --test_set (", inputs,
                       ") does not end in _inputs.bin"));
    }
    labels.replace(at, 11, "_labels.bin");
  }
  ASSIGN_OR_RETURN(TestSet set, ReadTestSet(inputs, labels));
  ASSIGN_OR_RETURN(nn::Graph graph, nn::BuildWorkloadGraph(nn::Workload::kD2nn));
  ASSIGN_OR_RETURN(nn::WeightMap weights,
                   nn::LoadWeightsFromDir(graph, ref + "/illusion/d2nn/weights",
                                          nn::WorkloadWeightLayout(nn::Workload::kD2nn)));
  return EvalInputs{std::move(set), std::move(graph), std::move(weights)};
}

absl::StatusOr<AccuracyResult> Evaluate(const EvalInputs& in, const ActivationMask& mask,
                                        int limit) {
  return EvaluateD2nnWithActivationFaults(in.graph, in.weights, in.set, mask, limit);
}

ActivationMask NoFaults() {
  ActivationMask m;
  m.and_mask.assign(kD2nnActivationWords, 0xFFFF);
  m.or_mask.assign(kD2nnActivationWords, 0);
  return m;
}

absl::Status RunMeasured(const StudyFlags& flags, const std::string& ref, const EvalInputs& in,
                         const PointSink& sink, std::ostream& err, StudyResult& result) {
  const std::string stuck_path = ref + "/endurer/stuck_bits_list_processed.csv";
  const std::string states_path = ref + "/endurer/end_states.csv";
  ASSIGN_OR_RETURN(std::string stuck_text, nn::ReadRawFile(stuck_path));
  ASSIGN_OR_RETURN(std::string states_text, nn::ReadRawFile(states_path));
  ASSIGN_OR_RETURN(std::vector<StuckBit> nr, ParseStuckBitsCsv(stuck_text, "d2nn", "NR", stuck_path));
  ASSIGN_OR_RETURN(std::vector<StuckBit> de, ParseStuckBitsCsv(stuck_text, "d2nn", "DE", stuck_path));
  ASSIGN_OR_RETURN(std::vector<int> de_chips, D2nnDeMaskChips(states_text, states_path));
  Progress progress(err, 1 + 2 * kNumTimepoints);
  progress.Step("fault-free");
  ASSIGN_OR_RETURN(result.clean, Evaluate(in, NoFaults(), flags.limit));
  for (int s = 0; s < 2; ++s) {
    const bool is_de = s == 1;
    const std::vector<StuckBit>& bits = is_de ? de : nr;
    for (int t = 0; t < kNumTimepoints; ++t) {
      progress.Step(absl::StrCat(is_de ? "DE " : "NR ", kTimepoints[t]));
      StudyPoint p;
      p.scheme = is_de ? "DE" : "NR";
      p.timepoint = t;
      p.label = kTimepoints[t];
      p.days = kTimepointDays[t];
      p.mask_chip = is_de ? de_chips[t] : 0;
      const ActivationMask mask = BuildActivationMask(
          bits, p.mask_chip, is_de ? kD2nnDeActivationBase : kD2nnNrActivationBase,
          kD2nnActivationWords, t);
      p.mask_stuck_bits = mask.stuck_bits;
      p.stuck_bits_per_chip.assign(kChips, 0);
      for (const StuckBit& b : bits) {
        if (b.first_timepoint <= t && b.chip < kChips) ++p.stuck_bits_per_chip[b.chip];
      }
      ASSIGN_OR_RETURN(p.accuracy, Evaluate(in, mask, flags.limit));
      RETURN_IF_ERROR(sink(p));
      result.points.push_back(std::move(p));
    }
  }
  progress.Done();
  return absl::OkStatus();
}

absl::Status RunModel(const StudyFlags& flags, const EvalInputs& in, const PointSink& sink,
                      std::ostream& err, StudyResult& result) {
  ModelStudyOptions o;
  o.chips = static_cast<uint32_t>(flags.chips);
  o.years = flags.years;
  o.inferences_per_hour = flags.inference_rate_per_hour;
  o.remap_period_hours = flags.remap_period_hours;
  o.seed = flags.seed;
  o.wear = {flags.endurance_median, flags.endurance_sigma, flags.stuck_at_one};
  const int checkpoints = static_cast<int>(StudyCheckpoints(flags.years).size());
  Progress progress(err, 2 + 2 * checkpoints);
  progress.Step(absl::StrCat("simulating ", flags.years, " years of writes (NR, DE)"));
  ASSIGN_OR_RETURN(ModelWearResult wear, SimulateD2nnActivationWear(o));
  result.de_swaps = wear.de_swaps;
  result.periods = wear.periods;
  progress.Step("fault-free");
  ASSIGN_OR_RETURN(result.clean, Evaluate(in, NoFaults(), flags.limit));
  for (int s = 0; s < 2; ++s) {
    const bool is_de = s == 1;
    const std::vector<ModelCheckpoint>& cps = is_de ? wear.de : wear.nr;
    for (size_t t = 0; t < cps.size(); ++t) {
      const ModelCheckpoint& c = cps[t];
      progress.Step(absl::StrCat(is_de ? "DE " : "NR ", c.label));
      StudyPoint p;
      p.scheme = is_de ? "DE" : "NR";
      p.timepoint = static_cast<int>(t);
      p.label = c.label;
      p.days = c.hours / 24.0;
      p.mask_chip = c.activation_chip;
      p.mask_stuck_bits = c.mask.stuck_bits;
      p.stuck_bits_per_chip = c.stuck_bits_per_chip;
      ASSIGN_OR_RETURN(p.accuracy, Evaluate(in, c.mask, flags.limit));
      RETURN_IF_ERROR(sink(p));
      result.points.push_back(std::move(p));
    }
  }
  progress.Done();
  return absl::OkStatus();
}

absl::StatusOr<StudyResult> RunStudy(const StudyFlags& flags, const PointSink& sink,
                                     std::ostream& err) {
  const std::string ref = flags.reference_dir.empty() ? DefaultReferenceDir() : flags.reference_dir;
  StudyResult result;
  if (flags.source == "model") {
    ASSIGN_OR_RETURN(EvalInputs in, LoadEvalInputs(flags, ref));
    RETURN_IF_ERROR(RunModel(flags, in, sink, err, result));
  } else {
    // The measured maps first, so a missing kit names the endurer file.
    RETURN_IF_ERROR(nn::ReadRawFile(ref + "/endurer/stuck_bits_list_processed.csv").status());
    ASSIGN_OR_RETURN(EvalInputs in, LoadEvalInputs(flags, ref));
    RETURN_IF_ERROR(RunMeasured(flags, ref, in, sink, err, result));
  }
  const double clean = result.clean.accuracy_pct();
  result.nr_lifetime_days =
      LifetimeDays(SchemePoints(result, "NR"), clean, flags.accuracy_drop, &result.nr_survives_all);
  result.de_lifetime_days =
      LifetimeDays(SchemePoints(result, "DE"), clean, flags.accuracy_drop, &result.de_survives_all);
  return result;
}

std::optional<double> GainValue(const StudyResult& r) {
  if (r.nr_survives_all || r.nr_lifetime_days <= 0) return std::nullopt;
  return r.de_lifetime_days / r.nr_lifetime_days;
}

}  // namespace

double LifetimeDays(const std::vector<StudyPoint>& pts, double clean_pct, double drop,
                    bool* survives_all) {
  *survives_all = false;
  const double threshold = clean_pct - drop;
  double days = 0;
  for (size_t i = 0; i < pts.size(); ++i) {
    if (pts[i].accuracy.accuracy_pct() >= threshold) {
      days = pts[i].days;
      if (i + 1 == pts.size()) *survives_all = true;
    }
  }
  return days;
}

std::string LifetimeGainText(const StudyResult& r) {
  const std::string de_days = absl::StrCat(absl::StrFormat("%g", r.de_lifetime_days),
                                           r.de_survives_all ? "+" : "");
  const std::string nr_days = absl::StrCat(absl::StrFormat("%g", r.nr_lifetime_days),
                                           r.nr_survives_all ? "+" : "");
  if (r.nr_survives_all) {
    return absl::StrCat("n/a: NR stays within the threshold up to the horizon (DE ", de_days,
                        " days vs NR ", nr_days, " days)");
  }
  if (r.nr_lifetime_days <= 0) {
    if (r.de_lifetime_days <= 0) return "n/a: both below the threshold from the first checkpoint";
    return absl::StrCat("unbounded: NR below the threshold from the first checkpoint after ZERO (DE ",
                        de_days, " days)");
  }
  return absl::StrFormat("%s%.1fx (DE %s days vs NR %s days)", r.de_survives_all ? ">= " : "",
                         *GainValue(r), de_days, nr_days);
}

absl::StatusOr<StudyFlags> ParseStudyFlags(const std::vector<std::string>& args) {
  StudyFlags f;
  std::string model_flag;  // the last --source=model-only flag given
  for (size_t i = 0; i < args.size(); ++i) {
    ASSIGN_OR_RETURN(FlagArgument flag, SplitFlagArgument(args, i));
    const std::string& name = flag.name;
    const std::string& value = flag.value;
    if (name == "help" && !flag.has_value) {
      f.help = true;
      continue;
    }
    if (name == "json" || name == "no_store") {
      ASSIGN_OR_RETURN(bool on, BooleanFlagValue(flag));
      (name == "json" ? f.json : f.no_store) = on;
      continue;
    }
    static const char* const kKnown[] = {
        "workload", "source", "reference_dir", "test_set", "test_labels", "limit",
        "accuracy_drop", "csv", "db", "figures", "years", "inference_rate", "remap_period_hours", "chips", "seed",
        "endurance_median", "endurance_sigma", "stuck_at_one"};
    if (std::find_if(std::begin(kKnown), std::end(kKnown),
                     [&](const char* k) { return name == k; }) == std::end(kKnown)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag '--", name, "'"));
    }
    RETURN_IF_ERROR(TakeFlagValue(args, &i, &flag));
    if (name == "workload") {
      if (value != "d2nn") {
        return Bad(name, value, "d2nn (the only workload with measured stuck-bit maps, a "
                                "recomputed accuracy reference and a documented write pattern)");
      }
      f.workload = value;
    } else if (name == "source") {
      if (value != "measured" && value != "model") return Bad(name, value, "measured or model");
      f.source = value;
    } else if (name == "years") {
      if (!Number(value, 0, false, 100, &f.years)) return Bad(name, value, "a number in (0, 100]");
      model_flag = name;
    } else if (name == "inference_rate") {
      if (!Number(value, 0, false, 1e7, &f.inference_rate_per_hour)) {
        return Bad(name, value, "a rate in inferences per hour in (0, 1e7]");
      }
      model_flag = name;
    } else if (name == "remap_period_hours") {
      if (!Number(value, 0.01, true, 8760, &f.remap_period_hours)) {
        return Bad(name, value, "a number of hours in [0.01, 8760]");
      }
      model_flag = name;
    } else if (name == "chips") {
      if (!absl::SimpleAtoi(value, &f.chips) || f.chips < 1 || f.chips > 64) {
        return Bad(name, value, "an integer in [1, 64]");
      }
      model_flag = name;
    } else if (name == "seed") {
      if (!absl::SimpleAtoi(value, &f.seed)) return Bad(name, value, "an integer in [0, 2^64)");
      model_flag = name;
    } else if (name == "endurance_median") {
      if (!Number(value, 1, true, 1e15, &f.endurance_median)) {
        return Bad(name, value, "a number of word writes in [1, 1e15]");
      }
      model_flag = name;
    } else if (name == "endurance_sigma") {
      if (!Number(value, 0, true, 10, &f.endurance_sigma)) {
        return Bad(name, value, "a number in [0, 10]");
      }
      model_flag = name;
    } else if (name == "stuck_at_one") {
      if (!Number(value, 0, true, 1, &f.stuck_at_one)) {
        return Bad(name, value, "a fraction in [0, 1]");
      }
      model_flag = name;
    } else if (name == "reference_dir") {
      f.reference_dir = value;
    } else if (name == "test_set") {
      f.test_set = value;
    } else if (name == "test_labels") {
      f.test_labels = value;
    } else if (name == "limit") {
      if (!absl::SimpleAtoi(value, &f.limit) || f.limit < 0) {
        return Bad(name, value, "a non-negative integer");
      }
    } else if (name == "accuracy_drop") {
      if (!absl::SimpleAtod(value, &f.accuracy_drop) || !std::isfinite(f.accuracy_drop) ||
          f.accuracy_drop < 0) {
        return Bad(name, value, "a finite number >= 0");
      }
    } else if (name == "csv") {
      if (value.empty()) return Bad(name, value, "a file name");
      f.csv = value;
    } else if (name == "db") {
      if (value.empty()) return Bad(name, value, "a file name");
      f.db = value;
    } else if (name == "figures") {
      if (value.empty()) return Bad(name, value, "a directory");
      f.figures = value;
    }
  }
  if (f.no_store && !f.db.empty()) {
    return absl::InvalidArgumentError("--no_store contradicts --db=" + f.db + "; give one");
  }
  if (!model_flag.empty() && f.source != "model") {
    return absl::InvalidArgumentError(
        absl::StrCat("--", model_flag, " applies only to --source=model"));
  }
  return f;
}

std::string FormatStudyCsv(const StudyResult& r) {
  std::string out =
      "scheme,timepoint,cum_days,accuracy_pct,correct,total,high_path,mask_chip,"
      "mask_stuck_bits,stuck_bits_total";
  const size_t chips = r.points.empty() ? kChips : r.points[0].stuck_bits_per_chip.size();
  for (size_t c = 0; c < chips; ++c) absl::StrAppend(&out, ",stuck_bits_chip", c);
  out += "\n";
  for (const StudyPoint& p : r.points) {
    absl::StrAppend(&out, p.scheme, ",", p.label, ",", absl::StrFormat("%g", p.days), ",",
                    absl::StrFormat("%.2f", p.accuracy.accuracy_pct()), ",", p.accuracy.correct,
                    ",", p.accuracy.total, ",", p.accuracy.high_path, ",", p.mask_chip, ",",
                    p.mask_stuck_bits, ",", TotalStuck(p));
    for (int c : p.stuck_bits_per_chip) absl::StrAppend(&out, ",", c);
    out += "\n";
  }
  return out;
}

std::string FormatStudyJson(const StudyFlags& flags, const StudyResult& r) {
  nlohmann::ordered_json j;
  j["workload"] = flags.workload;
  j["source"] = flags.source;
  if (flags.source == "model") {
    nlohmann::ordered_json m;
    m["years"] = flags.years;
    m["inference_rate_per_hour"] = flags.inference_rate_per_hour;
    m["remap_period_hours"] = flags.remap_period_hours;
    m["chips"] = flags.chips;
    m["seed"] = flags.seed;
    m["endurance_median_writes"] = flags.endurance_median;
    m["endurance_sigma"] = flags.endurance_sigma;
    m["stuck_at_one_fraction"] = flags.stuck_at_one;
    m["remap_periods"] = r.periods;
    m["de_swaps"] = r.de_swaps;
    j["model"] = m;
  }
  j["clean_accuracy_pct"] = r.clean.accuracy_pct();
  j["points"] = nlohmann::ordered_json::array();
  for (const StudyPoint& p : r.points) {
    nlohmann::ordered_json q;
    q["scheme"] = p.scheme;
    q["timepoint"] = p.label;
    q["cum_days"] = p.days;
    q["accuracy_pct"] = p.accuracy.accuracy_pct();
    q["correct"] = p.accuracy.correct;
    q["total"] = p.accuracy.total;
    q["high_path"] = p.accuracy.high_path;
    q["mask_chip"] = p.mask_chip;
    q["mask_stuck_bits"] = p.mask_stuck_bits;
    q["stuck_bits_per_chip"] = p.stuck_bits_per_chip;
    j["points"].push_back(q);
  }
  j["accuracy_drop"] = flags.accuracy_drop;
  j["accuracy_threshold_pct"] = r.clean.accuracy_pct() - flags.accuracy_drop;
  j["nr_lifetime_days"] = r.nr_lifetime_days;
  j["de_lifetime_days"] = r.de_lifetime_days;
  j["nr_survives_all"] = r.nr_survives_all;
  j["de_survives_all"] = r.de_survives_all;
  const std::optional<double> gain = GainValue(r);
  j["lifetime_gain"] = gain.has_value() ? nlohmann::ordered_json(*gain)
                                        : nlohmann::ordered_json(nullptr);
  j["lifetime_gain_is_lower_bound"] = gain.has_value() && r.de_survives_all;
  j["lifetime_gain_text"] = LifetimeGainText(r);
  if (r.study_id != 0) {
    j["study"] = {{"id", r.study_id}, {"db", r.db}};
  } else {
    j["study"] = nullptr;
  }
  return j.dump(2) + "\n";
}

std::string FormatStudyText(const StudyFlags& flags, const StudyResult& r) {
  std::string out = absl::StrCat("endurance study: ", flags.workload, ", source ", flags.source,
                                 ", ", r.clean.total, " test images, fault-free accuracy ",
                                 absl::StrFormat("%.1f", r.clean.accuracy_pct()), " %\n");
  if (flags.source == "model") {
    absl::StrAppend(
        &out,
        absl::StrFormat("model: %d chips, %g inferences/h, remap every %g h, %g years (%d "
                        "periods), seed %d; bit lifetime log-normal median %g writes, sigma %g, "
                        "%g%% stuck-at-1; DE swaps %d\n",
                        flags.chips, flags.inference_rate_per_hour, flags.remap_period_hours,
                        flags.years, r.periods, flags.seed, flags.endurance_median,
                        flags.endurance_sigma, 100 * flags.stuck_at_one, r.de_swaps));
  }
  out += "\n";
  absl::StrAppend(&out, absl::StrFormat("%-9s %7s | %8s %5s %5s %7s | %8s %5s %5s %7s\n", "time",
                                        "days", "NR acc%", "chip", "mask", "stuck", "DE acc%",
                                        "chip", "mask", "stuck"));
  const std::vector<StudyPoint> nr = SchemePoints(r, "NR"), de = SchemePoints(r, "DE");
  for (size_t t = 0; t < nr.size() && t < de.size(); ++t) {
    absl::StrAppend(
        &out, absl::StrFormat("%-9s %7g | %8.1f %5d %5d %7d | %8.1f %5d %5d %7d\n", nr[t].label,
                              nr[t].days, nr[t].accuracy.accuracy_pct(), nr[t].mask_chip,
                              nr[t].mask_stuck_bits, TotalStuck(nr[t]),
                              de[t].accuracy.accuracy_pct(), de[t].mask_chip,
                              de[t].mask_stuck_bits, TotalStuck(de[t])));
  }
  absl::StrAppend(&out, "(chip = physical chip holding the activation; mask = its stuck bits in "
                        "the NVM activation region; stuck = ",
                  flags.source == "model" ? "modelled stuck bits over all chips"
                                          : "all measured failed bits over the tested chips",
                  ")\n\n");
  absl::StrAppend(&out,
                  absl::StrFormat("lifetime (last checkpoint with accuracy >= %.1f %% = fault-free "
                                  "- %g points, never recovering after): %s\n\n",
                                  r.clean.accuracy_pct() - flags.accuracy_drop,
                                  flags.accuracy_drop, LifetimeGainText(r)));
  if (r.study_id != 0) {
    absl::StrAppend(&out, "recorded as endurance study ", r.study_id, " in ", r.db,
                    " (illusionctl endurance show --study=", r.study_id, " --db=", r.db, ")\n\n");
  }
  // ASCII plot: accuracy (0..100 %) and stuck bits (log scale) vs time.
  int max_stuck = 1;
  for (const StudyPoint& p : r.points) max_stuck = std::max(max_stuck, TotalStuck(p));
  const double log_max = std::log10(1.0 + max_stuck);
  absl::StrAppend(&out, "accuracy vs time (0..100 %)               stuck bits vs time (log, max ",
                  max_stuck, ")\n");
  for (size_t t = 0; t < nr.size() && t < de.size(); ++t) {
    for (const StudyPoint* p : {&nr[t], &de[t]}) {
      absl::StrAppend(
          &out, absl::StrFormat("%-9s %s |%s| %5.1f   |%s| %d\n",
                                p->scheme == "NR" ? p->label : "", p->scheme,
                                Bar(p->accuracy.accuracy_pct() / 100.0, 25, '#'),
                                p->accuracy.accuracy_pct(),
                                Bar(std::log10(1.0 + TotalStuck(*p)) / log_max, 20, '*'),
                                TotalStuck(*p)));
    }
  }
  return out;
}

int StudyChips(const StudyFlags& flags) { return flags.source == "model" ? flags.chips : kChips; }

std::string StudyConfigJson(const StudyFlags& flags) {
  nlohmann::ordered_json j;
  j["workload"] = flags.workload;
  j["source"] = flags.source;
  j["reference_dir"] = flags.reference_dir;
  j["test_set"] = flags.test_set;
  j["test_labels"] = flags.test_labels;
  j["limit"] = flags.limit;
  j["accuracy_drop"] = flags.accuracy_drop;
  if (flags.source == "model") {
    j["years"] = flags.years;
    j["inference_rate_per_hour"] = flags.inference_rate_per_hour;
    j["remap_period_hours"] = flags.remap_period_hours;
    j["chips"] = flags.chips;
    j["seed"] = flags.seed;
    j["endurance_median_writes"] = flags.endurance_median;
    j["endurance_sigma"] = flags.endurance_sigma;
    j["stuck_at_one_fraction"] = flags.stuck_at_one;
  }
  return j.dump();
}

namespace {

// Reads `key` of `j` into `out` when present; INVALID_ARGUMENT naming the
// key when it has the wrong type.
template <typename T>
absl::Status ReadKey(const nlohmann::json& j, const char* key, T& out) {
  if (!j.contains(key)) return absl::OkStatus();
  try {
    out = j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    return absl::InvalidArgumentError(
        absl::StrCat("study config key '", key, "' has the wrong type: ", j.at(key).dump()));
  }
  return absl::OkStatus();
}

nlohmann::json ParseObject(absl::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  return j.is_object() ? j : nlohmann::json();
}

}  // namespace

absl::StatusOr<StudyFlags> StudyFlagsFromConfigJson(absl::string_view json) {
  const nlohmann::json j = ParseObject(json);
  if (!j.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("study config is not a JSON object: '", json.substr(0, 80), "'"));
  }
  StudyFlags f;
  RETURN_IF_ERROR(ReadKey(j, "workload", f.workload));
  RETURN_IF_ERROR(ReadKey(j, "source", f.source));
  RETURN_IF_ERROR(ReadKey(j, "reference_dir", f.reference_dir));
  RETURN_IF_ERROR(ReadKey(j, "test_set", f.test_set));
  RETURN_IF_ERROR(ReadKey(j, "test_labels", f.test_labels));
  RETURN_IF_ERROR(ReadKey(j, "limit", f.limit));
  RETURN_IF_ERROR(ReadKey(j, "accuracy_drop", f.accuracy_drop));
  RETURN_IF_ERROR(ReadKey(j, "years", f.years));
  RETURN_IF_ERROR(ReadKey(j, "inference_rate_per_hour", f.inference_rate_per_hour));
  RETURN_IF_ERROR(ReadKey(j, "remap_period_hours", f.remap_period_hours));
  RETURN_IF_ERROR(ReadKey(j, "chips", f.chips));
  RETURN_IF_ERROR(ReadKey(j, "seed", f.seed));
  RETURN_IF_ERROR(ReadKey(j, "endurance_median_writes", f.endurance_median));
  RETURN_IF_ERROR(ReadKey(j, "endurance_sigma", f.endurance_sigma));
  RETURN_IF_ERROR(ReadKey(j, "stuck_at_one_fraction", f.stuck_at_one));
  return f;
}

std::string StudySummaryJson(const StudyFlags& flags, const StudyResult& r) {
  nlohmann::ordered_json j;
  j["clean_high_path"] = r.clean.high_path;
  j["accuracy_threshold_pct"] = r.clean.accuracy_pct() - flags.accuracy_drop;
  j["nr_survives_all"] = r.nr_survives_all;
  j["de_survives_all"] = r.de_survives_all;
  j["de_swaps"] = r.de_swaps;
  j["remap_periods"] = r.periods;
  j["lifetime_gain_text"] = LifetimeGainText(r);
  return j.dump();
}

absl::Status ApplyStudySummaryJson(absl::string_view json, StudyResult& r) {
  const nlohmann::json j = ParseObject(json);
  if (!j.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("study summary is not a JSON object: '", json.substr(0, 80), "'"));
  }
  RETURN_IF_ERROR(ReadKey(j, "clean_high_path", r.clean.high_path));
  RETURN_IF_ERROR(ReadKey(j, "nr_survives_all", r.nr_survives_all));
  RETURN_IF_ERROR(ReadKey(j, "de_survives_all", r.de_survives_all));
  RETURN_IF_ERROR(ReadKey(j, "de_swaps", r.de_swaps));
  RETURN_IF_ERROR(ReadKey(j, "remap_periods", r.periods));
  return absl::OkStatus();
}

namespace {

store::EndurancePointRecord ToRecord(const StudyPoint& p) {
  store::EndurancePointRecord r;
  r.scheme = p.scheme;
  r.timepoint = p.timepoint;
  r.label = p.label;
  r.cum_days = p.days;
  r.correct = p.accuracy.correct;
  r.total = p.accuracy.total;
  r.high_path = p.accuracy.high_path;
  r.mask_chip = p.mask_chip;
  r.mask_stuck_bits = p.mask_stuck_bits;
  r.stuck_bits_per_chip.assign(p.stuck_bits_per_chip.begin(), p.stuck_bits_per_chip.end());
  return r;
}

// The trace store a study is recorded in, and the study's row.
struct StudyRecording {
  std::unique_ptr<store::TraceStore> store;
  std::string path;
  int64_t id = 0;
};

absl::StatusOr<StudyRecording> StartRecording(const StudyFlags& flags) {
  StudyRecording rec;
  if (flags.db.empty()) {
    absl::StatusOr<std::string> path = store::TraceStore::DefaultPath();
    if (!path.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat(path.status().message(), "; give --db=FILE or --no_store"));
    }
    rec.path = *path;
  } else {
    rec.path = flags.db;
  }
  ASSIGN_OR_RETURN(rec.store, store::TraceStore::Open(rec.path));
  ASSIGN_OR_RETURN(rec.id, rec.store->StartEnduranceStudy(
                               {flags.workload, flags.source, StudyChips(flags),
                                StudyConfigJson(flags)}));
  return rec;
}

}  // namespace

int RunEnduranceStudy(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  absl::StatusOr<StudyFlags> flags = ParseStudyFlags(args);
  if (!flags.ok()) {
    err << kPrefix << flags.status().message() << "\n" << kStudyUsage;
    return 2;
  }
  if (flags->help) {
    out << kStudyUsage;
    return 0;
  }
  StudyRecording rec;
  if (!flags->no_store) {
    absl::StatusOr<StudyRecording> started = StartRecording(*flags);
    if (!started.ok()) {
      err << kPrefix << "recording the study: " << started.status().message() << "\n";
      return 1;
    }
    rec = *std::move(started);
  }
  const PointSink sink = [&rec](const StudyPoint& p) -> absl::Status {
    if (rec.store == nullptr) return absl::OkStatus();
    return rec.store->AppendEndurancePoints(rec.id, {ToRecord(p)});
  };
  absl::StatusOr<StudyResult> result = RunStudy(*flags, sink, err);
  if (!result.ok()) {
    err << kPrefix << result.status().message() << "\n";
    if (rec.store != nullptr) {
      const absl::Status s = rec.store->FinishEnduranceStudy(
          rec.id, store::RunStatus::kFailed, result.status().message(), nullptr);
      err << kPrefix << "endurance study " << rec.id << " in " << rec.path
          << (s.ok() ? " marked failed" : absl::StrCat(" not marked failed: ", s.message()))
          << "\n";
    }
    return 1;
  }
  if (rec.store != nullptr) {
    result->study_id = rec.id;
    result->db = rec.path;
    store::EnduranceSummary summary;
    summary.clean_accuracy_pct = result->clean.accuracy_pct();
    summary.clean_correct = result->clean.correct;
    summary.clean_total = result->clean.total;
    summary.nr_lifetime_days = result->nr_lifetime_days;
    summary.de_lifetime_days = result->de_lifetime_days;
    summary.lifetime_gain = GainValue(*result);
    summary.summary_json = StudySummaryJson(*flags, *result);
    const absl::Status s =
        rec.store->FinishEnduranceStudy(rec.id, store::RunStatus::kComplete, "", &summary);
    if (!s.ok()) {
      err << kPrefix << "finishing endurance study " << rec.id << " in " << rec.path << ": "
          << s.message() << "\n";
      return 1;
    }
  }
  if (!flags->csv.empty()) {
    std::ofstream f(flags->csv);
    f << FormatStudyCsv(*result);
    if (!f) {
      err << kPrefix << "cannot write " << flags->csv << "\n";
      return 1;
    }
  }
  out << (flags->json ? FormatStudyJson(*flags, *result) : FormatStudyText(*flags, *result));
  if (!flags->figures.empty()) {
    absl::StatusOr<std::vector<std::string>> paths =
        WriteStudyFigures(*flags, *result, flags->figures);
    if (!paths.ok()) {
      err << kPrefix << paths.status().message() << "\n";
      return 1;
    }
    for (const std::string& path : *paths) err << "figure: " << path << "\n";
  }
  return 0;
}

}  // namespace illusion::clients
