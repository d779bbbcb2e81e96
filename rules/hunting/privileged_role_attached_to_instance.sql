-- id: aws.hunt.privileged_role_attached_to_instance
-- title: Privileged role attached to instance
-- description: Roles that were given AdministratorAccess, DatabaseAdministrator, NetworkAdministrator, SystemAdministrator or AmazonS3FullAccess within policy_days before the end of the window and that were then added to an instance profile inside the window. Putting a broadly privileged role on an EC2 instance exposes those rights to anything that can reach the instance metadata service (SSRF, a compromised process). Some platform roles are built this way on purpose; confirm the instance really needs the policy.
-- tactics: TA0004, TA0003
-- techniques: T1098.003, T1078.004
-- window: 1d
-- param: policy_days = 14
WITH grants AS (
  SELECT
    RecipientAccountId AS AccountId,
    json_extract_string(RequestParameters, '$.roleName') AS RoleName,
    json_extract_string(RequestParameters, '$.policyArn') AS PolicyArn,
    TimeGenerated AS GrantedAt,
    UserIdentityArn AS GrantedBy,
    AwsEventId AS GrantEventId
  FROM AWSCloudTrail
  WHERE TimeGenerated >= :end - to_days(:policy_days) AND TimeGenerated < :end
    AND EventSource = 'iam.amazonaws.com'
    AND EventName = 'AttachRolePolicy'
    AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
    AND regexp_extract(json_extract_string(RequestParameters, '$.policyArn'), '[^/]+$') IN
        ('AdministratorAccess', 'DatabaseAdministrator', 'NetworkAdministrator',
         'SystemAdministrator', 'AmazonS3FullAccess')
),
adds AS (
  SELECT
    TimeGenerated,
    RecipientAccountId AS AccountId,
    json_extract_string(RequestParameters, '$.roleName') AS RoleName,
    json_extract_string(RequestParameters, '$.instanceProfileName') AS InstanceProfile,
    UserIdentityArn AS Identity,
    SourceIpAddress,
    AWSRegion,
    AwsEventId
  FROM AWSCloudTrail
  WHERE TimeGenerated >= :start AND TimeGenerated < :end
    AND EventSource = 'iam.amazonaws.com'
    AND EventName = 'AddRoleToInstanceProfile'
    AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
)
SELECT
  a.TimeGenerated,
  a.Identity,
  a.SourceIpAddress,
  a.AccountId,
  a.AWSRegion,
  a.RoleName,
  a.InstanceProfile,
  to_json(list(DISTINCT g.PolicyArn ORDER BY g.PolicyArn)) AS PrivilegedPolicies,
  min(g.GrantedAt) AS FirstGrantedAt,
  to_json(list(DISTINCT g.GrantedBy ORDER BY g.GrantedBy)) AS GrantedBy,
  to_json(list(DISTINCT g.GrantEventId ORDER BY g.GrantEventId)) AS GrantEventIds,
  a.AwsEventId
FROM adds a
JOIN grants g ON g.AccountId = a.AccountId AND g.RoleName = a.RoleName
GROUP BY ALL
ORDER BY a.TimeGenerated, a.AwsEventId
LIMIT 10000
