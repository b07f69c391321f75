#include "chipd/chip_proto.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "nn/graph_proto.h"
#include "partitioner/partition_proto.h"

namespace illusion::chipd {
namespace pb = ::illusion::v1;

std::string WordsToBytes(const Words& words) {
  std::string bytes(2 * words.size(), '\0');
  for (size_t i = 0; i < words.size(); ++i) {
    bytes[2 * i] = static_cast<char>(words[i] & 0xFF);
    bytes[2 * i + 1] = static_cast<char>(words[i] >> 8);
  }
  return bytes;
}

absl::StatusOr<Words> WordsFromBytes(absl::string_view bytes, absl::string_view what) {
  if (bytes.size() % 2 != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " has ", bytes.size(), " bytes; words are 2 bytes each, so it must be even"));
  }
  Words words(bytes.size() / 2);
  for (size_t i = 0; i < words.size(); ++i) {
    words[i] = static_cast<uint16_t>(static_cast<uint8_t>(bytes[2 * i]) |
                                     (static_cast<uint8_t>(bytes[2 * i + 1]) << 8));
  }
  return words;
}

pb::LoadSliceRequest SliceBundleToProto(const SliceBundle& bundle) {
  pb::LoadSliceRequest proto;
  proto.set_name(bundle.name);
  *proto.mutable_partition() = partitioner::PartitionToProto(bundle.partition);
  *proto.mutable_graph() = nn::GraphToProto(bundle.graph);
  for (const auto& [name, tensor] : bundle.weights) {
    nn::TensorToProto(name, tensor, proto.add_weights());
  }
  proto.set_chip(bundle.chip);
  return proto;
}

absl::StatusOr<SliceBundle> SliceBundleFromProto(const pb::LoadSliceRequest& proto) {
  ASSIGN_OR_RETURN(partitioner::Partition partition,
                   partitioner::PartitionFromProto(proto.partition()));
  ASSIGN_OR_RETURN(nn::Graph graph, nn::GraphFromProto(proto.graph()));
  nn::WeightMap weights;
  for (const pb::Tensor& t : proto.weights()) {
    ASSIGN_OR_RETURN(nn::Tensor tensor, nn::TensorFromProto(t));
    weights.emplace(t.name(), std::move(tensor));
  }
  return SliceBundle{proto.name(), std::move(partition), std::move(graph), std::move(weights),
                     proto.chip()};
}

namespace {

// WordsFromBytes for message `i` of `list` ("inbox", "outbox"); the message's
// name is only built for the error.
absl::StatusOr<Words> MessageWords(absl::string_view bytes, absl::string_view list, int i) {
  if (bytes.size() % 2 != 0) return WordsFromBytes(bytes, absl::StrCat(list, " message ", i));
  return WordsFromBytes(bytes, list);
}

}  // namespace

pb::ExecuteRequest ExecuteRequestToProto(const ExecuteRequest& request) {
  pb::ExecuteRequest proto;
  proto.set_wake_up(request.wake_up);
  proto.mutable_inbox()->Reserve(static_cast<int>(request.inbox.size()));
  for (const InboundMessage& m : request.inbox) {
    pb::InboundMessage* mp = proto.add_inbox();
    mp->set_message(m.message);
    mp->set_source(m.source);
    mp->set_payload(WordsToBytes(m.payload));
  }
  if (request.stream.has_value()) {
    proto.set_has_stream(true);
    proto.set_stream(WordsToBytes(*request.stream));
  }
  if (request.start_ns.has_value()) proto.set_start_ns(*request.start_ns);
  proto.set_omit_out_stream(!request.return_out_stream);
  return proto;
}

absl::StatusOr<ExecuteRequest> ExecuteRequestFromProto(const pb::ExecuteRequest& proto) {
  ExecuteRequest request;
  request.wake_up = proto.wake_up();
  request.inbox.reserve(proto.inbox_size());
  for (int i = 0; i < proto.inbox_size(); ++i) {
    const pb::InboundMessage& mp = proto.inbox(i);
    ASSIGN_OR_RETURN(Words payload, MessageWords(mp.payload(), "inbox", i));
    request.inbox.push_back(InboundMessage{mp.message(), mp.source(), std::move(payload)});
  }
  if (proto.has_stream()) {
    ASSIGN_OR_RETURN(Words stream, WordsFromBytes(proto.stream(), "input stream"));
    request.stream = std::move(stream);
  }
  if (proto.has_start_ns()) request.start_ns = proto.start_ns();
  request.return_out_stream = !proto.omit_out_stream();
  return request;
}

pb::PowerState PowerStateToProto(PowerState state) {
  switch (state) {
    case PowerState::kOff:
      return pb::POWER_STATE_OFF;
    case PowerState::kWaking:
      return pb::POWER_STATE_WAKING;
    case PowerState::kActive:
      return pb::POWER_STATE_ACTIVE;
    case PowerState::kShuttingDown:
      return pb::POWER_STATE_SHUTTING_DOWN;
  }
  return pb::POWER_STATE_UNSPECIFIED;
}

namespace {

absl::StatusOr<PowerState> PowerStateFromProto(pb::PowerState state) {
  switch (state) {
    case pb::POWER_STATE_OFF:
      return PowerState::kOff;
    case pb::POWER_STATE_WAKING:
      return PowerState::kWaking;
    case pb::POWER_STATE_ACTIVE:
      return PowerState::kActive;
    case pb::POWER_STATE_SHUTTING_DOWN:
      return PowerState::kShuttingDown;
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown power state ", state));
  }
}

}  // namespace

pb::ExecuteResponse ExecuteResultToProto(const ExecuteResult& r) {
  pb::ExecuteResponse proto;
  proto.set_wake_up(r.wake_up);
  proto.mutable_outbox()->Reserve(static_cast<int>(r.outbox.size()));
  for (const OutboundMessage& m : r.outbox) {
    pb::OutboundMessage* mp = proto.add_outbox();
    mp->set_message(m.message);
    mp->set_destination(m.destination);
    mp->set_header(m.header);
    mp->set_via_master(m.via_master);
    mp->set_payload(WordsToBytes(m.payload));
  }
  proto.set_out_stream(WordsToBytes(r.out_stream));
  proto.set_words_in(r.words_in);
  proto.set_words_out(r.words_out);
  pb::CycleBreakdown* c = proto.mutable_cycles();
  c->set_mac(r.cycles.mac);
  c->set_element(r.cycles.element);
  c->set_receive(r.cycles.receive);
  c->set_send(r.cycles.send);
  c->set_fixed(r.cycles.fixed);
  c->set_boot(r.cycles.boot);
  pb::ExecuteEnergy* e = proto.mutable_energy();
  e->set_active_j(r.energy.active_j);
  e->set_sleep_j(r.energy.sleep_j);
  e->set_wakeup_j(r.energy.wakeup_j);
  e->set_shutdown_j(r.energy.shutdown_j);
  e->set_mac_j(r.energy.mac_j);
  e->set_nvm_read_j(r.energy.nvm_read_j);
  e->set_nvm_write_j(r.energy.nvm_write_j);
  e->set_link_j(r.energy.link_j);
  proto.mutable_steps()->Reserve(static_cast<int>(r.steps.size()));
  for (const StepExecution& s : r.steps) {
    pb::StepExecution* sp = proto.add_steps();
    sp->set_op(s.op);
    sp->set_kind(s.kind);
    sp->set_out_begin(s.out_begin);
    sp->set_out_end(s.out_end);
    sp->set_macs(s.macs);
    sp->set_cycles(s.cycles);
  }
  proto.mutable_intervals()->Reserve(static_cast<int>(r.intervals.size()));
  for (const PowerInterval& i : r.intervals) {
    pb::PowerInterval* ip = proto.add_intervals();
    ip->set_state(PowerStateToProto(i.state));
    ip->set_start_ns(i.start_ns);
    ip->set_end_ns(i.end_ns);
    ip->set_energy_j(i.energy_j);
  }
  proto.set_start_ns(r.start_ns);
  proto.set_end_ns(r.end_ns);
  for (const auto& [address, count] : r.nvm_writes) {
    pb::NvmWrite* w = proto.add_nvm_writes();
    w->set_address(address);
    w->set_count(count);
  }
  return proto;
}

absl::StatusOr<ExecuteResult> ExecuteResultFromProto(const pb::ExecuteResponse& proto) {
  ExecuteResult r;
  r.wake_up = proto.wake_up();
  r.outbox.reserve(proto.outbox_size());
  for (int i = 0; i < proto.outbox_size(); ++i) {
    const pb::OutboundMessage& mp = proto.outbox(i);
    OutboundMessage m;
    m.message = mp.message();
    m.destination = mp.destination();
    m.header = static_cast<uint16_t>(mp.header());
    m.via_master = mp.via_master();
    ASSIGN_OR_RETURN(m.payload, MessageWords(mp.payload(), "outbox", i));
    r.outbox.push_back(std::move(m));
  }
  ASSIGN_OR_RETURN(r.out_stream, WordsFromBytes(proto.out_stream(), "output stream"));
  r.words_in = proto.words_in();
  r.words_out = proto.words_out();
  const pb::CycleBreakdown& c = proto.cycles();
  r.cycles = CycleBreakdown{c.mac(), c.element(), c.receive(), c.send(), c.fixed(), c.boot()};
  const pb::ExecuteEnergy& e = proto.energy();
  r.energy = ExecuteEnergy{e.active_j(), e.sleep_j(),   e.wakeup_j(),      e.shutdown_j(),
                           e.mac_j(),    e.nvm_read_j(), e.nvm_write_j(), e.link_j()};
  r.steps.reserve(proto.steps_size());
  for (const pb::StepExecution& s : proto.steps()) {
    r.steps.push_back(
        StepExecution{s.op(), s.kind(), s.out_begin(), s.out_end(), s.macs(), s.cycles()});
  }
  r.intervals.reserve(proto.intervals_size());
  for (const pb::PowerInterval& i : proto.intervals()) {
    ASSIGN_OR_RETURN(PowerState state, PowerStateFromProto(i.state()));
    r.intervals.push_back(PowerInterval{state, i.start_ns(), i.end_ns(), i.energy_j()});
  }
  r.start_ns = proto.start_ns();
  r.end_ns = proto.end_ns();
  for (const pb::NvmWrite& w : proto.nvm_writes()) r.nvm_writes.emplace_back(w.address(), w.count());
  return r;
}

pb::SliceInfo SliceInfoToProto(const SliceInfo& info) {
  pb::SliceInfo proto;
  proto.set_name(info.name);
  for (const std::string& w : info.wake_ups) proto.add_wake_ups(w);
  proto.set_weight_bytes(info.weight_bytes);
  proto.set_activation_peak_bytes(info.activation_peak_bytes);
  proto.set_nvm_capacity_bytes(info.nvm_capacity_bytes);
  proto.set_sram_capacity_bytes(info.sram_capacity_bytes);
  return proto;
}

SliceInfo SliceInfoFromProto(const pb::SliceInfo& proto) {
  SliceInfo info;
  info.name = proto.name();
  info.wake_ups.assign(proto.wake_ups().begin(), proto.wake_ups().end());
  info.weight_bytes = proto.weight_bytes();
  info.activation_peak_bytes = proto.activation_peak_bytes();
  info.nvm_capacity_bytes = proto.nvm_capacity_bytes();
  info.sram_capacity_bytes = proto.sram_capacity_bytes();
  return info;
}

pb::ChipStats ChipStatsToProto(const ChipStats& s) {
  pb::ChipStats proto;
  proto.set_executions(s.executions);
  proto.set_words_in(s.words_in);
  proto.set_words_out(s.words_out);
  proto.set_macs(s.macs);
  proto.set_nvm_writes(s.nvm_writes);
  proto.set_now_ns(s.now_ns);
  proto.set_state(PowerStateToProto(s.state));
  proto.set_wakeups(s.power.wakeups);
  proto.set_active_ns(s.power.active_ns);
  proto.set_off_ns(s.power.off_ns);
  proto.set_active_j(s.power_energy.active_j);
  proto.set_sleep_j(s.power_energy.sleep_j);
  proto.set_wakeup_j(s.power_energy.wakeup_j);
  proto.set_shutdown_j(s.power_energy.shutdown_j);
  proto.set_dynamic_j(s.dynamic_energy_j);
  return proto;
}

}  // namespace illusion::chipd
