-- id: aws.hunt.ecr_findings_medium
-- title: ECR image scan findings medium
-- description: Container images whose ECR scan results, as returned by DescribeImageScanFindings, report at least one MEDIUM-severity vulnerability, per repository and image digest with the highest count seen and who looked. Lower-severity findings rarely justify an alert but show which images drift out of patch and are worth rebuilding. Only scans someone read through the API appear (CloudTrail records the response of this read call only where it is logged), so an empty result does not mean clean images.
-- tactics: TA0001, TA0002
-- techniques: T1190, T1204.003
-- window: 7d
SELECT
  min(TimeGenerated) AS FirstSeen,
  max(TimeGenerated) AS LastSeen,
  RecipientAccountId AS AccountId,
  AWSRegion,
  coalesce(json_extract_string(ResponseElements, '$.repositoryName'), json_extract_string(RequestParameters, '$.repositoryName')) AS Repository,
  coalesce(json_extract_string(ResponseElements, '$.imageId.imageDigest'), json_extract_string(RequestParameters, '$.imageId.imageDigest')) AS ImageDigest,
  max(TRY_CAST(json_extract_string(ResponseElements, '$.imageScanFindings.findingSeverityCounts.MEDIUM') AS BIGINT)) AS MediumFindings,
  max(TRY_CAST(json_extract_string(ResponseElements, '$.imageScanFindings.findingSeverityCounts.HIGH') AS BIGINT)) AS HighFindings,
  max(TRY_CAST(json_extract_string(ResponseElements, '$.imageScanFindings.findingSeverityCounts.CRITICAL') AS BIGINT)) AS CriticalFindings,
  to_json(list(DISTINCT coalesce(nullif(UserIdentityArn, ''), UserIdentityInvokedBy))) AS Identities,
  count(*) AS Reads,
  to_json(list(AwsEventId ORDER BY TimeGenerated, AwsEventId)[1:50]) AS AwsEventIds
FROM AWSCloudTrail
WHERE TimeGenerated >= :start AND TimeGenerated < :end
  AND EventSource = 'ecr.amazonaws.com'
  AND EventName = 'DescribeImageScanFindings'
  AND TRY_CAST(json_extract_string(ResponseElements, '$.imageScanFindings.findingSeverityCounts.MEDIUM') AS BIGINT) > 0
GROUP BY AccountId, AWSRegion, Repository, ImageDigest
ORDER BY MediumFindings DESC, FirstSeen
LIMIT 10000
