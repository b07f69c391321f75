#include "endurer/write_cache.h"

#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::endurer {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

struct Recorder {
  std::vector<std::pair<uint32_t, uint16_t>> writes;
  auto sink() {
    return [this](uint32_t a, uint16_t d) { writes.emplace_back(a, d); };
  }
};

TEST(WriteCacheTest, RepeatedAddressIsAbsorbed) {
  WriteCache cache(4);
  Recorder rec;
  EXPECT_FALSE(cache.Write(7, 1, rec.sink()));
  EXPECT_TRUE(cache.Write(7, 2, rec.sink()));
  EXPECT_TRUE(cache.Write(7, 3, rec.sink()));
  EXPECT_TRUE(rec.writes.empty());
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Lookup(7), 3);
  EXPECT_EQ(cache.Flush(rec.sink()), 1u);
  EXPECT_THAT(rec.writes, ElementsAre(Pair(7, 3)));
}

TEST(WriteCacheTest, FifthDistinctAddressWritesBackAllFourInOrder) {
  WriteCache cache(4);
  Recorder rec;
  for (uint32_t a = 0; a < 4; ++a) cache.Write(10 + a, static_cast<uint16_t>(a), rec.sink());
  EXPECT_TRUE(rec.writes.empty());
  cache.Write(99, 9, rec.sink());
  EXPECT_THAT(rec.writes, ElementsAre(Pair(10, 0), Pair(11, 1), Pair(12, 2), Pair(13, 3)));
  EXPECT_EQ(cache.size(), 1u);  // only the new entry
  EXPECT_EQ(cache.Lookup(99), 9);
  EXPECT_EQ(cache.Lookup(10), std::nullopt);
}

TEST(WriteCacheTest, UpstreamOracleTwentyWritesThenFourRewrites) {
  // test_two_chips.c: 20 writes then 4 re-writes of addresses 0..3, flushed:
  // 24 RRAM writes. 9 writes then a flush: 9.
  WriteCache cache(4);
  Recorder rec;
  for (uint32_t a = 0; a < 20; ++a) cache.Write(a, 1, rec.sink());
  for (uint32_t a = 0; a < 4; ++a) cache.Write(a, 2, rec.sink());
  cache.Flush(rec.sink());
  EXPECT_EQ(rec.writes.size(), 24u);

  WriteCache small(4);
  Recorder rec9;
  for (uint32_t a = 0; a < 9; ++a) small.Write(a, 1, rec9.sink());
  small.Flush(rec9.sink());
  EXPECT_EQ(rec9.writes.size(), 9u);
}

TEST(WriteCacheTest, NotLru) {
  // A hit does not protect an entry: the full cache is written back anyway.
  WriteCache cache(2);
  Recorder rec;
  cache.Write(1, 1, rec.sink());
  cache.Write(2, 2, rec.sink());
  cache.Write(1, 3, rec.sink());  // hit
  cache.Write(5, 5, rec.sink());  // full: both written back
  EXPECT_THAT(rec.writes, ElementsAre(Pair(1, 3), Pair(2, 2)));
}

TEST(WriteCacheTest, DiscardDropsEntries) {
  WriteCache cache(4);
  Recorder rec;
  cache.Write(1, 1, rec.sink());
  cache.Discard();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.Flush(rec.sink()), 0u);
  EXPECT_TRUE(rec.writes.empty());
  EXPECT_EQ(WriteCache(0).capacity(), 1u);
}

}  // namespace
}  // namespace illusion::endurer
