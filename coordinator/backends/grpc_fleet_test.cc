// GrpcFleet against in-process ChipService servers on real loopback sockets
// (port 0): the same words as the in-process fleet, errors that keep their
// code and name the chip, unreachable and dead chips, Reset, concurrent
// chips, and GrpcFleetFactory.

#include "coordinator/backends/grpc_fleet.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "chipd/chip_model.h"
#include "chipd/chip_runtime.h"
#include "chipd/chip_service.h"
#include "chipd/nvm_wear.h"
#include "common/status_matchers.h"
#include "coordinator/backends/fleet_factories.h"
#include "coordinator/deploy.h"
#include "coordinator/experiment.h"
#include "coordinator/experiment_runner.h"
#include "coordinator/in_process_fleet.h"
#include "coordinator/run_record.h"
#include "endurer/mode.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/weights.h"
#include "nn/workloads.h"
#include "partitioner/paper/paper_partition.h"

namespace illusion::coordinator {
namespace {

using ::illusion::common::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
namespace pb = ::illusion::v1;

pb::ChipModel Msp430() { return *chipd::LoadChipModel("msp430_rram"); }

// One chipd in this process: a runtime behind a ChipService on 127.0.0.1:0.
class LocalChipd {
 public:
  explicit LocalChipd(int chip_id, const pb::ChipModel& model = Msp430()) {
    runtime_ = *chipd::ChipRuntime::Create(chip_id, model);
    service_ = std::make_unique<chipd::ChipServiceImpl>(runtime_.get());
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
  }
  ~LocalChipd() { Shutdown(); }
  void Shutdown() {
    if (server_ != nullptr) {
      server_->Shutdown(std::chrono::system_clock::now());
      server_->Wait();
      server_.reset();
    }
  }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  chipd::ChipRuntime& runtime() { return *runtime_; }

 private:
  int port_ = 0;
  std::unique_ptr<chipd::ChipRuntime> runtime_;
  std::unique_ptr<chipd::ChipServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
};

class GrpcFleetTest : public ::testing::Test {
 protected:
  void Serve(int chips) {
    for (int k = 0; k < chips; ++k) chipds_.push_back(std::make_unique<LocalChipd>(k));
  }
  std::vector<std::string> Addresses() const {
    std::vector<std::string> out;
    for (const auto& c : chipds_) out.push_back(c->address());
    return out;
  }
  // An address nothing listens on: a server that was shut down.
  static std::string DeadAddress() {
    LocalChipd gone(99);
    const std::string address = gone.address();
    gone.Shutdown();
    return address;
  }
  static std::vector<nn::TensorMap> Inputs(const nn::Graph& graph, int n) {
    std::vector<nn::TensorMap> inputs(n);
    for (int i = 0; i < n; ++i) {
      for (const nn::TensorSpec& spec : graph.inputs()) {
        inputs[i].emplace(spec.name, nn::SeededTensor(spec, 40 + i, -100, 100));
      }
    }
    return inputs;
  }
  static RunRecord Run(ChipFleet& fleet, const partitioner::Partition& p, const nn::Graph& graph,
                       const nn::WeightMap& weights, const std::vector<nn::TensorMap>& inputs) {
    RunRecord record;
    EXPECT_OK(DeployPartition(p, graph, weights, fleet));
    RunnerOptions options;
    options.link_model = Msp430();
    absl::StatusOr<std::unique_ptr<ExperimentRunner>> runner =
        ExperimentRunner::Create(p, graph, weights, &fleet, options);
    EXPECT_OK(runner.status());
    EXPECT_OK((*runner)->Run(inputs, &record));
    return record;
  }

  std::vector<std::unique_ptr<LocalChipd>> chipds_;
};

TEST_F(GrpcFleetTest, RunsMnistEightChipWithTheInProcessWords) {
  Serve(8);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<GrpcFleet> fleet, GrpcFleet::Connect(Addresses()));
  EXPECT_EQ(fleet->size(), 8);
  EXPECT_EQ(fleet->Describe(3), absl::StrCat("chipd ", chipds_[3]->address(), " (chip 3)"));
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, partitioner::PaperGraph(nn::Workload::kMnist));
  const nn::WeightMap weights = nn::SeededWeights(graph, 7);
  ASSERT_OK_AND_ASSIGN(partitioner::Partition p,
                       partitioner::PaperPartitionFor(nn::Workload::kMnist, 8));
  const std::vector<nn::TensorMap> inputs = Inputs(graph, 2);
  const RunRecord over_grpc = Run(*fleet, p, graph, weights, inputs);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<InProcessFleet> local,
                       InProcessFleet::Create(8, Msp430()));
  const RunRecord in_process = Run(*local, p, graph, weights, inputs);

  ASSERT_EQ(over_grpc.inferences.size(), 2u);
  ASSERT_EQ(in_process.inferences.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    const InferenceRecord& a = over_grpc.inferences[i];
    const InferenceRecord& b = in_process.inferences[i];
    EXPECT_EQ(a.class_id, b.class_id);
    ASSERT_EQ(a.chips.size(), b.chips.size());
    for (size_t k = 0; k < a.chips.size(); ++k) {
      EXPECT_EQ(a.chips[k].label, b.chips[k].label);
      EXPECT_EQ(a.chips[k].in, b.chips[k].in) << "inference " << i << " wake-up " << k;
      EXPECT_EQ(a.chips[k].out, b.chips[k].out) << "inference " << i << " wake-up " << k;
    }
  }
  ASSERT_EQ(over_grpc.wake_ups.size(), in_process.wake_ups.size());
  for (size_t w = 0; w < over_grpc.wake_ups.size(); ++w) {
    EXPECT_EQ(over_grpc.wake_ups[w].end_ns, in_process.wake_ups[w].end_ns);
    EXPECT_EQ(over_grpc.wake_ups[w].energy.total_j(), in_process.wake_ups[w].energy.total_j());
  }
  EXPECT_EQ(over_grpc.end_ns, in_process.end_ns);
  ASSERT_OK_AND_ASSIGN(pb::ChipStats stats, fleet->GetStats(2));
  EXPECT_EQ(stats.executions(), 2);
}

// Every field of two records, exactly (doubles included: they cross the
// wire as doubles).
void ExpectSameRecord(const RunRecord& a, const RunRecord& b) {
  EXPECT_EQ(a.num_chips, b.num_chips);
  EXPECT_EQ(a.end_ns, b.end_ns);
  ASSERT_EQ(a.inferences.size(), b.inferences.size());
  for (size_t i = 0; i < a.inferences.size(); ++i) {
    const InferenceRecord& x = a.inferences[i];
    const InferenceRecord& y = b.inferences[i];
    EXPECT_EQ(x.class_id, y.class_id) << "inference " << i;
    EXPECT_EQ(x.start_ns, y.start_ns) << "inference " << i;
    EXPECT_EQ(x.end_ns, y.end_ns) << "inference " << i;
    ASSERT_EQ(x.host.size(), y.host.size()) << "inference " << i;
    for (auto xt = x.host.begin(), yt = y.host.begin(); xt != x.host.end(); ++xt, ++yt) {
      EXPECT_EQ(xt->first, yt->first);
      EXPECT_EQ(xt->second.bytes(), yt->second.bytes()) << "inference " << i << " " << xt->first;
    }
    ASSERT_EQ(x.chips.size(), y.chips.size()) << "inference " << i;
    for (size_t k = 0; k < x.chips.size(); ++k) {
      EXPECT_EQ(x.chips[k].label, y.chips[k].label);
      EXPECT_EQ(x.chips[k].chip, y.chips[k].chip);
      EXPECT_EQ(x.chips[k].in, y.chips[k].in) << "inference " << i << " wake-up " << k;
      EXPECT_EQ(x.chips[k].out, y.chips[k].out) << "inference " << i << " wake-up " << k;
    }
  }
  ASSERT_EQ(a.wake_ups.size(), b.wake_ups.size());
  for (size_t w = 0; w < a.wake_ups.size(); ++w) {
    const WakeUpRecord& x = a.wake_ups[w];
    const WakeUpRecord& y = b.wake_ups[w];
    SCOPED_TRACE(absl::StrCat("wake-up record ", w));
    EXPECT_EQ(x.inference, y.inference);
    EXPECT_EQ(x.wake_up, y.wake_up);
    EXPECT_EQ(x.label, y.label);
    EXPECT_EQ(x.chip, y.chip);
    EXPECT_EQ(x.start_ns, y.start_ns);
    EXPECT_EQ(x.end_ns, y.end_ns);
    EXPECT_EQ(x.words_in, y.words_in);
    EXPECT_EQ(x.words_out, y.words_out);
    EXPECT_EQ(x.cycles, y.cycles);
    EXPECT_EQ(x.energy.active_j, y.energy.active_j);
    EXPECT_EQ(x.energy.sleep_j, y.energy.sleep_j);
    EXPECT_EQ(x.energy.wakeup_j, y.energy.wakeup_j);
    EXPECT_EQ(x.energy.shutdown_j, y.energy.shutdown_j);
    EXPECT_EQ(x.energy.mac_j, y.energy.mac_j);
    EXPECT_EQ(x.energy.nvm_read_j, y.energy.nvm_read_j);
    EXPECT_EQ(x.energy.nvm_write_j, y.energy.nvm_write_j);
    EXPECT_EQ(x.energy.link_j, y.energy.link_j);
    ASSERT_EQ(x.intervals.size(), y.intervals.size());
    for (size_t j = 0; j < x.intervals.size(); ++j) {
      EXPECT_EQ(x.intervals[j].state, y.intervals[j].state);
      EXPECT_EQ(x.intervals[j].start_ns, y.intervals[j].start_ns);
      EXPECT_EQ(x.intervals[j].end_ns, y.intervals[j].end_ns);
      EXPECT_EQ(x.intervals[j].energy_j, y.intervals[j].energy_j);
    }
    ASSERT_EQ(x.steps.size(), y.steps.size());
    for (size_t j = 0; j < x.steps.size(); ++j) {
      EXPECT_EQ(x.steps[j].op, y.steps[j].op);
      EXPECT_EQ(x.steps[j].kind, y.steps[j].kind);
      EXPECT_EQ(x.steps[j].out_begin, y.steps[j].out_begin);
      EXPECT_EQ(x.steps[j].out_end, y.steps[j].out_end);
      EXPECT_EQ(x.steps[j].macs, y.steps[j].macs);
      EXPECT_EQ(x.steps[j].cycles, y.steps[j].cycles);
    }
  }
  ASSERT_EQ(a.messages.size(), b.messages.size());
  for (size_t m = 0; m < a.messages.size(); ++m) {
    const MessageRecord& x = a.messages[m];
    const MessageRecord& y = b.messages[m];
    SCOPED_TRACE(absl::StrCat("message record ", m));
    EXPECT_EQ(x.seq, y.seq);
    EXPECT_EQ(x.inference, y.inference);
    EXPECT_EQ(x.order, y.order);
    EXPECT_EQ(x.source, y.source);
    EXPECT_EQ(x.destination, y.destination);
    EXPECT_EQ(x.source_chip, y.source_chip);
    EXPECT_EQ(x.destination_chip, y.destination_chip);
    EXPECT_EQ(x.via_master, y.via_master);
    EXPECT_EQ(x.words, y.words);
    EXPECT_EQ(x.start_ns, y.start_ns);
    EXPECT_EQ(x.end_ns, y.end_ns);
    EXPECT_EQ(x.link_j, y.link_j);
  }
}

void ExpectSameAccount(const Account& a, const Account& b) {
  EXPECT_EQ(a.inferences, b.inferences);
  EXPECT_EQ(a.time_ns, b.time_ns);
  EXPECT_EQ(a.energy_j, b.energy_j);
  EXPECT_EQ(a.sleep_j, b.sleep_j);
  EXPECT_EQ(a.host_link_j, b.host_link_j);
  ASSERT_EQ(a.chips.size(), b.chips.size());
  for (size_t k = 0; k < a.chips.size(); ++k) {
    const ChipAccount& x = a.chips[k];
    const ChipAccount& y = b.chips[k];
    SCOPED_TRACE(absl::StrCat("chip account ", k));
    EXPECT_EQ(x.chip, y.chip);
    EXPECT_EQ(x.wakeups, y.wakeups);
    EXPECT_EQ(x.busy_ns, y.busy_ns);
    EXPECT_EQ(x.active_ns, y.active_ns);
    EXPECT_EQ(x.sleep_ns, y.sleep_ns);
    EXPECT_EQ(x.total_j(), y.total_j());
    EXPECT_EQ(x.sleep_j, y.sleep_j);
    EXPECT_EQ(x.link_j, y.link_j);
  }
}

// The fleet_bench system (SVHN on 8 chips) over gRPC, with the Execute
// caller polling for the answers (the default) and blocking at once, and in
// process: the same record in every field and the same account.
TEST_F(GrpcFleetTest, SvhnEightChipRecordAndAccountEqualInProcessWithAndWithoutSpin) {
  Serve(8);
  ExperimentConfig config;
  config.workload = nn::Workload::kSvhn;
  config.chips = 8;
  config.inferences = 3;
  config.run_baseline = false;
  ASSERT_OK_AND_ASSIGN(ExperimentResult in_process, RunExperiment(config));
  GrpcFleetOptions spinning;
  ASSERT_GT(spinning.execute_spin.count(), 0);
  GrpcFleetOptions blocking;
  blocking.execute_spin = std::chrono::microseconds(0);
  for (const GrpcFleetOptions& options : {spinning, blocking}) {
    SCOPED_TRACE(absl::StrCat("execute_spin ", options.execute_spin.count(), " us"));
    config.fleet_factory = GrpcFleetFactory(Addresses(), options);
    ASSERT_OK_AND_ASSIGN(ExperimentResult over_grpc, RunExperiment(config));
    ASSERT_EQ(over_grpc.run.inferences.size(), 3u);
    ExpectSameRecord(over_grpc.run, in_process.run);
    ExpectSameAccount(over_grpc.account, in_process.account);
  }
}

TEST_F(GrpcFleetTest, AnUnreachableEndpointIsUnavailableNamingTheChipAndEndpoint) {
  Serve(2);
  const std::string dead = DeadAddress();
  std::vector<std::string> endpoints = Addresses();
  endpoints.insert(endpoints.begin() + 1, dead);
  GrpcFleetOptions options;
  options.connect_timeout = std::chrono::milliseconds(2000);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(GrpcFleet::Connect(endpoints, options),
              StatusIs(absl::StatusCode::kUnavailable,
                       AllOf(HasSubstr(absl::StrCat("chip 1 at ", dead)),
                             HasSubstr("UNAVAILABLE"))));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));

  EXPECT_THAT(GrpcFleet::Connect({}), StatusIs(absl::StatusCode::kInvalidArgument,
                                               HasSubstr("at least 1 chipd endpoint")));
  options.max_message_bytes = 0;
  EXPECT_THAT(GrpcFleet::Connect(Addresses(), options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_message_bytes is 0")));
}

TEST_F(GrpcFleetTest, ChipErrorsKeepTheirCodeAndNameTheChip) {
  Serve(2);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<GrpcFleet> fleet, GrpcFleet::Connect(Addresses()));
  const std::string chip1 = absl::StrCat("chipd ", chipds_[1]->address(), " (chip 1)");
  EXPECT_THAT(fleet->Execute(1, chipd::ExecuteRequest{}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr(absl::StrCat(chip1, ": chip 1: no slice loaded"))));
  EXPECT_THAT(fleet->Execute(2, chipd::ExecuteRequest{}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("chip 2 is not in the gRPC fleet")));

  // SVHN chip 0 does not fit a 64-byte chip; after a Reset to a bigger
  // model it does.
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, partitioner::PaperGraph(nn::Workload::kSvhn));
  const nn::WeightMap weights = nn::SeededWeights(graph, 3);
  ASSERT_OK_AND_ASSIGN(partitioner::Partition p,
                       partitioner::PaperPartitionFor(nn::Workload::kSvhn, 8));
  pb::ChipModel tiny = Msp430();
  tiny.set_weight_nvm_bytes(64);
  ASSERT_OK(fleet->Reset(1, tiny));
  auto bundle = [&] {
    return chipd::SliceBundle{"svhn/chip 1", p, *partitioner::PaperGraph(nn::Workload::kSvhn),
                              weights, 1};
  };
  EXPECT_THAT(fleet->LoadSlice(1, bundle()),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr(chip1 + ": slice 'svhn/chip 1' needs"),
                             HasSubstr("has 64 bytes of weight NVM"))));
  ASSERT_OK(fleet->Reset(1, Msp430()));
  EXPECT_OK(fleet->LoadSlice(1, bundle()));
  ASSERT_OK_AND_ASSIGN(pb::ChipInfo info, fleet->GetInfo(1));
  EXPECT_EQ(info.model().weight_nvm_bytes(), 4096);
  EXPECT_EQ(info.slice().name(), "svhn/chip 1");

  pb::ChipModel broken = Msp430();
  broken.set_clock_hz(-1);
  EXPECT_THAT(fleet->Reset(1, broken),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(chip1), HasSubstr("field 'clock_hz' is -1"))));
  EXPECT_TRUE(chipds_[1]->runtime().slice_info().has_value());  // kept
  ASSERT_OK(fleet->Reset(1));
  EXPECT_FALSE(chipds_[1]->runtime().slice_info().has_value());
}

TEST_F(GrpcFleetTest, ADeadChipIsUnavailableNamingItPromptly) {
  Serve(2);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<GrpcFleet> fleet, GrpcFleet::Connect(Addresses()));
  const std::string chip1 = fleet->Describe(1);
  chipds_[1]->Shutdown();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(fleet->Execute(1, chipd::ExecuteRequest{}),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr(chip1 + " is unreachable (Execute)")));
  EXPECT_THAT(fleet->Reset(1), StatusIs(absl::StatusCode::kUnavailable, HasSubstr(chip1)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  // The other chip is fine.
  EXPECT_OK(fleet->Reset(0));
}

// A chip that answers GetInfo and then hangs in Execute until released.
class StuckChipService final : public pb::ChipService::Service {
 public:
  grpc::Status GetInfo(grpc::ServerContext*, const pb::GetInfoRequest*,
                       pb::ChipInfo*) override {
    return grpc::Status::OK;
  }
  grpc::Status Execute(grpc::ServerContext*, const pb::ExecuteRequest*,
                       pb::ExecuteResponse*) override {
    release_.WaitForNotificationWithTimeout(absl::Seconds(20));
    return grpc::Status::OK;
  }
  void Release() { release_.Notify(); }

 private:
  absl::Notification release_;
};

TEST_F(GrpcFleetTest, ASilentChipIsUnavailableAfterTheDeadline) {
  StuckChipService stuck;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&stuck);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  GrpcFleetOptions options;
  options.rpc_deadline = std::chrono::milliseconds(200);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<GrpcFleet> fleet,
                       GrpcFleet::Connect({absl::StrCat("127.0.0.1:", port)}, options));
  EXPECT_THAT(fleet->Execute(0, chipd::ExecuteRequest{}),
              StatusIs(absl::StatusCode::kUnavailable,
                       AllOf(HasSubstr(fleet->Describe(0)),
                             HasSubstr("did not answer Execute within 200 ms"))));
  stuck.Release();
  server->Shutdown(std::chrono::system_clock::now());
}

TEST_F(GrpcFleetTest, DistinctChipsFromDifferentThreads) {
  Serve(4);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<GrpcFleet> fleet, GrpcFleet::Connect(Addresses()));
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, partitioner::PaperGraph(nn::Workload::kMnist));
  const nn::WeightMap weights = nn::SeededWeights(graph, 9);
  ASSERT_OK_AND_ASSIGN(partitioner::Partition p,
                       partitioner::PaperPartitionFor(nn::Workload::kMnist, 8));
  // Chips 2..5 of MNIST 8-chip each take conv3 (64 words) from chip 1.
  std::vector<std::vector<partitioner::Words>> outs(4);
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      const int chip = 2 + k;
      EXPECT_OK(fleet->LoadSlice(k, chipd::SliceBundle{absl::StrCat("mnist/chip ", chip), p,
                                                       *partitioner::PaperGraph(
                                                           nn::Workload::kMnist),
                                                       weights, chip}));
      for (int i = 0; i < 20; ++i) {
        chipd::ExecuteRequest r;
        r.inbox.push_back(chipd::InboundMessage{-1, 1, partitioner::Words(64, 0x0101 * i)});
        absl::StatusOr<chipd::ExecuteResult> result = fleet->Execute(k, r);
        EXPECT_OK(result.status());
        if (result.ok()) outs[k].push_back(result->out_stream);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int k = 0; k < 4; ++k) {
    ASSERT_EQ(outs[k].size(), 20u);
    ASSERT_OK_AND_ASSIGN(pb::ChipStats stats, fleet->GetStats(k));
    EXPECT_EQ(stats.executions(), 20);
  }
}

TEST_F(GrpcFleetTest, FactoryChecksTheCountAndResetsEveryChipItUses) {
  Serve(2);
  const FleetFactory factory = GrpcFleetFactory(Addresses());
  EXPECT_THAT(factory(3, Msp430()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("needs 3 chips"), HasSubstr("has 2 endpoints"))));
  // A chip with a clock and a slice comes back fresh, of the asked model.
  chipds_[0]->runtime().Reset(Msp430()).IgnoreError();
  ASSERT_OK(chipds_[0]->runtime().Wake());
  pb::ChipModel grown = Msp430();
  grown.set_name("grown");
  grown.set_weight_nvm_bytes(1 << 16);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ChipFleet> fleet, factory(1, grown));
  EXPECT_EQ(fleet->size(), 1);
  EXPECT_EQ(chipds_[0]->runtime().model().name(), "grown");
  EXPECT_EQ(chipds_[0]->runtime().stats().now_ns, 0);
  EXPECT_EQ(chipds_[0]->runtime().stats().state, chipd::PowerState::kOff);
  EXPECT_EQ(chipds_[1]->runtime().model().name(), "msp430_rram");  // not used, not reset

  pb::ChipModel broken = grown;
  broken.set_weight_nvm_bytes(0);
  EXPECT_THAT(factory(2, broken),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("resetting chip 0 to model 'grown'"),
                             HasSubstr("weight_nvm_bytes"))));
  EXPECT_THAT(GrpcFleetFactory({chipds_[0]->address(), DeadAddress()})(2, grown),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("chip 1 at")));
}

// The wear methods over gRPC: a distributed swap of two chips' images, the
// reports equal to the runtimes', errors that keep their code and name the
// chip.
TEST_F(GrpcFleetTest, WearMethodsSwapImagesOverGrpc) {
  Serve(2);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<GrpcFleet> fleet, GrpcFleet::Connect(Addresses()));
  chipd::WearConfig config;
  config.mode = endurer::Mode::kDistributed;
  config.cache_entries = 8;
  config.seed = 99;
  for (int k = 0; k < 2; ++k) ASSERT_OK(fleet->ConfigureWear(k, config));
  ASSERT_OK_AND_ASSIGN(chipd::RemapOutcome explicit_shift, fleet->Remap(0, 17));
  EXPECT_EQ(explicit_shift.new_offset, 17u);
  ASSERT_OK_AND_ASSIGN(chipd::RemapOutcome drawn, fleet->Remap(1, std::nullopt));
  EXPECT_TRUE(drawn.applied);
  EXPECT_GE(drawn.shift, 1u);
  EXPECT_LE(drawn.shift, 6143u);

  ASSERT_OK_AND_ASSIGN(chipd::NvmImage image0, fleet->ExportNvm(0));
  ASSERT_OK_AND_ASSIGN(chipd::NvmImage image1, fleet->ExportNvm(1));
  ASSERT_EQ(image0.words.size(), 6144u);
  ASSERT_OK(fleet->ImportNvm(0, image1));
  ASSERT_OK(fleet->ImportNvm(1, image0));
  ASSERT_OK_AND_ASSIGN(chipd::WearReport wear0, fleet->GetWear(0, true));
  ASSERT_OK_AND_ASSIGN(chipd::WearReport wear1, fleet->GetWear(1, false));
  EXPECT_EQ(wear0.mode, endurer::Mode::kDistributed);
  EXPECT_EQ(wear0.offset, drawn.new_offset);
  EXPECT_EQ(wear1.offset, 17u);
  EXPECT_EQ(wear0.write_count, 2u * 6144);
  EXPECT_EQ(wear1.write_count, 2u * 6144);
  EXPECT_EQ(wear0.cell_writes, chipds_[0]->runtime().Wear(true).cell_writes);
  EXPECT_EQ(chipds_[1]->runtime().Wear(false).offset, 17u);

  const std::string chip1 = absl::StrCat("chipd ", chipds_[1]->address(), " (chip 1)");
  config.cache_entries = 2000;
  EXPECT_THAT(fleet->ConfigureWear(1, config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(chip1), HasSubstr("cache_entries 2000 outside [1, 1024]"))));
  EXPECT_THAT(fleet->Remap(1, 6144).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(chip1), HasSubstr("remap shift 6144 outside [1, 6143]"))));
  EXPECT_THAT(fleet->GetWear(2, false).status(), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace illusion::coordinator
