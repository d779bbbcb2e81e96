-- id: aws.hunt.enumeration_burst
-- title: High volume of enumeration events
-- description: (identity, address) pairs that, with the AWS CLI and from a public address outside AWS, called more than min_event_names distinct List*, Describe* or Get* APIs, with the services and regions touched. Attackers with fresh credentials run discovery sweeps from their own machines before anything else. Administrators working from home use the CLI too; AWS addresses are excluded only for the CIDRs passed in aws_cidrs (comma-separated IPv4 prefixes from AWS's ip-ranges.json), because the hunt connection cannot read that file itself; private and reserved addresses are always excluded.
-- tactics: TA0007
-- techniques: T1580, T1526, T1087.004
-- window: 1d
-- param: min_event_names = 3
-- param: aws_cidrs = ''
-- data: M, E:aws_ip_ranges
WITH calls AS (
  SELECT
    TimeGenerated,
    coalesce(nullif(UserIdentityArn, ''), UserIdentityPrincipalid) AS Identity,
    SourceIpAddress,
    RecipientAccountId,
    AWSRegion,
    EventSource,
    EventName,
    AwsEventId,
    CASE WHEN regexp_matches(SourceIpAddress, '^[0-9]{1,3}(\.[0-9]{1,3}){3}$') THEN
      TRY_CAST(split_part(SourceIpAddress, '.', 1) AS BIGINT) * 16777216
      + TRY_CAST(split_part(SourceIpAddress, '.', 2) AS BIGINT) * 65536
      + TRY_CAST(split_part(SourceIpAddress, '.', 3) AS BIGINT) * 256
      + TRY_CAST(split_part(SourceIpAddress, '.', 4) AS BIGINT) END AS Ip4,
    regexp_matches(SourceIpAddress, '^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$') AS IsIp6
  FROM AWSCloudTrail
  WHERE TimeGenerated >= :start AND TimeGenerated < :end
    AND UserAgent LIKE '%aws-cli/%'
    AND (EventName LIKE 'List%' OR EventName LIKE 'Describe%' OR EventName LIKE 'Get%')
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
  SELECT * FROM calls c
  WHERE (c.Ip4 IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM non_public p WHERE c.Ip4 BETWEEN p.lo AND p.hi)
         AND NOT EXISTS (SELECT 1 FROM aws a
                         WHERE (c.Ip4 >> (32 - a.bits)) = (a.net >> (32 - a.bits))))
     OR (c.IsIp6 AND NOT regexp_matches(lower(c.SourceIpAddress), '^(::1$|f[cd]|fe[89ab])'))
)
SELECT
  min(TimeGenerated) AS FirstSeen,
  max(TimeGenerated) AS LastSeen,
  Identity,
  SourceIpAddress,
  to_json(list(DISTINCT RecipientAccountId ORDER BY RecipientAccountId)) AS AccountIds,
  count(DISTINCT EventName) AS DistinctEventNames,
  count(*) AS Calls,
  count(DISTINCT AWSRegion) AS RegionCount,
  to_json(list(DISTINCT EventSource ORDER BY EventSource)) AS Services,
  to_json(list(DISTINCT EventName ORDER BY EventName)[1:100]) AS EventNames,
  to_json(list(AwsEventId ORDER BY TimeGenerated, AwsEventId)[1:50]) AS AwsEventIds
FROM external
GROUP BY Identity, SourceIpAddress
HAVING count(DISTINCT EventName) > :min_event_names
ORDER BY DistinctEventNames DESC, FirstSeen
LIMIT 10000
