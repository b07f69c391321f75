#include "endurer/trace.h"

#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace illusion::endurer {
namespace {

constexpr size_t kMaxShown = 80;

std::string Shown(absl::string_view line) {
  if (line.size() <= kMaxShown) return std::string(line);
  return absl::StrCat(line.substr(0, kMaxShown), "...");
}

absl::Status Malformed(absl::string_view line, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("malformed trace line '", Shown(line), "': ", why));
}

// Parses 1-4 hex digits (an optional 0x prefix allowed).
bool ParseHex16(absl::string_view s, uint16_t* out) {
  if (absl::StartsWith(s, "0x") || absl::StartsWith(s, "0X")) s.remove_prefix(2);
  if (s.empty() || s.size() > 4) return false;
  uint32_t v = 0;
  for (char ch : s) {
    int d;
    if (ch >= '0' && ch <= '9') {
      d = ch - '0';
    } else if (ch >= 'a' && ch <= 'f') {
      d = ch - 'a' + 10;
    } else if (ch >= 'A' && ch <= 'F') {
      d = ch - 'A' + 10;
    } else {
      return false;
    }
    v = v * 16 + d;
  }
  *out = static_cast<uint16_t>(v);
  return true;
}

bool ParseDecimal(absl::string_view s, uint32_t* out) {
  if (s.empty() || s.size() > 9) return false;
  uint32_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return false;
    v = v * 10 + (ch - '0');
  }
  *out = v;
  return true;
}

// Strips a trailing '\r' and surrounding blanks.
absl::string_view Clean(absl::string_view line) { return absl::StripAsciiWhitespace(line); }

}  // namespace

absl::StatusOr<TraceRecord> ParseTraceLine(absl::string_view line) {
  const absl::string_view s = Clean(line);
  const size_t c1 = s.find(',');
  const size_t c2 = c1 == absl::string_view::npos ? c1 : s.find(',', c1 + 1);
  if (c2 == absl::string_view::npos || s.find(',', c2 + 1) != absl::string_view::npos) {
    return Malformed(line, "expected 3 comma-separated fields chip,addr_hex,data_hex");
  }
  const absl::string_view chip = Clean(s.substr(0, c1));
  const absl::string_view addr = Clean(s.substr(c1 + 1, c2 - c1 - 1));
  const absl::string_view data = Clean(s.substr(c2 + 1));
  TraceRecord r;
  if (!ParseDecimal(chip, &r.chip)) {
    return Malformed(line, absl::StrCat("chip '", chip, "' is not a decimal number"));
  }
  if (!ParseHex16(addr, &r.address)) {
    return Malformed(line, absl::StrCat("address '", addr, "' is not 1-4 hex digits"));
  }
  if (!ParseHex16(data, &r.data)) {
    return Malformed(line, absl::StrCat("data '", data, "' is not 1-4 hex digits"));
  }
  return r;
}

absl::StatusOr<std::vector<TraceRecord>> ParseTrace(absl::string_view text,
                                                    absl::string_view source) {
  std::vector<TraceRecord> records;
  records.reserve(text.size() / 12 + 1);
  uint32_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == absl::string_view::npos) end = text.size();
    const absl::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (Clean(line).empty()) continue;
    absl::StatusOr<TraceRecord> r = ParseTraceLine(line);
    if (!r.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ":", line_no, ": ", r.status().message()));
    }
    r->line = line_no;
    records.push_back(*r);
  }
  return records;
}

absl::StatusOr<std::vector<TraceRecord>> ParseTrace(std::istream& in, absl::string_view source) {
  std::vector<TraceRecord> records;
  std::string line;
  uint32_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (Clean(line).empty()) continue;
    absl::StatusOr<TraceRecord> r = ParseTraceLine(line);
    if (!r.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ":", line_no, ": ", r.status().message()));
    }
    r->line = line_no;
    records.push_back(*r);
  }
  if (in.bad()) {
    return absl::DataLossError(absl::StrCat(source, ": read error after line ", line_no));
  }
  return records;
}

std::string FormatTraceLine(const TraceRecord& record) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%u,%04x,%04x", record.chip, record.address, record.data);
  return buf;
}

}  // namespace illusion::endurer
