#include "nn/ops.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "nn/aligned_vector.h"
#include "nn/kernels/conv2d.h"
#include "nn/kernels/dense.h"
#include "nn/kernels/lstm.h"
#include "nn/kernels/pooling.h"

namespace illusion::nn {
namespace {

absl::Status Invalid(absl::string_view op, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("op '", op, "': ", what));
}

TensorSpec Spec(std::string name, DType dtype, Shape shape, int frac_bits) {
  return TensorSpec{std::move(name), dtype, std::move(shape), frac_bits};
}

// Checks that a sliced input holds `units` units of `per_unit` elements.
absl::Status CheckSlice(const Op& op, const Tensor* t, DType dtype,
                        int64_t units, int64_t per_unit) {
  if (t == nullptr || t->dtype() != dtype ||
      t->num_elements() != units * per_unit) {
    return Invalid(op.name(),
                   absl::StrCat("input slice must be ", DTypeName(dtype), " with ",
                                units * per_unit, " elements (", units,
                                " units); got ",
                                t == nullptr ? "none" : t->DebugString()));
  }
  return absl::OkStatus();
}

// Checks the arguments of an ExecuteOutputRangeInto: the range, the scratch
// size and one whole tensor per output.
absl::Status CheckInto(const Op& op, Range out, absl::Span<int32_t> scratch,
                       absl::Span<Tensor* const> outputs) {
  if (out.begin < 0 || out.end > op.output_units() || out.size() <= 0) {
    return Invalid(op.name(), absl::StrCat("output range ", out.DebugString(),
                                           " is not a non-empty part of [0, ",
                                           op.output_units(), ")"));
  }
  if (static_cast<int64_t>(scratch.size()) < op.ScratchElements(out)) {
    return Invalid(op.name(), absl::StrCat("scratch has ", scratch.size(),
                                           " int32 elements; range ", out.DebugString(),
                                           " needs ", op.ScratchElements(out)));
  }
  if (outputs.size() != op.outputs().size()) {
    return Invalid(op.name(), absl::StrCat("has ", op.outputs().size(), " outputs; got ",
                                           outputs.size()));
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const TensorSpec& spec = op.outputs()[i];
    const Tensor* t = outputs[i];
    if (t == nullptr || t->dtype() != spec.dtype || t->num_elements() != spec.num_elements()) {
      return Invalid(op.name(), absl::StrCat("output '", spec.name, "' must be ",
                                             spec.DebugString(), "; got ",
                                             t == nullptr ? "none" : t->DebugString()));
    }
  }
  return absl::OkStatus();
}

// Op::ExecuteOutputRangeInto of an op whose output range is its partial sums
// over all inputs, finished: sums go through `scratch` (conv, dense).
absl::Status OutputRangeViaPartialSums(const Op& op, const OpIo& io, Range out,
                                       absl::Span<int32_t> scratch,
                                       absl::Span<Tensor* const> outputs) {
  RETURN_IF_ERROR(CheckInto(op, out, scratch, outputs));
  RETURN_IF_ERROR(op.PartialSumsInto(io, out, op.all_inputs(), scratch.data()));
  return op.FinishPartialSumsInto(scratch.data(), io, out, outputs[0]);
}

// --- Fast Conv2DAccumulate (AVX2) ------------------------------------------------
//
// Same sums as kernels::Conv2DAccumulate (integer addition is exact and the
// int32 sums cannot overflow: |sum| <= rows * 128 * 128), computed with
// pmaddwd: the kernel's int8 patch matrix P (im2col) is built widened to
// int16 with rows interleaved in pairs, P2[q][i] = (P[2q][i], P[2q + 1][i])
// (stride 1: straight from a zero-padded copy of the input), so one
// _mm256_madd_epi16 against the broadcast weight pair (w[2q], w[2q + 1]) adds
// two rows for 8 positions. Each output channel pair keeps its sums of 32
// positions in registers across all rows. Used when the CPU has AVX2 (checked
// once at run time); otherwise the kernels:: versions run.

bool HasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}

// Stores the 8 int32 lanes of v to dst[0, n) (n <= 8).
__attribute__((target("avx2"))) inline void StoreLanes(int32_t* dst, __m256i v, int n) {
  if (n >= 8) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), v);
    return;
  }
  alignas(32) int32_t tmp[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(tmp), v);
  std::memcpy(dst, tmp, sizeof(int32_t) * n);
}

__attribute__((target("avx2"))) void Conv2DAccumulateAvx2(
    const int8_t* input, const int8_t* weights, const kernels::Conv2DShape& s, int out_begin,
    int out_end, int in_begin, int in_end, int32_t* acc) {
  const int m = s.out_size();
  const int mm = m * m;
  const int ld = (mm + 7) & ~7;  // positions, padded to whole vectors
  const int k = s.kernel;
  const int channels = in_end - in_begin;
  const int rows = channels * k * k;
  const int pairs = (rows + 1) / 2;
  thread_local AlignedVector<int16_t> p2;
  thread_local AlignedVector<int32_t> wpairs;
  // Pair rows, plus 8 positions of slack: the stride-1 path below writes
  // whole vectors of 8 positions, past a pair row's M * M into the next.
  p2.resize(static_cast<size_t>(pairs) * ld * 2 + 16);
  if (s.stride == 1) {
    // A zero-padded copy of the input: output (y, x) of row (c, fy, fx)
    // reads padded[c][y + fy][x + fx], no bounds to check. Rows have 16
    // bytes of slack for the 8-byte loads.
    thread_local AlignedVector<int8_t> padded;
    thread_local AlignedVector<int8_t> zeros;
    const int sp = s.in_size + 2 * s.pad;
    const int row_ld = sp + 16;
    padded.assign(static_cast<size_t>(channels) * sp * row_ld, 0);
    zeros.assign(static_cast<size_t>(m) + 16, 0);
    for (int c = 0; c < channels; ++c) {
      for (int iy = 0; iy < s.in_size; ++iy) {
        std::memcpy(padded.data() + (static_cast<size_t>(c) * sp + iy + s.pad) * row_ld + s.pad,
                    input + (static_cast<size_t>(c) * s.in_size + iy) * s.in_size,
                    s.in_size);
      }
    }
    const int kk = k * k;
    for (int q = 0; q < pairs; ++q) {
      const int j0 = 2 * q;
      const int j1 = 2 * q + 1;
      const int8_t* base0 = padded.data() +
                            (static_cast<size_t>(j0 / kk) * sp + j0 / k % k) * row_ld + j0 % k;
      const int8_t* base1 = j1 < rows ? padded.data() +
                                            (static_cast<size_t>(j1 / kk) * sp + j1 / k % k) *
                                                row_ld +
                                            j1 % k
                                      : nullptr;
      int16_t* dst = p2.data() + static_cast<size_t>(q) * ld * 2;
      for (int y = 0; y < m; ++y) {
        const int8_t* r0 = base0 + static_cast<size_t>(y) * row_ld;
        const int8_t* r1 = base1 != nullptr ? base1 + static_cast<size_t>(y) * row_ld : zeros.data();
        int16_t* d = dst + static_cast<size_t>(2) * y * m;
        for (int x = 0; x < m; x += 8) {
          const __m128i a = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(r0 + x));
          const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(r1 + x));
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + 2 * x),
                              _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(a, b)));
        }
      }
    }
  } else {
    thread_local AlignedVector<int8_t> two_rows;  // im2col rows 2q and 2q + 1
    two_rows.resize(static_cast<size_t>(2) * ld);
    for (int q = 0; q < pairs; ++q) {
      int8_t* ra = two_rows.data();
      int8_t* rb = ra + ld;
      std::memset(ra, 0, static_cast<size_t>(2) * ld);
      kernels::BuildPatchRow(input, s, 2 * q, ra);
      if (2 * q + 1 < rows) kernels::BuildPatchRow(input, s, 2 * q + 1, rb);
      int16_t* dst = p2.data() + static_cast<size_t>(q) * ld * 2;
      for (int i = 0; i < ld; i += 8) {
        const __m128i a = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(ra + i));
        const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(rb + i));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + 2 * i),
                            _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(a, b)));
      }
    }
  }
  // Weight pairs of every output channel, as the int32 that madd broadcasts.
  const int outs = out_end - out_begin;
  wpairs.resize(static_cast<size_t>(outs) * pairs);
  for (int o = 0; o < outs; ++o) {
    const int8_t* w =
        weights + (static_cast<size_t>(o + out_begin) * s.in_channels_total + in_begin) * k * k;
    for (int q = 0; q < pairs; ++q) {
      const int16_t lo = w[2 * q];
      const int16_t hi = 2 * q + 1 < rows ? w[2 * q + 1] : 0;
      wpairs[static_cast<size_t>(o) * pairs + q] =
          static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint16_t>(lo)) |
                               (static_cast<uint32_t>(static_cast<uint16_t>(hi)) << 16));
    }
  }
  const __m256i* pv = reinterpret_cast<const __m256i*>(p2.data());
  const int vecs = ld / 8;  // vectors of 8 positions per pair row
  int o = 0;
  for (; o + 2 <= outs; o += 2) {
    const int32_t* w0 = wpairs.data() + static_cast<size_t>(o) * pairs;
    const int32_t* w1 = w0 + pairs;
    int32_t* a0 = acc + static_cast<size_t>(o) * mm;
    int32_t* a1 = a0 + mm;
    int v = 0;
    for (; v + 4 <= vecs; v += 4) {
      __m256i s00 = _mm256_setzero_si256(), s01 = s00, s02 = s00, s03 = s00;
      __m256i s10 = s00, s11 = s00, s12 = s00, s13 = s00;
      const __m256i* p = pv + v;
      for (int q = 0; q < pairs; ++q, p += vecs) {
        const __m256i x0 = _mm256_loadu_si256(p);
        const __m256i x1 = _mm256_loadu_si256(p + 1);
        const __m256i x2 = _mm256_loadu_si256(p + 2);
        const __m256i x3 = _mm256_loadu_si256(p + 3);
        const __m256i c0 = _mm256_set1_epi32(w0[q]);
        const __m256i c1 = _mm256_set1_epi32(w1[q]);
        s00 = _mm256_add_epi32(s00, _mm256_madd_epi16(x0, c0));
        s01 = _mm256_add_epi32(s01, _mm256_madd_epi16(x1, c0));
        s02 = _mm256_add_epi32(s02, _mm256_madd_epi16(x2, c0));
        s03 = _mm256_add_epi32(s03, _mm256_madd_epi16(x3, c0));
        s10 = _mm256_add_epi32(s10, _mm256_madd_epi16(x0, c1));
        s11 = _mm256_add_epi32(s11, _mm256_madd_epi16(x1, c1));
        s12 = _mm256_add_epi32(s12, _mm256_madd_epi16(x2, c1));
        s13 = _mm256_add_epi32(s13, _mm256_madd_epi16(x3, c1));
      }
      const int i = v * 8;
      StoreLanes(a0 + i, s00, mm - i);
      StoreLanes(a0 + i + 8, s01, mm - i - 8);
      StoreLanes(a0 + i + 16, s02, mm - i - 16);
      StoreLanes(a0 + i + 24, s03, mm - i - 24);
      StoreLanes(a1 + i, s10, mm - i);
      StoreLanes(a1 + i + 8, s11, mm - i - 8);
      StoreLanes(a1 + i + 16, s12, mm - i - 16);
      StoreLanes(a1 + i + 24, s13, mm - i - 24);
    }
    for (; v < vecs; ++v) {
      __m256i s0 = _mm256_setzero_si256(), s1 = s0;
      const __m256i* p = pv + v;
      for (int q = 0; q < pairs; ++q, p += vecs) {
        const __m256i x = _mm256_loadu_si256(p);
        s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(x, _mm256_set1_epi32(w0[q])));
        s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(x, _mm256_set1_epi32(w1[q])));
      }
      StoreLanes(a0 + v * 8, s0, mm - v * 8);
      StoreLanes(a1 + v * 8, s1, mm - v * 8);
    }
  }
  for (; o < outs; ++o) {
    const int32_t* w0 = wpairs.data() + static_cast<size_t>(o) * pairs;
    int32_t* a0 = acc + static_cast<size_t>(o) * mm;
    for (int v = 0; v < vecs; ++v) {
      __m256i s0 = _mm256_setzero_si256();
      const __m256i* p = pv + v;
      for (int q = 0; q < pairs; ++q, p += vecs) {
        s0 = _mm256_add_epi32(
            s0, _mm256_madd_epi16(_mm256_loadu_si256(p), _mm256_set1_epi32(w0[q])));
      }
      StoreLanes(a0 + v * 8, s0, mm - v * 8);
    }
  }
}

// kernels::Conv2DAccumulate, the same sums, faster where the CPU allows.
void Conv2DAccumulateFast(const int8_t* input, const int8_t* weights,
                          const kernels::Conv2DShape& s, int out_begin, int out_end,
                          int in_begin, int in_end, int32_t* acc) {
  if (out_end <= out_begin || in_end <= in_begin) {
    kernels::Conv2DAccumulate(input, weights, s, out_begin, out_end, in_begin, in_end, acc);
    return;
  }
  if (HasAvx2()) {
    Conv2DAccumulateAvx2(input, weights, s, out_begin, out_end, in_begin, in_end, acc);
    return;
  }
  kernels::Conv2DAccumulate(input, weights, s, out_begin, out_end, in_begin, in_end, acc);
}

// kernels::Conv2DFinish, the same bytes: QRelu is non-decreasing, so the max
// of QRelu over a pool window (from 0, QRelu >= 0) is QRelu of the window's
// largest accumulator; QRelu(v) = min((max(v, -8) + 8) >> 4, 127) without
// branches (v < 0 gives 0, v + 8 > 2047 gives 127).
void Conv2DFinishFast(const int32_t* acc, const int8_t* bias, int out_size, int pool_shift,
                      int out_begin, int out_end, int8_t* out) {
  const int m = out_size;
  const int mp = m >> pool_shift;
  const int ps = 1 << pool_shift;
  const int used = mp << pool_shift;
  thread_local AlignedVector<int32_t> colmax;
  colmax.resize(static_cast<size_t>(std::max(m, 1)));
  for (int o = out_begin; o < out_end; ++o) {
    const int32_t b = kernels::BiasToAccumulator(bias[o], 4);
    const int32_t* a = acc + static_cast<size_t>(o - out_begin) * m * m;
    int8_t* dst = out + static_cast<size_t>(o - out_begin) * mp * mp;
    for (int py = 0; py < mp; ++py) {
      int32_t* cm = colmax.data();
      const int32_t* row = a + static_cast<size_t>(py * ps) * m;
      for (int x = 0; x < used; ++x) cm[x] = row[x];
      for (int dy = 1; dy < ps; ++dy) {
        const int32_t* r = row + static_cast<size_t>(dy) * m;
        for (int x = 0; x < used; ++x) cm[x] = std::max(cm[x], r[x]);
      }
      int8_t* d = dst + static_cast<size_t>(py) * mp;
      if (ps == 1) {
        for (int x = 0; x < mp; ++x) {
          d[x] = static_cast<int8_t>(std::min((std::max(cm[x] + b, -8) + 8) >> 4, 127));
        }
      } else {
        for (int px = 0; px < mp; ++px) {
          int32_t v = cm[px * ps];
          for (int dx = 1; dx < ps; ++dx) v = std::max(v, cm[px * ps + dx]);
          d[px] = static_cast<int8_t>(std::min((std::max(v + b, -8) + 8) >> 4, 127));
        }
      }
    }
  }
}


class Conv2DOp final : public Op {
 public:
  Conv2DOp(const Conv2DParams& p, const TensorSpec& input, TensorSpec out,
           kernels::Conv2DShape shape)
      : Op(OpKind::kConv2D, p.name, {input}, {std::move(out)},
           {Spec(p.weights, DType::kInt8,
                 {p.out_channels, input.shape[0], p.kernel, p.kernel}, 4),
            Spec(p.bias, DType::kInt8, {p.out_channels}, 4)}),
        shape_(shape),
        out_channels_(p.out_channels),
        pool_shift_(p.pool_shift),
        explicit_pad_(p.pad),
        pool_floor_(p.pool_floor) {}

  int64_t output_units() const override { return out_channels_; }
  int64_t input_units() const override { return shape_.in_channels_total; }
  int64_t partial_sums_per_unit() const override {
    return int64_t{shape_.out_size()} * shape_.out_size();
  }
  int64_t WeightBytes(Range out, Range in) const override {
    return out.size() * in.size() * shape_.kernel * shape_.kernel;
  }
  int64_t BiasBytes(Range out) const override { return out.size(); }
  std::map<std::string, int64_t> attrs() const override {
    std::map<std::string, int64_t> a = {{"out_channels", out_channels_},
                                        {"kernel", shape_.kernel},
                                        {"same_padding", shape_.pad > 0 ? 1 : 0},
                                        {"pool_shift", pool_shift_}};
    // Scaled-out extensions, only when not the paper's defaults.
    if (shape_.stride != 1) a["stride"] = shape_.stride;
    if (explicit_pad_ >= 0) a["pad"] = explicit_pad_;
    if (pool_floor_) a["pool_floor"] = 1;
    return a;
  }
  int64_t Macs(Range out, Range in) const override {
    const int64_t m = shape_.out_size();
    return out.size() * in.size() * shape_.kernel * shape_.kernel * m * m;
  }

  absl::StatusOr<std::vector<Tensor>> ExecuteOutputRange(
      const OpIo& io, Range out) const override {
    RETURN_IF_ERROR(CheckIo(io, /*check_inputs=*/true));
    ASSIGN_OR_RETURN(Tensor sums, PartialSums(io, out, all_inputs()));
    ASSIGN_OR_RETURN(Tensor result, FinishPartialSums(sums, io, out));
    std::vector<Tensor> outs;
    outs.push_back(std::move(result));
    return outs;
  }

  int64_t ScratchElements(Range out) const override {
    return out.size() * partial_sums_per_unit();
  }

  absl::Status ExecuteOutputRangeInto(const OpIo& io, Range out,
                                      absl::Span<int32_t> scratch,
                                      absl::Span<Tensor* const> outputs) const override {
    return OutputRangeViaPartialSums(*this, io, out, scratch, outputs);
  }

  absl::Status PartialSumsInto(const OpIo& io, Range out, Range in,
                               int32_t* sums) const override {
    RETURN_IF_ERROR(CheckIo(io, /*check_inputs=*/true));
    RETURN_IF_ERROR(CheckOutputRange(out));
    RETURN_IF_ERROR(CheckInputRange(in));
    const int64_t plane = int64_t{shape_.in_size} * shape_.in_size;
    std::fill(sums, sums + out.size() * partial_sums_per_unit(), 0);
    Conv2DAccumulateFast(io.inputs[0]->data<int8_t>() + in.begin * plane,
                              io.weights[0]->data<int8_t>(), shape_, out.begin,
                              out.end, in.begin, in.end, sums);
    return absl::OkStatus();
  }

  absl::Status FinishPartialSumsInto(const int32_t* sums, const OpIo& io, Range out,
                                     Tensor* output) const override {
    RETURN_IF_ERROR(CheckOutputRange(out));
    RETURN_IF_ERROR(CheckOutputTensor(0, output));
    Conv2DFinishFast(sums, io.weights[1]->data<int8_t>(), shape_.out_size(),
                          pool_shift_, out.begin, out.end,
                          output->data<int8_t>() + OutputUnitOffset(0, out.begin));
    return absl::OkStatus();
  }

  absl::StatusOr<Tensor> PartialSums(const OpIo& io, Range out,
                                     Range in) const override {
    RETURN_IF_ERROR(CheckIo(io, /*check_inputs=*/false));
    RETURN_IF_ERROR(CheckOutputRange(out));
    RETURN_IF_ERROR(CheckInputRange(in));
    const int64_t plane = int64_t{shape_.in_size} * shape_.in_size;
    RETURN_IF_ERROR(CheckSlice(*this, io.inputs[0], DType::kInt8, in.size(), plane));
    const int m = shape_.out_size();
    Tensor sums(DType::kInt32, {out.size(), m, m}, 8);
    Conv2DAccumulateFast(io.inputs[0]->data<int8_t>(),
                              io.weights[0]->data<int8_t>(), shape_, out.begin,
                              out.end, in.begin, in.end, sums.data<int32_t>());
    return sums;
  }

  absl::StatusOr<Tensor> FinishPartialSums(const Tensor& sums, const OpIo& io,
                                           Range out) const override {
    RETURN_IF_ERROR(CheckOutputRange(out));
    const int m = shape_.out_size();
    if (sums.dtype() != DType::kInt32 || sums.num_elements() != out.size() * m * m) {
      return Invalid(name(), absl::StrCat("partial sums must be int32 [", out.size(),
                                          ", ", m, ", ", m, "]; got ",
                                          sums.DebugString()));
    }
    const int mp = m >> pool_shift_;
    Tensor result(DType::kInt8, {out.size(), mp, mp}, 4);
    Conv2DFinishFast(sums.data<int32_t>(), io.weights[1]->data<int8_t>(), m,
                          pool_shift_, out.begin, out.end, result.data<int8_t>());
    return result;
  }

 private:
  kernels::Conv2DShape shape_;
  int out_channels_;
  int pool_shift_;
  int explicit_pad_;
  bool pool_floor_;
};

// kernels::DenseAccumulate, the same int32 sums (integer addition, wrapping
// like the scalar loop in the worst case, so any order gives the same
// words): 16 columns per _mm256_madd_epi16 (int8 or int16 inputs times int8
// weights widened to int16; |x * w| <= 2^22, so a pair never saturates).
// Four rows at a time share the input loads and one horizontal reduction
// (a column slice of 77 has 5 vector steps per row, so a per-row reduction
// was a third of the work); the last out_end - out_begin mod 4 rows go one
// at a time.
template <typename In>
__attribute__((target("avx2"))) inline __m256i LoadInput16(const In* input) {
  if constexpr (sizeof(In) == 1) {
    return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(input)));
  } else {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(input));
  }
}

__attribute__((target("avx2"))) inline __m256i LoadWeights16(const int8_t* w) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w)));
}

// The last `tail` (< 16) columns of a row whose tail weights start at `w`:
// 16 weight bytes against the zero-padded input tail (the extra lanes
// multiply by 0). With `whole_load` the 16-byte load may read past the row
// (the weights continue there), else the tail is copied first.
__attribute__((target("avx2"))) inline __m256i DenseTailProduct(__m256i x_tail, const int8_t* w,
                                                                int tail, bool whole_load) {
  __m128i wt;
  if (whole_load) {
    wt = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w));
  } else {
    alignas(16) int8_t buffer[16] = {};
    std::memcpy(buffer, w, tail);
    wt = _mm_load_si128(reinterpret_cast<const __m128i*>(buffer));
  }
  return _mm256_madd_epi16(x_tail, _mm256_cvtepi8_epi16(wt));
}

template <typename In>
__attribute__((target("avx2"))) void DenseAccumulateAvx2(const In* input, const int8_t* weights,
                                                         int in_total, int out_begin,
                                                         int out_end, int in_begin, int in_end,
                                                         int32_t* sums) {
  const int n = in_end - in_begin;
  const int n16 = n & ~15;
  const int tail = n - n16;
  alignas(32) int16_t x_tail_values[16] = {};
  for (int v = 0; v < tail; ++v) x_tail_values[v] = input[n16 + v];
  const __m256i x_tail = _mm256_load_si256(reinterpret_cast<const __m256i*>(x_tail_values));
  // Bytes of weights known to exist: rows [0, out_end) of in_total each.
  const size_t weight_bytes = static_cast<size_t>(out_end) * in_total;
  const auto row = [&](int z) {
    return weights + static_cast<size_t>(z) * in_total + in_begin;
  };
  const auto whole_tail_load = [&](int z) {
    return static_cast<size_t>(z) * in_total + in_begin + n16 + 16 <= weight_bytes;
  };
  int z = out_begin;
  for (; z + 4 <= out_end; z += 4) {
    const int8_t* w0 = row(z);
    const int8_t* w1 = row(z + 1);
    const int8_t* w2 = row(z + 2);
    const int8_t* w3 = row(z + 3);
    __m256i acc0 = _mm256_setzero_si256();
    __m256i acc1 = _mm256_setzero_si256();
    __m256i acc2 = _mm256_setzero_si256();
    __m256i acc3 = _mm256_setzero_si256();
    for (int v = 0; v < n16; v += 16) {
      const __m256i x = LoadInput16(input + v);
      acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(x, LoadWeights16(w0 + v)));
      acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(x, LoadWeights16(w1 + v)));
      acc2 = _mm256_add_epi32(acc2, _mm256_madd_epi16(x, LoadWeights16(w2 + v)));
      acc3 = _mm256_add_epi32(acc3, _mm256_madd_epi16(x, LoadWeights16(w3 + v)));
    }
    if (tail > 0) {
      acc0 = _mm256_add_epi32(acc0, DenseTailProduct(x_tail, w0 + n16, tail, whole_tail_load(z)));
      acc1 = _mm256_add_epi32(acc1,
                              DenseTailProduct(x_tail, w1 + n16, tail, whole_tail_load(z + 1)));
      acc2 = _mm256_add_epi32(acc2,
                              DenseTailProduct(x_tail, w2 + n16, tail, whole_tail_load(z + 2)));
      acc3 = _mm256_add_epi32(acc3,
                              DenseTailProduct(x_tail, w3 + n16, tail, whole_tail_load(z + 3)));
    }
    // Lanes [a0 a1 a2 a3 | a0 a1 a2 a3] after two rounds of pairwise adds.
    const __m256i pairs =
        _mm256_hadd_epi32(_mm256_hadd_epi32(acc0, acc1), _mm256_hadd_epi32(acc2, acc3));
    const __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(pairs),
                                     _mm256_extracti128_si256(pairs, 1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(sums + (z - out_begin)), s4);
  }
  for (; z < out_end; ++z) {
    const int8_t* w = row(z);
    __m256i acc0 = _mm256_setzero_si256();
    __m256i acc1 = _mm256_setzero_si256();
    int v = 0;
    for (; v + 32 <= n16; v += 32) {
      acc0 = _mm256_add_epi32(acc0,
                              _mm256_madd_epi16(LoadInput16(input + v), LoadWeights16(w + v)));
      acc1 = _mm256_add_epi32(
          acc1, _mm256_madd_epi16(LoadInput16(input + v + 16), LoadWeights16(w + v + 16)));
    }
    for (; v < n16; v += 16) {
      acc0 = _mm256_add_epi32(acc0,
                              _mm256_madd_epi16(LoadInput16(input + v), LoadWeights16(w + v)));
    }
    if (tail > 0) {
      acc1 = _mm256_add_epi32(acc1, DenseTailProduct(x_tail, w + n16, tail, whole_tail_load(z)));
    }
    acc0 = _mm256_add_epi32(acc0, acc1);
    __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(acc0), _mm256_extracti128_si256(acc0, 1));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4E));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xB1));
    sums[z - out_begin] = _mm_cvtsi128_si32(s4);
  }
}

template <typename In>
void DenseAccumulateFast(const In* input, const int8_t* weights, int in_total, int out_begin,
                         int out_end, int in_begin, int in_end, int32_t* sums) {
  if (HasAvx2()) {
    DenseAccumulateAvx2(input, weights, in_total, out_begin, out_end, in_begin, in_end, sums);
    return;
  }
  kernels::DenseAccumulate(input, weights, in_total, out_begin, out_end, in_begin, in_end, sums);
}

class DenseOp final : public Op {
 public:
  DenseOp(const DenseParams& p, const TensorSpec& input, int64_t in_features)
      : Op(OpKind::kDense, p.name, {input},
           {Spec(p.output, p.out_dtype, {p.out_features}, p.out_frac_bits)},
           {Spec(p.weights, DType::kInt8, {p.out_features, in_features}, 4),
            Spec(p.bias, DType::kInt8, {p.out_features}, 4)}),
        params_(p),
        in_features_(in_features) {}

  int64_t output_units() const override { return params_.out_features; }
  int64_t input_units() const override { return in_features_; }
  int64_t WeightBytes(Range out, Range in) const override {
    return out.size() * in.size();
  }
  int64_t BiasBytes(Range out) const override { return out.size(); }
  int64_t Macs(Range out, Range in) const override { return out.size() * in.size(); }
  std::map<std::string, int64_t> attrs() const override {
    return {{"out_features", params_.out_features},
            {"out_bits", params_.out_dtype == DType::kInt8 ? 8 : 16},
            {"bias_shift", params_.bias_shift},
            {"out_shift", params_.out_shift},
            {"out_frac_bits", params_.out_frac_bits}};
  }

  absl::StatusOr<std::vector<Tensor>> ExecuteOutputRange(
      const OpIo& io, Range out) const override {
    RETURN_IF_ERROR(CheckIo(io, /*check_inputs=*/true));
    ASSIGN_OR_RETURN(Tensor sums, PartialSums(io, out, all_inputs()));
    ASSIGN_OR_RETURN(Tensor result, FinishPartialSums(sums, io, out));
    std::vector<Tensor> outs;
    outs.push_back(std::move(result));
    return outs;
  }

  int64_t ScratchElements(Range out) const override { return out.size(); }

  absl::Status ExecuteOutputRangeInto(const OpIo& io, Range out,
                                      absl::Span<int32_t> scratch,
                                      absl::Span<Tensor* const> outputs) const override {
    return OutputRangeViaPartialSums(*this, io, out, scratch, outputs);
  }

  absl::Status PartialSumsInto(const OpIo& io, Range out, Range in,
                               int32_t* sums) const override {
    RETURN_IF_ERROR(CheckIo(io, /*check_inputs=*/true));
    RETURN_IF_ERROR(CheckOutputRange(out));
    RETURN_IF_ERROR(CheckInputRange(in));
    const int8_t* w = io.weights[0]->data<int8_t>();
    if (inputs()[0].dtype == DType::kInt16) {
      DenseAccumulateFast(io.inputs[0]->data<int16_t>() + in.begin, w, in_features_,
                               out.begin, out.end, in.begin, in.end, sums);
    } else {
      DenseAccumulateFast(io.inputs[0]->data<int8_t>() + in.begin, w, in_features_,
                               out.begin, out.end, in.begin, in.end, sums);
    }
    return absl::OkStatus();
  }

  absl::Status FinishPartialSumsInto(const int32_t* sums, const OpIo& io, Range out,
                                     Tensor* output) const override {
    RETURN_IF_ERROR(CheckOutputRange(out));
    RETURN_IF_ERROR(CheckOutputTensor(0, output));
    const int8_t* b = io.weights[1]->data<int8_t>();
    if (params_.out_dtype == DType::kInt8) {
      kernels::DenseFinish(sums, b, params_.bias_shift, params_.out_shift, out.begin,
                           out.end, output->data<int8_t>() + out.begin);
    } else {
      kernels::DenseFinish(sums, b, params_.bias_shift, params_.out_shift, out.begin,
                           out.end, output->data<int16_t>() + out.begin);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Tensor> PartialSums(const OpIo& io, Range out,
                                     Range in) const override {
    RETURN_IF_ERROR(CheckIo(io, /*check_inputs=*/false));
    RETURN_IF_ERROR(CheckOutputRange(out));
    RETURN_IF_ERROR(CheckInputRange(in));
    const DType in_dtype = inputs()[0].dtype;
    RETURN_IF_ERROR(CheckSlice(*this, io.inputs[0], in_dtype, in.size(), 1));
    Tensor sums(DType::kInt32, {out.size()}, 8);
    const int8_t* w = io.weights[0]->data<int8_t>();
    if (in_dtype == DType::kInt16) {
      DenseAccumulateFast(io.inputs[0]->data<int16_t>(), w, in_features_,
                               out.begin, out.end, in.begin, in.end,
                               sums.data<int32_t>());
    } else {
      DenseAccumulateFast(io.inputs[0]->data<int8_t>(), w, in_features_,
                               out.begin, out.end, in.begin, in.end,
                               sums.data<int32_t>());
    }
    return sums;
  }

  absl::StatusOr<Tensor> FinishPartialSums(const Tensor& sums, const OpIo& io,
                                           Range out) const override {
    RETURN_IF_ERROR(CheckOutputRange(out));
    if (sums.dtype() != DType::kInt32 || sums.num_elements() != out.size()) {
      return Invalid(name(), absl::StrCat("partial sums must be int32 [",
                                          out.size(), "]; got ", sums.DebugString()));
    }
    Tensor result(params_.out_dtype, {out.size()}, params_.out_frac_bits);
    const int8_t* b = io.weights[1]->data<int8_t>();
    if (params_.out_dtype == DType::kInt8) {
      kernels::DenseFinish(sums.data<int32_t>(), b, params_.bias_shift,
                           params_.out_shift, out.begin, out.end,
                           result.data<int8_t>());
    } else {
      kernels::DenseFinish(sums.data<int32_t>(), b, params_.bias_shift,
                           params_.out_shift, out.begin, out.end,
                           result.data<int16_t>());
    }
    return result;
  }

 private:
  DenseParams params_;
  int64_t in_features_;
};

class MaxPoolOp final : public Op {
 public:
  MaxPoolOp(std::string name, const TensorSpec& input, TensorSpec out, int shift)
      : Op(OpKind::kMaxPool, std::move(name), {input}, {std::move(out)}, {}),
        shift_(shift) {}

  int64_t output_units() const override { return inputs()[0].shape[0]; }
  std::map<std::string, int64_t> attrs() const override { return {{"shift", shift_}}; }

  absl::StatusOr<std::vector<Tensor>> ExecuteOutputRange(
      const OpIo& io, Range out) const override {
    RETURN_IF_ERROR(CheckIo(io, /*check_inputs=*/true));
    RETURN_IF_ERROR(CheckOutputRange(out));
    const int size = static_cast<int>(inputs()[0].shape[1]);
    const int op = size >> shift_;
    Tensor result(DType::kInt8, {out.size(), op, op}, inputs()[0].frac_bits);
    kernels::MaxPool(io.inputs[0]->data<int8_t>() + out.begin * size * size,
                     static_cast<int>(out.size()), size, shift_,
                     result.data<int8_t>());
    std::vector<Tensor> outs;
    outs.push_back(std::move(result));
    return outs;
  }

  absl::Status ExecuteOutputRangeInto(const OpIo& io, Range out, absl::Span<int32_t> scratch,
                                      absl::Span<Tensor* const> outputs) const override {
    RETURN_IF_ERROR(CheckIo(io, /*check_inputs=*/true));
    RETURN_IF_ERROR(CheckInto(*this, out, scratch, outputs));
    const int size = static_cast<int>(inputs()[0].shape[1]);
    kernels::MaxPool(io.inputs[0]->data<int8_t>() + out.begin * size * size,
                     static_cast<int>(out.size()), size, shift_,
                     outputs[0]->data<int8_t>() + OutputUnitOffset(0, out.begin));
    return absl::OkStatus();
  }

 private:
  int shift_;
};

// Reads element i of any integer tensor.
int32_t ValueAt(const Tensor& t, int64_t i) { return t.at(i); }

class ArgmaxOp final : public Op {
 public:
  ArgmaxOp(std::string name, const TensorSpec& input, TensorSpec out)
      : Op(OpKind::kArgmax, std::move(name), {input}, {std::move(out)}, {}) {}

  int64_t output_units() const override { return 1; }

  absl::StatusOr<std::vector<Tensor>> ExecuteOutputRange(
      const OpIo& io, Range out) const override {
    RETURN_IF_ERROR(CheckIo(io, /*check_inputs=*/true));
    RETURN_IF_ERROR(CheckOutputRange(out));
    const Tensor& in = *io.inputs[0];
    int index = 0;
    switch (in.dtype()) {
      case DType::kInt8:
        index = kernels::Argmax(in.data<int8_t>(), in.num_elements());
        break;
      case DType::kInt16:
        index = kernels::Argmax(in.data<int16_t>(), in.num_elements());
        break;
      default:
        index = kernels::Argmax(in.values().data(), in.num_elements());
    }
    std::vector<Tensor> outs;
    outs.push_back(Tensor::FromValues(DType::kInt16, {1}, {index}));
    return outs;
  }

  absl::Status ExecuteOutputRangeInto(const OpIo& io, Range out, absl::Span<int32_t> scratch,
                                      absl::Span<Tensor* const> outputs) const override {
    const DType dtype = inputs()[0].dtype;
    if (dtype != DType::kInt8 && dtype != DType::kInt16) {
      return Op::ExecuteOutputRangeInto(io, out, scratch, outputs);
    }
    RETURN_IF_ERROR(CheckIo(io, /*check_inputs=*/true));
    RETURN_IF_ERROR(CheckInto(*this, out, scratch, outputs));
    const Tensor& in = *io.inputs[0];
    const int index = dtype == DType::kInt8
                          ? kernels::Argmax(in.data<int8_t>(), in.num_elements())
                          : kernels::Argmax(in.data<int16_t>(), in.num_elements());
    outputs[0]->data<int16_t>()[0] = static_cast<int16_t>(index);
    return absl::OkStatus();
  }
};

class BranchOp final : public Op {
 public:
  BranchOp(std::string name, const TensorSpec& q, TensorSpec out)
      : Op(OpKind::kBranch, std::move(name), {q}, {std::move(out)}, {}) {}

  int64_t output_units() const override { return 1; }

  absl::StatusOr<std::vector<Tensor>> ExecuteOutputRange(
      const OpIo& io, Range out) const override {
    RETURN_IF_ERROR(CheckIo(io, /*check_inputs=*/true));
    RETURN_IF_ERROR(CheckOutputRange(out));
    const Tensor& q = *io.inputs[0];
    const int32_t high = ValueAt(q, 0) > ValueAt(q, 1) ? 1 : 0;
    std::vector<Tensor> outs;
    outs.push_back(Tensor::FromValues(DType::kInt8, {1}, {high}));
    return outs;
  }

  absl::Status ExecuteOutputRangeInto(const OpIo& io, Range out, absl::Span<int32_t> scratch,
                                      absl::Span<Tensor* const> outputs) const override {
    RETURN_IF_ERROR(CheckIo(io, /*check_inputs=*/true));
    RETURN_IF_ERROR(CheckInto(*this, out, scratch, outputs));
    const Tensor& q = *io.inputs[0];
    outputs[0]->data<int8_t>()[0] = static_cast<int8_t>(ValueAt(q, 0) > ValueAt(q, 1) ? 1 : 0);
    return absl::OkStatus();
  }
};

class LstmOp final : public Op {
 public:
  LstmOp(const LstmParams& p, const TensorSpec& x, const TensorSpec& h0,
         const TensorSpec& c0)
      : Op(OpKind::kLstm, p.name, {x, h0, c0},
           {Spec(p.h_output, DType::kInt8, {p.hidden}, 4),
            Spec(p.c_output, DType::kInt16, {p.hidden}, 8)},
           {Spec(p.input_weights, DType::kInt8, {4 * p.hidden, x.shape[1]}, 7),
            Spec(p.hidden_weights, DType::kInt8, {4 * p.hidden, p.hidden}, 7),
            Spec(p.bias, DType::kInt8, {4 * p.hidden}, 7)}),
        shape_{static_cast<int>(x.shape[1]), p.hidden},
        steps_(x.shape[0]) {}

  int64_t output_units() const override { return shape_.hidden; }
  int64_t WeightBytes(Range out, Range) const override {
    return 4 * out.size() * (shape_.input + shape_.hidden);
  }
  int64_t BiasBytes(Range out) const override { return 4 * out.size(); }
  int64_t Macs(Range out, Range) const override {
    return steps_ * 4 * out.size() * (shape_.input + shape_.hidden);
  }
  std::map<std::string, int64_t> attrs() const override {
    return {{"hidden", shape_.hidden}};
  }

  absl::StatusOr<std::vector<Tensor>> ExecuteOutputRange(
      const OpIo& io, Range out) const override {
    RETURN_IF_ERROR(CheckIo(io, /*check_inputs=*/true));
    RETURN_IF_ERROR(CheckOutputRange(out));
    RETURN_IF_ERROR(CheckStepsForRange(out));
    const int h = shape_.hidden;
    std::vector<int8_t> hs(io.inputs[1]->data<int8_t>(),
                           io.inputs[1]->data<int8_t>() + h);
    std::vector<int16_t> cs(io.inputs[2]->data<int16_t>(),
                            io.inputs[2]->data<int16_t>() + h);
    std::vector<int32_t> gates(4 * h);
    std::vector<int8_t> h_next(h);
    const int8_t* x = io.inputs[0]->data<int8_t>();
    for (int64_t t = 0; t < steps_; ++t) {
      kernels::LstmGates(x + t * shape_.input, hs.data(),
                         io.weights[0]->data<int8_t>(),
                         io.weights[1]->data<int8_t>(),
                         io.weights[2]->data<int8_t>(), shape_, 0, h,
                         gates.data());
      kernels::LstmCellUpdate(gates.data(), cs.data(), h, cs.data(), h_next.data());
      hs.swap(h_next);
    }
    Tensor h_out(DType::kInt8, {out.size()}, 4);
    Tensor c_out(DType::kInt16, {out.size()}, 8);
    std::copy(hs.begin() + out.begin, hs.begin() + out.end, h_out.data<int8_t>());
    std::copy(cs.begin() + out.begin, cs.begin() + out.end, c_out.data<int16_t>());
    std::vector<Tensor> outs;
    outs.push_back(std::move(h_out));
    outs.push_back(std::move(c_out));
    return outs;
  }

  // The gates of units `out` (4 per unit).
  int64_t ScratchElements(Range out) const override { return 4 * out.size(); }

  // Only units `out` are computed: a unit's gates depend on x, the whole
  // previous h and its own weights, and its cell update on its own gates and
  // c, so this equals ExecuteOutputRange's all-unit computation cut to
  // `out`. A multi-step LSTM (out is then all units) keeps its h and c state
  // in the output tensors: each step's gates are complete before the cell
  // update overwrites h.
  absl::Status ExecuteOutputRangeInto(const OpIo& io, Range out,
                                      absl::Span<int32_t> scratch,
                                      absl::Span<Tensor* const> outputs) const override {
    RETURN_IF_ERROR(CheckIo(io, /*check_inputs=*/true));
    RETURN_IF_ERROR(CheckInto(*this, out, scratch, outputs));
    RETURN_IF_ERROR(CheckStepsForRange(out));
    const int8_t* x = io.inputs[0]->data<int8_t>();
    const int8_t* h = io.inputs[1]->data<int8_t>();
    const int16_t* c = io.inputs[2]->data<int16_t>() + out.begin;
    int8_t* h_out = outputs[0]->data<int8_t>();
    int16_t* c_out = outputs[1]->data<int16_t>() + out.begin;
    const int n = static_cast<int>(out.size());
    for (int64_t t = 0; t < steps_; ++t) {
      kernels::LstmGates(x + t * shape_.input, h, io.weights[0]->data<int8_t>(),
                         io.weights[1]->data<int8_t>(), io.weights[2]->data<int8_t>(), shape_,
                         static_cast<int>(out.begin), static_cast<int>(out.end), scratch.data());
      kernels::LstmCellUpdate(scratch.data(), c, n, c_out, h_out + out.begin);
      h = h_out;
      c = c_out;
    }
    return absl::OkStatus();
  }

 private:
  // FailedPrecondition unless `out` is all units or the LSTM has one step.
  absl::Status CheckStepsForRange(Range out) const {
    if (steps_ != 1 && !(out == all_outputs())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "op '", name(), "': a ", steps_,
          "-step LSTM cannot run a part of its units alone (each step needs "
          "the whole h); run it step by step with LstmStepUnits"));
    }
    return absl::OkStatus();
  }

  kernels::LstmShape shape_;
  int64_t steps_;
};

class ResidualAddOp final : public Op {
 public:
  ResidualAddOp(std::string name, const TensorSpec& x, const TensorSpec& skip,
                TensorSpec out, int stride)
      : Op(OpKind::kResidualAdd, std::move(name), {x, skip}, {std::move(out)}, {}),
        stride_(stride) {}

  int64_t output_units() const override { return inputs()[0].shape[0]; }

  absl::StatusOr<std::vector<Tensor>> ExecuteOutputRange(
      const OpIo& io, Range out) const override {
    RETURN_IF_ERROR(CheckIo(io, /*check_inputs=*/true));
    RETURN_IF_ERROR(CheckOutputRange(out));
    const int64_t size = inputs()[0].shape[1];
    Tensor result(DType::kInt8, {out.size(), size, size}, inputs()[0].frac_bits);
    Compute(io, out, result.data<int8_t>());
    std::vector<Tensor> outs;
    outs.push_back(std::move(result));
    return outs;
  }

  absl::Status ExecuteOutputRangeInto(const OpIo& io, Range out,
                                      absl::Span<int32_t> scratch,
                                      absl::Span<Tensor* const> outputs) const override {
    RETURN_IF_ERROR(CheckIo(io, /*check_inputs=*/true));
    RETURN_IF_ERROR(CheckInto(*this, out, scratch, outputs));
    Compute(io, out, outputs[0]->data<int8_t>() + OutputUnitOffset(0, out.begin));
    return absl::OkStatus();
  }

 private:
  // Channels `out` into dst (channel out.begin first).
  void Compute(const OpIo& io, Range out, int8_t* dst) const {
    const int64_t size = inputs()[0].shape[1];
    const int64_t skip_channels = inputs()[1].shape[0];
    const int64_t skip_size = inputs()[1].shape[1];
    const int8_t* x = io.inputs[0]->data<int8_t>();
    const int8_t* skip = io.inputs[1]->data<int8_t>();
    for (int64_t c = out.begin; c < out.end; ++c) {
      const int8_t* xc = x + c * size * size;
      int8_t* dc = dst + (c - out.begin) * size * size;
      if (c >= skip_channels) {
        std::copy(xc, xc + size * size, dc);
        continue;
      }
      const int8_t* sc = skip + c * skip_size * skip_size;
      for (int64_t y = 0; y < size; ++y) {
        for (int64_t i = 0; i < size; ++i) {
          const int32_t v = int32_t{xc[y * size + i]} +
                            sc[(y * stride_) * skip_size + i * stride_];
          dc[y * size + i] = static_cast<int8_t>(std::clamp(v, -128, 127));
        }
      }
    }
  }

  int64_t stride_;
};

class GlobalAvgPoolOp final : public Op {
 public:
  GlobalAvgPoolOp(std::string name, const TensorSpec& input, TensorSpec out)
      : Op(OpKind::kGlobalAvgPool, std::move(name), {input}, {std::move(out)}, {}) {}

  int64_t output_units() const override { return inputs()[0].shape[0]; }

  absl::StatusOr<std::vector<Tensor>> ExecuteOutputRange(
      const OpIo& io, Range out) const override {
    RETURN_IF_ERROR(CheckIo(io, /*check_inputs=*/true));
    RETURN_IF_ERROR(CheckOutputRange(out));
    Tensor result(DType::kInt8, {out.size()}, inputs()[0].frac_bits);
    Compute(io, out, result.data<int8_t>());
    std::vector<Tensor> outs;
    outs.push_back(std::move(result));
    return outs;
  }

  absl::Status ExecuteOutputRangeInto(const OpIo& io, Range out,
                                      absl::Span<int32_t> scratch,
                                      absl::Span<Tensor* const> outputs) const override {
    RETURN_IF_ERROR(CheckIo(io, /*check_inputs=*/true));
    RETURN_IF_ERROR(CheckInto(*this, out, scratch, outputs));
    Compute(io, out, outputs[0]->data<int8_t>() + out.begin);
    return absl::OkStatus();
  }

 private:
  // Channels `out` into dst (channel out.begin first).
  void Compute(const OpIo& io, Range out, int8_t* dst) const {
    const int64_t n = inputs()[0].shape[1] * inputs()[0].shape[2];
    const int8_t* x = io.inputs[0]->data<int8_t>();
    for (int64_t c = out.begin; c < out.end; ++c) {
      int64_t sum = n / 2;
      for (int64_t i = 0; i < n; ++i) sum += x[c * n + i];
      // Floor division (sum may be negative).
      int64_t q = sum / n;
      if (sum % n != 0 && sum < 0) --q;
      dst[c - out.begin] = static_cast<int8_t>(q);
    }
  }
};

class EmbeddingOp final : public Op {
 public:
  EmbeddingOp(std::string name, const TensorSpec& id, TensorSpec out, TensorSpec table)
      : Op(OpKind::kEmbedding, std::move(name), {id}, {std::move(out)}, {std::move(table)}) {}

  int64_t vocabulary() const { return weights()[0].shape[1]; }
  int64_t output_units() const override { return weights()[0].shape[0]; }
  int64_t WeightBytes(Range out, Range) const override { return out.size() * vocabulary(); }
  std::map<std::string, int64_t> attrs() const override {
    return {{"vocabulary", vocabulary()}, {"dim", output_units()}};
  }

  absl::StatusOr<std::vector<Tensor>> ExecuteOutputRange(
      const OpIo& io, Range out) const override {
    RETURN_IF_ERROR(CheckIo(io, /*check_inputs=*/true));
    RETURN_IF_ERROR(CheckOutputRange(out));
    RETURN_IF_ERROR(CheckId(io));
    Tensor result(DType::kInt8, {out.size()}, 4);
    Compute(io, out, result.data<int8_t>());
    std::vector<Tensor> outs;
    outs.push_back(std::move(result));
    return outs;
  }

  absl::Status ExecuteOutputRangeInto(const OpIo& io, Range out,
                                      absl::Span<int32_t> scratch,
                                      absl::Span<Tensor* const> outputs) const override {
    RETURN_IF_ERROR(CheckIo(io, /*check_inputs=*/true));
    RETURN_IF_ERROR(CheckInto(*this, out, scratch, outputs));
    RETURN_IF_ERROR(CheckId(io));
    Compute(io, out, outputs[0]->data<int8_t>() + out.begin);
    return absl::OkStatus();
  }

 private:
  // InvalidArgument when the word id is outside the vocabulary.
  absl::Status CheckId(const OpIo& io) const {
    const int64_t id = io.inputs[0]->at(0);
    if (id < 0 || id >= vocabulary()) {
      return Invalid(name(), absl::StrCat("word id ", id, " outside [0, ", vocabulary(), ")"));
    }
    return absl::OkStatus();
  }

  // Dimensions `out` of the looked-up word into dst (out.begin first).
  void Compute(const OpIo& io, Range out, int8_t* dst) const {
    const int64_t id = io.inputs[0]->at(0);
    const int8_t* table = io.weights[0]->data<int8_t>();
    for (int64_t d = out.begin; d < out.end; ++d) {
      dst[d - out.begin] = table[d * vocabulary() + id];
    }
  }
};

class LmLstmCellOp final : public Op {
 public:
  LmLstmCellOp(const LmLstmCellParams& p, const TensorSpec& x, const TensorSpec& r,
               const TensorSpec& c)
      : Op(OpKind::kLmLstmCell, p.name, {x, r, c},
           {Spec(p.h_output, DType::kInt8, {p.hidden}, 4),
            Spec(p.c_output, DType::kInt16, {p.hidden}, 8)},
           {Spec(p.weights, DType::kInt8, {4 * p.hidden, x.shape[0] + r.shape[0]}, 7),
            Spec(p.bias, DType::kInt8, {4 * p.hidden}, 7)}),
        hidden_(p.hidden),
        columns_(x.shape[0] + r.shape[0]) {}

  int64_t output_units() const override { return hidden_; }
  int64_t WeightBytes(Range out, Range) const override { return 4 * out.size() * columns_; }
  int64_t BiasBytes(Range out) const override { return 4 * out.size(); }
  int64_t Macs(Range out, Range) const override { return 4 * out.size() * columns_; }
  std::map<std::string, int64_t> attrs() const override { return {{"hidden", hidden_}}; }

  absl::StatusOr<std::vector<Tensor>> ExecuteOutputRange(
      const OpIo& io, Range out) const override {
    RETURN_IF_ERROR(CheckIo(io, /*check_inputs=*/true));
    RETURN_IF_ERROR(CheckOutputRange(out));
    const int64_t n = out.size();
    std::vector<int32_t> gates(4 * n);
    Gates(io, out, gates.data());
    Tensor h_out(DType::kInt8, {n}, 4);
    Tensor c_out(DType::kInt16, {n}, 8);
    kernels::LstmCellUpdate(gates.data(), io.inputs[2]->data<int16_t>() + out.begin,
                            static_cast<int>(n), c_out.data<int16_t>(), h_out.data<int8_t>());
    std::vector<Tensor> outs;
    outs.push_back(std::move(h_out));
    outs.push_back(std::move(c_out));
    return outs;
  }

  // The gates of units `out` (4 per unit).
  int64_t ScratchElements(Range out) const override { return 4 * out.size(); }

  absl::Status ExecuteOutputRangeInto(const OpIo& io, Range out,
                                      absl::Span<int32_t> scratch,
                                      absl::Span<Tensor* const> outputs) const override {
    RETURN_IF_ERROR(CheckIo(io, /*check_inputs=*/true));
    RETURN_IF_ERROR(CheckInto(*this, out, scratch, outputs));
    Gates(io, out, scratch.data());
    kernels::LstmCellUpdate(scratch.data(), io.inputs[2]->data<int16_t>() + out.begin,
                            static_cast<int>(out.size()),
                            outputs[1]->data<int16_t>() + out.begin,
                            outputs[0]->data<int8_t>() + out.begin);
    return absl::OkStatus();
  }

 private:
  // gates[g * n + k] (n = out.size()): gate g of unit out.begin + k, int32
  // Q11, = (B << 4) + W . [x; r].
  void Gates(const OpIo& io, Range out, int32_t* gates) const {
    const int64_t in = inputs()[0].shape[0];
    const int8_t* x = io.inputs[0]->data<int8_t>();
    const int8_t* r = io.inputs[1]->data<int8_t>();
    const int8_t* w = io.weights[0]->data<int8_t>();
    const int8_t* b = io.weights[1]->data<int8_t>();
    const int64_t n = out.size();
    for (int g = 0; g < 4; ++g) {
      for (int64_t u = out.begin; u < out.end; ++u) {
        const int64_t row = g * hidden_ + u;
        const int8_t* wr = w + row * columns_;
        int32_t a = kernels::BiasToAccumulator(b[row], 4);
        for (int64_t v = 0; v < in; ++v) a += int32_t{wr[v]} * x[v];
        for (int64_t v = in; v < columns_; ++v) a += int32_t{wr[v]} * r[v - in];
        gates[g * n + (u - out.begin)] = a;
      }
    }
  }

  int64_t hidden_;
  int64_t columns_;
};

absl::Status CheckName(absl::string_view op, absl::string_view field,
                       const std::string& value) {
  if (value.empty()) return Invalid(op, absl::StrCat(field, " name is empty"));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Op>> MakeConv2D(const Conv2DParams& p,
                                               const TensorSpec& input) {
  RETURN_IF_ERROR(CheckName(p.name, "output", p.output));
  if (input.dtype != DType::kInt8 || input.shape.size() != 3 ||
      input.shape[1] != input.shape[2]) {
    return Invalid(p.name, absl::StrCat("input must be int8 [C, S, S]; got ",
                                        input.DebugString()));
  }
  if (p.out_channels <= 0 || p.kernel <= 0 || p.pool_shift < 0) {
    return Invalid(p.name, absl::StrCat("out_channels ", p.out_channels, ", kernel ",
                                        p.kernel, ", pool_shift ", p.pool_shift,
                                        " must be positive"));
  }
  if (p.same_padding && p.pad < 0 && p.kernel % 2 == 0) {
    return Invalid(p.name, absl::StrCat("same padding needs an odd kernel; got ",
                                        p.kernel));
  }
  if (p.stride < 1 || p.pad < -1 || p.pad >= p.kernel) {
    return Invalid(p.name, absl::StrCat("stride ", p.stride, " must be >= 1 and pad ",
                                        p.pad, " in [0, kernel) (or -1)"));
  }
  kernels::Conv2DShape shape{static_cast<int>(input.shape[0]),
                             static_cast<int>(input.shape[1]), p.kernel,
                             p.pad >= 0 ? p.pad : (p.same_padding ? p.kernel / 2 : 0),
                             p.stride};
  if (input.shape[1] + 2 * shape.pad < p.kernel) {
    return Invalid(p.name, absl::StrCat("kernel ", p.kernel, " exceeds the padded input side ",
                                        input.shape[1] + 2 * shape.pad));
  }
  const int m = shape.out_size();
  if (m <= 0 || (m >> p.pool_shift) <= 0 ||
      (!p.pool_floor && m % (1 << p.pool_shift) != 0)) {
    return Invalid(p.name, absl::StrCat("output side ", m,
                                        " is not a positive multiple of the pool side ",
                                        1 << p.pool_shift));
  }
  const int mp = m >> p.pool_shift;
  TensorSpec out = Spec(p.output, DType::kInt8, {p.out_channels, mp, mp}, 4);
  return std::unique_ptr<Op>(new Conv2DOp(p, input, std::move(out), shape));
}

absl::StatusOr<std::unique_ptr<Op>> MakeDense(const DenseParams& p,
                                              const TensorSpec& input) {
  RETURN_IF_ERROR(CheckName(p.name, "output", p.output));
  if (input.dtype != DType::kInt8 && input.dtype != DType::kInt16) {
    return Invalid(p.name, absl::StrCat("input must be int8 or int16; got ",
                                        input.DebugString()));
  }
  if (p.out_dtype != DType::kInt8 && p.out_dtype != DType::kInt16) {
    return Invalid(p.name, absl::StrCat("output dtype must be int8 or int16; got ",
                                        DTypeName(p.out_dtype)));
  }
  if (p.out_features <= 0 || p.bias_shift < 0 || p.out_shift < 0 ||
      p.bias_shift > 16 || p.out_shift > 16) {
    return Invalid(p.name, absl::StrCat("out_features ", p.out_features, ", bias_shift ",
                                        p.bias_shift, ", out_shift ", p.out_shift,
                                        " out of range"));
  }
  return std::unique_ptr<Op>(new DenseOp(p, input, input.num_elements()));
}

absl::StatusOr<std::unique_ptr<Op>> MakeResidualAdd(const std::string& name,
                                                    const std::string& output,
                                                    const TensorSpec& x,
                                                    const TensorSpec& skip) {
  RETURN_IF_ERROR(CheckName(name, "output", output));
  auto square = [](const TensorSpec& t) {
    return t.dtype == DType::kInt8 && t.shape.size() == 3 && t.shape[1] == t.shape[2] &&
           t.shape[1] > 0;
  };
  if (!square(x) || !square(skip) || skip.shape[0] > x.shape[0] ||
      skip.shape[1] % x.shape[1] != 0 || x.frac_bits != skip.frac_bits) {
    return Invalid(name, absl::StrCat("residual add needs int8 [C, S, S] and a skip int8 "
                                      "[Cs <= C, k * S, k * S] of the same format; got ",
                                      x.DebugString(), " and ", skip.DebugString()));
  }
  const int stride = static_cast<int>(skip.shape[1] / x.shape[1]);
  TensorSpec out = Spec(output, DType::kInt8, x.shape, x.frac_bits);
  return std::unique_ptr<Op>(new ResidualAddOp(name, x, skip, std::move(out), stride));
}

absl::StatusOr<std::unique_ptr<Op>> MakeGlobalAvgPool(const std::string& name,
                                                      const std::string& output,
                                                      const TensorSpec& input) {
  RETURN_IF_ERROR(CheckName(name, "output", output));
  if (input.dtype != DType::kInt8 || input.shape.size() != 3 || input.shape[1] <= 0 ||
      input.shape[2] <= 0) {
    return Invalid(name, absl::StrCat("global_avg_pool needs int8 [C, H, W]; got ",
                                      input.DebugString()));
  }
  TensorSpec out = Spec(output, DType::kInt8, {input.shape[0]}, input.frac_bits);
  return std::unique_ptr<Op>(new GlobalAvgPoolOp(name, input, std::move(out)));
}

absl::StatusOr<std::unique_ptr<Op>> MakeEmbedding(const std::string& name,
                                                  const std::string& output,
                                                  const std::string& table,
                                                  int64_t vocabulary, int dim,
                                                  const TensorSpec& id) {
  RETURN_IF_ERROR(CheckName(name, "output", output));
  RETURN_IF_ERROR(CheckName(name, "table", table));
  if (id.dtype != DType::kInt32 || id.num_elements() != 1) {
    return Invalid(name, absl::StrCat("word id must be int32 [1]; got ", id.DebugString()));
  }
  if (vocabulary <= 0 || dim <= 0) {
    return Invalid(name, absl::StrCat("vocabulary ", vocabulary, " and dim ", dim,
                                      " must be positive"));
  }
  return std::unique_ptr<Op>(
      new EmbeddingOp(name, id, Spec(output, DType::kInt8, {dim}, 4),
                      Spec(table, DType::kInt8, {dim, vocabulary}, 4)));
}

absl::StatusOr<std::unique_ptr<Op>> MakeLmLstmCell(const LmLstmCellParams& p,
                                                   const TensorSpec& x,
                                                   const TensorSpec& r,
                                                   const TensorSpec& c) {
  RETURN_IF_ERROR(CheckName(p.name, "h output", p.h_output));
  RETURN_IF_ERROR(CheckName(p.name, "c output", p.c_output));
  if (p.hidden <= 0 || x.dtype != DType::kInt8 || x.shape.size() != 1 ||
      r.dtype != DType::kInt8 || r.shape.size() != 1 || c.dtype != DType::kInt16 ||
      c.shape != Shape{p.hidden}) {
    return Invalid(p.name, absl::StrCat("lm_lstm_cell needs x int8 [I], r int8 [P], c int16 [",
                                        p.hidden, "]; got ", x.DebugString(), ", ",
                                        r.DebugString(), ", ", c.DebugString()));
  }
  return std::unique_ptr<Op>(new LmLstmCellOp(p, x, r, c));
}

absl::StatusOr<std::unique_ptr<Op>> MakeMaxPool(const std::string& name,
                                                const std::string& output,
                                                int shift,
                                                const TensorSpec& input) {
  RETURN_IF_ERROR(CheckName(name, "output", output));
  if (input.dtype != DType::kInt8 || input.shape.size() != 3 ||
      input.shape[1] != input.shape[2] || shift < 1 ||
      input.shape[1] % (1 << shift) != 0) {
    return Invalid(name, absl::StrCat("max_pool 2^", shift,
                                      " needs int8 [C, S, S] with S a multiple of ",
                                      1 << shift, "; got ", input.DebugString()));
  }
  const int64_t op = input.shape[1] >> shift;
  TensorSpec out = Spec(output, DType::kInt8, {input.shape[0], op, op}, input.frac_bits);
  return std::unique_ptr<Op>(new MaxPoolOp(name, input, std::move(out), shift));
}

absl::StatusOr<std::unique_ptr<Op>> MakeArgmax(const std::string& name,
                                               const std::string& output,
                                               const TensorSpec& input) {
  RETURN_IF_ERROR(CheckName(name, "output", output));
  if (input.num_elements() <= 0) {
    return Invalid(name, absl::StrCat("argmax of an empty tensor ", input.DebugString()));
  }
  return std::unique_ptr<Op>(
      new ArgmaxOp(name, input, Spec(output, DType::kInt16, {1}, 0)));
}

absl::StatusOr<std::unique_ptr<Op>> MakeBranch(const std::string& name,
                                               const std::string& output,
                                               const TensorSpec& q) {
  RETURN_IF_ERROR(CheckName(name, "output", output));
  if (q.num_elements() != 2) {
    return Invalid(name, absl::StrCat("the decision needs 2 values; got ", q.DebugString()));
  }
  return std::unique_ptr<Op>(new BranchOp(name, q, Spec(output, DType::kInt8, {1}, 0)));
}

absl::StatusOr<std::unique_ptr<Op>> MakeLstm(const LstmParams& p,
                                             const TensorSpec& x,
                                             const TensorSpec& h0,
                                             const TensorSpec& c0) {
  RETURN_IF_ERROR(CheckName(p.name, "h output", p.h_output));
  RETURN_IF_ERROR(CheckName(p.name, "c output", p.c_output));
  if (p.hidden <= 0 || x.dtype != DType::kInt8 || x.shape.size() != 2 ||
      x.shape[0] <= 0 || x.shape[1] <= 0) {
    return Invalid(p.name, absl::StrCat("needs hidden > 0 and x int8 [T, I]; got hidden ",
                                        p.hidden, ", x ", x.DebugString()));
  }
  if (h0.dtype != DType::kInt8 || h0.shape != Shape{p.hidden} ||
      c0.dtype != DType::kInt16 || c0.shape != Shape{p.hidden}) {
    return Invalid(p.name, absl::StrCat("needs h0 int8 [", p.hidden, "] and c0 int16 [",
                                        p.hidden, "]; got ", h0.DebugString(), ", ",
                                        c0.DebugString()));
  }
  return std::unique_ptr<Op>(new LstmOp(p, x, h0, c0));
}

namespace {

// Checks the arguments of one LSTM step. The step's x is `x` when given,
// else `x_values` int8 values.
absl::Status CheckLstmStep(const Op& lstm, const Tensor* x, int64_t x_values, const Tensor& h,
                           const OpIo& weights, Range units) {
  if (lstm.kind() != OpKind::kLstm) {
    return Invalid(lstm.name(), "is not an lstm op");
  }
  const int64_t in = lstm.inputs()[0].shape[1];
  const int64_t hidden = lstm.output_units();
  const bool x_ok = x == nullptr ? x_values == in
                                 : x->dtype() == DType::kInt8 && x->num_elements() == in;
  if (!x_ok || h.dtype() != DType::kInt8 || h.num_elements() != hidden) {
    return Invalid(lstm.name(),
                   absl::StrCat("a step needs x int8 [", in, "] and h int8 [", hidden,
                                "]; got ",
                                x == nullptr ? absl::StrCat(x_values, " x values")
                                             : x->DebugString(),
                                ", ", h.DebugString()));
  }
  if (units.begin < 0 || units.end > hidden || units.size() <= 0) {
    return Invalid(lstm.name(), absl::StrCat("units ", units.DebugString(),
                                             " outside [0, ", hidden, ")"));
  }
  if (weights.weights.size() != 3) {
    return Invalid(lstm.name(), "needs its 3 weight tensors");
  }
  for (size_t i = 0; i < 3; ++i) {
    const TensorSpec& spec = lstm.weights()[i];
    const Tensor* w = weights.weights[i];
    if (w == nullptr || w->dtype() != spec.dtype || w->shape() != spec.shape) {
      return Invalid(lstm.name(), absl::StrCat("weight '", spec.name, "' must be ",
                                               ShapeString(spec.shape)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Tensor> LstmGatesForUnits(const Op& lstm, const Tensor& x,
                                         const Tensor& h, const OpIo& weights,
                                         Range units) {
  RETURN_IF_ERROR(CheckLstmStep(lstm, &x, 0, h, weights, units));
  const kernels::LstmShape shape{static_cast<int>(x.num_elements()),
                                 static_cast<int>(lstm.output_units())};
  Tensor gates(DType::kInt32, {4 * units.size()}, 11);
  kernels::LstmGates(x.data<int8_t>(), h.data<int8_t>(),
                     weights.weights[0]->data<int8_t>(),
                     weights.weights[1]->data<int8_t>(),
                     weights.weights[2]->data<int8_t>(), shape,
                     static_cast<int>(units.begin), static_cast<int>(units.end),
                     gates.data<int32_t>());
  return gates;
}

absl::StatusOr<std::vector<Tensor>> LstmStepUnits(const Op& lstm,
                                                  const Tensor& x,
                                                  const Tensor& h,
                                                  const Tensor& c,
                                                  const OpIo& weights,
                                                  Range units) {
  ASSIGN_OR_RETURN(Tensor gates, LstmGatesForUnits(lstm, x, h, weights, units));
  if (c.dtype() != DType::kInt16 || c.num_elements() != units.size()) {
    return Invalid(lstm.name(), absl::StrCat("c must be int16 [", units.size(),
                                             "]; got ", c.DebugString()));
  }
  const int n = static_cast<int>(units.size());
  Tensor h_out(DType::kInt8, {n}, 4);
  Tensor c_out(DType::kInt16, {n}, 8);
  kernels::LstmCellUpdate(gates.data<int32_t>(), c.data<int16_t>(), n,
                          c_out.data<int16_t>(), h_out.data<int8_t>());
  std::vector<Tensor> outs;
  outs.push_back(std::move(h_out));
  outs.push_back(std::move(c_out));
  return outs;
}

absl::Status LstmStepUnitsInto(const Op& lstm, absl::Span<const int8_t> x, const Tensor& h,
                               const Tensor& c, const OpIo& weights, Range units,
                               absl::Span<int32_t> scratch, Tensor* h_out, Tensor* c_out) {
  RETURN_IF_ERROR(
      CheckLstmStep(lstm, nullptr, static_cast<int64_t>(x.size()), h, weights, units));
  const int64_t hidden = lstm.output_units();
  const auto whole = [hidden](const Tensor* t, DType dtype) {
    return t != nullptr && t->dtype() == dtype && t->num_elements() == hidden;
  };
  if (!whole(&c, DType::kInt16) || !whole(h_out, DType::kInt8) ||
      !whole(c_out, DType::kInt16)) {
    return Invalid(lstm.name(),
                   absl::StrCat("a step into tensors needs c int16 [", hidden,
                                "], h_out int8 [", hidden, "] and c_out int16 [", hidden,
                                "]; got ", c.DebugString(), ", ",
                                h_out == nullptr ? "none" : h_out->DebugString(), ", ",
                                c_out == nullptr ? "none" : c_out->DebugString()));
  }
  if (static_cast<int64_t>(scratch.size()) < 4 * units.size()) {
    return Invalid(lstm.name(), absl::StrCat("scratch has ", scratch.size(),
                                             " int32 elements; units ", units.DebugString(),
                                             " need ", 4 * units.size()));
  }
  const kernels::LstmShape shape{static_cast<int>(x.size()), static_cast<int>(hidden)};
  kernels::LstmGates(x.data(), h.data<int8_t>(), weights.weights[0]->data<int8_t>(),
                     weights.weights[1]->data<int8_t>(), weights.weights[2]->data<int8_t>(),
                     shape, static_cast<int>(units.begin), static_cast<int>(units.end),
                     scratch.data());
  kernels::LstmCellUpdate(scratch.data(), c.data<int16_t>() + units.begin,
                          static_cast<int>(units.size()), c_out->data<int16_t>() + units.begin,
                          h_out->data<int8_t>() + units.begin);
  return absl::OkStatus();
}

}  // namespace illusion::nn
