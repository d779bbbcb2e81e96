-- id: aws.hunt.nacl_ingress_entry_deleted
-- title: Network ACL entry deleted
-- description: Successful DeleteNetworkAclEntry calls that remove an inbound (egress = false) rule from a network ACL. Deleting an inbound deny, or the rule that narrowed which sources may connect, can open a subnet to traffic the ACL used to block. Network ACL clean-ups by network teams are the usual cause.
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
  json_extract_string(RequestParameters, '$.networkAclId') AS NetworkAclId,
  TRY_CAST(json_extract_string(RequestParameters, '$.ruleNumber') AS BIGINT) AS RuleNumber,
  AwsEventId
FROM AWSCloudTrail
WHERE TimeGenerated >= :start AND TimeGenerated < :end
  AND EventSource = 'ec2.amazonaws.com'
  AND EventName = 'DeleteNetworkAclEntry'
  AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
  AND lower(json_extract_string(RequestParameters, '$.egress')) = 'false'
ORDER BY TimeGenerated, AwsEventId
LIMIT 10000
