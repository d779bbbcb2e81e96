-- id: aws.hunt.lambda_layer_external_account
-- title: Lambda layer imported from external account
-- description: Successful CreateFunction and UpdateFunctionConfiguration calls that attach a layer published by an account other than the function's own and not on the list of AWS-owned layer publishers (rules/data/aws_layer_accounts.txt, copied into this query). A layer's code runs inside the function with the function's role, so a layer from an unknown account is a supply-chain and backdoor risk. Layers from vendors you use (monitoring agents) and from your organisation's other accounts will appear; the AWS list is short and deliberately incomplete.
-- tactics: TA0003, TA0002
-- techniques: T1525, T1195.002
-- window: 7d
-- data: M, E:aws_layer_accounts
WITH aws_layer_accounts(account) AS (VALUES
  -- BEGIN GENERATED from rules/data/aws_layer_accounts.txt by rules/data/inline_data.py
  ('580247275435'),
  ('012438385374'),
  ('519774774795'),
  ('194566237122'),
  ('891564319516'),
  ('439286490199'),
  ('033019950311'),
  ('339249233099'),
  ('352183217350'),
  ('732604637566'),
  ('285320876703'),
  ('488211338238'),
  ('901920570463'),
  ('615299751070'),
  ('904233096616'),
  ('888577020596'),
  ('796973505492'),
  ('039612877180'),
  ('713881805771'),
  ('152034782359'),
  ('980416031188'),
  ('156041407956')
  -- END GENERATED
),
calls AS (
  SELECT
    TimeGenerated,
    EventName,
    coalesce(nullif(UserIdentityArn, ''), UserIdentityInvokedBy) AS Identity,
    SourceIpAddress,
    UserAgent,
    RecipientAccountId AS AccountId,
    AWSRegion,
    coalesce(json_extract_string(RequestParameters, '$.functionName'), json_extract_string(ResponseElements, '$.functionName')) AS FunctionName,
    AwsEventId,
    unnest(json_extract_string(RequestParameters, '$.layers[*]')) AS LayerItem
  FROM AWSCloudTrail
  WHERE TimeGenerated >= :start AND TimeGenerated < :end
    AND EventSource = 'lambda.amazonaws.com'
    AND (EventName LIKE 'CreateFunction%' OR EventName LIKE 'UpdateFunctionConfiguration%')
    AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
),
layers AS (
  -- A layer is an ARN string in the request; accept {"arn": ...} objects too.
  SELECT *,
         CASE WHEN LayerItem LIKE '{%' THEN json_extract_string(LayerItem, '$.arn')
              ELSE LayerItem END AS LayerArn
  FROM calls
)
SELECT
  TimeGenerated,
  EventName,
  Identity,
  SourceIpAddress,
  UserAgent,
  AccountId,
  AWSRegion,
  FunctionName,
  to_json(list(LayerArn ORDER BY LayerArn)) AS ExternalLayers,
  to_json(list(DISTINCT split_part(LayerArn, ':', 5) ORDER BY split_part(LayerArn, ':', 5))) AS LayerAccounts,
  AwsEventId
FROM layers
WHERE split_part(LayerArn, ':', 5) <> AccountId
  AND split_part(LayerArn, ':', 5) NOT IN (SELECT account FROM aws_layer_accounts)
GROUP BY ALL
ORDER BY TimeGenerated, AwsEventId
LIMIT 10000
