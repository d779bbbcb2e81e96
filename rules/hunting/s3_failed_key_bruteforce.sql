-- id: aws.hunt.s3_failed_key_bruteforce
-- title: Failed brute force on S3 bucket
-- description: (caller account, address, bucket) groups in which anonymous or external callers had GetObject fail on more than min_keys distinct object keys. Guessing object names in a bucket that is partly public, or whose naming scheme is known, is how exposed data gets harvested. Fix: the reference's stored version kept the successful reads instead of the failed ones; broken links on a public website and crawlers are the usual benign source. Needs S3 data events.
-- tactics: TA0006, TA0009
-- techniques: T1110, T1530
-- window: 1d
-- param: min_keys = 20
-- data: D
SELECT
  min(TimeGenerated) AS FirstSeen,
  max(TimeGenerated) AS LastSeen,
  coalesce(nullif(UserIdentityAccountId, ''), UserIdentityPrincipalid) AS CallerAccountId,
  SourceIpAddress,
  json_extract_string(RequestParameters, '$.bucketName') AS BucketName,
  RecipientAccountId AS AccountId,
  to_json(list(DISTINCT coalesce(nullif(UserIdentityArn, ''), UserIdentityPrincipalid))) AS Identities,
  count(DISTINCT json_extract_string(RequestParameters, '$.key')) AS DistinctKeys,
  count(*) AS FailedReads,
  to_json(list(DISTINCT ErrorCode ORDER BY ErrorCode)) AS ErrorCodes,
  to_json(list(DISTINCT json_extract_string(RequestParameters, '$.key') ORDER BY json_extract_string(RequestParameters, '$.key'))[1:50]) AS SampleKeys,
  to_json(list(AwsEventId ORDER BY TimeGenerated, AwsEventId)[1:50]) AS AwsEventIds
FROM AWSCloudTrail
WHERE TimeGenerated >= :start AND TimeGenerated < :end
  AND EventSource = 's3.amazonaws.com'
  AND EventName = 'GetObject'
  AND (coalesce(ErrorCode, '') <> '' OR coalesce(ErrorMessage, '') <> '')
  AND (UserIdentityAccountId = 'ANONYMOUS_PRINCIPAL'
       OR UserIdentityPrincipalid = 'Anonymous'
       OR UserIdentityAccountId IS DISTINCT FROM RecipientAccountId)
GROUP BY 3, SourceIpAddress, BucketName, AccountId
HAVING count(DISTINCT json_extract_string(RequestParameters, '$.key')) > :min_keys
ORDER BY DistinctKeys DESC, FirstSeen
LIMIT 10000
