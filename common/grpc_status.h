// Conversion between absl::Status (used by all library code) and
// grpc::Status (returned by gRPC service handlers and client calls).
//
// The canonical codes are numerically identical in both libraries
// (OK = 0 ... UNAUTHENTICATED = 16), so codes map one-to-one; messages are
// copied. Error details/payloads are dropped. Stateless free functions:
// thread-safe.

#ifndef ILLUSION_COMMON_GRPC_STATUS_H_
#define ILLUSION_COMMON_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace illusion::common {

// Converts a library status for returning from a gRPC handler. Never fails;
// a code outside the canonical range becomes grpc::StatusCode::UNKNOWN.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Converts the status of a gRPC call into a library status. Never fails; a
// code outside the canonical range becomes absl::StatusCode::kUnknown.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace illusion::common

#endif  // ILLUSION_COMMON_GRPC_STATUS_H_
