// Round-trips an illusion.v1.Graph and Tensor through the wire format: proves
// the proto_library -> cc_proto_library path with Debian's protoc and runtime.

#include <cstdint>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/illusion/v1/model.pb.h"

namespace illusion::v1 {
namespace {

using ::testing::ElementsAre;

Graph MakeGraph() {
  Graph graph;
  graph.set_name("d2nn");
  TensorSpec* input = graph.add_inputs();
  input->set_name("input");
  input->set_dtype(DTYPE_INT8);
  input->add_shape(1);
  input->add_shape(28);
  input->add_shape(28);
  input->set_frac_bits(4);
  TensorSpec* weight = graph.add_weights();
  weight->set_name("fc1_w");
  weight->set_dtype(DTYPE_INT8);
  weight->add_shape(10);
  weight->add_shape(784);
  weight->set_frac_bits(4);
  TensorSpec* logits = graph.add_outputs();
  logits->set_name("logits");
  logits->set_dtype(DTYPE_INT16);
  logits->add_shape(10);
  graph.add_activations()->set_name("branch");

  Op* branch = graph.add_ops();
  branch->set_name("branch");
  branch->set_kind(OP_KIND_BRANCH);
  branch->add_inputs("input");
  branch->add_outputs("branch");
  Op* dense = graph.add_ops();
  dense->set_name("fc1");
  dense->set_kind(OP_KIND_DENSE);
  dense->add_inputs("input");
  dense->add_outputs("logits");
  dense->add_weights("fc1_w");
  (*dense->mutable_int_attrs())["output_shift"] = 4;
  dense->mutable_guard()->set_tensor("branch");
  dense->mutable_guard()->set_value(1);
  return graph;
}

TEST(ModelProtoTest, GraphSurvivesSerializeAndParse) {
  std::string wire;
  ASSERT_TRUE(MakeGraph().SerializeToString(&wire));

  Graph parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));
  EXPECT_EQ(parsed.name(), "d2nn");
  ASSERT_EQ(parsed.inputs_size(), 1);
  EXPECT_EQ(parsed.inputs(0).dtype(), DTYPE_INT8);
  EXPECT_THAT(parsed.inputs(0).shape(), ElementsAre(1, 28, 28));
  EXPECT_EQ(parsed.inputs(0).frac_bits(), 4);
  EXPECT_EQ(parsed.outputs(0).dtype(), DTYPE_INT16);
  EXPECT_EQ(parsed.weights(0).name(), "fc1_w");
  EXPECT_EQ(parsed.activations(0).name(), "branch");
  ASSERT_EQ(parsed.ops_size(), 2);
  EXPECT_EQ(parsed.ops(0).kind(), OP_KIND_BRANCH);
  EXPECT_FALSE(parsed.ops(0).has_guard());

  const Op& dense = parsed.ops(1);
  EXPECT_EQ(dense.kind(), OP_KIND_DENSE);
  EXPECT_THAT(dense.weights(), ElementsAre("fc1_w"));
  EXPECT_EQ(dense.int_attrs().at("output_shift"), 4);
  ASSERT_TRUE(dense.has_guard());
  EXPECT_EQ(dense.guard().tensor(), "branch");
  EXPECT_EQ(dense.guard().value(), 1);
}

TEST(ModelProtoTest, TensorKeepsRawLittleEndianBytes) {
  Tensor tensor;
  tensor.set_name("bias");
  tensor.set_dtype(DTYPE_INT16);
  tensor.add_shape(2);
  tensor.set_frac_bits(8);
  const int16_t values[] = {-2, 300};  // 0xfffe, 0x012c
  tensor.set_data(std::string("\xfe\xff\x2c\x01", 4));

  Tensor parsed;
  ASSERT_TRUE(parsed.ParseFromString(tensor.SerializeAsString()));
  ASSERT_EQ(parsed.data().size(), sizeof(values));
  for (int i = 0; i < 2; ++i) {
    const auto lo = static_cast<uint8_t>(parsed.data()[2 * i]);
    const auto hi = static_cast<uint8_t>(parsed.data()[2 * i + 1]);
    EXPECT_EQ(static_cast<int16_t>(lo | (hi << 8)), values[i]);
  }
  EXPECT_EQ(parsed.frac_bits(), 8);
  EXPECT_EQ(DType_Name(parsed.dtype()), "DTYPE_INT16");
}

}  // namespace
}  // namespace illusion::v1
