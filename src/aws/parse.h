// Parsers for what AWS endpoints answer: error bodies of the JSON, query and REST-XML
// protocols, STS credential responses (XML) and the JSON credential documents of the
// container and instance-metadata endpoints. Every input is untrusted: nothing here throws,
// and malformed input gives an error or an empty field, never a crash.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "aws/client.h"
#include "aws/credentials.h"
#include "aws/http.h"
#include "core/result.h"

namespace trailwarden::aws {

// Fills code, message, request_id, throttling and retryable from a non-2xx response.
AwsError parse_error_response(long status, const Headers& headers, std::string_view body);

// Whether a code (or status) is retried by botocore's standard mode, and whether it is a
// throttling error.
bool is_throttling_code(std::string_view code);
bool is_transient_code(std::string_view code);

// Codes that mean "your X-Amz-Date is too far from our clock" (or may, for the signature
// errors: the client then checks the response's Date header).
bool is_clock_skew_code(std::string_view code);

// An HTTP Date header ("Sun, 06 Nov 1994 08:49:37 GMT") in microseconds since the epoch.
std::optional<int64_t> parse_http_date(std::string_view text);

// <XxxResponse><XxxResult><Credentials>AccessKeyId, SecretAccessKey, SessionToken,
// Expiration</Credentials>...: AssumeRole and AssumeRoleWithWebIdentity answers.
Result<Credentials> parse_sts_credentials(std::string_view xml);

// {"AccessKeyId","SecretAccessKey","Token","Expiration"}: IMDS and container answers; also
// credential_process output ({"Version":1,...,"SessionToken"}).
Result<Credentials> parse_json_credentials(std::string_view json);

}  // namespace trailwarden::aws
