#include "clients/endurance/study_command.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <optional>

#include "absl/strings/numbers.h"
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

std::string DefaultReferenceDir() {
  const char* env = std::getenv("ILLUSION_REFERENCE_DIR");
  return env != nullptr && *env != '\0' ? env : "../shared/reference";
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

absl::StatusOr<StudyResult> RunStudy(const StudyFlags& flags, std::ostream& err) {
  const std::string ref = flags.reference_dir.empty() ? DefaultReferenceDir() : flags.reference_dir;
  const std::string stuck_path = ref + "/endurer/stuck_bits_list_processed.csv";
  const std::string states_path = ref + "/endurer/end_states.csv";
  ASSIGN_OR_RETURN(std::string stuck_text, nn::ReadRawFile(stuck_path));
  ASSIGN_OR_RETURN(std::string states_text, nn::ReadRawFile(states_path));
  ASSIGN_OR_RETURN(std::vector<StuckBit> nr, ParseStuckBitsCsv(stuck_text, "d2nn", "NR", stuck_path));
  ASSIGN_OR_RETURN(std::vector<StuckBit> de, ParseStuckBitsCsv(stuck_text, "d2nn", "DE", stuck_path));
  ASSIGN_OR_RETURN(std::vector<int> de_chips, D2nnDeMaskChips(states_text, states_path));
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
  const bool progress = isatty(STDERR_FILENO) != 0;
  const int total = 2 * kNumTimepoints;
  StudyResult result;
  for (int s = 0; s < 2; ++s) {
    const bool is_de = s == 1;
    const std::vector<StuckBit>& bits = is_de ? de : nr;
    for (int t = 0; t < kNumTimepoints; ++t) {
      if (progress) {
        const int done = s * kNumTimepoints + t;
        err << "\r[" << Bar(static_cast<double>(done) / total, 30, '#') << "] " << done << "/"
            << total << " " << (is_de ? "DE " : "NR ") << kTimepoints[t] << "      " << std::flush;
      }
      StudyPoint p;
      p.scheme = is_de ? "DE" : "NR";
      p.timepoint = t;
      p.mask_chip = is_de ? de_chips[t] : 0;
      const ActivationMask mask = BuildActivationMask(
          bits, p.mask_chip, is_de ? kD2nnDeActivationBase : kD2nnNrActivationBase,
          kD2nnActivationWords, t);
      p.mask_stuck_bits = mask.stuck_bits;
      p.stuck_bits_per_chip.assign(kChips, 0);
      for (const StuckBit& b : bits) {
        if (b.first_timepoint <= t && b.chip < kChips) ++p.stuck_bits_per_chip[b.chip];
      }
      ASSIGN_OR_RETURN(p.accuracy,
                       EvaluateD2nnWithActivationFaults(graph, weights, set, mask, flags.limit));
      result.points.push_back(std::move(p));
    }
  }
  if (progress) err << "\r[" << Bar(1, 30, '#') << "] " << total << "/" << total << " done        \n";
  bool nr_all = false;
  result.nr_lifetime_days = LifetimeDays(SchemePoints(result, "NR"), flags.accuracy_drop, &nr_all);
  result.de_lifetime_days =
      LifetimeDays(SchemePoints(result, "DE"), flags.accuracy_drop, &result.de_survives_all);
  return result;
}

std::string GainText(const StudyResult& r) {
  if (r.nr_lifetime_days == 0) {
    return r.de_lifetime_days == 0 ? "n/a (both fail within a day)" : "unbounded (NR < 1 day)";
  }
  const double gain = static_cast<double>(r.de_lifetime_days) / r.nr_lifetime_days;
  return absl::StrFormat("%s%.1fx (DE %d days%s vs NR %d days)", r.de_survives_all ? ">= " : "",
                         gain, r.de_lifetime_days, r.de_survives_all ? "+" : "",
                         r.nr_lifetime_days);
}

}  // namespace

int LifetimeDays(const std::vector<StudyPoint>& pts, double drop, bool* survives_all) {
  *survives_all = true;
  if (pts.empty()) return 0;
  const double clean = pts[0].accuracy.accuracy_pct();
  int days = 0;
  for (const StudyPoint& p : pts) {
    if (p.accuracy.accuracy_pct() < clean - drop) {
      *survives_all = false;
      break;
    }
    days = kTimepointDays[p.timepoint];
  }
  return days;
}

absl::StatusOr<StudyFlags> ParseStudyFlags(const std::vector<std::string>& args) {
  StudyFlags f;
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
    static const char* const kKnown[] = {"workload", "source", "reference_dir", "test_set",
                                         "test_labels", "limit", "accuracy_drop", "csv"};
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
        return Bad(name, value, "d2nn (the only workload with measured stuck-bit maps and a "
                                "recomputed accuracy reference)");
      }
      f.workload = value;
    } else if (name == "source") {
      if (value != "measured") {
        return Bad(name, value, "measured (--source=model is not implemented yet)");
      }
      f.source = value;
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
  return f;
}

std::string FormatStudyCsv(const StudyResult& r) {
  std::string out =
      "scheme,timepoint,cum_days,accuracy_pct,correct,total,high_path,mask_chip,"
      "mask_stuck_bits,stuck_bits_total";
  for (int c = 0; c < kChips; ++c) absl::StrAppend(&out, ",stuck_bits_chip", c);
  out += "\n";
  for (const StudyPoint& p : r.points) {
    absl::StrAppend(&out, p.scheme, ",", kTimepoints[p.timepoint], ",",
                    kTimepointDays[p.timepoint], ",",
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
  j["points"] = nlohmann::ordered_json::array();
  for (const StudyPoint& p : r.points) {
    nlohmann::ordered_json q;
    q["scheme"] = p.scheme;
    q["timepoint"] = kTimepoints[p.timepoint];
    q["cum_days"] = kTimepointDays[p.timepoint];
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
  j["nr_lifetime_days"] = r.nr_lifetime_days;
  j["de_lifetime_days"] = r.de_lifetime_days;
  j["de_survives_all"] = r.de_survives_all;
  j["lifetime_gain"] = r.nr_lifetime_days == 0
                           ? nlohmann::ordered_json(nullptr)
                           : nlohmann::ordered_json(static_cast<double>(r.de_lifetime_days) /
                                                    r.nr_lifetime_days);
  return j.dump(2) + "\n";
}

std::string FormatStudyText(const StudyFlags& flags, const StudyResult& r) {
  std::string out = absl::StrCat("endurance study: ", flags.workload, ", source ", flags.source,
                                 ", ", r.points.empty() ? 0 : r.points[0].accuracy.total,
                                 " test images\n\n");
  absl::StrAppend(&out, absl::StrFormat("%-8s %6s | %9s %6s %7s | %9s %6s %7s\n", "time", "days",
                                        "NR acc%", "mask", "stuck", "DE acc%", "mask", "stuck"));
  const std::vector<StudyPoint> nr = SchemePoints(r, "NR"), de = SchemePoints(r, "DE");
  for (size_t t = 0; t < nr.size() && t < de.size(); ++t) {
    absl::StrAppend(&out, absl::StrFormat("%-8s %6d | %9.1f %6d %7d | %9.1f %6d %7d\n",
                                          kTimepoints[t], kTimepointDays[t],
                                          nr[t].accuracy.accuracy_pct(), nr[t].mask_stuck_bits,
                                          TotalStuck(nr[t]), de[t].accuracy.accuracy_pct(),
                                          de[t].mask_stuck_bits, TotalStuck(de[t])));
  }
  absl::StrAppend(&out, "(mask = stuck bits in the NVM activation region; stuck = all measured "
                        "failed bits over the tested chips)\n\n");
  absl::StrAppend(&out, absl::StrFormat("lifetime (accuracy >= clean - %.1f points): %s\n\n",
                                        flags.accuracy_drop, GainText(r)));
  // ASCII plot: accuracy (0..100 %) and stuck bits (log scale) vs time.
  int max_stuck = 1;
  for (const StudyPoint& p : r.points) max_stuck = std::max(max_stuck, TotalStuck(p));
  const double log_max = std::log10(1.0 + max_stuck);
  absl::StrAppend(&out, "accuracy vs time (0..100 %)              stuck bits vs time (log, max ",
                  max_stuck, ")\n");
  for (size_t t = 0; t < nr.size() && t < de.size(); ++t) {
    for (const StudyPoint* p : {&nr[t], &de[t]}) {
      absl::StrAppend(
          &out, absl::StrFormat("%-8s %s |%s| %5.1f   |%s| %d\n",
                                p->scheme == "NR" ? kTimepoints[t] : "", p->scheme,
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
