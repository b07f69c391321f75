// Status propagation macros for absl::Status / absl::StatusOr<T>.
//
// Abseil LTS 20220623 (Debian 12) ships no status macros, so these mirror the
// ones in later Abseil / TensorFlow:
//
//   absl::Status LoadSlice(const Graph& graph) {
//     RETURN_IF_ERROR(ValidateGraph(graph));
//     ASSIGN_OR_RETURN(Slice slice, BuildSlice(graph));
//     ...
//   }
//
// The macros are global (macros have no namespace); helpers live in
// illusion::common::status_macros_internal. Header only, no state: thread-safe.

#ifndef ILLUSION_COMMON_STATUS_MACROS_H_
#define ILLUSION_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace illusion::common::status_macros_internal {

// Returns the status of a Status or StatusOr, so RETURN_IF_ERROR takes both.
inline const absl::Status& AsStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& AsStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

}  // namespace illusion::common::status_macros_internal

#define ILLUSION_STATUS_MACROS_CONCAT_INNER_(x, y) x##y
#define ILLUSION_STATUS_MACROS_CONCAT_(x, y) \
  ILLUSION_STATUS_MACROS_CONCAT_INNER_(x, y)

// Evaluates `expr` (an absl::Status or absl::StatusOr<T>) once; if it is not
// OK, returns its status from the enclosing function, which must return
// absl::Status or absl::StatusOr<U>.
#define RETURN_IF_ERROR(expr)                                       \
  do {                                                              \
    const auto& illusion_status_macros_value_ = (expr);             \
    const ::absl::Status& illusion_status_macros_status_ =          \
        ::illusion::common::status_macros_internal::AsStatus(       \
            illusion_status_macros_value_);                         \
    if (ABSL_PREDICT_FALSE(!illusion_status_macros_status_.ok())) { \
      return illusion_status_macros_status_;                        \
    }                                                               \
  } while (false)

// Evaluates `expr` (an absl::StatusOr<T>) once; if it is not OK, returns its
// status from the enclosing function; otherwise moves the value into `lhs`,
// which may be a declaration (`ASSIGN_OR_RETURN(auto x, F());`) or an
// existing lvalue. Expands to several statements: do not use it as the body
// of an unbraced if/else. A `lhs` containing a comma (e.g. std::pair<A, B> x)
// must be declared on its own line first.
#define ASSIGN_OR_RETURN(lhs, expr)                                          \
  ILLUSION_ASSIGN_OR_RETURN_IMPL_(                                           \
      ILLUSION_STATUS_MACROS_CONCAT_(illusion_status_or_, __COUNTER__), lhs, \
      expr)

#define ILLUSION_ASSIGN_OR_RETURN_IMPL_(status_or, lhs, expr) \
  auto status_or = (expr);                                    \
  if (ABSL_PREDICT_FALSE(!status_or.ok())) {                  \
    return std::move(status_or).status();                     \
  }                                                           \
  lhs = std::move(status_or).value()

#endif  // ILLUSION_COMMON_STATUS_MACROS_H_
