#include "tests/testing/reference_data.h"

#include <sys/stat.h>

#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nn/raw_file.h"

namespace illusion::testing {
namespace {

bool IsDir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

bool RunningInCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

absl::StatusOr<std::string> ReferenceDir() {
  const char* env = std::getenv("ILLUSION_REFERENCE_DIR");
  const std::string dir =
      env != nullptr && *env != '\0' ? std::string(env) : "../shared/reference";
  if (IsDir(dir + "/illusion")) return dir;
  return absl::NotFoundError(absl::StrCat(
      "reference data not found at '", dir,
      "' (set ILLUSION_REFERENCE_DIR to the kit's reference folder)"));
}

absl::StatusOr<nn::Tensor> ReadReferenceTensor(const std::string& relative,
                                               nn::DType dtype, nn::Shape shape,
                                               int frac_bits) {
  absl::StatusOr<std::string> dir = ReferenceDir();
  if (!dir.ok()) return dir.status();
  const std::string path = absl::StrCat(*dir, "/", relative);
  absl::StatusOr<std::string> bytes = nn::ReadRawFile(path);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<nn::Tensor> t =
      nn::Tensor::FromBytes(dtype, std::move(shape), frac_bits, *bytes);
  if (!t.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("reference file '", path, "': ", t.status().message()));
  }
  return t;
}

}  // namespace illusion::testing
