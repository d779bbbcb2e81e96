#include "sources/lookup_events/lookup_events.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "aws/cloudtrail.h"
#include "core/log.h"
#include "core/text.h"
#include "formats/padded_buffer.h"
#include "sources/lookup_events/windows.h"

namespace trailwarden::sources::lookup_events {

namespace {

constexpr int kMaxTokenRestarts = 5;

const Clock& clock_of(const collect::CollectContext& ctx) {
  return ctx.clock != nullptr ? *ctx.clock : SystemClock::instance();
}

bool stopping(const collect::CollectContext& ctx) {
  return ctx.stop != nullptr && ctx.stop->load(std::memory_order_relaxed);
}

void raise_max(std::atomic<int64_t>& a, int64_t v) {
  int64_t cur = a.load(std::memory_order_relaxed);
  while (v > cur && !a.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
  }
}

}  // namespace

std::shared_ptr<aws::RateLimiter> shared_lookup_limiter(const std::string& account,
                                                        const std::string& region, double rate) {
  static std::mutex mu;
  static auto* limiters = new std::map<std::string, std::shared_ptr<aws::RateLimiter>>();
  std::lock_guard lock(mu);
  auto& slot = (*limiters)[account + "/" + region];
  // Burst 1: requests are spaced 1/rate apart, never two back to back after an idle spell
  // (a burst of 2 followed by the refill would put 3 requests in one second).
  if (!slot) slot = std::make_shared<aws::RateLimiter>(rate, 1.0);
  return slot;
}

Result<std::string> account_of_role(std::string_view arn) {
  // arn:partition:iam::account:role/name
  std::vector<std::string_view> parts;
  size_t pos = 0;
  for (int i = 0; i < 5; ++i) {
    size_t c = arn.find(':', pos);
    if (c == std::string_view::npos) break;
    parts.push_back(arn.substr(pos, c - pos));
    pos = c + 1;
  }
  std::string_view rest = pos < arn.size() ? arn.substr(pos) : std::string_view{};
  if (parts.size() != 5 || parts[0] != "arn" || parts[2] != "iam" || parts[4].size() != 12 ||
      !std::all_of(parts[4].begin(), parts[4].end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      !rest.starts_with("role/") || rest.size() <= 5)
    return make_error(ErrorCode::kInvalidArgument,
                      "not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>): " +
                          escape_control(arn));
  return std::string(parts[4]);
}

struct LookupEventsCollector::WindowResult {
  uint64_t pages = 0;
  uint64_t events = 0;
  bool stopped = false;
};

LookupEventsCollector::LookupEventsCollector(LookupEventsSettings settings, std::string account,
                                             std::string region, CallFn call,
                                             std::shared_ptr<aws::RateLimiter> limiter)
    : settings_(std::move(settings)),
      account_(std::move(account)),
      region_(std::move(region)),
      call_(std::move(call)),
      limiter_(std::move(limiter)),
      window_s_(std::clamp(settings_.window_s, std::max<int64_t>(settings_.min_window_s, 1),
                           std::max(settings_.min_window_s, settings_.max_window_s))) {}

std::string LookupEventsCollector::id() const {
  return "lookup-events:" + account_ + "/" + region_;
}

bool LookupEventsCollector::sleep_ms(collect::CollectContext& ctx, int64_t ms) {
  // Waiting is real time, whatever clock the context measures with.
  const Clock& real = SystemClock::instance();
  const int64_t until = real.monotonic_nanos() + ms * 1000000;
  for (int64_t now = real.monotonic_nanos(); now < until; now = real.monotonic_nanos()) {
    if (stopping(ctx)) return false;
    std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<int64_t>(50000000, until - now)));
  }
  return !stopping(ctx);
}

Result<LookupEventsCollector::WindowResult> LookupEventsCollector::read_window(
    collect::CollectContext& ctx, int64_t start_s, int64_t end_s) {
  WindowResult out;
  last_error_code_ = "Error";
  aws::LookupEventsParams params;
  params.start_s = start_s;
  params.end_s = end_s;
  params.max_results = std::clamp(settings_.page_size, 1, aws::kLookupEventsMaxResults);
  formats::PaddedBuffer buffer;
  int restarts = 0;
  int64_t failing_since_ns = 0;
  int64_t delay_ms = settings_.retry_delay_ms;
  const Clock& clock = clock_of(ctx);
  while (true) {
    if (stopping(ctx)) {
      out.stopped = true;
      return out;
    }
    auto request = aws::lookup_events_request(params, region_, limiter_.get());
    if (!request) return std::unexpected(request.error());
    aws::CallStats cs;
    auto response = call_(*request, &cs);
    stats_.requests += cs.attempts;
    stats_.throttled += cs.throttled;
    if (!response) {
      const aws::AwsError& e = response.error();
      if (e.code == "InvalidNextTokenException" && !params.next_token.empty()) {
        // The token is no longer good (expired, or the service forgot it): read the window
        // again from its first page. Pages already handed over are repeats, dropped by id.
        ++stats_.token_restarts;
        last_error_code_ = e.code;
        if (++restarts > kMaxTokenRestarts)
          return std::unexpected(e.to_error(scope() + " window restarted too often"));
        log::info("lookup-events {}: NextToken refused, window {}..{} restarted", scope(), start_s,
                  end_s);
        params.next_token.clear();
        continue;
      }
      if (e.throttling || e.retryable || e.http_status == 0 || e.http_status >= 500) {
        ++stats_.transient_errors;
        const int64_t now_ns = clock.monotonic_nanos();
        if (failing_since_ns == 0) failing_since_ns = now_ns;
        if ((now_ns - failing_since_ns) / 1000000 > settings_.give_up_after_ms) {
          last_error_code_ = e.code;
          return std::unexpected(e.to_error(scope()));
        }
        report(ctx, nullptr, e.code, -1, clock.now_micros() / 1000000);
        log::info("lookup-events {}: {} (retrying the same page in {} ms)", scope(),
                  escape_control(e.to_string()), delay_ms);
        if (!sleep_ms(ctx, delay_ms)) {
          out.stopped = true;
          return out;
        }
        delay_ms = std::min(delay_ms * 2, settings_.max_retry_delay_ms);
        continue;
      }
      last_error_code_ = e.code;
      return std::unexpected(e.to_error(scope()));
    }
    failing_since_ns = 0;
    delay_ms = settings_.retry_delay_ms;
    buffer.assign(response->body);
    auto page = aws::parse_lookup_events_page(buffer.view());
    if (!page) {
      last_error_code_ = "BadResponse";
      Error err = page.error();
      err.context = scope();
      return std::unexpected(err);
    }
    pipeline::DocumentInfo doc;
    doc.origin = fmt::format("lookup:{}/{} {}..{} page {}", account_, region_, start_s, end_s,
                             out.pages + 1);
    doc.bytes = static_cast<int64_t>(buffer.size());
    doc.record_as_file = false;
    if (page->events > 0) {
      if (auto st = ctx.session->add_document(doc, buffer); !st) {
        last_error_code_ = "Workspace";
        return std::unexpected(st.error());
      }
    }
    ++out.pages;
    out.events += page->events;
    ++stats_.pages;
    stats_.events += page->events;
    if (page->newest_s) raise_max(stats_.newest_event_s, static_cast<int64_t>(*page->newest_s));
    if (page->next_token.empty()) break;
    params.next_token = std::move(page->next_token);
  }
  if (auto st = ctx.session->set_checkpoint(id(), scope(), format_checkpoint(end_s)); !st)
    return std::unexpected(st.error());
  ++stats_.windows;
  return out;
}

void LookupEventsCollector::report(collect::CollectContext& ctx, const Error* error,
                                   std::string_view code, int64_t backlog_s, int64_t now_s) {
  if (ctx.health == nullptr) return;
  collect::HealthSample s;
  s.connector = id();
  s.scope = scope();
  const int64_t newest = stats_.newest_event_s.load();
  s.lag_seconds = newest > 0 ? std::max<int64_t>(now_s - newest, 0) : -1;
  // Backlog in pages: the event-time span not read yet at the source's measured rate.
  if (backlog_s >= 0 && source_rate_ >= 0)
    s.backlog = static_cast<int64_t>(backlog_s * source_rate_ / settings_.page_size + 0.999);
  s.events = poll_events_ - reported_events_;
  reported_events_ = poll_events_;
  const double secs = (clock_of(ctx).monotonic_nanos() - poll_started_ns_) / 1e9;
  s.events_per_second = secs > 0 ? poll_events_ / secs : 0;
  if (error != nullptr) {
    s.status = collect::HealthStatus::kFailure;
    s.error_code = std::string(code);
    s.reason = error->to_string();
  } else if (!code.empty()) {
    s.status = collect::HealthStatus::kWarning;
    s.error_code = std::string(code);
    s.reason = fmt::format("{} from LookupEvents; retrying the same page", code);
  } else if (source_rate_ >= settings_.warn_events_per_second) {
    s.status = collect::HealthStatus::kWarning;
    s.error_code = "NearApiCeiling";
    s.reason = fmt::format(
        "{:.0f} events/s in {}, near LookupEvents' ceiling of {} events/s ({} requests/s x {} "
        "events): collection will fall behind; use the S3 collector (trail bucket) for this "
        "account",
        source_rate_, scope(), 2 * aws::kLookupEventsMaxResults, 2, aws::kLookupEventsMaxResults);
  } else {
    s.status = collect::HealthStatus::kSuccess;
  }
  ctx.health->report(s);
}

Result<collect::PollResult> LookupEventsCollector::poll(collect::CollectContext& ctx) {
  collect::PollResult result;
  const Clock& clock = clock_of(ctx);
  const int64_t now_s = clock.now_micros() / 1000000;
  poll_started_ns_ = clock.monotonic_nanos();
  poll_events_ = 0;
  reported_events_ = 0;
  const int64_t until_us = ctx.until_us > 0 ? ctx.until_us : settings_.until_us;
  std::optional<int64_t> checkpoint;
  if (ctx.workspace != nullptr) {
    auto cp = ctx.workspace->load_checkpoint(id(), scope());
    if (!cp) {
      report(ctx, &cp.error(), "Workspace", -1, now_s);
      return std::unexpected(cp.error());
    }
    if (*cp) {
      checkpoint = parse_checkpoint(**cp);
      if (!checkpoint)
        log::warn("lookup-events {}: checkpoint {} is not a time; starting from --since", scope(),
                  json_string(**cp));
    }
  }
  const Span span = poll_span(checkpoint, settings_.since_us / 1000000, until_us / 1000000,
                              settings_.overlap_s, now_s);
  if (span.empty()) {
    result.caught_up = true;
    report(ctx, nullptr, {}, 0, now_s);
    return result;
  }
  int64_t start = span.start_s;
  uint64_t window_events = 0;
  int64_t window_span = 0;
  while (true) {
    const Span w = next_window(start, span.end_s, window_s_);
    auto got = read_window(ctx, w.start_s, w.end_s);
    if (!got) {
      report(ctx, &got.error(), last_error_code_, span.end_s - start, clock.now_micros() / 1000000);
      return std::unexpected(got.error());
    }
    result.documents += got->pages;
    result.events += got->events;
    poll_events_ += got->events;
    if (got->stopped) return result;
    // The source's rate, from windows long enough to say something.
    window_events += got->events;
    window_span += w.end_s - w.start_s + 1;
    if (window_span >= 60) {
      source_rate_ = static_cast<double>(window_events) / static_cast<double>(window_span);
      window_events = 0;
      window_span = 0;
    }
    // Sized by full pages of events (an empty window still costs one request).
    window_s_ =
        adapt_window(window_s_, got->events / std::max(settings_.page_size, 1),
                     settings_.max_window_pages, settings_.min_window_s, settings_.max_window_s);
    report(ctx, nullptr, {}, span.end_s - w.end_s, clock.now_micros() / 1000000);
    if (w.end_s >= span.end_s) break;
    start = w.end_s;
  }
  result.caught_up = true;
  log::info("lookup-events {}: caught up to {}; {} pages, {} events, {} requests, {} throttled",
            scope(), span.end_s, stats_.pages.load(), stats_.events.load(), stats_.requests.load(),
            stats_.throttled.load());
  return result;
}

Result<std::vector<std::unique_ptr<collect::Collector>>> make_lookup_events_collectors(
    const LookupEventsSettings& settings, std::shared_ptr<const aws::AwsConfig> config) {
  if (!config) return make_error(ErrorCode::kInvalidArgument, "no AWS configuration");
  std::string account = settings.account;
  if (!settings.role_arn.empty()) {
    auto a = account_of_role(settings.role_arn);
    if (!a) return std::unexpected(a.error());
    account = *a;
  }
  const std::string home = !settings.home_region.empty() ? settings.home_region
                           : !config->region.empty()     ? config->region
                                                         : std::string("us-east-1");
  auto source = config->default_credentials();
  if (!source) return std::unexpected(source.error());
  std::shared_ptr<aws::CredentialsProvider> creds = *source;
  if (!settings.role_arn.empty()) {
    aws::AssumeRoleParams p;
    p.role_arn = settings.role_arn;
    p.external_id = settings.external_id;
    p.session_name = settings.session_name;
    p.region = home;
    creds = aws::assume_role(config, creds, p);
  }
  // Fail now, with the reason, when the role cannot be assumed (wrong external id, no trust):
  // no poll could succeed.
  if (auto c = creds->get(); !c) return std::unexpected(c.error());
  auto client = std::make_shared<aws::AwsClient>(config, creds);
  if (account.empty()) {
    // The default credentials' own account, from STS GetCallerIdentity.
    auto response = client->call(aws::get_caller_identity_request(home));
    if (!response) return std::unexpected(response.error().to_error("STS GetCallerIdentity"));
    auto a = aws::parse_caller_identity_account(response->body);
    if (!a) return std::unexpected(a.error());
    account = *a;
  }
  std::vector<std::string> regions = settings.regions;
  if (regions.empty() || (regions.size() == 1 && regions[0] == "all")) {
    auto response = client->call(aws::describe_regions_request(home));
    if (!response)
      return std::unexpected(response.error().to_error("DescribeRegions in account " + account));
    auto listed = aws::parse_describe_regions(response->body);
    if (!listed) return std::unexpected(listed.error());
    regions = std::move(*listed);
  }
  CallFn call = [client](const aws::AwsRequest& r, aws::CallStats* stats) {
    return client->call(r, stats);
  };
  std::vector<std::unique_ptr<collect::Collector>> out;
  for (const auto& region : regions) {
    out.push_back(std::make_unique<LookupEventsCollector>(
        settings, account, region, call,
        shared_lookup_limiter(account, region, settings.requests_per_second)));
  }
  return out;
}

}  // namespace trailwarden::sources::lookup_events
