#include "sources/s3/s3_collector.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "aws/client.h"
#include "aws/s3.h"
#include "aws/sqs.h"
#include "core/log.h"
#include "core/text.h"
#include "formats/padded_buffer.h"
#include "sources/s3/notification.h"
#include "sources/s3/s3_keys.h"

namespace trailwarden::sources::s3 {
namespace {

constexpr int64_t kDayUs = int64_t{86400} * 1000000;

int64_t floor_days(int64_t us) { return us >= 0 ? us / kDayUs : -((-us + kDayUs - 1) / kDayUs); }

// One object to take, and what became of it.
struct Job {
  std::string key;
  int64_t delivery_us = 0;
  // Set by the worker.
  bool ok = false;
  bool gone = false;  // NoSuchKey: deleted since it was named; nothing to take
  aws::AwsError error;
  std::string store_error;
};

// Fetches `jobs` with up to `concurrency` workers; each worker hands the object to the
// session itself (decoding runs in parallel). `on_done(i)` runs on the calling thread for
// jobs in index order as they complete; it returns false to stop taking new jobs. Jobs not
// started are left with ok=false and no error.
class Fetcher {
 public:
  Fetcher(aws::S3Client& s3, std::string bucket, pipeline::IngestSession& session,
          const std::atomic<bool>* stop)
      : s3_(s3), bucket_(std::move(bucket)), session_(session), stop_(stop) {}

  void run(std::vector<Job>& jobs, int concurrency, const std::function<bool(size_t)>& on_done) {
    if (jobs.empty()) return;
    std::vector<char> done(jobs.size(), 0);
    std::atomic<size_t> next{0};
    std::atomic<bool> abort{false};
    std::mutex mu;
    std::condition_variable cv;
    auto worker = [&] {
      formats::PaddedBuffer buffer;
      while (true) {
        if (abort.load() || (stop_ != nullptr && stop_->load())) break;
        size_t i = next.fetch_add(1);
        if (i >= jobs.size()) break;
        take(jobs[i], buffer);
        {
          std::lock_guard lock(mu);
          done[i] = 1;
        }
        cv.notify_all();
      }
      {
        std::lock_guard lock(mu);
        ++finished_workers_;
      }
      cv.notify_all();
    };
    int n = std::clamp<int>(concurrency, 1, 32);
    n = static_cast<int>(std::min<size_t>(static_cast<size_t>(n), jobs.size()));
    finished_workers_ = 0;
    std::vector<std::thread> threads;
    threads.reserve(static_cast<size_t>(n));
    for (int t = 0; t < n; ++t) threads.emplace_back(worker);
    for (size_t i = 0; i < jobs.size(); ++i) {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return done[i] != 0 || finished_workers_ == n; });
      if (done[i] == 0) break;  // every worker stopped before reaching it
      lock.unlock();
      if (!on_done(i)) {
        abort.store(true);
        break;
      }
    }
    for (auto& t : threads) t.join();
  }

 private:
  void take(Job& job, formats::PaddedBuffer& buffer) {
    auto got = s3_.get_object(bucket_, job.key, buffer);
    if (!got) {
      if (got.error().code == "NoSuchKey" || got.error().http_status == 404) {
        job.gone = true;
      } else {
        job.error = std::move(got.error());
      }
      return;
    }
    pipeline::DocumentInfo info;
    info.origin = "s3://" + bucket_ + "/" + job.key;
    info.bytes = static_cast<int64_t>(buffer.size());
    info.record_as_file = true;
    auto added = session_.add_document(info, buffer);
    if (!added) {
      job.store_error = added.error().to_string();
      return;
    }
    job.ok = true;
  }

  aws::S3Client& s3_;
  std::string bucket_;
  pipeline::IngestSession& session_;
  const std::atomic<bool>* stop_;
  int finished_workers_ = 0;
};

class S3Collector final : public collect::Collector {
 public:
  S3Collector(S3Settings settings, S3Url url, std::shared_ptr<aws::AwsClient> client)
      : settings_(std::move(settings)),
        url_(std::move(url)),
        client_(std::move(client)),
        s3_(client_, settings_.region) {
    if (!settings_.queue_url.empty()) {
      sqs_ = std::make_unique<aws::SqsClient>(client_, settings_.queue_url);
    }
  }

  std::string id() const override { return "s3:" + url_.bucket + "/" + url_.prefix; }

  Result<collect::PollResult> poll(collect::CollectContext& ctx) override {
    if (ctx.session == nullptr || ctx.workspace == nullptr) {
      return make_error(ErrorCode::kInternal, "the S3 collector needs a session and a workspace");
    }
    const Clock& clock = ctx.clock != nullptr ? *ctx.clock : SystemClock::instance();
    uint64_t records_before = ctx.session->summary().records;
    int64_t started = clock.monotonic_nanos();
    PollState st;
    st.now_us = clock.now_micros();
    st.until_us = ctx.until_us > 0 ? ctx.until_us : st.now_us;
    Status status = sqs_ ? poll_queue(ctx, st) : poll_listing(ctx, st);
    // Commit what was added (the checkpoints and remembered keys go with it).
    Status flushed = ctx.session->flush();
    if (sqs_) drain_deletes(st);
    taken_.clear();
    collect::PollResult result;
    result.caught_up = status.has_value() && flushed.has_value() && st.caught_up;
    result.documents = st.documents;
    result.events = ctx.session->summary().records - records_before;
    if (ctx.health != nullptr) {
      collect::HealthSample sample;
      sample.connector = id();
      sample.scope = "s3://" + url_.bucket + "/" + url_.prefix;
      sample.lag_seconds = st.newest_delivery_us > 0
                               ? std::max<int64_t>(0, (st.now_us - st.newest_delivery_us) / 1000000)
                               : -1;
      sample.backlog = st.backlog;
      sample.events = result.events;
      double seconds = static_cast<double>(clock.monotonic_nanos() - started) / 1e9;
      sample.events_per_second = seconds > 0 ? static_cast<double>(result.events) / seconds : 0;
      if (!status || !flushed) {
        sample.status = collect::HealthStatus::kFailure;
        sample.error_code = st.error_code.empty() ? "Error" : st.error_code;
        sample.reason =
            escape_control(!status ? status.error().to_string() : flushed.error().to_string());
      } else if (st.warnings > 0) {
        sample.status = collect::HealthStatus::kWarning;
        sample.error_code = st.error_code;
        sample.reason = escape_control(st.warning_text);
      }
      ctx.health->report(sample);
    }
    if (!flushed) return std::unexpected(flushed.error());
    if (!status) return std::unexpected(status.error());
    return result;
  }

 private:
  struct PollState {
    int64_t now_us = 0;
    int64_t until_us = 0;
    bool caught_up = true;
    uint64_t documents = 0;
    int64_t newest_delivery_us = 0;
    int64_t backlog = 0;
    std::string error_code;
    int warnings = 0;
    std::string warning_text;
    std::vector<std::string> deletes;  // receipt handles (queue mode)
  };

  bool stopping(const collect::CollectContext& ctx) const {
    return ctx.stop != nullptr && ctx.stop->load();
  }

  Error aws_failure(PollState& st, const aws::AwsError& e, std::string context) {
    st.error_code = e.code.empty() ? "Unavailable" : e.code;
    return e.to_error(std::move(context));
  }

  bool wanted(KeyKind kind) const {
    return (kind == KeyKind::kCloudTrail && settings_.cloudtrail) ||
           (kind == KeyKind::kGuardDuty && settings_.guardduty);
  }

  std::string origin(std::string_view key) const {
    return "s3://" + url_.bucket + "/" + std::string(key);
  }

  // ---- listing mode ----

  Status discover(collect::CollectContext& ctx, PollState& st, const std::string& prefix,
                  std::vector<std::string>& partitions, int depth) {
    PrefixInfo info = classify_prefix(prefix);
    if (info.level == PrefixLevel::kSkip) return {};
    if (info.level == PrefixLevel::kPartition) {
      if (std::find(partitions.begin(), partitions.end(), info.partition) == partitions.end()) {
        partitions.push_back(info.partition);
      }
      return {};
    }
    if (depth > 8) return {};
    aws::ListObjectsParams params;
    params.prefix = prefix;
    params.delimiter = "/";
    params.max_keys = settings_.max_keys;
    std::vector<std::string> children;
    while (true) {
      if (stopping(ctx)) return {};
      auto page = s3_.list_objects_v2(url_.bucket, params);
      if (!page)
        return std::unexpected(aws_failure(st, page.error(), "s3://" + url_.bucket + "/" + prefix));
      for (auto& cp : page->common_prefixes) {
        // Above AWSLogs/ only the AWSLogs/ folder itself is worth descending into.
        if (info.level == PrefixLevel::kAboveAwsLogs && !cp.ends_with("AWSLogs/")) continue;
        children.push_back(std::move(cp));
      }
      if (!page->truncated) break;
      params.continuation_token = page->next_token;
    }
    for (const auto& child : children) {
      if (!child.starts_with(prefix)) continue;  // a misbehaving server; never loop
      if (auto s = discover(ctx, st, child, partitions, depth + 1); !s) return s;
    }
    return {};
  }

  Status poll_listing(collect::CollectContext& ctx, PollState& st) {
    std::vector<std::string> partitions;
    if (auto s = discover(ctx, st, url_.prefix, partitions, 0); !s) {
      st.caught_up = false;
      return s;
    }
    std::sort(partitions.begin(), partitions.end());
    Status first_error;
    for (const auto& partition : partitions) {
      if (stopping(ctx)) {
        st.caught_up = false;
        break;
      }
      Status s = collect_partition(ctx, st, partition);
      if (!s) {
        st.caught_up = false;
        log::warn("s3 collector: {}", escape_control(s.error().to_string()));
        if (first_error) first_error = s;
        if (s.error().code == ErrorCode::kStore || s.error().code == ErrorCode::kInternal) break;
      }
    }
    return first_error;
  }

  Status collect_partition(collect::CollectContext& ctx, PollState& st,
                           const std::string& partition) {
    auto checkpoint = ctx.workspace->load_checkpoint(id(), partition);
    if (!checkpoint) return std::unexpected(checkpoint.error());
    std::string last = checkpoint->value_or("");
    int64_t since_us = settings_.since_us > 0 ? settings_.since_us : st.now_us - 30 * kDayUs;
    int64_t start_day = floor_days(since_us);
    if (!last.empty()) {
      KeyInfo info = classify_key(last);
      if (info.kind != KeyKind::kIgnored && info.kind != KeyKind::kDigest) {
        int64_t late_days = (std::max<int64_t>(0, settings_.late_window_us) + kDayUs - 1) / kDayUs;
        start_day = key_days(info) - late_days;
      }
    }
    int64_t until_day = floor_days(st.until_us);
    if (start_day > until_day) return {};

    aws::ListObjectsParams params;
    params.prefix = partition;
    params.max_keys = settings_.max_keys;
    // "P/2024/01/13" sorts before every key of that day's folder.
    params.start_after = partition + day_folder(start_day);
    std::string day_loaded;  // the day folder whose remembered keys are in `remembered`
    std::unordered_set<std::string> remembered;
    std::string contiguous = last;  // the checkpoint to write
    bool blocked = false;           // a key was left behind: the checkpoint stops there
    bool done = false;
    while (!done) {
      if (stopping(ctx)) {
        st.caught_up = false;
        return {};
      }
      auto page = s3_.list_objects_v2(url_.bucket, params);
      if (!page) {
        return std::unexpected(
            aws_failure(st, page.error(), "s3://" + url_.bucket + "/" + partition));
      }
      std::vector<Job> jobs;
      // Keys whose fate is settled without a download but which advance the checkpoint only
      // once every job before them is taken: (index of the next job, key).
      std::vector<std::pair<size_t, std::string>> settled;
      for (const auto& object : page->contents) {
        const std::string& key = object.key;
        if (!key.starts_with(partition)) continue;
        KeyInfo info = classify_key(key);
        if (info.kind != KeyKind::kIgnored && info.kind != KeyKind::kDigest &&
            key_days(info) > until_day) {
          done = true;
          break;
        }
        bool take = wanted(info.kind) && key.starts_with(url_.prefix);
        int64_t delivery = info.delivery_us > 0 ? info.delivery_us : object.last_modified_us;
        if (take && delivery > 0 && delivery < since_us && last.empty()) take = false;
        if (take && delivery > st.until_us) {
          blocked = true;  // later: not yet
          continue;
        }
        if (take) {
          std::string day = key.substr(0, partition.size() + 11);  // "P/YYYY/MM/DD/"
          if (day != day_loaded) {
            auto origins = ctx.workspace->origins_with_prefix(origin(day));
            if (!origins) return std::unexpected(origins.error());
            remembered.clear();
            size_t skip = origin("").size();
            for (auto& o : *origins) remembered.insert(o.substr(std::min(skip, o.size())));
            day_loaded = day;
          }
          if (remembered.count(key) != 0 || taken_.count(key) != 0) take = false;
        }
        if (delivery > st.newest_delivery_us && wanted(info.kind)) st.newest_delivery_us = delivery;
        if (take) {
          Job job;
          job.key = key;
          job.delivery_us = delivery;
          jobs.push_back(std::move(job));
        } else if (wanted(info.kind)) {
          // Already taken, or before --since: settled, and the checkpoint may pass it. Other
          // keys (digests, unknown files) never become a checkpoint.
          settled.emplace_back(jobs.size(), key);
        }
      }
      st.backlog += static_cast<int64_t>(jobs.size());
      // Take the jobs; advance the checkpoint in key order.
      size_t settled_pos = 0;
      auto advance_settled = [&](size_t jobs_done) {
        while (settled_pos < settled.size() && settled[settled_pos].first <= jobs_done) {
          if (!blocked && settled[settled_pos].second > contiguous) {
            contiguous = settled[settled_pos].second;
          }
          ++settled_pos;
        }
      };
      advance_settled(0);
      Status failure;
      Fetcher fetcher(s3_, url_.bucket, *ctx.session, ctx.stop);
      fetcher.run(jobs, settings_.concurrency, [&](size_t i) {
        Job& job = jobs[i];
        if (!job.store_error.empty()) {
          failure = make_error(ErrorCode::kStore, job.store_error, origin(job.key));
          st.error_code = "StoreFailed";
          return false;
        }
        if (!job.ok && !job.gone) {
          failure = std::unexpected(aws_failure(st, job.error, origin(job.key)));
          return false;
        }
        --st.backlog;
        if (job.ok) {
          ++st.documents;
          taken_.insert(job.key);
        } else {
          log::warn("s3 collector: {} was deleted before it could be read",
                    escape_control(origin(job.key)));
        }
        if (!blocked && job.key > contiguous) contiguous = job.key;
        advance_settled(i + 1);
        return true;
      });
      if (contiguous != last && !contiguous.empty()) {
        if (auto s = ctx.session->set_checkpoint(id(), partition, contiguous); !s) return s;
        last = contiguous;
      }
      if (!failure) return failure;
      if (stopping(ctx)) {
        st.caught_up = false;
        return {};
      }
      if (!page->truncated) break;
      params.continuation_token = page->next_token;
      params.start_after.clear();
    }
    return {};
  }

  // ---- queue mode ----

  void drain_deletes(PollState& st) {
    std::vector<std::string> handles;
    {
      std::lock_guard lock(ready_->mu);
      handles.swap(ready_->handles);
    }
    if (handles.empty()) return;
    auto failed = sqs_->delete_messages(handles);
    if (!failed) {
      // Not lost: the messages come back after their visibility timeout and are recognised
      // as already taken.
      log::warn("s3 collector: deleting {} messages failed: {}", handles.size(),
                escape_control(failed.error().to_string()));
      ++st.warnings;
      st.error_code = failed.error().code;
      st.warning_text = "deleting SQS messages failed: " + failed.error().to_string();
      return;
    }
    for (const auto& f : *failed) {
      log::warn("s3 collector: deleting a message failed: {}: {}", escape_control(f.code),
                escape_control(f.message));
    }
  }

  Status poll_queue(collect::CollectContext& ctx, PollState& st) {
    const Clock& clock = ctx.clock != nullptr ? *ctx.clock : SystemClock::instance();
    drain_deletes(st);
    int handled = 0;
    st.caught_up = false;
    while (!stopping(ctx) && handled < settings_.max_messages_per_poll) {
      auto messages = sqs_->receive(10, settings_.wait_seconds, settings_.visibility_timeout);
      int64_t received_ns = clock.monotonic_nanos();
      if (!messages) {
        return std::unexpected(aws_failure(st, messages.error(), settings_.queue_url));
      }
      if (messages->empty()) {
        st.caught_up = true;
        break;
      }
      handled += static_cast<int>(messages->size());
      std::vector<Job> jobs;
      std::vector<std::vector<size_t>> jobs_of(messages->size());  // message -> job indexes
      std::vector<bool> decodable(messages->size(), true);
      std::set<std::string> batch_keys;
      for (size_t m = 0; m < messages->size(); ++m) {
        const aws::SqsMessage& msg = (*messages)[m];
        auto note = decode_notification(msg.body);
        if (!note) {
          // Not ours to drop: it stays in the queue (and reaches its dead-letter queue).
          decodable[m] = false;
          ++st.warnings;
          st.error_code = "UndecodableMessage";
          st.warning_text = "an SQS message is not an S3 notification: " + note.error().message;
          log::warn("s3 collector: message {}: {}", escape_control(msg.message_id),
                    escape_control(note.error().message));
          continue;
        }
        if (msg.sent_us > st.newest_delivery_us) st.newest_delivery_us = msg.sent_us;
        for (const auto& ref : note->objects) {
          if (ref.bucket != url_.bucket || !ref.key.starts_with(url_.prefix)) continue;
          KeyInfo info = classify_key(ref.key);
          if (!wanted(info.kind)) continue;
          if (batch_keys.count(ref.key) != 0) {
            // Another message of this batch names it: it waits for that job too.
            for (size_t j = 0; j < jobs.size(); ++j) {
              if (jobs[j].key == ref.key) jobs_of[m].push_back(j);
            }
            continue;
          }
          if (taken_.count(ref.key) != 0) continue;
          auto origins = ctx.workspace->origins_with_prefix(origin(ref.key));
          if (!origins) return std::unexpected(origins.error());
          if (std::find(origins->begin(), origins->end(), origin(ref.key)) != origins->end()) {
            continue;  // already taken: a redelivery
          }
          batch_keys.insert(ref.key);
          Job job;
          job.key = ref.key;
          job.delivery_us = info.delivery_us;
          jobs_of[m].push_back(jobs.size());
          jobs.push_back(std::move(job));
        }
      }
      Status failure;
      Fetcher fetcher(s3_, url_.bucket, *ctx.session, ctx.stop);
      // Objects slow to fetch: the batch's messages are hidden again before they reappear.
      int64_t extend_at_ns = received_ns + int64_t{settings_.visibility_timeout} * 1000000000 / 2;
      auto keep_hidden = [&] {
        if (clock.monotonic_nanos() < extend_at_ns) return;
        for (const auto& msg : *messages) {
          if (auto r = sqs_->change_visibility(msg.receipt_handle, settings_.visibility_timeout);
              !r) {
            log::warn("s3 collector: ChangeMessageVisibility: {}",
                      escape_control(r.error().to_string()));
          }
        }
        extend_at_ns =
            clock.monotonic_nanos() + int64_t{settings_.visibility_timeout} * 1000000000 / 2;
      };
      fetcher.run(jobs, settings_.concurrency, [&](size_t i) {
        Job& job = jobs[i];
        keep_hidden();
        if (!job.store_error.empty()) {
          failure = make_error(ErrorCode::kStore, job.store_error, origin(job.key));
          st.error_code = "StoreFailed";
          return false;
        }
        if (job.ok) {
          ++st.documents;
          taken_.insert(job.key);
          if (job.delivery_us > st.newest_delivery_us) st.newest_delivery_us = job.delivery_us;
        } else if (job.gone) {
          log::warn("s3 collector: {} was deleted before it could be read",
                    escape_control(origin(job.key)));
        } else {
          // Keep going with the other objects; this message stays in the queue.
          ++st.warnings;
          st.error_code = job.error.code;
          st.warning_text = "GetObject " + origin(job.key) + ": " + job.error.to_string();
        }
        return true;
      });
      if (!failure) return failure;
      if (stopping(ctx)) return {};
      std::vector<std::string> deletable;
      for (size_t m = 0; m < messages->size(); ++m) {
        if (!decodable[m]) continue;
        bool all = true;
        for (size_t j : jobs_of[m]) all = all && (jobs[j].ok || jobs[j].gone);
        if (all) deletable.push_back((*messages)[m].receipt_handle);
      }
      if (!deletable.empty()) {
        auto s =
            ctx.session->after_commit([ready = ready_, handles = std::move(deletable)]() mutable {
              std::lock_guard lock(ready->mu);
              for (auto& h : handles) ready->handles.push_back(std::move(h));
            });
        if (!s) return s;
      }
      if (st.warnings > 0 && !st.error_code.empty() && st.error_code != "UndecodableMessage") {
        // An object could not be read: report it as a failure of this poll.
        return make_error(ErrorCode::kUnavailable, st.warning_text);
      }
    }
    auto backlog = sqs_->approximate_messages();
    st.backlog = backlog ? *backlog : -1;
    return {};
  }

  S3Settings settings_;
  S3Url url_;
  std::shared_ptr<aws::AwsClient> client_;
  aws::S3Client s3_;
  std::unique_ptr<aws::SqsClient> sqs_;
  std::unordered_set<std::string> taken_;  // added in this poll, not yet known committed
  // Receipt handles of messages whose objects are committed: safe to delete. Shared with the
  // session's after-commit callbacks, which may outlive a poll.
  struct ReadyDeletes {
    std::mutex mu;
    std::vector<std::string> handles;
  };
  std::shared_ptr<ReadyDeletes> ready_ = std::make_shared<ReadyDeletes>();
};

}  // namespace

Result<std::unique_ptr<collect::Collector>> make_s3_collector(
    const S3Settings& settings, std::shared_ptr<const aws::AwsConfig> config,
    std::shared_ptr<aws::CredentialsProvider> credentials) {
  auto url = parse_s3_url(settings.url);
  if (!url) return std::unexpected(url.error());
  if (config == nullptr) return make_error(ErrorCode::kInternal, "no AWS configuration");
  if (credentials == nullptr) {
    auto chain = config->default_credentials();
    if (!chain) return std::unexpected(chain.error());
    credentials = std::move(*chain);
  }
  if (settings.concurrency < 1 || settings.concurrency > 32) {
    return make_error(ErrorCode::kInvalidArgument, "S3 concurrency must be between 1 and 32");
  }
  if (settings.late_window_us < 0 || settings.late_window_us > 60 * kDayUs) {
    return make_error(ErrorCode::kInvalidArgument, "the late-arrival window must be 0 to 60 days");
  }
  auto client = std::make_shared<aws::AwsClient>(std::move(config), std::move(credentials));
  return std::unique_ptr<collect::Collector>(
      new S3Collector(settings, std::move(*url), std::move(client)));
}

}  // namespace trailwarden::sources::s3
