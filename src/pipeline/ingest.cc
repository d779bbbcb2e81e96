#include "pipeline/ingest.h"

#include <fmt/format.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "core/log.h"
#include "core/text.h"
#include "enrich/enricher.h"
#include "formats/cloudtrail/normalizer.h"
#include "formats/guardduty/finding.h"
#include "pipeline/batch_queue.h"
#include "pipeline/session.h"
#include "sources/file/file_source.h"
#include "store/raw_codec.h"

namespace trailwarden::pipeline {

namespace ct = formats::cloudtrail;
using formats::RejectReason;

namespace {

constexpr size_t kMaxRejectionSamples = 20;

// Batches go back and forth between the two threads instead of being allocated anew: a
// fresh batch's buffers cost page faults on every first touch (measured: ~10% of decoding).
class BatchPool {
 public:
  std::unique_ptr<store::AppendBatch> acquire() {
    std::lock_guard lock(mu_);
    if (free_.empty()) return std::make_unique<store::AppendBatch>();
    auto b = std::move(free_.back());
    free_.pop_back();
    return b;
  }
  void release(std::unique_ptr<store::AppendBatch> b) {
    b->clear();
    std::lock_guard lock(mu_);
    if (free_.size() < 4) free_.push_back(std::move(b));
  }

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<store::AppendBatch>> free_;
};

// The decoding half: turns files into batches.
class BatchBuilder final : public ct::RecordSink {
 public:
  BatchBuilder(const IngestOptions& options, const Clock& clock, store::Workspace& ws,
               IngestSummary& summary, BatchPool& pool, store::AppendHook* hook)
      : options_(options),
        hook_(hook),
        pool_(pool),
        clock_(clock),
        summary_(summary),
        normalizer_(options.limits.max_record_bytes, options.limits.max_depth),
        compressor_(options.compression_level),
        next_dict_id_(ws.next_dictionary_id()) {
    if (options.detection) {
      matcher_.emplace(options.detection);
      enricher_ = options.detection->enricher();
      if (enricher_) ip_cache_.emplace(*enricher_, 4096);
      if (options.detection->policies() && options.detection->policies()->any_enabled())
        extractor_.emplace(options.detection->policies(), enricher_);
    }
    if (auto d = ws.current_dictionary()) {
      dict_ = std::move(*d);
      compressor_.set_dictionary(&*dict_);
    }
    fresh_batch();
  }

  // Starts a file; records and rejections that follow belong to it. `record_as_file`: false
  // for documents that are not files (LookupEvents pages): no IngestedFiles row.
  void begin_file(const sources::FileRef& file, bool record_as_file = true) {
    record_as_file_ = record_as_file;
    file_ = store::FileEntry{};
    file_.origin = file.path;
    file_.bytes = static_cast<int64_t>(file.size);
    file_.first_row = batch_->rows.size();
    file_records_ = 0;
    file_rejected_ = 0;
    file_rejected_records_ = 0;
    first_reason_.clear();
    ctx_.origin = file_.origin;
    ctx_.ingestion_time_us = clock_.now_micros();
  }

  void end_file(const ct::DecodeResult& decoded) {
    file_.format = std::string(ct::file_format_name(decoded.format));
    ++summary_.files_by_format[file_.format];
    int64_t stored_candidates = file_records_ - file_rejected_records_;
    if (decoded.skip != formats::SkipReason::kNone && file_records_ == 0) {
      file_.status = "skipped";
      file_.reason = std::string(formats::skip_reason_name(decoded.skip));
      ++summary_.skipped;
      ++summary_.skipped_by_reason[file_.reason];
    } else if (file_rejected_ == 0) {
      file_.status = "stored";
    } else if (stored_candidates > 0) {
      file_.status = "partial";
      file_.reason = first_reason_;
    } else {
      file_.status = "rejected";
      file_.reason = first_reason_;
    }
    file_.records = file_records_;
    file_.rejected = file_rejected_;
    file_.row_count = batch_->rows.size() - file_.first_row;
    file_.final = true;
    if (record_as_file_) batch_->files.push_back(file_);
    ++summary_.files;
  }

  void on_record(std::string_view record, int64_t index, int64_t line) override {
    ++file_records_;
    ++summary_.records;
    ctx_.origin_index = index;
    if (compress_as_we_go_) {
      scratch_.clear();
      compressor_.compress(record, scratch_);
      ctx_.stored_raw = scratch_;
    } else {
      ctx_.stored_raw.reset();
    }
    auto r = normalizer_.normalize(record, ctx_, batch_->rows);
    if (!r) {
      // Not a CloudTrail record for want of an eventID: it may be a GuardDuty finding (their
      // id is "id"). Tried only here, so CloudTrail records pay nothing for findings.
      if (r.error().reason == RejectReason::kMissingEventId && take_finding(record, index, line))
        return;
      reject(r.error().reason, index,
             line > 0 ? fmt::format("line {} record {}", line, index)
                      : fmt::format("record {}", index),
             record, r.error().detail, record.size());
      return;
    }
    // What enrichment knows about the row's source (cached per builder); the batch collects
    // each distinct source once for the IpEnrichment table.
    const enrich::IpInfo* ip_info = ip_cache_ ? &enrich_source(batch_->rows.size() - 1) : nullptr;
    if (matcher_) {
      auto* hits = static_cast<detect::BatchHits*>(batch_->detection.get());
      size_t before = hits->hits.size();
      matcher_->match(normalizer_.last_record(), "cloudtrail",
                      static_cast<uint32_t>(batch_->rows.size() - 1), hits->hits);
      summary_.rule_hits += hits->hits.size() - before;
      if (extractor_) {
        extractor_->extract(normalizer_.last_record(), ip_info,
                            static_cast<uint32_t>(batch_->rows.size() - 1), hits->activities);
      }
    }
    batch_bytes_ += ctx_.stored_raw.value_or(record).size() + 256;
    if (!compress_as_we_go_ && batch_->rows.size() >= options_.dictionary_train_rows) {
      // Enough records to train the workspace's dictionary: compress what the batch holds
      // and go on per record, in the same batch (so batches stay aligned to row groups).
      compress_all();
      compress_as_we_go_ = true;
    }
  }

  void on_reject(RejectReason reason, int64_t index, std::string_view location,
                 std::string_view bytes, std::string_view detail) override {
    if (index >= 0) {
      ++file_records_;
      ++summary_.records;
    }
    reject(reason, index, location, bytes, detail, bytes.size());
  }

  // A whole-file problem found before decoding (unreadable, too large).
  void reject_file(RejectReason reason, std::string_view detail) {
    reject(reason, -1, "file", {}, detail, 0);
  }

  // A GuardDuty finding goes to AWSGuardDuty (and meets the guardduty rules). False: the
  // record is not a finding, and is rejected as the CloudTrail record it failed to be.
  bool take_finding(std::string_view record, int64_t index, int64_t line) {
    simdjson::dom::element root;
    if (finding_parser_.parse(record.data(), record.size(), false).get(root)) return false;
    simdjson::dom::object obj;
    if (root.get_object().get(obj) || !formats::guardduty::is_finding(obj)) return false;
    store::GuardDutyRow row;
    if (auto r = formats::guardduty::to_row(obj, record, file_.origin, ctx_.ingestion_time_us, row);
        !r) {
      reject(r.error().reason, index,
             line > 0 ? fmt::format("line {} record {}", line, index)
                      : fmt::format("record {}", index),
             record, r.error().detail, record.size());
      return true;
    }
    ++summary_.findings;
    if (matcher_) {
      auto* hits = static_cast<detect::BatchHits*>(batch_->detection.get());
      size_t before = hits->hits.size();
      matcher_->match(root, "guardduty",
                      detect::kFindingRowBase + static_cast<uint32_t>(batch_->findings.size()),
                      hits->hits);
      summary_.rule_hits += hits->hits.size() - before;
    }
    batch_bytes_ += record.size() * 2 + 512;
    batch_->findings.push_back(std::move(row));
    return true;
  }

  // Progress that commits with everything added so far.
  void add_checkpoint(std::string_view connector, std::string_view key, std::string_view value) {
    batch_->checkpoints.push_back({std::string(connector), std::string(key), std::string(value)});
  }

  bool full() const {
    return batch_->rows.size() >= options_.batch_rows || batch_bytes_ >= options_.batch_bytes;
  }

  // Cuts the batch in the middle of the current file (a large file spans batches).
  std::unique_ptr<store::AppendBatch> cut_mid_file() {
    store::FileEntry part = file_;
    part.row_count = batch_->rows.size() - file_.first_row;
    part.final = false;
    batch_->files.push_back(part);
    auto done = finish();
    file_.first_row = 0;
    return done;
  }

  // Hands the batch over, compressing its raw records first if that was not done per record.
  std::unique_ptr<store::AppendBatch> finish() {
    if (!compress_as_we_go_) compress_all();
    auto done = std::move(batch_);
    fresh_batch();
    return done;
  }

  bool has_content() const {
    return !batch_->rows.empty() || !batch_->rejects.empty() || !batch_->files.empty() ||
           !batch_->findings.empty() || !batch_->checkpoints.empty();
  }

 private:
  // Looks up row `row`'s SourceIpAddress and records it in the batch's IpEnrichment rows
  // (first and last event time seen in this batch).
  const enrich::IpInfo& enrich_source(size_t row) {
    const auto& src_col = batch_->rows.column(ct::Col::kSourceIpAddress);
    std::string_view source = src_col.is_null(row) ? std::string_view() : src_col.str(row);
    const enrich::IpInfo& info = ip_cache_->get(source);
    if (source.empty()) return info;
    const int64_t t = batch_->rows.column(ct::Col::kTimeGenerated).ints[row];
    auto [it, inserted] = batch_sources_.try_emplace(std::string(source), 0);
    if (!inserted) {
      store::IpEnrichmentRow& r = batch_->ip_enrichment[it->second];
      r.first_seen_us = std::min(r.first_seen_us, t);
      r.last_seen_us = std::max(r.last_seen_us, t);
      return info;
    }
    it->second = batch_->ip_enrichment.size();
    store::IpEnrichmentRow& r = batch_->ip_enrichment.emplace_back();
    r.source = std::string(source);
    r.kind = std::string(enrich::source_kind_name(info.kind));
    if (info.located) {
      r.country = info.country;
      r.city = info.city;
      if (info.latitude != 0 || info.longitude != 0) {
        r.latitude = info.latitude;
        r.longitude = info.longitude;
      }
      r.accuracy_km = info.accuracy_km;
    }
    r.asn = info.asn;
    r.as_org = info.as_org;
    r.lists = info.lists;
    r.first_seen_us = t;
    r.last_seen_us = t;
    return info;
  }

  // The batch holds uncompressed records (no dictionary yet): train one from them if there
  // are enough, then compress them all in place.
  void compress_all() {
    auto& raw = batch_->rows.mutable_column(ct::Col::kRawZ);
    const size_t n = batch_->rows.size();
    if (!dict_ && n >= options_.dictionary_min_rows) train(raw, n);
    // Compress into the spare buffer, then swap: the uncompressed buffer becomes the spare.
    std::string& packed = spare_raw_;
    packed.clear();
    uint64_t begin = 0;
    for (size_t i = 0; i < n; ++i) {
      uint64_t end = raw.ends[i];
      compressor_.compress(std::string_view(raw.bytes).substr(begin, end - begin), packed);
      raw.ends[i] = static_cast<uint32_t>(packed.size());  // smaller than the input
      begin = end;
    }
    raw.bytes.swap(packed);
  }

  void fresh_batch() {
    batch_sources_.clear();
    // List files changed since the last check are read again (at most every few seconds).
    if (enricher_) enricher_->maybe_reload();
    batch_ = pool_.acquire();
    batch_->hook = hook_;
    if (matcher_ && !batch_->detection) batch_->detection = std::make_unique<detect::BatchHits>();
    compress_as_we_go_ = dict_.has_value();
    batch_->rows.reserve(std::min<size_t>(options_.batch_rows, 65536), 16u << 20);
    batch_bytes_ = 0;
  }

  void train(const ct::ColumnData& raw, size_t n) {
    std::vector<std::string_view> samples;
    size_t step = std::max<size_t>(1, n / options_.dictionary_samples);
    for (size_t i = 0; i < n && samples.size() < options_.dictionary_samples; i += step) {
      samples.push_back(raw.str(i));
    }
    auto d = store::train_raw_dictionary(samples, next_dict_id_);
    if (!d) return;  // too uniform or too few: compress without; a later batch retries
    ++next_dict_id_;
    dict_ = std::move(*d);
    compressor_.set_dictionary(&*dict_);
    batch_->new_dictionary = dict_;
  }

  void reject(RejectReason reason, int64_t index, std::string_view location, std::string_view bytes,
              std::string_view detail, size_t original) {
    ++file_rejected_;
    if (index >= 0) ++file_rejected_records_;
    ++summary_.rejected;
    std::string code(formats::reject_reason_name(reason));
    ++summary_.rejected_by_reason[code];
    if (first_reason_.empty()) first_reason_ = code;
    if (summary_.rejection_samples.size() < kMaxRejectionSamples) {
      summary_.rejection_samples.push_back(
          fmt::format("{} ({}): {}: {}", file_.origin, location, code, detail));
    }
    store::RejectedItem item;
    item.origin = file_.origin;
    item.index = index;
    item.location = std::string(location);
    item.reason = std::move(code);
    item.detail = std::string(detail);
    item.original_bytes = static_cast<int64_t>(original);
    item.bytes = std::string(bytes.substr(0, options_.limits.max_reject_bytes));
    batch_bytes_ += item.bytes.size() + 256;
    batch_->rejects.push_back(std::move(item));
  }

  const IngestOptions& options_;
  store::AppendHook* hook_;
  std::optional<detect::EventMatcher> matcher_;
  std::shared_ptr<enrich::Enricher> enricher_;
  std::optional<enrich::Enricher::Cache> ip_cache_;
  std::unordered_map<std::string, size_t> batch_sources_;  // source -> batch_->ip_enrichment
  std::optional<anomaly::ActivityExtractor> extractor_;
  BatchPool& pool_;
  std::string spare_raw_;
  std::string scratch_;
  bool compress_as_we_go_ = false;
  const Clock& clock_;
  IngestSummary& summary_;
  ct::CloudTrailNormalizer normalizer_;
  store::RawCompressor compressor_;
  std::optional<store::RawDictionary> dict_;
  uint32_t next_dict_id_;
  std::unique_ptr<store::AppendBatch> batch_;
  size_t batch_bytes_ = 0;
  store::FileEntry file_;
  bool record_as_file_ = true;
  simdjson::dom::parser finding_parser_;
  ct::RecordContext ctx_;
  int64_t file_records_ = 0;
  int64_t file_rejected_ = 0;          // records and whole-file problems
  int64_t file_rejected_records_ = 0;  // records only
  std::string first_reason_;
};

// A sink that cuts batches mid-file when they grow full.
class CuttingSink final : public ct::RecordSink {
 public:
  CuttingSink(BatchBuilder& builder,
              const std::function<bool(std::unique_ptr<store::AppendBatch>)>& emit)
      : builder_(builder), emit_(emit) {}
  void on_record(std::string_view record, int64_t index, int64_t line) override {
    builder_.on_record(record, index, line);
    if (builder_.full()) ok_ = emit_(builder_.cut_mid_file()) && ok_;
  }
  void on_reject(RejectReason reason, int64_t index, std::string_view location,
                 std::string_view bytes, std::string_view detail) override {
    builder_.on_reject(reason, index, location, bytes, detail);
  }
  bool ok() const { return ok_; }

 private:
  BatchBuilder& builder_;
  const std::function<bool(std::unique_ptr<store::AppendBatch>)>& emit_;
  bool ok_ = true;
};

}  // namespace

Result<IngestSummary> run_ingest(store::Workspace& workspace, const IngestOptions& options,
                                 const Clock& clock, const ProgressCallback& progress) {
  IngestSummary summary;
  const int64_t started = clock.monotonic_nanos();
  auto listing = sources::FileSource::list(options.paths);
  if (!listing) return std::unexpected(listing.error());
  log::info("listed {} files in {:.3f} s", listing->files.size(),
            (clock.monotonic_nanos() - started) / 1e9);

  std::optional<detect::AlertBuilder> alerts;
  if (options.detection) {
    alerts.emplace(options.detection, clock);
    if (auto s = alerts->restore(workspace); !s) return std::unexpected(s.error());
  }
  BatchPool pool;
  BatchBuilder builder(options, clock, workspace, summary, pool, alerts ? &*alerts : nullptr);
  ct::CloudTrailDecoder decoder(options.limits);
  formats::PaddedBuffer file_bytes;

  // The store half. In threaded mode it runs on its own thread behind a bounded queue.
  std::atomic<uint64_t> stored{0}, duplicates{0}, findings_stored{0};
  std::atomic<int64_t> store_nanos{0};
  int64_t span_min = 0, span_max = 0;  // written by the store thread, read after the join
  std::optional<Error> store_error;
  auto store_batch = [&](store::AppendBatch& batch) -> bool {
    const int64_t t0 = clock.monotonic_nanos();
    auto r = workspace.append(batch);
    store_nanos += clock.monotonic_nanos() - t0;
    if (!r) {
      store_error = r.error();
      return false;
    }
    stored += r->stored;
    duplicates += r->duplicates;
    findings_stored += r->findings;
    const auto& times = batch.rows.column(ct::Col::kTimeGenerated).ints;
    for (size_t i = 0; i < batch.rows.size(); ++i) {
      if (span_min == 0 || times[i] < span_min) span_min = times[i];
      if (span_max == 0 || times[i] > span_max) span_max = times[i];
    }
    return true;
  };
  BoundedQueue<std::unique_ptr<store::AppendBatch>> queue(2);
  std::thread store_thread;
  if (options.threaded) {
    store_thread = std::thread([&] {
      pthread_setname_np(pthread_self(), "tw-store");  // visible in top, perf and gdb
      while (auto batch = queue.pop()) {
        if (!store_batch(**batch)) {
          queue.close();
          return;
        }
        pool.release(std::move(*batch));
      }
    });
  }
  std::function<bool(std::unique_ptr<store::AppendBatch>)> emit =
      [&](std::unique_ptr<store::AppendBatch> batch) {
        if (options.threaded) return queue.push(std::move(batch));
        bool ok = store_batch(*batch);
        pool.release(std::move(batch));
        return ok;
      };

  for (const auto& [path, reason] : listing->unreadable) {
    builder.begin_file({path, 0});
    builder.reject_file(RejectReason::kIoError, reason);
    builder.end_file({});
  }

  int64_t last_progress = started;
  bool ok = true;
  const size_t total = listing->files.size();
  for (size_t i = 0; i < total && ok; ++i) {
    const auto& file = listing->files[i];
    summary.input_bytes += file.size;
    builder.begin_file(file);
    ct::DecodeResult decoded;
    if (file.size > options.max_file_bytes) {
      builder.reject_file(RejectReason::kFileTooLarge,
                          fmt::format("file of {} bytes exceeds the limit of {} bytes", file.size,
                                      options.max_file_bytes));
    } else if (auto st = sources::FileSource::read(file, options.max_file_bytes, file_bytes); !st) {
      builder.reject_file(RejectReason::kIoError, st.error().message);
    } else {
      CuttingSink sink(builder, emit);
      decoded = decoder.decode(file_bytes, sink);
      ok = sink.ok();
    }
    builder.end_file(decoded);
    if (ok && builder.full()) ok = emit(builder.finish());
    if (progress) {
      int64_t now = clock.monotonic_nanos();
      if (now - last_progress > 500'000'000 || i + 1 == total) {
        last_progress = now;
        progress({i + 1, total, summary.records, stored.load(), (now - started) / 1e9});
      }
    }
  }
  if (ok && builder.has_content()) ok = emit(builder.finish());
  if (options.threaded) {
    queue.close();
    store_thread.join();
  }
  summary.stored = stored.load();
  summary.duplicates = duplicates.load();
  summary.findings_stored = findings_stored.load();
  summary.seconds = (clock.monotonic_nanos() - started) / 1e9;
  summary.store_seconds = store_nanos.load() / 1e9;
  summary.min_event_us = span_min;
  summary.max_event_us = span_max;
  if (alerts) {
    summary.alerts_raised = alerts->alerts_raised();
    summary.alerts_updated = alerts->alerts_updated();
  }
  if (store_error) return std::unexpected(*store_error);
  return summary;
}

namespace {

// The session: one BatchBuilder behind a mutex (documents come from several collector
// threads), a store thread committing batches in order, and per-batch callbacks.
class IngestSessionImpl final : public IngestSession {
 public:
  IngestSessionImpl(store::Workspace& ws, IngestOptions options, const Clock& clock)
      : ws_(ws), options_(std::move(options)), clock_(clock), decoder_(options_.limits) {}

  Status start() {
    if (options_.detection) {
      alerts_.emplace(options_.detection, clock_);
      if (auto s = alerts_->restore(ws_); !s) return s;
    }
    builder_.emplace(options_, clock_, ws_, summary_, pool_, alerts_ ? &*alerts_ : nullptr);
    started_ = clock_.monotonic_nanos();
    store_thread_ = std::thread([this] { store_loop(); });
    return {};
  }

  ~IngestSessionImpl() override {
    if (store_thread_.joinable()) (void)finish();
  }

  Status add_document(const DocumentInfo& doc, formats::PaddedBuffer& bytes) override {
    std::lock_guard lock(mu_);
    if (auto s = check(); !s) return s;
    builder_->begin_file({doc.origin, static_cast<uint64_t>(doc.bytes)}, doc.record_as_file);
    summary_.input_bytes += static_cast<uint64_t>(doc.bytes);
    ct::DecodeResult decoded;
    bool ok = true;
    if (bytes.size() > options_.max_file_bytes) {
      builder_->reject_file(RejectReason::kFileTooLarge,
                            fmt::format("object of {} bytes exceeds the limit of {} bytes",
                                        bytes.size(), options_.max_file_bytes));
    } else {
      std::function<bool(std::unique_ptr<store::AppendBatch>)> emit =
          [this](std::unique_ptr<store::AppendBatch> b) { return emit_locked(std::move(b)); };
      CuttingSink sink(*builder_, emit);
      decoded = decoder_.decode(bytes, sink);
      ok = sink.ok();
    }
    builder_->end_file(decoded);
    if (ok && builder_->full()) ok = emit_locked(builder_->finish());
    if (!ok) return check();
    return {};
  }

  Status set_checkpoint(std::string_view connector, std::string_view key,
                        std::string_view value) override {
    std::lock_guard lock(mu_);
    if (auto s = check(); !s) return s;
    builder_->add_checkpoint(connector, key, value);
    return {};
  }

  Status after_commit(std::function<void()> fn) override {
    std::lock_guard lock(mu_);
    if (auto s = check(); !s) return s;
    callbacks_.push_back(std::move(fn));
    return {};
  }

  Status flush() override {
    uint64_t target = 0;
    {
      std::lock_guard lock(mu_);
      if (auto s = check(); !s) return s;
      if (builder_->has_content() || !callbacks_.empty()) {
        if (!emit_locked(builder_->finish())) return check();
      }
      target = emitted_;
    }
    std::unique_lock lock(done_mu_);
    done_cv_.wait(lock, [&] { return committed_ >= target || failed_; });
    if (failed_) return std::unexpected(*store_error_);
    return {};
  }

  Result<IngestSummary> finish() override {
    auto flushed = flush();
    {
      std::lock_guard lock(mu_);
      queue_.close();
    }
    if (store_thread_.joinable()) store_thread_.join();
    if (!flushed) return std::unexpected(flushed.error());
    return summary();
  }

  IngestSummary summary() const override {
    IngestSummary out;
    {
      std::lock_guard lock(mu_);
      out = summary_;
    }
    out.stored = stored_.load();
    out.duplicates = duplicates_.load();
    out.findings_stored = findings_stored_.load();
    out.store_seconds = store_nanos_.load() / 1e9;
    out.seconds = (clock_.monotonic_nanos() - started_) / 1e9;
    if (alerts_) {
      out.alerts_raised = alerts_->alerts_raised();
      out.alerts_updated = alerts_->alerts_updated();
    }
    return out;
  }

 private:
  struct Item {
    std::unique_ptr<store::AppendBatch> batch;
    std::vector<std::function<void()>> callbacks;
    uint64_t seq = 0;
  };

  Status check() const {
    std::lock_guard lock(done_mu_);
    if (failed_) return std::unexpected(*store_error_);
    return {};
  }

  // Called with mu_ held. Callbacks registered so far travel with this batch.
  bool emit_locked(std::unique_ptr<store::AppendBatch> batch) {
    Item item{std::move(batch), std::move(callbacks_), ++emitted_};
    callbacks_.clear();
    return queue_.push(std::move(item));
  }

  void store_loop() {
    pthread_setname_np(pthread_self(), "tw-store");
    while (auto item = queue_.pop()) {
      const int64_t t0 = clock_.monotonic_nanos();
      auto r = ws_.append(*item->batch);
      store_nanos_ += clock_.monotonic_nanos() - t0;
      if (!r) {
        std::lock_guard lock(done_mu_);
        store_error_ = r.error();
        failed_ = true;
        done_cv_.notify_all();
        queue_.close();
        return;
      }
      stored_ += r->stored;
      duplicates_ += r->duplicates;
      findings_stored_ += r->findings;
      for (auto& fn : item->callbacks) fn();
      pool_.release(std::move(item->batch));
      std::lock_guard lock(done_mu_);
      committed_ = item->seq;
      done_cv_.notify_all();
    }
  }

  store::Workspace& ws_;
  IngestOptions options_;
  const Clock& clock_;
  mutable std::mutex mu_;  // the builder, decoder, summary_ and callbacks_
  IngestSummary summary_;
  BatchPool pool_;
  std::optional<detect::AlertBuilder> alerts_;
  std::optional<BatchBuilder> builder_;
  ct::CloudTrailDecoder decoder_;
  std::vector<std::function<void()>> callbacks_;
  uint64_t emitted_ = 0;
  BoundedQueue<Item> queue_{2};
  std::thread store_thread_;
  mutable std::mutex done_mu_;
  std::condition_variable done_cv_;
  uint64_t committed_ = 0;
  bool failed_ = false;
  std::optional<Error> store_error_;
  std::atomic<uint64_t> stored_{0}, duplicates_{0}, findings_stored_{0};
  std::atomic<int64_t> store_nanos_{0};
  int64_t started_ = 0;
};

}  // namespace

Result<std::unique_ptr<IngestSession>> IngestSession::open(store::Workspace& workspace,
                                                           const IngestOptions& options,
                                                           const Clock& clock) {
  auto s = std::make_unique<IngestSessionImpl>(workspace, options, clock);
  if (auto st = s->start(); !st) return std::unexpected(st.error());
  return std::unique_ptr<IngestSession>(std::move(s));
}

}  // namespace trailwarden::pipeline
