#ifndef ILLUSION_CHIPD_CHIP_SERVICE_H_
#define ILLUSION_CHIPD_CHIP_SERVICE_H_

// The gRPC ChipService of chipd: a thin adapter that translates requests
// with chip_proto.h (the wear RPCs with wear_proto.h), calls the
// ChipRuntime and maps absl::Status to gRPC status codes. It borrows the runtime, which must outlive it; the runtime
// serializes calls (Reset included, which may replace its chip model), so
// the service is safe on gRPC's thread pool.
//
// Two flavours with the same handlers: ChipServiceImpl (callback API: each
// call runs inline on the gRPC callback thread that polled it) and
// SyncChipServiceImpl (sync API: calls are handed to the server's thread
// pool). chipd serves ChipServiceImpl: a chip call is short (Execute takes
// 3-50 us) and the runtime serializes calls anyway, so running it inline
// loses no concurrency, and it saves the sync server's hand-off to a pool
// thread: with client and server on one CPU a loopback Execute takes ~60 us
// instead of ~120 us (chip_service_bench, issue 4). SyncChipServiceImpl is
// kept for that comparison.

#include <grpcpp/grpcpp.h>

#include "chipd/chip_runtime.h"
#include "proto/illusion/v1/chip.grpc.pb.h"

namespace illusion::chipd {

class SyncChipServiceImpl final : public illusion::v1::ChipService::Service {
 public:
  explicit SyncChipServiceImpl(ChipRuntime* runtime) : runtime_(runtime) {}

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
  grpc::Status ConfigureWear(grpc::ServerContext* context,
                             const illusion::v1::ConfigureWearRequest* request,
                             illusion::v1::WearReport* response) override;
  grpc::Status GetWear(grpc::ServerContext* context, const illusion::v1::GetWearRequest* request,
                       illusion::v1::WearReport* response) override;
  grpc::Status Remap(grpc::ServerContext* context, const illusion::v1::RemapRequest* request,
                     illusion::v1::RemapResponse* response) override;
  grpc::Status ExportNvm(grpc::ServerContext* context,
                         const illusion::v1::ExportNvmRequest* request,
                         illusion::v1::NvmImage* response) override;
  grpc::Status ImportNvm(grpc::ServerContext* context, const illusion::v1::NvmImage* request,
                         illusion::v1::WearReport* response) override;

 private:
  ChipRuntime* const runtime_;
};

// The callback-API service that chipd serves. Borrows the runtime (must
// outlive it); thread-safe like SyncChipServiceImpl. Every handler runs to
// completion inline and finishes its call before returning (a long
// LoadSlice holds that gRPC thread meanwhile; the chip is busy anyway).
class ChipServiceImpl final : public illusion::v1::ChipService::CallbackService {
 public:
  explicit ChipServiceImpl(ChipRuntime* runtime) : runtime_(runtime) {}

  grpc::ServerUnaryReactor* GetInfo(grpc::CallbackServerContext* context,
                                    const illusion::v1::GetInfoRequest* request,
                                    illusion::v1::ChipInfo* response) override;
  grpc::ServerUnaryReactor* LoadSlice(grpc::CallbackServerContext* context,
                                      const illusion::v1::LoadSliceRequest* request,
                                      illusion::v1::LoadSliceResponse* response) override;
  grpc::ServerUnaryReactor* Execute(grpc::CallbackServerContext* context,
                                    const illusion::v1::ExecuteRequest* request,
                                    illusion::v1::ExecuteResponse* response) override;
  grpc::ServerUnaryReactor* SetPowerState(grpc::CallbackServerContext* context,
                                          const illusion::v1::SetPowerStateRequest* request,
                                          illusion::v1::SetPowerStateResponse* response) override;
  grpc::ServerUnaryReactor* GetStats(grpc::CallbackServerContext* context,
                                     const illusion::v1::GetStatsRequest* request,
                                     illusion::v1::ChipStats* response) override;
  grpc::ServerUnaryReactor* Reset(grpc::CallbackServerContext* context,
                                  const illusion::v1::ResetRequest* request,
                                  illusion::v1::ResetResponse* response) override;
  grpc::ServerUnaryReactor* ConfigureWear(grpc::CallbackServerContext* context,
                                          const illusion::v1::ConfigureWearRequest* request,
                                          illusion::v1::WearReport* response) override;
  grpc::ServerUnaryReactor* GetWear(grpc::CallbackServerContext* context,
                                    const illusion::v1::GetWearRequest* request,
                                    illusion::v1::WearReport* response) override;
  grpc::ServerUnaryReactor* Remap(grpc::CallbackServerContext* context,
                                  const illusion::v1::RemapRequest* request,
                                  illusion::v1::RemapResponse* response) override;
  grpc::ServerUnaryReactor* ExportNvm(grpc::CallbackServerContext* context,
                                      const illusion::v1::ExportNvmRequest* request,
                                      illusion::v1::NvmImage* response) override;
  grpc::ServerUnaryReactor* ImportNvm(grpc::CallbackServerContext* context,
                                      const illusion::v1::NvmImage* request,
                                      illusion::v1::WearReport* response) override;

 private:
  ChipRuntime* const runtime_;
};

}  // namespace illusion::chipd

#endif  // ILLUSION_CHIPD_CHIP_SERVICE_H_
