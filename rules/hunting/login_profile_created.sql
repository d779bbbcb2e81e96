-- id: aws.hunt.login_profile_created
-- title: IAM CreateLoginProfile activity
-- description: Successful CreateLoginProfile calls, which give an IAM user a console password, with the caller and the user; rows where the caller gave a password to someone else come first. An intruder holding only API keys adds a console password to a user to get an interactive foothold that survives key deletion. Help-desk onboarding of new console users is the usual benign source.
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
  AND EventName = 'CreateLoginProfile'
  AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
ORDER BY CallerIsNotTarget DESC, TimeGenerated, AwsEventId
LIMIT 10000
