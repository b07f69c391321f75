#include "clients/endurance/flag_args.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace illusion::clients {

absl::StatusOr<FlagArgument> SplitFlagArgument(const std::vector<std::string>& args, size_t i) {
  absl::string_view a = args.at(i);
  FlagArgument flag;
  if (a == "-h" || a == "--help") {
    flag.name = "help";
    return flag;
  }
  if (!absl::ConsumePrefix(&a, "--")) {
    return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", a, "'"));
  }
  flag.name = std::string(a);
  if (size_t eq = flag.name.find('='); eq != std::string::npos) {
    flag.value = flag.name.substr(eq + 1);
    flag.name.resize(eq);
    flag.has_value = true;
  }
  return flag;
}

absl::Status TakeFlagValue(const std::vector<std::string>& args, size_t* i, FlagArgument* flag) {
  if (flag->has_value) return absl::OkStatus();
  if (*i + 1 >= args.size()) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag->name, " needs a value"));
  }
  flag->value = args[++*i];
  flag->has_value = true;
  return absl::OkStatus();
}

absl::StatusOr<bool> BooleanFlagValue(const FlagArgument& flag) {
  if (!flag.has_value || flag.value == "true") return true;
  if (flag.value == "false") return false;
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag.name, ": '", flag.value, "' is not true or false"));
}

}  // namespace illusion::clients
