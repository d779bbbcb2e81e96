-- id: aws.hunt.route_table_changes
-- title: Route table attribute modifications
-- description: Successful EC2 CreateRoute, DeleteRoute and ReplaceRoute calls, with the route table, the destination and the new target. Re-routing a subnet through an attacker-controlled instance, peering or gateway lets traffic be intercepted or exfiltrated, and deleting routes can cut monitoring off. Network changes by infrastructure pipelines are the usual source; API Gateway's own CreateRoute is excluded by the event source.
-- tactics: TA0005, TA0010
-- techniques: T1562.007, T1599
-- window: 7d
SELECT
  TimeGenerated,
  EventName,
  coalesce(nullif(UserIdentityArn, ''), UserIdentityInvokedBy) AS Identity,
  SourceIpAddress,
  UserAgent,
  RecipientAccountId AS AccountId,
  AWSRegion,
  json_extract_string(RequestParameters, '$.routeTableId') AS RouteTableId,
  coalesce(json_extract_string(RequestParameters, '$.destinationCidrBlock'),
           json_extract_string(RequestParameters, '$.destinationIpv6CidrBlock'),
           json_extract_string(RequestParameters, '$.destinationPrefixListId')) AS Destination,
  coalesce(json_extract_string(RequestParameters, '$.gatewayId'), json_extract_string(RequestParameters, '$.natGatewayId'),
           json_extract_string(RequestParameters, '$.instanceId'), json_extract_string(RequestParameters, '$.networkInterfaceId'),
           json_extract_string(RequestParameters, '$.vpcPeeringConnectionId'), json_extract_string(RequestParameters, '$.transitGatewayId'),
           json_extract_string(RequestParameters, '$.vpcEndpointId')) AS Target,
  AwsEventId
FROM AWSCloudTrail
WHERE TimeGenerated >= :start AND TimeGenerated < :end
  AND EventSource = 'ec2.amazonaws.com'
  AND EventName IN ('CreateRoute', 'DeleteRoute', 'ReplaceRoute')
  AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
ORDER BY TimeGenerated, AwsEventId
LIMIT 10000
