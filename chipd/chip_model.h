// Loading and validating chip models (illusion.v1.ChipModel, see
// proto/illusion/v1/chip_model.proto). A model is either built in (embedded
// from chipd/models/*.textproto) or read from a .textproto file:
//
//   ASSIGN_OR_RETURN(illusion::v1::ChipModel model,
//                    chipd::LoadChipModel("msp430_rram"));
//   ASSIGN_OR_RETURN(model, chipd::LoadChipModel("/tmp/my_chip.textproto"));
//
// Every function here is stateless and thread-safe.

#ifndef ILLUSION_CHIPD_CHIP_MODEL_H_
#define ILLUSION_CHIPD_CHIP_MODEL_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/illusion/v1/chip_model.pb.h"

namespace illusion::chipd {

// Names of the built-in models ("accel_rram_28nm", "msp430_rram", ...).
std::vector<std::string> BuiltinChipModelNames();

// Returns the built-in model called `name_or_path` if there is one; otherwise
// reads `name_or_path` as a textproto file. The result is validated.
// Errors: NOT_FOUND when it is neither a built-in name nor a readable file
// (the message lists the built-in names); INVALID_ARGUMENT when the text does
// not parse (with line and column) or the model fails ValidateChipModel.
absl::StatusOr<illusion::v1::ChipModel> LoadChipModel(
    absl::string_view name_or_path);

// Parses a ChipModel textproto and validates it. `source` names where the text
// came from and prefixes every error message. INVALID_ARGUMENT on failure.
absl::StatusOr<illusion::v1::ChipModel> ParseChipModel(
    absl::string_view text, absl::string_view source);

// Checks that the name is set, weight_nvm_bytes, activation_sram_bytes,
// clock_hz and link_bandwidth_words_per_s are > 0, and every other number is
// finite and >= 0. INVALID_ARGUMENT naming the model, field and value.
absl::Status ValidateChipModel(const illusion::v1::ChipModel& model);

}  // namespace illusion::chipd

#endif  // ILLUSION_CHIPD_CHIP_MODEL_H_
