#include "chipd/wear_proto.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "endurer/mode.h"

namespace illusion::chipd {
namespace {

namespace pb = ::illusion::v1;

absl::StatusOr<endurer::Mode> ModeFromProto(const std::string& text, const char* what) {
  if (text.empty()) return endurer::Mode::kNoResiliency;
  absl::StatusOr<endurer::Mode> mode = endurer::ParseMode(text);
  if (!mode.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", mode.status().message()));
  }
  return *mode;
}

}  // namespace

pb::ConfigureWearRequest WearConfigToProto(const WearConfig& config) {
  pb::ConfigureWearRequest proto;
  proto.set_mode(std::string(endurer::ModeName(config.mode)));
  proto.set_cache_entries(config.cache_entries);
  proto.set_activations_in_nvm(config.activations_in_nvm);
  proto.set_seed(config.seed);
  return proto;
}

absl::StatusOr<WearConfig> WearConfigFromProto(const pb::ConfigureWearRequest& proto) {
  WearConfig config;
  absl::StatusOr<endurer::Mode> mode = ModeFromProto(proto.mode(), "ConfigureWear mode");
  if (!mode.ok()) return mode.status();
  config.mode = *mode;
  if (proto.has_cache_entries()) config.cache_entries = proto.cache_entries();
  if (proto.has_activations_in_nvm()) config.activations_in_nvm = proto.activations_in_nvm();
  if (proto.has_seed()) config.seed = proto.seed();
  return config;
}

pb::WearReport WearReportToProto(const WearReport& report) {
  pb::WearReport proto;
  proto.set_mode(std::string(endurer::ModeName(report.mode)));
  proto.set_activations_in_nvm(report.activations_in_nvm);
  proto.set_segment_words(report.segment_words);
  proto.set_offset(report.offset);
  proto.set_write_count(report.write_count);
  proto.set_pending(report.pending);
  proto.set_remaps(report.remaps);
  proto.set_max_cell_writes(report.max_cell_writes);
  proto.mutable_cell_writes()->Add(report.cell_writes.begin(), report.cell_writes.end());
  return proto;
}

absl::StatusOr<WearReport> WearReportFromProto(const pb::WearReport& proto) {
  WearReport report;
  absl::StatusOr<endurer::Mode> mode = ModeFromProto(proto.mode(), "WearReport mode");
  if (!mode.ok()) return mode.status();
  report.mode = *mode;
  report.activations_in_nvm = proto.activations_in_nvm();
  report.segment_words = proto.segment_words();
  report.offset = proto.offset();
  report.write_count = proto.write_count();
  report.pending = proto.pending();
  report.remaps = proto.remaps();
  report.max_cell_writes = proto.max_cell_writes();
  report.cell_writes.assign(proto.cell_writes().begin(), proto.cell_writes().end());
  return report;
}

pb::RemapRequest RemapRequestToProto(std::optional<uint32_t> shift) {
  pb::RemapRequest proto;
  if (shift.has_value()) proto.set_shift(*shift);
  return proto;
}

std::optional<uint32_t> RemapShiftFromProto(const pb::RemapRequest& proto) {
  if (!proto.has_shift()) return std::nullopt;
  return proto.shift();
}

pb::RemapResponse RemapOutcomeToProto(const RemapOutcome& outcome) {
  pb::RemapResponse proto;
  proto.set_applied(outcome.applied);
  proto.set_shift(outcome.shift);
  proto.set_new_offset(outcome.new_offset);
  proto.set_writes(outcome.writes);
  proto.set_flushed(outcome.flushed);
  return proto;
}

RemapOutcome RemapOutcomeFromProto(const pb::RemapResponse& proto) {
  RemapOutcome outcome;
  outcome.applied = proto.applied();
  outcome.shift = proto.shift();
  outcome.new_offset = proto.new_offset();
  outcome.writes = proto.writes();
  outcome.flushed = proto.flushed();
  return outcome;
}

pb::NvmImage NvmImageToProto(const NvmImage& image) {
  pb::NvmImage proto;
  proto.set_offset(image.offset);
  proto.mutable_words()->Reserve(static_cast<int>(image.words.size()));
  for (uint16_t w : image.words) proto.add_words(w);
  return proto;
}

absl::StatusOr<NvmImage> NvmImageFromProto(const pb::NvmImage& proto) {
  NvmImage image;
  image.offset = proto.offset();
  image.words.reserve(proto.words_size());
  for (int i = 0; i < proto.words_size(); ++i) {
    const uint32_t w = proto.words(i);
    if (w > 0xFFFF) {
      return absl::InvalidArgumentError(absl::StrCat("nvm image word ", i, " is ", w,
                                                     "; a word is at most 65535"));
    }
    image.words.push_back(static_cast<uint16_t>(w));
  }
  return image;
}

}  // namespace illusion::chipd
