#include "chipd/nvm_write_path.h"

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace illusion::chipd {

absl::StatusOr<std::unique_ptr<IdentityNvmWritePath>>
IdentityNvmWritePath::Create(int64_t capacity_words) {
  if (capacity_words < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "nvm capacity is ", capacity_words, " words; must be >= 1"));
  }
  return std::unique_ptr<IdentityNvmWritePath>(
      new IdentityNvmWritePath(capacity_words));
}

absl::Status IdentityNvmWritePath::CheckAddress(int64_t virtual_address,
                                                const char* operation) const {
  if (virtual_address >= 0 && virtual_address < capacity_words()) {
    return absl::OkStatus();
  }
  return absl::OutOfRangeError(
      absl::StrCat("nvm ", operation, " at word address ", virtual_address,
                   " is outside the capacity of ", capacity_words(), " words"));
}

absl::Status IdentityNvmWritePath::Write(int64_t virtual_address,
                                         uint16_t word) {
  absl::Status status = CheckAddress(virtual_address, "write");
  if (!status.ok()) return status;
  words_[virtual_address] = word;
  ++write_counts_[virtual_address];
  ++total_writes_;
  return absl::OkStatus();
}

absl::StatusOr<uint16_t> IdentityNvmWritePath::Read(
    int64_t virtual_address) const {
  absl::Status status = CheckAddress(virtual_address, "read");
  if (!status.ok()) return status;
  return words_[virtual_address];
}

}  // namespace illusion::chipd
