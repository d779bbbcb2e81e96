#include "core/time.h"

#include <gtest/gtest.h>

namespace trailwarden {
namespace {

TEST(Time, ParsesCloudTrailTimes) {
  EXPECT_EQ(parse_iso8601_micros("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso8601_micros("2024-01-15T00:04:35Z"), int64_t{1705277075} * 1000000);
  EXPECT_EQ(parse_iso8601_micros("2018-08-26T14:17:23.000Z"), int64_t{1535293043} * 1000000);
  EXPECT_EQ(parse_iso8601_micros("2018-08-26T14:17:23.5Z"), int64_t{1535293043} * 1000000 + 500000);
}

TEST(Time, AppliesOffsets) {
  EXPECT_EQ(parse_iso8601_micros("2024-01-15T02:04:35+02:00"),
            parse_iso8601_micros("2024-01-15T00:04:35Z"));
  EXPECT_EQ(parse_iso8601_micros("2024-01-14T23:04:35-0100"),
            parse_iso8601_micros("2024-01-15T00:04:35Z"));
}

TEST(Time, RefusesWhatIsNotATime) {
  for (const char* bad : {"", "2024-01-15", "2024-01-15T00:04:35", "2024-13-01T00:00:00Z",
                          "2023-02-29T00:00:00Z", "2024-01-15T24:00:00Z", "2024-01-15T00:04:35ZZ",
                          "2024-01-15T00:04:35.Z", "0000-01-01T00:00:00Z", "yesterday",
                          "2024-01-15T00:04:35+25:00", "１９７０-01-01T00:00:00Z"}) {
    EXPECT_FALSE(parse_iso8601_micros(bad).has_value()) << bad;
  }
  EXPECT_TRUE(parse_iso8601_micros("2024-02-29T00:00:00Z").has_value());
}

TEST(Time, FormatsRoundTrip) {
  EXPECT_EQ(format_iso8601_micros(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_iso8601_micros(int64_t{1705277075} * 1000000), "2024-01-15T00:04:35Z");
  EXPECT_EQ(format_iso8601_micros(int64_t{1705277075} * 1000000 + 123),
            "2024-01-15T00:04:35.000123Z");
  EXPECT_EQ(format_iso8601_micros(-1000000), "1969-12-31T23:59:59Z");
  for (int64_t t : {int64_t{-62135596800} * 1000000, int64_t{253402300799} * 1000000,
                    int64_t{951782400} * 1000000}) {
    EXPECT_EQ(parse_iso8601_micros(format_iso8601_micros(t)), t);
  }
}

}  // namespace
}  // namespace trailwarden
