-- id: aws.hunt.sts_token_lambda
-- title: Suspicious use of a Lambda function's STS token
-- description: Calls in the window made with role credentials that AWS issued, up to issue_hours before the window, to AWS Lambda (issued by lambda.amazonaws.com to a function's execution role, session name = function name), from a public address outside AWS. A function's credentials sit in its environment variables, so code injection or a leaked environment dump hands them out, and they should never be used from outside AWS. AWS addresses are excluded only for the IPv4 prefixes passed in aws_cidrs (comma-separated, from AWS's ip-ranges.json for the region), because the hunt connection cannot read that file; private and reserved addresses are always excluded. AWS addresses not passed in aws_cidrs (for Lambda, the AMAZON service prefixes of the region) appear as well.
-- tactics: TA0006, TA0005, TA0008
-- techniques: T1552.001, T1550.001, T1078.004
-- window: 30m
-- param: issue_hours = 12
-- param: aws_cidrs = ''
-- data: M, E:aws_ip_ranges
WITH issued AS (
  SELECT
    TimeGenerated AS IssuedAt,
    json_extract_string(ResponseElements, '$.credentials.accessKeyId') AS AccessKeyId,
    json_extract_string(RequestParameters, '$.roleArn') AS RoleArn,
    json_extract_string(RequestParameters, '$.roleSessionName') AS Workload,
    RecipientAccountId AS AccountId,
    AwsEventId AS IssueEventId
  FROM AWSCloudTrail
  WHERE TimeGenerated >= :start - to_hours(:issue_hours) AND TimeGenerated < :end
    AND EventSource = 'sts.amazonaws.com'
    AND EventName = 'AssumeRole'
    AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
    AND (UserIdentityInvokedBy = 'lambda.amazonaws.com' OR SourceIpAddress = 'lambda.amazonaws.com')
    AND coalesce(json_extract_string(ResponseElements, '$.credentials.accessKeyId'), '') <> ''
),
used AS (
  SELECT
    TimeGenerated,
    UserIdentityAccessKeyId AS AccessKeyId,
    coalesce(nullif(UserIdentityArn, ''), UserIdentityPrincipalid) AS Identity,
    SourceIpAddress,
    UserAgent,
    EventSource,
    EventName,
    AWSRegion,
    AwsEventId,
    CASE WHEN regexp_matches(SourceIpAddress, '^[0-9]{1,3}(\.[0-9]{1,3}){3}$') THEN
      TRY_CAST(split_part(SourceIpAddress, '.', 1) AS BIGINT) * 16777216
      + TRY_CAST(split_part(SourceIpAddress, '.', 2) AS BIGINT) * 65536
      + TRY_CAST(split_part(SourceIpAddress, '.', 3) AS BIGINT) * 256
      + TRY_CAST(split_part(SourceIpAddress, '.', 4) AS BIGINT) END AS Ip4,
    regexp_matches(SourceIpAddress, '^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$') AS IsIp6
  FROM AWSCloudTrail
  WHERE TimeGenerated >= :start - to_hours(:issue_hours) AND TimeGenerated < :end
    AND UserIdentityAccessKeyId IN (SELECT AccessKeyId FROM issued)
),
-- What kind of workload each one is, from the user agents of every call made with its keys.
workloads AS (
  SELECT i.AccountId, i.Workload,
         coalesce(bool_or(u.UserAgent ILIKE '%kubernetes%'), false) AS Kubernetes,
         coalesce(bool_or(u.UserAgent ILIKE '%Amazon ECS Agent%'), false) AS EcsAgent
  FROM issued i LEFT JOIN used u ON u.AccessKeyId = i.AccessKeyId
  GROUP BY i.AccountId, i.Workload
),
-- IPv4 ranges that are never a public caller: this network, RFC 1918, loopback, link-local,
-- carrier-grade NAT, multicast and reserved.
non_public(lo, hi) AS (VALUES
  (0, 16777215), (167772160, 184549375), (1681915904, 1686110207),
  (2130706432, 2147483647), (2851995648, 2852061183), (2886729728, 2887778303),
  (3232235520, 3232301055), (3758096384, 4294967295)),
aws(net, bits) AS (
  SELECT TRY_CAST(split_part(c, '.', 1) AS BIGINT) * 16777216
         + TRY_CAST(split_part(c, '.', 2) AS BIGINT) * 65536
         + TRY_CAST(split_part(c, '.', 3) AS BIGINT) * 256
         + TRY_CAST(split_part(split_part(c, '.', 4), '/', 1) AS BIGINT),
         TRY_CAST(split_part(c, '/', 2) AS INTEGER)
  FROM (SELECT trim(unnest(string_split(:aws_cidrs, ','))) AS c)
  WHERE c <> ''),
external AS (
  SELECT * FROM used u
  WHERE u.TimeGenerated >= :start AND u.TimeGenerated < :end
    AND ((u.Ip4 IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM non_public p WHERE u.Ip4 BETWEEN p.lo AND p.hi)
          AND NOT EXISTS (SELECT 1 FROM aws a
                          WHERE (u.Ip4 >> (32 - a.bits)) = (a.net >> (32 - a.bits))))
      OR (u.IsIp6 AND NOT regexp_matches(lower(u.SourceIpAddress), '^(::1$|f[cd]|fe[89ab])')))
)
SELECT
  min(e.TimeGenerated) AS FirstSeen,
  max(e.TimeGenerated) AS LastSeen,
  e.Identity,
  e.SourceIpAddress,
  i.AccountId,
  i.Workload,
  i.RoleArn,
  e.AccessKeyId,
  i.IssuedAt,
  count(*) AS Calls,
  to_json(list(DISTINCT e.AWSRegion ORDER BY e.AWSRegion)) AS Regions,
  to_json(list(DISTINCT e.EventSource || ':' || e.EventName
               ORDER BY e.EventSource || ':' || e.EventName)[1:100]) AS Actions,
  to_json(list(DISTINCT e.UserAgent)[1:20]) AS UserAgents,
  i.IssueEventId,
  to_json(list(e.AwsEventId ORDER BY e.TimeGenerated, e.AwsEventId)[1:50]) AS AwsEventIds
FROM external e
JOIN issued i ON i.AccessKeyId = e.AccessKeyId
JOIN workloads w ON w.AccountId = i.AccountId AND w.Workload = i.Workload
WHERE true
GROUP BY e.Identity, e.SourceIpAddress, i.AccountId, i.Workload, i.RoleArn, e.AccessKeyId,
         i.IssuedAt, i.IssueEventId
ORDER BY FirstSeen, Identity, SourceIpAddress
LIMIT 10000
