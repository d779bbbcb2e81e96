-- id: aws.hunt.iam_policy_changes
-- title: Changes made to AWS IAM policy
-- description: Every call that attaches, detaches, writes or deletes a policy on an IAM user, group or role, and every creation or deletion of a managed policy or policy version (plus SetDefaultPolicyVersion, which switches the version in force), with caller, target and outcome. Policy changes are how an intruder grants itself rights or removes a guard rail, and failed attempts show someone probing what they may change. Infrastructure-as-code pipelines and administrators produce most of these rows; look for unfamiliar callers, addresses and targets.
-- tactics: TA0003, TA0004, TA0005
-- techniques: T1098, T1484
-- window: 7d
SELECT
  TimeGenerated,
  EventName,
  coalesce(nullif(UserIdentityArn, ''), UserIdentityInvokedBy) AS Identity,
  UserIdentityType AS IdentityType,
  SourceIpAddress,
  RecipientAccountId AS AccountId,
  AWSRegion,
  coalesce(json_extract_string(RequestParameters, '$.userName'), json_extract_string(RequestParameters, '$.groupName'),
           json_extract_string(RequestParameters, '$.roleName')) AS TargetPrincipal,
  coalesce(json_extract_string(RequestParameters, '$.policyArn'), json_extract_string(ResponseElements, '$.policy.arn'),
           json_extract_string(RequestParameters, '$.policyName')) AS Policy,
  coalesce(json_extract_string(RequestParameters, '$.versionId'),
           json_extract_string(ResponseElements, '$.policyVersion.versionId')) AS PolicyVersion,
  CASE WHEN coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = '' THEN 'ok'
       ELSE 'fail' END AS Outcome,
  ErrorCode,
  AwsEventId
FROM AWSCloudTrail
WHERE TimeGenerated >= :start AND TimeGenerated < :end
  AND EventSource = 'iam.amazonaws.com'
  AND EventName IN ('AttachUserPolicy', 'AttachGroupPolicy', 'AttachRolePolicy',
                    'DetachUserPolicy', 'DetachGroupPolicy', 'DetachRolePolicy',
                    'PutUserPolicy', 'PutGroupPolicy', 'PutRolePolicy',
                    'DeleteUserPolicy', 'DeleteGroupPolicy', 'DeleteRolePolicy',
                    'CreatePolicy', 'DeletePolicy', 'CreatePolicyVersion',
                    'DeletePolicyVersion', 'SetDefaultPolicyVersion')
ORDER BY TimeGenerated, AwsEventId
LIMIT 10000
