#include "chipd/chip_model.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "chipd/builtin_models.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace illusion::chipd {
namespace {

using ::google::protobuf::FieldDescriptor;
using ::illusion::v1::ChipModel;

// Keeps the first parse error with its position (1-based, as editors count).
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (!error_.empty()) return;
    error_ =
        absl::StrCat("line ", line + 1, " column ", column + 1, ": ", message);
  }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

// Fields that divide or bound something and so must be strictly positive.
bool MustBePositive(absl::string_view field) {
  static const auto* const kPositive = new absl::flat_hash_set<std::string>{
      "weight_nvm_bytes", "activation_sram_bytes", "clock_hz",
      "link_bandwidth_words_per_s"};
  return kPositive->contains(field);
}

// Checks one numeric field; `value` is the field's value as a double (int64
// fields are exact below 2^53, far above any capacity we model).
absl::Status CheckNumber(const ChipModel& model, const FieldDescriptor& field,
                         double value) {
  const bool positive = MustBePositive(field.name());
  if (std::isfinite(value) && (positive ? value > 0 : value >= 0)) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "chip model '", model.name(), "': field '", field.name(), "' is ", value,
      "; must be finite and ", positive ? "> 0" : ">= 0"));
}

}  // namespace

std::vector<std::string> BuiltinChipModelNames() {
  std::vector<std::string> names;
  for (const BuiltinModelText& model : BuiltinModelTexts()) {
    names.emplace_back(model.name);
  }
  return names;
}

absl::Status ValidateChipModel(const ChipModel& model) {
  if (model.name().empty()) {
    return absl::InvalidArgumentError("chip model has an empty 'name'");
  }
  // Reflection, so a field added to the proto is checked without an edit here.
  const google::protobuf::Descriptor* descriptor = model.GetDescriptor();
  const google::protobuf::Reflection* reflection = model.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    absl::Status status;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_DOUBLE:
        status =
            CheckNumber(model, *field, reflection->GetDouble(model, field));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        status = CheckNumber(
            model, *field,
            static_cast<double>(reflection->GetInt64(model, field)));
        break;
      default:
        break;  // name, description
    }
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<ChipModel> ParseChipModel(absl::string_view text,
                                         absl::string_view source) {
  ChipModel model;
  FirstErrorCollector errors;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), &model)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "chip model ", source, " does not parse: ", errors.error()));
  }
  absl::Status status = ValidateChipModel(model);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("chip model ", source, ": ", status.message()));
  }
  return model;
}

absl::StatusOr<ChipModel> LoadChipModel(absl::string_view name_or_path) {
  for (const BuiltinModelText& builtin : BuiltinModelTexts()) {
    if (builtin.name == name_or_path) {
      return ParseChipModel(builtin.text,
                            absl::StrCat("built-in '", builtin.name, "'"));
    }
  }
  std::ifstream file{std::string(name_or_path)};
  if (!file) {
    return absl::NotFoundError(absl::StrCat(
        "chip model '", name_or_path, "' is neither a built-in model (",
        absl::StrJoin(BuiltinChipModelNames(), ", "), ") nor a readable file"));
  }
  std::ostringstream text;
  text << file.rdbuf();
  return ParseChipModel(text.str(), absl::StrCat("file '", name_or_path, "'"));
}

}  // namespace illusion::chipd
