-- id: aws.hunt.s3_encryption_modified
-- title: S3 bucket encryption configuration modified
-- description: Successful PutBucketEncryption calls that name an SSE-KMS key, flagging keys whose ARN belongs to another account, and every successful DeleteBucketEncryption. Pointing a bucket's default encryption at a key the attacker controls is the set-up step of S3 ransomware: new objects become unreadable once the key is withdrawn. Moves to a central key of your organisation's security account also show as another account; confirm the account is yours.
-- tactics: TA0040
-- techniques: T1486
-- window: 7d
WITH calls AS (
  SELECT
    TimeGenerated,
    EventName,
    coalesce(nullif(UserIdentityArn, ''), UserIdentityInvokedBy) AS Identity,
    SourceIpAddress,
    UserAgent,
    RecipientAccountId AS AccountId,
    AWSRegion,
    json_extract_string(RequestParameters, '$.bucketName') AS BucketName,
    coalesce(
      json_extract_string(RequestParameters, '$.ServerSideEncryptionConfiguration.Rule.ApplyServerSideEncryptionByDefault.KMSMasterKeyID'),
      json_extract_string(RequestParameters, '$.ServerSideEncryptionConfiguration.Rule[0].ApplyServerSideEncryptionByDefault.KMSMasterKeyID')) AS KmsKeyId,
    coalesce(
      json_extract_string(RequestParameters, '$.ServerSideEncryptionConfiguration.Rule.ApplyServerSideEncryptionByDefault.SSEAlgorithm'),
      json_extract_string(RequestParameters, '$.ServerSideEncryptionConfiguration.Rule[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm')) AS SseAlgorithm,
    AwsEventId
  FROM AWSCloudTrail
  WHERE TimeGenerated >= :start AND TimeGenerated < :end
    AND EventSource = 's3.amazonaws.com'
    AND EventName IN ('PutBucketEncryption', 'DeleteBucketEncryption')
    AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
)
SELECT
  TimeGenerated,
  EventName,
  Identity,
  SourceIpAddress,
  UserAgent,
  AccountId,
  AWSRegion,
  BucketName,
  SseAlgorithm,
  KmsKeyId,
  CASE WHEN KmsKeyId LIKE 'arn:%:kms:%' THEN split_part(KmsKeyId, ':', 5) END AS KmsKeyAccount,
  coalesce(KmsKeyId LIKE 'arn:%:kms:%' AND split_part(KmsKeyId, ':', 5) <> AccountId, false) AS ForeignKey,
  AwsEventId
FROM calls
WHERE EventName = 'DeleteBucketEncryption' OR coalesce(KmsKeyId, '') <> ''
ORDER BY ForeignKey DESC, TimeGenerated, AwsEventId
LIMIT 10000
