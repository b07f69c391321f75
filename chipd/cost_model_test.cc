#include "chipd/cost_model.h"

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "chipd/chip_model.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/illusion/v1/chip_model.pb.h"

namespace illusion::chipd {
namespace {

using ::illusion::common::StatusIs;
using ::illusion::v1::ChipModel;
using ::testing::AllOf;
using ::testing::HasSubstr;

ChipModel Model(absl::string_view name) {
  absl::StatusOr<ChipModel> model = LoadChipModel(name);
  EXPECT_TRUE(model.ok()) << model.status();
  return model.value_or(ChipModel());
}

// An item with the given counts and every routine field at its default.
WorkItem Item(absl::string_view name, WorkKind kind, int64_t macs,
              int64_t elements, int64_t words_in, int64_t words_out) {
  WorkItem item;
  item.name = std::string(name);
  item.kind = kind;
  item.macs = macs;
  item.elements = elements;
  item.words_in = words_in;
  item.words_out = words_out;
  return item;
}

WorkItem Conv(int64_t macs) {
  WorkItem item;
  item.name = "conv";
  item.kind = WorkKind::kConv2D;
  item.macs = macs;
  item.elements = 100;
  item.words_in = 40;
  item.words_out = 12;
  item.weight_words_read = 300;
  return item;
}

TEST(CostModelTest, CycleBreakdownsCompareFieldByFieldAndPrintEveryField) {
  const CycleBreakdown base{1, 2, 3, 4, 5, 6};
  EXPECT_EQ(base, (CycleBreakdown{1, 2, 3, 4, 5, 6}));
  // Each field on its own makes them differ.
  for (int field = 0; field < 6; ++field) {
    CycleBreakdown other = base;
    double* fields[] = {&other.mac,   &other.element, &other.receive,
                        &other.send,  &other.fixed,   &other.boot};
    *fields[field] += 0.5;
    EXPECT_NE(base, other) << "field " << field;
    EXPECT_FALSE(base == other) << "field " << field;
  }
  std::ostringstream os;
  os << base;
  EXPECT_EQ(os.str(), "{mac=1 element=2 receive=3 send=4 fixed=5 boot=6}");
}

TEST(CostModelTest, ItemCyclesFollowTheModelsPerUnitCosts) {
  const ChipModel model = Model("msp430_rram");
  ASSERT_OK_AND_ASSIGN(CycleBreakdown cycles,
                       WorkItemCycles(model, Conv(1000)));
  EXPECT_DOUBLE_EQ(cycles.mac, 1000 * model.cycles_per_conv_mac());
  EXPECT_DOUBLE_EQ(cycles.element, 100 * model.cycles_per_pooled_element());
  EXPECT_DOUBLE_EQ(cycles.receive, 40 * model.cycles_per_word_received());
  EXPECT_DOUBLE_EQ(cycles.send, 12 * model.cycles_per_word_sent());
  EXPECT_DOUBLE_EQ(cycles.fixed, model.fixed_cycles_per_op());
  EXPECT_EQ(cycles.boot, 0);

  const WorkItem argmax = Item("argmax", WorkKind::kArgmax, 0, 10, 0, 1);
  ASSERT_OK_AND_ASSIGN(CycleBreakdown compare, WorkItemCycles(model, argmax));
  EXPECT_DOUBLE_EQ(compare.element, 10 * model.cycles_per_compared_element());
}

TEST(CostModelTest, RoutineCostsApplyWhenTheModelSetsThem) {
  ChipModel model = Model("msp430_rram");
  ASSERT_TRUE(model.has_cycles_per_int8_out_dense_mac());
  ASSERT_TRUE(model.has_cycles_per_requantized_output());
  ASSERT_TRUE(model.has_cycles_per_padded_conv_output());

  WorkItem dense = Item("fc", WorkKind::kDense, 1000, 0, 0, 0);
  dense.requantized_outputs = 40;
  ASSERT_OK_AND_ASSIGN(CycleBreakdown int16_out, WorkItemCycles(model, dense));
  EXPECT_DOUBLE_EQ(int16_out.mac, 1000 * model.cycles_per_dense_mac());
  EXPECT_DOUBLE_EQ(int16_out.element,
                   40 * model.cycles_per_requantized_output());
  dense.int8_output = true;
  ASSERT_OK_AND_ASSIGN(CycleBreakdown int8_out, WorkItemCycles(model, dense));
  EXPECT_DOUBLE_EQ(int8_out.mac, 1000 * model.cycles_per_int8_out_dense_mac());

  WorkItem conv = Conv(1000);
  conv.padded_conv_outputs = 64;
  ASSERT_OK_AND_ASSIGN(CycleBreakdown padded, WorkItemCycles(model, conv));
  EXPECT_DOUBLE_EQ(padded.element,
                   100 * model.cycles_per_pooled_element() +
                       64 * model.cycles_per_padded_conv_output());

  // Unset: the old costs (dense MAC rate, pooled-element cost, nothing).
  model.clear_cycles_per_int8_out_dense_mac();
  model.clear_cycles_per_requantized_output();
  model.clear_cycles_per_padded_conv_output();
  ASSERT_OK_AND_ASSIGN(CycleBreakdown old_dense, WorkItemCycles(model, dense));
  EXPECT_DOUBLE_EQ(old_dense.mac, 1000 * model.cycles_per_dense_mac());
  EXPECT_DOUBLE_EQ(old_dense.element, 40 * model.cycles_per_pooled_element());
  ASSERT_OK_AND_ASSIGN(CycleBreakdown old_conv, WorkItemCycles(model, conv));
  EXPECT_DOUBLE_EQ(old_conv.element, 100 * model.cycles_per_pooled_element());
}

TEST(CostModelTest, ComponentsSumToTheTotals) {
  for (absl::string_view name : {"msp430_rram", "accel_rram_28nm"}) {
    const ChipModel model = Model(name);
    CostOptions options;
    options.nvm_words_written = 64;
    ASSERT_OK_AND_ASSIGN(
        SliceCost cost,
        EstimateSliceCost(model, {Conv(5000), Conv(7)}, options));
    const CycleBreakdown& c = cost.cycles;
    EXPECT_DOUBLE_EQ(c.total(),
                     c.mac + c.element + c.receive + c.send + c.fixed + c.boot)
        << name;
    const EnergyBreakdown& e = cost.energy;
    EXPECT_DOUBLE_EQ(e.total_j(), e.active_j + e.mac_j + e.nvm_read_j +
                                      e.nvm_write_j + e.link_j)
        << name;
    EXPECT_GT(e.total_j(), 0) << name;
    EXPECT_EQ(cost.macs, 5007);
    EXPECT_EQ(cost.words_in, 80);
    EXPECT_EQ(cost.words_out, 24);
  }
}

TEST(CostModelTest, DoublingMacsAddsCyclesPerMacTimesMacs) {
  const ChipModel model = Model("msp430_rram");
  ASSERT_OK_AND_ASSIGN(SliceCost once, EstimateSliceCost(model, {Conv(4000)}));
  ASSERT_OK_AND_ASSIGN(SliceCost twice, EstimateSliceCost(model, {Conv(8000)}));
  EXPECT_DOUBLE_EQ(twice.cycles.total() - once.cycles.total(),
                   model.cycles_per_conv_mac() * 4000);
  // At 1 MHz a cycle is exactly 1000 ns.
  EXPECT_EQ(twice.active_ns - once.active_ns,
            static_cast<int64_t>(model.cycles_per_conv_mac() * 4000) * 1000);
}

TEST(CostModelTest, ItemsAddUpAndBootIsChargedOncePerSlice) {
  const ChipModel model = Model("msp430_rram");
  CostOptions no_boot;
  no_boot.include_boot = false;
  ASSERT_OK_AND_ASSIGN(SliceCost a,
                       EstimateSliceCost(model, {Conv(10)}, no_boot));
  ASSERT_OK_AND_ASSIGN(SliceCost b,
                       EstimateSliceCost(model, {Conv(20)}, no_boot));
  ASSERT_OK_AND_ASSIGN(SliceCost both,
                       EstimateSliceCost(model, {Conv(10), Conv(20)}));
  EXPECT_DOUBLE_EQ(both.cycles.boot, model.boot_cycles_per_wakeup());
  EXPECT_DOUBLE_EQ(both.cycles.total(), a.cycles.total() + b.cycles.total() +
                                            model.boot_cycles_per_wakeup());
  EXPECT_EQ(a.cycles.boot, 0);
}

TEST(CostModelTest, EnergyComponentsUseTheModelsConstants) {
  const ChipModel model = Model("accel_rram_28nm");
  CostOptions options;
  options.nvm_words_written = 1000;
  ASSERT_OK_AND_ASSIGN(SliceCost cost,
                       EstimateSliceCost(model, {Conv(1 << 20)}, options));
  const EnergyBreakdown& e = cost.energy;
  EXPECT_DOUBLE_EQ(e.active_j,
                   model.active_power_w() * cost.cycles.total() / 1e9);
  EXPECT_DOUBLE_EQ(e.mac_j, 9.26e-12 * (1 << 20));
  EXPECT_DOUBLE_EQ(e.nvm_read_j, 12.8e-12 * 300);
  EXPECT_DOUBLE_EQ(e.nvm_write_j, 24e-12 * 1000);
  EXPECT_DOUBLE_EQ(e.link_j, 512e-12 * 12);
  EXPECT_EQ(cost.active_ns, CyclesToNs(model, cost.cycles.total()));

  // The MSP430 model leaves NVM reads inside its active power.
  ASSERT_OK_AND_ASSIGN(SliceCost msp,
                       EstimateSliceCost(Model("msp430_rram"), {Conv(100)}));
  EXPECT_EQ(msp.energy.nvm_read_j, 0);
  EXPECT_EQ(msp.energy.mac_j, 0);
}

TEST(CostModelTest, Msp430MnistEstimateIsNearTheMeasuredIdealRuntime) {
  // MNIST CNN (workloads.md §1.2) on one chip; measured 4.5632 s
  // (hardware_measurements.md §3.1). Loose bound: the model is not calibrated.
  const ChipModel model = Model("msp430_rram");
  std::vector<WorkItem> mnist = {
      Item("layer1", WorkKind::kConv2D, 86400, 3456, 392, 0),
      Item("layer2", WorkKind::kConv2D, 32400, 0, 0, 0),
      Item("layer3", WorkKind::kConv2D, 27648, 512, 0, 0),
      Item("layer4", WorkKind::kConv2D, 6912, 0, 0, 0),
      Item("layer5", WorkKind::kDense, 960, 0, 0, 0),
      Item("argmax", WorkKind::kArgmax, 0, 10, 0, 1)};
  ASSERT_OK_AND_ASSIGN(SliceCost cost, EstimateSliceCost(model, mnist));
  EXPECT_NEAR(cost.active_ns * 1e-9, 4.5632, 0.1 * 4.5632);
  EXPECT_NEAR(cost.energy.total_j(), 3.3745e-3, 0.1 * 3.3745e-3);
}

TEST(CostModelTest, LinkTransferIsLatencyPlusWordsOverBandwidth) {
  const ChipModel model = Model("accel_rram_28nm");
  EXPECT_EQ(LinkTransferNs(model, 0), 100);
  // 2^30 words at 2^34 words/s = 1/16 s.
  EXPECT_EQ(LinkTransferNs(model, int64_t{1} << 30), 62'500'000 + 100);
  EXPECT_DOUBLE_EQ(LinkEnergyJ(model, 1000), 512e-9);
}

TEST(CostModelTest, RejectsInvalidItemsByName) {
  const ChipModel model = Model("msp430_rram");
  WorkItem negative = Conv(-3);
  negative.name = "conv1";
  EXPECT_THAT(
      EstimateSliceCost(model, {negative}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("'conv1' (conv2d)"), HasSubstr("macs -3"))));
  const WorkItem pool_with_macs = Item("pool1", WorkKind::kMaxPool, 5, 10, 0, 0);
  EXPECT_THAT(
      WorkItemCycles(model, pool_with_macs),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("'pool1' (max_pool)"), HasSubstr("5 macs"))));
  WorkItem int8_pool = Item("pool2", WorkKind::kMaxPool, 0, 10, 0, 0);
  int8_pool.int8_output = true;
  EXPECT_THAT(WorkItemCycles(model, int8_pool),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'pool2' (max_pool)"),
                             HasSubstr("int8_output"))));
  WorkItem padded_dense = Item("fc", WorkKind::kDense, 10, 0, 0, 0);
  padded_dense.padded_conv_outputs = 4;
  EXPECT_THAT(WorkItemCycles(model, padded_dense),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'fc' (dense)"),
                             HasSubstr("4 padded_conv_outputs"))));
  WorkItem negative_requantized = Item("fc", WorkKind::kDense, 10, 0, 0, 0);
  negative_requantized.requantized_outputs = -2;
  EXPECT_THAT(WorkItemCycles(model, negative_requantized),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("requantized_outputs -2")));
  CostOptions options;
  options.nvm_words_written = -1;
  EXPECT_THAT(EstimateSliceCost(model, {}, options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("nvm_words_written is -1")));
}

TEST(CostModelTest, RejectsAnInvalidModel) {
  ChipModel model = Model("msp430_rram");
  model.set_clock_hz(-1);
  EXPECT_THAT(EstimateSliceCost(model, {Conv(1)}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'clock_hz' is -1")));
}

}  // namespace
}  // namespace illusion::chipd
