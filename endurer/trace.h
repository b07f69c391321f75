// Write traces in the paper's format (spec §2): one 16-bit word write per
// line, "chip,addr,data": chip decimal (the VIRTUAL chip), addr and data
// hexadecimal (4 digits lowercase upstream, e.g. "0,07bf,0080"), no header.
// One file is one "trace run", replayed in order.
//
// Parsing only: the caller reads the file (this library does no I/O) and
// passes its text or an std::istream. Empty lines (and a trailing '\r') are
// accepted and skipped; anything else malformed is an error naming the
// source, the line number and the text. Free functions; thread-safe.

#ifndef ILLUSION_ENDURER_TRACE_H_
#define ILLUSION_ENDURER_TRACE_H_

#include <cstdint>
#include <istream>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace illusion::endurer {

struct TraceRecord {
  uint32_t chip = 0;     // virtual chip id
  uint16_t address = 0;  // word address within the chip's segment
  uint16_t data = 0;
  uint32_t line = 0;  // 1-based line in the source (for later errors)

  friend bool operator==(const TraceRecord& a, const TraceRecord& b) {
    return a.chip == b.chip && a.address == b.address && a.data == b.data;
  }
};

// One line without its newline. InvalidArgument "malformed trace line
// '<text>': <why>" (no source or line number; ParseTrace adds them).
absl::StatusOr<TraceRecord> ParseTraceLine(absl::string_view line);

// Every line of `text`. Errors: InvalidArgument "<source>:<line>: malformed
// trace line '<text>': <why>".
absl::StatusOr<std::vector<TraceRecord>> ParseTrace(absl::string_view text,
                                                    absl::string_view source = "trace");
absl::StatusOr<std::vector<TraceRecord>> ParseTrace(std::istream& in,
                                                    absl::string_view source = "trace");

// "chip,addr,data" with 4-digit lowercase hex, as the upstream files.
std::string FormatTraceLine(const TraceRecord& record);

}  // namespace illusion::endurer

#endif  // ILLUSION_ENDURER_TRACE_H_
