#include "formats/gzip.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace trailwarden::formats {
namespace {

using trailwarden::testing::gzip_bytes;

TEST(Gzip, InflatesOneMember) {
  std::string text(100000, 'x');
  PaddedBuffer out;
  auto r = gunzip(gzip_bytes(text), 1 << 20, out);
  EXPECT_EQ(r.status, InflateStatus::kOk);
  EXPECT_EQ(out.view(), text);
}

TEST(Gzip, InflatesConcatenatedMembers) {
  PaddedBuffer out;
  auto r = gunzip(gzip_bytes("hello ") + gzip_bytes("world"), 1 << 20, out);
  EXPECT_EQ(r.status, InflateStatus::kOk);
  EXPECT_EQ(out.view(), "hello world");
}

TEST(Gzip, TruncatedKeepsThePrefix) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "record " + std::to_string(i) + "\n";
  std::string gz = gzip_bytes(text);
  PaddedBuffer out;
  auto r = gunzip(gz.substr(0, gz.size() / 2), 1 << 24, out);
  EXPECT_EQ(r.status, InflateStatus::kTruncated);
  EXPECT_GT(out.size(), 0u);
  EXPECT_EQ(text.substr(0, out.size()), out.view());
}

TEST(Gzip, CorruptIsReported) {
  std::string gz = gzip_bytes(std::string(5000, 'a') + std::string(5000, 'b'));
  for (size_t i = 12; i < 20; ++i) gz[i] = static_cast<char>(gz[i] ^ 0x5a);
  PaddedBuffer out;
  auto r = gunzip(gz, 1 << 20, out);
  EXPECT_NE(r.status, InflateStatus::kOk);
}

TEST(Gzip, BombIsCapped) {
  std::string gz = gzip_bytes(std::string(50 << 20, '\0'));  // ~50 KB that inflate to 50 MB
  PaddedBuffer out;
  auto r = gunzip(gz, 1 << 20, out);
  EXPECT_EQ(r.status, InflateStatus::kLimit);
  EXPECT_LE(out.size(), size_t{1} << 20);
}

TEST(Gzip, LyingSizeTrailerFallsBackSafely) {
  std::string text(300000, 'y');
  std::string gz = gzip_bytes(text);
  gz[gz.size() - 4] = 10;  // claims 10 bytes (mod 2^32)
  gz[gz.size() - 3] = gz[gz.size() - 2] = gz[gz.size() - 1] = 0;
  PaddedBuffer out;
  auto r = gunzip(gz, 1 << 20, out);
  // zlib checks ISIZE against what it inflated: the stream is flagged, the data is there.
  EXPECT_NE(r.status, InflateStatus::kLimit);
  EXPECT_EQ(out.size(), text.size());
}

}  // namespace
}  // namespace trailwarden::formats
