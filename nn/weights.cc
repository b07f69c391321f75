#include "nn/weights.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "nn/graph.h"
#include "nn/raw_file.h"

namespace illusion::nn {
namespace {

std::string Describe(const TensorSpec& spec) {
  return absl::StrCat(DTypeName(spec.dtype), " ", ShapeString(spec.shape), ", ",
                      spec.byte_size(), " bytes");
}

absl::StatusOr<std::string> ReadWeightFile(const std::string& path,
                                           const std::string& tensor) {
  absl::StatusOr<std::string> bytes = ReadRawFile(path);
  if (absl::IsNotFound(bytes.status())) {
    return absl::NotFoundError(absl::StrCat("weight file '", path, "' for tensor '",
                                            tensor, "' is missing"));
  }
  return bytes;
}

// Copies a [rows][end - begin] slice file into columns [begin, end).
absl::Status FillColumns(const TensorSpec& spec, const WeightFile& wf,
                         const std::string& path, const std::string& bytes,
                         Tensor& tensor) {
  const int64_t rows = spec.shape[0];
  const int64_t cols = spec.shape[1];
  const int64_t width = wf.column_end - wf.column_begin;
  const int64_t elem = DTypeBytes(spec.dtype);
  const int64_t expected = rows * width * elem;
  if (static_cast<int64_t>(bytes.size()) != expected) {
    return absl::InvalidArgumentError(absl::StrCat(
        "weight file '", path, "' (columns [", wf.column_begin, ", ", wf.column_end,
        ") of '", spec.name, "', ", DTypeName(spec.dtype), " [", rows, ", ", width,
        "]) has ", bytes.size(), " bytes; expected ", expected));
  }
  char* dst = reinterpret_cast<char*>(tensor.data<uint8_t>());
  for (int64_t r = 0; r < rows; ++r) {
    std::memcpy(dst + (r * cols + wf.column_begin) * elem,
                bytes.data() + r * width * elem, width * elem);
  }
  return absl::OkStatus();
}

absl::StatusOr<Tensor> LoadOne(const TensorSpec& spec, const std::string& dir,
                               const std::vector<const WeightFile*>& files) {
  if (files.empty()) {
    const std::string path = absl::StrCat(dir, "/", spec.name, ".bin");
    ASSIGN_OR_RETURN(std::string bytes, ReadWeightFile(path, spec.name));
    if (static_cast<int64_t>(bytes.size()) != spec.byte_size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "weight file '", path, "' for tensor '", spec.name, "' (", Describe(spec),
          ") has ", bytes.size(), " bytes; expected ", spec.byte_size()));
    }
    return Tensor::FromBytes(spec.dtype, spec.shape, spec.frac_bits, bytes);
  }
  Tensor tensor(spec.dtype, spec.shape, spec.frac_bits);
  const bool sliced = files.size() > 1 || files[0]->column_end > 0;
  if (sliced && spec.shape.size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "weight layout slices tensor '", spec.name, "', which is not 2-D (",
        Describe(spec), ")"));
  }
  int64_t covered = 0;
  for (const WeightFile* wf : files) {
    const std::string path = absl::StrCat(dir, "/", wf->file);
    ASSIGN_OR_RETURN(std::string bytes, ReadWeightFile(path, spec.name));
    if (!sliced) {
      if (static_cast<int64_t>(bytes.size()) != spec.byte_size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "weight file '", path, "' for tensor '", spec.name, "' (",
            Describe(spec), ") has ", bytes.size(), " bytes; expected ",
            spec.byte_size()));
      }
      return Tensor::FromBytes(spec.dtype, spec.shape, spec.frac_bits, bytes);
    }
    if (wf->column_begin != covered || wf->column_end <= wf->column_begin ||
        wf->column_end > spec.shape[1]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "weight layout of '", spec.name, "': file '", wf->file, "' holds columns [",
          wf->column_begin, ", ", wf->column_end, "); expected a range starting at ",
          covered, " within ", spec.shape[1], " columns"));
    }
    RETURN_IF_ERROR(FillColumns(spec, *wf, path, bytes, tensor));
    covered = wf->column_end;
  }
  if (covered != spec.shape[1]) {
    return absl::InvalidArgumentError(absl::StrCat(
        "weight layout of '", spec.name, "' covers ", covered, " of ",
        spec.shape[1], " columns"));
  }
  return tensor;
}

// splitmix64: a tiny, portable, well-mixed generator, so seeded weights are
// identical on every platform (std:: distributions are not).
uint64_t NextRandom(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t HashName(const std::string& name) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char ch : name) h = (h ^ ch) * 1099511628211ULL;
  return h;
}

}  // namespace

absl::StatusOr<WeightMap> LoadWeightsFromDir(const Graph& graph,
                                             const std::string& dir,
                                             absl::Span<const WeightFile> layout) {
  for (const WeightFile& wf : layout) {
    if (graph.FindWeight(wf.tensor) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "weight layout names tensor '", wf.tensor, "' (file '", wf.file,
          "'), which graph '", graph.name(), "' does not have"));
    }
  }
  WeightMap weights;
  for (const TensorSpec& spec : graph.weights()) {
    std::vector<const WeightFile*> files;
    for (const WeightFile& wf : layout) {
      if (wf.tensor == spec.name) files.push_back(&wf);
    }
    ASSIGN_OR_RETURN(Tensor t, LoadOne(spec, dir, files));
    weights.emplace(spec.name, std::move(t));
  }
  return weights;
}

absl::Status ValidateWeights(const Graph& graph, const WeightMap& weights) {
  for (const TensorSpec& spec : graph.weights()) {
    auto it = weights.find(spec.name);
    if (it == weights.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "graph '", graph.name(), "': weight '", spec.name, "' (", Describe(spec),
          ") is missing"));
    }
    if (it->second.dtype() != spec.dtype || it->second.shape() != spec.shape) {
      return absl::InvalidArgumentError(absl::StrCat(
          "graph '", graph.name(), "': weight '", spec.name, "' must be ",
          Describe(spec), "; got ", it->second.DebugString(), ", ",
          it->second.byte_size(), " bytes"));
    }
  }
  return absl::OkStatus();
}

Tensor SeededTensor(const TensorSpec& spec, uint64_t seed, int32_t lo, int32_t hi) {
  uint64_t state = seed ^ HashName(spec.name);
  std::vector<int32_t> values(spec.num_elements());
  const uint64_t span = static_cast<uint64_t>(hi - lo + 1);
  for (int32_t& v : values) v = lo + static_cast<int32_t>(NextRandom(state) % span);
  return Tensor::FromValues(spec.dtype, spec.shape, values, spec.frac_bits);
}

WeightMap SeededWeights(const Graph& graph, uint64_t seed) {
  WeightMap weights;
  for (const TensorSpec& spec : graph.weights()) {
    const bool bias = spec.shape.size() == 1;
    weights.emplace(spec.name, bias ? SeededTensor(spec, seed, -32, 32)
                                    : SeededTensor(spec, seed, -16, 16));
  }
  return weights;
}

}  // namespace illusion::nn
