#include "core/text.h"

#include <gtest/gtest.h>

namespace trailwarden {
namespace {

TEST(Text, EscapesTerminalControl) {
  EXPECT_EQ(escape_control("plain"), "plain");
  EXPECT_EQ(escape_control("a\nb\tc\\"), "a\\nb\\tc\\\\");
  EXPECT_EQ(escape_control("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(escape_control("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(escape_control("bad\xff"), "bad\\xff");
  EXPECT_EQ(escape_control("\xc2\x9b"
                           "2J"),
            "\\u{9b}2J");                                      // C1 CSI
  EXPECT_EQ(escape_control("x\xe2\x80\xaey"), "x\\u{202e}y");  // bidi override
}

TEST(Text, JsonStringsAreAlwaysValid) {
  EXPECT_EQ(json_string("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
  EXPECT_EQ(json_string("\x01"), "\"\\u0001\"");
  EXPECT_EQ(json_string("\xff"), "\"\\ufffd\"");
  EXPECT_EQ(json_string("</script>"), "\"\\u003c/script\\u003e\"");
  EXPECT_EQ(json_string("\xe2\x80\xa8"), "\"\\u2028\"");
}

TEST(Text, CsvQuotesWhenNeeded) {
  std::string out;
  append_csv_field(out, "simple");
  out += ',';
  append_csv_field(out, "a,b");
  out += ',';
  append_csv_field(out, "say \"hi\"\n");
  EXPECT_EQ(out, "simple,\"a,b\",\"say \"\"hi\"\"\n\"");
}

TEST(Text, Utf8Validation) {
  EXPECT_EQ(utf8_sequence_length("\xc3\xa9", 0), 2u);
  EXPECT_EQ(utf8_sequence_length("\xc0\x80", 0), 0u);          // overlong
  EXPECT_EQ(utf8_sequence_length("\xed\xa0\x80", 0), 0u);      // surrogate
  EXPECT_EQ(utf8_sequence_length("\xf4\x90\x80\x80", 0), 0u);  // > U+10FFFF
  EXPECT_EQ(sanitize_utf8("ok\xffok"), "ok\\xffok");
  EXPECT_EQ(display_width("\xe6\x97\xa5\xe6\x9c\xac"), 4u);
}

}  // namespace
}  // namespace trailwarden
