-- id: aws.hunt.subnet_attribute_changes
-- title: Modification of subnet attributes
-- description: Successful ModifySubnetAttribute calls with the attribute that was changed and its new value. Turning on automatic public IP assignment makes every new instance in a private subnet reachable from the internet. Network teams change these settings when building VPCs; a change on a long-lived production subnet is worth a question.
-- tactics: TA0005, TA0001
-- techniques: T1562.007, T1133
-- window: 7d
SELECT
  TimeGenerated,
  coalesce(nullif(UserIdentityArn, ''), UserIdentityInvokedBy) AS Identity,
  SourceIpAddress,
  UserAgent,
  RecipientAccountId AS AccountId,
  AWSRegion,
  json_extract_string(RequestParameters, '$.subnetId') AS SubnetId,
  to_json(list_filter(json_keys(RequestParameters), lambda k: k <> 'subnetId')) AS ChangedAttributes,
  to_json(json_merge_patch(RequestParameters, '{"subnetId": null}')) AS NewValues,
  AwsEventId
FROM AWSCloudTrail
WHERE TimeGenerated >= :start AND TimeGenerated < :end
  AND EventSource = 'ec2.amazonaws.com'
  AND EventName = 'ModifySubnetAttribute'
  AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
ORDER BY TimeGenerated, AwsEventId
LIMIT 10000
