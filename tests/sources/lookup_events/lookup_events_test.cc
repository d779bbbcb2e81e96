// LookupEvents: request builder and page reader, window arithmetic, the shared rate limiters,
// and the collector against an in-process fake of the API with a real workspace and session
// (checkpoint resume, throttling, refused tokens, late events).
#include "sources/lookup_events/lookup_events.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <ctime>
#include <set>
#include <thread>

#include "aws/cloudtrail.h"
#include "collect/health.h"
#include "core/text.h"
#include "pipeline/session.h"
#include "sources/lookup_events/windows.h"
#include "store/duckdb/duckdb_workspace.h"
#include "test_util.h"

namespace trailwarden::sources::lookup_events {
namespace {

// --- request builder and page reader ---------------------------------------------------

TEST(LookupEventsRequest, BodyAsBotocoreSendsIt) {
  aws::LookupEventsParams p;
  p.attribute_key = "EventName";
  p.attribute_value = "ConsoleLogin";
  p.start_s = 1705276800;
  p.end_s = 1705280400;
  auto body = aws::lookup_events_body(p);
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(*body,
            R"({"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"ConsoleLogin"}],)"
            R"("StartTime":1705276800,"EndTime":1705280400,"MaxResults":50})");
  p = {};
  p.next_token = "a\"b/+=";
  p.max_results = 7;
  EXPECT_EQ(*aws::lookup_events_body(p), R"({"MaxResults":7,"NextToken":"a\"b/+="})");
}

TEST(LookupEventsRequest, RefusesWhatTheApiRefuses) {
  aws::LookupEventsParams p;
  p.max_results = 51;
  EXPECT_FALSE(aws::lookup_events_body(p).has_value());
  p.max_results = 0;
  EXPECT_FALSE(aws::lookup_events_body(p).has_value());
  p.max_results = 50;
  p.start_s = 10;
  p.end_s = 9;
  EXPECT_FALSE(aws::lookup_events_body(p).has_value());
  p.end_s = 10;  // inclusive bounds: start == end is one second
  EXPECT_TRUE(aws::lookup_events_body(p).has_value());
  p.attribute_key = "eventName";
  EXPECT_FALSE(aws::lookup_events_body(p).has_value());
}

TEST(LookupEventsRequest, HeadersAndLimiter) {
  aws::RateLimiter* limiter = reinterpret_cast<aws::RateLimiter*>(0x10);
  auto r = aws::lookup_events_request({}, "eu-west-1", limiter);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->service, &aws::kCloudTrail);
  EXPECT_EQ(r->region, "eu-west-1");
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->path, "/");
  EXPECT_EQ(r->limiter, limiter);
  bool target = false, type = false;
  for (const auto& [k, v] : r->headers) {
    if (k == "X-Amz-Target")
      target = v == "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents";
    if (k == "Content-Type") type = v == "application/x-amz-json-1.1";
  }
  EXPECT_TRUE(target);
  EXPECT_TRUE(type);
}

TEST(LookupEventsPage, CountsTokenAndTimes) {
  auto page = aws::parse_lookup_events_page(
      R"({"Events":[{"EventId":"a","EventTime":1.7052768E9,"CloudTrailEvent":"{}"},)"
      R"({"EventId":"b","EventTime":1705276700,"CloudTrailEvent":"{}"},)"
      R"({"EventId":"c","EventTime":1705276801.5,"CloudTrailEvent":"{}"}],"NextToken":"tok/+="})");
  ASSERT_TRUE(page.has_value()) << page.error().to_string();
  EXPECT_EQ(page->events, 3u);
  EXPECT_EQ(page->next_token, "tok/+=");
  EXPECT_DOUBLE_EQ(*page->newest_s, 1705276801.5);
  EXPECT_DOUBLE_EQ(*page->oldest_s, 1705276700);
  auto last = aws::parse_lookup_events_page(R"({"Events":[]})");
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->events, 0u);
  EXPECT_TRUE(last->next_token.empty());
  EXPECT_FALSE(last->newest_s.has_value());
  EXPECT_FALSE(aws::parse_lookup_events_page("<html>proxy error</html>").has_value());
  EXPECT_FALSE(aws::parse_lookup_events_page(R"({"Events":{}})").has_value());
  EXPECT_FALSE(aws::parse_lookup_events_page(R"({"Events":[],"NextToken":5})").has_value());
  EXPECT_FALSE(aws::parse_lookup_events_page(R"([1,2])").has_value());
}

// Seeded mutants (byte flips, truncations, insertions) of valid responses: the readers answer
// or refuse, never crash (ASan/UBSan in the dev build), and never report more events than
// the body could hold.
TEST(ResponseReaders, SurviveMutants) {
  const std::string page =
      R"({"Events":[{"EventId":"a","EventTime":1.7052768E9,"CloudTrailEvent":"{\"x\":1}"},)"
      R"({"EventId":"b","EventTime":1705276700,"Resources":[{"ResourceType":null}]}],)"
      R"("NextToken":"tok/+="})";
  const std::string regions =
      "<DescribeRegionsResponse><regionInfo><item><regionName>us-east-1</regionName>"
      "<optInStatus>opt-in-not-required</optInStatus></item></regionInfo>"
      "</DescribeRegionsResponse>";
  const std::string caller =
      "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>123456789012</Account>"
      "</GetCallerIdentityResult></GetCallerIdentityResponse>";
  const char alphabet[] = "{}[]\":,.0123456789eE-+ \\/<>naultrsf\x00\xff";
  uint64_t state = 42;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>(state >> 33);
  };
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    for (const std::string* seed : {&page, &regions, &caller}) {
      std::string m = *seed;
      for (size_t k = 0, n = 1 + next() % 4; k < n && !m.empty(); ++k) {
        size_t at = next() % m.size();
        switch (next() % 3) {
          case 0:
            m[at] = alphabet[next() % (sizeof alphabet - 1)];
            break;
          case 1:
            m.resize(at);
            break;
          default:
            m.insert(at, 1, alphabet[next() % (sizeof alphabet - 1)]);
            break;
        }
      }
      if (seed == &page) {
        auto r = aws::parse_lookup_events_page(m);
        if (r) {
          ++accepted;
          EXPECT_LE(r->events, m.size() / 2);
        }
      } else if (seed == &regions) {
        (void)aws::parse_describe_regions(m);
      } else {
        auto a = aws::parse_caller_identity_account(m);
        if (a) {
          EXPECT_EQ(a->size(), 12u);
        }
      }
    }
  }
  EXPECT_GT(accepted, 0);
}

TEST(DescribeRegions, EnabledRegionsOnly) {
  auto r = aws::parse_describe_regions(
      R"(<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>x)"
      R"(</requestId><regionInfo><item><regionName>us-east-1</regionName><optInStatus>)"
      R"(opt-in-not-required</optInStatus></item><item><regionName>af-south-1</regionName>)"
      R"(<optInStatus>not-opted-in</optInStatus></item><item><regionName>ap-east-1</regionName>)"
      R"(<optInStatus>opted-in</optInStatus></item></regionInfo></DescribeRegionsResponse>)");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(*r, (std::vector<std::string>{"ap-east-1", "us-east-1"}));
  EXPECT_FALSE(aws::parse_describe_regions("not xml <").has_value());
  EXPECT_FALSE(aws::parse_describe_regions(
                   "<DescribeRegionsResponse><regionInfo><item><regionName>../x</regionName>"
                   "</item></regionInfo></DescribeRegionsResponse>")
                   .has_value());
  auto req = aws::describe_regions_request("us-east-1");
  EXPECT_EQ(req.service, &aws::kEc2);
  EXPECT_EQ(req.body, "Action=DescribeRegions&Version=2016-11-15");
}

TEST(CallerIdentity, AccountIsRead) {
  auto a = aws::parse_caller_identity_account(
      "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
      "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/a</Arn><UserId>AIDA</UserId>"
      "<Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>");
  ASSERT_TRUE(a.has_value()) << a.error().to_string();
  EXPECT_EQ(*a, "123456789012");
  EXPECT_FALSE(aws::parse_caller_identity_account("<GetCallerIdentityResponse/>").has_value());
  EXPECT_EQ(aws::get_caller_identity_request("us-east-1").service, &aws::kSts);
}

TEST(RoleArn, AccountIsRead) {
  EXPECT_EQ(*account_of_role("arn:aws:iam::111122223333:role/Reader"), "111122223333");
  EXPECT_EQ(*account_of_role("arn:aws-us-gov:iam::111122223333:role/path/Reader"), "111122223333");
  EXPECT_FALSE(account_of_role("arn:aws:iam::1111:role/Reader").has_value());
  EXPECT_FALSE(account_of_role("arn:aws:iam::111122223333:user/alice").has_value());
  EXPECT_FALSE(account_of_role("arn:aws:sts::111122223333:role/x").has_value());
  EXPECT_FALSE(account_of_role("").has_value());
}

// --- window arithmetic -----------------------------------------------------------------

TEST(Windows, PollSpan) {
  const int64_t now = 1'800'000'000;
  // No checkpoint: from since to now.
  Span s = poll_span(std::nullopt, now - 7 * 86400, 0, 900, now);
  EXPECT_EQ(s.start_s, now - 7 * 86400);
  EXPECT_EQ(s.end_s, now);
  // A checkpoint: back by the overlap.
  s = poll_span(now - 100, now - 7 * 86400, 0, 900, now);
  EXPECT_EQ(s.start_s, now - 1000);
  // since later than checkpoint - overlap wins (the user asked for no earlier).
  s = poll_span(now - 100, now - 50, 0, 900, now);
  EXPECT_EQ(s.start_s, now - 50);
  // until in the past caps the end; until in the future is now.
  s = poll_span(std::nullopt, now - 3600, now - 600, 900, now);
  EXPECT_EQ(s.end_s, now - 600);
  s = poll_span(std::nullopt, now - 3600, now + 600, 900, now);
  EXPECT_EQ(s.end_s, now);
  // Already past until (checkpoint beyond it and overlap smaller): nothing to do.
  s = poll_span(now - 100, 0, now - 2000, 900, now);
  EXPECT_TRUE(s.empty());
  // The look-back limit.
  s = poll_span(std::nullopt, 0, 0, 900, now);
  EXPECT_EQ(s.start_s, now - kLookbackSeconds + kLookbackMarginSeconds);
  s = poll_span(std::nullopt, now - 200 * 86400, 0, 900, now);
  EXPECT_EQ(s.start_s, now - kLookbackSeconds + kLookbackMarginSeconds);
}

TEST(Windows, CoverTheSpanWithoutGaps) {
  const int64_t start = 1000, end = 1000 + 3 * 3600 + 17;
  std::vector<Span> ws;
  for (int64_t s = start;;) {
    Span w = next_window(s, end, 3600);
    ws.push_back(w);
    ASSERT_LE(w.end_s - w.start_s, 3600);
    if (w.end_s >= end) break;
    s = w.end_s;
  }
  ASSERT_EQ(ws.size(), 4u);
  EXPECT_EQ(ws.front().start_s, start);
  EXPECT_EQ(ws.back().end_s, end);
  for (size_t i = 1; i < ws.size(); ++i) EXPECT_EQ(ws[i].start_s, ws[i - 1].end_s);
  // A zero-length span is one window of one second (inclusive bounds).
  Span one = next_window(5, 5, 3600);
  EXPECT_EQ(one.start_s, 5);
  EXPECT_EQ(one.end_s, 5);
}

TEST(Windows, AdaptAndCheckpointText) {
  EXPECT_EQ(adapt_window(3600, 1000, 600, 60, 86400), 1800);
  EXPECT_EQ(adapt_window(3600, 59, 600, 60, 86400), 7200);
  EXPECT_EQ(adapt_window(3600, 300, 600, 60, 86400), 3600);
  EXPECT_EQ(adapt_window(100, 10000, 600, 60, 86400), 60);
  EXPECT_EQ(adapt_window(80000, 0, 600, 60, 86400), 86400);
  EXPECT_EQ(parse_checkpoint(format_checkpoint(1705276800)), 1705276800);
  EXPECT_FALSE(parse_checkpoint("").has_value());
  EXPECT_FALSE(parse_checkpoint("12x").has_value());
  EXPECT_FALSE(parse_checkpoint("-5").has_value());
}

// --- shared limiters -------------------------------------------------------------------

TEST(Limiters, OnePerAccountRegionSharedByEveryone) {
  auto a = shared_lookup_limiter("333333333333", "us-east-1", 1.92);
  auto b = shared_lookup_limiter("333333333333", "us-east-1", 5.0);
  auto c = shared_lookup_limiter("333333333333", "eu-west-1", 1.92);
  auto d = shared_lookup_limiter("444444444444", "us-east-1", 1.92);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_NE(a.get(), c.get());
  EXPECT_NE(a.get(), d.get());
}

TEST(Limiters, TwoThreadsOnOneAccountRegionShareTheBudget) {
  auto limiter = shared_lookup_limiter("555555555555", "us-east-1", 4.0);
  auto other = shared_lookup_limiter("555555555555", "us-east-1", 4.0);
  const auto t0 = std::chrono::steady_clock::now();
  std::thread t1([&] {
    for (int i = 0; i < 5; ++i) limiter->acquire();
  });
  std::thread t2([&] {
    for (int i = 0; i < 5; ++i) other->acquire();
  });
  t1.join();
  t2.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // 10 tokens at 4/s with a burst of 1: at least 9 intervals of 0.25 s, whichever thread asks.
  EXPECT_GE(secs, 2.2);
  EXPECT_LT(secs, 6.0);
}

// --- the collector against a fake API ---------------------------------------------------

std::string iso(int64_t s) {
  std::time_t t = s;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// LookupEvents in memory: newest first, inclusive times, tokens = "<start>:<end>:<offset>".
struct FakeApi {
  struct Ev {
    std::string id;
    int64_t time;
    bool visible = true;
  };
  std::vector<Ev> events;         // any order
  int throttle_every = 0;         // every Nth call is throttled (0: never)
  int refuse_token_once_at = -1;  // this call number refuses its token
  int calls = 0;
  int throttled = 0;
  std::vector<std::pair<int64_t, int64_t>> first_page_spans;  // (start, end) of first pages

  std::expected<aws::HttpResponse, aws::AwsError> call(const aws::AwsRequest& r,
                                                       aws::CallStats* stats) {
    ++calls;
    if (stats) ++stats->attempts;
    if (throttle_every > 0 && calls % throttle_every == 0) {
      ++throttled;
      if (stats) ++stats->throttled;
      aws::AwsError e;
      e.http_status = 400;
      e.code = "ThrottlingException";
      e.message = "Rate exceeded";
      e.throttling = e.retryable = true;
      return std::unexpected(e);
    }
    simdjson::dom::parser parser;
    simdjson::dom::element req = parser.parse(r.body);
    int64_t start = req["StartTime"].get_int64().value();
    int64_t end = req["EndTime"].get_int64().value();
    int64_t max = req["MaxResults"].get_int64().value();
    size_t offset = 0;
    std::string_view token;
    if (!req["NextToken"].get_string().get(token)) {
      if (calls == refuse_token_once_at) {
        aws::AwsError e;
        e.http_status = 400;
        e.code = "InvalidNextTokenException";
        e.message = "A token that is not valid was provided";
        return std::unexpected(e);
      }
      const std::string prefix = std::to_string(start) + ":" + std::to_string(end) + ":";
      EXPECT_TRUE(token.starts_with(prefix)) << "token used with other parameters";
      offset = std::stoul(std::string(token.substr(prefix.size())));
    } else {
      first_page_spans.emplace_back(start, end);
    }
    std::vector<Ev> sel;
    for (const auto& e : events)
      if (e.visible && e.time >= start && e.time <= end) sel.push_back(e);
    std::sort(sel.begin(), sel.end(), [](const Ev& a, const Ev& b) {
      return a.time != b.time ? a.time > b.time : a.id > b.id;
    });
    std::string body = "{\"Events\":[";
    size_t i = offset;
    for (; i < sel.size() && i < offset + static_cast<size_t>(max); ++i) {
      if (i > offset) body += ',';
      body += "{\"EventId\":" + json_string(sel[i].id) +
              ",\"EventTime\":" + std::to_string(sel[i].time) + ",\"CloudTrailEvent\":" +
              json_string(testing::make_record(sel[i].id, iso(sel[i].time))) + "}";
    }
    body += "]";
    if (i < sel.size())
      body += ",\"NextToken\":\"" + std::to_string(start) + ":" + std::to_string(end) + ":" +
              std::to_string(i) + "\"";
    body += "}";
    aws::HttpResponse resp;
    resp.status = 200;
    resp.body = std::move(body);
    return resp;
  }
};

class CollectorTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }
  void open() {
    store::DuckDbOptions o;
    o.dir = dir.str() + "/ws";
    o.mode = store::OpenMode::kReadWrite;
    auto w = store::DuckDbWorkspace::open(o);
    ASSERT_TRUE(w.has_value()) << w.error().to_string();
    ws = std::move(*w);
    pipeline::IngestOptions io;
    io.threaded = false;
    auto s = pipeline::IngestSession::open(*ws, io, SystemClock::instance());
    ASSERT_TRUE(s.has_value()) << s.error().to_string();
    session = std::move(*s);
  }
  void close() {
    if (session) {
      ASSERT_TRUE(session->finish().has_value());
    }
    session.reset();
    ws.reset();
  }
  std::unique_ptr<LookupEventsCollector> collector(LookupEventsSettings st = {}) {
    st.retry_delay_ms = 1;
    st.max_retry_delay_ms = 2;
    return std::make_unique<LookupEventsCollector>(
        st, "111122223333", "us-east-1",
        [this](const aws::AwsRequest& r, aws::CallStats* s) { return api.call(r, s); }, nullptr);
  }
  Result<collect::PollResult> poll(LookupEventsCollector& c) {
    collect::CollectContext ctx;
    ctx.workspace = ws.get();
    ctx.session = session.get();
    auto r = c.poll(ctx);
    EXPECT_TRUE(session->flush().has_value());
    return r;
  }
  std::multiset<std::string> stored_ids() {
    auto r = ws->query("SELECT AwsEventId FROM cloudtrail_events");
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().to_string());
    std::multiset<std::string> out;
    for (const auto& row : r->rows) out.insert(*row[0]);
    return out;
  }
  std::set<std::string> want_ids(bool visible_only = true) {
    std::set<std::string> out;
    for (const auto& e : api.events)
      if (e.visible || !visible_only) out.insert(e.id);
    return out;
  }
  void add_events(int n, int64_t newest, int64_t spacing_s_per_10, const std::string& prefix) {
    for (int i = 0; i < n; ++i)
      api.events.push_back({prefix + std::to_string(i), newest - i * spacing_s_per_10 / 10});
  }
  static int64_t now_s() { return SystemClock::instance().now_micros() / 1000000; }

  testing::TempDir dir;
  std::unique_ptr<store::DuckDbWorkspace> ws;
  std::unique_ptr<pipeline::IngestSession> session;
  FakeApi api;
};

TEST_F(CollectorTest, PagesEveryWindowAndCheckpointsItsEnd) {
  const int64_t now = now_s();
  add_events(1234, now - 10, 25, "ev-");  // 2.5 s apart: ~51 min of events
  LookupEventsSettings st;
  st.since_us = (now - 3100) * 1000000;
  st.window_s = 500;  // several windows (4 full pages each: neither halved nor doubled)
  st.max_window_pages = 5;
  auto c = collector(st);
  auto r = poll(*c);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_TRUE(r->caught_up);
  EXPECT_EQ(r->events, c->stats().events.load());
  auto got = stored_ids();
  EXPECT_EQ(got.size(), 1234u);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), want_ids());
  auto cp = ws->load_checkpoint("lookup-events:111122223333/us-east-1", "111122223333/us-east-1");
  ASSERT_TRUE(cp.has_value() && cp->has_value());
  EXPECT_GE(*parse_checkpoint(**cp), now);
  EXPECT_GT(c->stats().windows.load(), 5u);
  // Windows are read oldest first and follow each other.
  for (size_t i = 1; i < api.first_page_spans.size(); ++i)
    EXPECT_EQ(api.first_page_spans[i].first, api.first_page_spans[i - 1].second);
  EXPECT_EQ(c->stats().newest_event_s.load(), now - 10);
}

TEST_F(CollectorTest, ThrottlingNeverLosesAPage) {
  const int64_t now = now_s();
  add_events(600, now - 5, 10, "th-");
  api.throttle_every = 3;
  LookupEventsSettings st;
  st.since_us = (now - 3600) * 1000000;
  auto c = collector(st);
  auto r = poll(*c);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_GT(api.throttled, 3);
  EXPECT_EQ(c->stats().throttled.load(), static_cast<uint64_t>(api.throttled));
  auto got = stored_ids();
  EXPECT_EQ(got.size(), 600u);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), want_ids());
}

TEST_F(CollectorTest, RefusedTokenRestartsTheWindow) {
  const int64_t now = now_s();
  add_events(400, now - 5, 10, "tok-");
  api.refuse_token_once_at = 4;
  LookupEventsSettings st;
  st.since_us = (now - 3600) * 1000000;
  auto c = collector(st);
  auto r = poll(*c);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(c->stats().token_restarts.load(), 1u);
  auto got = stored_ids();
  EXPECT_EQ(got.size(), 400u);  // pages read twice are dropped by id
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), want_ids());
}

TEST_F(CollectorTest, ResumesFromCheckpointMinusOverlapAndCatchesLateEvents) {
  const int64_t now = now_s();
  add_events(300, now - 30, 10, "a-");
  // Late: happened 2 minutes ago, not yet visible.
  api.events.push_back({"late-1", now - 120, false});
  LookupEventsSettings st;
  st.since_us = (now - 3600) * 1000000;
  st.overlap_s = 900;
  {
    auto c = collector(st);
    ASSERT_TRUE(poll(*c).has_value());
  }
  EXPECT_EQ(stored_ids().size(), 300u);
  auto cp = ws->load_checkpoint("lookup-events:111122223333/us-east-1", "111122223333/us-east-1");
  ASSERT_TRUE(cp.has_value() && cp->has_value());
  const int64_t checkpoint = *parse_checkpoint(**cp);
  // Restart (a new process: new workspace handle, new collector).
  close();
  open();
  api.events.back().visible = true;
  api.first_page_spans.clear();
  auto c = collector(st);
  auto r = poll(*c);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  ASSERT_FALSE(api.first_page_spans.empty());
  EXPECT_EQ(api.first_page_spans.front().first, checkpoint - 900);
  auto got = stored_ids();
  EXPECT_EQ(got.size(), 301u);
  EXPECT_TRUE(got.count("late-1"));
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), want_ids());
}

TEST_F(CollectorTest, PermanentErrorsAreReturnedWithoutACheckpoint) {
  const int64_t now = now_s();
  add_events(10, now - 5, 10, "d-");
  LookupEventsSettings st;
  st.since_us = (now - 3600) * 1000000;
  auto c = std::make_unique<LookupEventsCollector>(
      st, "111122223333", "us-east-1",
      [](const aws::AwsRequest&,
         aws::CallStats*) -> std::expected<aws::HttpResponse, aws::AwsError> {
        aws::AwsError e;
        e.http_status = 400;
        e.code = "AccessDeniedException";
        e.message = "no";
        return std::unexpected(e);
      },
      nullptr);
  auto r = poll(*c);
  EXPECT_FALSE(r.has_value());
  auto cp = ws->load_checkpoint("lookup-events:111122223333/us-east-1", "111122223333/us-east-1");
  ASSERT_TRUE(cp.has_value());
  EXPECT_FALSE(cp->has_value());
}

TEST_F(CollectorTest, StopReturnsBeforeTheWindowEndsWithoutItsCheckpoint) {
  const int64_t now = now_s();
  add_events(500, now - 5, 10, "s-");
  LookupEventsSettings st;
  st.since_us = (now - 3600) * 1000000;
  std::atomic<bool> stop{false};
  int calls = 0;
  auto c = std::make_unique<LookupEventsCollector>(
      st, "111122223333", "us-east-1",
      [&](const aws::AwsRequest& r, aws::CallStats* s) {
        if (++calls == 3) stop = true;
        return api.call(r, s);
      },
      nullptr);
  collect::CollectContext ctx;
  ctx.workspace = ws.get();
  ctx.session = session.get();
  ctx.stop = &stop;
  auto r = c->poll(ctx);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->caught_up);
  ASSERT_TRUE(session->flush().has_value());
  auto cp = ws->load_checkpoint("lookup-events:111122223333/us-east-1", "111122223333/us-east-1");
  ASSERT_TRUE(cp.has_value());
  EXPECT_FALSE(cp->has_value());
  EXPECT_EQ(calls, 3);
}

TEST_F(CollectorTest, HealthWarnsNearTheApiCeilingAndReportsLag) {
  const int64_t now = now_s();
  // 90 events/s for 80 s: above the warning threshold (80/s) of a 100 events/s ceiling.
  for (int sec = 0; sec < 80; ++sec)
    for (int i = 0; i < 90; ++i)
      api.events.push_back({fmt::format("hot-{}-{}", sec, i), now - 100 + sec});
  LookupEventsSettings st;
  st.since_us = (now - 100) * 1000000;
  st.window_s = 100000;
  auto c = collector(st);
  collect::HealthReporter health(*ws, SystemClock::instance());
  collect::CollectContext ctx;
  ctx.workspace = ws.get();
  ctx.session = session.get();
  ctx.health = &health;
  ctx.until_us = (now - 21) * 1000000;  // one window of 80 s holding 7,200 events
  auto r = c->poll(ctx);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  ASSERT_TRUE(session->flush().has_value());
  ASSERT_TRUE(health.flush().has_value());
  auto q = ws->query(
      "SELECT Status, ErrorCode, Reason, LagSeconds FROM ConnectorHealth WHERE Connector = "
      "'lookup-events:111122223333/us-east-1' AND Scope = '111122223333/us-east-1' ORDER BY "
      "TimeGenerated DESC LIMIT 1");
  ASSERT_TRUE(q.has_value()) << q.error().to_string();
  ASSERT_EQ(q->rows.size(), 1u);
  EXPECT_EQ(*q->rows[0][0], "Warning");
  EXPECT_EQ(*q->rows[0][1], "NearApiCeiling");
  EXPECT_NE(q->rows[0][2]->find("S3 collector"), std::string::npos);
  EXPECT_GE(std::stoll(*q->rows[0][3]), 20);  // newest event is ~21 s old
  EXPECT_EQ(stored_ids().size(), 7200u);
}

}  // namespace
}  // namespace trailwarden::sources::lookup_events
