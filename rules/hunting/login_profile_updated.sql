-- id: aws.hunt.login_profile_updated
-- title: IAM login profile updated
-- description: Successful UpdateLoginProfile calls, which change an IAM user's console password settings, with caller and user; rows where someone changed another user's password come first. Resetting another user's password takes over that user's console access and locks its owner out. Administrators resetting forgotten passwords explain most rows where the caller differs.
-- tactics: TA0003, TA0004
-- techniques: T1098
-- window: 7d
SELECT
  TimeGenerated,
  coalesce(nullif(UserIdentityArn, ''), UserIdentityInvokedBy) AS Identity,
  UserIdentityType AS IdentityType,
  SourceIpAddress,
  UserAgent,
  RecipientAccountId AS AccountId,
  json_extract_string(RequestParameters, '$.userName') AS TargetUser,
  json_extract_string(RequestParameters, '$.passwordResetRequired') AS PasswordResetRequired,
  (json_extract_string(RequestParameters, '$.userName') IS DISTINCT FROM UserIdentityUserName) AS CallerIsNotTarget,
  AwsEventId
FROM AWSCloudTrail
WHERE TimeGenerated >= :start AND TimeGenerated < :end
  AND EventSource = 'iam.amazonaws.com'
  AND EventName = 'UpdateLoginProfile'
  AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
ORDER BY CallerIsNotTarget DESC, TimeGenerated, AwsEventId
LIMIT 10000
