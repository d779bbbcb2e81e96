#include "sources/s3/s3_keys.h"

#include <gtest/gtest.h>

#include "sources/s3/notification.h"

namespace trailwarden::sources::s3 {
namespace {

TEST(S3Keys, AccountTrail) {
  KeyInfo k = classify_key(
      "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/"
      "111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz");
  EXPECT_EQ(k.kind, KeyKind::kCloudTrail);
  EXPECT_EQ(k.account, "111122223333");
  EXPECT_EQ(k.org, "");
  EXPECT_EQ(k.region, "us-east-2");
  EXPECT_EQ(k.partition, "AWSLogs/111122223333/CloudTrail/us-east-2/");
  EXPECT_EQ(k.year, 2015);
  EXPECT_EQ(k.month, 8);
  EXPECT_EQ(k.day, 1);
  EXPECT_EQ(k.delivery_us, int64_t{1438395000} * 1000000);  // 2015-08-01T02:10Z
  EXPECT_EQ(day_folder(key_days(k)), "2015/08/01");
}

TEST(S3Keys, OrgTrailWithBucketPrefix) {
  KeyInfo k = classify_key(
      "central/AWSLogs/o-a1b2c3d4e5/444455556666/CloudTrail/eu-west-1/2024/02/29/"
      "444455556666_CloudTrail_eu-west-1_20240229T2355Z_a1B2c3D4e5F6g7H8.json.gz");
  EXPECT_EQ(k.kind, KeyKind::kCloudTrail);
  EXPECT_EQ(k.org, "o-a1b2c3d4e5");
  EXPECT_EQ(k.account, "444455556666");
  EXPECT_EQ(k.partition, "central/AWSLogs/o-a1b2c3d4e5/444455556666/CloudTrail/eu-west-1/");
}

TEST(S3Keys, GuardDutyDigestAndOthers) {
  KeyInfo gd = classify_key(
      "AWSLogs/567970947422/GuardDuty/us-east-1/2022/10/21/"
      "ec7b0b8c-5ec8-32ec-8e77-c738515b4f6f.jsonl.gz");
  EXPECT_EQ(gd.kind, KeyKind::kGuardDuty);
  EXPECT_EQ(gd.partition, "AWSLogs/567970947422/GuardDuty/us-east-1/");
  EXPECT_EQ(classify_key("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/01/15/"
                         "111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240115T010000Z."
                         "json.gz")
                .kind,
            KeyKind::kDigest);
  for (const char* key :
       {"AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2024/01/15/x.json.gz",
        "AWSLogs/111122223333/Config/us-east-1/2024/1/15/ConfigHistory/x.json.gz",
        "AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/01/15/x.log.gz",
        "AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/15/README.txt",
        "AWSLogs/111122223333/CloudTrail/us-east-1/2024/13/15/"
        "111122223333_CloudTrail_us-east-1_20241315T0005Z_a1B2c3D4e5F6g7H8.json.gz",
        "AWSLogs/11112222333/CloudTrail/us-east-1/2024/01/15/"
        "11112222333_CloudTrail_us-east-1_20240115T0005Z_a1B2c3D4e5F6g7H8.json.gz",
        "AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/15/extra/"
        "111122223333_CloudTrail_us-east-1_20240115T0005Z_a1B2c3D4e5F6g7H8.json.gz",
        "AWSLogs/111122223333/GuardDuty/us-east-1/2024/01/15/.jsonl.gz", "", "AWSLogs/",
        "no/layout/at/all.json.gz"}) {
    EXPECT_EQ(classify_key(key).kind, KeyKind::kIgnored) << key;
  }
}

TEST(S3Keys, PrefixLevels) {
  EXPECT_EQ(classify_prefix("").level, PrefixLevel::kAboveAwsLogs);
  EXPECT_EQ(classify_prefix("central/").level, PrefixLevel::kAboveAwsLogs);
  EXPECT_EQ(classify_prefix("AWSLogs/").level, PrefixLevel::kAccountOrOrg);
  EXPECT_EQ(classify_prefix("AWSLogs/1111").level, PrefixLevel::kAccountOrOrg);
  EXPECT_EQ(classify_prefix("AWSLogs/o-abcdef1234/").level, PrefixLevel::kAccountOrOrg);
  EXPECT_EQ(classify_prefix("AWSLogs/111122223333/").level, PrefixLevel::kService);
  EXPECT_EQ(classify_prefix("AWSLogs/o-abcdef1234/111122223333/").level, PrefixLevel::kService);
  EXPECT_EQ(classify_prefix("AWSLogs/111122223333/CloudTrail/").level, PrefixLevel::kRegion);
  EXPECT_EQ(classify_prefix("AWSLogs/111122223333/GuardDuty/").level, PrefixLevel::kRegion);
  EXPECT_EQ(classify_prefix("AWSLogs/111122223333/CloudTrail-Digest/").level, PrefixLevel::kSkip);
  EXPECT_EQ(classify_prefix("AWSLogs/111122223333/Config/").level, PrefixLevel::kSkip);
  EXPECT_EQ(classify_prefix("AWSLogs/not-an-account/").level, PrefixLevel::kSkip);
  PrefixInfo p = classify_prefix("AWSLogs/111122223333/CloudTrail/us-east-1/2024/");
  EXPECT_EQ(p.level, PrefixLevel::kPartition);
  EXPECT_EQ(p.partition, "AWSLogs/111122223333/CloudTrail/us-east-1/");
}

TEST(S3Keys, Urls) {
  auto u = parse_s3_url("s3://central-logs/AWSLogs/");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->bucket, "central-logs");
  EXPECT_EQ(u->prefix, "AWSLogs/");
  auto bare = parse_s3_url("s3://central-logs");
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->prefix, "");
  EXPECT_FALSE(parse_s3_url("https://x/y").has_value());
  EXPECT_FALSE(parse_s3_url("s3://a/b").has_value());
  EXPECT_FALSE(parse_s3_url("s3://bad bucket/").has_value());
}

TEST(S3Keys, DayFolders) {
  EXPECT_EQ(day_folder(0), "1970/01/01");
  EXPECT_EQ(day_folder(19737), "2024/01/15");
  EXPECT_EQ(day_folder(19782), "2024/02/29");
}

// ---- notifications ----

constexpr std::string_view kS3Event = R"({"Records":[{
  "eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-west-2",
  "eventTime":"2024-01-15T00:05:41.000Z","eventName":"ObjectCreated:Put",
  "s3":{"s3SchemaVersion":"1.0","configurationId":"testConfigRule",
        "bucket":{"name":"mybucket","arn":"arn:aws:s3:::mybucket"},
        "object":{"key":"AWSLogs/red+flower%2B1.json.gz","size":1024,
                  "eTag":"d41d8cd98f00b204e9800998ecf8427e","sequencer":"0055AED6DCD90281E5"}}},
  {"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"mybucket"},"object":{"key":"x"}}}]})";

TEST(S3Notification, RawS3Event) {
  auto n = decode_notification(kS3Event);
  ASSERT_TRUE(n.has_value()) << n.error().to_string();
  EXPECT_EQ(n->kind, NotificationKind::kObjects);
  EXPECT_FALSE(n->sns);
  ASSERT_EQ(n->objects.size(), 1u);
  EXPECT_EQ(n->objects[0].bucket, "mybucket");
  EXPECT_EQ(n->objects[0].key, "AWSLogs/red flower+1.json.gz");
  EXPECT_EQ(n->objects[0].size, 1024);
  EXPECT_EQ(n->objects[0].etag, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(n->objects[0].sequencer, "0055AED6DCD90281E5");
  EXPECT_EQ(n->objects[0].event_name, "ObjectCreated:Put");
  EXPECT_EQ(n->objects[0].event_time_us, 1705277141000000);
  EXPECT_EQ(n->skipped_records, 1);
}

std::string sns_wrap(std::string_view inner) {
  std::string escaped;
  for (char c : inner) {
    if (c == '"' || c == '\\') escaped.push_back('\\');
    if (c == '\n') {
      escaped += "\\n";
      continue;
    }
    escaped.push_back(c);
  }
  return R"({"Type":"Notification","MessageId":"1","TopicArn":"arn:aws:sns:us-east-1:1:t",)"
         R"("Subject":"x","Message":")" +
         escaped + R"(","Timestamp":"2024-01-15T00:05:41.000Z","SignatureVersion":"1"})";
}

TEST(S3Notification, SnsEnvelopes) {
  auto n = decode_notification(sns_wrap(kS3Event));
  ASSERT_TRUE(n.has_value()) << n.error().to_string();
  EXPECT_TRUE(n->sns);
  ASSERT_EQ(n->objects.size(), 1u);
  EXPECT_EQ(n->objects[0].key, "AWSLogs/red flower+1.json.gz");

  auto ct = decode_notification(
      sns_wrap(R"({"s3Bucket":"central","s3ObjectKey":["AWSLogs/a+b.json.gz","AWSLogs/c"]})"));
  ASSERT_TRUE(ct.has_value()) << ct.error().to_string();
  ASSERT_EQ(ct->objects.size(), 2u);
  EXPECT_EQ(ct->objects[0].bucket, "central");
  EXPECT_EQ(ct->objects[0].key, "AWSLogs/a+b.json.gz");  // CloudTrail's keys are not encoded
  EXPECT_EQ(ct->objects[1].key, "AWSLogs/c");

  // An envelope in an envelope is refused, not unwrapped without end.
  EXPECT_FALSE(decode_notification(sns_wrap(sns_wrap(kS3Event))).has_value());
}

TEST(S3Notification, TestEventAndGarbage) {
  auto t = decode_notification(
      R"({"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2024-01-15T00:05:41.000Z",)"
      R"("Bucket":"bucketname","RequestId":"r","HostId":"h"})");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->kind, NotificationKind::kTestEvent);
  EXPECT_TRUE(t->objects.empty());
  for (const char* bad : {"", "[]", "{}", "{\"Records\":{}}", "{\"Records\":[1]}",
                          "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"s3\":{}}]}",
                          "{\"Type\":\"Notification\"}", "{\"s3Bucket\":\"b\"}",
                          "{\"s3Bucket\":\"b\",\"s3ObjectKey\":[1]}", "{\"Records\":[}"}) {
    EXPECT_FALSE(decode_notification(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace trailwarden::sources::s3
