-- id: aws.hunt.s3_versioning_suspended
-- title: S3 bucket versioning suspended
-- description: Successful PutBucketVersioning calls that set the bucket's versioning status to Suspended. Ransomware and destructive actors suspend versioning first so that overwritten or deleted objects cannot be recovered from older versions. Cost clean-ups of non-critical buckets are the usual benign cause.
-- tactics: TA0040, TA0005
-- techniques: T1490, T1485
-- window: 7d
-- data: M
SELECT
  TimeGenerated,
  coalesce(nullif(UserIdentityArn, ''), UserIdentityInvokedBy) AS Identity,
  UserIdentityType AS IdentityType,
  SourceIpAddress,
  UserAgent,
  RecipientAccountId AS AccountId,
  AWSRegion,
  json_extract_string(RequestParameters, '$.bucketName') AS BucketName,
  json_extract_string(RequestParameters, '$.VersioningConfiguration.Status') AS VersioningStatus,
  json_extract_string(RequestParameters, '$.VersioningConfiguration.MfaDelete') AS MfaDelete,
  AwsEventId
FROM AWSCloudTrail
WHERE TimeGenerated >= :start AND TimeGenerated < :end
  AND EventSource = 's3.amazonaws.com'
  AND EventName = 'PutBucketVersioning'
  AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
  AND lower(json_extract_string(RequestParameters, '$.VersioningConfiguration.Status')) = 'suspended'
ORDER BY TimeGenerated, AwsEventId
LIMIT 10000
