#include "chipd/chip_model.h"

#include <fstream>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "chipd/builtin_models.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/illusion/v1/chip_model.pb.h"

namespace illusion::chipd {
namespace {

using ::illusion::common::IsOk;
using ::illusion::common::StatusIs;
using ::illusion::v1::ChipModel;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

// Runfiles path of a model file (bazel test runs in the workspace root).
std::string ModelPath(absl::string_view name) {
  return absl::StrCat("chipd/models/", name, ".textproto");
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(ChipModelTest, ListsBothBuiltinModels) {
  EXPECT_THAT(BuiltinChipModelNames(),
              UnorderedElementsAre("msp430_rram", "accel_rram_28nm"));
}

TEST(ChipModelTest, EmbeddedTextIsTheModelFileVerbatim) {
  for (const BuiltinModelText& builtin : BuiltinModelTexts()) {
    std::string file = ReadFile(ModelPath(builtin.name));
    ASSERT_FALSE(file.empty()) << ModelPath(builtin.name);
    EXPECT_EQ(builtin.text, file) << builtin.name;
  }
}

TEST(ChipModelTest, LoadsTheMsp430ChipByName) {
  ASSERT_OK_AND_ASSIGN(ChipModel model, LoadChipModel("msp430_rram"));
  EXPECT_EQ(model.name(), "msp430_rram");
  EXPECT_EQ(model.weight_nvm_bytes(), 4096);
  EXPECT_EQ(model.activation_sram_bytes(), 8192);
  EXPECT_DOUBLE_EQ(model.clock_hz(), 1e6);
  EXPECT_NEAR(model.active_power_w(), 0.72e-3, 0.03e-3);
  EXPECT_NEAR(model.sleep_power_w(), 1e-6, 0.5e-6);
  EXPECT_DOUBLE_EQ(model.wakeup_latency_s(), 4.7e-6);
  EXPECT_FALSE(model.has_nvm_read_energy_j_per_word());
}

TEST(ChipModelTest, LoadsTheScaledOutChipByName) {
  ASSERT_OK_AND_ASSIGN(ChipModel model, LoadChipModel("accel_rram_28nm"));
  EXPECT_EQ(model.name(), "accel_rram_28nm");
  EXPECT_DOUBLE_EQ(model.clock_hz(), 1e9);
  EXPECT_DOUBLE_EQ(model.sleep_power_w(), 3.096e-3);
  EXPECT_DOUBLE_EQ(model.link_bandwidth_words_per_s(),
                   32.0 * 1024 * 1024 * 1024 / 2);
  EXPECT_DOUBLE_EQ(model.link_energy_j_per_word(), 512e-12);
  EXPECT_DOUBLE_EQ(model.cycles_per_conv_mac(), 2.0 / 4096);
  EXPECT_TRUE(model.has_nvm_read_energy_j_per_word());
}

TEST(ChipModelTest, LoadsAModelFromAPath) {
  ASSERT_OK_AND_ASSIGN(ChipModel from_file,
                       LoadChipModel(ModelPath("accel_rram_28nm")));
  ASSERT_OK_AND_ASSIGN(ChipModel builtin, LoadChipModel("accel_rram_28nm"));
  EXPECT_EQ(from_file.SerializeAsString(), builtin.SerializeAsString());
}

TEST(ChipModelTest, UnknownNameIsNotFoundAndListsTheBuiltins) {
  EXPECT_THAT(LoadChipModel("msp430"),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("'msp430'"), HasSubstr("msp430_rram"),
                             HasSubstr("accel_rram_28nm"))));
}

TEST(ChipModelTest, ParseErrorNamesSourceAndLine) {
  EXPECT_THAT(ParseChipModel("name: \"x\"\nclock_hz: fast\n", "test text"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("test text"), HasSubstr("line 2"))));
}

TEST(ChipModelTest, ValidationNamesTheFieldAndValue) {
  ASSERT_OK_AND_ASSIGN(ChipModel model, LoadChipModel("msp430_rram"));
  EXPECT_THAT(ValidateChipModel(model), IsOk());

  ChipModel zero_clock = model;
  zero_clock.set_clock_hz(0);
  EXPECT_THAT(ValidateChipModel(zero_clock),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'clock_hz' is 0"), HasSubstr("> 0"))));

  ChipModel negative_energy = model;
  negative_energy.set_wakeup_energy_j(-1e-9);
  EXPECT_THAT(ValidateChipModel(negative_energy),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'wakeup_energy_j' is -1e-09"),
                             HasSubstr(">= 0"))));

  ChipModel negative_cycles = model;
  negative_cycles.set_boot_cycles_per_wakeup(-5);
  EXPECT_THAT(ValidateChipModel(negative_cycles),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'boot_cycles_per_wakeup' is -5")));

  ChipModel no_sram = model;
  no_sram.set_activation_sram_bytes(0);
  EXPECT_THAT(ValidateChipModel(no_sram),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'activation_sram_bytes' is 0")));

  ChipModel unnamed = model;
  unnamed.clear_name();
  EXPECT_THAT(ValidateChipModel(unnamed),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")));
}

TEST(ChipModelTest, ParseRejectsAnInvalidModel) {
  EXPECT_THAT(
      ParseChipModel("name: \"tiny\"\nweight_nvm_bytes: -1\n", "inline"),
      StatusIs(
          absl::StatusCode::kInvalidArgument,
          AllOf(HasSubstr("inline"), HasSubstr("'weight_nvm_bytes' is -1"))));
}

}  // namespace
}  // namespace illusion::chipd
