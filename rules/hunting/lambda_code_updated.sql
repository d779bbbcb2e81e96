-- id: aws.hunt.lambda_code_updated
-- title: Lambda function code updated
-- description: Successful UpdateFunctionCode calls made by IAM users, with the function and the caller. Replacing a function's code is a direct way to run attacker code with the function's role and triggers, and deployment pipelines normally run as roles rather than as IAM users, so a user pushing code by hand stands out. Developers testing fixes in non-production accounts are the common benign case.
-- tactics: TA0003, TA0002
-- techniques: T1525, T1648
-- window: 7d
SELECT
  TimeGenerated,
  EventName,
  UserIdentityArn AS Identity,
  UserIdentityUserName AS UserName,
  SourceIpAddress,
  UserAgent,
  RecipientAccountId AS AccountId,
  AWSRegion,
  json_extract_string(RequestParameters, '$.functionName') AS FunctionName,
  coalesce(json_extract_string(ResponseElements, '$.codeSha256'), '') AS CodeSha256,
  json_extract_string(RequestParameters, '$.s3Bucket') AS S3Bucket,
  json_extract_string(RequestParameters, '$.imageUri') AS ImageUri,
  AwsEventId
FROM AWSCloudTrail
WHERE TimeGenerated >= :start AND TimeGenerated < :end
  AND EventSource = 'lambda.amazonaws.com'
  AND EventName LIKE 'UpdateFunctionCode%'
  AND UserIdentityType = 'IAMUser'
  AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
ORDER BY TimeGenerated, AwsEventId
LIMIT 10000
