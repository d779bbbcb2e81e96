-- id: aws.hunt.vpc_attribute_changes
-- title: VPC attribute modifications
-- description: Successful ModifyVpcAttribute calls with the attribute that was changed and its new value. Switching DNS support or DNS host names off breaks name resolution for endpoints and monitoring agents, and changing them can redirect how instances resolve AWS services. These settings change rarely outside of VPC construction.
-- tactics: TA0005
-- techniques: T1562.007
-- window: 7d
SELECT
  TimeGenerated,
  coalesce(nullif(UserIdentityArn, ''), UserIdentityInvokedBy) AS Identity,
  SourceIpAddress,
  UserAgent,
  RecipientAccountId AS AccountId,
  AWSRegion,
  json_extract_string(RequestParameters, '$.vpcId') AS VpcId,
  to_json(list_filter(json_keys(RequestParameters), lambda k: k <> 'vpcId')) AS ChangedAttributes,
  to_json(json_merge_patch(RequestParameters, '{"vpcId": null}')) AS NewValues,
  AwsEventId
FROM AWSCloudTrail
WHERE TimeGenerated >= :start AND TimeGenerated < :end
  AND EventSource = 'ec2.amazonaws.com'
  AND EventName = 'ModifyVpcAttribute'
  AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
ORDER BY TimeGenerated, AwsEventId
LIMIT 10000
