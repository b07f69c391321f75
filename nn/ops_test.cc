#include "nn/ops.h"

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/executor.h"
#include "nn/kernels/dense.h"
#include "nn/weights.h"
#include "nn/workloads.h"

namespace illusion::nn {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;

// Runs a workload on seeded weights and a seeded input; returns every tensor.
struct SeededRun {
  Graph graph;
  WeightMap weights;
  TensorMap env;
};

SeededRun RunSeeded(Workload w, uint64_t seed) {
  WorkloadOptions options;
  options.lstm_steps = 1;
  absl::StatusOr<Graph> graph = BuildWorkloadGraph(w, options);
  EXPECT_OK(graph.status());
  WeightMap weights = SeededWeights(*graph, seed);
  TensorMap inputs;
  for (const TensorSpec& spec : graph->inputs()) {
    inputs[spec.name] = SeededTensor(spec, seed + 1, -16, 16);
  }
  ExecuteOptions all;
  all.run_all_branches = true;
  absl::StatusOr<TensorMap> env = ExecuteGraph(*graph, weights, inputs, all);
  EXPECT_OK(env.status());
  return SeededRun{*std::move(graph), std::move(weights), *std::move(env)};
}

OpIo IoFor(const Op& op, const SeededRun& run) {
  absl::StatusOr<OpIo> io = WeightsOf(op, run.weights);
  EXPECT_OK(io.status());
  for (const TensorSpec& in : op.inputs()) io->inputs.push_back(&run.env.at(in.name));
  return *io;
}

// Bytes of units [r.begin, r.end) of a tensor whose first dimension (or the
// flattened elements, for 1-D views) is the split dimension.
Tensor SliceUnits(const Tensor& t, int64_t units, Range r) {
  const int64_t per_unit = t.num_elements() / units;
  const int64_t elem = DTypeBytes(t.dtype());
  Shape shape = {r.size() * per_unit};
  absl::string_view bytes = t.bytes().substr(r.begin * per_unit * elem,
                                             r.size() * per_unit * elem);
  return *Tensor::FromBytes(t.dtype(), shape, t.frac_bits(), bytes);
}

std::vector<Range> ThreeParts(int64_t n) {
  const int64_t a = n / 3, b = 2 * n / 3;
  std::vector<Range> parts;
  for (Range r : {Range{0, a}, Range{a, b}, Range{b, n}}) {
    if (r.size() > 0) parts.push_back(r);
  }
  return parts;
}

// Byte the whole output tensors are filled with before an ...Into call.
constexpr char kSentinel = 0x5A;

// ExecuteOutputRangeInto of units `r` into whole output tensors filled with
// kSentinel, using exactly ScratchElements(r) scratch elements: the bytes of
// the units equal ExecuteOutputRange's and every other byte is untouched.
void ExpectIntoMatchesRange(const Op& op, const OpIo& io, Range r) {
  SCOPED_TRACE(absl::StrCat(op.name(), " units ", r.DebugString()));
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> want, op.ExecuteOutputRange(io, r));
  std::vector<Tensor> outs;
  for (const TensorSpec& spec : op.outputs()) {
    outs.emplace_back(spec.dtype, spec.shape, spec.frac_bits);
    std::memset(outs.back().data<uint8_t>(), kSentinel, outs.back().byte_size());
  }
  std::vector<Tensor*> ptrs;
  for (Tensor& t : outs) ptrs.push_back(&t);
  std::vector<int32_t> scratch(op.ScratchElements(r), 0x77777777);
  ASSERT_OK(op.ExecuteOutputRangeInto(io, r, absl::MakeSpan(scratch), ptrs));
  ASSERT_EQ(want.size(), outs.size());
  for (size_t i = 0; i < outs.size(); ++i) {
    const int64_t unit = op.outputs()[i].byte_size() / op.output_units();
    const std::string bytes(outs[i].bytes());
    EXPECT_EQ(bytes.substr(r.begin * unit, r.size() * unit), std::string(want[i].bytes()))
        << "output " << i;
    EXPECT_EQ(bytes.substr(0, r.begin * unit), std::string(r.begin * unit, kSentinel))
        << "output " << i << " before the range";
    EXPECT_EQ(bytes.substr(r.end * unit), std::string(bytes.size() - r.end * unit, kSentinel))
        << "output " << i << " after the range";
  }
}

class SplitTest : public ::testing::TestWithParam<Workload> {};

TEST_P(SplitTest, OutputRangesConcatenateToTheWholeOutput) {
  SeededRun run = RunSeeded(GetParam(), 7);
  for (const auto& op : run.graph.ops()) {
    OpIo io = IoFor(*op, run);
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> whole, op->Execute(io));
    std::string joined;
    for (Range r : ThreeParts(op->output_units())) {
      ASSERT_OK_AND_ASSIGN(std::vector<Tensor> part, op->ExecuteOutputRange(io, r));
      joined += std::string(part[0].bytes());
    }
    EXPECT_EQ(joined, std::string(whole[0].bytes())) << op->name();
  }
}

TEST_P(SplitTest, InputPartialSumsAddUpToTheWholeOutput) {
  SeededRun run = RunSeeded(GetParam(), 11);
  int checked = 0;
  for (const auto& op : run.graph.ops()) {
    if (op->input_units() == 0) continue;
    OpIo io = IoFor(*op, run);
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> whole, op->Execute(io));
    const Range out = op->all_outputs();
    Tensor total;
    bool first = true;
    for (Range r : ThreeParts(op->input_units())) {
      Tensor slice = SliceUnits(*io.inputs[0], op->input_units(), r);
      OpIo part_io = io;
      part_io.inputs[0] = &slice;
      ASSERT_OK_AND_ASSIGN(Tensor sums, op->PartialSums(part_io, out, r));
      if (first) {
        total = sums;
        first = false;
      } else {
        for (int64_t i = 0; i < sums.num_elements(); ++i) {
          total.data<int32_t>()[i] += sums.data<int32_t>()[i];
        }
      }
    }
    ASSERT_OK_AND_ASSIGN(Tensor finished, op->FinishPartialSums(total, io, out));
    EXPECT_TRUE(finished.SameValues(whole[0])) << op->name();
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

// Every op of every paper workload: ExecuteOutputRangeInto equals
// ExecuteOutputRange on the whole range and on three parts.
TEST_P(SplitTest, IntoEqualsTheAllocatingOutputRange) {
  SeededRun run = RunSeeded(GetParam(), 13);
  for (const auto& op : run.graph.ops()) {
    OpIo io = IoFor(*op, run);
    ExpectIntoMatchesRange(*op, io, op->all_outputs());
    for (Range r : ThreeParts(op->output_units())) ExpectIntoMatchesRange(*op, io, r);
  }
}

INSTANTIATE_TEST_SUITE_P(Workloads, SplitTest,
                         ::testing::Values(Workload::kMnist, Workload::kSvhn,
                                           Workload::kD2nn, Workload::kKwsLstm),
                         [](const auto& info) {
                           return std::string(WorkloadName(info.param));
                         });

TEST(LstmStepUnitsTest, EightChipSlicesEqualTheWholeStep) {
  SeededRun run = RunSeeded(Workload::kKwsLstm, 3);
  const Op& lstm = *run.graph.FindOp("lstm");
  ASSERT_OK_AND_ASSIGN(OpIo weights, WeightsOf(lstm, run.weights));
  const Tensor& x = run.env.at(kLstmX);
  const Tensor& h0 = run.env.at(kLstmH0);
  const Tensor& c0 = run.env.at(kLstmC0);
  for (int chip = 0; chip < 8; ++chip) {
    const Range units{10 * chip, 10 * chip + 10};
    Tensor c_slice = SliceUnits(c0, 80, units);
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> out,
                         LstmStepUnits(lstm, x, h0, c_slice, weights, units));
    EXPECT_EQ(std::string(out[0].bytes()),
              std::string(SliceUnits(run.env.at("h"), 80, units).bytes()));
    EXPECT_EQ(std::string(out[1].bytes()),
              std::string(SliceUnits(run.env.at("c"), 80, units).bytes()));
  }
}

// The KWS LSTM through the Into APIs on random data: a one-step LSTM for
// several unit ranges, a 40-step LSTM (whole range; its state lives in the
// outputs) and LstmStepUnitsInto for the 8-chip slices and odd ranges, all
// equal to the allocating paths.
TEST(LstmIntoTest, IntoEqualsTheAllocatingPathsOnRandomData) {
  for (uint64_t seed : {3, 21, 97}) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    SeededRun run = RunSeeded(Workload::kKwsLstm, seed);
    const Op& lstm = *run.graph.FindOp("lstm");
    OpIo io = IoFor(lstm, run);
    for (Range r : {Range{0, 80}, Range{0, 10}, Range{10, 20}, Range{33, 47}, Range{79, 80},
                    Range{1, 79}}) {
      ExpectIntoMatchesRange(lstm, io, r);
    }

    const Tensor& x = run.env.at(kLstmX);
    const Tensor& h0 = run.env.at(kLstmH0);
    const Tensor& c0 = run.env.at(kLstmC0);
    for (Range units : {Range{0, 10}, Range{10, 20}, Range{70, 80}, Range{0, 80},
                        Range{5, 6}, Range{17, 61}}) {
      SCOPED_TRACE(absl::StrCat("step units ", units.DebugString()));
      ASSERT_OK_AND_ASSIGN(std::vector<Tensor> want,
                           LstmStepUnits(lstm, x, h0, SliceUnits(c0, 80, units), io, units));
      Tensor h(DType::kInt8, {80}, 4), c(DType::kInt16, {80}, 8);
      std::memset(h.data<uint8_t>(), kSentinel, h.byte_size());
      std::memset(c.data<uint8_t>(), kSentinel, c.byte_size());
      std::vector<int32_t> scratch(4 * units.size());
      ASSERT_OK(LstmStepUnitsInto(lstm, absl::MakeConstSpan(x.data<int8_t>(), 10), h0, c0, io,
                                  units, absl::MakeSpan(scratch), &h, &c));
      EXPECT_EQ(std::string(SliceUnits(h, 80, units).bytes()), std::string(want[0].bytes()));
      EXPECT_EQ(std::string(SliceUnits(c, 80, units).bytes()), std::string(want[1].bytes()));
      if (units.size() < 80) {  // a unit outside the range is untouched
        EXPECT_EQ(h.at(units.begin == 0 ? 79 : 0), kSentinel);
      }

      // In place: h_out and c_out may be the step's own h and c.
      Tensor h_state = h0, c_state = c0;
      ASSERT_OK(LstmStepUnitsInto(lstm, absl::MakeConstSpan(x.data<int8_t>(), 10), h_state,
                                  c_state, io, units, absl::MakeSpan(scratch), &h_state,
                                  &c_state));
      EXPECT_EQ(std::string(SliceUnits(h_state, 80, units).bytes()),
                std::string(want[0].bytes()));
      EXPECT_EQ(std::string(SliceUnits(c_state, 80, units).bytes()),
                std::string(want[1].bytes()));
    }
  }

  // 40 steps: only the whole range.
  WorkloadOptions options;
  options.lstm_steps = 40;
  ASSERT_OK_AND_ASSIGN(Graph graph, BuildWorkloadGraph(Workload::kKwsLstm, options));
  const WeightMap weights = SeededWeights(graph, 8);
  const Op& lstm = *graph.FindOp("lstm");
  ASSERT_OK_AND_ASSIGN(OpIo io, WeightsOf(lstm, weights));
  const Tensor x = SeededTensor(lstm.inputs()[0], 9, -64, 64);
  const Tensor h = SeededTensor(lstm.inputs()[1], 10, -64, 64);
  const Tensor c = SeededTensor(lstm.inputs()[2], 11, -2000, 2000);
  io.inputs = {&x, &h, &c};
  ExpectIntoMatchesRange(lstm, io, lstm.all_outputs());
  Tensor h_out(DType::kInt8, {80}, 4), c_out(DType::kInt16, {80}, 8);
  std::vector<int32_t> scratch(lstm.ScratchElements(Range{0, 10}));
  Tensor* outs[] = {&h_out, &c_out};
  EXPECT_THAT(lstm.ExecuteOutputRangeInto(io, Range{0, 10}, absl::MakeSpan(scratch), outs),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("40-step")));
}

TEST(LstmIntoTest, BadArgumentsAreRejected) {
  SeededRun run = RunSeeded(Workload::kKwsLstm, 3);
  const Op& lstm = *run.graph.FindOp("lstm");
  OpIo io = IoFor(lstm, run);
  Tensor h(DType::kInt8, {80}, 4), c(DType::kInt16, {80}, 8);
  Tensor* outs[] = {&h, &c};
  std::vector<int32_t> short_scratch(4 * 10 - 1);
  EXPECT_THAT(lstm.ExecuteOutputRangeInto(io, Range{0, 10}, absl::MakeSpan(short_scratch), outs),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("scratch")));
  const Tensor& x = run.env.at(kLstmX);
  const Tensor& h0 = run.env.at(kLstmH0);
  const Tensor& c0 = run.env.at(kLstmC0);
  EXPECT_THAT(LstmStepUnitsInto(lstm, absl::MakeConstSpan(x.data<int8_t>(), 10), h0, c0, io,
                                Range{0, 10}, absl::MakeSpan(short_scratch), &h, &c),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("scratch")));
  std::vector<int32_t> scratch(40);
  EXPECT_THAT(LstmStepUnitsInto(lstm, absl::MakeConstSpan(x.data<int8_t>(), 9), h0, c0, io,
                                Range{0, 10}, absl::MakeSpan(scratch), &h, &c),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("x int8 [10]")));
  Tensor c_part(DType::kInt16, {10}, 8);
  EXPECT_THAT(LstmStepUnitsInto(lstm, absl::MakeConstSpan(x.data<int8_t>(), 10), h0, c_part,
                                io, Range{0, 10}, absl::MakeSpan(scratch), &h, &c),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("c int16 [80]")));
  EXPECT_THAT(LstmStepUnitsInto(lstm, absl::MakeConstSpan(x.data<int8_t>(), 10), h0, c0, io,
                                Range{75, 85}, absl::MakeSpan(scratch), &h, &c),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("units")));
}

// The dense partial sums (AVX2 where the CPU has it) equal the scalar kernel
// word for word on full-range random data, for column ranges of every length
// modulo 16 (the vector tail), odd starts, and the last rows of the weights
// (where the tail load must not read past them).
TEST(DenseKernelTest, PartialSumsEqualTheScalarKernelOnEveryTail) {
  std::mt19937 rng(7);
  for (DType in_dtype : {DType::kInt8, DType::kInt16}) {
    for (int in_features : {1, 15, 16, 17, 77, 384}) {
      const int out_features = 9;
      TensorSpec input_spec{"x", in_dtype, {in_features}, 4};
      DenseParams p;
      p.name = "fc";
      p.output = "y";
      p.weights = "fc.w";
      p.bias = "fc.b";
      p.out_features = out_features;
      ASSERT_OK_AND_ASSIGN(std::unique_ptr<Op> op, MakeDense(p, input_spec));
      Tensor x(in_dtype, {in_features}, 4);
      Tensor w(DType::kInt8, {out_features, in_features}, 4);
      Tensor b(DType::kInt8, {out_features}, 4);
      std::uniform_int_distribution<int> byte(-128, 127), word(-32768, 32767);
      for (int64_t i = 0; i < in_features; ++i) {
        if (in_dtype == DType::kInt8) {
          x.data<int8_t>()[i] = static_cast<int8_t>(byte(rng));
        } else {
          x.data<int16_t>()[i] = static_cast<int16_t>(word(rng));
        }
      }
      for (int64_t i = 0; i < w.num_elements(); ++i) {
        w.data<int8_t>()[i] = static_cast<int8_t>(byte(rng));
      }
      OpIo io;
      io.inputs = {&x};
      io.weights = {&w, &b};
      for (int in_begin = 0; in_begin < in_features; in_begin += 1 + in_features / 5) {
        for (int in_end = in_begin + 1; in_end <= in_features; in_end += 1 + in_features / 7) {
          // Rows: two groups of 4 and one left over; 1; 3; a group of 4
          // ending at the last row; two groups of 4 exactly.
          for (Range out : {Range{0, out_features}, Range{out_features - 1, out_features},
                            Range{2, 5}, Range{out_features - 4, out_features},
                            Range{1, out_features}}) {
            std::vector<int32_t> got(out.size()), want(out.size());
            ASSERT_OK(op->PartialSumsInto(io, out, Range{in_begin, in_end}, got.data()));
            if (in_dtype == DType::kInt8) {
              kernels::DenseAccumulate(x.data<int8_t>() + in_begin, w.data<int8_t>(),
                                       in_features, out.begin, out.end, in_begin, in_end,
                                       want.data());
            } else {
              kernels::DenseAccumulate(x.data<int16_t>() + in_begin, w.data<int8_t>(),
                                       in_features, out.begin, out.end, in_begin, in_end,
                                       want.data());
            }
            ASSERT_EQ(got, want) << "in " << in_features << " x " << DTypeName(in_dtype)
                                 << ", columns [" << in_begin << ", " << in_end
                                 << "), rows [" << out.begin << ", " << out.end << ")";
          }
        }
      }
    }
  }
}

TEST(OpErrorsTest, RangesOutsideTheOpAreRejected) {
  SeededRun run = RunSeeded(Workload::kMnist, 1);
  const Op& conv = *run.graph.FindOp("layer4");
  OpIo io = IoFor(conv, run);
  EXPECT_THAT(conv.ExecuteOutputRange(io, Range{20, 30}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("output range [20, 30) is not a non-empty part of [0, 24)")));
  EXPECT_THAT(conv.PartialSums(io, Range{0, 24}, Range{0, 4}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("input slice")));
}

TEST(OpErrorsTest, MultiStepLstmRefusesAPartOfItsUnits) {
  ASSERT_OK_AND_ASSIGN(Graph graph, BuildWorkloadGraph(Workload::kKwsLstm));
  WeightMap weights = SeededWeights(graph, 5);
  const Op& lstm = *graph.FindOp("lstm");
  ASSERT_OK_AND_ASSIGN(OpIo io, WeightsOf(lstm, weights));
  Tensor x(DType::kInt8, {40, 10}), h(DType::kInt8, {80}), c(DType::kInt16, {80});
  io.inputs = {&x, &h, &c};
  EXPECT_THAT(lstm.ExecuteOutputRange(io, Range{0, 10}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("40-step")));
}

TEST(OpErrorsTest, FactoriesNameTheBadParameter) {
  TensorSpec in{"x", DType::kInt8, {3, 10, 10}, 4};
  Conv2DParams p;
  p.name = "bad";
  p.output = "y";
  p.out_channels = 4;
  p.kernel = 3;
  p.pool_shift = 4;
  EXPECT_THAT(MakeConv2D(p, in),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("op 'bad': output side 8 is not a positive multiple")));
  EXPECT_THAT(MakeBranch("d", "p", TensorSpec{"q", DType::kInt8, {3}, 0}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs 2 values")));
}

}  // namespace
}  // namespace illusion::nn
