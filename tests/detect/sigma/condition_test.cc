#include "detect/sigma/condition.h"

#include <gtest/gtest.h>

namespace trailwarden::detect::sigma {
namespace {

std::string parsed(std::string_view text) {
  auto r = parse_condition(text);
  if (!r) return "error@" + std::to_string(r.error().column) + ": " + r.error().message;
  return to_string(*r);
}

int error_column(std::string_view text) {
  auto r = parse_condition(text);
  return r ? 0 : r.error().column;
}

TEST(SigmaCondition, PrecedenceIsNotThenAndThenOr) {
  EXPECT_EQ(parsed("a or b and not c"), "(or a (and b (not c)))");
  EXPECT_EQ(parsed("not a and b"), "(and (not a) b)");
  EXPECT_EQ(parsed("a and b or c and d"), "(or (and a b) (and c d))");
  EXPECT_EQ(parsed("not a or b"), "(or (not a) b)");
  EXPECT_EQ(parsed("not not a"), "(not (not a))");
  EXPECT_EQ(parsed("(a or b) and c"), "(and (or a b) c)");
  EXPECT_EQ(parsed("not (a or b)"), "(not (or a b))");
  EXPECT_EQ(parsed("a and b and c"), "(and a b c)");
  EXPECT_EQ(parsed("a or (b or c)"), "(or a (or b c))");
  EXPECT_EQ(parsed("  sel  "), "sel");
  EXPECT_EQ(parsed("((sel))"), "sel");
}

TEST(SigmaCondition, Quantifiers) {
  EXPECT_EQ(parsed("1 of selection_*"), "(1-of selection_*)");
  EXPECT_EQ(parsed("any of sel*"), "(1-of sel*)");
  EXPECT_EQ(parsed("all of them"), "(all-of them)");
  EXPECT_EQ(parsed("2 of sel*"), "(2-of sel*)");
  EXPECT_EQ(parsed("sel and not 1 of filter_*"), "(and sel (not (1-of filter_*)))");
  EXPECT_EQ(parsed("1 of sel_* and all of f*"), "(and (1-of sel_*) (all-of f*))");
  EXPECT_EQ(parsed("1 of exact_name"), "(1-of exact_name)");
}

TEST(SigmaCondition, KeywordsAreCaseInsensitiveNamesAreNot) {
  EXPECT_EQ(parsed("A AND NOT b"), "(and A (not b))");
  EXPECT_EQ(parsed("1 OF Them"), "(1-of them)");
  EXPECT_EQ(parsed("Selection-1.x"), "Selection-1.x");
}

TEST(SigmaCondition, ErrorsNameTheColumn) {
  EXPECT_EQ(error_column(""), 1);
  EXPECT_EQ(error_column("a and"), 6);
  EXPECT_EQ(error_column("a b"), 3);
  EXPECT_EQ(error_column("(a or b"), 8);
  EXPECT_EQ(error_column("a)"), 2);
  EXPECT_EQ(error_column("0 of x"), 1);
  EXPECT_EQ(error_column("1 x"), 3);
  EXPECT_EQ(error_column("1 of"), 5);
  EXPECT_EQ(error_column("1 of and"), 6);
  EXPECT_EQ(error_column("a and or b"), 7);
  EXPECT_EQ(error_column("a | count() > 5"), 3);
  EXPECT_EQ(error_column("a & b"), 3);
  EXPECT_EQ(error_column("()"), 2);
  EXPECT_EQ(error_column("not"), 4);
  EXPECT_EQ(error_column("and"), 1);
  EXPECT_NE(parsed("a b").find("'b'"), std::string::npos) << parsed("a b");
  EXPECT_NE(parsed("(a or b").find("column 1"), std::string::npos) << parsed("(a or b");
}

TEST(SigmaCondition, DeepNestingIsAnErrorNotACrash) {
  std::string deep(100000, '(');
  deep += "a";
  EXPECT_GT(error_column(deep), 0);
  std::string nots;
  for (int i = 0; i < 100000; ++i) nots += "not ";
  EXPECT_GT(error_column(nots + "a"), 0);
}

TEST(SigmaCondition, SelectionNamePatterns) {
  EXPECT_TRUE(selection_name_matches("sel*", "selection"));
  EXPECT_TRUE(selection_name_matches("sel*", "sel"));
  EXPECT_TRUE(selection_name_matches("*_main_*", "filter_main_x"));
  EXPECT_FALSE(selection_name_matches("sel*", "Selection"));
  EXPECT_FALSE(selection_name_matches("filter", "filter2"));
  EXPECT_TRUE(selection_name_matches("filter", "filter"));
}

}  // namespace
}  // namespace trailwarden::detect::sigma
