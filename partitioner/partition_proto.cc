#include "partitioner/partition_proto.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "nn/graph_proto.h"

namespace illusion::partitioner {
namespace {

namespace pb = ::illusion::v1;

void RangeToProto(nn::Range r, pb::UnitRange* proto) {
  proto->set_begin(r.begin);
  proto->set_end(r.end);
}

nn::Range RangeFromProto(const pb::UnitRange& proto) { return {proto.begin(), proto.end()}; }

// Sets the guard field only when there is a guard.
template <typename Proto>
void GuardToProto(const std::optional<nn::Guard>& guard, Proto* proto) {
  if (!guard.has_value()) return;
  proto->mutable_guard()->set_tensor(guard->tensor);
  proto->mutable_guard()->set_value(guard->value);
}

std::optional<nn::Guard> GuardFromProto(bool has, const pb::Guard& proto) {
  if (!has) return std::nullopt;
  return nn::Guard{proto.tensor(), proto.value()};
}

pb::Strategy StrategyToProto(Strategy s) {
  switch (s) {
    case Strategy::kPaper:
      return pb::STRATEGY_PAPER;
    case Strategy::kGreedy:
      return pb::STRATEGY_GREEDY;
    case Strategy::kIdeal:
      return pb::STRATEGY_IDEAL;
  }
  return pb::STRATEGY_UNSPECIFIED;
}

pb::StepKind StepKindToProto(StepKind k) {
  switch (k) {
    case StepKind::kOutputRange:
      return pb::STEP_KIND_OUTPUT_RANGE;
    case StepKind::kPartialSums:
      return pb::STEP_KIND_PARTIAL_SUMS;
    case StepKind::kFinishPartialSums:
      return pb::STEP_KIND_FINISH_PARTIAL_SUMS;
    case StepKind::kLstmUnits:
      return pb::STEP_KIND_LSTM_UNITS;
  }
  return pb::STEP_KIND_UNSPECIFIED;
}

pb::WordEncoding EncodingToProto(WordEncoding e) {
  switch (e) {
    case WordEncoding::kPackedInt8:
      return pb::WORD_ENCODING_PACKED_INT8;
    case WordEncoding::kInt16:
      return pb::WORD_ENCODING_INT16;
    case WordEncoding::kInt32:
      return pb::WORD_ENCODING_INT32;
    case WordEncoding::kWordPerInt8:
      return pb::WORD_ENCODING_WORD_PER_INT8;
  }
  return pb::WORD_ENCODING_UNSPECIFIED;
}

absl::StatusOr<Strategy> StrategyFromProto(pb::Strategy s) {
  switch (s) {
    case pb::STRATEGY_PAPER:
      return Strategy::kPaper;
    case pb::STRATEGY_GREEDY:
      return Strategy::kGreedy;
    case pb::STRATEGY_IDEAL:
      return Strategy::kIdeal;
    default:
      return absl::InvalidArgumentError(absl::StrCat("partition: unknown strategy ", s));
  }
}

absl::StatusOr<StepKind> StepKindFromProto(pb::StepKind k, const std::string& where) {
  switch (k) {
    case pb::STEP_KIND_OUTPUT_RANGE:
      return StepKind::kOutputRange;
    case pb::STEP_KIND_PARTIAL_SUMS:
      return StepKind::kPartialSums;
    case pb::STEP_KIND_FINISH_PARTIAL_SUMS:
      return StepKind::kFinishPartialSums;
    case pb::STEP_KIND_LSTM_UNITS:
      return StepKind::kLstmUnits;
    default:
      return absl::InvalidArgumentError(absl::StrCat(where, ": unknown step kind ", k));
  }
}

absl::StatusOr<WordEncoding> EncodingFromProto(pb::WordEncoding e, const std::string& where) {
  switch (e) {
    case pb::WORD_ENCODING_PACKED_INT8:
      return WordEncoding::kPackedInt8;
    case pb::WORD_ENCODING_INT16:
      return WordEncoding::kInt16;
    case pb::WORD_ENCODING_INT32:
      return WordEncoding::kInt32;
    case pb::WORD_ENCODING_WORD_PER_INT8:
      return WordEncoding::kWordPerInt8;
    default:
      return absl::InvalidArgumentError(absl::StrCat(where, ": unknown word encoding ", e));
  }
}

absl::Status CheckRange(nn::Range r, bool allow_empty, const std::string& where) {
  if (r.begin < 0 || r.end < r.begin || (!allow_empty && r.end == r.begin)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": bad range ", r.DebugString(), " (need 0 <= begin < end)"));
  }
  return absl::OkStatus();
}

absl::Status CheckEndpoint(int index, int chips, const std::string& where) {
  if (index != kHost && (index < 0 || index >= chips)) {
    return absl::InvalidArgumentError(absl::StrCat(where, " is ", index, "; valid: -1 (host) or 0..",
                                                   chips - 1));
  }
  return absl::OkStatus();
}

}  // namespace

pb::Partition PartitionToProto(const Partition& p) {
  pb::Partition proto;
  proto.set_strategy(StrategyToProto(p.strategy));
  proto.set_graph_name(p.graph_name);
  if (p.strategy == Strategy::kPaper) proto.set_paper_mode(std::string(PaperModeName(p.mode)));
  proto.set_d2nn_nv(p.d2nn_nv);
  proto.set_memsize_bytes(p.memsize_bytes);
  for (const ChipSlice& c : p.chips) {
    pb::ChipSlice* cp = proto.add_chips();
    cp->set_label(c.label);
    cp->set_chip(c.chip);
    cp->set_mode_word(c.mode_word);
    cp->set_weight_bytes(c.weight_bytes);
    cp->set_resumes(c.resumes);
    for (const ChipStep& s : c.steps) {
      pb::ChipStep* sp = cp->add_steps();
      sp->set_kind(StepKindToProto(s.kind));
      sp->set_op(s.op);
      RangeToProto(s.out, sp->mutable_out());
      if (s.kind == StepKind::kPartialSums) RangeToProto(s.in, sp->mutable_in());
      GuardToProto(s.guard, sp);
    }
  }
  for (const MessagePlan& m : p.messages) {
    pb::MessagePlan* mp = proto.add_messages();
    mp->set_order(m.order);
    mp->set_source(m.source);
    mp->set_destination(m.destination);
    mp->set_via_master(m.via_master);
    GuardToProto(m.guard, mp);
    for (const Segment& s : m.payload) {
      pb::Segment* sp = mp->add_payload();
      sp->set_tensor(s.tensor);
      if (!s.is_constant()) {
        RangeToProto(s.bytes, sp->mutable_bytes());
        sp->set_encoding(EncodingToProto(s.encoding));
      }
      sp->set_constant(s.constant);
      GuardToProto(s.guard, sp);
    }
  }
  for (const nn::TensorSpec& t : p.aux_tensors) nn::TensorSpecToProto(t, proto.add_aux_tensors());
  return proto;
}

absl::StatusOr<Partition> PartitionFromProto(const pb::Partition& proto) {
  Partition p;
  ASSIGN_OR_RETURN(p.strategy, StrategyFromProto(proto.strategy()));
  p.graph_name = proto.graph_name();
  if (p.strategy == Strategy::kPaper) {
    bool found = false;
    for (PaperMode m : {PaperMode::kTarget, PaperMode::kFourChip, PaperMode::kEightChip}) {
      if (proto.paper_mode() == PaperModeName(m)) p.mode = m, found = true;
    }
    if (!found) {
      return absl::InvalidArgumentError(absl::StrCat(
          "partition: unknown paper_mode '", proto.paper_mode(),
          "'; valid: target, illusion_sm, illusion"));
    }
  }
  p.d2nn_nv = proto.d2nn_nv();
  p.memsize_bytes = proto.memsize_bytes();
  const int chips = proto.chips_size();
  for (int i = 0; i < chips; ++i) {
    const pb::ChipSlice& cp = proto.chips(i);
    const std::string where = absl::StrCat("chip ", i, " ('", cp.label(), "')");
    ChipSlice c;
    c.label = cp.label();
    c.chip = cp.chip();
    if (cp.mode_word() > 0xFFFF) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": mode_word ", cp.mode_word(), " exceeds 0xFFFF"));
    }
    c.mode_word = static_cast<uint16_t>(cp.mode_word());
    c.weight_bytes = cp.weight_bytes();
    c.resumes = cp.resumes();
    if (c.resumes != -1 && (c.resumes < 0 || c.resumes >= i)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": resumes ", c.resumes, " is not an earlier wake-up"));
    }
    for (int j = 0; j < cp.steps_size(); ++j) {
      const pb::ChipStep& sp = cp.steps(j);
      const std::string step_where = absl::StrCat(where, " step ", j, " ('", sp.op(), "')");
      ChipStep s;
      ASSIGN_OR_RETURN(s.kind, StepKindFromProto(sp.kind(), step_where));
      s.op = sp.op();
      s.out = RangeFromProto(sp.out());
      RETURN_IF_ERROR(CheckRange(s.out, false, step_where + " out"));
      if (s.kind == StepKind::kPartialSums) {
        s.in = RangeFromProto(sp.in());
        RETURN_IF_ERROR(CheckRange(s.in, false, step_where + " in"));
      }
      s.guard = GuardFromProto(sp.has_guard(), sp.guard());
      c.steps.push_back(std::move(s));
    }
    p.chips.push_back(std::move(c));
  }
  for (int i = 0; i < proto.messages_size(); ++i) {
    const pb::MessagePlan& mp = proto.messages(i);
    const std::string where = absl::StrCat("message ", i);
    MessagePlan m;
    m.order = i;
    m.source = mp.source();
    m.destination = mp.destination();
    RETURN_IF_ERROR(CheckEndpoint(m.source, chips, where + " source"));
    RETURN_IF_ERROR(CheckEndpoint(m.destination, chips, where + " destination"));
    m.via_master = mp.via_master();
    m.guard = GuardFromProto(mp.has_guard(), mp.guard());
    for (int j = 0; j < mp.payload_size(); ++j) {
      const pb::Segment& sp = mp.payload(j);
      const std::string seg_where = absl::StrCat(where, " segment ", j);
      Segment s;
      s.tensor = sp.tensor();
      if (sp.constant() > 0xFFFF) {
        return absl::InvalidArgumentError(
            absl::StrCat(seg_where, ": constant ", sp.constant(), " exceeds 0xFFFF"));
      }
      s.constant = static_cast<uint16_t>(sp.constant());
      if (!s.is_constant()) {
        s.bytes = RangeFromProto(sp.bytes());
        RETURN_IF_ERROR(CheckRange(s.bytes, false, seg_where + " ('" + s.tensor + "') bytes"));
        ASSIGN_OR_RETURN(s.encoding, EncodingFromProto(sp.encoding(), seg_where));
      }
      s.guard = GuardFromProto(sp.has_guard(), sp.guard());
      m.payload.push_back(std::move(s));
    }
    p.messages.push_back(std::move(m));
  }
  for (const pb::TensorSpec& t : proto.aux_tensors()) {
    ASSIGN_OR_RETURN(nn::TensorSpec spec, nn::TensorSpecFromProto(t));
    p.aux_tensors.push_back(std::move(spec));
  }
  return p;
}

}  // namespace illusion::partitioner
