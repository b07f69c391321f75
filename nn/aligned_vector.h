#ifndef ILLUSION_NN_ALIGNED_VECTOR_H_
#define ILLUSION_NN_ALIGNED_VECTOR_H_

// std::vector whose storage starts on a cache line (64 bytes).
//
// The AVX2 kernels load 32 bytes at a time. With malloc's 16-byte alignment
// a buffer may start mid-line, and then every other load straddles two cache
// lines: the same kernel on the same data ran ~20% slower in one build than
// in another only because the heap had placed its scratch differently
// (issue 5). Tensors and kernel scratch use this, so their speed does not
// depend on where the heap puts them.

#include <cstddef>
#include <new>
#include <vector>

namespace illusion::nn {

inline constexpr std::size_t kCacheLineBytes = 64;

// A stateless allocator of kCacheLineBytes-aligned storage (C++17 aligned
// operator new). Thread-safe, as operator new is.
template <typename T>
struct CacheLineAllocator {
  using value_type = T;

  CacheLineAllocator() = default;
  template <typename U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}  // NOLINT: rebinding

  T* allocate(std::size_t n) {
    return static_cast<T*>(
        ::operator new(n * sizeof(T), std::align_val_t(kCacheLineBytes)));
  }
  void deallocate(T* p, std::size_t) {
    ::operator delete(p, std::align_val_t(kCacheLineBytes));
  }

  template <typename U>
  bool operator==(const CacheLineAllocator<U>&) const { return true; }
  template <typename U>
  bool operator!=(const CacheLineAllocator<U>&) const { return false; }
};

template <typename T>
using AlignedVector = std::vector<T, CacheLineAllocator<T>>;

}  // namespace illusion::nn

#endif  // ILLUSION_NN_ALIGNED_VECTOR_H_
