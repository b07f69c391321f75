#ifndef ILLUSION_NN_WEIGHTS_H_
#define ILLUSION_NN_WEIGHTS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "nn/tensor.h"

namespace illusion::nn {

class Graph;

// Weight values by tensor name.
using WeightMap = std::map<std::string, Tensor>;

// Where one weight tensor (or a column slice of a 2-D one) is stored in a
// weights directory: raw little-endian bytes, row-major, no header. A tensor
// with no WeightFile entry is read from "<tensor>.bin".
struct WeightFile {
  std::string file;    // name inside the directory, e.g. "layer4a_H.bin"
  std::string tensor;  // graph weight it fills, e.g. "layer4_H"
  // Column range [column_begin, column_end) of a 2-D tensor that the file
  // holds ([rows][column_end - column_begin]); both 0 = the whole tensor.
  int64_t column_begin = 0;
  int64_t column_end = 0;
};

// Loads every weight of `graph` from `dir` following `layout`. Errors name
// the file and the tensor: NotFound for a missing file, InvalidArgument for a
// file whose size differs from the expected one (both sizes given) or a
// layout whose slices do not cover a tensor exactly.
absl::StatusOr<WeightMap> LoadWeightsFromDir(const Graph& graph,
                                             const std::string& dir,
                                             absl::Span<const WeightFile> layout);

// Checks that `weights` holds every weight of `graph` with the declared dtype
// and shape; InvalidArgument naming the tensor, the expected and the actual.
absl::Status ValidateWeights(const Graph& graph, const WeightMap& weights);

// Deterministic pseudo-random weights for every weight of `graph` (the same
// seed gives the same bytes on every machine): int8 values in [-16, 16] for
// weights and [-32, 32] for biases (tensors of rank 1).
WeightMap SeededWeights(const Graph& graph, uint64_t seed);

// A deterministic pseudo-random tensor for `spec`, values in [lo, hi].
Tensor SeededTensor(const TensorSpec& spec, uint64_t seed, int32_t lo, int32_t hi);

}  // namespace illusion::nn

#endif  // ILLUSION_NN_WEIGHTS_H_
