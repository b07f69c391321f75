#include "coordinator/recording/stream_export.h"

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <map>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "partitioner/word_protocol.h"

namespace illusion::coordinator {
namespace {

using partitioner::Words;

// The words of one file pair (chip_<name>_in.txt, chip_<name>_out.txt).
struct Streams {
  Words in;
  Words out;
};

absl::Status CheckLabel(const std::string& label) {
  bool ok = !label.empty();
  for (char c : label) ok = ok && (absl::ascii_isalnum(c) || c == '_' || c == '-');
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "wake-up label '", label, "' cannot name a stream file; labels must be [0-9A-Za-z_-]+"));
}

absl::Status MakeDirectories(const std::string& dir) {
  if (dir.empty()) return absl::OkStatus();
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::ErrnoToStatus(error.value(),
                               absl::StrCat("creating stream directory '", dir, "'"));
  }
  return absl::OkStatus();
}

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("opening stream file '", path, "'"));
  }
  const size_t written = std::fwrite(text.data(), 1, text.size(), file);
  const int write_errno = errno;
  const bool closed = std::fclose(file) == 0;
  if (written != text.size()) {
    return absl::ErrnoToStatus(write_errno,
                               absl::StrCat("writing stream file '", path, "': ", written, " of ",
                                            text.size(), " bytes written"));
  }
  if (!closed) return absl::ErrnoToStatus(errno, absl::StrCat("closing stream file '", path, "'"));
  return absl::OkStatus();
}

std::string PathIn(const std::string& dir, absl::string_view file) {
  if (dir.empty()) return std::string(file);
  return (std::filesystem::path(dir) / std::string(file)).string();
}

}  // namespace

std::string StreamFolder(nn::Workload workload, int inferences, int inference) {
  if (workload == nn::Workload::kKwsLstm) return absl::StrCat("step_", inference);
  if (inferences <= 1) return "";
  return absl::StrCat("inference_", inference);
}

absl::Status ExportInferenceStreams(const InferenceRecord& inference, int num_chips,
                                    const std::string& dir, const StreamExportOptions& options) {
  if (num_chips < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_chips must be at least 1; got ", num_chips));
  }
  // Keyed by the file name part; std::map keeps the writes in a stable order.
  std::map<std::string, Streams> files;
  for (const partitioner::ChipRun& run : inference.chips) {
    if (run.chip < 0 || run.chip >= num_chips) {
      return absl::InvalidArgumentError(absl::StrCat("wake-up '", run.label, "' ran on chip ",
                                                     run.chip, "; the run has chips 0..",
                                                     num_chips - 1));
    }
    std::string name = std::to_string(run.chip);
    if (options.split_wake_ups) {
      RETURN_IF_ERROR(CheckLabel(run.label));
      name = run.label;
    }
    Streams& s = files[name];
    // Execution order: a chip's later wake-up follows its earlier one.
    s.in.insert(s.in.end(), run.in.begin(), run.in.end());
    s.out.insert(s.out.end(), run.out.begin(), run.out.end());
  }
  RETURN_IF_ERROR(MakeDirectories(dir));
  for (const auto& [name, streams] : files) {
    RETURN_IF_ERROR(WriteFile(PathIn(dir, absl::StrCat("chip_", name, "_in.txt")),
                              partitioner::FormatWordText(streams.in)));
    RETURN_IF_ERROR(WriteFile(PathIn(dir, absl::StrCat("chip_", name, "_out.txt")),
                              partitioner::FormatWordText(streams.out)));
  }
  return absl::OkStatus();
}

absl::Status ExportStreams(const RunRecord& record, int num_chips, nn::Workload workload,
                           const std::string& dir, const StreamExportOptions& options) {
  const int k = static_cast<int>(record.inferences.size());
  if (k == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("the run has no completed inference; nothing to export to '", dir, "'"));
  }
  for (int i = 0; i < k; ++i) {
    const std::string folder = StreamFolder(workload, k, i);
    const std::string target =
        folder.empty() ? dir : (std::filesystem::path(dir) / folder).string();
    const absl::Status s = ExportInferenceStreams(record.inferences[i], num_chips, target, options);
    if (!s.ok()) return absl::Status(s.code(), absl::StrCat("inference ", i, ": ", s.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<uint16_t>> ReadStreamFile(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("opening stream file '", path, "'"));
  }
  std::string text;
  char buffer[1 << 14];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) text.append(buffer, n);
  const bool failed = std::ferror(file) != 0;
  const int read_errno = errno;
  std::fclose(file);
  if (failed) {
    return absl::ErrnoToStatus(read_errno, absl::StrCat("reading stream file '", path, "'"));
  }
  std::vector<uint16_t> words;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    bool ok = line.size() == 4;
    uint16_t value = 0;
    for (char c : line) {
      ok = ok && absl::ascii_isxdigit(c);
      if (!ok) break;
      const int digit = absl::ascii_isdigit(c) ? c - '0' : absl::ascii_tolower(c) - 'a' + 10;
      value = static_cast<uint16_t>(value * 16 + digit);
    }
    if (!ok) {
      return absl::InvalidArgumentError(
          absl::StrCat("stream file '", path, "' line ", line_number, ": '", line.substr(0, 40),
                       line.size() > 40 ? "...'" : "'", " is not a 4-hex-digit word"));
    }
    words.push_back(value);
  }
  return words;
}

}  // namespace illusion::coordinator
