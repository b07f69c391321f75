#include "clients/endurance/study_command.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <utility>

#include "clients/reference_dir.h"
#include "absl/strings/numbers.h"
#include "clients/endurance/model_study.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"
#include "nn/raw_file.h"
#include "nn/weights.h"
#include "nn/workloads.h"

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
                         std::ostream& err, StudyResult& result) {
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
      result.points.push_back(std::move(p));
    }
  }
  progress.Done();
  return absl::OkStatus();
}

absl::Status RunModel(const StudyFlags& flags, const EvalInputs& in, std::ostream& err,
                      StudyResult& result) {
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
      result.points.push_back(std::move(p));
    }
  }
  progress.Done();
  return absl::OkStatus();
}

absl::StatusOr<StudyResult> RunStudy(const StudyFlags& flags, std::ostream& err) {
  const std::string ref = flags.reference_dir.empty() ? DefaultReferenceDir() : flags.reference_dir;
  StudyResult result;
  if (flags.source == "model") {
    ASSIGN_OR_RETURN(EvalInputs in, LoadEvalInputs(flags, ref));
    RETURN_IF_ERROR(RunModel(flags, in, err, result));
  } else {
    // The measured maps first, so a missing kit names the endurer file.
    RETURN_IF_ERROR(nn::ReadRawFile(ref + "/endurer/stuck_bits_list_processed.csv").status());
    ASSIGN_OR_RETURN(EvalInputs in, LoadEvalInputs(flags, ref));
    RETURN_IF_ERROR(RunMeasured(flags, ref, in, err, result));
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
    absl::string_view a = args[i];
    if (a == "-h" || a == "--help") {
      f.help = true;
      continue;
    }
    if (!absl::ConsumePrefix(&a, "--")) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", a, "'"));
    }
    std::string name(a), value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (name == "json") {
      if (has_value && value != "true" && value != "false") return Bad(name, value, "true or false");
      f.json = !has_value || value == "true";
      continue;
    }
    static const char* const kKnown[] = {
        "workload", "source", "reference_dir", "test_set", "test_labels", "limit",
        "accuracy_drop", "csv", "years", "inference_rate", "remap_period_hours", "chips", "seed",
        "endurance_median", "endurance_sigma", "stuck_at_one"};
    if (std::find_if(std::begin(kKnown), std::end(kKnown),
                     [&](const char* k) { return name == k; }) == std::end(kKnown)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag '--", name, "'"));
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      }
      value = args[++i];
    }
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
    }
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
  absl::StatusOr<StudyResult> result = RunStudy(*flags, err);
  if (!result.ok()) {
    err << kPrefix << result.status().message() << "\n";
    return 1;
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
  return 0;
}

}  // namespace illusion::clients
