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
