-- id: aws.hunt.risky_role_name
-- title: Risky role name created
-- description: Successful CreateRole calls whose role name (compared case-insensitively) is on trailwarden's list of names that offensive tools, tutorials and default set-ups use (rules/data/risky_role_names.txt, copied into this query). Attackers creating a backdoor role often pick a generic administrative name, or the name of a well-known cross-account role so that it blends in. The list is trailwarden's own (not Pacu's word list); names such as OrganizationAccountAccessRole are also created legitimately when accounts join an organisation.
-- tactics: TA0003, TA0004
-- techniques: T1136.003, T1098.003
-- window: 30d
-- data: M, E:risky_role_names
WITH risky_role_names(name) AS (VALUES
  -- BEGIN GENERATED from rules/data/risky_role_names.txt by rules/data/inline_data.py
  ('admin'),
  ('admins'),
  ('administrator'),
  ('administrators'),
  ('adminrole'),
  ('admin-role'),
  ('admin_role'),
  ('root'),
  ('rootrole'),
  ('superuser'),
  ('superadmin'),
  ('sysadmin'),
  ('poweruser'),
  ('fullaccess'),
  ('full-access'),
  ('break-glass'),
  ('breakglass'),
  ('emergency-access'),
  ('backdoor'),
  ('persistence'),
  ('pwned'),
  ('hacked'),
  ('hacker'),
  ('attacker'),
  ('pentest'),
  ('pentester'),
  ('pentesting'),
  ('redteam'),
  ('red-team'),
  ('exploit'),
  ('evil'),
  ('c2'),
  ('shell'),
  ('tmp'),
  ('temp'),
  ('temprole'),
  ('test'),
  ('testrole'),
  ('test-role'),
  ('debug'),
  ('OrganizationAccountAccessRole'),
  ('AWSControlTowerExecution'),
  ('AWSCloudFormationStackSetExecutionRole'),
  ('OrganizationFormationBuildAccessRole')
  -- END GENERATED
)
SELECT
  TimeGenerated,
  coalesce(nullif(UserIdentityArn, ''), UserIdentityInvokedBy) AS Identity,
  UserIdentityType AS IdentityType,
  SourceIpAddress,
  UserAgent,
  RecipientAccountId AS AccountId,
  json_extract_string(RequestParameters, '$.roleName') AS RoleName,
  json_extract_string(ResponseElements, '$.role.arn') AS RoleArn,
  json_extract_string(RequestParameters, '$.assumeRolePolicyDocument') AS TrustPolicy,
  AwsEventId
FROM AWSCloudTrail
WHERE TimeGenerated >= :start AND TimeGenerated < :end
  AND EventSource = 'iam.amazonaws.com'
  AND EventName = 'CreateRole'
  AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
  AND lower(json_extract_string(RequestParameters, '$.roleName')) IN (SELECT lower(name) FROM risky_role_names)
ORDER BY TimeGenerated, AwsEventId
LIMIT 10000
