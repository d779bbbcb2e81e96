-- id: aws.hunt.unused_regions
-- title: Unused or unsupported cloud regions
-- description: (account, region) pairs with activity in the window but no events at all in the baseline (baseline_days_from to baseline_days_to days before the end of the window), with the event names and source addresses seen. Intruders launch miners or stage resources in regions nobody watches, and abuse of a disabled or newly enabled region shows up this way. A first deployment to a new region, or a baseline shorter than the data you hold, also produces rows.
-- tactics: TA0005, TA0040
-- techniques: T1535, T1496
-- window: 1d
-- param: baseline_days_from = 14
-- param: baseline_days_to = 2
WITH recent AS (
  SELECT RecipientAccountId AS AccountId, AWSRegion, TimeGenerated, EventName,
         SourceIpAddress, coalesce(nullif(UserIdentityArn, ''), UserIdentityInvokedBy) AS Identity,
         AwsEventId
  FROM AWSCloudTrail
  WHERE TimeGenerated >= :start AND TimeGenerated < :end
),
baseline AS (
  SELECT DISTINCT RecipientAccountId AS AccountId, AWSRegion
  FROM AWSCloudTrail
  WHERE TimeGenerated >= :end - to_days(:baseline_days_from)
    AND TimeGenerated < :end - to_days(:baseline_days_to)
)
SELECT
  min(r.TimeGenerated) AS FirstSeen,
  max(r.TimeGenerated) AS LastSeen,
  r.AccountId,
  r.AWSRegion,
  count(*) AS Events,
  to_json(list(DISTINCT r.EventName ORDER BY r.EventName)[1:100]) AS EventNames,
  to_json(list(DISTINCT r.SourceIpAddress ORDER BY r.SourceIpAddress)[1:100]) AS SourceIpAddresses,
  to_json(list(DISTINCT r.Identity ORDER BY r.Identity)[1:100]) AS Identities,
  to_json(list(r.AwsEventId ORDER BY r.TimeGenerated, r.AwsEventId)[1:50]) AS AwsEventIds
FROM recent r
WHERE NOT EXISTS (SELECT 1 FROM baseline b
                  WHERE b.AccountId IS NOT DISTINCT FROM r.AccountId
                    AND b.AWSRegion IS NOT DISTINCT FROM r.AWSRegion)
GROUP BY r.AccountId, r.AWSRegion
ORDER BY FirstSeen, AccountId, AWSRegion
LIMIT 10000
