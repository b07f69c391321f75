#ifndef ILLUSION_CLIENTS_ENDURANCE_STUDY_FIGURES_H_
#define ILLUSION_CLIENTS_ENDURANCE_STUDY_FIGURES_H_

// SVG figures of an endurance study (`illusionctl endurance study|show
// --figures=DIR`): accuracy vs time and stuck bits vs time, NR and DE, on a
// log time axis (days; the ZERO checkpoint is drawn at kZeroDay). Rendered
// by clients/figures. Stateless; thread-safe.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clients/endurance/study_command.h"

namespace illusion::clients {

// Where a checkpoint at day 0 is drawn on the log axis.
inline constexpr double kZeroDay = 0.1;

// The two documents: {"accuracy_vs_time.svg", svg}, {"stuck_bits_vs_time.svg", svg}.
struct StudyFigure {
  std::string file_name;
  std::string svg;
};
absl::StatusOr<std::vector<StudyFigure>> RenderStudyFigures(const StudyFlags& flags,
                                                            const StudyResult& result);

// Renders them into `dir` (created if missing); returns the paths written.
// INTERNAL naming the path when a file cannot be written.
absl::StatusOr<std::vector<std::string>> WriteStudyFigures(const StudyFlags& flags,
                                                           const StudyResult& result,
                                                           const std::string& dir);

}  // namespace illusion::clients

#endif  // ILLUSION_CLIENTS_ENDURANCE_STUDY_FIGURES_H_
