#include "sources/file/file_source.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "test_util.h"

namespace trailwarden::sources {
namespace {

TEST(FileSource, WalksRecursivelyInStableOrderAndSkipsSpecialFiles) {
  trailwarden::testing::TempDir dir;
  dir.write("b/2.json", "{}");
  dir.write("a/z.json", "{}");
  dir.write("a/sub/y.json.gz", "x");
  dir.write("c.jsonl", "");
  ::mkfifo((dir.path() / "a/fifo").c_str(), 0644);
  std::filesystem::create_directory_symlink(dir.path() / "a", dir.path() / "a/loop");
  auto l = FileSource::list({dir.str()});
  ASSERT_TRUE(l.has_value());
  std::vector<std::string> names;
  for (const auto& f : l->files) {
    names.push_back(std::filesystem::relative(f.path, dir.path()).string());
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"a/sub/y.json.gz", "a/z.json", "b/2.json", "c.jsonl"}));
}

TEST(FileSource, CloudTrailFilesInDeliveryTimeOrderAcrossAccountsAndRegions) {
  trailwarden::testing::TempDir dir;
  const std::string a = "AWSLogs/111122223333/CloudTrail/";
  const std::string b = "AWSLogs/444455556666/CloudTrail/";
  dir.write(a + "us-east-1/2024/01/02/111122223333_CloudTrail_us-east-1_20240102T0010Z_x.json.gz",
            "x");
  dir.write(a + "us-east-1/2024/01/01/111122223333_CloudTrail_us-east-1_20240101T2355Z_x.json.gz",
            "x");
  dir.write(a + "eu-west-1/2024/01/01/111122223333_CloudTrail_eu-west-1_20240101T0005Z_x.json.gz",
            "x");
  dir.write(b + "us-east-1/2024/01/01/444455556666_CloudTrail_us-east-1_20240101T1200Z_x.json.gz",
            "x");
  dir.write("notes/other.json", "{}");
  auto l = FileSource::list({dir.str()});
  ASSERT_TRUE(l.has_value());
  std::vector<std::string> times;
  for (const auto& f : l->files) times.emplace_back(FileSource::delivery_time_in_name(f.path));
  EXPECT_EQ(times, (std::vector<std::string>{"", "20240101T0005Z", "20240101T1200Z",
                                             "20240101T2355Z", "20240102T0010Z"}));
  EXPECT_EQ(FileSource::delivery_time_in_name("x_CloudTrail_us-east-1_2024010XT0010Z_y.json"), "");
  EXPECT_EQ(
      FileSource::delivery_time_in_name("CloudTrail-Digest/x_CloudTrail-Digest_r_20240101T0010Z_y"),
      "");
}

TEST(FileSource, MissingPathIsAnError) {
  auto l = FileSource::list({"/definitely/not/here"});
  ASSERT_FALSE(l.has_value());
  EXPECT_EQ(l.error().code, ErrorCode::kNotFound);
}

TEST(FileSource, ReadRespectsTheLimit) {
  trailwarden::testing::TempDir dir;
  std::string p = dir.write("f", std::string(1000, 'a'));
  formats::PaddedBuffer buf;
  EXPECT_TRUE(FileSource::read({p, 1000}, 1000, buf));
  EXPECT_EQ(buf.size(), 1000u);
  EXPECT_FALSE(FileSource::read({p, 1000}, 999, buf));
}

}  // namespace
}  // namespace trailwarden::sources
