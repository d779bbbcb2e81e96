#include "detect/sigma/strings.h"

#include <gtest/gtest.h>

namespace trailwarden::detect::sigma {
namespace {

StringMatcher m(std::string_view pattern, bool cased = false) {
  return StringMatcher(SigmaString::parse(pattern), cased);
}

TEST(SigmaStrings, PatternsPickTheFastPath) {
  EXPECT_EQ(m("abc").kind(), StringMatcher::Kind::kExact);
  EXPECT_EQ(m("abc*").kind(), StringMatcher::Kind::kPrefix);
  EXPECT_EQ(m("*abc").kind(), StringMatcher::Kind::kSuffix);
  EXPECT_EQ(m("*abc*").kind(), StringMatcher::Kind::kContains);
  EXPECT_EQ(m("**abc**").kind(), StringMatcher::Kind::kContains);
  EXPECT_EQ(m("a*c").kind(), StringMatcher::Kind::kGlob);
  EXPECT_EQ(m("ab?").kind(), StringMatcher::Kind::kGlob);
  EXPECT_EQ(m("*").kind(), StringMatcher::Kind::kAny);
  EXPECT_EQ(m("a\\*").kind(), StringMatcher::Kind::kExact);
  EXPECT_EQ(m("ABC").needle(), "abc");
  EXPECT_EQ(m("ABC", true).needle(), "ABC");
}

TEST(SigmaStrings, Escapes) {
  EXPECT_EQ(SigmaString::parse("a\\*b").plain(), "a*b");
  EXPECT_EQ(SigmaString::parse("a\\?b").plain(), "a?b");
  EXPECT_EQ(SigmaString::parse("a\\\\b").plain(), "a\\b");
  EXPECT_EQ(SigmaString::parse("C:\\Windows").plain(), "C:\\Windows");  // lone backslash
  EXPECT_EQ(SigmaString::parse("a\\\\*").pattern(), "a\\\\*");
  EXPECT_TRUE(m("a\\\\*").match("a\\xyz"));
  EXPECT_FALSE(m("a\\*").match("abc"));
  EXPECT_TRUE(m("a\\*").match("A*"));
}

TEST(SigmaStrings, Matching) {
  EXPECT_TRUE(m("*policy*").match("PutBucketPolicy"));
  EXPECT_FALSE(m("*policy*").match("PutBucket"));
  EXPECT_TRUE(m("").match(""));
  EXPECT_FALSE(m("").match("x"));
  EXPECT_TRUE(m("*").match(""));
  EXPECT_TRUE(m("a*b*c").match("aXbYc"));
  EXPECT_TRUE(m("a*b*c").match("abc"));
  EXPECT_FALSE(m("a*b*c").match("aXbY"));
  EXPECT_TRUE(m("*a*a*a*b").match("aaaaaaaaaaaaaaaaaaaaab"));
  EXPECT_FALSE(m("*a*a*a*b").match("aaaaaaaaaaaaaaaaaaaaaa"));
  EXPECT_TRUE(m("?").match("\xC3\xA9"));  // one character, two bytes
  EXPECT_FALSE(m("?").match("ab"));
  EXPECT_TRUE(m("x?z", true).match("xYz"));
  EXPECT_FALSE(m("X?Z", true).match("xYz"));
}

TEST(SigmaStrings, CaseInsensitiveHelpers) {
  EXPECT_TRUE(icontains("Hello World", "o w"));
  EXPECT_TRUE(icontains("HELLO", "hello"));
  EXPECT_FALSE(icontains("HELL", "hello"));
  EXPECT_TRUE(icontains("abcabd", "abd"));
  EXPECT_TRUE(icontains("xxAbD", "abd"));
  EXPECT_TRUE(istarts_with("StopLogging", "stop"));
  EXPECT_TRUE(iends_with("StopLogging", "logging"));
  EXPECT_FALSE(iends_with("g", "logging"));
}

}  // namespace
}  // namespace trailwarden::detect::sigma
