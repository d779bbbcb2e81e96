-- id: aws.hunt.instance_profile_role_swap
-- title: IAM privilege escalation by instance-profile attachment
-- description: Instance profiles from which one identity, from one address and region, removed a role and then, within max_gap_hours, added a role. Swapping the role in a profile that is attached to a running instance hands that instance (and whoever controls it) the new role's rights without touching the instance itself. Planned role migrations by administrators produce the same pair; check whether the added role is more privileged than the removed one.
-- tactics: TA0004, TA0003
-- techniques: T1098.003, T1078.004
-- window: 7d
-- param: max_gap_hours = 24
WITH ops AS (
  SELECT
    TimeGenerated,
    EventName,
    UserIdentityArn AS Identity,
    SourceIpAddress,
    AWSRegion,
    RecipientAccountId AS AccountId,
    json_extract_string(RequestParameters, '$.instanceProfileName') AS InstanceProfile,
    json_extract_string(RequestParameters, '$.roleName') AS RoleName,
    AwsEventId
  FROM AWSCloudTrail
  WHERE TimeGenerated >= :start AND TimeGenerated < :end
    AND EventSource = 'iam.amazonaws.com'
    AND EventName IN ('RemoveRoleFromInstanceProfile', 'AddRoleToInstanceProfile')
    AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
)
SELECT
  r.TimeGenerated AS FirstSeen,
  a.TimeGenerated AS LastSeen,
  r.Identity,
  r.SourceIpAddress,
  r.AccountId,
  r.AWSRegion,
  r.InstanceProfile,
  r.RoleName AS RemovedRole,
  a.RoleName AS AddedRole,
  date_diff('minute', r.TimeGenerated, a.TimeGenerated) AS MinutesBetween,
  r.AwsEventId AS RemoveEventId,
  a.AwsEventId AS AddEventId
FROM ops r
JOIN ops a
  ON r.EventName = 'RemoveRoleFromInstanceProfile'
 AND a.EventName = 'AddRoleToInstanceProfile'
 AND a.InstanceProfile = r.InstanceProfile
 AND a.AccountId = r.AccountId
 AND a.Identity = r.Identity
 AND a.SourceIpAddress = r.SourceIpAddress
 AND a.AWSRegion = r.AWSRegion
 AND a.TimeGenerated >= r.TimeGenerated
 AND a.TimeGenerated <= r.TimeGenerated + to_hours(:max_gap_hours)
ORDER BY FirstSeen, RemoveEventId, AddEventId
LIMIT 10000
