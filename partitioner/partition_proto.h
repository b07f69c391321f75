#ifndef ILLUSION_PARTITIONER_PARTITION_PROTO_H_
#define ILLUSION_PARTITIONER_PARTITION_PROTO_H_

// Partition <-> illusion.v1.Partition (proto/illusion/v1/partition.proto).

#include "absl/status/statusor.h"
#include "partitioner/partition.h"
#include "proto/illusion/v1/partition.pb.h"

namespace illusion::partitioner {

illusion::v1::Partition PartitionToProto(const Partition& partition);

// Checks what the wire can get wrong: unknown enum values, chip and message
// indices out of range (a source or destination other than -1 or a chip
// index; `resumes` naming a later wake-up), empty or inverted ranges, a
// segment whose bytes do not fit its encoding. InvalidArgument naming the
// chip, step, message or segment and the bad value.
absl::StatusOr<Partition> PartitionFromProto(const illusion::v1::Partition& proto);

}  // namespace illusion::partitioner

#endif  // ILLUSION_PARTITIONER_PARTITION_PROTO_H_
