#include "enrich/enricher.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "core/log.h"
#include "core/text.h"
#include "enrich/lists.h"
#include "enrich/prefix_trie.h"

namespace trailwarden::enrich {

namespace fs = std::filesystem;

std::string_view source_kind_name(SourceKind kind) {
  switch (kind) {
    case SourceKind::kEmpty:
      return "empty";
    case SourceKind::kPublic:
      return "public";
    case SourceKind::kPrivate:
      return "private";
    case SourceKind::kService:
      return "service";
    case SourceKind::kInvalid:
      return "invalid";
  }
  return "invalid";
}

std::string_view ip_list_member(std::string_view list_name) {
  if (list_name == "aws_ip_ranges") return "aws";
  if (list_name == "trusted_cidrs") return "trusted";
  return list_name;
}

std::vector<std::string> default_geoip_paths() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("TRAILWARDEN_GEOIP"); env != nullptr && *env) {
    std::string_view s(env);
    while (!s.empty()) {
      size_t colon = s.find(':');
      std::string_view part = s.substr(0, colon);
      if (!part.empty()) out.emplace_back(part);
      if (colon == std::string_view::npos) break;
      s = s.substr(colon + 1);
    }
    return out;
  }
  // scripts/setup installs the database into deps/geoip/ of the source tree.
  std::vector<fs::path> roots;
#ifdef TRAILWARDEN_BUILTIN_RULES_DIR
  roots.emplace_back(fs::path(TRAILWARDEN_BUILTIN_RULES_DIR).parent_path() / "deps" / "geoip");
#endif
  roots.emplace_back(fs::path("deps") / "geoip");
  std::error_code ec;
  for (const fs::path& root : roots) {
    if (!fs::is_directory(root, ec)) continue;
    std::vector<std::string> found;
    for (const auto& e : fs::directory_iterator(root, ec)) {
      if (e.path().extension() == ".mmdb") found.push_back(e.path().string());
    }
    std::sort(found.begin(), found.end());
    if (!found.empty()) return found;
  }
  return out;
}

namespace {

// ---------------------------------------------------------------------------------------------
// Geo-IP databases

class GeoDb {
 public:
  GeoDb() = default;
  GeoDb(const GeoDb&) = delete;
  GeoDb& operator=(const GeoDb&) = delete;
  ~GeoDb() {
    if (open_) MMDB_close(&db_);
  }

  Status open(const std::string& path) {
    path_ = path;
    int st = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &db_);
    if (st != MMDB_SUCCESS) {
      return make_error(st == MMDB_FILE_OPEN_ERROR ? ErrorCode::kNotFound : ErrorCode::kCorrupt,
                        fmt::format("cannot open the geo-IP database: {}", MMDB_strerror(st)),
                        path);
    }
    open_ = true;
    return {};
  }

  std::string describe() const {
    return fmt::format("geoip {} ({}, IPv{}, {} nodes, built {})", path_,
                       db_.metadata.database_type ? db_.metadata.database_type : "?",
                       db_.metadata.ip_version, db_.metadata.node_count, db_.metadata.build_epoch);
  }

  // Fills the fields of `out` that are still unknown from this database's entry for `ip`.
  void lookup(const detect::IpAddress& ip, IpInfo& out) const {
    sockaddr_in v4{};
    sockaddr_in6 v6{};
    const sockaddr* sa;
    if (ip.version == 4) {
      v4.sin_family = AF_INET;
      std::memcpy(&v4.sin_addr, ip.bytes.data(), 4);
      sa = reinterpret_cast<const sockaddr*>(&v4);
    } else {
      if (db_.metadata.ip_version == 4) return;
      v6.sin6_family = AF_INET6;
      std::memcpy(&v6.sin6_addr, ip.bytes.data(), 16);
      sa = reinterpret_cast<const sockaddr*>(&v6);
    }
    int err = 0;
    MMDB_lookup_result_s r = MMDB_lookup_sockaddr(const_cast<MMDB_s*>(&db_), sa, &err);
    if (err != MMDB_SUCCESS || !r.found_entry) return;
    // Networks share records (a city's many networks point at one): decoded records are kept
    // per thread by their offset in the data section.
    struct Slot {
      uint64_t db = 0;
      uint32_t offset = 0;
      Record rec;
    };
    thread_local std::vector<Slot> slots(1024);
    Slot& slot = slots[(r.entry.offset * 0x9E3779B1u ^ id_) & (slots.size() - 1)];
    if (slot.db != id_ || slot.offset != r.entry.offset) {
      slot.db = id_;
      slot.offset = r.entry.offset;
      slot.rec = Record{};
      decode(r.entry, slot.rec);
    }
    merge(slot.rec, out);
  }

 private:
  // What one database record says, decoded once.
  struct Record {
    std::string country, city, as_org;
    double latitude = 0, longitude = 0, radius = 0;
    bool has_location = false;
    uint32_t asn = 0;
    bool anonymous = false;
  };

  void decode(MMDB_entry_s e, Record& rec) const {
    // The layout is the database's (all its records share it): learnt from the first record.
    int layout = layout_.load(std::memory_order_relaxed);
    if (layout == 0) {
      MMDB_entry_data_s d;
      layout = (get(e, d, {"country_code"}) || get(e, d, {"latitude"})) ? 2 : 1;
      layout_.store(layout, std::memory_order_relaxed);
    }
    if (layout == 2) {  // flat: ip-location-db
      str(e, rec.country, {"country_code"});
      str(e, rec.city, {"city"});
      rec.has_location = num(e, rec.latitude, {"latitude"}) && num(e, rec.longitude, {"longitude"});
      num(e, rec.radius, {"accuracy_radius"});
    } else {  // nested: MaxMind
      if (!str(e, rec.country, {"country", "iso_code"})) {
        str(e, rec.country, {"registered_country", "iso_code"});
      }
      str(e, rec.city, {"city", "names", "en"});
      MMDB_entry_data_s loc;
      if (get(e, loc, {"location"}) && loc.type == MMDB_DATA_TYPE_MAP) {
        MMDB_entry_s l{e.mmdb, loc.offset};
        rec.has_location =
            num(l, rec.latitude, {"latitude"}) && num(l, rec.longitude, {"longitude"});
        num(l, rec.radius, {"accuracy_radius"});
      }
      MMDB_entry_data_s traits;
      if (get(e, traits, {"traits"}) && traits.type == MMDB_DATA_TYPE_MAP) {
        MMDB_entry_s t{e.mmdb, traits.offset};
        for (const char* flag : {"is_anonymous", "is_anonymous_proxy", "is_anonymous_vpn",
                                 "is_public_proxy", "is_tor_exit_node", "is_residential_proxy"}) {
          if (boolean(t, {flag})) rec.anonymous = true;
        }
        double asn = 0;
        if (num(t, asn, {"autonomous_system_number"})) rec.asn = static_cast<uint32_t>(asn);
        str(t, rec.as_org, {"autonomous_system_organization"});
      }
    }
    double asn = 0;  // both layouts: GeoLite2-ASN, ip-location-db asn
    if (rec.asn == 0 && num(e, asn, {"autonomous_system_number"})) {
      rec.asn = static_cast<uint32_t>(asn);
    }
    if (rec.as_org.empty()) str(e, rec.as_org, {"autonomous_system_organization"});
  }

  // The record's answers for the fields `out` does not have yet.
  static void merge(const Record& rec, IpInfo& out) {
    if (out.country.empty()) out.country = rec.country;
    if (out.city.empty()) out.city = rec.city;
    if (rec.has_location && !located_here(out)) {
      out.latitude = rec.latitude;
      out.longitude = rec.longitude;
      out.accuracy_km = static_cast<int>(rec.radius);
      out.located = true;
    }
    if (out.asn == 0) out.asn = rec.asn;
    if (out.as_org.empty()) out.as_org = rec.as_org;
    if (rec.anonymous) out.db_anonymous = true;
    if (!out.country.empty()) out.located = true;
  }

  static bool located_here(const IpInfo& out) { return out.latitude != 0 || out.longitude != 0; }

  static bool get(MMDB_entry_s& e, MMDB_entry_data_s& d, std::initializer_list<const char*> path) {
    const char* p[5] = {};
    size_t i = 0;
    for (const char* s : path) p[i++] = s;
    return MMDB_aget_value(&e, &d, p) == MMDB_SUCCESS && d.has_data;
  }
  static bool str(MMDB_entry_s& e, std::string& out, std::initializer_list<const char*> path) {
    MMDB_entry_data_s d;
    if (!get(e, d, path) || d.type != MMDB_DATA_TYPE_UTF8_STRING || d.data_size == 0) return false;
    out.assign(d.utf8_string, d.data_size);
    return true;
  }
  static bool num(MMDB_entry_s& e, double& out, std::initializer_list<const char*> path) {
    MMDB_entry_data_s d;
    if (!get(e, d, path)) return false;
    switch (d.type) {
      case MMDB_DATA_TYPE_DOUBLE:
        out = d.double_value;
        return true;
      case MMDB_DATA_TYPE_FLOAT:
        out = d.float_value;
        return true;
      case MMDB_DATA_TYPE_UINT16:
        out = d.uint16;
        return true;
      case MMDB_DATA_TYPE_UINT32:
        out = d.uint32;
        return true;
      case MMDB_DATA_TYPE_INT32:
        out = d.int32;
        return true;
      case MMDB_DATA_TYPE_UINT64:
        out = static_cast<double>(d.uint64);
        return true;
      case MMDB_DATA_TYPE_UTF8_STRING: {
        std::string s(d.utf8_string, d.data_size);
        char* end = nullptr;
        double v = std::strtod(s.c_str(), &end);
        if (s.empty() || end != s.c_str() + s.size()) return false;
        out = v;
        return true;
      }
      default:
        return false;
    }
  }
  static bool boolean(MMDB_entry_s& e, std::initializer_list<const char*> path) {
    MMDB_entry_data_s d;
    return get(e, d, path) && d.type == MMDB_DATA_TYPE_BOOLEAN && d.boolean;
  }

  MMDB_s db_{};
  bool open_ = false;
  std::string path_;
  uint64_t id_ = next_id();
  mutable std::atomic<int> layout_{0};  // 0 unknown, 1 nested (MaxMind), 2 flat

  static uint64_t next_id() {
    static std::atomic<uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
  }
};

// ---------------------------------------------------------------------------------------------
// Lists

struct FileStamp {
  bool exists = false;
  uintmax_t size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};

FileStamp stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return FileStamp{true, static_cast<uintmax_t>(st.st_size),
                   int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec};
}

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kNotFound, "cannot read the list file", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return make_error(ErrorCode::kIo, "cannot read the list file", path);
  return ss.str();
}

// One list file the Enricher watches (present or not).
struct FileSlot {
  std::string name;  // list name
  std::string path;
  ListFormat format;
  FileStamp stamp;
  std::shared_ptr<const ListData> data;  // null when absent
};

// The files of a list directory, in the order they are consulted.
std::vector<FileSlot> list_files(const std::string& dir) {
  std::vector<FileSlot> out;
  auto add = [&](const char* name, const char* file) {
    std::string path = (fs::path(dir) / file).string();
    out.push_back(FileSlot{name, path, format_for(name, file), {}, nullptr});
  };
  add("tor_exit", "tor_exit.txt");
  add("tor_exit", "tor_exit.csv");
  add("anonymizer", "anonymizer.txt");
  add("anonymizer", "anonymizer.csv");
  add("threat_intel", "threat_intel.csv");
  add("threat_intel", "threat_intel.txt");
  add("trusted_cidrs", "trusted_cidrs.txt");
  add("trusted_cidrs", "trusted_cidrs.csv");
  add("aws_ip_ranges", "aws_ip_ranges.json");
  add("terminated_users", "terminated_users.csv");
  return out;
}

// Everything a lookup reads from the lists, swapped whole on reload.
struct ListSnapshot {
  std::vector<FileSlot> files;
  std::vector<std::shared_ptr<const ListData>> inline_lists;
  std::vector<std::shared_ptr<const ListData>> ip_lists;  // files and inline, not terminated
  std::vector<std::string> ip_list_names;                 // sorted, distinct
  std::set<std::string, std::less<>> names;               // every loaded list
  std::shared_ptr<const TerminatedUsers> terminated;

  void index() {
    ip_lists.clear();
    names.clear();
    std::vector<TerminatedUser> users;
    auto take = [&](const std::shared_ptr<const ListData>& d) {
      if (!d) return;
      names.insert(d->name);
      if (d->format == ListFormat::kTerminated) {
        users.insert(users.end(), d->users.begin(), d->users.end());
      } else {
        ip_lists.push_back(d);
      }
    };
    for (const FileSlot& f : files) take(f.data);
    for (const auto& d : inline_lists) take(d);
    // By name, so IpInfo::lists reads the same whatever the files' order.
    std::stable_sort(ip_lists.begin(), ip_lists.end(),
                     [](const auto& a, const auto& b) { return a->name < b->name; });
    std::set<std::string> ip_names;
    for (const auto& d : ip_lists) ip_names.insert(d->name);
    ip_list_names.assign(ip_names.begin(), ip_names.end());
    terminated = std::make_shared<TerminatedUserSet>(std::move(users));
  }
};

bool is_service_name(std::string_view s) {
  if (s == "AWS Internal") return true;
  for (std::string_view suffix : {".amazonaws.com", ".amazonaws.com.cn", ".amazon.com"}) {
    if (s.size() > suffix.size() && s.ends_with(suffix)) {
      for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
        if (!ok) return false;
      }
      return true;
    }
  }
  return false;
}

class EnricherImpl final : public Enricher {
 public:
  Status init(const EnrichmentConfig& config, std::vector<std::string>& warnings) {
    config_ = config;
    clock_ = config.clock ? config.clock : &SystemClock::instance();
    if (!config.no_geoip) {
      const bool explicit_paths = !config.geoip.empty();
      std::vector<std::string> paths = explicit_paths ? config.geoip : default_geoip_paths();
      if (paths.empty()) {
        warnings.push_back(
            "no geo-IP database: run scripts/setup (deps/geoip) or pass --geoip FILE; location "
            "fields stay empty and the location policies are inactive");
      }
      for (const std::string& p : paths) {
        auto db = std::make_unique<GeoDb>();
        if (auto st = db->open(p); !st) {
          if (explicit_paths) return st;
          warnings.push_back(st.error().to_string());
          continue;
        }
        dbs_.push_back(std::move(db));
      }
      has_geoip_ = !dbs_.empty();
    }
    auto snap = std::make_shared<ListSnapshot>();
    if (!config.lists_dir.empty()) {
      std::error_code ec;
      if (!fs::is_directory(config.lists_dir, ec)) {
        return make_error(ErrorCode::kNotFound, "no list directory", config.lists_dir);
      }
      snap->files = list_files(config.lists_dir);
      for (FileSlot& f : snap->files) {
        f.stamp = stamp_of(f.path);
        if (!f.stamp.exists) continue;
        auto text = read_text(f.path);
        if (!text) return std::unexpected(text.error());
        auto data = parse_list(f.name, f.format, *text, f.path);
        if (!data) return std::unexpected(data.error());
        f.data = std::move(*data);
      }
    }
    for (const auto& [name, lines] : config.inline_lists) {
      std::string text;
      for (const auto& l : lines) {
        text += l;
        text += '\n';
      }
      auto data = parse_list(name, format_for(name, ""), text, "list " + name);
      if (!data) return std::unexpected(data.error());
      snap->inline_lists.push_back(std::move(*data));
    }
    snap->index();
    publish(std::move(snap));
    last_check_us_ = clock_->monotonic_nanos() / 1000;
    return {};
  }

  void lookup(std::string_view source, IpInfo& out) const override {
    if (!classify_source(source, out)) return;
    const detect::IpAddress ip = unmap_v4(out.address);
    if (out.kind == SourceKind::kPublic) {
      for (const auto& db : dbs_) db->lookup(ip, out);
      if (out.located) {
        out.coarse = (out.city.empty() && out.accuracy_km == 0) || out.accuracy_km > 500;
      }
    }
    std::shared_ptr<const ListSnapshot> snap = snapshot();
    for (const auto& d : snap->ip_lists) {
      auto v = d->trie.find(ip);
      if (!v) continue;
      std::string_view member = ip_list_member(d->name);
      switch (d->format) {
        case ListFormat::kThreatIntel: {
          const ThreatEntry& t = d->threats[*v];
          if (!out.threat_intel || t.confidence > out.threat_confidence) {
            out.threat_confidence = t.confidence;
            out.threat_category = t.category;
            out.threat_indicator = t.indicator;
            out.threat_valid_until_us = t.valid_until_us;
          }
          out.threat_intel = true;
          break;
        }
        case ListFormat::kTrusted:
          out.trusted = true;
          if (out.trusted_label.empty()) out.trusted_label = d->labels[*v];
          break;
        case ListFormat::kAwsRanges:
          out.aws = true;
          break;
        default:
          if (d->name == "tor_exit")
            out.tor_exit = true;
          else if (d->name == "anonymizer")
            out.anonymizer = true;
          else if (d->name == "threat_intel") {
            if (!out.threat_intel) out.threat_indicator = ip_text(ip);
            out.threat_intel = true;
          }
          break;
      }
      if (contains_member(out.lists, member)) continue;
      if (!out.lists.empty()) out.lists += ',';
      out.lists += member;
    }
  }

  bool has_list(std::string_view name) const override {
    auto snap = snapshot();
    return snap->names.find(name) != snap->names.end();
  }

  std::vector<std::string> ip_list_names() const override { return snapshot()->ip_list_names; }

  void append_ip_members(const IpInfo& info, int64_t event_time_us,
                         std::string& out) const override {
    const bool threat =
        info.threat_intel && !(event_time_us != 0 && info.threat_valid_until_us != 0 &&
                               event_time_us > info.threat_valid_until_us);
    out += ",\"kind\":";
    append_json_string(out, source_kind_name(info.kind));
    if (info.located) {
      if (!info.country.empty()) {
        out += ",\"country\":";
        append_json_string(out, info.country);
      }
      if (!info.city.empty()) {
        out += ",\"city\":";
        append_json_string(out, info.city);
      }
      if (info.latitude != 0 || info.longitude != 0) {
        out += fmt::format(",\"latitude\":{},\"longitude\":{}", info.latitude, info.longitude);
      }
      if (info.accuracy_km > 0) out += fmt::format(",\"accuracy_km\":{}", info.accuracy_km);
    }
    if (info.asn != 0) out += fmt::format(",\"asn\":{}", info.asn);
    if (!info.as_org.empty()) {
      out += ",\"as_org\":";
      append_json_string(out, info.as_org);
    }
    auto snap = snapshot();
    for (const std::string& name : snap->ip_list_names) {
      std::string_view member = ip_list_member(name);
      out += ',';
      append_json_string(out, member);
      bool on = contains_member(info.lists, member);
      if (member == "threat_intel") on = threat;
      out += on ? ":true" : ":false";
    }
    if (threat) {
      out += ",\"threat_intel_indicator\":";
      append_json_string(out, info.threat_indicator);
      out += fmt::format(",\"threat_confidence\":{}", info.threat_confidence);
      if (!info.threat_category.empty()) {
        out += ",\"threat_category\":";
        append_json_string(out, info.threat_category);
      }
    }
    if (info.trusted && !info.trusted_label.empty()) {
      out += ",\"trusted_label\":";
      append_json_string(out, info.trusted_label);
    }
  }

  std::string describe() const override {
    std::string out;
    for (const auto& db : dbs_) out += db->describe() + "\n";
    auto snap = snapshot();
    for (const FileSlot& f : snap->files) {
      if (f.data)
        out += fmt::format("list {}: {} entries from {}\n", f.name, f.data->entries(), f.path);
    }
    for (const auto& d : snap->inline_lists) {
      out += fmt::format("list {}: {} entries given inline\n", d->name, d->entries());
    }
    return out;
  }

  std::shared_ptr<const TerminatedUsers> terminated_users() const override {
    return snapshot()->terminated;
  }

  void maybe_reload() override {
    std::unique_lock lock(reload_mu_, std::try_to_lock);
    if (!lock.owns_lock()) return;  // another thread is checking
    const int64_t now = clock_->monotonic_nanos() / 1000;
    if (config_.reload_check_us > 0 && now - last_check_us_ < config_.reload_check_us) return;
    last_check_us_ = now;
    auto old = snapshot();
    if (old->files.empty()) return;
    bool changed = false;
    auto next = std::make_shared<ListSnapshot>(*old);
    for (FileSlot& f : next->files) {
      FileStamp s = stamp_of(f.path);
      if (s == f.stamp) continue;
      f.stamp = s;
      if (!s.exists) {
        if (f.data) {
          log::warn("list {} removed: {} is no longer used", f.name, escape_control(f.path));
          f.data.reset();
          changed = true;
        }
        continue;
      }
      auto text = read_text(f.path);
      Result<std::shared_ptr<const ListData>> data =
          text ? parse_list(f.name, f.format, *text, f.path)
               : Result<std::shared_ptr<const ListData>>(std::unexpected(text.error()));
      if (!data) {
        log::warn("list {} not reloaded, keeping its previous contents: {}", f.name,
                  escape_control(data.error().to_string()));
        continue;
      }
      f.data = std::move(*data);
      log::info("list {} reloaded: {} entries from {}", f.name, f.data->entries(),
                escape_control(f.path));
      changed = true;
    }
    if (!changed) return;
    next->index();
    publish(std::move(next));
    generation_.fetch_add(1, std::memory_order_acq_rel);
  }

 private:
  static bool contains_member(std::string_view lists, std::string_view member) {
    while (!lists.empty()) {
      size_t comma = lists.find(',');
      if (lists.substr(0, comma) == member) return true;
      if (comma == std::string_view::npos) break;
      lists = lists.substr(comma + 1);
    }
    return false;
  }

  EnrichmentConfig config_;
  const Clock* clock_ = nullptr;
  std::vector<std::unique_ptr<GeoDb>> dbs_;
  // The current lists. A mutex rather than std::atomic<std::shared_ptr>: libstdc++ 12's
  // implementation of the latter is reported as a data race by ThreadSanitizer.
  std::shared_ptr<const ListSnapshot> snapshot() const {
    std::lock_guard lock(lists_mu_);
    return lists_;
  }
  void publish(std::shared_ptr<const ListSnapshot> next) {
    std::lock_guard lock(lists_mu_);
    lists_ = std::move(next);
  }
  mutable std::mutex lists_mu_;
  std::shared_ptr<const ListSnapshot> lists_;
  std::mutex reload_mu_;
  int64_t last_check_us_ = 0;
};

}  // namespace

bool classify_source(std::string_view source, IpInfo& out) {
  out = IpInfo{};
  if (source.empty()) return false;
  auto parsed = detect::parse_ip(source);
  if (!parsed) {
    out.kind = is_service_name(source) ? SourceKind::kService : SourceKind::kInvalid;
    return false;
  }
  out.address = *parsed;
  out.kind = detect::is_private(unmap_v4(*parsed)) ? SourceKind::kPrivate : SourceKind::kPublic;
  return true;
}

Enricher::Enricher() {
  static std::atomic<uint64_t> next{1};
  instance_id_ = next.fetch_add(1, std::memory_order_relaxed);
}

Result<std::shared_ptr<Enricher>> Enricher::open(const EnrichmentConfig& config,
                                                 std::vector<std::string>& warnings) {
  auto e = std::make_shared<EnricherImpl>();
  if (auto st = e->init(config, warnings); !st) return std::unexpected(st.error());
  return std::shared_ptr<Enricher>(std::move(e));
}

// ---------------------------------------------------------------------------------------------
// Cache

Enricher::Cache::Cache(const Enricher& enricher, size_t slots) : enricher_(enricher) {
  size_t n = 1;
  while (n < slots) n <<= 1;
  slots_.resize(n);
  mask_ = n - 1;
  generation_ = enricher.generation();
}

const IpInfo& Enricher::Cache::get(std::string_view source) {
  const uint64_t gen = enricher_.generation();
  if (gen != generation_) {
    for (Slot& s : slots_) s.used = false;
    generation_ = gen;
  }
  // FNV-1a over the text.
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : source) h = (h ^ c) * 0x100000001b3ULL;
  Slot& slot = slots_[static_cast<size_t>(h ^ (h >> 32)) & mask_];
  if (slot.used && slot.key == source) {
    ++hits_;
    return slot.info;
  }
  ++misses_;
  slot.key.assign(source);
  enricher_.lookup(source, slot.info);
  slot.used = true;
  return slot.info;
}

}  // namespace trailwarden::enrich
