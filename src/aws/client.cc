#include "aws/client.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>

#include "aws/parse.h"
#include "aws/providers.h"
#include "aws/sigv4.h"
#include "core/log.h"
#include "core/text.h"

namespace trailwarden::aws {

// ---------------------------------------------------------------------------------------------
// AwsError

std::string AwsError::to_string() const {
  std::string out = escape_control(code.empty() ? std::string("Error") : code);
  if (!message.empty()) out += ": " + escape_control(message);
  out += " (";
  out += http_status == 0 ? std::string("no HTTP response") : "HTTP " + std::to_string(http_status);
  if (!request_id.empty()) out += ", request " + escape_control(request_id);
  if (attempts > 1) out += ", after " + std::to_string(attempts) + " attempts";
  out += ")";
  return out;
}

Error AwsError::to_error(std::string context) const {
  static constexpr std::string_view kDeniedCodes[] = {"AccessDenied",
                                                      "AccessDeniedException",
                                                      "UnrecognizedClientException",
                                                      "InvalidClientTokenId",
                                                      "SignatureDoesNotMatch",
                                                      "InvalidSignatureException",
                                                      "ExpiredToken",
                                                      "ExpiredTokenException",
                                                      "InvalidAccessKeyId",
                                                      "NoCredentials",
                                                      "MissingAuthenticationToken",
                                                      "AuthFailure",
                                                      "InvalidToken",
                                                      "TokenRefreshRequired",
                                                      "RequestTimeTooSkewed",
                                                      "AccountProblem",
                                                      "AllAccessDisabled",
                                                      "KMS.AccessDeniedException",
                                                      "InvalidIdentityToken",
                                                      "IDPRejectedClaim",
                                                      "RegionDisabledException",
                                                      "OptInRequired",
                                                      "NotAuthorized",
                                                      "UnauthorizedOperation",
                                                      "OperationNotPermittedException"};
  static constexpr std::string_view kNotFoundCodes[] = {"NoSuchKey",
                                                        "NoSuchBucket",
                                                        "ResourceNotFoundException",
                                                        "QueueDoesNotExist",
                                                        "AWS.SimpleQueueService.NonExistentQueue",
                                                        "NotFound",
                                                        "TrailNotFoundException",
                                                        "BadRequestException.NotFound"};
  ErrorCode ec;
  auto in = [&](const auto& list) {
    return std::find(std::begin(list), std::end(list), code) != std::end(list);
  };
  if (throttling) {
    ec = ErrorCode::kThrottled;
  } else if (code == "CredentialsUnavailable") {
    ec = ErrorCode::kUnavailable;
  } else if (http_status == 0 || http_status >= 500) {
    ec = ErrorCode::kUnavailable;
  } else if (in(kDeniedCodes) || http_status == 401 || http_status == 403) {
    ec = ErrorCode::kDenied;
  } else if (in(kNotFoundCodes) || http_status == 404) {
    ec = ErrorCode::kNotFound;
  } else if (retryable) {
    ec = ErrorCode::kUnavailable;
  } else {
    ec = ErrorCode::kInvalidArgument;
  }
  return Error{ec, to_string(), std::move(context)};
}

// ---------------------------------------------------------------------------------------------
// AwsClient

namespace {

class HttpPool {
 public:
  explicit HttpPool(HttpOptions options) : options_(std::move(options)) {}
  std::unique_ptr<HttpClient> take() {
    std::lock_guard lock(mu_);
    if (free_.empty()) return std::make_unique<HttpClient>(options_);
    auto c = std::move(free_.back());
    free_.pop_back();
    return c;
  }
  void give(std::unique_ptr<HttpClient> c) {
    std::lock_guard lock(mu_);
    if (free_.size() < 32) free_.push_back(std::move(c));
  }

 private:
  HttpOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<HttpClient>> free_;
};

void redact(std::string& text, const Credentials& c) {
  for (const std::string* secret : {&c.secret_access_key, &c.session_token}) {
    if (secret->size() < 4) continue;
    for (size_t pos = text.find(*secret); pos != std::string::npos; pos = text.find(*secret, pos)) {
      text.replace(pos, secret->size(), "[redacted]");
    }
  }
}

constexpr int64_t kSkewThresholdMicros = 60 * 1'000'000LL;

double jitter() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace

struct AwsClient::State {
  HttpPool pool;
  sigv4::Signer signer;
  std::atomic<int64_t> skew_us{0};  // server time minus our clock, learnt from Date headers
  explicit State(const HttpOptions& o) : pool(o) {}
};

AwsClient::AwsClient(std::shared_ptr<const AwsConfig> config,
                     std::shared_ptr<CredentialsProvider> credentials)
    : config_(std::move(config)),
      credentials_(std::move(credentials)),
      state_(std::make_shared<State>(config_->http)) {}

std::expected<HttpResponse, AwsError> AwsClient::call(const AwsRequest& request, CallStats* stats) {
  const AwsConfig& cfg = *config_;
  State* state = state_.get();
  const Service& service = request.service != nullptr ? *request.service : kSts;
  std::string region = request.region.empty() ? cfg.region : request.region;
  if (region.empty()) region = "us-east-1";
  Endpoint ep = cfg.endpoint(service, region);
  if (!request.host_prefix.empty()) {
    // S3 virtual-hosted addressing: "bucket." before the endpoint's host.
    size_t scheme = ep.url.find("://");
    if (scheme != std::string::npos) ep.url.insert(scheme + 3, request.host_prefix);
  }
  std::string url = ep.url + (request.path.empty() ? std::string("/") : request.path);
  if (!request.query.empty()) url += "?" + sigv4::encode_query(request.query);
  sigv4::Options sign_options;
  sign_options.s3 = service.signing_name == kS3.signing_name;
  std::string host = sigv4::split_url(url).host;

  int max_attempts = std::max(1, cfg.retry.max_attempts);
  bool skew_corrected = false;
  bool credentials_renewed = false;
  AwsError last;
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    if (request.limiter != nullptr) request.limiter->acquire();
    if (stats != nullptr) ++stats->attempts;
    auto creds =
        credentials_
            ? credentials_->get()
            : Result<Credentials>(make_error(ErrorCode::kDenied, "no credentials provider"));
    if (!creds) {
      AwsError e;
      e.code =
          creds.error().code == ErrorCode::kDenied ? "NoCredentials" : "CredentialsUnavailable";
      e.message = creds.error().message;
      e.attempts = attempt;
      return std::unexpected(std::move(e));
    }
    HttpRequest http_req;
    http_req.method = request.method;
    http_req.url = url;
    http_req.body = request.body;
    http_req.headers = request.headers;
    http_req.headers.emplace_back("Host", host);
    state->signer.sign(
        http_req.method, url, http_req.headers, http_req.body, *creds, region, service.signing_name,
        sigv4::amz_date(cfg.clock->now_micros() + state->skew_us.load()), sign_options);
    http_req.headers.emplace_back("User-Agent", "trailwarden/" TRAILWARDEN_VERSION);

    auto http = state->pool.take();
    auto resp = http->send(http_req);
    state->pool.give(std::move(http));

    if (resp && resp->status >= 200 && resp->status < 300) return std::move(*resp);
    if (!resp) {
      last = AwsError{};
      last.code = "Unavailable";
      last.message = resp.error().message;
      last.retryable = true;
    } else {
      last = parse_error_response(resp->status, resp->headers, resp->body);
      // A server that echoes what it was sent must not put our token into logs.
      redact(last.message, *creds);
      redact(last.code, *creds);
      redact(last.request_id, *creds);
    }
    last.attempts = attempt;
    // A signature refused because our clock is off: sign again with the server's time
    // (from its Date header), once per call and without waiting.
    if (resp && !skew_corrected && is_clock_skew_code(last.code) && attempt < max_attempts) {
      auto date = resp->header("Date");
      auto server_us = date ? parse_http_date(*date) : std::nullopt;
      int64_t skew = server_us ? *server_us - cfg.clock->now_micros() : 0;
      if (server_us && std::abs(skew - state->skew_us.load()) > kSkewThresholdMicros) {
        state->skew_us = skew;
        skew_corrected = true;
        log::warn("{}: the local clock is {} s off the server's; signing with the server's time",
                  escape_control(service.signing_name), -skew / 1'000'000);
        if (stats != nullptr) ++stats->retried;
        continue;
      }
    }
    // Temporary credentials the service calls expired (revoked, or our cache was wrong):
    // fetch new ones and try again, once per call.
    if (resp && !credentials_renewed && attempt < max_attempts && creds->temporary() &&
        (last.code == "ExpiredToken" || last.code == "ExpiredTokenException" ||
         last.code == "TokenRefreshRequired")) {
      credentials_renewed = true;
      credentials_->invalidate();
      if (stats != nullptr) ++stats->retried;
      continue;
    }
    if (last.throttling && stats != nullptr) ++stats->throttled;
    if (!last.retryable || attempt == max_attempts) break;
    if (stats != nullptr) ++stats->retried;
    double cap = std::min(static_cast<double>(cfg.retry.base_delay_ms) * std::pow(2.0, attempt - 1),
                          static_cast<double>(cfg.retry.max_delay_ms));
    auto delay_ms = static_cast<int64_t>(jitter() * cap);
    log::debug("{} {}: {}; retrying in {} ms", escape_control(service.signing_name),
               escape_control(request.context), last.to_string(), delay_ms);
    if (cfg.retry.sleep_ms) {
      cfg.retry.sleep_ms(delay_ms);
    } else if (delay_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    }
  }
  return std::unexpected(std::move(last));
}

// ---------------------------------------------------------------------------------------------
// STS

AwsRequest query_request(const Service& service, std::string region,
                         const std::vector<std::pair<std::string, std::string>>& params,
                         std::string context) {
  AwsRequest r;
  r.service = &service;
  r.region = std::move(region);
  r.method = "POST";
  r.path = "/";
  r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  r.body = sigv4::encode_query(params);
  r.context = std::move(context);
  return r;
}

namespace {

std::string form_body(const std::vector<std::pair<std::string, std::string>>& params) {
  return sigv4::encode_query(params);
}

std::string default_session_name(const Clock& clock) {
  return "trailwarden-" + std::to_string(clock.now_micros() / 1'000'000);
}

std::string sts_region(const std::string& region) { return region.empty() ? "us-east-1" : region; }

}  // namespace

std::shared_ptr<CredentialsProvider> assume_role(std::shared_ptr<const AwsConfig> config,
                                                 std::shared_ptr<CredentialsProvider> source,
                                                 AssumeRoleParams params) {
  std::string description = "assume-role " + escape_control(params.role_arn) + " via " +
                            (source ? source->describe() : std::string("nothing"));
  auto client = std::make_shared<AwsClient>(config, source);
  const Clock& clock = *config->clock;
  auto fetch = [client, params, &clock]() -> Result<Credentials> {
    std::vector<std::pair<std::string, std::string>> form = {
        {"Action", "AssumeRole"},
        {"Version", "2011-06-15"},
        {"RoleArn", params.role_arn},
        {"RoleSessionName",
         params.session_name.empty() ? default_session_name(clock) : params.session_name},
    };
    if (!params.external_id.empty()) form.emplace_back("ExternalId", params.external_id);
    form.emplace_back("DurationSeconds", std::to_string(params.duration_seconds));
    // The regional endpoint (botocore's default sts_regional_endpoints=regional); no region
    // means us-east-1.
    AwsRequest req =
        query_request(kSts, sts_region(params.region), form, "sts:AssumeRole " + params.role_arn);
    auto resp = client->call(req);
    if (!resp) return std::unexpected(resp.error().to_error(escape_control(params.role_arn)));
    auto creds = parse_sts_credentials(resp->body);
    if (!creds) {
      Error e = creds.error();
      e.context = escape_control(params.role_arn);
      return std::unexpected(std::move(e));
    }
    return creds;
  };
  return std::make_shared<RefreshingProvider>(fetch, description, clock);
}

std::shared_ptr<CredentialsProvider> web_identity_credentials(
    std::shared_ptr<const AwsConfig> config, std::string role_arn, std::string token_file,
    std::string session_name) {
  std::string description = "web identity " + escape_control(role_arn);
  const Clock& clock = *config->clock;
  auto fetch = [config, role_arn, token_file, session_name, &clock]() -> Result<Credentials> {
    std::ifstream in(token_file, std::ios::binary);
    std::string token((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) token.clear();
    std::string_view t = trim_blanks(token);
    while (!t.empty() && t.back() == '\n') t.remove_suffix(1);
    if (t.empty()) {
      return make_error(ErrorCode::kDenied, "cannot read the web identity token file",
                        escape_control(token_file));
    }
    Endpoint ep = config->endpoint(kSts, config->region);
    HttpRequest req;
    req.method = "POST";
    req.url = ep.url + "/";
    req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    req.body = form_body(
        {{"Action", "AssumeRoleWithWebIdentity"},
         {"Version", "2011-06-15"},
         {"RoleArn", role_arn},
         {"RoleSessionName", session_name.empty() ? default_session_name(clock) : session_name},
         {"WebIdentityToken", std::string(t)}});
    HttpClient http(config->http);
    auto resp = http.send(req);
    if (!resp) return std::unexpected(resp.error());
    if (resp->status != 200) {
      AwsError e = parse_error_response(resp->status, resp->headers, resp->body);
      e.attempts = 1;
      return std::unexpected(e.to_error(escape_control(role_arn)));
    }
    return parse_sts_credentials(resp->body);
  };
  return std::make_shared<RefreshingProvider>(fetch, description, clock);
}

}  // namespace trailwarden::aws
