#ifndef ILLUSION_CHIPD_CHIP_SERVICE_H_
#define ILLUSION_CHIPD_CHIP_SERVICE_H_

// The gRPC ChipService of chipd: a thin adapter that translates requests
// with chip_proto.h, calls the ChipRuntime and maps absl::Status to gRPC
// status codes. It borrows the runtime, which must outlive it; the runtime
// serializes calls (Reset included, which may replace its chip model), so
// the service is safe on gRPC's thread pool.

#include <grpcpp/grpcpp.h>

#include "chipd/chip_runtime.h"
#include "proto/illusion/v1/chip.grpc.pb.h"

namespace illusion::chipd {

class ChipServiceImpl final : public illusion::v1::ChipService::Service {
 public:
  explicit ChipServiceImpl(ChipRuntime* runtime) : runtime_(runtime) {}

  grpc::Status GetInfo(grpc::ServerContext* context, const illusion::v1::GetInfoRequest* request,
                       illusion::v1::ChipInfo* response) override;
  grpc::Status LoadSlice(grpc::ServerContext* context,
                         const illusion::v1::LoadSliceRequest* request,
                         illusion::v1::LoadSliceResponse* response) override;
  grpc::Status Execute(grpc::ServerContext* context, const illusion::v1::ExecuteRequest* request,
                       illusion::v1::ExecuteResponse* response) override;
  grpc::Status SetPowerState(grpc::ServerContext* context,
                             const illusion::v1::SetPowerStateRequest* request,
                             illusion::v1::SetPowerStateResponse* response) override;
  grpc::Status GetStats(grpc::ServerContext* context, const illusion::v1::GetStatsRequest* request,
                        illusion::v1::ChipStats* response) override;
  grpc::Status Reset(grpc::ServerContext* context, const illusion::v1::ResetRequest* request,
                     illusion::v1::ResetResponse* response) override;

 private:
  ChipRuntime* const runtime_;
};

}  // namespace illusion::chipd

#endif  // ILLUSION_CHIPD_CHIP_SERVICE_H_
