#include "detect/rule.h"

#include <gtest/gtest.h>

namespace trailwarden::detect {
namespace {

TEST(Severity, NamesRoundTripCaseInsensitively) {
  for (auto s : {Severity::kInformational, Severity::kLow, Severity::kMedium, Severity::kHigh,
                 Severity::kCritical}) {
    EXPECT_EQ(parse_severity(severity_name(s)), s);
  }
  EXPECT_EQ(parse_severity("HIGH"), Severity::kHigh);
  EXPECT_FALSE(parse_severity("severe").has_value());
  EXPECT_FALSE(parse_severity("").has_value());
}

}  // namespace
}  // namespace trailwarden::detect
