// The path every write to a chip's weight NVM (RRAM) takes, so wear can be
// counted per physical word and an ENDURER remapper (endurer/) can later sit
// between the chip runtime and the array by implementing the same interface.
//
// Addresses are word indices: address a is the a-th 16-bit word of the NVM
// (byte offset 2a). "Virtual" addresses are what the runtime uses; "physical"
// addresses are cells of the array, which wear out.

#ifndef ILLUSION_CHIPD_NVM_WRITE_PATH_H_
#define ILLUSION_CHIPD_NVM_WRITE_PATH_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace illusion::chipd {

// Interface of a word-addressed NVM with per-physical-word write counting.
// Implementations are not required to be thread-safe; the chip runtime owns
// one per chip and calls it from one thread at a time.
class NvmWritePath {
 public:
  virtual ~NvmWritePath() = default;

  // Writes `word` at `virtual_address`. OUT_OF_RANGE if the address is
  // negative or >= capacity_words(). An implementation may buffer the write
  // (a write cache) until Flush().
  virtual absl::Status Write(int64_t virtual_address, uint16_t word) = 0;
  // Reads the word at `virtual_address` (including unflushed writes).
  // OUT_OF_RANGE as for Write. Never-written words read as 0.
  virtual absl::StatusOr<uint16_t> Read(int64_t virtual_address) const = 0;
  // Makes every buffered write reach the array (and its write counts).
  virtual absl::Status Flush() = 0;

  // Number of addressable (virtual) words.
  virtual int64_t capacity_words() const = 0;
  // Writes that reached each physical word, indexed by physical address. Its
  // size is the number of physical words (a remapper may keep spares). The
  // span is valid until the next non-const call.
  virtual absl::Span<const uint64_t> physical_write_counts() const = 0;
  // Sum of physical_write_counts().
  virtual int64_t total_writes() const = 0;
};

// physical address == virtual address; every Write reaches the array at once
// and counts one write on that word. Owns its contents and counters. Not
// thread-safe.
class IdentityNvmWritePath : public NvmWritePath {
 public:
  // INVALID_ARGUMENT if `capacity_words` < 1.
  static absl::StatusOr<std::unique_ptr<IdentityNvmWritePath>> Create(
      int64_t capacity_words);

  absl::Status Write(int64_t virtual_address, uint16_t word) override;
  absl::StatusOr<uint16_t> Read(int64_t virtual_address) const override;
  absl::Status Flush() override { return absl::OkStatus(); }

  int64_t capacity_words() const override {
    return static_cast<int64_t>(words_.size());
  }
  absl::Span<const uint64_t> physical_write_counts() const override {
    return write_counts_;
  }
  int64_t total_writes() const override { return total_writes_; }

 private:
  explicit IdentityNvmWritePath(int64_t capacity_words)
      : words_(capacity_words, 0), write_counts_(capacity_words, 0) {}

  absl::Status CheckAddress(int64_t virtual_address,
                            const char* operation) const;

  std::vector<uint16_t> words_;
  std::vector<uint64_t> write_counts_;
  int64_t total_writes_ = 0;
};

}  // namespace illusion::chipd

#endif  // ILLUSION_CHIPD_NVM_WRITE_PATH_H_
