-- id: aws.hunt.guardduty_s3_exposure
-- title: GuardDuty — publicly exposed or weakly protected S3 buckets
-- description: GuardDuty S3 findings whose threat purpose is Policy, Exfiltration, Discovery, Impact or Stealth, per bucket, with the bucket's effective public-access state as GuardDuty saw it, the finding types, the actors and caller addresses, the highest severity and first/last sighting. A bucket that GuardDuty reports as public and that also shows anomalous reads or block-public-access changes is the shape of a data leak in progress. Each finding counts once (its latest update in the window); sample findings are excluded.
-- tactics: TA0009, TA0010, TA0005
-- techniques: T1530, T1537
-- window: 30d
-- data: G
WITH findings AS (
  SELECT *,
    json_extract_string(ServiceDetails, '$.action.awsApiCallAction.remoteIpDetails.ipAddressV4') AS CallerIp,
    coalesce(json_extract_string(ResourceDetails, '$.accessKeyDetails.userName'),
             json_extract_string(ResourceDetails, '$.accessKeyDetails.principalId')) AS Actor
  FROM AWSGuardDuty
  WHERE TimeGenerated >= :start AND TimeGenerated < :end
    AND (json_extract_string(ResourceDetails, '$.resourceType') = 'S3Bucket'
         OR json_array_length(ResourceDetails, '$.s3BucketDetails') > 0)
    AND split_part(ActivityType, ':', 1) IN ('Policy', 'Exfiltration', 'Discovery', 'Impact', 'Stealth')
    AND coalesce(json_extract_string(ServiceDetails, '$.additionalInfo.sample'), 'false') <> 'true'
  QUALIFY row_number() OVER (PARTITION BY Id ORDER BY TimeGenerated DESC) = 1
),
buckets AS (
  SELECT *, unnest(json_extract(ResourceDetails, '$.s3BucketDetails[*]')) AS Bucket
  FROM findings
)
SELECT
  min(coalesce(TRY_CAST(json_extract_string(ServiceDetails, '$.eventFirstSeen') AS TIMESTAMP), TimeCreated)) AS FirstSeen,
  max(coalesce(TRY_CAST(json_extract_string(ServiceDetails, '$.eventLastSeen') AS TIMESTAMP), TimeGenerated)) AS LastSeen,
  AccountId,
  Region,
  json_extract_string(Bucket, '$.name') AS BucketName,
  to_json(coalesce(list(DISTINCT json_extract_string(Bucket, '$.publicAccess.effectivePermission'))
          FILTER (WHERE json_extract_string(Bucket, '$.publicAccess.effectivePermission') IS NOT NULL), [])) AS EffectivePermission,
  any_value(json_extract(Bucket, '$.publicAccess.permissionConfiguration.bucketLevelPermissions.blockPublicAccess')) AS BucketBlockPublicAccess,
  any_value(json_extract(Bucket, '$.publicAccess.permissionConfiguration.accountLevelPermissions.blockPublicAccess')) AS AccountBlockPublicAccess,
  count(*) AS Findings,
  max(Severity) AS MaxSeverity,
  to_json(list(DISTINCT ActivityType ORDER BY ActivityType)) AS FindingTypes,
  to_json(coalesce(list(DISTINCT Actor) FILTER (WHERE Actor IS NOT NULL), [])) AS Actors,
  to_json(coalesce(list(DISTINCT CallerIp) FILTER (WHERE CallerIp IS NOT NULL), [])) AS SourceIpAddresses,
  to_json(list(Id ORDER BY Id)[1:100]) AS FindingIds
FROM buckets
GROUP BY AccountId, Region, BucketName
ORDER BY MaxSeverity DESC, FirstSeen
LIMIT 10000
