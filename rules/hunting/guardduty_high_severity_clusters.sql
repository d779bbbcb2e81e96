-- id: aws.hunt.guardduty_high_severity_clusters
-- title: GuardDuty — high severity findings by account and actor
-- description: GuardDuty findings of severity min_severity or more, grouped by account, region, threat purpose, affected resource type and actor, keeping groups of at least min_findings findings. The actor is the access key's user, else the Kubernetes user, else the remote address of the finding's action. Several high-severity findings around the same actor usually mean one active intrusion and are the first thing to triage; each finding counts once (its latest update in the window), and sample findings are excluded.
-- tactics: TA0001, TA0004, TA0006
-- techniques: T1078.004
-- window: 7d
-- param: min_severity = 7
-- param: min_findings = 2
-- data: G
WITH findings AS (
  SELECT *,
    coalesce(json_extract_string(ResourceDetails, '$.accessKeyDetails.userName'),
             json_extract_string(ResourceDetails, '$.kubernetesDetails.kubernetesUserDetails.username'),
             json_extract_string(ServiceDetails, '$.action.awsApiCallAction.remoteIpDetails.ipAddressV4'),
             json_extract_string(ServiceDetails, '$.action.kubernetesApiCallAction.remoteIpDetails.ipAddressV4'),
             json_extract_string(ServiceDetails, '$.action.networkConnectionAction.remoteIpDetails.ipAddressV4'),
             json_extract_string(ServiceDetails, '$.action.rdsLoginAttemptAction.remoteIpDetails.ipAddressV4'),
             json_extract_string(ServiceDetails, '$.action.portProbeAction.portProbeDetails[0].remoteIpDetails.ipAddressV4'),
             'unknown') AS Actor
  FROM AWSGuardDuty
  WHERE TimeGenerated >= :start AND TimeGenerated < :end
    AND Severity >= :min_severity
    AND coalesce(json_extract_string(ServiceDetails, '$.additionalInfo.sample'), 'false') <> 'true'
  QUALIFY row_number() OVER (PARTITION BY Id ORDER BY TimeGenerated DESC) = 1
)
SELECT
  min(coalesce(TRY_CAST(json_extract_string(ServiceDetails, '$.eventFirstSeen') AS TIMESTAMP), TimeCreated)) AS FirstSeen,
  max(coalesce(TRY_CAST(json_extract_string(ServiceDetails, '$.eventLastSeen') AS TIMESTAMP), TimeGenerated)) AS LastSeen,
  AccountId,
  Region,
  split_part(ActivityType, ':', 1) AS ThreatPurpose,
  coalesce(json_extract_string(ResourceDetails, '$.resourceType'), '') AS ResourceType,
  Actor,
  count(*) AS Findings,
  max(Severity) AS MaxSeverity,
  to_json(list(DISTINCT ActivityType ORDER BY ActivityType)) AS FindingTypes,
  to_json(list(DISTINCT Title)[1:20]) AS Titles,
  to_json(list(Id ORDER BY Id)[1:100]) AS FindingIds
FROM findings
GROUP BY AccountId, Region, ThreatPurpose, ResourceType, Actor
HAVING count(*) >= :min_findings
ORDER BY MaxSeverity DESC, Findings DESC, FirstSeen
LIMIT 10000
