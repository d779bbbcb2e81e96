#include "store/duckdb/duckdb_workspace.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "core/text.h"
#include "core/time.h"

namespace trailwarden::store {

namespace ct = formats::cloudtrail;
namespace fs = std::filesystem;

namespace {

constexpr int kSchemaVersion = 1;

const char* sql_type(ct::ColumnType t) {
  switch (t) {
    case ct::ColumnType::kString:
      return "VARCHAR";
    case ct::ColumnType::kTimestamp:
      return "TIMESTAMP";
    case ct::ColumnType::kBool:
      return "BOOLEAN";
    case ct::ColumnType::kInt:
      return "BIGINT";
    case ct::ColumnType::kBlob:
      return "BLOB";
  }
  return "VARCHAR";
}

// tw_raw(BLOB) -> VARCHAR: the stored record as JSON text.
void tw_raw_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  auto* dec = static_cast<const RawDecompressor*>(duckdb_scalar_function_get_extra_info(info));
  idx_t n = duckdb_data_chunk_get_size(input);
  duckdb_vector in = duckdb_data_chunk_get_vector(input, 0);
  auto* data = static_cast<duckdb_string_t*>(duckdb_vector_get_data(in));
  uint64_t* in_valid = duckdb_vector_get_validity(in);
  std::string out;
  for (idx_t i = 0; i < n; ++i) {
    if (in_valid != nullptr && !duckdb_validity_row_is_valid(in_valid, i)) {
      duckdb_vector_ensure_validity_writable(output);
      duckdb_validity_set_row_invalid(duckdb_vector_get_validity(output), i);
      continue;
    }
    const char* p = duckdb_string_t_data(&data[i]);
    uint32_t len = duckdb_string_t_length(data[i]);
    if (auto st = dec->decompress(std::string_view(p, len), out); !st) {
      duckdb_scalar_function_set_error(info, st.error().to_string().c_str());
      return;
    }
    duckdb_vector_assign_string_element_len(output, i, out.data(), out.size());
  }
}

Status register_tw_raw(duckdb_connection con, const RawDecompressor* dec) {
  duckdb_scalar_function f = duckdb_create_scalar_function();
  duckdb_scalar_function_set_name(f, "tw_raw");
  duckdb_logical_type blob = duckdb_create_logical_type(DUCKDB_TYPE_BLOB);
  duckdb_logical_type varchar = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
  duckdb_scalar_function_add_parameter(f, blob);
  duckdb_scalar_function_set_return_type(f, varchar);
  duckdb_destroy_logical_type(&blob);
  duckdb_destroy_logical_type(&varchar);
  duckdb_scalar_function_set_extra_info(f, const_cast<RawDecompressor*>(dec), nullptr);
  duckdb_scalar_function_set_function(f, tw_raw_function);
  duckdb_state st = duckdb_register_scalar_function(con, f);
  duckdb_destroy_scalar_function(&f);
  if (st != DuckDBSuccess) return make_error(ErrorCode::kStore, "cannot register tw_raw()");
  return {};
}

// Chosen per column instead of letting DuckDB analyse every method for every string column at
// each checkpoint, which was most of the commit time (bench/RESULTS.md).
const char* column_compression(const ct::ColumnSpec& c) {
  if (c.type == ct::ColumnType::kBlob) return "uncompressed";  // RawZ is zstd already
  if (c.name == "AwsEventId") return "fsst";                   // unique: hex digits and dashes
  if (c.type == ct::ColumnType::kString) return "dictionary";  // few distinct values per segment
  return nullptr;                                              // numbers: DuckDB decides
}

// One row per distinct sourceIPAddress value (store/enrichment_rows.h).
constexpr const char* kIpEnrichmentDdl =
    "CREATE TABLE IF NOT EXISTS IpEnrichment (Source VARCHAR PRIMARY KEY, Kind VARCHAR, Country "
    "VARCHAR, City VARCHAR, Latitude DOUBLE, Longitude DOUBLE, AccuracyKm INTEGER, Asn UINTEGER, "
    "AsOrg VARCHAR, Lists VARCHAR, FirstSeen TIMESTAMP, LastSeen TIMESTAMP)";

// AWSCloudTrail plus what enrichment said about each event's source address. A view of its
// own: with the join inside AWSCloudTrail, the built-in scheduled rule
// aws.impact.ec2_mass_compute_deployment (UNNEST over the view) ran out of ingest's 256 MB
// DuckDB memory on 1M events, which it does not without the join (docs/enrichment.md).
constexpr const char* kEnrichedViewDdl =
    "CREATE OR REPLACE VIEW AWSCloudTrailEnriched AS SELECT v.*, ip.Kind AS SourceIpKind, "
    "ip.Country AS SourceCountry, ip.City AS SourceCity, ip.Latitude AS SourceLatitude, "
    "ip.Longitude AS SourceLongitude, ip.Asn AS SourceAsn, ip.AsOrg AS SourceAsOrg, ip.Lists AS "
    "SourceIpLists FROM AWSCloudTrail v LEFT JOIN IpEnrichment ip ON ip.Source = "
    "v.SourceIpAddress";

// The Sentinel-named view. Physical columns pass through; the rest are derived from the raw
// record, which DuckDB only decompresses when a query uses one of them.
std::string view_sql() {
  auto raw_string = [](const char* path, const char* name) {
    return fmt::format("json_extract_string(Raw, '{}') AS {}", path, name);
  };
  auto raw_json = [](const char* path, const char* name) {
    return fmt::format("json_extract(Raw, '{}') AS {}", path, name);
  };
  std::vector<std::string> cols;
  for (const auto& c : ct::kColumns) {
    if (c.name == "RawZ") continue;
    cols.emplace_back(c.name);
    if (c.name == "AwsEventId") {
      cols.push_back(raw_string("$.requestID", "AwsRequestId_"));
      cols.push_back(raw_string("$.requestID", "AwsRequestId"));  // Sentinel's deprecated name
      cols.push_back(raw_string("$.eventVersion", "EventVersion"));
    } else if (c.name == "EventTypeName") {
      cols.push_back(raw_string("$.eventCategory", "Category"));
    } else if (c.name == "SessionCreationDate") {
      cols.push_back(
          raw_string("$.userIdentity.sessionContext.sessionIssuer.type", "SessionIssuerType"));
      cols.push_back(raw_string("$.userIdentity.sessionContext.sessionIssuer.principalId",
                                "SessionIssuerPrincipalId"));
      cols.push_back(raw_string("$.userIdentity.sessionContext.sessionIssuer.accountId",
                                "SessionIssuerAccountId"));
    } else if (c.name == "SessionIssuerUserName") {
      cols.push_back(
          raw_string("$.userIdentity.sessionContext.ec2RoleDelivery", "EC2RoleDelivery"));
      cols.push_back(
          raw_string("$.userIdentity.sessionContext.sourceIdentity", "SessionSourceIdentity"));
      cols.push_back(raw_string("$.apiVersion", "APIVersion"));
      cols.push_back(raw_string("$.sharedEventID", "SharedEventId"));
      cols.push_back(raw_string("$.vpcEndpointId", "VpcEndpointId"));
      cols.push_back(raw_string("$.tlsDetails.tlsVersion", "TlsVersion"));
      cols.push_back(raw_string("$.tlsDetails.cipherSuite", "CipherSuite"));
      cols.push_back(
          raw_string("$.tlsDetails.clientProvidedHostHeader", "ClientProvidedHostHeader"));
    }
  }
  cols.push_back(raw_json("$.requestParameters", "RequestParameters"));
  cols.push_back(raw_json("$.responseElements", "ResponseElements"));
  cols.push_back(raw_json("$.additionalEventData", "AdditionalEventData"));
  cols.push_back(raw_json("$.resources", "Resources"));
  cols.push_back(raw_json("$.serviceEventDetails", "ServiceEventDetails"));
  cols.push_back(raw_string("$.requestParameters.cidrIp", "CidrIp"));
  cols.push_back(raw_string("$.addendum.reason", "AddendumReason"));
  cols.emplace_back("'AWS' AS SourceSystem");
  cols.emplace_back("'AWSCloudTrail' AS Type");
  cols.emplace_back("Raw");
  std::string list;
  for (const auto& c : cols) {
    if (!list.empty()) list += ", ";
    list += c;
  }
  return "CREATE OR REPLACE VIEW AWSCloudTrail AS SELECT " + list +
         " FROM (SELECT *, tw_raw(RawZ) AS Raw FROM cloudtrail_events)";
}

std::string result_error(duckdb_result& r) {
  const char* e = duckdb_result_error(&r);
  return e ? e : "unknown DuckDB error";
}

}  // namespace

DuckDbWorkspace::DuckDbWorkspace(DuckDbOptions options, WorkspaceLock lock)
    : options_(std::move(options)),
      lock_(std::move(lock)),
      decompressor_(std::make_unique<RawDecompressor>()) {}

DuckDbWorkspace::~DuckDbWorkspace() {
  if (con_ != nullptr) duckdb_disconnect(&con_);
  if (db_ != nullptr) duckdb_close(&db_);
}

Result<std::unique_ptr<DuckDbWorkspace>> DuckDbWorkspace::open(const DuckDbOptions& options) {
  const bool rw = options.mode == OpenMode::kReadWrite;
  std::error_code ec;
  std::string db_path = options.dir + "/trailwarden.duckdb";
  if (rw) {
    fs::create_directories(options.dir, ec);
    if (ec) {
      return make_error(ErrorCode::kIo, "cannot create the workspace directory: " + ec.message(),
                        options.dir);
    }
  } else if (!fs::exists(db_path, ec)) {
    return make_error(ErrorCode::kNotFound,
                      "no workspace here: run `trailwarden ingest -w DIR PATH...` first",
                      options.dir);
  }
  auto lock = WorkspaceLock::acquire(
      options.dir, rw ? WorkspaceLock::Kind::kExclusive : WorkspaceLock::Kind::kShared,
      options.command, *options.clock);
  if (!lock) return std::unexpected(lock.error());

  std::unique_ptr<DuckDbWorkspace> ws(new DuckDbWorkspace(options, std::move(*lock)));
  duckdb_config config;
  duckdb_create_config(&config);
  duckdb_set_config(config, "access_mode", rw ? "READ_WRITE" : "READ_ONLY");
  duckdb_set_config(config, "autoinstall_known_extensions", "false");
  duckdb_set_config(config, "autoload_known_extensions", "false");
  if (!rw) {
    // Hunts read the workspace and nothing else: no files, no network, no extensions, and
    // no way to turn that back on from SQL.
    duckdb_set_config(config, "enable_external_access", "false");
    duckdb_set_config(config, "lock_configuration", "true");
  }
  if (options.threads > 0) {
    duckdb_set_config(config, "threads", std::to_string(options.threads).c_str());
  }
  if (rw) {
    // The store never deletes rows, so vacuuming has nothing to reclaim; it only merged the
    // partial row groups that batches leave, rewriting them and leaving the old blocks as
    // free space inside the file (44% of the file after 1M events; bench/RESULTS.md).
    duckdb_set_config(config, "max_vacuum_tasks", "0");
  }
  if (!options.memory_limit.empty()) {
    duckdb_set_config(config, "memory_limit", options.memory_limit.c_str());
  }
  char* err = nullptr;
  duckdb_state st = duckdb_open_ext(db_path.c_str(), &ws->db_, config, &err);
  duckdb_destroy_config(&config);
  if (st != DuckDBSuccess) {
    std::string msg = err ? err : "unknown error";
    duckdb_free(err);
    return make_error(ErrorCode::kStore, "cannot open the workspace database: " + msg, db_path);
  }
  if (duckdb_connect(ws->db_, &ws->con_) != DuckDBSuccess) {
    return make_error(ErrorCode::kStore, "cannot connect to the workspace database", db_path);
  }
  if (auto s = ws->init_connection(); !s) return std::unexpected(s.error());
  if (rw) {
    if (auto s = ws->create_schema(); !s) return std::unexpected(s.error());
  }
  if (auto s = ws->load_dictionaries(); !s) return std::unexpected(s.error());
  if (rw) {
    if (auto s = ws->init_event_index(); !s) return std::unexpected(s.error());
  }
  return ws;
}

Status DuckDbWorkspace::init_connection() { return register_tw_raw(con_, decompressor_.get()); }

Status DuckDbWorkspace::exec(const std::string& sql) {
  duckdb_result r;
  if (duckdb_query(con_, sql.c_str(), &r) != DuckDBSuccess) {
    std::string e = result_error(r);
    duckdb_destroy_result(&r);
    return make_error(ErrorCode::kStore, e, sql.substr(0, 200));
  }
  duckdb_destroy_result(&r);
  return {};
}

Status DuckDbWorkspace::create_schema() {
  std::string cols;
  for (const auto& c : ct::kColumns) {
    if (!cols.empty()) cols += ", ";
    const char* compression = column_compression(c);
    cols += fmt::format("{} {}{}{}", c.name, sql_type(c.type),
                        compression ? fmt::format(" USING COMPRESSION {}", compression) : "",
                        c.not_null ? " NOT NULL" : "");
  }
  const std::string ddl[] = {
      "CREATE TABLE IF NOT EXISTS tw_meta (Key VARCHAR PRIMARY KEY, Value VARCHAR)",
      "CREATE TABLE IF NOT EXISTS cloudtrail_events (" + cols + ")",
      "CREATE TABLE IF NOT EXISTS Rejected (IngestionTime TIMESTAMP NOT NULL, Origin VARCHAR "
      "NOT NULL, OriginIndex BIGINT, Location VARCHAR, Reason VARCHAR NOT NULL, Detail VARCHAR, "
      "OriginalBytes BIGINT, Bytes BLOB)",
      "CREATE TABLE IF NOT EXISTS IngestedFiles (IngestionTime TIMESTAMP NOT NULL, Origin "
      "VARCHAR NOT NULL, Format VARCHAR, Status VARCHAR, Reason VARCHAR, Bytes BIGINT, Records "
      "BIGINT, Stored BIGINT, Duplicates BIGINT, Rejected BIGINT)",
      "CREATE TABLE IF NOT EXISTS tw_raw_dictionaries (DictId UINTEGER PRIMARY KEY, CreatedAt "
      "TIMESTAMP NOT NULL, Dict BLOB NOT NULL)",
      "CREATE TABLE IF NOT EXISTS Alerts (AlertId VARCHAR NOT NULL, RuleId VARCHAR NOT NULL, "
      "RuleUuid VARCHAR, RuleSource VARCHAR, Kind VARCHAR, Title VARCHAR, Severity VARCHAR, "
      "Description VARCHAR, Tactics JSON, Techniques JSON, FirstEventTime TIMESTAMP, "
      "LastEventTime TIMESTAMP, CreatedTime TIMESTAMP, UpdatedTime TIMESTAMP, EventCount BIGINT, "
      "EventIds JSON, Account VARCHAR, Identity VARCHAR, IdentityArn VARCHAR, SourceIp VARCHAR, "
      "Region VARCHAR, EventName VARCHAR, Resources JSON, Entities JSON, Details JSON)",
      "CREATE TABLE IF NOT EXISTS tw_detect_state (Key VARCHAR PRIMARY KEY, UpdatedTime "
      "TIMESTAMP, State BLOB)",
      "CREATE TABLE IF NOT EXISTS AWSGuardDuty (TimeGenerated TIMESTAMP, TimeCreated TIMESTAMP, "
      "Id VARCHAR, Arn VARCHAR, AccountId VARCHAR, Region VARCHAR, Partition VARCHAR, "
      "ActivityType VARCHAR, Title VARCHAR, Description VARCHAR, Severity DOUBLE, SchemaVersion "
      "VARCHAR, ResourceDetails JSON, ServiceDetails JSON, IngestionTime TIMESTAMP, Origin "
      "VARCHAR, Raw VARCHAR)",
      "CREATE TABLE IF NOT EXISTS tw_checkpoints (Connector VARCHAR NOT NULL, Key VARCHAR NOT "
      "NULL, Value VARCHAR NOT NULL, UpdatedTime TIMESTAMP, PRIMARY KEY (Connector, Key))",
      "CREATE TABLE IF NOT EXISTS ConnectorHealth (TimeGenerated TIMESTAMP NOT NULL, Connector "
      "VARCHAR NOT NULL, Scope VARCHAR, Kind VARCHAR, Status VARCHAR, ErrorCode VARCHAR, Reason "
      "VARCHAR, LagSeconds BIGINT, Backlog BIGINT, EventsCollected BIGINT, EventsPerSecond "
      "DOUBLE, Failures BIGINT, LastSuccessTime TIMESTAMP)",
      kIpEnrichmentDdl,
      view_sql(),
      kEnrichedViewDdl,
  };
  // One transaction: a process killed while creating the workspace leaves all of it or none.
  if (auto r = exec("BEGIN TRANSACTION"); !r) return r;
  for (const auto& s : ddl) {
    if (auto r = exec(s); !r) {
      (void)exec("ROLLBACK");
      return r;
    }
  }
  duckdb_result r;
  std::string version;
  if (duckdb_query(con_, "SELECT Value FROM tw_meta WHERE Key = 'schema_version'", &r) ==
          DuckDBSuccess &&
      duckdb_row_count(&r) > 0) {
    char* v = duckdb_value_varchar(&r, 0, 0);
    version = v ? v : "";
    duckdb_free(v);
  }
  duckdb_destroy_result(&r);
  if (version.empty()) {
    if (auto r = exec(
            fmt::format("INSERT INTO tw_meta VALUES ('schema_version', '{}')", kSchemaVersion));
        !r) {
      (void)exec("ROLLBACK");
      return r;
    }
  }
  if (auto r = exec("COMMIT"); !r) return r;
  if (!version.empty() && version != std::to_string(kSchemaVersion)) {
    return make_error(ErrorCode::kCorrupt,
                      "the workspace has schema version " + escape_control(version) +
                          ", this build reads version " + std::to_string(kSchemaVersion),
                      options_.dir);
  }
  return {};
}

Status DuckDbWorkspace::load_dictionaries() {
  duckdb_result r;
  if (duckdb_query(con_,
                   "SELECT count(*) FROM information_schema.tables WHERE table_name = "
                   "'tw_raw_dictionaries'",
                   &r) == DuckDBSuccess &&
      duckdb_value_int64(&r, 0, 0) == 0) {
    duckdb_destroy_result(&r);
    return make_error(ErrorCode::kNotFound,
                      "the workspace has no tables yet (no ingest has got as far as creating "
                      "them); run ingest",
                      options_.dir);
  }
  duckdb_destroy_result(&r);
  if (duckdb_query(con_, "SELECT DictId, Dict FROM tw_raw_dictionaries ORDER BY DictId", &r) !=
      DuckDBSuccess) {
    std::string e = result_error(r);
    duckdb_destroy_result(&r);
    return make_error(ErrorCode::kStore, "cannot read the raw dictionaries: " + e, options_.dir);
  }
  for (idx_t row = 0; row < duckdb_row_count(&r); ++row) {
    RawDictionary d;
    d.id = duckdb_value_uint32(&r, 0, row);
    duckdb_blob b = duckdb_value_blob(&r, 1, row);
    d.bytes.assign(static_cast<const char*>(b.data), b.size);
    duckdb_free(b.data);
    decompressor_->add_dictionary(d);
    max_dict_id_ = std::max(max_dict_id_, d.id);
    current_dict_ = std::move(d);
  }
  duckdb_destroy_result(&r);
  return {};
}

Status DuckDbWorkspace::init_event_index() {
  std::unordered_set<int64_t> nonempty;
  duckdb_result r;
  std::string sql = fmt::format(
      "SELECT DISTINCT CAST(floor(epoch_us(TimeGenerated) / {}) AS BIGINT) FROM "
      "cloudtrail_events",
      EventIdIndex::kBucketMicros);
  if (duckdb_query(con_, sql.c_str(), &r) != DuckDBSuccess) {
    std::string e = result_error(r);
    duckdb_destroy_result(&r);
    return make_error(ErrorCode::kStore, e, sql);
  }
  for (idx_t row = 0; row < duckdb_row_count(&r); ++row) {
    nonempty.insert(duckdb_value_int64(&r, 0, row));
  }
  duckdb_destroy_result(&r);

  auto loader = [this](int64_t begin, int64_t end,
                       const std::function<void(std::string_view)>& add) -> Status {
    duckdb_prepared_statement stmt;
    const char* sql =
        "SELECT AwsEventId FROM cloudtrail_events WHERE TimeGenerated >= $1 AND TimeGenerated < $2";
    if (duckdb_prepare(con_, sql, &stmt) != DuckDBSuccess) {
      std::string e = duckdb_prepare_error(stmt);
      duckdb_destroy_prepare(&stmt);
      return make_error(ErrorCode::kStore, e, sql);
    }
    duckdb_bind_timestamp(stmt, 1, duckdb_timestamp{begin});
    duckdb_bind_timestamp(stmt, 2, duckdb_timestamp{end});
    duckdb_result res;
    if (duckdb_execute_prepared(stmt, &res) != DuckDBSuccess) {
      std::string e = result_error(res);
      duckdb_destroy_result(&res);
      duckdb_destroy_prepare(&stmt);
      return make_error(ErrorCode::kStore, e, sql);
    }
    while (true) {
      duckdb_data_chunk chunk = duckdb_fetch_chunk(res);
      if (chunk == nullptr) break;
      idx_t n = duckdb_data_chunk_get_size(chunk);
      auto* ids = static_cast<duckdb_string_t*>(
          duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 0)));
      for (idx_t i = 0; i < n; ++i) {
        add(std::string_view(duckdb_string_t_data(&ids[i]), duckdb_string_t_length(ids[i])));
      }
      duckdb_destroy_data_chunk(&chunk);
    }
    duckdb_destroy_result(&res);
    duckdb_destroy_prepare(&stmt);
    return {};
  };
  index_ = std::make_unique<EventIdIndex>(std::move(loader), std::move(nonempty),
                                          options_.max_cached_ids);
  return {};
}

std::optional<RawDictionary> DuckDbWorkspace::current_dictionary() const { return current_dict_; }

uint32_t DuckDbWorkspace::next_dictionary_id() const {
  return std::max(kFirstDictionaryId, max_dict_id_ + 1);
}

Status DuckDbWorkspace::append_rows(const AppendBatch& batch, const std::vector<uint8_t>& keep) {
  duckdb_appender app;
  if (duckdb_appender_create(con_, nullptr, "cloudtrail_events", &app) != DuckDBSuccess) {
    std::string e = duckdb_appender_error(app) ? duckdb_appender_error(app) : "appender";
    duckdb_appender_destroy(&app);
    return make_error(ErrorCode::kStore, e, "cloudtrail_events");
  }
  std::vector<duckdb_logical_type> types(ct::kColumnCount);
  for (size_t c = 0; c < ct::kColumnCount; ++c) types[c] = duckdb_appender_column_type(app, c);
  const auto& rows = batch.rows;
  const size_t n = rows.size();
  const idx_t chunk_cap = duckdb_vector_size();
  Status status;
  size_t i = 0;
  while (i < n && status) {
    duckdb_data_chunk chunk = duckdb_create_data_chunk(types.data(), ct::kColumnCount);
    std::vector<size_t> picked;
    picked.reserve(chunk_cap);
    while (i < n && picked.size() < chunk_cap) {
      if (keep[i]) picked.push_back(i);
      ++i;
    }
    for (size_t c = 0; c < ct::kColumnCount; ++c) {
      duckdb_vector vec = duckdb_data_chunk_get_vector(chunk, c);
      const ct::ColumnData& col = rows.column(static_cast<ct::Col>(c));
      const ct::ColumnType type = ct::kColumns[c].type;
      uint64_t* validity = nullptr;
      void* data = duckdb_vector_get_data(vec);
      for (size_t j = 0; j < picked.size(); ++j) {
        size_t r = picked[j];
        if (col.is_null(r)) {
          if (validity == nullptr) {
            duckdb_vector_ensure_validity_writable(vec);
            validity = duckdb_vector_get_validity(vec);
          }
          duckdb_validity_set_row_invalid(validity, j);
          continue;
        }
        switch (type) {
          case ct::ColumnType::kString:
          case ct::ColumnType::kBlob: {
            std::string_view s = col.str(r);
            duckdb_vector_assign_string_element_len(vec, j, s.data(), s.size());
            break;
          }
          case ct::ColumnType::kTimestamp:
          case ct::ColumnType::kInt:
            static_cast<int64_t*>(data)[j] = col.ints[r];
            break;
          case ct::ColumnType::kBool:
            static_cast<bool*>(data)[j] = col.ints[r] != 0;
            break;
        }
      }
    }
    duckdb_data_chunk_set_size(chunk, picked.size());
    if (!picked.empty() && duckdb_append_data_chunk(app, chunk) != DuckDBSuccess) {
      const char* e = duckdb_appender_error(app);
      status = make_error(ErrorCode::kStore, e ? e : "append failed", "cloudtrail_events");
    }
    duckdb_destroy_data_chunk(&chunk);
  }
  if (status && duckdb_appender_flush(app) != DuckDBSuccess) {
    const char* e = duckdb_appender_error(app);
    status = make_error(ErrorCode::kStore, e ? e : "flush failed", "cloudtrail_events");
  }
  duckdb_appender_destroy(&app);
  for (auto& t : types) duckdb_destroy_logical_type(&t);
  return status;
}

namespace {

// Row-wise appends to a small table (one row per file or rejected item): an appender, since a
// prepared INSERT per row cost ~0.5 ms each, seconds per million events in small files.
class RowAppender {
 public:
  RowAppender(duckdb_connection con, const char* table) : table_(table) {
    ok_ = duckdb_appender_create(con, nullptr, table, &app_) == DuckDBSuccess;
  }
  ~RowAppender() { duckdb_appender_destroy(&app_); }
  RowAppender(const RowAppender&) = delete;
  RowAppender& operator=(const RowAppender&) = delete;

  void begin() { duckdb_appender_begin_row(app_); }
  void text(std::string_view s) { duckdb_append_varchar_length(app_, s.data(), s.size()); }
  void blob(std::string_view s) { duckdb_append_blob(app_, s.data(), s.size()); }
  void int64(int64_t v) { duckdb_append_int64(app_, v); }
  void uint32(uint32_t v) { duckdb_append_uint32(app_, v); }
  void null() { duckdb_append_null(app_); }
  duckdb_appender raw() { return app_; }
  void timestamp(int64_t micros) { duckdb_append_timestamp(app_, duckdb_timestamp{micros}); }
  void end() {
    if (duckdb_appender_end_row(app_) != DuckDBSuccess) ok_ = false;
  }
  Status finish() {
    if (!ok_ || duckdb_appender_flush(app_) != DuckDBSuccess) {
      const char* e = app_ ? duckdb_appender_error(app_) : nullptr;
      return make_error(ErrorCode::kStore, e ? e : "append failed", table_);
    }
    return {};
  }

 private:
  const char* table_;
  duckdb_appender app_ = nullptr;
  bool ok_ = false;
};

}  // namespace

Status DuckDbWorkspace::insert_rejects(const std::vector<RejectedItem>& rejects) {
  if (rejects.empty()) return {};
  RowAppender a(con_, "Rejected");
  const int64_t now = options_.clock->now_micros();
  for (const auto& r : rejects) {
    a.begin();
    a.timestamp(now);
    a.text(sanitize_utf8(r.origin));
    if (r.index >= 0)
      a.int64(r.index);
    else
      a.null();
    a.text(sanitize_utf8(r.location));
    a.text(r.reason);
    a.text(sanitize_utf8(r.detail));
    a.int64(r.original_bytes);
    a.blob(r.bytes);
    a.end();
  }
  return a.finish();
}

Status DuckDbWorkspace::insert_files(
    const std::vector<std::pair<const FileEntry*, PendingFile>>& files) {
  if (files.empty()) return {};
  RowAppender a(con_, "IngestedFiles");
  const int64_t now = options_.clock->now_micros();
  for (const auto& [f, counts] : files) {
    a.begin();
    a.timestamp(now);
    a.text(sanitize_utf8(f->origin));
    a.text(f->format);
    a.text(f->status);
    a.text(f->reason);
    a.int64(f->bytes);
    a.int64(f->records);
    a.int64(static_cast<int64_t>(counts.stored));
    a.int64(static_cast<int64_t>(counts.duplicates));
    a.int64(f->rejected);
    a.end();
  }
  return a.finish();
}

Status DuckDbWorkspace::insert_dictionary(const RawDictionary& d) {
  RowAppender a(con_, "tw_raw_dictionaries");
  a.begin();
  a.uint32(d.id);
  a.timestamp(options_.clock->now_micros());
  a.blob(d.bytes);
  a.end();
  return a.finish();
}

namespace {

// A prepared statement that is destroyed with its scope.
class Statement {
 public:
  Statement(duckdb_connection con, const char* sql) : sql_(sql) {
    if (duckdb_prepare(con, sql, &stmt_) != DuckDBSuccess) {
      const char* e = duckdb_prepare_error(stmt_);
      error_ = e ? e : "prepare failed";
    }
  }
  ~Statement() { duckdb_destroy_prepare(&stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Status ok() const {
    if (error_.empty()) return {};
    return make_error(ErrorCode::kStore, error_, sql_);
  }
  void text(idx_t i, std::string_view v) {
    duckdb_bind_varchar_length(stmt_, i, v.data(), v.size());
  }
  void blob(idx_t i, std::string_view v) { duckdb_bind_blob(stmt_, i, v.data(), v.size()); }
  void int64(idx_t i, int64_t v) { duckdb_bind_int64(stmt_, i, v); }
  void timestamp(idx_t i, int64_t us) { duckdb_bind_timestamp(stmt_, i, duckdb_timestamp{us}); }
  // Runs the statement; `res` (if given) receives the result, which the caller destroys.
  Status run(duckdb_result* res = nullptr) {
    duckdb_result local;
    duckdb_result* r = res ? res : &local;
    if (duckdb_execute_prepared(stmt_, r) != DuckDBSuccess) {
      std::string e = result_error(*r);
      duckdb_destroy_result(r);
      return make_error(ErrorCode::kStore, e, sql_);
    }
    if (res == nullptr) duckdb_destroy_result(&local);
    return {};
  }
  // Runs the statement with a streaming result (read with duckdb_fetch_chunk).
  Status run_streaming(duckdb_result* res) {
    duckdb_pending_result pending;
    if (duckdb_pending_prepared_streaming(stmt_, &pending) != DuckDBSuccess) {
      const char* e = duckdb_pending_error(pending);
      std::string msg = e ? e : "query failed";
      duckdb_destroy_pending(&pending);
      return make_error(ErrorCode::kStore, msg, sql_);
    }
    duckdb_state st = duckdb_execute_pending(pending, res);
    duckdb_destroy_pending(&pending);
    if (st != DuckDBSuccess) {
      std::string e = result_error(*res);
      duckdb_destroy_result(res);
      return make_error(ErrorCode::kStore, e, sql_);
    }
    return {};
  }

 private:
  const char* sql_;
  duckdb_prepared_statement stmt_ = nullptr;
  std::string error_;
};

}  // namespace

Status DuckDbWorkspace::write_detection(const DetectionWrites& writes) {
  if (!writes.alerts.empty()) {
    // Alerts that may already be stored (an open alert updated, a re-run) replace their row:
    // delete by id, then append. No primary key: its index would cost memory and time on
    // every append, and only these few rows can collide.
    std::vector<std::string_view> replace;
    for (const auto& a : writes.alerts) {
      if (a.may_exist) replace.push_back(a.alert_id);
    }
    for (size_t i = 0; i < replace.size(); i += 500) {
      std::string sql = "DELETE FROM Alerts WHERE AlertId IN (";
      for (size_t k = i; k < std::min(replace.size(), i + 500); ++k) {
        if (k > i) sql += ',';
        sql += '\'';
        for (char c : replace[k]) {  // ids are hex; quote anyway
          if (c == '\'') sql += '\'';
          sql += c;
        }
        sql += '\'';
      }
      sql += ')';
      if (auto st = exec(sql); !st) return st;
    }
    RowAppender a(con_, "Alerts");
    for (const auto& r : writes.alerts) {
      a.begin();
      for (const std::string* f :
           {&r.alert_id, &r.rule_id, &r.rule_uuid, &r.rule_source, &r.kind, &r.title, &r.severity,
            &r.description, &r.tactics_json, &r.techniques_json}) {
        a.text(*f);
      }
      a.timestamp(r.first_time_us);
      a.timestamp(r.last_time_us);
      a.timestamp(r.created_us);
      a.timestamp(r.updated_us);
      a.int64(r.event_count);
      for (const std::string* f :
           {&r.event_ids_json, &r.account, &r.identity, &r.identity_arn, &r.source_ip, &r.region,
            &r.event_name, &r.resources_json, &r.entities_json, &r.details_json}) {
        a.text(*f);
      }
      a.end();
    }
    if (auto st = a.finish(); !st) return st;
  }
  if (!writes.state.empty()) {
    Statement st(con_, "INSERT OR REPLACE INTO tw_detect_state VALUES ($1, $2, $3)");
    if (auto s = st.ok(); !s) return s;
    const int64_t now = options_.clock->now_micros();
    for (const auto& [key, blob] : writes.state) {
      st.text(1, key);
      st.timestamp(2, now);
      st.blob(3, blob);
      if (auto s = st.run(); !s) return s;
    }
  }
  return {};
}

Status DuckDbWorkspace::write_detection_only(const DetectionWrites& writes) {
  std::lock_guard lock(mu_);
  if (options_.mode != OpenMode::kReadWrite) {
    return make_error(ErrorCode::kReadOnly, "the workspace is open read-only", options_.dir);
  }
  if (auto s = exec("BEGIN TRANSACTION"); !s) return s;
  if (auto s = write_detection(writes); !s) {
    (void)exec("ROLLBACK");
    return s;
  }
  return exec("COMMIT");
}

Status DuckDbWorkspace::scan_records(int64_t since_us, int64_t until_us,
                                     const std::function<bool(int64_t, std::string_view)>& fn) {
  std::lock_guard lock(mu_);
  const char* sql =
      "SELECT epoch_us(TimeGenerated), tw_raw(RawZ) FROM cloudtrail_events WHERE TimeGenerated "
      ">= $1 AND TimeGenerated < $2 ORDER BY TimeGenerated, AwsEventId";
  Statement st(con_, sql);
  if (auto s = st.ok(); !s) return s;
  st.timestamp(1, since_us);
  st.timestamp(2, until_us);
  duckdb_result res;
  if (auto s = st.run_streaming(&res); !s) return s;
  Status status;
  bool go = true;
  while (go) {
    duckdb_data_chunk chunk = duckdb_fetch_chunk(res);
    if (chunk == nullptr) break;
    idx_t n = duckdb_data_chunk_get_size(chunk);
    auto* times =
        static_cast<int64_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 0)));
    duckdb_vector raw_vec = duckdb_data_chunk_get_vector(chunk, 1);
    auto* raws = static_cast<duckdb_string_t*>(duckdb_vector_get_data(raw_vec));
    uint64_t* validity = duckdb_vector_get_validity(raw_vec);
    for (idx_t i = 0; i < n && go; ++i) {
      if (validity != nullptr && !duckdb_validity_row_is_valid(validity, i)) continue;
      go = fn(times[i],
              std::string_view(duckdb_string_t_data(&raws[i]), duckdb_string_t_length(raws[i])));
    }
    duckdb_destroy_data_chunk(&chunk);
  }
  if (const char* e = duckdb_result_error(&res); e != nullptr) {
    status = make_error(ErrorCode::kStore, e, sql);
  }
  duckdb_destroy_result(&res);
  return status;
}

Result<std::optional<std::string>> DuckDbWorkspace::load_state(std::string_view key) {
  std::lock_guard lock(mu_);
  Statement st(con_, "SELECT State FROM tw_detect_state WHERE Key = $1");
  if (auto s = st.ok(); !s) return std::unexpected(s.error());
  st.text(1, key);
  duckdb_result r;
  if (auto s = st.run(&r); !s) return std::unexpected(s.error());
  std::optional<std::string> out;
  if (duckdb_row_count(&r) > 0) {
    duckdb_blob b = duckdb_value_blob(&r, 0, 0);
    out.emplace(static_cast<const char*>(b.data), b.size);
    duckdb_free(b.data);
  }
  duckdb_destroy_result(&r);
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> DuckDbWorkspace::load_states(
    std::string_view prefix) {
  std::lock_guard lock(mu_);
  // starts_with, not LIKE: a prefix may hold '%' or '_' (identity keys are attacker text).
  Statement st(con_,
               "SELECT Key, State FROM tw_detect_state WHERE starts_with(Key, $1) ORDER BY Key");
  if (auto s = st.ok(); !s) return std::unexpected(s.error());
  st.text(1, prefix);
  duckdb_result r;
  if (auto s = st.run(&r); !s) return std::unexpected(s.error());
  std::vector<std::pair<std::string, std::string>> out;
  const idx_t n = duckdb_row_count(&r);
  out.reserve(n);
  for (idx_t i = 0; i < n; ++i) {
    char* k = duckdb_value_varchar(&r, 0, i);
    duckdb_blob b = duckdb_value_blob(&r, 1, i);
    out.emplace_back(k ? std::string(k) : std::string(),
                     std::string(static_cast<const char*>(b.data), b.size));
    duckdb_free(k);
    duckdb_free(b.data);
  }
  duckdb_destroy_result(&r);
  return out;
}

Result<AppendResult> DuckDbWorkspace::append(AppendBatch& batch) {
  std::lock_guard lock(mu_);
  if (options_.mode != OpenMode::kReadWrite || index_ == nullptr) {
    return make_error(ErrorCode::kReadOnly, "the workspace is open read-only", options_.dir);
  }
  const auto& rows = batch.rows;
  const size_t n = rows.size();
  const auto& times = rows.column(ct::Col::kTimeGenerated).ints;
  const auto& ids = rows.column(ct::Col::kAwsEventId);

  // 1. Decide which rows are new (loads event-id hours as needed, outside the transaction).
  std::vector<uint8_t> keep(n, 0);
  std::unordered_set<std::string_view> batch_ids;
  batch_ids.reserve(n);
  AppendResult result;
  for (size_t i = 0; i < n; ++i) {
    std::string_view id = ids.str(i);
    if (batch_ids.contains(id)) {
      ++result.duplicates;
      continue;
    }
    auto seen = index_->contains(times[i], id);
    if (!seen) return std::unexpected(seen.error());
    if (*seen) {
      ++result.duplicates;
      continue;
    }
    batch_ids.insert(id);
    keep[i] = 1;
    ++result.stored;
  }

  // 2. Detection sees which rows are new and says what to write with them.
  DetectionWrites writes;
  if (batch.hook != nullptr) {
    if (auto s = batch.hook->before_commit(batch, keep, writes); !s) {
      return std::unexpected(s.error());
    }
  }

  // 3. Everything of the batch in one transaction.
  if (auto s = exec("BEGIN TRANSACTION"); !s) {
    if (batch.hook != nullptr) batch.hook->after_commit(false);
    return std::unexpected(s.error());
  }
  auto rollback = [&](const Error& e) -> Result<AppendResult> {
    (void)exec("ROLLBACK");
    if (batch.hook != nullptr) batch.hook->after_commit(false);
    return std::unexpected(e);
  };
  if (batch.new_dictionary) {
    if (auto s = insert_dictionary(*batch.new_dictionary); !s) return rollback(s.error());
  }
  if (result.stored > 0) {
    if (auto s = append_rows(batch, keep); !s) return rollback(s.error());
  }
  if (auto s = insert_rejects(batch.rejects); !s) return rollback(s.error());
  std::vector<std::pair<std::string, PendingFile>> file_updates;
  std::vector<std::pair<const FileEntry*, PendingFile>> finished;
  for (const auto& f : batch.files) {
    PendingFile counts;
    if (auto it = pending_files_.find(f.origin); it != pending_files_.end()) counts = it->second;
    for (size_t r = f.first_row; r < f.first_row + f.row_count && r < n; ++r) {
      if (keep[r])
        ++counts.stored;
      else
        ++counts.duplicates;
    }
    if (f.final) finished.emplace_back(&f, counts);
    file_updates.emplace_back(f.origin, counts);
  }
  if (auto s = insert_files(finished); !s) return rollback(s.error());
  if (auto s = write_detection(writes); !s) return rollback(s.error());
  auto findings = upsert_findings(batch.findings);
  if (!findings) return rollback(findings.error());
  result.findings = *findings;
  if (auto s = upsert_ip_enrichment(batch.ip_enrichment); !s) return rollback(s.error());
  if (auto s = write_checkpoints(batch.checkpoints); !s) return rollback(s.error());
  if (auto s = exec("COMMIT"); !s) return rollback(s.error());
  if (batch.hook != nullptr) batch.hook->after_commit(true);
  result.alerts = writes.alerts.size();

  // 4. Committed: the in-memory state follows.
  for (size_t i = 0; i < n; ++i) {
    if (keep[i]) index_->insert(times[i], ids.str(i));
  }
  for (size_t k = 0; k < batch.files.size(); ++k) {
    if (batch.files[k].final)
      pending_files_.erase(batch.files[k].origin);
    else
      pending_files_[file_updates[k].first] = file_updates[k].second;
  }
  if (batch.new_dictionary) {
    decompressor_->add_dictionary(*batch.new_dictionary);
    max_dict_id_ = std::max(max_dict_id_, batch.new_dictionary->id);
    current_dict_ = batch.new_dictionary;
  }
  return result;
}

Result<QueryResult> DuckDbWorkspace::query(std::string_view sql_text) {
  std::lock_guard lock(mu_);
  std::string sql(sql_text);
  duckdb_extracted_statements extracted = nullptr;
  idx_t count = duckdb_extract_statements(con_, sql.c_str(), &extracted);
  if (count == 0) {
    std::string e = extracted ? duckdb_extract_statements_error(extracted) : "";
    duckdb_destroy_extracted(&extracted);
    return make_error(ErrorCode::kInvalidArgument,
                      e.empty() ? "the query is empty" : "SQL error: " + e);
  }
  if (count > 1) {
    duckdb_destroy_extracted(&extracted);
    return make_error(ErrorCode::kInvalidArgument,
                      "hunt runs one SQL statement at a time; remove the extra ';'-separated "
                      "statements");
  }
  duckdb_prepared_statement stmt = nullptr;
  if (duckdb_prepare_extracted_statement(con_, extracted, 0, &stmt) != DuckDBSuccess) {
    std::string e = duckdb_prepare_error(stmt) ? duckdb_prepare_error(stmt) : "prepare failed";
    duckdb_destroy_prepare(&stmt);
    duckdb_destroy_extracted(&extracted);
    // DuckDB refuses writes at prepare time on a read-only database.
    bool ro = e.find("read-only") != std::string::npos;
    return make_error(ro ? ErrorCode::kReadOnly : ErrorCode::kInvalidArgument,
                      ro ? "hunt is read-only: the statement would modify the workspace and was "
                           "refused; nothing was changed (" +
                               e + ")"
                         : "SQL error: " + e);
  }
  duckdb_destroy_extracted(&extracted);
  duckdb_statement_type type = duckdb_prepared_statement_type(stmt);
  if (type != DUCKDB_STATEMENT_TYPE_SELECT && type != DUCKDB_STATEMENT_TYPE_EXPLAIN &&
      type != DUCKDB_STATEMENT_TYPE_PRAGMA) {
    duckdb_destroy_prepare(&stmt);
    return make_error(ErrorCode::kReadOnly,
                      "hunt is read-only: only SELECT, EXPLAIN and read PRAGMA statements run; "
                      "nothing was changed");
  }
  duckdb_result r;
  if (duckdb_execute_prepared(stmt, &r) != DuckDBSuccess) {
    std::string e = result_error(r);
    duckdb_destroy_result(&r);
    duckdb_destroy_prepare(&stmt);
    bool ro = e.find("read-only") != std::string::npos || e.find("read only") != std::string::npos;
    return make_error(ro ? ErrorCode::kReadOnly : ErrorCode::kInvalidArgument,
                      ro ? "hunt is read-only: " + e : "SQL error: " + e);
  }
  duckdb_destroy_prepare(&stmt);

  QueryResult out;
  idx_t ncol = duckdb_column_count(&r);
  std::vector<duckdb_type> types(ncol);
  for (idx_t c = 0; c < ncol; ++c) {
    QueryColumn col;
    col.name = sanitize_utf8(duckdb_column_name(&r, c));
    duckdb_logical_type lt = duckdb_column_logical_type(&r, c);
    types[c] = duckdb_get_type_id(lt);
    char* alias = duckdb_logical_type_get_alias(lt);
    bool is_json = alias != nullptr && std::strcmp(alias, "JSON") == 0;
    duckdb_free(alias);
    duckdb_destroy_logical_type(&lt);
    switch (types[c]) {
      case DUCKDB_TYPE_BOOLEAN:
        col.kind = QueryColumn::Kind::kBool;
        break;
      case DUCKDB_TYPE_TINYINT:
      case DUCKDB_TYPE_SMALLINT:
      case DUCKDB_TYPE_INTEGER:
      case DUCKDB_TYPE_BIGINT:
      case DUCKDB_TYPE_UTINYINT:
      case DUCKDB_TYPE_USMALLINT:
      case DUCKDB_TYPE_UINTEGER:
      case DUCKDB_TYPE_UBIGINT:
      case DUCKDB_TYPE_HUGEINT:
      case DUCKDB_TYPE_UHUGEINT:
      case DUCKDB_TYPE_FLOAT:
      case DUCKDB_TYPE_DOUBLE:
      case DUCKDB_TYPE_DECIMAL:
        col.kind = QueryColumn::Kind::kNumber;
        break;
      case DUCKDB_TYPE_TIMESTAMP:
      case DUCKDB_TYPE_TIMESTAMP_TZ:
        col.kind = QueryColumn::Kind::kTimestamp;
        break;
      default:
        col.kind = is_json ? QueryColumn::Kind::kJson : QueryColumn::Kind::kString;
    }
    out.columns.push_back(std::move(col));
  }
  idx_t nrow = duckdb_row_count(&r);
  out.rows.reserve(nrow);
  for (idx_t row = 0; row < nrow; ++row) {
    std::vector<std::optional<std::string>> cells(ncol);
    for (idx_t c = 0; c < ncol; ++c) {
      if (duckdb_value_is_null(&r, c, row)) continue;
      if (out.columns[c].kind == QueryColumn::Kind::kTimestamp) {
        cells[c] = format_iso8601_micros(duckdb_value_timestamp(&r, c, row).micros);
        continue;
      }
      char* v = duckdb_value_varchar(&r, c, row);
      std::string text = v ? sanitize_utf8(v) : std::string();
      duckdb_free(v);
      if (out.columns[c].kind == QueryColumn::Kind::kNumber &&
          (text == "nan" || text == "inf" || text == "-inf")) {
        out.columns[c].kind = QueryColumn::Kind::kString;  // not representable in JSON
      }
      cells[c] = std::move(text);
    }
    out.rows.push_back(std::move(cells));
  }
  duckdb_destroy_result(&r);
  return out;
}

}  // namespace trailwarden::store

namespace trailwarden::store {

Result<size_t> DuckDbWorkspace::upsert_findings(const std::vector<GuardDutyRow>& findings) {
  if (findings.empty()) return size_t{0};
  // The newest update of each id within the batch...
  std::unordered_map<std::string_view, const GuardDutyRow*> newest;
  for (const auto& f : findings) {
    auto [it, inserted] = newest.try_emplace(f.id, &f);
    if (!inserted && f.time_generated_us > it->second->time_generated_us) it->second = &f;
  }
  // ...replaces the stored row only when it is newer (an export repeats a finding each time it
  // is updated; files can arrive out of order).
  Statement probe(con_, "SELECT max(epoch_us(TimeGenerated)) FROM AWSGuardDuty WHERE Id = $1");
  if (auto s = probe.ok(); !s) return std::unexpected(s.error());
  Statement del(con_, "DELETE FROM AWSGuardDuty WHERE Id = $1");
  if (auto s = del.ok(); !s) return std::unexpected(s.error());
  std::vector<const GuardDutyRow*> write;
  for (const auto& f : findings) {
    const GuardDutyRow* row = &f;
    if (newest[row->id] != row) continue;
    probe.text(1, row->id);
    duckdb_result r;
    if (auto s = probe.run(&r); !s) return std::unexpected(s.error());
    bool stored = duckdb_row_count(&r) > 0 && !duckdb_value_is_null(&r, 0, 0);
    int64_t stored_time = stored ? duckdb_value_int64(&r, 0, 0) : 0;
    duckdb_destroy_result(&r);
    if (stored && stored_time >= row->time_generated_us) continue;
    if (stored) {
      del.text(1, row->id);
      if (auto s = del.run(); !s) return std::unexpected(s.error());
    }
    write.push_back(row);
  }
  if (write.empty()) return size_t{0};
  RowAppender a(con_, "AWSGuardDuty");
  for (const GuardDutyRow* f : write) {
    a.begin();
    a.timestamp(f->time_generated_us);
    a.timestamp(f->time_created_us);
    a.text(sanitize_utf8(f->id));
    a.text(sanitize_utf8(f->arn));
    a.text(sanitize_utf8(f->account_id));
    a.text(sanitize_utf8(f->region));
    a.text(sanitize_utf8(f->partition));
    a.text(sanitize_utf8(f->activity_type));
    a.text(sanitize_utf8(f->title));
    a.text(sanitize_utf8(f->description));
    duckdb_append_double(a.raw(), f->severity);
    a.text(sanitize_utf8(f->schema_version));
    a.text(f->resource_details_json.empty() ? "null" : f->resource_details_json);
    a.text(f->service_details_json.empty() ? "null" : f->service_details_json);
    a.timestamp(f->ingestion_time_us);
    a.text(sanitize_utf8(f->origin));
    a.text(sanitize_utf8(f->raw));
    a.end();
  }
  if (auto s = a.finish(); !s) return std::unexpected(s.error());
  return write.size();
}

// The batch's distinct sources go to a staging table, then one upsert: first/last seen widen,
// the other columns take the values of the newer sighting.
Status DuckDbWorkspace::upsert_ip_enrichment(const std::vector<IpEnrichmentRow>& rows) {
  if (rows.empty()) return {};
  if (auto s = exec("CREATE TEMP TABLE IF NOT EXISTS tw_ip_stage AS SELECT * FROM IpEnrichment "
                    "LIMIT 0");
      !s) {
    return s;
  }
  {
    RowAppender a(con_, "tw_ip_stage");
    for (const IpEnrichmentRow& r : rows) {
      a.begin();
      a.text(sanitize_utf8(r.source));
      a.text(r.kind);
      a.text(sanitize_utf8(r.country));
      a.text(sanitize_utf8(r.city));
      if (r.latitude) {
        duckdb_append_double(a.raw(), *r.latitude);
      } else {
        a.null();
      }
      if (r.longitude) {
        duckdb_append_double(a.raw(), *r.longitude);
      } else {
        a.null();
      }
      duckdb_append_int32(a.raw(), r.accuracy_km);
      a.uint32(r.asn);
      a.text(sanitize_utf8(r.as_org));
      a.text(sanitize_utf8(r.lists));
      a.timestamp(r.first_seen_us);
      a.timestamp(r.last_seen_us);
      a.end();
    }
    if (auto s = a.finish(); !s) return s;
  }
  auto newer = [](const char* col) {
    return fmt::format(
        "{0} = CASE WHEN excluded.LastSeen >= IpEnrichment.LastSeen THEN "
        "excluded.{0} ELSE IpEnrichment.{0} END",
        col);
  };
  std::string sql =
      "INSERT INTO IpEnrichment SELECT * FROM tw_ip_stage ON CONFLICT (Source) DO UPDATE SET ";
  for (const char* col : {"Kind", "Country", "City", "Latitude", "Longitude", "AccuracyKm", "Asn",
                          "AsOrg", "Lists"}) {
    sql += newer(col) + ", ";
  }
  sql +=
      "FirstSeen = least(IpEnrichment.FirstSeen, excluded.FirstSeen), LastSeen = "
      "greatest(IpEnrichment.LastSeen, excluded.LastSeen)";
  if (auto s = exec(sql); !s) return s;
  return exec("DELETE FROM tw_ip_stage");
}

Status DuckDbWorkspace::write_checkpoints(const std::vector<CheckpointWrite>& checkpoints) {
  if (checkpoints.empty()) return {};
  Statement st(con_, "INSERT OR REPLACE INTO tw_checkpoints VALUES ($1, $2, $3, $4)");
  if (auto s = st.ok(); !s) return s;
  // Later writes of the same key in one batch win: only the last one is written.
  std::map<std::pair<std::string_view, std::string_view>, std::string_view> last;
  for (const auto& c : checkpoints) last[{c.connector, c.key}] = c.value;
  const int64_t now = options_.clock->now_micros();
  for (const auto& [k, v] : last) {
    st.text(1, k.first);
    st.text(2, k.second);
    st.text(3, v);
    st.timestamp(4, now);
    if (auto s = st.run(); !s) return s;
  }
  return {};
}

Result<std::optional<std::string>> DuckDbWorkspace::load_checkpoint(std::string_view connector,
                                                                    std::string_view key) {
  std::lock_guard lock(mu_);
  Statement st(con_, "SELECT Value FROM tw_checkpoints WHERE Connector = $1 AND Key = $2");
  if (auto s = st.ok(); !s) return std::unexpected(s.error());
  st.text(1, connector);
  st.text(2, key);
  duckdb_result r;
  if (auto s = st.run(&r); !s) return std::unexpected(s.error());
  std::optional<std::string> out;
  if (duckdb_row_count(&r) > 0) {
    char* v = duckdb_value_varchar(&r, 0, 0);
    if (v != nullptr) out.emplace(v);
    duckdb_free(v);
  }
  duckdb_destroy_result(&r);
  return out;
}

namespace {
// Reads a two-or-one-column VARCHAR result into rows of strings.
std::vector<std::vector<std::string>> text_rows(duckdb_result& r, idx_t columns) {
  std::vector<std::vector<std::string>> out;
  const idx_t n = duckdb_row_count(&r);
  out.reserve(n);
  for (idx_t i = 0; i < n; ++i) {
    auto& row = out.emplace_back();
    for (idx_t c = 0; c < columns; ++c) {
      char* v = duckdb_value_varchar(&r, c, i);
      row.emplace_back(v ? v : "");
      duckdb_free(v);
    }
  }
  return out;
}
}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> DuckDbWorkspace::load_checkpoints(
    std::string_view connector) {
  std::lock_guard lock(mu_);
  Statement st(con_, "SELECT Key, Value FROM tw_checkpoints WHERE Connector = $1 ORDER BY Key");
  if (auto s = st.ok(); !s) return std::unexpected(s.error());
  st.text(1, connector);
  duckdb_result r;
  if (auto s = st.run(&r); !s) return std::unexpected(s.error());
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& row : text_rows(r, 2)) out.emplace_back(std::move(row[0]), std::move(row[1]));
  duckdb_destroy_result(&r);
  return out;
}

Result<std::vector<std::string>> DuckDbWorkspace::origins_with_prefix(std::string_view prefix) {
  std::lock_guard lock(mu_);
  Statement st(con_,
               "SELECT DISTINCT Origin FROM IngestedFiles WHERE starts_with(Origin, $1) ORDER BY "
               "Origin");
  if (auto s = st.ok(); !s) return std::unexpected(s.error());
  st.text(1, prefix);
  duckdb_result r;
  if (auto s = st.run(&r); !s) return std::unexpected(s.error());
  std::vector<std::string> out;
  for (auto& row : text_rows(r, 1)) out.push_back(std::move(row[0]));
  duckdb_destroy_result(&r);
  return out;
}

Status DuckDbWorkspace::write_health(const std::vector<HealthRow>& rows) {
  std::lock_guard lock(mu_);
  if (options_.mode != OpenMode::kReadWrite) {
    return make_error(ErrorCode::kReadOnly, "the workspace is open read-only", options_.dir);
  }
  if (rows.empty()) return {};
  RowAppender a(con_, "ConnectorHealth");
  for (const auto& h : rows) {
    a.begin();
    a.timestamp(h.time_us);
    a.text(sanitize_utf8(h.connector));
    a.text(sanitize_utf8(h.scope));
    a.text(h.kind);
    a.text(h.status);
    a.text(sanitize_utf8(h.error_code));
    a.text(sanitize_utf8(h.reason));
    if (h.lag_seconds >= 0)
      a.int64(h.lag_seconds);
    else
      a.null();
    if (h.backlog >= 0)
      a.int64(h.backlog);
    else
      a.null();
    a.int64(h.events);
    duckdb_append_double(a.raw(), h.events_per_second);
    a.int64(h.failures);
    if (h.last_success_us > 0)
      a.timestamp(h.last_success_us);
    else
      a.null();
    a.end();
  }
  return a.finish();
}

}  // namespace trailwarden::store
