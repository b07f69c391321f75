#ifndef ILLUSION_CLIENTS_ENDURANCE_FLAG_ARGS_H_
#define ILLUSION_CLIENTS_ENDURANCE_FLAG_ARGS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace illusion::clients {

// One command-line argument of the endurance subcommands, split into a flag
// name and its value. A plain value type; no ownership, no shared state.
struct FlagArgument {
  std::string name;   // without the leading "--"; "help" for -h / --help
                      // (and for "--help=x", which has_value tells apart)
  std::string value;  // the text after '=', or the next argument once taken
  bool has_value = false;
};

// Splits args[i], which must be "-h", "--help", "--name" or "--name=value".
// Anything else is an "unexpected argument" error naming it.
absl::StatusOr<FlagArgument> SplitFlagArgument(const std::vector<std::string>& args, size_t i);

// For a flag given as "--name value": takes args[*i + 1] as the value and
// advances *i. Does nothing when the flag already has a value. Errors with
// "--name needs a value" at the end of the arguments.
absl::Status TakeFlagValue(const std::vector<std::string>& args, size_t* i, FlagArgument* flag);

// A boolean flag: "--name" or "--name=true" is true, "--name=false" false.
// Any other value is an error naming the flag and the value.
absl::StatusOr<bool> BooleanFlagValue(const FlagArgument& flag);

}  // namespace illusion::clients

#endif  // ILLUSION_CLIENTS_ENDURANCE_FLAG_ARGS_H_
