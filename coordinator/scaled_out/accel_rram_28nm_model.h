#ifndef ILLUSION_COORDINATOR_SCALED_OUT_ACCEL_RRAM_28NM_MODEL_H_
#define ILLUSION_COORDINATOR_SCALED_OUT_ACCEL_RRAM_28NM_MODEL_H_

// The analytic per-layer cost model of the scaled-out simulation's chip,
// `accel_rram_28nm` (chipd/models/accel_rram_28nm.textproto): it replaces
// nn_dataflow + zsim + the Perl energy model (spec scaled_out_sim.md §7.2)
// for one layer part of a greedy partition. Cost-only: shapes and byte
// counts in, energy and time out; no weights, no arithmetic on data.
//
// For a layer part with C_p input channels, M_p output channels, an E_h x E_w
// output map, an R_h x R_w kernel, batch B, weight bytes W, ifmap bytes I and
// ofmap bytes O (the greedy plan's CSV columns):
//
//   MACs_pad = B * C_p * R_h * R_w * (
//                 conv (E_h*E_w > 1): M_p * 16 * ceil(E_h/4) * ceil(E_w/4)
//                     (output map split over the 4x4 tiles, each padded)
//                 FC   (1x1 output) : roundup(M_p, 64) )
//              single-sample FC (B = 1): roundup(C_p*R_h*R_w, 16) *
//                                        max(256, roundup(M_p, 64))
//              batched FC output split (B > 1): roundup(M_p, M / blocks),
//                  blocks = 16 tiles x ceil(B / 16)
//              embedding / cell math with B >= 16: roundup(M_p, 4096)
//   read_bytes = k_w * W + I + O        k_w = 16 for conv: each of the 16
//                                       tiles fetches the whole filter set;
//                                       k_w = 1 for FC-like layers, except
//                                       k_w = B for small-batch wide FC
//                                       parts (per-sample re-read, below)
//   lines    = read_bytes / 32          (32 B RRAM lines)
//   writes   = max(0, O - 2 MiB) / 32   (the output map beyond the global
//                                       buffer spills to RRAM)
//   T        = 2 * MACs_pad / (4096 * f_clk) + stall + writes*32 / BW_class
//              stall = stall_bytes / BW_class, or for a single-sample or
//              batched (B >= 16) FC part with W/16 < 0.96 MB per tile:
//              1.5 us + stall_bytes / 2.048 TB/s; a larger batched
//              (B >= 16) part: stall_bytes / 524.288 GB/s (RRAM peak);
//              a batched part with B < 16:
//              1.5 us + (B*W + I + O) / 524.288 GB/s;
//              an embedding or cell-math part with B >= 16:
//              60 ns + O / 512 GB/s + max(0, O - 8 MiB) / 126.5 GB/s
//              stall_bytes = read_bytes with k_w at its class value (16/1)
//              (compute counted twice as upstream, spec §8 quirk 1; the
//              stall term is RRAM traffic at an effective bandwidth)
//   E        = 9.26 pJ * MACs_pad + (204.8 pJ + E_buf) * lines
//              + (384 pJ + E_buf) * writes + 3.170304 W * T
//
// Per-sample weight re-read (an nn_dataflow schedule choice, not fitted per
// workload): an FC part (not embedding, not LSTM cell math) with batch
// B < 16 (fewer samples than the 4x4 tiles) and M_p >= 2048 outputs re-reads
// its weights once per sample, k_w = B. Evidence, Mem_Reads*32 / W:
//   * ideal_chip_per_layer.csv: act_2 (B 4, M 32768) 4.00; output (B 4,
//     M 1024) 1.06; act_1 / proj_1 (B 32) 1.01 / 1.47;
//   * node_results.csv, cell-2 chips (act_2_part_o + output_part_i, B 4):
//     2/4/8 MiB (act_2 M_p ~452/908/1820) 1.04-1.14 per chip; 16/32/50
//     MiB (M_p >= 3641) 3.2-4. The threshold 2048 lies in that gap; cell-1
//     chips (B 32) never show a per-sample (32x) re-read (at most ~2x).
// The re-read's stall is the per-sample streaming of "Batched FC parts"
// below (for every B < 16 part, whatever its M_p).
//
// Single-sample FC parts (batch 1: the CNN classifier splits, ResNet fc1):
//   * Padding, from node_results.csv: every B = 1 "_o" part with M_p < 256
//     (AlexNet/VGG fc1/fc2 at 0.25-2 MiB) has exactly C*R*R*256 padded MACs
//     (16 tiles x 16 PE columns); "_i" parts pad their inputs to 16 PE rows
//     (fc3 parts of 131/1048/2097/3662 inputs: 144/1056/2112/3664).
//   * Stall in two regimes. A part whose weights per tile stay under
//     0.96 MB streams at the trace issue rate, 128 B/cycle/tile x 16 tiles
//     x 1 GHz = 2.048 TB/s, after a fixed 1.5 us (fitted on every FC-only
//     chip of node_results.csv); larger parts stall at BW_fc as before. The
//     threshold is bracketed by the data, not derived: the fastest chips
//     hold up to 931,840 B per tile (~2 TB/s effective), the smallest slow
//     one 994,176 B (AlexNet 16 MiB, 286-344 GB/s).
//   * With both, the model reproduces the paper's sub-unity time ratios of
//     split classifiers (AlexNet 8 MiB: paper 0.789, model 0.784; was
//     1.006) and VGG-16 2 MiB energy (1.083 vs 1.067; was 1.052); per-chip
//     error against node_results.csv (the >= 2 MiB result files) falls from
//     24 % to 18 % (energy) and 82 % to 40 % (time) on average; tiny fc3
//     parts get worse (the fixed 1.5 us swamps their 0.1 us).
//
// Batched FC parts (the LSTM's gates and projections, B = 32 in cell 1 and
// B = 4 in cell 2), from node_results.csv's LSTM result files:
//   * Padding. An output split pads its outputs to the whole layer's output
//     block, M / (16 tiles x ceil(B / 16)): 1,024 for act_1, 2,048 for
//     act_2. Active time = 2 * B * C * roundup(M_p, block) / 4096 GHz plus
//     the projection part matches every cell-1 and cell-2 result chip from
//     0.25 to 128 MiB within 0.3 % where M_p > 2,048 (e.g. cell 1 at 32
//     MiB: 7,280 -> 8,192; at 128 MiB: 25,996 -> 26,624), and within 7 %
//     for most smaller parts (452 -> 1,024 at 2 MiB). Probably nn_dataflow's
//     loop blocking seeded from the whole-layer schedule (`old_lb`); the
//     block size is observed for two batch sizes only (4 and 32).
//   * Stall. With B < 16 (fewer samples than tiles) the weights stream once
//     per sample: 1.5 us + (B*W + I + O) at the RRAM peak, 16 controllers x
//     32,768 MB/s = 524.288 GB/s. Cell-2 chips at 4-32 MiB and the ideal's
//     act_2 (paper 1.21 ms, model 1.16 ms) follow it within ~5 %. With
//     B >= 16 a small part (under 0.96 MB of weights per tile) stalls like
//     a single-sample one and a large part streams at the RRAM peak (ideal
//     act_1: paper 1.357 ms, model 1.309 ms; the fitted BW_fc gave 1.59).
//
// Output spill: output-map bytes beyond the 2 MiB global buffer (16 tiles x
// 128 KiB) are written to RRAM and cost 384 pJ + E_buf per 32 B line, with
// stall at the class bandwidth. Exact upstream for every layer whose ofmap
// exceeds 2 MiB: VGG-16 conv01/02 (135,168 lines) and conv03/04 (34,816),
// every LSTM cell-math pseudo-layer (e.g. the ideal cell 1's 458,752), and
// the LSTM embedding (1,521,404 vs 1,523,232). The other, small write
// counts upstream (VGG conv08-13, ResNet conv5_x, AlexNet conv4 and FC,
// the LSTM gates) are not modelled.
//
// Single-input parts: the LSTM embedding (FC(1, words)) and cell-math
// pseudo-layers (FC(1, B * slices)) have one input per output. With B >= 16
// (cell 1's 32; node_results.csv's lstm_langmod embedding and dummy chips):
//   * Padding: outputs to a multiple of 4,096. Compute_active_energy / 1.90
//     pJ gives 32 x 4,096 MACs for every 1,024- to 4,096-word part from 2
//     MiB up and 32 x 8,192 for 7,264 words; active time follows it on 2 to
//     256 MiB except in nine result files: six at 2 x roundup(M_p, 2,048)
//     (e.g. 29,120 words: 960 ns, not 512), the 50 MiB embedding and two
//     2 MiB dummies of 448 and 1,344 words (112.5 ns), not modelled.
//   * Stall: bound by writing the output map, 60 cycles + O at 32 B/cycle x
//     16 tiles = 512 GB/s; the weights and inputs hide behind it. Exact for
//     the embedding chips at 2, 4, 8, 16, 32, 50 and 64 MiB (188, 316, 572,
//     ... 4,156 ns), 8 and 12 ns short at 128 and 256 MiB, and 0-61 ns short
//     for the cell-1 dummies of 2 to 64 MiB but one (a spill of up to 5.4 MB
//     adds no stall there).
//   * Spill: the output map beyond the global buffer is still written
//     (the spill rule below), but it stalls only for the output beyond 8
//     MiB, at 126.5 GB/s. The 8 MiB is bracketed by the data: outputs up to
//     8,388,608 B (the 256 MiB embedding chips, 6.3 MB spilled) add no stall,
//     13.3 MB (the 128 MiB cell-1 dummy) adds 40 us. The bandwidth is fitted
//     on the ideal chip's two spilling single-input layers (embed1, 50.8 MB
//     of output, and the cell-1 math, 16.8 MB): 401.3 us of stall beyond the
//     output rule for 50.8 MB past the 8 MiB. Upstream is not linear in it:
//     the rule gives the 128 MiB dummy 39 us (paper 40), the ideal's cell-1
//     math 66 us (40) and embed1 335 us (361), the 1024 MiB embedding 199 us
//     (241); one 5.1 MB dummy (50 MiB conv_part_4) also shows 40 us.
// The old class-bandwidth stall charged the 4 MiB embedding chips 571 ns
// for upstream's 380, which kept LSTM 4 MiB time out (1.099 vs 1.042), and
// charged every 32-128 MiB dummy's spill, which kept the LSTM's sub-unity
// times from 8 MiB up out of reach (128 MiB: 0.980 vs 0.877; now 0.902).
// Cell 2's cell math (B = 4) follows neither rule (its stall grows 0.07 ns
// per word) and keeps the class bandwidth.
//
// With the batched-FC, spill and single-input rules the LSTM ideal chip's
// totals go from -6.1 % energy / -14.6 % time to -0.5 % / +0.0 %, and every
// LSTM row from 2 MiB up passes two-sided: 2 MiB E 2.088 vs 2.079, T 1.673
// vs 1.658; 4 MiB E 1.133 vs 1.149, T 1.066 vs 1.042; 256 MiB T 0.901 vs
// 0.894; 512 MiB T 0.961 vs 0.930. Per-chip time error on the cell-1 result
// files (lstm_langmod, >= 2 MiB) falls from 57 % to 8 % on average; energy
// rises from 9.6 % to 13.7 % (the spilling dummies read their output map
// back upstream, which is not modelled: adding it overcharges the ideal's
// embedding, which does not, and fails LSTM 2/4 MiB E). The padding rules also
// reproduce the LSTM's small-chip blow-up, which no row is fitted on (the
// informational rows below 2 MiB): 0.25 / 0.5 / 1 MiB energy 23.97 / 9.52 /
// 4.26 vs the paper's 24.23 / 9.69 / 4.19 (3.22 / 2.05 / 1.51 before the
// batched FC padding), time 10.14 / 5.31 / 2.90 vs 10.49 / 5.44 / 2.89.
//
// Checked against node_results.csv and NOT adopted (made rows worse): padding
// the single-sample (CNN) FC parts' outputs to a multiple of 16 tiles x 64 =
// 1024, as the LSTM cell-1 parts are: it broke 17 passing AlexNet/VGG/LSTM
// rows. Charging the embedding and cell-math parts' traffic at the RRAM
// peak, or the single-input rule with its spill at the class bandwidth
// (91/94) or with no spill stall (86/94): the ideal's gain outweighs the
// split chips' (LSTM 2 MiB E and T fail). A spill stall from the first byte
// at a fitted 157.9 GB/s passes 94/94 but leaves LSTM 128-512 MiB time
// 0.06-0.09 above the paper.
//
// A chip's cost is the sum of its parts; LSTM dummy pseudo-chips are costed
// the same way (FC(1, B*s, 1) at the cell's batch).
//
// Fit (AccelModelConstants below), on reference/paper_sim/
// ideal_chip_per_layer.csv (the 2048 MiB ideal chips, 87 layer rows):
//   * E_buf = sum(Total_Cache_Energy) / sum(Mem_Reads) = 125.14 pJ per line;
//   * BW_conv = sum(conv read_bytes) / sum(conv Stalled_time) = 267.6 GB/s;
//     BW_fc = same over FC-like layers = 250.8 GB/s;
//   * the single-input spill bandwidth, 126.5 GB/s (above);
//   * k_w = 16 and the tile padding are structural (4x4 tiles), not fitted:
//     (Mem_Reads*32 - I - O) / W is 16.0-16.4 for 30 of the 38 distinct conv
//     shapes, 1.00-1.07 for FC layers.
// Not modelled (hence the tolerances of the ideal-totals test): the VGG/
// ResNet large-map convs' extra ifmap refetch, ResNet conv5_x_c's 64x filter
// refetch and the cell-1 dummy's 2x ofmap reads. Model vs paper ideal: LSTM
// energy -0.5 %, time +0.0 %.
//
// Stateless functions, plain value types: thread-safe.

#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "coordinator/scaled_out/system_aggregation.h"
#include "partitioner/greedy_plan.h"
#include "partitioner/layer_desc.h"

namespace illusion::coordinator::scaled_out {

// Constants of the model (see file comment for where each comes from).
// Plain value type.
struct AccelModelConstants {
  double clock_hz = 1e9;              // CSV frequency: 1 GHz
  double macs_per_cycle = 4096;       // 4x4 tiles x 16x16 PEs
  int tile_grid = 4;                  // output map split over 4 x 4 tiles
  int fc_output_pad = 64;             // FC outputs padded to a multiple
  // Single-sample FC parts (batch 1; see file comment):
  int fc_input_pad = 16;              // inputs (C*R*R) padded to 16 PE rows
  int fc_min_padded_outputs = 256;    // 16 tiles x 16 PE columns
  double small_fc_max_weight_bytes_per_tile = 0.96e6;  // node_results gap
                                                       // 931,840..994,176
  double small_fc_fixed_stall_s = 1.5e-6;              // fitted, all FC chips
  double small_fc_bandwidth_bytes_per_s = 2.048e12;    // 128 B/cycle x 16
                                                       // tiles x 1 GHz
  double mac_energy_j = 9.26e-12;     // 1.90 pJ MAC + 7.36 pJ register file
  double rram_line_bytes = 32;
  double rram_read_j_per_line = 204.8e-12;   // 0.8 pJ/bit x 256 bit
  double rram_write_j_per_line = 384e-12;    // 1.5 pJ/bit x 256 bit
  double global_buffer_bytes = 2097152;      // 16 tiles x 128 KiB
  double rram_peak_bandwidth_bytes_per_s = 524.288e9;  // 16 controllers x
                                                       // 32,768 MB/s
  // Batched FC output-split parts pad their outputs to the whole layer's
  // output block: M / (16 tiles x ceil(B / this)).
  int batched_fc_samples_per_output_block = 16;
  // Embedding and cell-math parts at B >= 16 (see file comment):
  int single_input_output_pad = 4096;  // upstream MAC energy / 1.90 pJ
  double single_input_fixed_stall_s = 60e-9;  // 60 cycles (embedding chips)
  // 32 B/cycle x 16 tiles x 1 GHz:
  double single_input_output_bandwidth_bytes_per_s = 512e9;
  // 8 MiB, in node_results.csv's gap 8,388,608..13,309,952 B:
  double single_input_hidden_spill_output_bytes = 8388608;
  double single_input_spill_bandwidth_bytes_per_s = 126.5e9;  // fitted
  double buffer_j_per_line = 125.14e-12;     // fitted
  double conv_weight_refetch = 16;           // one fetch per tile
  double fc_weight_refetch = 1;
  // Small-batch FC parts with many outputs re-read their weights once per
  // sample (k_w = B, energy only): B < per_sample_refetch_max_batch and
  // M_p >= per_sample_refetch_min_outputs (see file comment).
  int per_sample_refetch_max_batch = 16;       // 4x4 tiles: B < tiles
  int per_sample_refetch_min_outputs = 2048;   // node_results.csv gap
                                               // 1820..3641 (cell 2)
  double conv_bandwidth_bytes_per_s = 267.6e9;  // fitted
  double fc_bandwidth_bytes_per_s = 250.8e9;    // fitted
  double active_leakage_w = 3.170304;        // 0.000774 W x 4096 PEs
};

// The model's breakdown for one layer part or chip. Plain value type.
struct LayerPartCost {
  double padded_macs = 0;
  double rram_read_lines = 0;
  double rram_write_lines = 0;  // output-map spill beyond the global buffer
  double time_s = 0;
  double mac_energy_j = 0;     // MAC + register file
  double rram_energy_j = 0;
  double buffer_energy_j = 0;
  double leakage_energy_j = 0;
  double energy_j() const {
    return mac_energy_j + rram_energy_j + buffer_energy_j + leakage_energy_j;
  }
  void Add(const LayerPartCost& other);
};

// Cost of `part`, a part of `layer` (for an LSTM cell-math part: the gates
// layer of its cell; see PlanCosts). InvalidArgument if the part's bytes do
// not divide into whole channels of the layer.
absl::StatusOr<LayerPartCost> CostLayerPart(
    const partitioner::LayerPart& part, const partitioner::LayerDesc& layer,
    int64_t bytes_per_weight, const AccelModelConstants& constants);

// Per-chip costs of a whole greedy plan of `layers` (chips and dummies in
// order); message_bytes = plan.messages.total. InvalidArgument if a part
// names a layer not in `layers`.
absl::StatusOr<NetPartCosts> PlanCosts(
    const partitioner::GreedyPlan& plan,
    absl::Span<const partitioner::LayerDesc> layers,
    const AccelModelConstants& constants = AccelModelConstants());

// Sum of CostLayerPart over every part of every chip and dummy of `plan`.
absl::StatusOr<LayerPartCost> PlanBreakdown(
    const partitioner::GreedyPlan& plan,
    absl::Span<const partitioner::LayerDesc> layers,
    const AccelModelConstants& constants = AccelModelConstants());

}  // namespace illusion::coordinator::scaled_out

#endif  // ILLUSION_COORDINATOR_SCALED_OUT_ACCEL_RRAM_28NM_MODEL_H_
