#include "formats/json_scan.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace trailwarden::formats {
namespace {

TEST(JsonScan, FindsValueEnds) {
  std::string s = R"({"a":"x}\"y","b":[1,{"c":"]"}]} tail)";
  auto r = scan_value(s, 0, 10);
  EXPECT_EQ(r.error, ScanError::kNone);
  EXPECT_EQ(s.substr(r.end), " tail");
  EXPECT_EQ(scan_value("12345,", 0, 4).end, 5u);
  EXPECT_EQ(scan_value(R"("a\\")", 0, 4).end, 5u);
}

TEST(JsonScan, ReportsTruncationAndDepth) {
  EXPECT_EQ(scan_value(R"({"a":[1,2)", 0, 10).error, ScanError::kTruncated);
  EXPECT_EQ(scan_value(R"({"a":"unterminated)", 0, 10).error, ScanError::kTruncated);
  EXPECT_EQ(scan_value("[[[[[[1]]]]]]", 0, 5).error, ScanError::kTooDeep);
  EXPECT_EQ(scan_value("[[[[[[1]]]]]]", 0, 6).error, ScanError::kNone);
}

TEST(JsonScan, WalksObjectMembers) {
  std::string s = R"({"Records":[{"x":1},{"y":"}"}], "other" : true})";
  std::vector<std::string> keys;
  std::string records;
  auto r = walk_object(s, 0, 10, [&](std::string_view k, size_t b, size_t e) {
    keys.emplace_back(k);
    if (k == "Records") records = s.substr(b, e - b);
    return true;
  });
  EXPECT_EQ(r.error, ScanError::kNone);
  EXPECT_EQ(keys, (std::vector<std::string>{"Records", "other"}));
  EXPECT_EQ(records, R"([{"x":1},{"y":"}"}])");
}

TEST(JsonScan, WalksArrayElementsUpToTruncation) {
  std::string s = R"([{"a":1}, {"b":2} ,{"c":)";
  std::vector<std::string> complete;
  int truncated = 0;
  walk_array(s, 0, 10, [&](size_t b, size_t e, ScanError err) {
    if (err == ScanError::kNone)
      complete.push_back(s.substr(b, e - b));
    else
      ++truncated;
  });
  EXPECT_EQ(complete, (std::vector<std::string>{R"({"a":1})", R"({"b":2})"}));
  EXPECT_EQ(truncated, 1);
}

}  // namespace
}  // namespace trailwarden::formats
