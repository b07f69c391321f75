#ifndef ILLUSION_COORDINATOR_FIDELITY_REPRODUCE_ROW_H_
#define ILLUSION_COORDINATOR_FIDELITY_REPRODUCE_ROW_H_

// One row of `illusionctl reproduce`: a number the paper published, the same
// number as Illusion computes it, and the tolerance it must be within.
// Produced by the measured-hardware table (coordinator/fidelity) and the
// scaled-out table (coordinator/scaled_out); printed by clients/. Plain value
// type.

#include <cmath>
#include <string>

namespace illusion::coordinator::fidelity {

// How `ours` is checked against `paper`.
enum class ToleranceKind {
  kAbsolute,    // |ours - paper| <= tolerance
  kRelative,    // |ours - paper| <= tolerance x |paper|
};

struct ReproduceRow {
  std::string table;     // "measured" or "scaled_out"
  std::string workload;  // mnist, svhn, d2nn, kws_lstm / alexnet, vgg16, resnet50, lstm_lm
  int chips = 0;         // chips of the system the row is about
  // "energy", "time", "edp" (ratios vs the ideal chip), or an absolute
  // quantity: "ideal_energy_j", "ideal_time_s", "active_window_s",
  // "leakage_fraction", "extra_active_fraction", "energy_j", "time_s".
  std::string metric;
  double paper = 0;
  double ours = 0;
  double tolerance = 0;
  ToleranceKind tolerance_kind = ToleranceKind::kAbsolute;
  // Scaled-out rows only (0 = not applicable).
  double memsize_mib = 0;
  double link_factor = 0;
  // Extra qualifier, e.g. "chip 3" for per-chip windows, "4-chip", or why a
  // row misses. May be empty.
  std::string note;

  double difference() const { return ours - paper; }
  bool within_tolerance() const {
    const double diff = ours - paper;
    switch (tolerance_kind) {
      case ToleranceKind::kAbsolute:
        return std::fabs(diff) <= tolerance;
      case ToleranceKind::kRelative:
        return std::fabs(diff) <= tolerance * std::fabs(paper);
    }
    return false;
  }
};

}  // namespace illusion::coordinator::fidelity

#endif  // ILLUSION_COORDINATOR_FIDELITY_REPRODUCE_ROW_H_
