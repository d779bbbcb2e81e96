#include "store/raw_codec.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace trailwarden::store {
namespace {

std::vector<std::string> corpus(int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) {
    v.push_back(trailwarden::testing::make_record("id-" + std::to_string(i * 7919),
                                                  "2024-01-15T00:04:35Z",
                                                  i % 3 ? "GetCallerIdentity" : "ListBuckets"));
  }
  return v;
}

TEST(RawCodec, RoundTripsWithAndWithoutDictionary) {
  auto recs = corpus(500);
  std::vector<std::string_view> samples(recs.begin(), recs.end());
  auto dict = train_raw_dictionary(samples, kFirstDictionaryId);
  ASSERT_TRUE(dict.has_value()) << dict.error().message;
  RawCompressor plain, with_dict;
  with_dict.set_dictionary(&*dict);
  RawDecompressor dec;
  dec.add_dictionary(*dict);
  size_t plain_bytes = 0, dict_bytes = 0;
  for (const auto& r : recs) {
    std::string a, b, back;
    plain.compress(r, a);
    with_dict.compress(r, b);
    plain_bytes += a.size();
    dict_bytes += b.size();
    ASSERT_TRUE(dec.decompress(a, back));
    EXPECT_EQ(back, r);
    ASSERT_TRUE(dec.decompress(b, back));
    EXPECT_EQ(back, r);
  }
  EXPECT_LT(dict_bytes * 2, plain_bytes) << "the dictionary should at least halve the size";
}

TEST(RawCodec, UnknownDictionaryAndGarbageAreErrors) {
  auto recs = corpus(200);
  std::vector<std::string_view> samples(recs.begin(), recs.end());
  auto dict = train_raw_dictionary(samples, kFirstDictionaryId + 5);
  ASSERT_TRUE(dict.has_value());
  RawCompressor c;
  c.set_dictionary(&*dict);
  std::string frame, out;
  c.compress(recs[0], frame);
  RawDecompressor empty;
  auto st = empty.decompress(frame, out);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kCorrupt);
  EXPECT_FALSE(empty.decompress("not a frame at all", out));
  EXPECT_FALSE(empty.decompress("", out));
}

TEST(RawCodec, TooFewSamplesDoNotTrain) {
  std::vector<std::string_view> few = {"{}", "{}"};
  EXPECT_FALSE(train_raw_dictionary(few, kFirstDictionaryId).has_value());
}

}  // namespace
}  // namespace trailwarden::store
