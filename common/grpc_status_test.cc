#include "common/grpc_status.h"

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace illusion::common {
namespace {

TEST(GrpcStatusTest, OkMapsToOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(GrpcStatusTest, EveryCanonicalCodeRoundTrips) {
  for (int code = 1; code <= 16; ++code) {
    const absl::Status status(static_cast<absl::StatusCode>(code), "chip 3");
    const grpc::Status grpc_status = ToGrpcStatus(status);
    EXPECT_EQ(static_cast<int>(grpc_status.error_code()), code);
    EXPECT_EQ(grpc_status.error_message(), "chip 3");
    EXPECT_EQ(FromGrpcStatus(grpc_status), status);
  }
}

TEST(GrpcStatusTest, NamedCodesMatch) {
  EXPECT_EQ(ToGrpcStatus(absl::ResourceExhaustedError("x")).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(
      FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "y")).code(),
      absl::StatusCode::kUnavailable);
}

TEST(GrpcStatusTest, NonCanonicalCodeBecomesUnknown) {
  const absl::Status odd(static_cast<absl::StatusCode>(42), "odd");
  EXPECT_EQ(ToGrpcStatus(odd).error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(ToGrpcStatus(odd).error_message(), "odd");
  const grpc::Status grpc_odd(static_cast<grpc::StatusCode>(42), "odd");
  EXPECT_EQ(FromGrpcStatus(grpc_odd).code(), absl::StatusCode::kUnknown);
}

}  // namespace
}  // namespace illusion::common
