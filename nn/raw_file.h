#ifndef ILLUSION_NN_RAW_FILE_H_
#define ILLUSION_NN_RAW_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace illusion::nn {

// Reads a whole file as bytes. NotFound when it does not exist, Unavailable
// (with errno text) when it cannot be read. Thread-safe.
absl::StatusOr<std::string> ReadRawFile(const std::string& path);

// Writes bytes to a file, replacing it. Unavailable on failure.
absl::Status WriteRawFile(const std::string& path, absl::string_view bytes);

}  // namespace illusion::nn

#endif  // ILLUSION_NN_RAW_FILE_H_
