#include "endurer/reference_files.h"

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace illusion::endurer::testing {

absl::StatusOr<std::string> ReadEndurerReferenceFile(const std::string& relative) {
  absl::StatusOr<std::string> dir = ::illusion::testing::ReferenceDir();
  if (!dir.ok()) return dir.status();
  const std::string path = absl::StrCat(*dir, "/", relative);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("reference file '", path, "' not found"));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

}  // namespace illusion::endurer::testing
