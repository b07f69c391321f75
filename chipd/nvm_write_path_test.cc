#include "chipd/nvm_write_path.h"

#include <cstdint>
#include <memory>
#include <numeric>

#include "absl/status/status.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::chipd {
namespace {

using ::illusion::common::IsOk;
using ::illusion::common::IsOkAndHolds;
using ::illusion::common::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(IdentityNvmWritePathTest, CountsWritesPerPhysicalWord) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<IdentityNvmWritePath> nvm,
                       IdentityNvmWritePath::Create(4));
  NvmWritePath& path = *nvm;  // used through the interface
  ASSERT_THAT(path.Write(1, 0xBEEF), IsOk());
  ASSERT_THAT(path.Write(1, 0x1234), IsOk());
  ASSERT_THAT(path.Write(3, 7), IsOk());
  ASSERT_THAT(path.Flush(), IsOk());
  EXPECT_EQ(path.capacity_words(), 4);
  EXPECT_THAT(path.physical_write_counts(), ElementsAre(0u, 2u, 0u, 1u));
  EXPECT_EQ(path.total_writes(), 3);
  EXPECT_EQ(static_cast<uint64_t>(path.total_writes()),
            std::accumulate(path.physical_write_counts().begin(),
                            path.physical_write_counts().end(), uint64_t{0}));
}

TEST(IdentityNvmWritePathTest, ReadsBackTheLastWrittenWord) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<IdentityNvmWritePath> nvm,
                       IdentityNvmWritePath::Create(2048));
  EXPECT_THAT(nvm->Read(5), IsOkAndHolds(0));
  ASSERT_THAT(nvm->Write(5, 0xBEEF), IsOk());
  ASSERT_THAT(nvm->Write(5, 0xCAFE), IsOk());
  EXPECT_THAT(nvm->Read(5), IsOkAndHolds(0xCAFE));
  EXPECT_THAT(nvm->Read(2047), IsOkAndHolds(0));
}

TEST(IdentityNvmWritePathTest, OutOfCapacityIsOutOfRangeAndNotCounted) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<IdentityNvmWritePath> nvm,
                       IdentityNvmWritePath::Create(2048));
  EXPECT_THAT(nvm->Write(2048, 1),
              StatusIs(absl::StatusCode::kOutOfRange,
                       AllOf(HasSubstr("write"), HasSubstr("address 2048"),
                             HasSubstr("capacity of 2048 words"))));
  EXPECT_THAT(nvm->Write(-1, 1),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("address -1")));
  EXPECT_THAT(nvm->Read(4096),
              StatusIs(absl::StatusCode::kOutOfRange,
                       HasSubstr("read at word address 4096")));
  EXPECT_EQ(nvm->total_writes(), 0);
}

TEST(IdentityNvmWritePathTest, RejectsAnEmptyCapacity) {
  EXPECT_THAT(IdentityNvmWritePath::Create(0),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("capacity is 0 words")));
}

}  // namespace
}  // namespace illusion::chipd
