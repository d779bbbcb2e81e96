// Enrichment: classify every sourceIPAddress, locate it with a MaxMind DB (libmaxminddb) and
// test it against the operator's lists, which are reloaded when their files change.
//
// One Enricher is shared (read-only, thread-safe) by every decode thread; each thread puts an
// Enricher::Cache in front of it, because CloudTrail repeats a few addresses many times.
//
// Databases: any MaxMind DB file — MaxMind's nested layout (GeoLite2/GeoIP2 City, Country,
// ASN: country.iso_code, city.names.en, location.{latitude,longitude,accuracy_radius},
// autonomous_system_number/organization, traits.is_anonymous_*) and the flat layout of the
// ip-location-db packages (country_code, city, latitude, longitude). Several files may be
// given (an IPv4 and an IPv6 file; a City and an ASN file): each address takes the first
// answer for each field.
//
// Lists, in EnrichmentConfig::lists_dir (every one optional):
//   tor_exit.txt        Tor bulk exit list, or "ExitAddress a.b.c.d ..." lines, or IP/CIDR lines
//   anonymizer.txt      IP/CIDR lines (VPN and proxy egress)
//   threat_intel.csv    indicator,type,confidence,category,source,first_seen,last_seen,valid_until
//   trusted_cidrs.txt   CIDR [label] lines: corporate egress, VPN
//   aws_ip_ranges.json  AWS's ip-ranges.json
//   terminated_users.csv identity,terminated_at[,note]
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "enrich/ip_info.h"

namespace trailwarden::enrich {

struct EnrichmentConfig {
  // MaxMind DB files. Empty: default_geoip_paths() (the database scripts/setup installs).
  std::vector<std::string> geoip;
  bool no_geoip = false;  // no geo-IP at all (the default database is not opened either)
  std::string lists_dir;
  // Entries given inline, by list name (tests): added to whatever the files hold.
  std::map<std::string, std::vector<std::string>> inline_lists;
  // How often (wall clock) list files are checked for changes; 0 checks on every call of
  // maybe_reload().
  int64_t reload_check_us = 10'000'000;
  const Clock* clock = nullptr;  // for reload_check_us; null: the system clock
};

// $TRAILWARDEN_GEOIP (colon-separated files) if set, else the .mmdb files scripts/setup put
// under deps/geoip/ (empty when there are none).
std::vector<std::string> default_geoip_paths();

// Resets `out` and classifies a sourceIPAddress value: empty, an AWS service or internal caller,
// invalid, or an address (private or public; `out.address` set). Returns whether it is an
// address. The first step of Enricher::lookup, for callers without an Enricher.
bool classify_source(std::string_view source, IpInfo& out);

// One line of terminated_users.csv.
struct TerminatedUser {
  std::string identity;  // IAM user name, ARN, Identity Center user name or e-mail, or a glob
  int64_t terminated_at_us = 0;
  std::string note;
};

class TerminatedUsers {
 public:
  virtual ~TerminatedUsers() = default;
  // The entry matching one of an event's names for its actor (user name, ARN, assumed-role
  // session name, onBehalfOf.userId), or null. Matching is case-insensitive.
  virtual const TerminatedUser* match(std::string_view user_name, std::string_view arn,
                                      std::string_view session_name,
                                      std::string_view on_behalf_of) const = 0;
  virtual size_t size() const = 0;
};

class Enricher {
 public:
  virtual ~Enricher() = default;
  // Opens the databases and loads the lists. A missing or unreadable geo-IP file given
  // explicitly is an error; the default database being absent is a warning. Bad list lines are
  // errors naming file:line.
  static Result<std::shared_ptr<Enricher>> open(const EnrichmentConfig& config,
                                                std::vector<std::string>& warnings);

  // Classifies and enriches one sourceIPAddress value (uncached; thread-safe).
  virtual void lookup(std::string_view source, IpInfo& out) const = 0;

  bool has_geoip() const { return has_geoip_; }
  virtual bool has_list(std::string_view name) const = 0;  // tor_exit, anonymizer, ...
  // Names of the loaded lists that hold addresses (not terminated_users), sorted.
  virtual std::vector<std::string> ip_list_names() const = 0;
  // Appends tw.ip's enrichment members for `info` (`,"name":value` pairs): kind, geo-IP
  // (country, city, latitude, longitude, accuracy_km, asn, as_org when known), one boolean per
  // loaded IP list (tor_exit, anonymizer, threat_intel, aws, trusted, inline lists) and the
  // threat indicator's details when it matched. An indicator whose valid_until is before
  // `event_time_us` (when that is not 0) does not match.
  virtual void append_ip_members(const IpInfo& info, int64_t event_time_us,
                                 std::string& out) const = 0;
  // Distinct per Enricher object for the life of the process (thread-local caches key on it).
  uint64_t instance_id() const { return instance_id_; }
  // Databases and lists in use, one per line, for `--verbose` and `policies list`.
  virtual std::string describe() const = 0;
  // Never null (an empty list when the file is absent).
  virtual std::shared_ptr<const TerminatedUsers> terminated_users() const = 0;

  // Reloads the list files that changed (size or mtime) since they were read, at most once per
  // reload_check_us. A file that now fails to parse keeps the previous contents (warning).
  // Thread-safe; lookups in flight see the old or the new lists, never a mix.
  virtual void maybe_reload() = 0;
  // Bumped by every reload that changed something; caches compare it.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // A per-thread cache in front of lookup(): a fixed-size table keyed by the source text,
  // emptied when generation() moves.
  class Cache {
   public:
    // `slots` is rounded up to a power of two.
    explicit Cache(const Enricher& enricher, size_t slots = 4096);
    const IpInfo& get(std::string_view source);
    uint64_t hits() const { return hits_; }
    uint64_t misses() const { return misses_; }

   private:
    struct Slot {
      std::string key;
      IpInfo info;
      bool used = false;
    };
    const Enricher& enricher_;
    std::vector<Slot> slots_;
    size_t mask_ = 0;
    uint64_t generation_ = 0;
    uint64_t hits_ = 0;
    uint64_t misses_ = 0;
  };

 protected:
  Enricher();
  bool has_geoip_ = false;
  uint64_t instance_id_ = 0;
  std::atomic<uint64_t> generation_{1};
};

}  // namespace trailwarden::enrich
