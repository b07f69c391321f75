// The ChipService over a real loopback socket, in process: the gRPC path
// returns what the core returns, bad input gets INVALID_ARGUMENT and the
// service keeps serving. Every test runs against both flavours: the
// callback-API ChipServiceImpl (what chipd serves) and SyncChipServiceImpl.

#include "chipd/chip_service.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <vector>

#include "chipd/chip_model.h"
#include "chipd/chip_proto.h"
#include "common/grpc_status.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/weights.h"
#include "nn/workloads.h"
#include "partitioner/paper/paper_partition.h"
#include "partitioner/partition_proto.h"

namespace illusion::chipd {
namespace {

using ::illusion::common::FromGrpcStatus;
using ::illusion::common::StatusIs;
using ::testing::HasSubstr;
namespace pb = ::illusion::v1;

// The parameter: true = SyncChipServiceImpl, false = ChipServiceImpl.
class ChipServiceTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(pb::ChipModel model, LoadChipModel("msp430_rram"));
    ASSERT_OK_AND_ASSIGN(runtime_, ChipRuntime::Create(1, model));
    ASSERT_OK_AND_ASSIGN(direct_, ChipRuntime::Create(1, model));
    if (GetParam()) {
      service_ = std::make_unique<SyncChipServiceImpl>(runtime_.get());
    } else {
      service_ = std::make_unique<ChipServiceImpl>(runtime_.get());
    }
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_GT(port, 0);
    stub_ = pb::ChipService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
    ASSERT_OK_AND_ASSIGN(graph_, partitioner::PaperGraph(nn::Workload::kMnist));
    weights_ = nn::SeededWeights(graph_, 11);
    ASSERT_OK_AND_ASSIGN(partition_, partitioner::PaperPartitionFor(nn::Workload::kMnist, 8));
  }
  void TearDown() override { server_->Shutdown(std::chrono::system_clock::now()); }

  SliceBundle Bundle() {
    return SliceBundle{"mnist/chip 1", partition_, *partitioner::PaperGraph(nn::Workload::kMnist),
                       weights_, 1};
  }
  static void Deadline(grpc::ClientContext* c) {
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  }
  absl::Status Load(const pb::LoadSliceRequest& request, pb::LoadSliceResponse* response) {
    grpc::ClientContext c;
    Deadline(&c);
    return FromGrpcStatus(stub_->LoadSlice(&c, request, response));
  }
  absl::Status Execute(const pb::ExecuteRequest& request, pb::ExecuteResponse* response) {
    grpc::ClientContext c;
    Deadline(&c);
    return FromGrpcStatus(stub_->Execute(&c, request, response));
  }
  ExecuteRequest Good() {
    ExecuteRequest r;
    for (int k = 0; k < 300; ++k) r.inbox.push_back({});
    r.inbox.assign(1, InboundMessage{-1, 0, Words(300, 0x0503)});
    return r;
  }

  std::unique_ptr<ChipRuntime> runtime_, direct_;
  std::unique_ptr<grpc::Service> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<pb::ChipService::Stub> stub_;
  nn::Graph graph_ = *partitioner::PaperGraph(nn::Workload::kMnist);
  nn::WeightMap weights_;
  partitioner::Partition partition_;
};

TEST_P(ChipServiceTest, ExecuteOverGrpcEqualsTheCore) {
  pb::LoadSliceResponse loaded;
  ASSERT_OK(Load(SliceBundleToProto(Bundle()), &loaded));
  EXPECT_EQ(loaded.slice().weight_bytes(), partition_.chips[1].weight_bytes);
  ASSERT_OK(direct_->LoadSlice(Bundle()).status());

  pb::ExecuteResponse response;
  ASSERT_OK(Execute(ExecuteRequestToProto(Good()), &response));
  ASSERT_OK_AND_ASSIGN(ExecuteResult via_grpc, ExecuteResultFromProto(response));
  ASSERT_OK_AND_ASSIGN(ExecuteResult in_process, direct_->Execute(Good()));
  EXPECT_EQ(via_grpc.out_stream, in_process.out_stream);
  EXPECT_EQ(via_grpc.outbox.size(), in_process.outbox.size());
  EXPECT_DOUBLE_EQ(via_grpc.energy.total_j(), in_process.energy.total_j());
  EXPECT_EQ(via_grpc.intervals.size(), in_process.intervals.size());
  ASSERT_FALSE(via_grpc.out_stream.empty());

  // A caller that does not record streams gets none over the wire, and the
  // same outbox and word counts.
  ExecuteRequest quiet = Good();
  quiet.return_out_stream = false;
  const pb::ExecuteRequest quiet_proto = ExecuteRequestToProto(quiet);
  EXPECT_TRUE(quiet_proto.omit_out_stream());
  ASSERT_OK_AND_ASSIGN(ExecuteRequest back, ExecuteRequestFromProto(quiet_proto));
  EXPECT_FALSE(back.return_out_stream);
  pb::ExecuteResponse quiet_response;
  ASSERT_OK(Execute(quiet_proto, &quiet_response));
  EXPECT_TRUE(quiet_response.out_stream().empty());
  EXPECT_EQ(quiet_response.words_out(), via_grpc.words_out);
  EXPECT_EQ(quiet_response.outbox_size(), static_cast<int>(via_grpc.outbox.size()));

  grpc::ClientContext c;
  pb::ChipInfo info;
  ASSERT_OK(FromGrpcStatus(stub_->GetInfo(&c, pb::GetInfoRequest(), &info)));
  EXPECT_EQ(info.chip_id(), 1);
  EXPECT_EQ(info.model().name(), "msp430_rram");
  EXPECT_EQ(info.slice().name(), "mnist/chip 1");
  grpc::ClientContext c2;
  pb::ChipStats stats;
  ASSERT_OK(FromGrpcStatus(stub_->GetStats(&c2, pb::GetStatsRequest(), &stats)));
  EXPECT_EQ(stats.executions(), 2);
  EXPECT_EQ(stats.state(), pb::POWER_STATE_OFF);
}

TEST_P(ChipServiceTest, BadInputIsInvalidArgumentAndTheServiceKeepsServing) {
  pb::LoadSliceResponse loaded;
  pb::LoadSliceRequest bad_partition = SliceBundleToProto(Bundle());
  bad_partition.mutable_partition()->mutable_messages(0)->set_destination(40);
  EXPECT_THAT(Load(bad_partition, &loaded),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("destination is 40")));
  pb::LoadSliceRequest unknown_op = SliceBundleToProto(Bundle());
  unknown_op.mutable_graph()->mutable_ops(0)->set_kind(static_cast<pb::OpKind>(99));
  EXPECT_THAT(Load(unknown_op, &loaded), StatusIs(absl::StatusCode::kInvalidArgument));
  pb::LoadSliceRequest bad_weight = SliceBundleToProto(Bundle());
  bad_weight.mutable_weights(0)->mutable_data()->push_back('x');
  EXPECT_THAT(Load(bad_weight, &loaded), StatusIs(absl::StatusCode::kInvalidArgument));

  ASSERT_OK(Load(SliceBundleToProto(Bundle()), &loaded));
  pb::ExecuteResponse response;
  pb::ExecuteRequest odd = ExecuteRequestToProto(Good());
  odd.mutable_inbox(0)->mutable_payload()->push_back('\0');
  EXPECT_THAT(Execute(odd, &response),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("inbox message 0 has 601")));
  pb::ExecuteRequest stranger = ExecuteRequestToProto(Good());
  stranger.mutable_inbox(0)->set_source(6);
  EXPECT_THAT(Execute(stranger, &response),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("from chip 6")));
  EXPECT_OK(Execute(ExecuteRequestToProto(Good()), &response));
  EXPECT_EQ(response.outbox_size(), 4);
}

TEST_P(ChipServiceTest, PowerStateTransitionsAndDeadlines) {
  grpc::ClientContext c1;
  pb::SetPowerStateRequest wake;
  wake.set_state(pb::POWER_STATE_ACTIVE);
  pb::SetPowerStateResponse state;
  ASSERT_OK(FromGrpcStatus(stub_->SetPowerState(&c1, wake, &state)));
  EXPECT_EQ(state.state(), pb::POWER_STATE_ACTIVE);
  grpc::ClientContext c2;
  EXPECT_THAT(FromGrpcStatus(stub_->SetPowerState(&c2, wake, &state)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  grpc::ClientContext c3;
  EXPECT_THAT(FromGrpcStatus(stub_->SetPowerState(&c3, pb::SetPowerStateRequest(), &state)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("POWER_STATE_ACTIVE")));
  grpc::ClientContext c4;
  c4.set_deadline(std::chrono::system_clock::now() - std::chrono::seconds(1));
  pb::ExecuteResponse response;
  EXPECT_THAT(FromGrpcStatus(stub_->Execute(&c4, ExecuteRequestToProto(Good()), &response)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST_P(ChipServiceTest, ResetOverGrpcGivesAFreshChipOfTheRequestedModel) {
  pb::LoadSliceResponse loaded;
  ASSERT_OK(Load(SliceBundleToProto(Bundle()), &loaded));
  pb::ExecuteResponse executed;
  ASSERT_OK(Execute(ExecuteRequestToProto(Good()), &executed));

  // Without a model: fresh, same model.
  pb::ResetResponse reset;
  {
    grpc::ClientContext c;
    Deadline(&c);
    ASSERT_OK(FromGrpcStatus(stub_->Reset(&c, pb::ResetRequest(), &reset)));
  }
  EXPECT_EQ(reset.chip().chip_id(), 1);
  EXPECT_EQ(reset.chip().model().name(), "msp430_rram");
  EXPECT_FALSE(reset.chip().has_slice());
  EXPECT_EQ(runtime_->stats().executions, 0);
  EXPECT_EQ(runtime_->stats().now_ns, 0);

  // With a model: reconfigured.
  pb::ResetRequest grow;
  *grow.mutable_model() = runtime_->model();
  grow.mutable_model()->set_name("msp430_rram_grown");
  grow.mutable_model()->set_weight_nvm_bytes(1 << 20);
  {
    grpc::ClientContext c;
    Deadline(&c);
    ASSERT_OK(FromGrpcStatus(stub_->Reset(&c, grow, &reset)));
  }
  EXPECT_EQ(reset.chip().model().name(), "msp430_rram_grown");
  EXPECT_EQ(reset.chip().model().weight_nvm_bytes(), 1 << 20);
  ASSERT_OK(Load(SliceBundleToProto(Bundle()), &loaded));
  EXPECT_EQ(loaded.slice().nvm_capacity_bytes(), 1 << 20);

  // A bad model is INVALID_ARGUMENT and the chip keeps its state.
  pb::ResetRequest bad = grow;
  bad.mutable_model()->set_activation_sram_bytes(0);
  {
    grpc::ClientContext c;
    Deadline(&c);
    EXPECT_THAT(FromGrpcStatus(stub_->Reset(&c, bad, &reset)),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("field 'activation_sram_bytes' is 0")));
  }
  EXPECT_EQ(runtime_->model().name(), "msp430_rram_grown");
  EXPECT_TRUE(runtime_->slice_info().has_value());
  EXPECT_OK(Execute(ExecuteRequestToProto(Good()), &executed));
}

// The wear RPCs: configure, execute, remap, export from one chip and
// import into another, with errors mapped to INVALID_ARGUMENT.
TEST_P(ChipServiceTest, WearRpcsDriveTheRemapperAndMoveImages) {
  pb::LoadSliceResponse loaded;
  ASSERT_OK(Load(SliceBundleToProto(Bundle()), &loaded));
  pb::ConfigureWearRequest configure;
  configure.set_mode("endurer");  // cache 4, activations in NVM by default
  pb::WearReport report;
  {
    grpc::ClientContext c;
    Deadline(&c);
    ASSERT_OK(FromGrpcStatus(stub_->ConfigureWear(&c, configure, &report)));
  }
  EXPECT_EQ(report.mode(), "endurer");
  EXPECT_TRUE(report.activations_in_nvm());
  EXPECT_EQ(report.segment_words(), 6144u);
  EXPECT_EQ(report.write_count(), 0u);

  pb::ExecuteResponse executed;
  ASSERT_OK(Execute(ExecuteRequestToProto(Good()), &executed));
  {
    grpc::ClientContext c;
    Deadline(&c);
    pb::GetWearRequest get;
    get.set_include_cells(true);
    ASSERT_OK(FromGrpcStatus(stub_->GetWear(&c, get, &report)));
  }
  EXPECT_EQ(report.write_count(), 360u);  // 364 words, 4 still cached
  EXPECT_EQ(report.pending(), 4u);
  EXPECT_EQ(report.cell_writes_size(), 6144);
  EXPECT_EQ(report.write_count(), runtime_->Wear(false).write_count);

  pb::RemapRequest remap;
  remap.set_shift(100);
  pb::RemapResponse remapped;
  {
    grpc::ClientContext c;
    Deadline(&c);
    ASSERT_OK(FromGrpcStatus(stub_->Remap(&c, remap, &remapped)));
  }
  EXPECT_TRUE(remapped.applied());
  EXPECT_EQ(remapped.new_offset(), 100u);
  EXPECT_EQ(remapped.writes(), 6144u);
  EXPECT_EQ(remapped.flushed(), 4u);
  remap.set_shift(6144);
  {
    grpc::ClientContext c;
    Deadline(&c);
    EXPECT_THAT(FromGrpcStatus(stub_->Remap(&c, remap, &remapped)),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("remap shift 6144 outside [1, 6143]")));
  }

  pb::NvmImage image;
  {
    grpc::ClientContext c;
    Deadline(&c);
    ASSERT_OK(FromGrpcStatus(stub_->ExportNvm(&c, pb::ExportNvmRequest(), &image)));
  }
  EXPECT_EQ(image.offset(), 100u);
  ASSERT_EQ(image.words_size(), 6144);
  ASSERT_OK_AND_ASSIGN(NvmImage in_process, runtime_->ExportNvm());
  EXPECT_EQ(std::vector<uint32_t>(image.words().begin(), image.words().end()),
            std::vector<uint32_t>(in_process.words.begin(), in_process.words.end()));

  // Import onto the same chip after a reconfigure: M writes, offset adopted.
  {
    grpc::ClientContext c;
    Deadline(&c);
    ASSERT_OK(FromGrpcStatus(stub_->ConfigureWear(&c, configure, &report)));
  }
  {
    grpc::ClientContext c;
    Deadline(&c);
    ASSERT_OK(FromGrpcStatus(stub_->ImportNvm(&c, image, &report)));
  }
  EXPECT_EQ(report.write_count(), 6144u);
  EXPECT_EQ(report.offset(), 100u);

  pb::NvmImage bad = image;
  bad.set_words(5, 70000);
  {
    grpc::ClientContext c;
    Deadline(&c);
    EXPECT_THAT(FromGrpcStatus(stub_->ImportNvm(&c, bad, &report)),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("nvm image word 5 is 70000")));
  }
  configure.set_cache_entries(0);
  {
    grpc::ClientContext c;
    Deadline(&c);
    EXPECT_THAT(FromGrpcStatus(stub_->ConfigureWear(&c, configure, &report)),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("cache_entries 0 outside [1, 1024]")));
  }
  configure.set_mode("sometimes");
  {
    grpc::ClientContext c;
    Deadline(&c);
    EXPECT_THAT(FromGrpcStatus(stub_->ConfigureWear(&c, configure, &report)),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sometimes")));
  }
  EXPECT_EQ(runtime_->Wear(false).write_count, 6144u);  // refused calls changed nothing
}

INSTANTIATE_TEST_SUITE_P(Apis, ChipServiceTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Sync" : "Callback";
                         });

}  // namespace
}  // namespace illusion::chipd
