#ifndef ILLUSION_CLIENTS_REFERENCE_DIR_H_
#define ILLUSION_CLIENTS_REFERENCE_DIR_H_

// Where illusionctl looks for the paper's reference kit when no
// --reference_dir is given. Stateless; thread-safe (reads the environment).

#include <cstdlib>
#include <string>

namespace illusion::clients {

// $ILLUSION_REFERENCE_DIR when set and non-empty, else "../shared/reference"
// (relative to the working directory, as the repository sits beside it).
inline std::string DefaultReferenceDir() {
  const char* env = std::getenv("ILLUSION_REFERENCE_DIR");
  return env != nullptr && *env != '\0' ? env : "../shared/reference";
}

}  // namespace illusion::clients

#endif  // ILLUSION_CLIENTS_REFERENCE_DIR_H_
