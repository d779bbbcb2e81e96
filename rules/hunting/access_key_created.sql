-- id: aws.hunt.access_key_created
-- title: New access key created to user
-- description: Successful CreateAccessKey calls with the caller, the user the key was made for (the caller itself when no user name is given) and the new key id. A second long-term key on an existing user is a quiet way to keep access after a password reset or session revocation. Key rotation creates keys too; rows where the caller is not the key's owner deserve the closest look.
-- tactics: TA0003, TA0006
-- techniques: T1098.001
-- window: 7d
SELECT
  TimeGenerated,
  coalesce(nullif(UserIdentityArn, ''), UserIdentityInvokedBy) AS Identity,
  UserIdentityType AS IdentityType,
  SourceIpAddress,
  UserAgent,
  RecipientAccountId AS AccountId,
  coalesce(json_extract_string(RequestParameters, '$.userName'), json_extract_string(ResponseElements, '$.accessKey.userName'),
           UserIdentityUserName) AS TargetUser,
  json_extract_string(ResponseElements, '$.accessKey.accessKeyId') AS NewAccessKeyId,
  (json_extract_string(RequestParameters, '$.userName') IS NOT NULL
   AND json_extract_string(RequestParameters, '$.userName') IS DISTINCT FROM UserIdentityUserName) AS CallerIsNotTarget,
  AwsEventId
FROM AWSCloudTrail
WHERE TimeGenerated >= :start AND TimeGenerated < :end
  AND EventSource = 'iam.amazonaws.com'
  AND EventName = 'CreateAccessKey'
  AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
ORDER BY CallerIsNotTarget DESC, TimeGenerated, AwsEventId
LIMIT 10000
