-- id: aws.hunt.new_assume_role_pair
-- title: Suspicious credential token access of valid IAM roles
-- description: Successful AssumeRole calls in the window whose (role, caller) pair never occurred in the baseline (baseline_days_from to baseline_days_to days before the end of the window). The caller is the invoking service when there is one, otherwise the caller's ARN, so human and workload callers are both compared (the reference looked at the invoking service only, which is empty for most people). A stolen identity assuming roles it never used before stands out here; new deployments, new team members and role renames also do.
-- tactics: TA0004, TA0005, TA0008
-- techniques: T1078.004, T1550.001
-- window: 1d
-- param: baseline_days_from = 14
-- param: baseline_days_to = 2
WITH assumes AS (
  SELECT
    TimeGenerated,
    json_extract_string(RequestParameters, '$.roleArn') AS RoleArn,
    coalesce(nullif(UserIdentityInvokedBy, ''), nullif(UserIdentityArn, ''),
             UserIdentityPrincipalid) AS Caller,
    SourceIpAddress,
    RecipientAccountId AS AccountId,
    json_extract_string(RequestParameters, '$.roleSessionName') AS RoleSessionName,
    AwsEventId
  FROM AWSCloudTrail
  WHERE TimeGenerated >= :end - to_days(:baseline_days_from) AND TimeGenerated < :end
    AND EventSource = 'sts.amazonaws.com'
    AND EventName = 'AssumeRole'
    AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
),
baseline AS (
  SELECT DISTINCT RoleArn, Caller
  FROM assumes
  WHERE TimeGenerated >= :end - to_days(:baseline_days_from)
    AND TimeGenerated < :end - to_days(:baseline_days_to)
)
SELECT
  min(a.TimeGenerated) AS FirstSeen,
  max(a.TimeGenerated) AS LastSeen,
  a.Caller AS Identity,
  a.RoleArn,
  a.AccountId,
  to_json(list(DISTINCT a.SourceIpAddress ORDER BY a.SourceIpAddress)) AS SourceIpAddresses,
  to_json(list(DISTINCT a.RoleSessionName ORDER BY a.RoleSessionName)) AS RoleSessionNames,
  count(*) AS Calls,
  to_json(list(a.AwsEventId ORDER BY a.TimeGenerated, a.AwsEventId)[1:50]) AS AwsEventIds
FROM assumes a
WHERE a.TimeGenerated >= :start AND a.TimeGenerated < :end
  AND NOT EXISTS (SELECT 1 FROM baseline b WHERE b.RoleArn = a.RoleArn AND b.Caller = a.Caller)
GROUP BY a.Caller, a.RoleArn, a.AccountId
ORDER BY FirstSeen, Identity, RoleArn
LIMIT 10000
