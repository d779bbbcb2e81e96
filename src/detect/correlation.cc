// The Sigma correlation engine (see correlation.h for the semantics). State per correlation:
// groups (an LRU list plus an index by group key); per group, one time-sorted lane of hits for
// event_count/value_count, one lane per referenced rule for temporal types.
#include "detect/correlation.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <list>
#include <unordered_map>
#include <unordered_set>

namespace trailwarden::detect {
namespace {

constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();
constexpr int64_t kSecondUs = 1000000;
constexpr int64_t kMinuteUs = 60 * kSecondUs;
constexpr int64_t kHourUs = 60 * kMinuteUs;
constexpr int64_t kDayUs = 24 * kHourUs;
constexpr int64_t kMaxTimespanUs = 14 * kDayUs;
constexpr size_t kMinIdsPerAlert = 100;

int64_t sat_add(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? kMaxTime : kNoTime;
  return r;
}
int64_t sat_sub(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) return b > 0 ? kNoTime : kMaxTime;
  return r;
}

// FNV-1a with a final avalanche. Stable across builds and platforms: value hashes, fingerprints
// and the checksum are persisted.
uint64_t fnv(std::string_view s, uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}
uint64_t avalanche(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}
uint64_t hash64(std::string_view s) { return avalanche(fnv(s)); }

bool is_temporal(CorrelationType t) {
  return t == CorrelationType::kTemporal || t == CorrelationType::kTemporalOrdered;
}

// ---- conditions ------------------------------------------------------------------------------

// The set of counts a condition accepts: [lo, hi] minus `excluded`.
struct Bounds {
  int64_t lo = 1;  // counts start at 1: a window holds at least its anchor
  int64_t hi = kMaxTime;
  std::vector<int64_t> excluded;
  bool closing = false;  // an upper bound or a neq: decided when a window closes
};

Bounds bounds_of(const std::vector<CountCondition>& conditions) {
  Bounds b;
  for (const CountCondition& c : conditions) {
    switch (c.op) {
      case CompareOp::kGt:
        b.lo = std::max(b.lo, sat_add(c.value, 1));
        break;
      case CompareOp::kGte:
        b.lo = std::max(b.lo, c.value);
        break;
      case CompareOp::kLt:
        b.hi = std::min(b.hi, sat_sub(c.value, 1));
        b.closing = true;
        break;
      case CompareOp::kLte:
        b.hi = std::min(b.hi, c.value);
        b.closing = true;
        break;
      case CompareOp::kEq:
        b.lo = std::max(b.lo, c.value);
        b.hi = std::min(b.hi, c.value);
        b.closing = true;
        break;
      case CompareOp::kNeq:
        b.excluded.push_back(c.value);
        b.closing = true;
        break;
    }
  }
  return b;
}

bool meets(const Bounds& b, int64_t n) {
  if (n < b.lo || n > b.hi) return false;
  return std::find(b.excluded.begin(), b.excluded.end(), n) == b.excluded.end();
}

// Some count in [1, max_n] meets the bounds.
bool satisfiable(const Bounds& b, int64_t max_n) {
  int64_t hi = std::min(b.hi, max_n);
  if (b.lo > hi) return false;
  if (static_cast<uint64_t>(hi - b.lo) >= b.excluded.size()) return true;
  for (int64_t n = b.lo; n <= hi; ++n) {
    if (meets(b, n)) return true;
  }
  return false;
}

std::string_view op_text(CompareOp op) {
  switch (op) {
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGte:
      return ">=";
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLte:
      return "<=";
    case CompareOp::kEq:
      return "=";
    case CompareOp::kNeq:
      return "!=";
  }
  return "?";
}

std::string condition_text(const std::vector<CountCondition>& conditions) {
  std::string out;
  for (const CountCondition& c : conditions) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{} {}", op_text(c.op), c.value);
  }
  return out;
}

// "10m", "1h", "14d", "90s"; exact (the largest unit that divides the span).
std::string span_text(int64_t us) {
  if (us > 0 && us % kDayUs == 0) return fmt::format("{}d", us / kDayUs);
  if (us > 0 && us % kHourUs == 0) return fmt::format("{}h", us / kHourUs);
  if (us > 0 && us % kMinuteUs == 0) return fmt::format("{}m", us / kMinuteUs);
  if (us % kSecondUs == 0) return fmt::format("{}s", us / kSecondUs);
  return fmt::format("{}us", us);
}

// ---- state -----------------------------------------------------------------------------------

// A referenced correlation's firing, as a hit of the correlations referencing it.
struct Sub {
  int64_t first = 0, last = 0;
  uint64_t events = 0;
  std::vector<std::pair<int64_t, std::string>> ids;  // time order, capped
  size_t bytes = 0;
};

struct Entry {
  int64_t time = 0;
  uint64_t value = 0;        // value_count: hash of the value; temporal: the lane
  std::string id;            // a base hit's event id (empty for a chained hit)
  std::unique_ptr<Sub> sub;  // a chained hit
};

using Lane = std::vector<Entry>;

struct Group {
  std::string key;
  std::vector<std::string> values;  // group-by values, in group_by order
  int64_t consumed_until = kNoTime;
  std::vector<Lane> lanes;
  size_t entry_heap = 0;  // heap held by the entries' ids and chained hits
  size_t bytes = 0;
};

size_t heap_bytes(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }

size_t sub_bytes(const Sub& s) {
  size_t n = sizeof(Sub) + s.ids.capacity() * sizeof(s.ids[0]);
  for (const auto& [t, id] : s.ids) n += heap_bytes(id);
  return n;
}

size_t entry_heap(const Entry& e) { return heap_bytes(e.id) + (e.sub ? e.sub->bytes : 0); }

// O(lanes + values): the entries' heap is kept up to date in Group::entry_heap.
size_t group_bytes(const Group& g) {
  size_t n = sizeof(Group) + 96 /* list node, index node */ + heap_bytes(g.key) + g.entry_heap;
  for (const std::string& v : g.values) n += sizeof(std::string) + heap_bytes(v);
  for (const Lane& lane : g.lanes) n += sizeof(Lane) + lane.capacity() * sizeof(Entry);
  return n;
}

void erase_prefix(Group& g, Lane& lane, Lane::iterator end) {
  for (auto it = lane.begin(); it != end; ++it) g.entry_heap -= entry_heap(*it);
  lane.erase(lane.begin(), end);
}

std::string group_key(const std::vector<std::string_view>& values) {
  std::string key;
  for (std::string_view v : values) {
    uint32_t n = static_cast<uint32_t>(v.size());
    for (int i = 0; i < 4; ++i) key.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    key.append(v);
  }
  return key;
}

bool by_time(const Entry& e, int64_t t) { return e.time < t; }
bool time_before(int64_t t, const Entry& e) { return t < e.time; }

// Drops the entries of every lane at or before `until` (inclusive) or, with `strict`, before it.
void erase_until(Group& g, int64_t until, bool strict) {
  for (Lane& lane : g.lanes) {
    auto end = strict ? std::lower_bound(lane.begin(), lane.end(), until, by_time)
                      : std::upper_bound(lane.begin(), lane.end(), until, time_before);
    erase_prefix(g, lane, end);
  }
}

bool lanes_empty(const Group& g) {
  for (const Lane& lane : g.lanes) {
    if (!lane.empty()) return false;
  }
  return true;
}

std::optional<std::string_view> lookup(const HitFields& fields, std::string_view path) {
  for (const auto& [k, v] : fields) {
    if (k == path) return std::string_view(v);
  }
  return std::nullopt;
}

void append_escaped(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c == '|' || c == '\\' || c == '=') out.push_back('\\');
    out.push_back(c);
  }
}

// One referenced rule of a correlation, as the correlation reads its hits.
struct Position {
  size_t lane = 0;
  std::vector<std::string> group_paths;  // group-by names after alias mapping
  std::string value_path;                // value_count field after alias mapping
};

struct Corr {
  ResolvedCorrelation def;
  std::string ident;      // name, else id, else title: alert keys
  std::string state_key;  // id, else name, else title: persisted state
  uint64_t fingerprint = 0;
  std::optional<std::string> disabled;
  Bounds bounds;
  bool ordered = false;
  bool distinct = false;  // counts distinct values (value_count, temporal) rather than hits
  size_t lanes = 1, lane_cap = 1;
  int64_t span = 0;
  std::vector<Position> positions;                // per ref
  std::vector<std::pair<size_t, size_t>> outers;  // (correlation, position) referencing this one
  bool referenced = false;
  bool generate_alone = false;
  bool visible = true;
  int64_t in_lag = 0;    // how far behind the input floor a chained hit's time can be
  int64_t out_lag = 0;   // the same for this correlation's own firings
  std::list<Group> lru;  // least recently updated first
  std::unordered_map<std::string_view, std::list<Group>::iterator> index;
  size_t bytes = 0;
};

uint64_t fingerprint_of(const ResolvedCorrelation& def) {
  uint64_t h = 0xcbf29ce484222325ULL;
  auto add = [&h](std::string_view s) {
    h = fnv(fmt::format("{}:", s.size()), h);
    h = fnv(s, h);
  };
  const CorrelationSpec& s = def.spec;
  add(fmt::format("type{}", static_cast<int>(s.type)));
  for (size_t i = 0; i < s.rules.size(); ++i) {
    bool chained = i < def.refs.size() && def.refs[i].is_correlation;
    add(chained ? "c" : "r");
    add(s.rules[i]);
  }
  add("group");
  for (const std::string& g : s.group_by) add(g);
  add("field");
  add(s.value_field);
  add("aliases");
  for (const auto& [alias, map] : s.aliases) {
    add(alias);
    for (const auto& [rule, path] : map) {
      add(rule);
      add(path);
    }
  }
  return avalanche(h);
}

std::string map_alias(const CorrelationSpec& spec, const ResolvedCorrelation::Ref& ref,
                      const std::string& name) {
  auto a = spec.aliases.find(name);
  if (a == spec.aliases.end()) return name;
  auto p = a->second.find(ref.name);
  if (p == a->second.end() && !ref.id.empty()) p = a->second.find(ref.id);
  return p == a->second.end() ? name : p->second;
}

// A firing, before it becomes an alert and/or a chained hit.
struct Fired {
  int64_t first = 0, last = 0;
  uint64_t events = 0;
  int64_t observed = 0;
  std::vector<std::pair<int64_t, std::string>> ids;
  std::string start_id;
  std::vector<std::string> values;
};

// Counts distinct 64-bit values with multiplicities: open addressing, reset in O(1) by a
// generation stamp (a slot belongs to the current evaluation when its stamp matches).
class DistinctCounter {
 public:
  void reset(size_t expected) {
    size_t cap = 16;
    while (cap < expected + expected / 2 + 2) cap <<= 1;
    if (cap > slots_.size() || ++generation_ == 0) {
      slots_.assign(std::max(cap, slots_.size()), Slot{});
      generation_ = 1;
    }
    mask_ = cap - 1;
    distinct_ = 0;
  }
  void add(uint64_t v) {
    if (find(v).count++ == 0) ++distinct_;
  }
  void remove(uint64_t v) {
    if (--find(v).count == 0) --distinct_;
  }
  size_t distinct() const { return distinct_; }

 private:
  struct Slot {
    uint64_t key = 0;
    uint32_t count = 0;
    uint32_t generation = 0;
  };
  Slot& find(uint64_t v) {
    size_t i = avalanche(v) & mask_;
    while (slots_[i].generation == generation_ && slots_[i].key != v) i = (i + 1) & mask_;
    Slot& s = slots_[i];
    if (s.generation != generation_) s = Slot{v, 0, generation_};
    return s;
  }
  std::vector<Slot> slots_;
  uint32_t generation_ = 0;
  size_t mask_ = 0;
  size_t distinct_ = 0;
};

struct Slot {
  int64_t time;
  uint64_t value;
  uint32_t lane;
  uint32_t idx;
};

// ---- persisted form --------------------------------------------------------------------------

constexpr std::string_view kMagic = "TWCORREL";
constexpr uint32_t kVersion = 1;

class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool u8(uint8_t& v) {
    if (in_.size() - pos_ < 1) return false;
    v = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }
  bool u32(uint32_t& v) {
    if (in_.size() - pos_ < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(in_[pos_ + i])} << (8 * i);
    pos_ += 4;
    return true;
  }
  bool u64(uint64_t& v) {
    if (in_.size() - pos_ < 8) return false;
    v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(in_[pos_ + i])} << (8 * i);
    pos_ += 8;
    return true;
  }
  bool i64(int64_t& v) {
    uint64_t u = 0;
    if (!u64(u)) return false;
    v = static_cast<int64_t>(u);
    return true;
  }
  bool str(std::string& s) {
    uint32_t n = 0;
    if (!u32(n) || in_.size() - pos_ < n) return false;
    s.assign(in_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  // A count of items that take at least `min_bytes` each: refuses counts the rest cannot hold,
  // so a corrupt count never drives a huge allocation.
  bool count(uint32_t& n, size_t min_bytes) {
    if (!u32(n)) return false;
    return static_cast<uint64_t>(n) * min_bytes <= in_.size() - pos_;
  }
  bool done() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

void write_sub(Writer& w, const Sub& s) {
  w.i64(s.first);
  w.i64(s.last);
  w.u64(s.events);
  w.u32(static_cast<uint32_t>(s.ids.size()));
  for (const auto& [t, id] : s.ids) {
    w.i64(t);
    w.str(id);
  }
}

bool read_sub(Reader& r, Sub& s) {
  uint32_t n = 0;
  if (!r.i64(s.first) || !r.i64(s.last) || !r.u64(s.events) || !r.count(n, 12)) return false;
  s.ids.resize(n);
  for (auto& [t, id] : s.ids) {
    if (!r.i64(t) || !r.str(id)) return false;
  }
  s.bytes = sub_bytes(s);
  return true;
}

}  // namespace

// ---- the engine ------------------------------------------------------------------------------

struct CorrelationEngine::Impl {
  CorrelationLimits limits;
  std::vector<Corr> corrs;
  std::vector<size_t> topo;                                       // referenced before referencing
  std::vector<std::vector<std::pair<size_t, size_t>>> base_refs;  // rule -> (corr, position)
  std::vector<std::vector<std::string>> base_fields;
  std::vector<uint8_t> base_generate;
  int64_t watermark = kNoTime;
  int64_t expired_at = kNoTime;  // the watermark at the last expire()
  std::vector<CorrelationAlert> pending;
  CorrelationStats stats;
  size_t total_bytes = 0;
  // Scratch, reused between calls.
  std::vector<Slot> slots;
  DistinctCounter counter;

  void build(std::vector<ResolvedCorrelation> defs);
  void order();

  // Hits of correlation `c` at or after this time may still arrive.
  int64_t input_floor(const Corr& c) const {
    return sat_sub(sat_sub(expired_at, limits.allowed_lateness_us), c.in_lag);
  }

  void recount(Corr& c, Group& g) {
    size_t n = group_bytes(g);
    c.bytes = c.bytes - g.bytes + n;
    total_bytes = total_bytes - g.bytes + n;
    g.bytes = n;
  }
  void erase_group(Corr& c, std::list<Group>::iterator it) {
    c.bytes -= it->bytes;
    total_bytes -= it->bytes;
    c.index.erase(std::string_view(it->key));
    c.lru.erase(it);
  }
  Group& find_or_create(Corr& c, std::string key, const std::vector<std::string_view>& values);
  void enforce_budget();

  void feed(size_t c, size_t pos, int64_t time, std::string_view id, std::unique_ptr<Sub> sub,
            const HitFields& fields, std::vector<CorrelationAlert>& out);
  void fill_slots(const Corr& c, const Group& g, int64_t lo, int64_t hi);
  void slot_add(const Slot& s) { counter.add(s.value); }
  void slot_remove(const Slot& s) { counter.remove(s.value); }
  std::optional<std::pair<size_t, size_t>> sweep(const Corr& c, const Group& g, int64_t t);
  bool chain(const Corr& c, const Group& g, size_t lane, size_t idx,
             std::vector<const Entry*>& chosen) const;
  const Entry& slot_entry(const Group& g, const Slot& s) const { return g.lanes[s.lane][s.idx]; }
  Fired make_fired(const Group& g, const std::vector<const Entry*>& sel, int64_t observed) const;
  void emit(size_t c, Fired fired, std::vector<CorrelationAlert>& out);
  void expire_corr(size_t c, std::vector<CorrelationAlert>& out);
  void flush(std::vector<CorrelationAlert>& out) {
    for (CorrelationAlert& a : pending) out.push_back(std::move(a));
    pending.clear();
  }

  std::string serialize() const;
  Status restore(std::string_view blob);
};

void CorrelationEngine::Impl::build(std::vector<ResolvedCorrelation> defs) {
  limits.max_event_ids_per_alert = std::max(limits.max_event_ids_per_alert, kMinIdsPerAlert);
  limits.max_groups_per_correlation = std::max<size_t>(limits.max_groups_per_correlation, 1);
  limits.max_events_per_group = std::max<size_t>(limits.max_events_per_group, 1);
  limits.allowed_lateness_us = std::max<int64_t>(limits.allowed_lateness_us, 0);
  const size_t n = defs.size();
  corrs.resize(n);
  for (size_t i = 0; i < n; ++i) {
    Corr& c = corrs[i];
    c.def = std::move(defs[i]);
    const CorrelationSpec& s = c.def.spec;
    const RuleMeta& m = s.meta;
    c.ident = !m.name.empty() ? m.name : !m.id.empty() ? m.id : m.title;
    c.state_key = !m.id.empty() ? m.id : !m.name.empty() ? m.name : m.title;
    c.fingerprint = fingerprint_of(c.def);
    c.disabled = CorrelationEngine::unsupported_reason(s, limits);
    if (!c.disabled && c.def.refs.size() != s.rules.size()) {
      c.disabled =
          fmt::format("{} of its {} references are resolved", c.def.refs.size(), s.rules.size());
    }
    const bool temporal = is_temporal(s.type);
    for (size_t r = 0; r < c.def.refs.size() && !c.disabled; ++r) {
      const auto& ref = c.def.refs[r];
      if (ref.is_correlation && ref.index >= n) {
        c.disabled = fmt::format("rule '{}' is an unknown correlation", ref.name);
      } else if (ref.is_correlation && ref.index == i) {
        c.disabled = "the correlation references itself";
      }
      for (size_t q = 0; q < r && temporal && !c.disabled; ++q) {
        if (c.def.refs[q].is_correlation == ref.is_correlation &&
            c.def.refs[q].index == ref.index) {
          c.disabled = fmt::format("rule '{}' is referenced twice", ref.name);
        }
      }
    }
    c.ordered = s.type == CorrelationType::kTemporalOrdered;
    c.distinct = s.type != CorrelationType::kEventCount;
    c.lanes = temporal ? std::max<size_t>(c.def.refs.size(), 1) : 1;
    c.lane_cap = std::max<size_t>(limits.max_events_per_group / c.lanes, 1);
    c.span = s.timespan_us;
    if (temporal && s.condition.empty()) {
      c.bounds.lo = static_cast<int64_t>(s.rules.size());
    } else {
      c.bounds = bounds_of(s.condition);
    }
    for (size_t r = 0; r < c.def.refs.size(); ++r) {
      Position p;
      p.lane = temporal ? r : 0;
      for (const std::string& g : s.group_by)
        p.group_paths.push_back(map_alias(s, c.def.refs[r], g));
      if (s.type == CorrelationType::kValueCount)
        p.value_path = map_alias(s, c.def.refs[r], s.value_field);
      c.positions.push_back(std::move(p));
    }
  }
  order();
  for (size_t i = 0; i < n; ++i) {
    Corr& c = corrs[i];
    for (size_t r = 0; r < c.def.refs.size(); ++r) {
      const auto& ref = c.def.refs[r];
      if (ref.is_correlation) {
        if (ref.index >= n || ref.index == i) continue;
        Corr& inner = corrs[ref.index];
        inner.outers.emplace_back(i, r);
        inner.referenced = true;
        inner.generate_alone = inner.generate_alone || c.def.spec.generate;
        continue;
      }
      if (ref.index >= base_refs.size()) {
        base_refs.resize(ref.index + 1);
        base_fields.resize(ref.index + 1);
        base_generate.resize(ref.index + 1, 0);
      }
      auto& list = base_refs[ref.index];
      bool seen = std::any_of(list.begin(), list.end(), [i](auto& e) { return e.first == i; });
      if (!seen) list.emplace_back(i, r);
      if (c.def.spec.generate) base_generate[ref.index] = 1;
      auto& fields = base_fields[ref.index];
      for (const std::string& p : c.positions[r].group_paths) fields.push_back(p);
      if (!c.positions[r].value_path.empty()) fields.push_back(c.positions[r].value_path);
    }
  }
  for (auto& fields : base_fields) {
    std::sort(fields.begin(), fields.end());
    fields.erase(std::unique(fields.begin(), fields.end()), fields.end());
  }
  for (Corr& c : corrs) c.visible = !c.referenced || c.generate_alone;
  for (size_t i : topo) {
    Corr& c = corrs[i];
    for (const auto& ref : c.def.refs) {
      if (ref.is_correlation && ref.index < n && ref.index != i) {
        c.in_lag = std::max(c.in_lag, corrs[ref.index].out_lag);
      }
    }
    c.out_lag = c.bounds.closing ? sat_add(c.in_lag, c.span) : c.in_lag;
  }
}

// Topological order over chaining (referenced first); correlations on a cycle are disabled.
void CorrelationEngine::Impl::order() {
  const size_t n = corrs.size();
  std::vector<uint8_t> state(n, 0);  // 0 new, 1 on the stack, 2 done
  std::vector<size_t> stack;
  auto visit = [&](auto&& self, size_t i) -> void {
    if (state[i] == 2) return;
    if (state[i] == 1) {
      // A cycle: everything on the stack from i up.
      auto from = std::find(stack.begin(), stack.end(), i);
      for (auto it = from; it != stack.end(); ++it) {
        if (!corrs[*it].disabled)
          corrs[*it].disabled = "the correlation is part of a reference cycle";
      }
      return;
    }
    state[i] = 1;
    stack.push_back(i);
    for (const auto& ref : corrs[i].def.refs) {
      if (ref.is_correlation && ref.index < n && ref.index != i) self(self, ref.index);
    }
    stack.pop_back();
    state[i] = 2;
    topo.push_back(i);
  };
  for (size_t i = 0; i < n; ++i) visit(visit, i);
}

Group& CorrelationEngine::Impl::find_or_create(Corr& c, std::string key,
                                               const std::vector<std::string_view>& values) {
  auto found = c.index.find(std::string_view(key));
  if (found != c.index.end()) {
    c.lru.splice(c.lru.end(), c.lru, found->second);
    return *found->second;
  }
  if (c.index.size() >= limits.max_groups_per_correlation) {
    erase_group(c, c.lru.begin());
    ++stats.evicted_groups;
  }
  Group& g = c.lru.emplace_back();
  g.key = std::move(key);
  g.values.assign(values.begin(), values.end());
  g.lanes.resize(c.lanes);
  c.index.emplace(std::string_view(g.key), std::prev(c.lru.end()));
  recount(c, g);
  return g;
}

void CorrelationEngine::Impl::enforce_budget() {
  while (total_bytes > limits.max_state_bytes) {
    Corr* largest = nullptr;
    for (Corr& c : corrs) {
      if (!c.lru.empty() && (largest == nullptr || c.bytes > largest->bytes)) largest = &c;
    }
    if (largest == nullptr) return;
    erase_group(*largest, largest->lru.begin());
    ++stats.evicted_groups;
  }
}

void CorrelationEngine::Impl::fill_slots(const Corr& c, const Group& g, int64_t lo, int64_t hi) {
  slots.clear();
  for (size_t l = 0; l < g.lanes.size(); ++l) {
    const Lane& lane = g.lanes[l];
    auto b = std::lower_bound(lane.begin(), lane.end(), lo, by_time);
    auto e = std::upper_bound(b, lane.end(), hi, time_before);
    for (auto it = b; it != e; ++it) {
      slots.push_back(Slot{it->time, it->value, static_cast<uint32_t>(l),
                           static_cast<uint32_t>(it - lane.begin())});
    }
  }
  if (c.lanes > 1) {
    std::stable_sort(slots.begin(), slots.end(),
                     [](const Slot& a, const Slot& b) { return a.time < b.time; });
  }
  counter.reset(slots.size());
}

// Lower-bound conditions: the earliest window containing `t` that meets the condition, as a
// range of `slots`.
std::optional<std::pair<size_t, size_t>> CorrelationEngine::Impl::sweep(const Corr& c,
                                                                        const Group& g, int64_t t) {
  fill_slots(c, g, sat_sub(t, c.span), sat_add(t, c.span));
  const size_t n = slots.size();
  size_t l = 0, r = 0;
  while (l < n && slots[l].time <= t) {
    const int64_t anchor = slots[l].time;
    const int64_t end = sat_add(anchor, c.span);
    for (; r < n && slots[r].time <= end; ++r) {
      if (c.distinct) slot_add(slots[r]);
    }
    int64_t measure =
        c.distinct ? static_cast<int64_t>(counter.distinct()) : static_cast<int64_t>(r - l);
    if (meets(c.bounds, measure)) return std::make_pair(l, r);
    for (; l < n && slots[l].time == anchor; ++l) {
      if (c.distinct) slot_remove(slots[l]);
    }
  }
  return std::nullopt;
}

// temporal_ordered: a chain of one hit per lane with non-decreasing times through the entry
// (lane, idx), as short as possible (latest predecessors, earliest successors).
bool CorrelationEngine::Impl::chain(const Corr& c, const Group& g, size_t lane, size_t idx,
                                    std::vector<const Entry*>& chosen) const {
  chosen.assign(c.lanes, nullptr);
  chosen[lane] = &g.lanes[lane][idx];
  const int64_t t = chosen[lane]->time;
  int64_t cur = t;
  for (size_t p = lane; p-- > 0;) {
    const Lane& l = g.lanes[p];
    auto it = std::upper_bound(l.begin(), l.end(), cur, time_before);
    if (it == l.begin()) return false;
    --it;
    chosen[p] = &*it;
    cur = it->time;
  }
  const int64_t start = cur;
  cur = t;
  for (size_t p = lane + 1; p < c.lanes; ++p) {
    const Lane& l = g.lanes[p];
    auto it = std::lower_bound(l.begin(), l.end(), cur, by_time);
    if (it == l.end()) return false;
    chosen[p] = &*it;
    cur = it->time;
  }
  return sat_sub(cur, start) <= c.span;
}

Fired CorrelationEngine::Impl::make_fired(const Group& g, const std::vector<const Entry*>& sel,
                                          int64_t observed) const {
  Fired f;
  f.observed = observed;
  f.values = g.values;
  f.first = kMaxTime;
  f.last = kNoTime;
  int64_t start_time = kMaxTime;
  const size_t n = sel.size();
  std::vector<size_t> sizes(n), quota(n);
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    const Entry& e = *sel[i];
    int64_t first = e.sub ? e.sub->first : e.time;
    f.first = std::min(f.first, first);
    f.last = std::max(f.last, e.sub ? std::max(e.sub->last, e.time) : e.time);
    f.events += e.sub ? e.sub->events : 1;
    sizes[i] = e.sub ? e.sub->ids.size() : 1;
    total += sizes[i];
    if (first < start_time) {
      start_time = first;
      f.start_id = e.sub ? (e.sub->ids.empty() ? std::string() : e.sub->ids.front().second) : e.id;
    }
  }
  const size_t cap = limits.max_event_ids_per_alert;
  if (total <= cap) {
    quota = sizes;
  } else {
    // Round robin, the last hit first (the one that completed the window), then in time order.
    size_t remaining = cap;
    bool progressed = true;
    while (remaining > 0 && progressed) {
      progressed = false;
      for (size_t k = 0; k < n && remaining > 0; ++k) {
        size_t i = k == 0 ? n - 1 : k - 1;
        if (quota[i] < sizes[i]) {
          ++quota[i];
          --remaining;
          progressed = true;
        }
      }
    }
  }
  f.ids.reserve(std::min(total, cap));
  for (size_t i = 0; i < n; ++i) {
    const Entry& e = *sel[i];
    if (quota[i] == 0) continue;
    if (!e.sub) {
      f.ids.emplace_back(e.time, e.id);
      continue;
    }
    const auto& ids = e.sub->ids;
    if (quota[i] >= ids.size()) {
      f.ids.insert(f.ids.end(), ids.begin(), ids.end());
    } else {
      size_t head = quota[i] >= 2 ? quota[i] - 1 : 1;
      f.ids.insert(f.ids.end(), ids.begin(), ids.begin() + static_cast<ptrdiff_t>(head));
      if (quota[i] >= 2) f.ids.push_back(ids.back());
    }
  }
  std::stable_sort(f.ids.begin(), f.ids.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return f;
}

void CorrelationEngine::Impl::emit(size_t ci, Fired fired, std::vector<CorrelationAlert>& out) {
  const Corr& c = corrs[ci];
  const CorrelationSpec& s = c.def.spec;
  CorrelationAlert a;
  a.correlation = ci;
  a.first_time_us = fired.first;
  a.last_time_us = fired.last;
  a.event_count = fired.events;
  a.observed = fired.observed;
  a.event_ids.reserve(fired.ids.size());
  for (const auto& [t, id] : fired.ids) a.event_ids.push_back(id);
  for (size_t i = 0; i < s.group_by.size() && i < fired.values.size(); ++i) {
    a.group.emplace_back(s.group_by[i], fired.values[i]);
  }
  const std::string span = span_text(c.span);
  switch (s.type) {
    case CorrelationType::kEventCount:
      a.detail = fmt::format("{} events ({}) in {}", a.observed, condition_text(s.condition), span);
      break;
    case CorrelationType::kValueCount:
      a.detail = fmt::format("{} distinct {} ({}) in {}", a.observed, s.value_field,
                             condition_text(s.condition), span);
      break;
    case CorrelationType::kTemporal: {
      std::string names;
      for (const std::string& r : s.rules) names += (names.empty() ? "" : ", ") + r;
      a.detail = s.condition.empty()
                     ? fmt::format("all {} rules ({}) within {}", s.rules.size(), names, span)
                     : fmt::format("{} of {} rules ({}) ({}) within {}", a.observed, s.rules.size(),
                                   condition_text(s.condition), names, span);
      break;
    }
    case CorrelationType::kTemporalOrdered: {
      std::string names;
      for (const std::string& r : s.rules) names += (names.empty() ? "" : " then ") + r;
      a.detail = fmt::format("{} in order within {}", names, span);
      break;
    }
  }
  append_escaped(a.key, c.ident);
  for (const auto& [k, v] : a.group) {
    a.key += '|';
    append_escaped(a.key, k);
    a.key += '=';
    append_escaped(a.key, v);
  }
  a.key += '|';
  append_escaped(a.key, fired.start_id);

  if (c.visible) {
    ++stats.alerts;
    out.push_back(a);
  }
  if (c.outers.empty()) return;
  for (const auto& [outer, pos] : c.outers) {
    auto sub = std::make_unique<Sub>();
    sub->first = fired.first;
    sub->last = fired.last;
    sub->events = fired.events;
    sub->ids = fired.ids;
    sub->bytes = sub_bytes(*sub);
    feed(outer, pos, fired.last, {}, std::move(sub), a.group, out);
  }
}

void CorrelationEngine::Impl::feed(size_t ci, size_t pos, int64_t time, std::string_view id,
                                   std::unique_ptr<Sub> sub, const HitFields& fields,
                                   std::vector<CorrelationAlert>& out) {
  Corr& c = corrs[ci];
  if (c.disabled) return;
  const Position& p = c.positions[pos];
  std::vector<std::string_view> values;
  values.reserve(p.group_paths.size());
  for (const std::string& path : p.group_paths) {
    auto v = lookup(fields, path);
    if (!v || v->empty()) {
      ++stats.missing_fields;
      return;
    }
    values.push_back(*v);
  }
  uint64_t value = p.lane;
  if (c.def.spec.type == CorrelationType::kValueCount) {
    auto v = lookup(fields, p.value_path);
    if (!v || v->empty()) {
      ++stats.missing_fields;
      return;
    }
    value = hash64(*v);
  }
  Group& g = find_or_create(c, group_key(values), values);
  if (time <= g.consumed_until) {
    ++stats.after_fire;
    return;
  }
  if (!c.bounds.closing) erase_until(g, sat_sub(input_floor(c), c.span), /*strict=*/true);
  Lane& lane = g.lanes[p.lane];
  auto at = std::upper_bound(lane.begin(), lane.end(), time, time_before);
  if (!sub && c.lanes == 1) {
    // An event matched by two referenced rules counts once.
    for (auto it = std::lower_bound(lane.begin(), at, time, by_time); it != at; ++it) {
      if (!it->sub && it->id == id) {
        recount(c, g);
        return;
      }
    }
  }
  size_t idx = static_cast<size_t>(at - lane.begin());
  auto inserted = lane.insert(at, Entry{time, value, std::string(id), std::move(sub)});
  g.entry_heap += entry_heap(*inserted);
  if (lane.size() > c.lane_cap) {
    erase_prefix(g, lane, lane.begin() + 1);
    ++stats.evicted_events;
    if (idx == 0) {  // the new hit was the oldest: nothing it completes is kept
      recount(c, g);
      return;
    }
    --idx;
  }
  std::optional<Fired> fired;
  if (!c.bounds.closing) {
    std::vector<const Entry*> sel;
    if (c.ordered) {
      if (chain(c, g, p.lane, idx, sel)) {
        fired = make_fired(g, sel, static_cast<int64_t>(c.lanes));
      }
    } else if (c.lanes == 1 && idx + 1 == lane.size()) {
      // In order (the common case): the earliest window holding the new hit holds every later
      // one, so it alone decides a lower-bound condition.
      const size_t n = lane.size();
      auto from = std::lower_bound(lane.begin(), lane.end(), sat_sub(time, c.span), by_time);
      int64_t measure = lane.end() - from;
      if (c.distinct) {
        counter.reset(static_cast<size_t>(measure));
        for (auto it = from; it != lane.end(); ++it) counter.add(it->value);
        measure = static_cast<int64_t>(counter.distinct());
      }
      if (meets(c.bounds, measure)) {
        for (size_t k = static_cast<size_t>(from - lane.begin()); k < n; ++k) {
          sel.push_back(&lane[k]);
        }
        fired = make_fired(g, sel, measure);
      }
    } else if (auto range = sweep(c, g, time)) {
      for (size_t k = range->first; k < range->second; ++k) {
        sel.push_back(&slot_entry(g, slots[k]));
      }
      int64_t measure = c.distinct ? static_cast<int64_t>(counter.distinct())
                                   : static_cast<int64_t>(range->second - range->first);
      fired = make_fired(g, sel, measure);
    }
    if (fired) {
      int64_t until = kNoTime;
      for (const Entry* e : sel) until = std::max(until, e->time);
      g.consumed_until = std::max(g.consumed_until, until);
      erase_until(g, until, /*strict=*/false);
    }
  }
  recount(c, g);
  if (fired) emit(ci, std::move(*fired), out);
}

// Decides the closed windows of a correlation with an upper-bound condition, drops what no
// future hit can use, and removes groups left empty.
void CorrelationEngine::Impl::expire_corr(size_t ci, std::vector<CorrelationAlert>& out) {
  Corr& c = corrs[ci];
  if (c.disabled && c.lru.empty()) return;
  const int64_t floor = input_floor(c);
  std::vector<Fired> fires;
  for (auto it = c.lru.begin(); it != c.lru.end();) {
    Group& g = *it;
    if (c.bounds.closing && !c.disabled) {
      fill_slots(c, g, kNoTime, kMaxTime);
      const size_t n = slots.size();
      size_t l = 0, r = 0;
      int64_t consumed = kNoTime;
      while (l < n && sat_add(slots[l].time, c.span) < floor) {
        const int64_t anchor = slots[l].time;
        const int64_t end = sat_add(anchor, c.span);
        for (; r < n && slots[r].time <= end; ++r) {
          if (c.distinct) slot_add(slots[r]);
        }
        int64_t measure =
            c.distinct ? static_cast<int64_t>(counter.distinct()) : static_cast<int64_t>(r - l);
        if (meets(c.bounds, measure)) {
          std::vector<const Entry*> sel;
          for (size_t k = l; k < r; ++k) sel.push_back(&slot_entry(g, slots[k]));
          fires.push_back(make_fired(g, sel, measure));
          consumed = slots[r - 1].time;
          for (; l < r; ++l) {
            if (c.distinct) slot_remove(slots[l]);
          }
        } else {
          for (; l < n && slots[l].time == anchor; ++l) {
            if (c.distinct) slot_remove(slots[l]);
          }
        }
      }
      if (l > 0) erase_until(g, l < n ? slots[l].time : kMaxTime, /*strict=*/true);
      g.consumed_until = std::max(g.consumed_until, consumed);
    } else {
      erase_until(g, sat_sub(floor, c.span), /*strict=*/true);
    }
    if (lanes_empty(g) && g.consumed_until < floor) {
      auto next = std::next(it);
      erase_group(c, it);
      it = next;
    } else {
      recount(c, g);
      ++it;
    }
    // Emitting feeds only correlations later in the topological order, never this one.
    for (Fired& f : fires) emit(ci, std::move(f), out);
    fires.clear();
  }
}

// ---- persistence -----------------------------------------------------------------------------

std::string CorrelationEngine::Impl::serialize() const {
  Writer w;
  w.i64(watermark);
  w.i64(expired_at);
  for (uint64_t v : {stats.hits, stats.late, stats.missing_fields, stats.after_fire,
                     stats.evicted_groups, stats.evicted_events, stats.alerts}) {
    w.u64(v);
  }
  w.u32(static_cast<uint32_t>(corrs.size()));
  for (const Corr& c : corrs) {
    w.str(c.state_key);
    w.u64(c.fingerprint);
    w.u32(static_cast<uint32_t>(c.lanes));
    w.u32(static_cast<uint32_t>(c.lru.size()));
    for (const Group& g : c.lru) {
      w.u32(static_cast<uint32_t>(g.values.size()));
      for (const std::string& v : g.values) w.str(v);
      w.i64(g.consumed_until);
      for (const Lane& lane : g.lanes) {
        w.u32(static_cast<uint32_t>(lane.size()));
        for (const Entry& e : lane) {
          w.i64(e.time);
          w.u64(e.value);
          w.str(e.id);
          w.u8(e.sub ? 1 : 0);
          if (e.sub) write_sub(w, *e.sub);
        }
      }
    }
  }
  w.u32(static_cast<uint32_t>(pending.size()));
  for (const CorrelationAlert& a : pending) {
    w.str(corrs[a.correlation].state_key);
    w.i64(a.first_time_us);
    w.i64(a.last_time_us);
    w.u64(a.event_count);
    w.i64(a.observed);
    w.str(a.detail);
    w.str(a.key);
    w.u32(static_cast<uint32_t>(a.event_ids.size()));
    for (const std::string& id : a.event_ids) w.str(id);
    w.u32(static_cast<uint32_t>(a.group.size()));
    for (const auto& [k, v] : a.group) {
      w.str(k);
      w.str(v);
    }
  }
  std::string payload = std::move(w.out());
  Writer blob;
  blob.out().append(kMagic);
  blob.u32(kVersion);
  blob.u64(payload.size());
  blob.out().append(payload);
  blob.u64(hash64(payload));
  return std::move(blob.out());
}

Status CorrelationEngine::Impl::restore(std::string_view blob) {
  auto corrupt = [](std::string why) {
    return make_error(ErrorCode::kCorrupt, "correlation state cannot be restored: " + why);
  };
  constexpr size_t kHeader = kMagic.size() + 4 + 8;
  if (blob.size() < kHeader + 8) return corrupt("the blob is truncated");
  if (blob.substr(0, kMagic.size()) != kMagic) return corrupt("not a correlation state blob");
  Reader head(blob.substr(kMagic.size()));
  uint32_t version = 0;
  uint64_t size = 0;
  head.u32(version);
  head.u64(size);
  if (version != kVersion) {
    return corrupt(fmt::format("version {} is not supported (expected {})", version, kVersion));
  }
  if (size != blob.size() - kHeader - 8) return corrupt("the blob is truncated or overlong");
  std::string_view payload = blob.substr(kHeader, size);
  Reader sum(blob.substr(kHeader + size));
  uint64_t checksum = 0;
  sum.u64(checksum);
  if (checksum != hash64(payload)) return corrupt("checksum mismatch");

  Reader r(payload);
  int64_t new_watermark = 0, new_expired = 0;
  CorrelationStats st;
  if (!r.i64(new_watermark) || !r.i64(new_expired)) return corrupt("truncated header");
  for (uint64_t* v : {&st.hits, &st.late, &st.missing_fields, &st.after_fire, &st.evicted_groups,
                      &st.evicted_events, &st.alerts}) {
    if (!r.u64(*v)) return corrupt("truncated counters");
  }
  // State keys -> current correlations, assigned in order when several share a key.
  std::unordered_map<std::string, std::vector<size_t>> by_key;
  for (size_t i = corrs.size(); i-- > 0;) by_key[corrs[i].state_key].push_back(i);
  std::vector<std::optional<std::list<Group>>> parsed(corrs.size());
  uint32_t ncorr = 0;
  if (!r.count(ncorr, 20)) return corrupt("bad correlation count");
  for (uint32_t k = 0; k < ncorr; ++k) {
    std::string key;
    uint64_t fingerprint = 0;
    uint32_t lanes = 0, ngroups = 0;
    if (!r.str(key) || !r.u64(fingerprint) || !r.u32(lanes) || !r.count(ngroups, 12)) {
      return corrupt("truncated correlation");
    }
    if (lanes == 0 || lanes > 4096) return corrupt("bad lane count");
    std::optional<size_t> target;
    if (auto f = by_key.find(key); f != by_key.end() && !f->second.empty()) {
      size_t i = f->second.back();
      f->second.pop_back();
      if (corrs[i].fingerprint == fingerprint && corrs[i].lanes == lanes) target = i;
    }
    std::list<Group> groups;
    std::unordered_set<std::string> keys;
    for (uint32_t gi = 0; gi < ngroups; ++gi) {
      Group g;
      uint32_t nvalues = 0;
      if (!r.count(nvalues, 4)) return corrupt("truncated group");
      g.values.resize(nvalues);
      for (std::string& v : g.values) {
        if (!r.str(v)) return corrupt("truncated group value");
      }
      if (!r.i64(g.consumed_until)) return corrupt("truncated group");
      g.lanes.resize(lanes);
      for (Lane& lane : g.lanes) {
        uint32_t nentries = 0;
        if (!r.count(nentries, 21)) return corrupt("truncated lane");
        lane.resize(nentries);
        for (size_t ei = 0; ei < lane.size(); ++ei) {
          Entry& e = lane[ei];
          uint8_t has_sub = 0;
          if (!r.i64(e.time) || !r.u64(e.value) || !r.str(e.id) || !r.u8(has_sub) || has_sub > 1) {
            return corrupt("truncated entry");
          }
          if (ei > 0 && e.time < lane[ei - 1].time) return corrupt("entries out of time order");
          if (has_sub) {
            e.sub = std::make_unique<Sub>();
            if (!read_sub(r, *e.sub)) return corrupt("truncated chained hit");
          }
        }
      }
      if (!target) continue;
      if (g.values.size() != corrs[*target].def.spec.group_by.size()) {
        return corrupt("group does not match its correlation");
      }
      std::vector<std::string_view> views(g.values.begin(), g.values.end());
      g.key = group_key(views);
      if (!keys.insert(g.key).second) return corrupt("duplicate group");
      groups.push_back(std::move(g));
    }
    if (target) parsed[*target] = std::move(groups);
  }
  uint32_t npending = 0;
  if (!r.count(npending, 40)) return corrupt("bad pending alert count");
  std::vector<CorrelationAlert> new_pending;
  for (uint32_t k = 0; k < npending; ++k) {
    std::string key;
    CorrelationAlert a;
    uint64_t events = 0;
    uint32_t nids = 0, ngroup = 0;
    if (!r.str(key) || !r.i64(a.first_time_us) || !r.i64(a.last_time_us) || !r.u64(events) ||
        !r.i64(a.observed) || !r.str(a.detail) || !r.str(a.key) || !r.count(nids, 4)) {
      return corrupt("truncated pending alert");
    }
    a.event_count = events;
    a.event_ids.resize(nids);
    for (std::string& id : a.event_ids) {
      if (!r.str(id)) return corrupt("truncated pending alert");
    }
    if (!r.count(ngroup, 8)) return corrupt("truncated pending alert");
    a.group.resize(ngroup);
    for (auto& [gk, gv] : a.group) {
      if (!r.str(gk) || !r.str(gv)) return corrupt("truncated pending alert");
    }
    auto it = std::find_if(corrs.begin(), corrs.end(),
                           [&key](const Corr& c) { return c.state_key == key; });
    if (it == corrs.end()) continue;
    a.correlation = static_cast<size_t>(it - corrs.begin());
    new_pending.push_back(std::move(a));
  }
  if (!r.done()) return corrupt("trailing bytes");

  // Valid: install.
  watermark = new_watermark;
  expired_at = new_expired;
  stats = st;
  pending = std::move(new_pending);
  total_bytes = 0;
  for (size_t i = 0; i < corrs.size(); ++i) {
    Corr& c = corrs[i];
    c.index.clear();
    c.lru.clear();
    c.bytes = 0;
    if (!parsed[i]) continue;
    c.lru = std::move(*parsed[i]);
    while (c.lru.size() > limits.max_groups_per_correlation) c.lru.pop_front();
    for (auto it = c.lru.begin(); it != c.lru.end(); ++it) {
      it->entry_heap = 0;
      for (Lane& lane : it->lanes) {
        if (lane.size() > c.lane_cap) {
          lane.erase(lane.begin(), lane.begin() + static_cast<ptrdiff_t>(lane.size() - c.lane_cap));
        }
        for (const Entry& e : lane) it->entry_heap += entry_heap(e);
      }
      c.index.emplace(std::string_view(it->key), it);
      it->bytes = 0;
      recount(c, *it);
    }
  }
  enforce_budget();
  return {};
}

// ---- public surface --------------------------------------------------------------------------

CorrelationEngine::CorrelationEngine(std::vector<ResolvedCorrelation> correlations,
                                     CorrelationLimits limits)
    : impl_(std::make_unique<Impl>()) {
  impl_->limits = limits;
  impl_->build(std::move(correlations));
}

CorrelationEngine::~CorrelationEngine() = default;
CorrelationEngine::CorrelationEngine(CorrelationEngine&&) noexcept = default;
CorrelationEngine& CorrelationEngine::operator=(CorrelationEngine&&) noexcept = default;

std::optional<std::string> CorrelationEngine::unsupported_reason(const CorrelationSpec& spec) {
  if (spec.rules.empty()) return "the correlation references no rules";
  if (spec.timespan_us < kSecondUs) return "the timespan is shorter than 1s";
  if (spec.timespan_us > kMaxTimespanUs) return "the timespan is longer than 14d";
  for (const CountCondition& c : spec.condition) {
    if (c.value < 0) return "the condition compares with a negative count";
  }
  const int64_t k = static_cast<int64_t>(spec.rules.size());
  switch (spec.type) {
    case CorrelationType::kEventCount:
    case CorrelationType::kValueCount:
      if (spec.condition.empty())
        return "an event_count or value_count correlation needs a condition";
      if (spec.type == CorrelationType::kValueCount && spec.value_field.empty()) {
        return "a value_count correlation needs a field";
      }
      if (!satisfiable(bounds_of(spec.condition), kMaxTime))
        return "the condition can never be met";
      return std::nullopt;
    case CorrelationType::kTemporal:
    case CorrelationType::kTemporalOrdered: {
      for (size_t i = 0; i < spec.rules.size(); ++i) {
        for (size_t j = 0; j < i; ++j) {
          if (spec.rules[i] == spec.rules[j]) {
            return fmt::format("rule '{}' is referenced twice", spec.rules[i]);
          }
        }
      }
      if (spec.condition.empty()) return std::nullopt;
      Bounds b = bounds_of(spec.condition);
      if (spec.type == CorrelationType::kTemporalOrdered) {
        bool all_only = meets(b, k);
        for (int64_t n = 1; n < k && all_only; ++n) all_only = !meets(b, n);
        if (!all_only) {
          return "temporal_ordered supports only its default condition (all rules, in order)";
        }
        return std::nullopt;
      }
      if (!satisfiable(b, k)) {
        return fmt::format("the condition can never be met by {} referenced rules", k);
      }
      return std::nullopt;
    }
  }
  return "unknown correlation type";
}

std::optional<std::string> CorrelationEngine::unsupported_reason(const CorrelationSpec& spec,
                                                                 const CorrelationLimits& limits) {
  if (auto why = unsupported_reason(spec)) return why;
  if (is_temporal(spec.type)) return std::nullopt;
  const size_t cap = std::max<size_t>(limits.max_events_per_group, 1);
  for (const CountCondition& c : spec.condition) {
    if (static_cast<uint64_t>(c.value) >= cap) {
      return fmt::format(
          "the condition counts up to {}, but at most {} events are kept per group "
          "(max_events_per_group)",
          c.value, cap);
    }
  }
  return std::nullopt;
}

size_t CorrelationEngine::size() const { return impl_->corrs.size(); }

const ResolvedCorrelation& CorrelationEngine::correlation(size_t index) const {
  return impl_->corrs.at(index).def;
}

std::optional<std::string> CorrelationEngine::disabled_reason(size_t correlation) const {
  return impl_->corrs.at(correlation).disabled;
}

std::vector<std::string> CorrelationEngine::needed_fields(size_t rule) const {
  if (rule >= impl_->base_fields.size()) return {};
  return impl_->base_fields[rule];
}

bool CorrelationEngine::referenced(size_t rule) const {
  return rule < impl_->base_refs.size() && !impl_->base_refs[rule].empty();
}

bool CorrelationEngine::generates_alone(size_t rule) const {
  return rule < impl_->base_generate.size() && impl_->base_generate[rule] != 0;
}

void CorrelationEngine::on_hit(size_t rule, int64_t time_us, std::string_view event_id,
                               const HitFields& fields, std::vector<CorrelationAlert>& out) {
  Impl& m = *impl_;
  m.flush(out);
  ++m.stats.hits;
  m.watermark = std::max(m.watermark, time_us);
  if (rule >= m.base_refs.size() || m.base_refs[rule].empty()) return;
  if (time_us < sat_sub(m.watermark, m.limits.allowed_lateness_us)) {
    ++m.stats.late;
    return;
  }
  for (const auto& [c, pos] : m.base_refs[rule]) {
    m.feed(c, pos, time_us, event_id, nullptr, fields, out);
  }
  m.enforce_budget();
}

void CorrelationEngine::expire(int64_t now_event_time_us, std::vector<CorrelationAlert>& out) {
  Impl& m = *impl_;
  m.flush(out);
  m.watermark = std::max(m.watermark, now_event_time_us);
  m.expired_at = m.watermark;
  for (size_t c : m.topo) m.expire_corr(c, out);
  m.enforce_budget();
}

void CorrelationEngine::expire(int64_t now_event_time_us) {
  std::vector<CorrelationAlert> out;
  expire(now_event_time_us, out);
  for (CorrelationAlert& a : out) impl_->pending.push_back(std::move(a));
}

std::string CorrelationEngine::serialize() const { return impl_->serialize(); }

Status CorrelationEngine::restore(std::string_view blob) { return impl_->restore(blob); }

size_t CorrelationEngine::state_bytes() const {
  size_t n = impl_->total_bytes;
  for (const CorrelationAlert& a : impl_->pending) {
    n += sizeof(a) + a.detail.size() + a.key.size();
    for (const std::string& id : a.event_ids) n += sizeof(id) + id.size();
  }
  return n;
}

size_t CorrelationEngine::group_count(size_t correlation) const {
  return impl_->corrs.at(correlation).lru.size();
}

int64_t CorrelationEngine::watermark() const { return impl_->watermark; }

const CorrelationStats& CorrelationEngine::stats() const { return impl_->stats; }

}  // namespace trailwarden::detect
