-- id: aws.hunt.s3_bucket_deleted
-- title: S3 bucket deleted
-- description: Successful DeleteBucket calls with the caller and the bucket. Deleting buckets destroys data and, for buckets that hold logs, evidence; a deleted bucket name can also be re-registered by someone else and receive data meant for you. Tear-down of test stacks is the common benign source.
-- tactics: TA0040, TA0005
-- techniques: T1485, T1070
-- window: 7d
SELECT
  TimeGenerated,
  coalesce(nullif(UserIdentityArn, ''), UserIdentityInvokedBy) AS Identity,
  UserIdentityType AS IdentityType,
  SourceIpAddress,
  UserAgent,
  RecipientAccountId AS AccountId,
  AWSRegion,
  json_extract_string(RequestParameters, '$.bucketName') AS BucketName,
  AwsEventId
FROM AWSCloudTrail
WHERE TimeGenerated >= :start AND TimeGenerated < :end
  AND EventSource = 's3.amazonaws.com'
  AND EventName = 'DeleteBucket'
  AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
ORDER BY TimeGenerated, AwsEventId
LIMIT 10000
