#include "endurer/trace.h"

#include <sstream>
#include <string>
#include <vector>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::endurer {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;

TEST(TraceTest, ParsesThePapersFormat) {
  ASSERT_OK_AND_ASSIGN(TraceRecord r, ParseTraceLine("0,07bf,8080"));
  EXPECT_EQ(r.chip, 0u);
  EXPECT_EQ(r.address, 0x7bf);
  EXPECT_EQ(r.data, 0x8080);
  ASSERT_OK_AND_ASSIGN(TraceRecord r2, ParseTraceLine(" 7, 7FF ,FFFF\r"));
  EXPECT_EQ(r2.chip, 7u);
  EXPECT_EQ(r2.address, 0x7ff);
  EXPECT_EQ(r2.data, 0xffff);
  ASSERT_OK_AND_ASSIGN(TraceRecord r3, ParseTraceLine("3,0x10,0"));
  EXPECT_EQ(r3.address, 0x10);
  EXPECT_EQ(FormatTraceLine(r), "0,07bf,8080");
}

TEST(TraceTest, ParsesTextWithLineNumbersAndSkipsBlankLines) {
  ASSERT_OK_AND_ASSIGN(std::vector<TraceRecord> records,
                       ParseTrace("0,07bf,0080\r\n0,07bf,8080\n\n1,0000,0001\n"));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].data, 0x8080);
  EXPECT_EQ(records[2].chip, 1u);
  EXPECT_EQ(records[2].line, 4u);
  std::istringstream in("0,07bf,0080\n0,07c0,0001");  // no final newline
  ASSERT_OK_AND_ASSIGN(std::vector<TraceRecord> from_stream, ParseTrace(in, "mem"));
  ASSERT_EQ(from_stream.size(), 2u);
  EXPECT_EQ(from_stream[1].address, 0x7c0);
  EXPECT_EQ(from_stream[1].line, 2u);
}

TEST(TraceTest, ErrorsNameSourceLineAndText) {
  EXPECT_THAT(ParseTrace("0,07bf,0080\n0,07zz,0080\n", "svhn.txt"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("svhn.txt:2: malformed trace line '0,07zz,0080': address "
                                 "'07zz' is not 1-4 hex digits")));
  std::istringstream in("0,0000,0000\n\nhello\n");
  EXPECT_THAT(ParseTrace(in, "t.txt"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("t.txt:3: malformed trace line 'hello': expected 3 "
                                 "comma-separated fields")));
  EXPECT_THAT(ParseTraceLine("-1,0000,0000"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("chip '-1'")));
  EXPECT_THAT(ParseTraceLine("0,00000,0000"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("address '00000'")));
  EXPECT_THAT(ParseTraceLine("0,0000,10000"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("data '10000'")));
  EXPECT_THAT(ParseTraceLine("0,0000,0000,1"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseTraceLine("0,,0000"), StatusIs(absl::StatusCode::kInvalidArgument));
  const std::string long_line(200, 'x');
  absl::StatusOr<TraceRecord> bad = ParseTraceLine(long_line);
  EXPECT_LT(bad.status().message().size(), 200u) << "long lines are shortened";
}

}  // namespace
}  // namespace illusion::endurer
