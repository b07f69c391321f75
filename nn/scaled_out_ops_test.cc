// Ops and graphs of the scaled-out CNNs: strided/padded convolutions with
// floor pooling against a direct reference, residual add, global average
// pool, channel sub-ranges and partial sums, and the three graph builders.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/executor.h"
#include "nn/graph.h"
#include "nn/graph_proto.h"
#include "nn/kernels/fixed_point.h"
#include "nn/kernels/lstm.h"
#include "nn/ops.h"
#include "nn/scaled_out_workloads.h"
#include "nn/weights.h"

namespace illusion::nn {
namespace {

using ::testing::HasSubstr;

// Direct (no im2col) reference of a strided, padded conv + bias + qRelu +
// floor max-pool.
Tensor ReferenceConv(const Tensor& in, const Tensor& w, const Tensor& b, int stride,
                     int pad, int pool_shift) {
  const int c_in = static_cast<int>(in.shape()[0]);
  const int s = static_cast<int>(in.shape()[1]);
  const int c_out = static_cast<int>(w.shape()[0]);
  const int k = static_cast<int>(w.shape()[2]);
  const int m = (s + 2 * pad - k) / stride + 1;
  const int mp = m >> pool_shift;
  Tensor out(DType::kInt8, {c_out, mp, mp}, 4);
  for (int o = 0; o < c_out; ++o) {
    for (int py = 0; py < mp; ++py) {
      for (int px = 0; px < mp; ++px) {
        int8_t best = 0;
        for (int dy = 0; dy < (1 << pool_shift); ++dy) {
          for (int dx = 0; dx < (1 << pool_shift); ++dx) {
            const int y = (py << pool_shift) + dy;
            const int x = (px << pool_shift) + dx;
            int32_t acc = b.data<int8_t>()[o] * 16;
            for (int c = 0; c < c_in; ++c) {
              for (int fy = 0; fy < k; ++fy) {
                for (int fx = 0; fx < k; ++fx) {
                  const int iy = y * stride + fy - pad;
                  const int ix = x * stride + fx - pad;
                  if (iy < 0 || ix < 0 || iy >= s || ix >= s) continue;
                  acc += int32_t{in.data<int8_t>()[(c * s + iy) * s + ix]} *
                         w.data<int8_t>()[((o * c_in + c) * k + fy) * k + fx];
                }
              }
            }
            best = std::max(best, kernels::QRelu(acc));
          }
        }
        out.data<int8_t>()[(o * mp + py) * mp + px] = best;
      }
    }
  }
  return out;
}

struct ConvCase {
  int in_channels, size, out_channels, kernel, stride, pad, pool_shift;
};

class StridedConvTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(StridedConvTest, MatchesDirectReferenceWholeByRangeAndByPartialSums) {
  const ConvCase c = GetParam();
  Conv2DParams p{"conv", "out", "w", "b", c.out_channels, c.kernel};
  p.stride = c.stride;
  p.pad = c.pad;
  p.pool_shift = c.pool_shift;
  p.pool_floor = true;
  const TensorSpec in_spec{"in", DType::kInt8, {c.in_channels, c.size, c.size}, 4};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Op> op, MakeConv2D(p, in_spec));
  const Tensor in = SeededTensor(in_spec, 1, -100, 100);
  const Tensor w = SeededTensor(op->weights()[0], 2, -20, 20);
  const Tensor b = SeededTensor(op->weights()[1], 3, -50, 50);
  const Tensor want = ReferenceConv(in, w, b, c.stride, c.pad, c.pool_shift);
  ASSERT_EQ(op->outputs()[0].shape, want.shape());
  const int m = (c.size + 2 * c.pad - c.kernel) / c.stride + 1;
  EXPECT_EQ(op->macs(), int64_t{c.out_channels} * c.in_channels * c.kernel * c.kernel * m * m);
  const OpIo io{{&in}, {&w, &b}};
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> whole, op->Execute(io));
  EXPECT_TRUE(whole[0].SameValues(want)) << FirstDifference(whole[0], want);

  // Output channels [1, C) alone equal the tail of the whole.
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> part, op->ExecuteOutputRange(io, {1, c.out_channels}));
  const int64_t plane = want.num_elements() / c.out_channels;
  for (int64_t i = 0; i < part[0].num_elements(); ++i) {
    ASSERT_EQ(part[0].at(i), want.at(plane + i)) << i;
  }

  // Partial sums over two input-channel halves add up to the whole.
  const int half = c.in_channels / 2;
  const int64_t in_plane = int64_t{c.size} * c.size;
  ASSERT_OK_AND_ASSIGN(Tensor lo_in, Tensor::FromBytes(DType::kInt8, {half, c.size, c.size}, 4,
                                                       in.bytes().substr(0, half * in_plane)));
  ASSERT_OK_AND_ASSIGN(Tensor hi_in,
                       Tensor::FromBytes(DType::kInt8, {c.in_channels - half, c.size, c.size}, 4,
                                         in.bytes().substr(half * in_plane)));
  const Range all_out = op->all_outputs();
  ASSERT_OK_AND_ASSIGN(Tensor lo, op->PartialSums(OpIo{{&lo_in}, {&w, &b}}, all_out, {0, half}));
  ASSERT_OK_AND_ASSIGN(Tensor hi, op->PartialSums(OpIo{{&hi_in}, {&w, &b}}, all_out,
                                                  {half, c.in_channels}));
  for (int64_t i = 0; i < lo.num_elements(); ++i) lo.data<int32_t>()[i] += hi.data<int32_t>()[i];
  ASSERT_OK_AND_ASSIGN(Tensor finished, op->FinishPartialSums(lo, io, all_out));
  EXPECT_TRUE(finished.SameValues(want)) << FirstDifference(finished, want);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, StridedConvTest,
    ::testing::Values(ConvCase{4, 23, 5, 11, 4, 0, 1},  // AlexNet conv1 in miniature
                      ConvCase{4, 15, 3, 7, 2, 3, 1},   // ResNet conv1
                      ConvCase{6, 14, 4, 1, 2, 0, 0},   // ResNet stride-2 `a`
                      ConvCase{4, 13, 3, 5, 1, 2, 1},   // AlexNet conv2, odd side
                      ConvCase{2, 9, 3, 3, 1, 1, 0}));

TEST(ScaledOutOpsTest, ConvRejectsBadStrideAndOddPoolWithoutFloor) {
  const TensorSpec in{"in", DType::kInt8, {2, 9, 9}, 4};
  Conv2DParams p{"c", "o", "w", "b", 2, 3};
  p.stride = 0;
  EXPECT_THAT(MakeConv2D(p, in).status().message(), HasSubstr("stride 0"));
  p.stride = 1;
  p.pool_shift = 1;  // side 7 is odd
  EXPECT_THAT(MakeConv2D(p, in).status().message(), HasSubstr("multiple of the pool"));
  p.pool_floor = true;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Op> op, MakeConv2D(p, in));
  EXPECT_EQ(op->outputs()[0].shape, (Shape{2, 3, 3}));
}

TEST(ScaledOutOpsTest, ResidualAddSubsamplesPadsChannelsAndSaturates) {
  const TensorSpec x_spec{"x", DType::kInt8, {3, 2, 2}, 4};
  const TensorSpec s_spec{"s", DType::kInt8, {2, 4, 4}, 4};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Op> op, MakeResidualAdd("add", "y", x_spec, s_spec));
  EXPECT_EQ(op->kind(), OpKind::kResidualAdd);
  EXPECT_EQ(OpKindName(op->kind()), "residual_add");
  EXPECT_EQ(op->weight_bytes(), 0);
  const Tensor x = Tensor::FromValues(DType::kInt8, {3, 2, 2},
                                      {1, 2, 3, 4, 100, 100, -100, -100, 7, 8, 9, 10}, 4);
  std::vector<int32_t> sv(32);
  for (int i = 0; i < 32; ++i) sv[i] = i < 16 ? i : 50;
  const Tensor s = Tensor::FromValues(DType::kInt8, {2, 4, 4}, sv, 4);
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> out, op->Execute(OpIo{{&x, &s}, {}}));
  // Channel 0: x + s[0][2y][2x] = {1+0, 2+2, 3+8, 4+10}; channel 1 saturates;
  // channel 2 has no skip channel.
  EXPECT_EQ(out[0].values(),
            (std::vector<int32_t>{1, 4, 11, 14, 127, 127, -50, -50, 7, 8, 9, 10}));
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> tail, op->ExecuteOutputRange(OpIo{{&x, &s}, {}}, {2, 3}));
  EXPECT_EQ(tail[0].values(), (std::vector<int32_t>{7, 8, 9, 10}));
  const TensorSpec bad{"s", DType::kInt8, {4, 4, 4}, 4};
  EXPECT_FALSE(MakeResidualAdd("add", "y", x_spec, bad).ok());
}

TEST(ScaledOutOpsTest, GlobalAvgPoolRoundsHalfUpWithFloorDivision) {
  const TensorSpec spec{"x", DType::kInt8, {3, 2, 2}, 4};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Op> op, MakeGlobalAvgPool("pool", "y", spec));
  EXPECT_EQ(OpKindName(op->kind()), "global_avg_pool");
  const Tensor x = Tensor::FromValues(DType::kInt8, {3, 2, 2},
                                      {1, 2, 3, 4, -1, -2, -3, -4, 127, 127, 127, 126}, 4);
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> out, op->Execute(OpIo{{&x}, {}}));
  // (10 + 2) / 4 = 3; floor((-10 + 2) / 4) = -2; floor((507 + 2) / 4) = 127.
  EXPECT_EQ(out[0].values(), (std::vector<int32_t>{3, -2, 127}));
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> mid, op->ExecuteOutputRange(OpIo{{&x}, {}}, {1, 2}));
  EXPECT_EQ(mid[0].values(), (std::vector<int32_t>{-2}));
}

TEST(ScaledOutOpsTest, StridedConvAttributesSurviveGraphProto) {
  GraphBuilder b("strided");
  b.AddInput(TensorSpec{"input", DType::kInt8, {3, 15, 15}, 4});
  Conv2DParams p{"c1", "c1", "c1.w", "c1.b", 4, 7};
  p.stride = 2;
  p.pad = 3;
  p.pool_shift = 1;
  p.pool_floor = true;
  b.Conv2D("input", p);
  b.AddOutput("c1");
  ASSERT_OK_AND_ASSIGN(Graph g, b.Build());
  ASSERT_OK_AND_ASSIGN(Graph back, GraphFromProto(GraphToProto(g)));
  EXPECT_EQ(back.ops()[0]->attrs(), g.ops()[0]->attrs());
  EXPECT_EQ(back.FindTensor("c1")->shape, (Shape{4, 4, 4}));
}

TEST(ScaledOutGraphsTest, ShapesOfTheThreeNets) {
  ASSERT_OK_AND_ASSIGN(Graph alex, BuildScaledOutGraph(ScaledOutNet::kAlexNet));
  EXPECT_EQ(alex.FindTensor("conv1")->shape, (Shape{96, 27, 27}));
  EXPECT_EQ(alex.FindTensor("conv5")->shape, (Shape{256, 6, 6}));
  EXPECT_EQ(alex.FindOp("fc1")->weights()[0].shape, (Shape{4096, 9216}));
  ASSERT_OK_AND_ASSIGN(Graph vgg, BuildScaledOutGraph(ScaledOutNet::kVgg16));
  EXPECT_EQ(vgg.FindTensor("conv13")->shape, (Shape{512, 7, 7}));
  EXPECT_EQ(vgg.FindOp("fc1")->weights()[0].shape, (Shape{4096, 25088}));
  ASSERT_OK_AND_ASSIGN(Graph resnet, BuildScaledOutGraph(ScaledOutNet::kResNet50));
  EXPECT_EQ(resnet.FindTensor("conv1")->shape, (Shape{64, 56, 56}));
  EXPECT_EQ(resnet.FindTensor("add3_1")->shape, (Shape{512, 28, 28}));
  EXPECT_EQ(resnet.FindTensor("add5_3")->shape, (Shape{2048, 7, 7}));
  EXPECT_EQ(resnet.FindTensor("pool")->shape, (Shape{2048}));
  for (const Graph* g : {&alex, &vgg, &resnet}) {
    EXPECT_EQ(g->FindTensor("logits")->shape, (Shape{1000})) << g->name();
  }
  EXPECT_THAT(ParseScaledOutNet("lenet").status().message(), HasSubstr("alexnet, vgg16"));
}

TEST(ScaledOutGraphsTest, ReducedResNetRunsAndIsDeterministic) {
  ASSERT_OK_AND_ASSIGN(Graph g, BuildScaledOutGraph(ScaledOutNet::kResNet50, {16}));
  const WeightMap w = SeededWeights(g, 5);
  TensorMap in;
  in.emplace("input", SeededTensor(g.inputs()[0], 6, -100, 100));
  ASSERT_OK_AND_ASSIGN(TensorMap a, ExecuteGraph(g, w, in));
  ASSERT_OK_AND_ASSIGN(TensorMap b, ExecuteGraph(g, w, in));
  EXPECT_TRUE(a.at("logits").SameValues(b.at("logits")));
  EXPECT_EQ(a.at("class").num_elements(), 1);
}

TEST(ScaledOutOpsTest, EmbeddingLooksUpDimensionMajorTableByRange) {
  const TensorSpec id_spec{"word", DType::kInt32, {1}, 0};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Op> op, MakeEmbedding("e", "x", "t", 5, 3, id_spec));
  EXPECT_EQ(OpKindName(op->kind()), "embedding");
  EXPECT_EQ(op->weights()[0].shape, (Shape{3, 5}));
  EXPECT_EQ(op->weight_bytes(), 15);
  EXPECT_EQ(op->WeightBytes({1, 3}, {}), 10);
  EXPECT_EQ(op->macs(), 0);
  std::vector<int32_t> tv(15);
  for (int i = 0; i < 15; ++i) tv[i] = i - 7;
  const Tensor table = Tensor::FromValues(DType::kInt8, {3, 5}, tv, 4);
  const Tensor id = Tensor::FromValues(DType::kInt32, {1}, {2});
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> out, op->Execute(OpIo{{&id}, {&table}}));
  EXPECT_EQ(out[0].values(), (std::vector<int32_t>{-5, 0, 5}));
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> tail, op->ExecuteOutputRange(OpIo{{&id}, {&table}}, {1, 3}));
  EXPECT_EQ(tail[0].values(), (std::vector<int32_t>{0, 5}));
  const Tensor bad = Tensor::FromValues(DType::kInt32, {1}, {5});
  EXPECT_THAT(op->Execute(OpIo{{&bad}, {&table}}).status().message(), HasSubstr("word id 5"));
}

TEST(ScaledOutOpsTest, LmLstmCellMatchesKernelsAndSplitsByUnits) {
  const TensorSpec x_spec{"x", DType::kInt8, {6}, 4};
  const TensorSpec r_spec{"r", DType::kInt8, {4}, 4};
  const TensorSpec c_spec{"c", DType::kInt16, {5}, 8};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Op> op,
                       MakeLmLstmCell({"cell", "h", "c2", "w", "b", 5}, x_spec, r_spec, c_spec));
  EXPECT_EQ(OpKindName(op->kind()), "lm_lstm_cell");
  EXPECT_EQ(op->weights()[0].shape, (Shape{20, 10}));
  EXPECT_EQ(op->weight_bytes(), 200 + 20);
  EXPECT_EQ(op->macs(), 200);
  const Tensor x = SeededTensor(x_spec, 1, -60, 60);
  const Tensor r = SeededTensor(r_spec, 2, -60, 60);
  const Tensor c = SeededTensor(c_spec, 3, -3000, 3000);
  const Tensor w = SeededTensor(op->weights()[0], 4, -40, 40);
  const Tensor b = SeededTensor(op->weights()[1], 5, -40, 40);
  const OpIo io{{&x, &r, &c}, {&w, &b}};
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> whole, op->Execute(io));
  // Reference: the KWS kernels with wi = w (all 10 columns) over [x; r], no h.
  std::vector<int8_t> xr(10);
  for (int i = 0; i < 6; ++i) xr[i] = x.data<int8_t>()[i];
  for (int i = 0; i < 4; ++i) xr[6 + i] = r.data<int8_t>()[i];
  std::vector<int32_t> gates(20);
  const int8_t no_h = 0;
  std::vector<int8_t> wh(20, 0);
  kernels::LstmGates(xr.data(), &no_h, w.data<int8_t>(), wh.data(), b.data<int8_t>(),
                     kernels::LstmShape{10, 5}, 0, 5, gates.data());
  std::vector<int16_t> c_want(5);
  std::vector<int8_t> h_want(5);
  kernels::LstmCellUpdate(gates.data(), c.data<int16_t>(), 5, c_want.data(), h_want.data());
  for (int u = 0; u < 5; ++u) {
    EXPECT_EQ(whole[0].at(u), h_want[u]) << u;
    EXPECT_EQ(whole[1].at(u), c_want[u]) << u;
  }
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> part, op->ExecuteOutputRange(io, {2, 5}));
  for (int u = 2; u < 5; ++u) {
    EXPECT_EQ(part[0].at(u - 2), whole[0].at(u));
    EXPECT_EQ(part[1].at(u - 2), whole[1].at(u));
  }
}

TEST(ScaledOutGraphsTest, LstmLmShapesAndReducedRun) {
  ASSERT_OK_AND_ASSIGN(Graph full, BuildLstmLmGraph());
  EXPECT_EQ(full.FindWeight("embed1.table")->shape, (Shape{1024, 793470}));
  EXPECT_EQ(full.FindWeight("act_1.w")->shape, (Shape{32768, 2048}));
  EXPECT_EQ(full.FindWeight("output.w")->shape, (Shape{1024, 8192}));
  ASSERT_OK_AND_ASSIGN(Graph g, BuildLstmLmGraph({1000, 32, 64, 16}));
  const WeightMap w = SeededWeights(g, 9);
  TensorMap in;
  for (const TensorSpec& spec : g.inputs()) in.emplace(spec.name, SeededTensor(spec, 10, -50, 50));
  in.at("word") = Tensor::FromValues(DType::kInt32, {1}, {777});
  ASSERT_OK_AND_ASSIGN(TensorMap out, ExecuteGraph(g, w, in));
  EXPECT_EQ(out.at("r2").shape(), (Shape{16}));
  EXPECT_EQ(out.at("c2").shape(), (Shape{64}));
}

// ExecuteOutputRangeInto of the scaled-out ops (residual_add,
// global_avg_pool, embedding, lm_lstm_cell) equals ExecuteOutputRange for
// several ranges and leaves the rest of the whole outputs untouched.
TEST(ScaledOutOpsTest, IntoEqualsTheAllocatingOutputRange) {
  const auto expect_into = [](const Op& op, const OpIo& io, Range r) {
    SCOPED_TRACE(op.name() + " units " + r.DebugString());
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> want, op.ExecuteOutputRange(io, r));
    std::vector<Tensor> outs;
    for (const TensorSpec& spec : op.outputs()) {
      outs.emplace_back(spec.dtype, spec.shape, spec.frac_bits);
      std::memset(outs.back().data<uint8_t>(), 0x5A, outs.back().byte_size());
    }
    std::vector<Tensor*> ptrs;
    for (Tensor& t : outs) ptrs.push_back(&t);
    std::vector<int32_t> scratch(op.ScratchElements(r));
    ASSERT_OK(op.ExecuteOutputRangeInto(io, r, absl::MakeSpan(scratch), ptrs));
    for (size_t i = 0; i < outs.size(); ++i) {
      const int64_t unit = op.outputs()[i].byte_size() / op.output_units();
      const std::string bytes(outs[i].bytes());
      EXPECT_EQ(bytes.substr(r.begin * unit, r.size() * unit), std::string(want[i].bytes()));
      EXPECT_EQ(bytes.substr(0, r.begin * unit), std::string(r.begin * unit, '\x5A'));
      EXPECT_EQ(bytes.substr(r.end * unit), std::string(bytes.size() - r.end * unit, '\x5A'));
    }
  };

  const TensorSpec x_spec{"x", DType::kInt8, {6, 4, 4}, 4};
  const TensorSpec s_spec{"s", DType::kInt8, {4, 8, 8}, 4};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Op> add, MakeResidualAdd("add", "y", x_spec, s_spec));
  const Tensor x = SeededTensor(x_spec, 1, -120, 120);
  const Tensor s = SeededTensor(s_spec, 2, -120, 120);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Op> pool, MakeGlobalAvgPool("pool", "p", x_spec));
  for (Range r : {Range{0, 6}, Range{0, 1}, Range{2, 5}, Range{5, 6}}) {
    expect_into(*add, OpIo{{&x, &s}, {}}, r);
    expect_into(*pool, OpIo{{&x}, {}}, r);
  }

  const TensorSpec id_spec{"word", DType::kInt32, {1}, 0};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Op> embed, MakeEmbedding("e", "ex", "t", 7, 5, id_spec));
  const Tensor table = SeededTensor(embed->weights()[0], 3, -100, 100);
  const Tensor id = Tensor::FromValues(DType::kInt32, {1}, {4});
  for (Range r : {Range{0, 5}, Range{1, 3}, Range{4, 5}}) {
    expect_into(*embed, OpIo{{&id}, {&table}}, r);
  }
  const Tensor bad = Tensor::FromValues(DType::kInt32, {1}, {7});
  Tensor e_out(DType::kInt8, {5}, 4);
  Tensor* e_outs[] = {&e_out};
  EXPECT_THAT(embed->ExecuteOutputRangeInto(OpIo{{&bad}, {&table}}, Range{0, 5}, {}, e_outs)
                  .message(),
              HasSubstr("word id 7"));

  const TensorSpec cx_spec{"cx", DType::kInt8, {6}, 4};
  const TensorSpec r_spec{"r", DType::kInt8, {4}, 4};
  const TensorSpec c_spec{"c", DType::kInt16, {9}, 8};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Op> cell,
                       MakeLmLstmCell({"cell", "h", "c2", "w", "b", 9}, cx_spec, r_spec, c_spec));
  const Tensor cx = SeededTensor(cx_spec, 4, -60, 60);
  const Tensor r = SeededTensor(r_spec, 5, -60, 60);
  const Tensor c = SeededTensor(c_spec, 6, -3000, 3000);
  const Tensor w = SeededTensor(cell->weights()[0], 7, -40, 40);
  const Tensor b = SeededTensor(cell->weights()[1], 8, -40, 40);
  for (Range u : {Range{0, 9}, Range{0, 4}, Range{3, 8}, Range{8, 9}}) {
    expect_into(*cell, OpIo{{&cx, &r, &c}, {&w, &b}}, u);
  }
}

}  // namespace
}  // namespace illusion::nn
