#ifndef ILLUSION_NN_TENSOR_H_
#define ILLUSION_NN_TENSOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "nn/aligned_vector.h"

namespace illusion::nn {

// Integer element types of the workloads. Every tensor of the paper's
// networks is one of these; there is no floating point anywhere in nn.
enum class DType : uint8_t { kInt8, kInt16, kInt32, kUInt8 };

// Size of one element in bytes.
int DTypeBytes(DType dtype);
// "int8", "int16", "int32", "uint8".
absl::string_view DTypeName(DType dtype);
// Inverse of DTypeName; InvalidArgument for an unknown name.
absl::StatusOr<DType> ParseDType(absl::string_view name);

using Shape = std::vector<int64_t>;

// Number of elements of a shape (1 for a scalar, i.e. an empty shape).
int64_t NumElements(const Shape& shape);
// "[6, 1, 5, 5]".
std::string ShapeString(const Shape& shape);

// Static description of a tensor: name, element type, shape and fixed-point
// format (real value = stored integer / 2^frac_bits). Plain value type.
struct TensorSpec {
  std::string name;
  DType dtype = DType::kInt8;
  Shape shape;
  int frac_bits = 0;

  int64_t num_elements() const { return NumElements(shape); }
  int64_t byte_size() const { return num_elements() * DTypeBytes(dtype); }
  // "input: int8 [1, 28, 28] Q4".
  std::string DebugString() const;
};

// A dense, row-major integer tensor that owns its storage (little-endian, as
// the host stores it). Copyable and movable value type; not thread-safe for
// concurrent mutation, safe for concurrent reads.
class Tensor {
 public:
  // An empty int8 tensor of shape [0].
  Tensor();
  // A zero-filled tensor.
  Tensor(DType dtype, Shape shape, int frac_bits = 0);
  // Copies move the bytes with memcpy (a vector with a custom allocator
  // would copy them one by one); an assignment of equal size reuses the
  // storage.
  Tensor(const Tensor& other);
  Tensor& operator=(const Tensor& other);
  Tensor(Tensor&&) noexcept = default;
  Tensor& operator=(Tensor&&) noexcept = default;

  // Copies `bytes` (raw little-endian elements) into a new tensor; fails with
  // InvalidArgument when the byte count does not match the shape.
  static absl::StatusOr<Tensor> FromBytes(DType dtype, Shape shape,
                                          int frac_bits,
                                          absl::string_view bytes);
  // Builds a tensor from integer values; each value is converted to the
  // element type with two's-complement wrap-around.
  static Tensor FromValues(DType dtype, Shape shape,
                           absl::Span<const int32_t> values,
                           int frac_bits = 0);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int frac_bits() const { return frac_bits_; }
  int64_t num_elements() const { return num_elements_; }
  int64_t byte_size() const { return static_cast<int64_t>(bytes_.size()); }
  absl::string_view bytes() const {
    return absl::string_view(reinterpret_cast<const char*>(bytes_.data()),
                             bytes_.size());
  }

  // Typed access; T must match dtype() (checked in debug builds).
  template <typename T>
  T* data() {
    return reinterpret_cast<T*>(bytes_.data());
  }
  template <typename T>
  const T* data() const {
    return reinterpret_cast<const T*>(bytes_.data());
  }

  // Element i widened to int32 (any dtype).
  int32_t at(int64_t i) const;
  // All elements widened to int32.
  std::vector<int32_t> values() const;

  // Same data, new shape with the same number of elements.
  absl::Status Reshape(Shape shape);

  // True when dtype, shape and bytes are equal (frac_bits is not compared:
  // it is metadata of the format, not of the value).
  bool SameValues(const Tensor& other) const;

  // "int8 [6, 12, 12] Q4".
  std::string DebugString() const;

 private:
  DType dtype_;
  Shape shape_;
  int frac_bits_;
  int64_t num_elements_;
  AlignedVector<uint8_t> bytes_;  // starts on a cache line (kernels' vector loads)
};

// Index of the first element that differs, or -1 when equal. Used by tests to
// report bit-exact mismatches precisely.
int64_t FirstDifference(const Tensor& a, const Tensor& b);

}  // namespace illusion::nn

#endif  // ILLUSION_NN_TENSOR_H_
