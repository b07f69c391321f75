#include "nn/tensor.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace illusion::nn {

int DTypeBytes(DType dtype) {
  switch (dtype) {
    case DType::kInt8:
    case DType::kUInt8:
      return 1;
    case DType::kInt16:
      return 2;
    case DType::kInt32:
      return 4;
  }
  return 1;
}

absl::string_view DTypeName(DType dtype) {
  switch (dtype) {
    case DType::kInt8:
      return "int8";
    case DType::kUInt8:
      return "uint8";
    case DType::kInt16:
      return "int16";
    case DType::kInt32:
      return "int32";
  }
  return "?";
}

absl::StatusOr<DType> ParseDType(absl::string_view name) {
  for (DType d : {DType::kInt8, DType::kInt16, DType::kInt32, DType::kUInt8}) {
    if (DTypeName(d) == name) return d;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown dtype '", name, "'; expected int8, int16, int32 or uint8"));
}

int64_t NumElements(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string ShapeString(const Shape& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

std::string TensorSpec::DebugString() const {
  return absl::StrCat(name, ": ", DTypeName(dtype), " ", ShapeString(shape),
                      " Q", frac_bits);
}

Tensor::Tensor() : Tensor(DType::kInt8, Shape{0}) {}

Tensor::Tensor(DType dtype, Shape shape, int frac_bits)
    : dtype_(dtype),
      shape_(std::move(shape)),
      frac_bits_(frac_bits),
      num_elements_(NumElements(shape_)),
      bytes_(static_cast<size_t>(num_elements_ * DTypeBytes(dtype)), 0) {}

Tensor::Tensor(const Tensor& other)
    : dtype_(other.dtype_),
      shape_(other.shape_),
      frac_bits_(other.frac_bits_),
      num_elements_(other.num_elements_),
      bytes_(other.bytes_.size()) {
  if (!bytes_.empty()) std::memcpy(bytes_.data(), other.bytes_.data(), bytes_.size());
}

Tensor& Tensor::operator=(const Tensor& other) {
  if (this == &other) return *this;
  dtype_ = other.dtype_;
  shape_ = other.shape_;
  frac_bits_ = other.frac_bits_;
  num_elements_ = other.num_elements_;
  if (bytes_.size() != other.bytes_.size()) {
    bytes_ = AlignedVector<uint8_t>(other.bytes_.size());
  }
  if (!bytes_.empty()) std::memcpy(bytes_.data(), other.bytes_.data(), bytes_.size());
  return *this;
}

absl::StatusOr<Tensor> Tensor::FromBytes(DType dtype, Shape shape,
                                         int frac_bits,
                                         absl::string_view bytes) {
  Tensor t(dtype, std::move(shape), frac_bits);
  if (static_cast<int64_t>(bytes.size()) != t.byte_size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tensor ", DTypeName(dtype), " ", ShapeString(t.shape()), " needs ",
        t.byte_size(), " bytes; got ", bytes.size()));
  }
  if (!bytes.empty()) std::memcpy(t.bytes_.data(), bytes.data(), bytes.size());
  return t;
}

Tensor Tensor::FromValues(DType dtype, Shape shape,
                          absl::Span<const int32_t> values, int frac_bits) {
  Tensor t(dtype, std::move(shape), frac_bits);
  const int64_t n = std::min<int64_t>(t.num_elements(), values.size());
  for (int64_t i = 0; i < n; ++i) {
    switch (dtype) {
      case DType::kInt8:
        t.data<int8_t>()[i] = static_cast<int8_t>(values[i]);
        break;
      case DType::kUInt8:
        t.data<uint8_t>()[i] = static_cast<uint8_t>(values[i]);
        break;
      case DType::kInt16:
        t.data<int16_t>()[i] = static_cast<int16_t>(values[i]);
        break;
      case DType::kInt32:
        t.data<int32_t>()[i] = values[i];
        break;
    }
  }
  return t;
}

int32_t Tensor::at(int64_t i) const {
  switch (dtype_) {
    case DType::kInt8:
      return data<int8_t>()[i];
    case DType::kUInt8:
      return data<uint8_t>()[i];
    case DType::kInt16:
      return data<int16_t>()[i];
    case DType::kInt32:
      return data<int32_t>()[i];
  }
  return 0;
}

std::vector<int32_t> Tensor::values() const {
  std::vector<int32_t> out(num_elements_);
  for (int64_t i = 0; i < num_elements_; ++i) out[i] = at(i);
  return out;
}

absl::Status Tensor::Reshape(Shape shape) {
  if (NumElements(shape) != num_elements_) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot reshape ", ShapeString(shape_), " (",
                     num_elements_, " elements) to ", ShapeString(shape)));
  }
  shape_ = std::move(shape);
  return absl::OkStatus();
}

bool Tensor::SameValues(const Tensor& other) const {
  return dtype_ == other.dtype_ && shape_ == other.shape_ &&
         bytes_ == other.bytes_;
}

std::string Tensor::DebugString() const {
  return absl::StrCat(DTypeName(dtype_), " ", ShapeString(shape_), " Q",
                      frac_bits_);
}

int64_t FirstDifference(const Tensor& a, const Tensor& b) {
  const int64_t n = std::min(a.num_elements(), b.num_elements());
  for (int64_t i = 0; i < n; ++i) {
    if (a.at(i) != b.at(i)) return i;
  }
  if (a.num_elements() != b.num_elements()) return n;
  return -1;
}

}  // namespace illusion::nn
