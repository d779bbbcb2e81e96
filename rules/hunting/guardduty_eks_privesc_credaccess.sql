-- id: aws.hunt.guardduty_eks_privesc_credaccess
-- title: GuardDuty — EKS privilege escalation and credential access
-- description: GuardDuty findings whose type mentions Kubernetes or InstanceCredentialExfiltration, grouped by account, region, threat purpose, EKS cluster and identity, with finding and occurrence counts, finding types, workloads, namespaces, caller addresses, the highest severity and first/last sighting. Kubernetes abuse and stolen instance credentials are usually reported as several related findings; seeing them together per cluster and identity shows one intrusion instead of a dozen alerts. Each finding is counted once, in its latest update inside the window; sample findings (service.additionalInfo.sample = true) are excluded.
-- tactics: TA0004, TA0006
-- techniques: T1611, T1552.005, T1078.004
-- window: 7d
-- data: G
WITH findings AS (
  SELECT *,
    coalesce(json_extract_string(ServiceDetails, '$.action.kubernetesApiCallAction.remoteIpDetails.ipAddressV4'),
             json_extract_string(ServiceDetails, '$.action.awsApiCallAction.remoteIpDetails.ipAddressV4'),
             json_extract_string(ServiceDetails, '$.action.networkConnectionAction.remoteIpDetails.ipAddressV4')) AS CallerIp
  FROM AWSGuardDuty
  WHERE TimeGenerated >= :start AND TimeGenerated < :end
    AND (ActivityType ILIKE '%Kubernetes%' OR ActivityType ILIKE '%InstanceCredentialExfiltration%')
    AND coalesce(json_extract_string(ServiceDetails, '$.additionalInfo.sample'), 'false') <> 'true'
  QUALIFY row_number() OVER (PARTITION BY Id ORDER BY TimeGenerated DESC) = 1
)
SELECT
  min(coalesce(TRY_CAST(json_extract_string(ServiceDetails, '$.eventFirstSeen') AS TIMESTAMP), TimeCreated)) AS FirstSeen,
  max(coalesce(TRY_CAST(json_extract_string(ServiceDetails, '$.eventLastSeen') AS TIMESTAMP), TimeGenerated)) AS LastSeen,
  AccountId,
  Region,
  split_part(ActivityType, ':', 1) AS ThreatPurpose,
  coalesce(json_extract_string(ResourceDetails, '$.eksClusterDetails.name'), '') AS Cluster,
  coalesce(json_extract_string(ResourceDetails, '$.kubernetesDetails.kubernetesUserDetails.username'),
           json_extract_string(ResourceDetails, '$.accessKeyDetails.userName'),
           json_extract_string(ResourceDetails, '$.accessKeyDetails.principalId'), '') AS Identity,
  count(*) AS Findings,
  sum(coalesce(TRY_CAST(json_extract_string(ServiceDetails, '$.count') AS BIGINT), 1)) AS Occurrences,
  max(Severity) AS MaxSeverity,
  to_json(list(DISTINCT ActivityType ORDER BY ActivityType)) AS FindingTypes,
  to_json(coalesce(list(DISTINCT json_extract_string(ResourceDetails, '$.kubernetesDetails.kubernetesWorkloadDetails.name'))
          FILTER (WHERE json_extract_string(ResourceDetails, '$.kubernetesDetails.kubernetesWorkloadDetails.name') IS NOT NULL), [])) AS Workloads,
  to_json(coalesce(list(DISTINCT json_extract_string(ResourceDetails, '$.kubernetesDetails.kubernetesWorkloadDetails.namespace'))
          FILTER (WHERE json_extract_string(ResourceDetails, '$.kubernetesDetails.kubernetesWorkloadDetails.namespace') IS NOT NULL), [])) AS Namespaces,
  to_json(coalesce(list(DISTINCT CallerIp) FILTER (WHERE CallerIp IS NOT NULL), [])) AS SourceIpAddresses,
  to_json(list(Id ORDER BY Id)[1:100]) AS FindingIds
FROM findings
GROUP BY AccountId, Region, ThreatPurpose, Cluster, Identity
ORDER BY MaxSeverity DESC, FirstSeen
LIMIT 10000
