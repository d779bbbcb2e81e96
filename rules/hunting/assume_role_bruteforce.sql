-- id: aws.hunt.assume_role_bruteforce
-- title: IAM assume-role brute force
-- description: Callers that, from one address, were refused AssumeRole (errorCode AccessDenied) on more than min_roles distinct role ARNs. Guessing role names across accounts is how tools enumerate cross-account trust and look for a role that lets them in. Fix: the reference compared errorMessage with "AccessDenied" (the code is in errorCode; the message is a sentence) and counted distinct messages, so it could never fire; misconfigured automation retrying a few roles is the usual false positive.
-- tactics: TA0006, TA0007
-- techniques: T1110, T1580
-- window: 1d
-- param: min_roles = 2
SELECT
  min(TimeGenerated) AS FirstSeen,
  max(TimeGenerated) AS LastSeen,
  coalesce(nullif(UserIdentityArn, ''), UserIdentityPrincipalid) AS Identity,
  SourceIpAddress,
  UserIdentityAccountId AS CallerAccountId,
  to_json(list(DISTINCT RecipientAccountId ORDER BY RecipientAccountId)) AS AccountIds,
  count(DISTINCT json_extract_string(RequestParameters, '$.roleArn')) AS DistinctRoles,
  count(*) AS Attempts,
  to_json(list(DISTINCT json_extract_string(RequestParameters, '$.roleArn')
               ORDER BY json_extract_string(RequestParameters, '$.roleArn'))[1:100]) AS RoleArns,
  to_json(list(AwsEventId ORDER BY TimeGenerated, AwsEventId)[1:50]) AS AwsEventIds
FROM AWSCloudTrail
WHERE TimeGenerated >= :start AND TimeGenerated < :end
  AND EventSource = 'sts.amazonaws.com'
  AND EventName = 'AssumeRole'
  AND ErrorCode = 'AccessDenied'
GROUP BY 3, SourceIpAddress, UserIdentityAccountId
HAVING count(DISTINCT json_extract_string(RequestParameters, '$.roleArn')) > :min_roles
ORDER BY DistinctRoles DESC, FirstSeen
LIMIT 10000
