-- id: aws.hunt.iam_access_denied_discovery
-- title: AWS IAM AccessDenied discovery events
-- description: IAM users that received at least min_denied access-denied errors (errorCode containing AccessDenied, or EC2's UnauthorizedOperation) within one clock hour from one address, excluding calls whose user agent is an AWS service. A burst of refusals is what a stolen key looks like while its holder maps out what it may do. Misconfigured scripts and console pages that read more than the user may see are the common benign cause.
-- tactics: TA0007
-- techniques: T1580, T1087.004
-- window: 1d
-- param: min_denied = 5
SELECT
  date_trunc('hour', TimeGenerated) AS Hour,
  min(TimeGenerated) AS FirstSeen,
  max(TimeGenerated) AS LastSeen,
  UserIdentityArn AS Identity,
  UserIdentityUserName AS UserName,
  SourceIpAddress,
  RecipientAccountId AS AccountId,
  count(*) AS DeniedCalls,
  count(DISTINCT EventName) AS DistinctEventNames,
  to_json(list(DISTINCT EventSource || ':' || EventName ORDER BY EventSource || ':' || EventName)[1:100]) AS Actions,
  to_json(list(DISTINCT UserAgent)[1:20]) AS UserAgents,
  to_json(list(AwsEventId ORDER BY TimeGenerated, AwsEventId)[1:50]) AS AwsEventIds
FROM AWSCloudTrail
WHERE TimeGenerated >= :start AND TimeGenerated < :end
  AND UserIdentityType = 'IAMUser'
  AND (ErrorCode LIKE '%AccessDenied%' OR ErrorCode LIKE '%UnauthorizedOperation%')
  AND NOT (coalesce(UserAgent, '') LIKE '%.amazonaws.com' OR coalesce(UserAgent, '') = 'AWS Internal')
GROUP BY Hour, UserIdentityArn, UserIdentityUserName, SourceIpAddress, RecipientAccountId
HAVING count(*) >= :min_denied
ORDER BY DeniedCalls DESC, FirstSeen
LIMIT 10000
