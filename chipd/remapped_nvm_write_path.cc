#include "chipd/remapped_nvm_write_path.h"

#include <cstdint>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace illusion::chipd {

absl::StatusOr<std::unique_ptr<RemappedNvmWritePath>> RemappedNvmWritePath::Create(
    const endurer::RemapperConfig& config) {
  absl::StatusOr<endurer::ChipRemapper> remapper = endurer::ChipRemapper::Create(config);
  if (!remapper.ok()) {
    return absl::Status(remapper.status().code(),
                        absl::StrCat("nvm write path: ", remapper.status().message()));
  }
  auto path = std::unique_ptr<RemappedNvmWritePath>(
      new RemappedNvmWritePath(*std::move(remapper)));
  path->config_ = config;
  return path;
}

absl::Status RemappedNvmWritePath::CheckAddress(int64_t virtual_address,
                                                const char* operation) const {
  if (virtual_address >= 0 && virtual_address < capacity_words()) return absl::OkStatus();
  return absl::OutOfRangeError(
      absl::StrCat("nvm ", operation, " at word address ", virtual_address,
                   " is outside the capacity of ", capacity_words(), " words"));
}

absl::Status RemappedNvmWritePath::Write(int64_t virtual_address, uint16_t word) {
  RETURN_IF_ERROR(CheckAddress(virtual_address, "write"));
  return remapper_.Write(static_cast<uint32_t>(virtual_address), word);
}

absl::StatusOr<uint16_t> RemappedNvmWritePath::Read(int64_t virtual_address) const {
  RETURN_IF_ERROR(CheckAddress(virtual_address, "read"));
  return remapper_.Read(static_cast<uint32_t>(virtual_address));
}

absl::Status RemappedNvmWritePath::Flush() {
  remapper_.Flush();
  return absl::OkStatus();
}

absl::StatusOr<endurer::RemapResult> RemappedNvmWritePath::Remap(endurer::ShiftSource& shifts) {
  ASSIGN_OR_RETURN(endurer::RemapResult result, remapper_.Remap(shifts));
  if (result.applied) ++remaps_;
  return result;
}

absl::StatusOr<endurer::RemapResult> RemappedNvmWritePath::RemapBy(uint32_t shift) {
  const uint32_t m = remapper_.segment_words();
  // Checked here too: the remapper ignores the shift in no-resiliency mode,
  // but a bad request is still a bad request.
  if (shift == 0 || shift >= m) {
    return absl::InvalidArgumentError(
        absl::StrCat("remap shift ", shift, " outside [1, ", m - 1, "]"));
  }
  ASSIGN_OR_RETURN(endurer::RemapResult result, remapper_.RemapBy(shift));
  if (result.applied) ++remaps_;
  return result;
}

NvmImage RemappedNvmWritePath::Export() {
  remapper_.Flush();
  NvmImage image;
  image.offset = remapper_.offset();
  const absl::Span<const uint16_t> words = remapper_.image();
  image.words.assign(words.begin(), words.end());
  return image;
}

absl::Status RemappedNvmWritePath::Import(const NvmImage& image) {
  const uint32_t m = remapper_.segment_words();
  if (image.words.size() != m) {
    return absl::InvalidArgumentError(absl::StrCat(
        "nvm image has ", image.words.size(), " words; the segment has ", m));
  }
  if (image.offset >= m) {
    return absl::InvalidArgumentError(
        absl::StrCat("nvm image offset ", image.offset, " outside [0, ", m - 1, "]"));
  }
  if (remapper_.mode() == endurer::Mode::kNoResiliency && image.offset != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "nvm image offset ", image.offset, " in no-resiliency mode (must be 0)"));
  }
  // Stage the incoming virtual chip on a scratch segment of the same
  // geometry (direct writes in no-resiliency mode put word p at physical p),
  // give it the incoming offset, then let the remapper's own distributed
  // swap move it here: M counted migration writes on this segment, the
  // offset adopted, this segment's counters kept. The scratch segment's
  // counts are thrown away with it.
  endurer::RemapperConfig scratch_config = config_;
  scratch_config.mode = endurer::Mode::kNoResiliency;
  ASSIGN_OR_RETURN(endurer::ChipRemapper scratch, endurer::ChipRemapper::Create(scratch_config));
  for (uint32_t p = 0; p < m; ++p) RETURN_IF_ERROR(scratch.Write(p, image.words[p]));
  RETURN_IF_ERROR(scratch.Restore(remapper_.mode(), image.offset, 0));
  remapper_.DiscardCache();
  return endurer::ChipRemapper::ExchangeHostedChips(remapper_, scratch);
}

}  // namespace illusion::chipd
