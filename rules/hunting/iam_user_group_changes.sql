-- id: aws.hunt.iam_user_group_changes
-- title: AWS IAM user and group object changes
-- description: Successful creation of IAM users and deletion of IAM users and groups, with the caller and the user or group affected. A new user is a classic persistence step (a login nobody reviews), and deleting users or groups can lock defenders out or remove evidence. Onboarding and offboarding by administrators or identity automation explain most rows.
-- tactics: TA0003, TA0040
-- techniques: T1136.003, T1531
-- window: 7d
SELECT
  TimeGenerated,
  EventName,
  coalesce(nullif(UserIdentityArn, ''), UserIdentityInvokedBy) AS Identity,
  UserIdentityType AS IdentityType,
  SourceIpAddress,
  UserAgent,
  RecipientAccountId AS AccountId,
  coalesce(json_extract_string(RequestParameters, '$.userName'), json_extract_string(RequestParameters, '$.groupName')) AS Target,
  json_extract_string(ResponseElements, '$.user.arn') AS NewUserArn,
  AwsEventId
FROM AWSCloudTrail
WHERE TimeGenerated >= :start AND TimeGenerated < :end
  AND EventSource = 'iam.amazonaws.com'
  AND EventName IN ('CreateUser', 'DeleteUser', 'DeleteGroup')
  AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
ORDER BY TimeGenerated, AwsEventId
LIMIT 10000
