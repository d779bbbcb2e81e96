-- id: aws.hunt.console_failed_logins_without_mfa
-- title: Multiple failed logins to an existing user without MFA
-- description: (user, address) pairs with more than min_failures failed console sign-ins to an existing IAM user that has no MFA in use (additionalEventData.MFAUsed = No). Password guessing against a user without a second factor is the cheapest way into the console. Sign-ins to names that do not exist are reported by AWS as HIDDEN_DUE_TO_SECURITY_REASONS and are excluded; a user who forgot a changed password is the usual benign cause.
-- tactics: TA0006, TA0001
-- techniques: T1110.001, T1078.004
-- window: 1d
-- param: min_failures = 4
SELECT
  min(TimeGenerated) AS FirstSeen,
  max(TimeGenerated) AS LastSeen,
  coalesce(nullif(UserIdentityUserName, ''), UserIdentityArn) AS UserName,
  UserIdentityArn AS Identity,
  SourceIpAddress,
  RecipientAccountId AS AccountId,
  count(*) AS FailedLogins,
  to_json(list(DISTINCT UserAgent)[1:20]) AS UserAgents,
  to_json(list(DISTINCT ErrorMessage)) AS ErrorMessages,
  to_json(list(AwsEventId ORDER BY TimeGenerated, AwsEventId)[1:50]) AS AwsEventIds
FROM AWSCloudTrail
WHERE TimeGenerated >= :start AND TimeGenerated < :end
  AND EventSource = 'signin.amazonaws.com'
  AND EventName = 'ConsoleLogin'
  AND (lower(json_extract_string(ResponseElements, '$.ConsoleLogin')) = 'failure' OR coalesce(ErrorMessage, '') <> '')
  AND lower(json_extract_string(AdditionalEventData, '$.MFAUsed')) = 'no'
  AND coalesce(UserIdentityUserName, '') <> 'HIDDEN_DUE_TO_SECURITY_REASONS'
GROUP BY 3, UserIdentityArn, SourceIpAddress, RecipientAccountId
HAVING count(*) > :min_failures
ORDER BY FailedLogins DESC, FirstSeen
LIMIT 10000
