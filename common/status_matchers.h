// GoogleTest matchers and macros for absl::Status and absl::StatusOr<T>
// (Abseil LTS 20220623 has none; modeled on absl/status/status_matchers.h).
//
//   using ::illusion::common::IsOk;
//   using ::illusion::common::IsOkAndHolds;
//   using ::illusion::common::StatusIs;
//   using ::testing::HasSubstr;
//
//   EXPECT_OK(store.Put(key, value));
//   EXPECT_THAT(PartitionGraph(graph, options), IsOkAndHolds(SizeIs(8)));
//   EXPECT_THAT(runtime.Run(input),
//               StatusIs(absl::StatusCode::kInvalidArgument,
//                        HasSubstr("zero_point")));
//   ASSERT_OK_AND_ASSIGN(std::unique_ptr<TraceStore> store,
//                        TraceStore::Open(":memory:"));
//
// Every matcher accepts both absl::Status and absl::StatusOr<T>. Test-only
// (//common:status_matchers is testonly). Matchers are immutable values:
// thread-safe.

#ifndef ILLUSION_COMMON_STATUS_MATCHERS_H_
#define ILLUSION_COMMON_STATUS_MATCHERS_H_

#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::common {
namespace status_matchers_internal {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// Polymorphic implementation of IsOk().
class IsOkMatcher {
 public:
  template <typename StatusType>
  bool MatchAndExplain(const StatusType& actual,
                       ::testing::MatchResultListener* listener) const {
    const absl::Status& status = GetStatus(actual);
    if (!status.ok()) *listener << "which has status " << status;
    return status.ok();
  }
  void DescribeTo(std::ostream* os) const { *os << "is OK"; }
  void DescribeNegationTo(std::ostream* os) const { *os << "is not OK"; }
};

// Checks code and message of a status; shared by all StatusIs() types.
class StatusIsMatcherCommon {
 public:
  StatusIsMatcherCommon(::testing::Matcher<absl::StatusCode> code_matcher,
                        ::testing::Matcher<const std::string&> message_matcher)
      : code_matcher_(std::move(code_matcher)),
        message_matcher_(std::move(message_matcher)) {}

  bool MatchAndExplain(const absl::Status& status,
                       ::testing::MatchResultListener* listener) const {
    *listener << "which has status " << status;
    ::testing::StringMatchResultListener inner;
    if (!code_matcher_.MatchAndExplain(status.code(), &inner)) {
      *listener << ", whose code does not match";
      return false;
    }
    if (!message_matcher_.MatchAndExplain(std::string(status.message()),
                                          &inner)) {
      *listener << ", whose message does not match";
      return false;
    }
    return true;
  }
  void DescribeTo(std::ostream* os) const {
    *os << "has a status code that ";
    code_matcher_.DescribeTo(os);
    *os << ", and has an error message that ";
    message_matcher_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "has a status code that ";
    code_matcher_.DescribeNegationTo(os);
    *os << ", or has an error message that ";
    message_matcher_.DescribeNegationTo(os);
  }

 private:
  ::testing::Matcher<absl::StatusCode> code_matcher_;
  ::testing::Matcher<const std::string&> message_matcher_;
};

// Polymorphic wrapper so StatusIs() matches Status and any StatusOr<T>.
class StatusIsMatcher {
 public:
  explicit StatusIsMatcher(StatusIsMatcherCommon common)
      : common_(std::move(common)) {}
  template <typename StatusType>
  bool MatchAndExplain(const StatusType& actual,
                       ::testing::MatchResultListener* listener) const {
    return common_.MatchAndExplain(GetStatus(actual), listener);
  }
  void DescribeTo(std::ostream* os) const { common_.DescribeTo(os); }
  void DescribeNegationTo(std::ostream* os) const {
    common_.DescribeNegationTo(os);
  }

 private:
  StatusIsMatcherCommon common_;
};

// Monomorphic implementation of IsOkAndHolds() for StatusOr<T>.
template <typename StatusOrType>
class IsOkAndHoldsMatcherImpl
    : public ::testing::MatcherInterface<const StatusOrType&> {
 public:
  using ValueType = typename std::decay_t<StatusOrType>::value_type;

  template <typename InnerMatcher>
  explicit IsOkAndHoldsMatcherImpl(InnerMatcher&& inner)
      : inner_(::testing::SafeMatcherCast<const ValueType&>(
            std::forward<InnerMatcher>(inner))) {}

  bool MatchAndExplain(
      const StatusOrType& actual,
      ::testing::MatchResultListener* listener) const override {
    if (!actual.ok()) {
      *listener << "which has status " << actual.status();
      return false;
    }
    ::testing::StringMatchResultListener inner_listener;
    const bool matches = inner_.MatchAndExplain(*actual, &inner_listener);
    const std::string explanation = inner_listener.str();
    if (!explanation.empty()) {
      *listener << "which contains a value " << explanation;
    }
    return matches;
  }
  void DescribeTo(std::ostream* os) const override {
    *os << "is OK and has a value that ";
    inner_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const override {
    *os << "isn't OK or has a value that ";
    inner_.DescribeNegationTo(os);
  }

 private:
  ::testing::Matcher<const ValueType&> inner_;
};

// Converts to Matcher<StatusOr<T>> for whatever T the matched value has.
template <typename InnerMatcher>
class IsOkAndHoldsMatcher {
 public:
  explicit IsOkAndHoldsMatcher(InnerMatcher inner) : inner_(std::move(inner)) {}
  template <typename StatusOrType>
  operator ::testing::Matcher<StatusOrType>() const {  // NOLINT
    return ::testing::Matcher<StatusOrType>(
        new IsOkAndHoldsMatcherImpl<const StatusOrType&>(inner_));
  }

 private:
  InnerMatcher inner_;
};

}  // namespace status_matchers_internal

// Matches an OK absl::Status or absl::StatusOr<T>.
inline ::testing::PolymorphicMatcher<status_matchers_internal::IsOkMatcher>
IsOk() {
  return ::testing::MakePolymorphicMatcher(
      status_matchers_internal::IsOkMatcher());
}

// Matches a Status/StatusOr whose code matches `code_matcher` (a value such
// as absl::StatusCode::kNotFound, or a matcher) and whose message matches
// `message_matcher` (a string, or a matcher such as HasSubstr("x")).
template <typename CodeMatcher, typename MessageMatcher>
::testing::PolymorphicMatcher<status_matchers_internal::StatusIsMatcher>
StatusIs(CodeMatcher&& code_matcher, MessageMatcher&& message_matcher) {
  return ::testing::MakePolymorphicMatcher(
      status_matchers_internal::StatusIsMatcher(
          status_matchers_internal::StatusIsMatcherCommon(
              ::testing::MatcherCast<absl::StatusCode>(
                  std::forward<CodeMatcher>(code_matcher)),
              ::testing::MatcherCast<const std::string&>(
                  std::forward<MessageMatcher>(message_matcher)))));
}

// Same, with any message.
template <typename CodeMatcher>
::testing::PolymorphicMatcher<status_matchers_internal::StatusIsMatcher>
StatusIs(CodeMatcher&& code_matcher) {
  return StatusIs(std::forward<CodeMatcher>(code_matcher), ::testing::_);
}

// Matches an OK absl::StatusOr<T> whose value matches `inner_matcher`.
template <typename InnerMatcher>
status_matchers_internal::IsOkAndHoldsMatcher<std::decay_t<InnerMatcher>>
IsOkAndHolds(InnerMatcher&& inner_matcher) {
  return status_matchers_internal::IsOkAndHoldsMatcher<
      std::decay_t<InnerMatcher>>(std::forward<InnerMatcher>(inner_matcher));
}

}  // namespace illusion::common

// EXPECT/ASSERT that an absl::Status or absl::StatusOr<T> is OK.
#define EXPECT_OK(expr) EXPECT_THAT((expr), ::illusion::common::IsOk())
#define ASSERT_OK(expr) ASSERT_THAT((expr), ::illusion::common::IsOk())

// Evaluates `rexpr` (an absl::StatusOr<T>), ASSERTs it is OK, and moves the
// value into `lhs` (a declaration or an lvalue). Several statements; only in
// functions returning void (like every ASSERT_*).
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr)                                       \
  ILLUSION_ASSERT_OK_AND_ASSIGN_IMPL_(                                         \
      ILLUSION_STATUS_MACROS_CONCAT_(illusion_assert_status_or_, __COUNTER__), \
      lhs, rexpr)

#define ILLUSION_ASSERT_OK_AND_ASSIGN_IMPL_(status_or, lhs, rexpr) \
  auto status_or = (rexpr);                                        \
  ASSERT_TRUE(status_or.ok()) << status_or.status();               \
  lhs = std::move(status_or).value()

#endif  // ILLUSION_COMMON_STATUS_MATCHERS_H_
