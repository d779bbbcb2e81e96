#include "detect/derived/glob.h"

#include <gtest/gtest.h>

#include <cctype>
#include <functional>
#include <random>
#include <string>

namespace trailwarden::detect::derived {
namespace {

TEST(Glob, MatchesWholeActionCaseInsensitively) {
  EXPECT_TRUE(glob_match("iam:Pass*", "iam:PassRole"));
  EXPECT_TRUE(glob_match("IAM:passrole", "iam:PassRole"));
  EXPECT_TRUE(glob_match("*", "iam:PassRole"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("iam:*", "iam:CreateUser"));
  EXPECT_TRUE(glob_match("*:*", "s3:GetObject"));
  EXPECT_TRUE(glob_match("kms:Encr*", "kms:Encrypt"));
  EXPECT_TRUE(glob_match("iam:?assRole", "iam:PassRole"));
  EXPECT_TRUE(glob_match("iam:*Role*", "iam:PassRole"));
  EXPECT_FALSE(glob_match("iam:Pass", "iam:PassRole"));
  EXPECT_FALSE(glob_match("iam:*", "s3:GetObject"));
  EXPECT_FALSE(glob_match("iam:?PassRole", "iam:PassRole"));
  EXPECT_FALSE(glob_match("*:*", "star"));
  EXPECT_FALSE(glob_match("", "x"));
}

TEST(Glob, PrefixAliveForEveryCatalogueForm) {
  for (const char* p : {"*", "svc:*", "svc:Verb*", "svc:VerbX", "svc:Ve*", "SVC:verb", "svc:V?rb*",
                        "*Verb*", "s*:Verb", "svc:VerbX?"}) {
    EXPECT_TRUE(glob_prefix_alive(p, "svc:Verb")) << p;
  }
  for (const char* p : {"svc:Other", "svc:Vx*", "other:*", "svc:Ver", ""}) {
    EXPECT_FALSE(glob_prefix_alive(p, "svc:Verb")) << p;
  }
}

TEST(Glob, CoversPrefixOnlyWhenEveryContinuationMatches) {
  for (const char* p :
       {"svc:Verb*", "svc:*", "*", "svc:V*", "svc:Verb**", "*:*", "svc:Ver*?", "*?"}) {
    EXPECT_TRUE(glob_covers_prefix(p, "svc:Verb")) << p;
  }
  for (const char* p : {"svc:VerbX*", "svc:Verb", "svc:*X", "svc:Verb?", "other:*", "svc:Verb?*"}) {
    EXPECT_FALSE(glob_covers_prefix(p, "svc:Verb")) << p;
  }
}

TEST(Glob, LongPatternsUseTheHeapAndStillWork) {
  std::string p(600, 'a');
  p += '*';
  std::string t(600, 'A');
  EXPECT_TRUE(glob_prefix_alive(p, t));
  EXPECT_TRUE(glob_covers_prefix(p, t));
  EXPECT_TRUE(glob_match(p, t + "zz"));
  EXPECT_FALSE(glob_prefix_alive(p, std::string(599, 'a') + "b"));
}

// A reference matcher by plain recursion, for small inputs. Patterns have at most 5
// characters, so continuations of up to 5 decide "some" and "every" continuation.
bool reference_match(std::string_view p, std::string_view t) {
  if (p.empty()) return t.empty();
  if (p[0] == '*') {
    return reference_match(p.substr(1), t) || (!t.empty() && reference_match(p, t.substr(1)));
  }
  if (t.empty()) return false;
  bool same = p[0] == '?' || std::tolower(static_cast<unsigned char>(p[0])) ==
                                 std::tolower(static_cast<unsigned char>(t[0]));
  return same && reference_match(p.substr(1), t.substr(1));
}

void continuations(std::string& prefix, int len, const std::function<void(const std::string&)>& f) {
  f(prefix);
  if (len == 0) return;
  for (char c : {'a', 'b', 'C', 'z'}) {  // z: a character no pattern holds
    prefix.push_back(c);
    continuations(prefix, len - 1, f);
    prefix.pop_back();
  }
}

TEST(Glob, AgreesWithBruteForceOnRandomPatterns) {
  std::mt19937 rng(7);
  const char alphabet[] = {'a', 'b', 'c', 'A', '*', '?'};
  auto random_string = [&](int max, bool pattern) {
    std::string s;
    int n = static_cast<int>(rng() % (max + 1));
    for (int i = 0; i < n; ++i) s += alphabet[rng() % (pattern ? 6 : 4)];
    return s;
  };
  for (int round = 0; round < 1000; ++round) {
    std::string p = random_string(5, true), t = random_string(4, false);
    ASSERT_EQ(glob_match(p, t), reference_match(p, t)) << p << " / " << t;
    bool alive = false, covers = true;
    std::string x = t;
    continuations(x, 5, [&](const std::string& s) {
      bool m = reference_match(p, s);
      alive = alive || m;
      covers = covers && m;
    });
    ASSERT_EQ(glob_prefix_alive(p, t), alive) << p << " / " << t;
    ASSERT_EQ(glob_covers_prefix(p, t), covers) << p << " / " << t;
  }
}

}  // namespace
}  // namespace trailwarden::detect::derived
