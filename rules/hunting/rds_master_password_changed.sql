-- id: aws.hunt.rds_master_password_changed
-- title: RDS master password changed
-- description: Successful ModifyDBCluster and ModifyDBInstance calls that set a new master user password (CloudTrail records only that the parameter was present; the value is redacted). Resetting the master password is a fast way to take over a database without knowing its old credentials, and it also locks out the applications using them. Planned credential rotation, and Secrets Manager rotation in particular, is the usual cause.
-- tactics: TA0003, TA0006
-- techniques: T1098, T1078.004
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
  coalesce(json_extract_string(RequestParameters, '$.dBClusterIdentifier'),
           json_extract_string(RequestParameters, '$.dBInstanceIdentifier')) AS DatabaseIdentifier,
  json_extract_string(RequestParameters, '$.applyImmediately') AS ApplyImmediately,
  AwsEventId
FROM AWSCloudTrail
WHERE TimeGenerated >= :start AND TimeGenerated < :end
  AND EventSource = 'rds.amazonaws.com'
  AND EventName IN ('ModifyDBCluster', 'ModifyDBInstance')
  AND coalesce(ErrorCode, '') = '' AND coalesce(ErrorMessage, '') = ''
  AND json_exists(RequestParameters, '$.masterUserPassword')
ORDER BY TimeGenerated, AwsEventId
LIMIT 10000
