-- id: aws.hunt.root_access_key_created
-- title: New access key created for root
-- description: CreateAccessKey calls made by the account root user, with the outcome and, when it succeeded, the new key id. AWS advises against root access keys altogether, so one appearing usually means either a serious policy breach or an intruder with the root password securing permanent API access. Failed attempts are kept because they show the root credentials are in someone's hands.
-- tactics: TA0003, TA0004
-- techniques: T1098.001, T1078.004
-- window: 30d
SELECT
  TimeGenerated,
  UserIdentityArn AS Identity,
  SourceIpAddress,
  UserAgent,
  RecipientAccountId AS AccountId,
  json_extract_string(ResponseElements, '$.accessKey.accessKeyId') AS NewAccessKeyId,
  CASE WHEN coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = '' THEN 'ok'
       ELSE 'fail' END AS Outcome,
  ErrorCode,
  AwsEventId
FROM AWSCloudTrail
WHERE TimeGenerated >= :start AND TimeGenerated < :end
  AND EventSource = 'iam.amazonaws.com'
  AND EventName = 'CreateAccessKey'
  AND UserIdentityType = 'Root'
ORDER BY TimeGenerated, AwsEventId
LIMIT 10000
