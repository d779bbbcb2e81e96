// ListObjectsV2 parsing, key encoding and decoding, SQS ReceiveMessage parsing: pure parts of
// aws/s3.h and aws/sqs.h.
#include <gtest/gtest.h>

#include "aws/s3.h"
#include "aws/sqs.h"

namespace trailwarden::aws {
namespace {

constexpr std::string_view kPage = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>my-trail-bucket</Name>
  <Prefix>AWSLogs%2F123456789012%2F</Prefix>
  <KeyCount>2</KeyCount>
  <MaxKeys>1000</MaxKeys>
  <EncodingType>url</EncodingType>
  <IsTruncated>true</IsTruncated>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
  <Contents>
    <Key>AWSLogs/123456789012/CloudTrail/us-east-1/2024/01/15/123456789012_CloudTrail_us-east-1_20240115T0005Z_a1B2c3D4e5F6g7H8.json.gz</Key>
    <LastModified>2024-01-15T00:05:41.000Z</LastModified>
    <ETag>"9b2cf535f27731c974343645a3985328"</ETag>
    <Size>2315</Size>
    <StorageClass>STANDARD</StorageClass>
  </Contents>
  <Contents>
    <Key>odd/red+flower%20x%2By%25.json</Key>
    <Size>7</Size>
  </Contents>
  <CommonPrefixes><Prefix>AWSLogs%2Fo-abc%2F</Prefix></CommonPrefixes>
  <CommonPrefixes><Prefix>AWSLogs/111122223333/</Prefix></CommonPrefixes>
</ListBucketResult>)";

TEST(S3Parse, ListObjectsV2PageWithUrlEncoding) {
  auto page = parse_list_objects_v2(kPage, true);
  ASSERT_TRUE(page.has_value()) << page.error().to_string();
  ASSERT_EQ(page->contents.size(), 2u);
  EXPECT_EQ(page->contents[0].key,
            "AWSLogs/123456789012/CloudTrail/us-east-1/2024/01/15/"
            "123456789012_CloudTrail_us-east-1_20240115T0005Z_a1B2c3D4e5F6g7H8.json.gz");
  EXPECT_EQ(page->contents[0].size, 2315);
  EXPECT_EQ(page->contents[0].etag, "\"9b2cf535f27731c974343645a3985328\"");
  EXPECT_EQ(page->contents[0].last_modified_us, 1705277141000000);
  // Percent-decoding only: '+' stays '+' in ListObjectsV2 (it is not form encoding).
  EXPECT_EQ(page->contents[1].key, "odd/red+flower x+y%.json");
  EXPECT_EQ(page->contents[1].last_modified_us, 0);
  ASSERT_EQ(page->common_prefixes.size(), 2u);
  EXPECT_EQ(page->common_prefixes[0], "AWSLogs/o-abc/");
  EXPECT_EQ(page->common_prefixes[1], "AWSLogs/111122223333/");
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
}

TEST(S3Parse, RawKeysWhenNotEncoded) {
  auto page = parse_list_objects_v2(
      "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>a%20b</Key>"
      "<Size>x</Size></Contents></ListBucketResult>",
      false);
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->contents.size(), 1u);
  EXPECT_EQ(page->contents[0].key, "a%20b");
  EXPECT_EQ(page->contents[0].size, 0);  // unparseable size: 0, not garbage
  EXPECT_FALSE(page->truncated);
}

TEST(S3Parse, HostileBodiesAreErrors) {
  EXPECT_FALSE(parse_list_objects_v2("", true).has_value());
  EXPECT_FALSE(parse_list_objects_v2("<Error><Code>AccessDenied</Code></Error>", true));
  EXPECT_FALSE(parse_list_objects_v2("<ListBucketResult><Contents>", true));
  EXPECT_FALSE(
      parse_list_objects_v2("<ListBucketResult><Contents><Key></Key></Contents>"
                            "</ListBucketResult>",
                            true));
  // Truncated without a token would loop forever.
  EXPECT_FALSE(parse_list_objects_v2(
      "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>", true));
}

TEST(S3Parse, UrlDecode) {
  EXPECT_EQ(url_decode("red+flower.jpg", true), "red flower.jpg");
  EXPECT_EQ(url_decode("a%2Bb+c", true), "a+b c");  // '+' first, then %XX
  EXPECT_EQ(url_decode("a%2Bb+c", false), "a+b+c");
  EXPECT_EQ(url_decode("100%", false), "100%");
  EXPECT_EQ(url_decode("%zz%4", false), "%zz%4");
  EXPECT_EQ(url_decode("%e2%82%AC", false), "\xe2\x82\xac");
}

TEST(S3Parse, KeyEncodingKeepsSlashes) {
  EXPECT_EQ(s3_encode_key("AWSLogs/1/a b+c=d~e_f-g.h"), "AWSLogs/1/a%20b%2Bc%3Dd~e_f-g.h");
  EXPECT_EQ(s3_encode_key("\xe2\x82\xac"), "%E2%82%AC");
  for (int c = 0; c < 256; ++c) {
    std::string key(1, static_cast<char>(c));
    EXPECT_EQ(url_decode(s3_encode_key(key), false), key) << c;
  }
}

TEST(S3Parse, VirtualHostedOnlyForDnsNames) {
  EXPECT_TRUE(s3_virtual_host_ok("central-logs"));
  EXPECT_FALSE(s3_virtual_host_ok("my.dotted.bucket"));
  EXPECT_FALSE(s3_virtual_host_ok("Upper"));
  EXPECT_FALSE(s3_virtual_host_ok("ab"));
  EXPECT_FALSE(s3_virtual_host_ok("-leading"));
}

TEST(SqsParse, ReceiveMessage) {
  auto msgs = parse_receive_message(
      R"({"Messages":[{"MessageId":"m1","ReceiptHandle":"rh1","MD5OfBody":"x","Body":"{\"a\":1}",)"
      R"("Attributes":{"SentTimestamp":"1705277141000","ApproximateReceiveCount":"3"}},)"
      R"({"MessageId":"m2","ReceiptHandle":"rh2","Body":""}]})");
  ASSERT_TRUE(msgs.has_value()) << msgs.error().to_string();
  ASSERT_EQ(msgs->size(), 2u);
  EXPECT_EQ((*msgs)[0].body, "{\"a\":1}");
  EXPECT_EQ((*msgs)[0].receipt_handle, "rh1");
  EXPECT_EQ((*msgs)[0].receive_count, 3);
  EXPECT_EQ((*msgs)[0].sent_us, 1705277141000000);
  EXPECT_EQ((*msgs)[1].message_id, "m2");
  EXPECT_EQ((*msgs)[1].receive_count, 0);
}

TEST(SqsParse, NoMessagesAndErrors) {
  auto none = parse_receive_message("{}");
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(parse_receive_message("[]").has_value());
  EXPECT_FALSE(parse_receive_message("{\"Messages\":{}}").has_value());
  EXPECT_FALSE(parse_receive_message("{\"Messages\":[{\"Body\":\"x\"}]}").has_value());
  EXPECT_FALSE(parse_receive_message("nope").has_value());
}

TEST(SqsParse, RegionFromQueueUrl) {
  EXPECT_EQ(sqs_region_from_url("https://sqs.eu-west-1.amazonaws.com/123456789012/q"), "eu-west-1");
  EXPECT_EQ(sqs_region_from_url("http://127.0.0.1:4566/123456789012/q"), "");
  EXPECT_EQ(sqs_region_from_url("https://sqs.us-east-1.evil.example/1/q"), "");
}

}  // namespace
}  // namespace trailwarden::aws
