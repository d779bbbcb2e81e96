-- id: aws.hunt.lambda_throttled
-- title: Lambda function throttled
-- description: Successful PutFunctionConcurrency calls that set a function's reserved concurrency to 0, which stops every invocation of it. Setting concurrency to zero is a one-call way to switch off a security-relevant function (an auto-remediation, a log shipper) or to cause an outage. Operators also use it deliberately as an emergency brake; confirm with the function's owner.
-- tactics: TA0040, TA0005
-- techniques: T1499, T1562.001
-- window: 7d
SELECT
  TimeGenerated,
  EventName,
  coalesce(nullif(UserIdentityArn, ''), UserIdentityInvokedBy) AS Identity,
  UserIdentityType AS IdentityType,
  SourceIpAddress,
  UserAgent,
  RecipientAccountId AS AccountId,
  AWSRegion,
  json_extract_string(RequestParameters, '$.functionName') AS FunctionName,
  TRY_CAST(json_extract_string(RequestParameters, '$.reservedConcurrentExecutions') AS BIGINT) AS ReservedConcurrentExecutions,
  AwsEventId
FROM AWSCloudTrail
WHERE TimeGenerated >= :start AND TimeGenerated < :end
  AND EventSource = 'lambda.amazonaws.com'
  AND EventName LIKE 'PutFunctionConcurrency%'
  AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
  AND TRY_CAST(json_extract_string(RequestParameters, '$.reservedConcurrentExecutions') AS BIGINT) = 0
ORDER BY TimeGenerated, AwsEventId
LIMIT 10000
