#include "endurer/endurer_state.h"

#include <cmath>
#include <cstdio>
#include <iterator>
#include <numeric>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"

namespace illusion::endurer {
namespace {

constexpr absl::string_view kMagic = "illusion_endurer_state";
constexpr uint32_t kMaxChips = 4096;

std::string FormatDouble(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

// Keys in their required order after the version line.
constexpr absl::string_view kKeys[] = {"mode",    "chips",  "segment_words", "swap_count", "v2p",
                                       "offsets", "counts", "tau",           "eps",        "c"};

absl::Status LineError(int line, absl::string_view text, absl::string_view what) {
  std::string shown(text.substr(0, 120));
  if (text.size() > 120) shown += "...";
  return absl::InvalidArgumentError(
      absl::StrCat("endurer state line ", line, ": ", what, " in '", shown, "'"));
}

template <typename T>
absl::Status ParseUnsigned(absl::string_view token, int line, absl::string_view text, T* out) {
  uint64_t v = 0;
  if (!absl::SimpleAtoi(token, &v) || v > static_cast<uint64_t>(static_cast<T>(-1))) {
    return LineError(line, text, absl::StrCat("bad unsigned number '", token, "'"));
  }
  *out = static_cast<T>(v);
  return absl::OkStatus();
}

}  // namespace

EndurerState EndurerState::Initial(uint32_t chips, Mode mode, SwapPolicyParams policy,
                                   uint32_t segment_words) {
  EndurerState s;
  s.mode = mode;
  s.segment_words = segment_words;
  s.v2p.resize(chips);
  std::iota(s.v2p.begin(), s.v2p.end(), 0u);
  s.offsets.assign(chips, 0);
  s.counts.assign(chips, 0);
  s.policy = policy;
  return s;
}

std::vector<uint32_t> EndurerState::P2v() const {
  std::vector<uint32_t> p2v(v2p.size(), 0);
  for (uint32_t v = 0; v < v2p.size(); ++v) {
    if (v2p[v] < p2v.size()) p2v[v2p[v]] = v;
  }
  return p2v;
}

bool operator==(const EndurerState& a, const EndurerState& b) {
  return a.mode == b.mode && a.segment_words == b.segment_words && a.swap_count == b.swap_count &&
         a.v2p == b.v2p && a.offsets == b.offsets && a.counts == b.counts &&
         a.policy.tau == b.policy.tau && a.policy.eps == b.policy.eps && a.policy.c == b.policy.c;
}

absl::Status ValidateEndurerState(const EndurerState& state) {
  const uint32_t n = state.chips();
  if (n == 0 || n > kMaxChips) {
    return absl::InvalidArgumentError(
        absl::StrCat("endurer state has ", n, " chips; want 1 to ", kMaxChips));
  }
  if (state.offsets.size() != n || state.counts.size() != n) {
    return absl::InvalidArgumentError(absl::StrCat("endurer state has ", n, " v2p entries but ",
                                                   state.offsets.size(), " offsets and ",
                                                   state.counts.size(), " counts"));
  }
  if (state.segment_words < 2 || state.segment_words > 65536) {
    return absl::InvalidArgumentError(
        absl::StrCat("endurer state segment_words ", state.segment_words, " outside [2, 65536]"));
  }
  std::vector<bool> seen(n, false);
  for (uint32_t v = 0; v < n; ++v) {
    const uint32_t p = state.v2p[v];
    if (p >= n || seen[p]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "endurer state v2p [", absl::StrJoin(state.v2p, " "), "] is not a permutation of 0..",
          n - 1, " (virtual chip ", v, " -> ", p, ")"));
    }
    seen[p] = true;
    if (state.offsets[v] >= state.segment_words) {
      return absl::InvalidArgumentError(absl::StrCat("endurer state offset of virtual chip ", v,
                                                     " is ", state.offsets[v], "; must be < ",
                                                     state.segment_words));
    }
    if (state.mode == Mode::kNoResiliency && (p != v || state.offsets[v] != 0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "endurer state in no-resiliency mode needs the identity map and zero offsets; "
          "virtual chip ",
          v, " -> physical ", p, " with offset ", state.offsets[v]));
    }
  }
  absl::Status policy = ValidateSwapPolicyParams(state.policy);
  if (!policy.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("endurer state: ", policy.message()));
  }
  return absl::OkStatus();
}

std::string SerializeEndurerState(const EndurerState& state) {
  std::string out;
  absl::StrAppend(&out, kMagic, " ", kEndurerStateVersion, "\n");
  absl::StrAppend(&out, "mode ", ModeName(state.mode), "\n");
  absl::StrAppend(&out, "chips ", state.chips(), "\n");
  absl::StrAppend(&out, "segment_words ", state.segment_words, "\n");
  absl::StrAppend(&out, "swap_count ", state.swap_count, "\n");
  absl::StrAppend(&out, "v2p ", absl::StrJoin(state.v2p, " "), "\n");
  absl::StrAppend(&out, "offsets ", absl::StrJoin(state.offsets, " "), "\n");
  absl::StrAppend(&out, "counts ", absl::StrJoin(state.counts, " "), "\n");
  absl::StrAppend(&out, "tau ", FormatDouble(state.policy.tau), "\n");
  absl::StrAppend(&out, "eps ", FormatDouble(state.policy.eps), "\n");
  absl::StrAppend(&out, "c ", FormatDouble(state.policy.c), "\n");
  return out;
}

absl::StatusOr<EndurerState> ParseEndurerState(absl::string_view text) {
  EndurerState state;
  state.v2p.clear();
  bool have_version = false;
  size_t next_key = 0;
  uint32_t chips = 0;
  int line_no = 0;
  int last_line = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++line_no;
    absl::string_view line = raw;
    if (const size_t hash = line.find('#'); hash != absl::string_view::npos) {
      line = line.substr(0, hash);
    }
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    last_line = line_no;
    std::vector<absl::string_view> tokens =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    const absl::string_view key = tokens[0];
    const absl::Span<const absl::string_view> values = absl::MakeConstSpan(tokens).subspan(1);
    if (!have_version) {
      if (key != kMagic) {
        return LineError(line_no, raw,
                         absl::StrCat("expected '", kMagic, " ", kEndurerStateVersion, "' first"));
      }
      int version = 0;
      if (values.size() != 1 || !absl::SimpleAtoi(values[0], &version)) {
        return LineError(line_no, raw, "bad version");
      }
      if (version != kEndurerStateVersion) {
        return LineError(line_no, raw,
                         absl::StrCat("unsupported version ", version, " (this build reads ",
                                      kEndurerStateVersion, ")"));
      }
      have_version = true;
      continue;
    }
    if (next_key >= std::size(kKeys)) {
      return LineError(line_no, raw, absl::StrCat("unexpected key '", key, "' after 'c'"));
    }
    if (key != kKeys[next_key]) {
      return LineError(line_no, raw,
                       absl::StrCat("expected key '", kKeys[next_key], "', got '", key, "'"));
    }
    ++next_key;
    const bool is_list = key == "v2p" || key == "offsets" || key == "counts";
    const size_t want = is_list ? chips : 1;
    if (values.size() != want) {
      return LineError(line_no, raw,
                       absl::StrCat("'", key, "' needs ", want, " value(s), got ", values.size()));
    }
    if (key == "mode") {
      absl::StatusOr<Mode> mode = ParseMode(values[0]);
      if (!mode.ok()) return LineError(line_no, raw, mode.status().message());
      state.mode = *mode;
    } else if (key == "chips") {
      RETURN_IF_ERROR(ParseUnsigned(values[0], line_no, raw, &chips));
      if (chips == 0 || chips > kMaxChips) {
        return LineError(line_no, raw,
                         absl::StrCat("chips must be 1 to ", kMaxChips, ", got ", chips));
      }
    } else if (key == "segment_words") {
      RETURN_IF_ERROR(ParseUnsigned(values[0], line_no, raw, &state.segment_words));
    } else if (key == "swap_count") {
      RETURN_IF_ERROR(ParseUnsigned(values[0], line_no, raw, &state.swap_count));
    } else if (key == "v2p" || key == "offsets") {
      std::vector<uint32_t>& dst = key == "v2p" ? state.v2p : state.offsets;
      dst.resize(chips);
      for (uint32_t i = 0; i < chips; ++i) {
        RETURN_IF_ERROR(ParseUnsigned(values[i], line_no, raw, &dst[i]));
      }
    } else if (key == "counts") {
      state.counts.resize(chips);
      for (uint32_t i = 0; i < chips; ++i) {
        RETURN_IF_ERROR(ParseUnsigned(values[i], line_no, raw, &state.counts[i]));
      }
    } else {  // tau, eps, c
      double v = 0;
      if (!absl::SimpleAtod(values[0], &v)) {
        return LineError(line_no, raw, absl::StrCat("bad number '", values[0], "'"));
      }
      (key == "tau" ? state.policy.tau : key == "eps" ? state.policy.eps : state.policy.c) = v;
    }
  }
  if (!have_version) {
    return absl::InvalidArgumentError(absl::StrCat("endurer state is empty (expected '", kMagic,
                                                   " ", kEndurerStateVersion, "')"));
  }
  if (next_key < std::size(kKeys)) {
    return absl::InvalidArgumentError(absl::StrCat("endurer state line ", last_line,
                                                   ": ends before key '", kKeys[next_key], "'"));
  }
  RETURN_IF_ERROR(ValidateEndurerState(state));
  return state;
}

}  // namespace illusion::endurer
