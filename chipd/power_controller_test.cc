#include "chipd/power_controller.h"

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "chipd/chip_model.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::chipd {
namespace {

using ::illusion::common::IsOk;
using ::illusion::common::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

// Round numbers so energies are easy to check by hand.
PowerParams TestParams() {
  PowerParams params;
  params.active_power_w = 1e-3;  // 1 mW
  params.sleep_power_w = 1e-6;   // 1 uW
  params.wakeup_latency_ns = 5000;
  params.wakeup_energy_j = 2e-9;
  params.shutdown_latency_ns = 3000;
  params.shutdown_energy_j = 1e-9;
  return params;
}

std::unique_ptr<PowerController> NewController(int64_t start_ns = 0) {
  absl::StatusOr<std::unique_ptr<PowerController>> controller =
      PowerController::Create(TestParams(), start_ns);
  EXPECT_THAT(controller, IsOk());
  return std::move(controller).value();
}

TEST(PowerControllerTest, StartsOffAtTheStartTime) {
  std::unique_ptr<PowerController> chip = NewController(42);
  EXPECT_EQ(chip->state(), PowerState::kOff);
  EXPECT_EQ(chip->now_ns(), 42);
  EXPECT_TRUE(chip->intervals().empty());
  EXPECT_EQ(chip->energy().total_j(), 0);
}

TEST(PowerControllerTest, WakeComputeSleepRecordsIntervalsAndEnergy) {
  std::unique_ptr<PowerController> chip = NewController();
  ASSERT_THAT(chip->AdvanceIdle(1'000'000), IsOk());  // 1 ms asleep
  ASSERT_THAT(chip->Wake(), IsOk());
  EXPECT_EQ(chip->state(), PowerState::kActive);
  ASSERT_THAT(chip->AdvanceActive(2'000'000), IsOk());  // 2 ms computing
  ASSERT_THAT(chip->AdvanceActive(1'000'000), IsOk());  // merged with above
  ASSERT_THAT(chip->Sleep(), IsOk());
  EXPECT_EQ(chip->state(), PowerState::kOff);

  const std::vector<PowerInterval>& log = chip->intervals();
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[0].state, PowerState::kOff);
  EXPECT_EQ(log[1].state, PowerState::kWaking);
  EXPECT_EQ(log[1].start_ns, 1'000'000);
  EXPECT_EQ(log[1].end_ns, 1'005'000);
  EXPECT_EQ(log[2].state, PowerState::kActive);
  EXPECT_EQ(log[2].end_ns - log[2].start_ns, 3'000'000);
  EXPECT_EQ(log[3].state, PowerState::kShuttingDown);
  EXPECT_EQ(log[3].end_ns, chip->now_ns());
  EXPECT_EQ(chip->now_ns(), 1'000'000 + 5000 + 3'000'000 + 3000);
  for (size_t i = 1; i < log.size(); ++i) {
    EXPECT_EQ(log[i].start_ns, log[i - 1].end_ns) << "gap before " << i;
  }

  const PowerEnergy& energy = chip->energy();
  EXPECT_DOUBLE_EQ(energy.sleep_j, 1e-6 * 1e-3);
  EXPECT_DOUBLE_EQ(energy.active_j, 1e-3 * 3e-3);
  EXPECT_DOUBLE_EQ(energy.wakeup_j, 2e-9);
  EXPECT_DOUBLE_EQ(energy.shutdown_j, 1e-9);
  double interval_sum = 0;
  for (const PowerInterval& interval : log) interval_sum += interval.energy_j;
  EXPECT_DOUBLE_EQ(interval_sum, energy.total_j());
  EXPECT_EQ(chip->stats().wakeups, 1);
  EXPECT_EQ(chip->stats().shutdowns, 1);
  EXPECT_EQ(chip->stats().active_ns, 3'000'000);
  EXPECT_EQ(chip->stats().off_ns, 1'000'000);
}

TEST(PowerControllerTest, InvalidTransitionsFailAndChangeNothing) {
  std::unique_ptr<PowerController> chip = NewController();
  EXPECT_THAT(chip->Sleep(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("cannot sleep"), HasSubstr("is off"))));
  EXPECT_THAT(chip->AdvanceActive(10),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("cannot compute: chip is off")));
  EXPECT_EQ(chip->now_ns(), 0);
  EXPECT_TRUE(chip->intervals().empty());

  ASSERT_THAT(chip->Wake(), IsOk());
  const int64_t woke_at = chip->now_ns();
  EXPECT_THAT(chip->Wake(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                     HasSubstr("cannot wake: chip is active")));
  EXPECT_THAT(chip->AdvanceIdle(10),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("chip is active")));
  EXPECT_THAT(chip->SleepUntil(woke_at + 10),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("chip is active")));
  EXPECT_THAT(chip->AdvanceActive(-1),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("-1 ns")));
  EXPECT_EQ(chip->now_ns(), woke_at);
  EXPECT_EQ(chip->stats().wakeups, 1);
}

TEST(PowerControllerTest, EnsureAwakeHonoursTheAutoWakeFlag) {
  std::unique_ptr<PowerController> chip = NewController();
  EXPECT_THAT(chip->EnsureAwake(/*auto_wake=*/false),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("chip is off"),
                             HasSubstr("auto-wake is disabled"))));
  EXPECT_EQ(chip->state(), PowerState::kOff);

  ASSERT_THAT(chip->EnsureAwake(/*auto_wake=*/true), IsOk());
  EXPECT_EQ(chip->state(), PowerState::kActive);
  EXPECT_EQ(chip->now_ns(), 5000);
  // Already awake: no second wake-up, whatever the flag.
  ASSERT_THAT(chip->EnsureAwake(/*auto_wake=*/false), IsOk());
  ASSERT_THAT(chip->EnsureAwake(/*auto_wake=*/true), IsOk());
  EXPECT_EQ(chip->stats().wakeups, 1);
}

TEST(PowerControllerTest, SleepUntilChargesLeakageUpToTheTarget) {
  std::unique_ptr<PowerController> chip = NewController(100);
  ASSERT_THAT(chip->SleepUntil(2'000'100), IsOk());
  EXPECT_EQ(chip->now_ns(), 2'000'100);
  EXPECT_DOUBLE_EQ(chip->energy().sleep_j, 1e-6 * 2e-3);
  EXPECT_THAT(chip->SleepUntil(50),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("t=50"), HasSubstr("t=2000100"))));
  ASSERT_THAT(chip->SleepUntil(chip->now_ns()), IsOk());  // no-op
  EXPECT_EQ(chip->intervals().size(), 1u);
}

TEST(PowerControllerTest, TakeIntervalsDrainsTheLogButKeepsTotals) {
  std::unique_ptr<PowerController> chip = NewController();
  ASSERT_THAT(chip->Wake(), IsOk());
  ASSERT_THAT(chip->AdvanceActive(1000), IsOk());
  std::vector<PowerInterval> taken = chip->TakeIntervals();
  EXPECT_EQ(taken.size(), 2u);
  EXPECT_TRUE(chip->intervals().empty());
  ASSERT_THAT(chip->AdvanceActive(1000), IsOk());
  ASSERT_EQ(chip->intervals().size(), 1u);
  EXPECT_EQ(chip->intervals()[0].start_ns, 6000);
  EXPECT_EQ(chip->stats().active_ns, 2000);
}

TEST(PowerControllerTest, RejectsNegativeParams) {
  PowerParams params = TestParams();
  params.sleep_power_w = -1;
  EXPECT_THAT(PowerController::Create(params),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'sleep_power_w' is -1")));
}

TEST(PowerControllerTest, TakesLatenciesFromTheMsp430Model) {
  ASSERT_OK_AND_ASSIGN(illusion::v1::ChipModel model,
                       LoadChipModel("msp430_rram"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<PowerController> chip,
                       PowerController::Create(model));
  EXPECT_EQ(chip->params().wakeup_latency_ns, 4700);
  ASSERT_THAT(chip->Wake(), IsOk());
  ASSERT_THAT(chip->AdvanceActive(1'000'000'000), IsOk());  // 1 s at ~0.73 mW
  EXPECT_NEAR(chip->energy().active_j, model.active_power_w(), 1e-12);
  EXPECT_EQ(chip->now_ns(), 4700 + 1'000'000'000);
}

}  // namespace
}  // namespace illusion::chipd
