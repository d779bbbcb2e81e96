-- id: aws.hunt.ec2_launched_without_key_pair
-- title: EC2 instance launched without key pair
-- description: Successful RunInstances calls that name no key pair but pass user data, made by a person or workload rather than by an AWS service. An instance with no SSH key whose behaviour is set entirely by a start-up script is a common way to deploy miners or implants that phone home. Auto Scaling and launch templates (which may carry the key pair and user data themselves) explain many rows; CloudTrail redacts the script, so only its presence is tested.
-- tactics: TA0002, TA0040
-- techniques: T1059, T1496
-- window: 7d
SELECT
  TimeGenerated,
  coalesce(nullif(UserIdentityArn, ''), UserIdentityPrincipalid) AS Identity,
  UserIdentityType AS IdentityType,
  SourceIpAddress,
  UserAgent,
  RecipientAccountId AS AccountId,
  AWSRegion,
  json_extract_string(RequestParameters, '$.instanceType') AS InstanceType,
  coalesce(json_extract_string(RequestParameters, '$.instancesSet.items[0].imageId'),
           json_extract_string(RequestParameters, '$.imageId')) AS ImageId,
  json_extract_string(RequestParameters, '$.launchTemplate.launchTemplateId') AS LaunchTemplateId,
  to_json(json_extract_string(ResponseElements, '$.instancesSet.items[*].instanceId')) AS InstanceIds,
  AwsEventId
FROM AWSCloudTrail
WHERE TimeGenerated >= :start AND TimeGenerated < :end
  AND EventSource = 'ec2.amazonaws.com'
  AND EventName = 'RunInstances'
  AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
  AND coalesce(json_extract_string(RequestParameters, '$.keyName'), '') = ''
  AND json_exists(RequestParameters, '$.userData')
  -- not service-originated: an IP-literal source, no invoking service, not an AWS service identity
  AND (regexp_matches(SourceIpAddress, '^[0-9]{1,3}(\.[0-9]{1,3}){3}$')
       OR regexp_matches(SourceIpAddress, '^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$'))
  AND coalesce(UserIdentityInvokedBy, '') = ''
  AND coalesce(UserIdentityType, '') <> 'AWSService'
ORDER BY TimeGenerated, AwsEventId
LIMIT 10000
