// Standalone entry point for `endurance` until illusionctl wires it:
//
//   bazel-bin/clients/endurance/illusionctl_endurance replay --trace=FILE [--json]
//
// It makes exactly the call illusionctl makes (the arguments after
// "endurance").

#include <iostream>
#include <string>
#include <vector>

#include "clients/endurance/endurance_command.h"

int main(int argc, char** argv) {
  return illusion::clients::RunEnduranceCommand(std::vector<std::string>(argv + 1, argv + argc),
                                                std::cout, std::cerr);
}
