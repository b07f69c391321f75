// Layer tables of the scaled-out Illusion simulation workloads (spec
// scaled_out_sim.md §4; upstream illusion_paper_sim/multichip/examples/*.py),
// as LayerDesc lists ready for GreedyPartition.
//
// A "net part" is a layer list that is partitioned on its own, starting at
// node_1. Four workloads, five net parts:
//
//   workload (aliases)             net parts
//   AlexNet (alexnet)              alex_net
//   VGG-16 (vgg16)                 vgg_net
//   ResNet-50 (resnet50)           resnet50
//   LSTM LangMod (lstm_lm)         lstm_langmod   = embed1 + cell 1, batch 32
//                                  lstm_langmod_1 = cell 2, batch 4
//
// The LSTM is two net parts because upstream partitions (and simulates) each
// cell as a separate system, each starting at a fresh node_1; concatenating
// them would change the partition. So ScaledOutNetPart("lstm_lm") is an
// error; use ScaledOutWorkloadNetParts("lstm_lm") to get both part names.
//
// Faithful to upstream, including its quirks: no pooling layers, no ResNet
// projection shortcuts, ResNet stage-2 `a` layers all read 64 channels, no
// LSTM softmax (lstm_langmod_1 ends at `output`). Stateless functions:
// thread-safe.

#ifndef ILLUSION_PARTITIONER_SCALED_OUT_LAYERS_H_
#define ILLUSION_PARTITIONER_SCALED_OUT_LAYERS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "partitioner/layer_desc.h"

namespace illusion::partitioner {

// The layers of one net part, in execution order. `net_part` is one of
// alex_net, vgg_net, resnet50, lstm_langmod, lstm_langmod_1, or a name of a
// single-part workload (alexnet, vgg16, AlexNet, VGG-16, ResNet-50).
// InvalidArgument for an unknown name, or for the two-part workload lstm_lm /
// "LSTM LangMod" (see above).
absl::StatusOr<std::vector<LayerDesc>> ScaledOutNetPart(
    absl::string_view net_part);

// The canonical net-part names of a workload, in execution order. Accepts the
// workload names of the reference CSVs ("AlexNet", "VGG-16", "ResNet-50",
// "LSTM LangMod"), the aliases alexnet, vgg16, resnet50, lstm_lm and the
// single net-part names. InvalidArgument for an unknown name.
absl::StatusOr<std::vector<std::string>> ScaledOutWorkloadNetParts(
    absl::string_view workload);

// The five canonical net-part names: alex_net, vgg_net, resnet50,
// lstm_langmod, lstm_langmod_1.
absl::Span<const char* const> ScaledOutNetPartNames();

// The four workload names as in the reference CSVs: AlexNet, VGG-16,
// ResNet-50, LSTM LangMod.
absl::Span<const char* const> ScaledOutWorkloadNames();

// The paper's memory-size sweep in MiB per chip: 0.25, 0.5, 1, 2, ..., 2048
// (14 values; the extra 6/12 MiB ResNet and 50 MiB LSTM points are not in it).
absl::Span<const double> PaperSweepMemsizesMiB();

}  // namespace illusion::partitioner

#endif  // ILLUSION_PARTITIONER_SCALED_OUT_LAYERS_H_
