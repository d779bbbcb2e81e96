-- id: aws.hunt.policy_version_wildcard
-- title: CreatePolicyVersion with excessive permissions
-- description: Successful CreatePolicyVersion calls whose new document has an Allow statement with a wildcard in any of its actions (for example "*", "iam:*" or "s3:Get*"), listing those actions and whether the version was made the default. Writing a new, broader version of a policy already attached to oneself is a well-known privilege-escalation path that needs only iam:CreatePolicyVersion. The reference looked at the first action of the first statement only; statements may be an object or a list, actions a string or a list, and the document a JSON object, a JSON string or a URL-encoded string, and all of these are read here. Wildcards for read-only families are common in legitimate policies; look at which services they cover.
-- tactics: TA0004, TA0003
-- techniques: T1098.003, T1484
-- window: 7d
WITH calls AS (
  SELECT
    TimeGenerated,
    coalesce(nullif(UserIdentityArn, ''), UserIdentityInvokedBy) AS Identity,
    SourceIpAddress,
    UserAgent,
    RecipientAccountId AS AccountId,
    json_extract_string(RequestParameters, '$.policyArn') AS PolicyArn,
    json_extract_string(RequestParameters, '$.setAsDefault') AS SetAsDefault,
    json_extract_string(ResponseElements, '$.policyVersion.versionId') AS VersionId,
    AwsEventId,
    json_extract(RequestParameters, '$.policyDocument') AS RawDoc
  FROM AWSCloudTrail
  WHERE TimeGenerated >= :start AND TimeGenerated < :end
    AND EventSource = 'iam.amazonaws.com'
    AND EventName = 'CreatePolicyVersion'
    AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
),
docs AS (
  SELECT *,
    CASE
      WHEN json_type(RawDoc) = 'OBJECT' THEN RawDoc
      WHEN json_type(RawDoc) = 'VARCHAR' AND json_valid(json_extract_string(RawDoc, '$'))
           AND json_type(json(json_extract_string(RawDoc, '$'))) = 'OBJECT' THEN json(json_extract_string(RawDoc, '$'))
      WHEN json_type(RawDoc) = 'VARCHAR' AND json_valid(url_decode(json_extract_string(RawDoc, '$')))
           AND json_type(json(url_decode(json_extract_string(RawDoc, '$')))) = 'OBJECT' THEN json(url_decode(json_extract_string(RawDoc, '$')))
    END AS Doc
  FROM calls
),
statements AS (
  SELECT *,
    unnest(CASE WHEN json_type(Doc, '$.Statement') = 'ARRAY' THEN json_extract(Doc, '$.Statement[*]')
                ELSE [json_extract(Doc, '$.Statement')] END) AS Stmt
  FROM docs
  WHERE Doc IS NOT NULL
),
allow_actions AS (
  SELECT *,
    CASE WHEN json_type(Stmt, '$.Action') = 'ARRAY' THEN json_extract_string(Stmt, '$.Action[*]')
         ELSE [json_extract_string(Stmt, '$.Action')] END AS Actions
  FROM statements
  WHERE lower(json_extract_string(Stmt, '$.Effect')) = 'allow'
)
SELECT
  TimeGenerated,
  Identity,
  SourceIpAddress,
  UserAgent,
  AccountId,
  PolicyArn,
  VersionId,
  SetAsDefault,
  to_json(list_sort(list_distinct(flatten(list(list_filter(Actions, lambda a: contains(a, '*'))))))) AS WildcardActions,
  AwsEventId
FROM allow_actions
GROUP BY ALL
HAVING len(flatten(list(list_filter(Actions, lambda a: contains(a, '*'))))) > 0
ORDER BY TimeGenerated, AwsEventId
LIMIT 10000
