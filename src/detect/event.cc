// Field path resolution over a simdjson DOM record, derived `tw.*` groups and the texts of
// numbers and composites (see event.h).
#include "detect/event.h"

#include <charconv>
#include <deque>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace trailwarden::detect {

using simdjson::dom::element;
using simdjson::dom::element_type;

FieldPath::FieldPath(std::string_view path) : text_(path) {
  if (text_.empty()) return;
  size_t start = 0;
  for (size_t i = 0; i <= text_.size(); ++i) {
    if (i == text_.size() || text_[i] == '.') {
      starts_.push_back(static_cast<uint32_t>(start));
      ends_.push_back(static_cast<uint32_t>(i));
      start = i + 1;
    }
  }
  derived_ = starts_.size() >= 2 && segment(0) == "tw";
  if (!derived_) {
    // Intern the first segment. Rule paths are few; the table only grows with new names.
    static std::mutex mu;
    static std::unordered_map<std::string, int32_t> slots;
    std::lock_guard lock(mu);
    auto it = slots.try_emplace(std::string(segment(0)), static_cast<int32_t>(slots.size())).first;
    slot_ = it->second;
    it = slots.try_emplace("\x01" + text_, static_cast<int32_t>(slots.size())).first;
    path_slot_ = it->second;
  }
}

std::string_view FieldPath::joined(size_t i, size_t j) const {
  return std::string_view(text_).substr(starts_[i], ends_[j] - starts_[i]);
}

namespace {

void append_json_string_raw(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

void append_number(std::string& out, element e) {
  char buf[64];
  std::to_chars_result r{};
  switch (e.type()) {
    case element_type::INT64:
      r = std::to_chars(buf, buf + sizeof buf, e.get_int64().value_unsafe());
      break;
    case element_type::UINT64:
      r = std::to_chars(buf, buf + sizeof buf, e.get_uint64().value_unsafe());
      break;
    default:
      r = std::to_chars(buf, buf + sizeof buf, e.get_double().value_unsafe());
      break;
  }
  out.append(buf, r.ptr);
}

double number_of(element e) {
  switch (e.type()) {
    case element_type::INT64:
      return static_cast<double>(e.get_int64().value_unsafe());
    case element_type::UINT64:
      return static_cast<double>(e.get_uint64().value_unsafe());
    default:
      return e.get_double().value_unsafe();
  }
}

}  // namespace

void append_json(std::string& out, element e) {
  switch (e.type()) {
    case element_type::ARRAY: {
      out.push_back('[');
      bool first = true;
      for (element c : simdjson::dom::array(e.get_array().value_unsafe())) {
        if (!first) out.push_back(',');
        first = false;
        append_json(out, c);
      }
      out.push_back(']');
      break;
    }
    case element_type::OBJECT: {
      out.push_back('{');
      bool first = true;
      for (auto kv : simdjson::dom::object(e.get_object().value_unsafe())) {
        if (!first) out.push_back(',');
        first = false;
        append_json_string_raw(out, kv.key);
        out.push_back(':');
        append_json(out, kv.value);
      }
      out.push_back('}');
      break;
    }
    case element_type::STRING:
      append_json_string_raw(out, e.get_string().value_unsafe());
      break;
    case element_type::BOOL:
      out += e.get_bool().value_unsafe() ? "true" : "false";
      break;
    case element_type::NULL_VALUE:
      out += "null";
      break;
    default:
      append_number(out, e);
      break;
  }
}

namespace {
struct TopSlot {
  uint64_t epoch = 0;
  bool found = false;
  element value;
};

// A whole path resolved for the current record: absent, one element (perhaps an array at the
// end), or something only a full walk handles (arrays on the way, keys containing dots).
struct PathSlot {
  enum class State : uint8_t { kAbsent, kElement, kComplex };
  uint64_t epoch = 0;
  State state = State::kAbsent;
  element value;
};
}  // namespace

struct Event::Impl {
  struct Group {
    std::string name;
    bool computed = false;
    bool present = false;
    std::string json;
    simdjson::dom::parser parser;
    element root;
  };
  std::vector<std::unique_ptr<Group>> groups;
  std::vector<TopSlot> top;     // top-level lookups of the current record, by FieldPath::slot
  std::vector<PathSlot> paths;  // whole-path lookups, by FieldPath::path_slot
  uint64_t epoch = 1;
  std::deque<std::string> kept;  // texts handed out until reset (deque: no moves)
  std::string scratch;
  size_t computations = 0;
};

Event::Event(const DerivedFields* derived) : derived_(derived), impl_(new Impl) {}
Event::~Event() { delete impl_; }

void Event::reset(element root) {
  root_ = root;
  ++impl_->epoch;
  for (auto& g : impl_->groups) g->computed = false;
  impl_->kept.clear();
  impl_->computations = 0;
}

size_t Event::derived_computations() const { return impl_->computations; }

namespace {

using VisitFn = FunctionRef<bool(element)>;

// Every element under an array (nested arrays flattened) or the element itself.
bool emit_leaf(element e, VisitFn fn) {
  if (e.type() == element_type::ARRAY) {
    for (element c : simdjson::dom::array(e.get_array().value_unsafe())) {
      if (emit_leaf(c, fn)) return true;
    }
    return false;
  }
  return fn(e);
}

// Returns true to stop.
bool walk(element e, const FieldPath& p, size_t i, VisitFn fn, bool& found);
bool walk_dotted(simdjson::dom::object obj, const FieldPath& p, size_t i, VisitFn fn, bool& found);

// The first segment's member of the root object, cached per record.
bool top_member(element root, const FieldPath& p, element& out, std::vector<TopSlot>& top,
                uint64_t epoch) {
  auto slot = static_cast<size_t>(p.slot());
  if (slot >= top.size()) top.resize(slot + 1);
  TopSlot& t = top[slot];
  if (t.epoch != epoch) {
    t.epoch = epoch;
    t.found =
        simdjson::dom::object(root.get_object().value_unsafe()).at_key(p.segment(0)).get(t.value) ==
        simdjson::SUCCESS;
  }
  out = t.value;
  return t.found;
}

// A full walk that starts from the cached first-segment member.
bool walk_root(element root, const FieldPath& p, VisitFn fn, bool& found, std::vector<TopSlot>& top,
               uint64_t epoch) {
  if (p.slot() < 0 || root.type() != element_type::OBJECT) return walk(root, p, 0, fn, found);
  element member;
  if (top_member(root, p, member, top, epoch)) return walk(member, p, 1, fn, found);
  return walk_dotted(simdjson::dom::object(root.get_object().value_unsafe()), p, 0, fn, found);
}

bool any_joined_key(simdjson::dom::object obj, const FieldPath& p, size_t i) {
  element child;
  for (size_t j = i + 1; j < p.size(); ++j) {
    if (obj.at_key(p.joined(i, j)).get(child) == simdjson::SUCCESS) return true;
  }
  return false;
}

PathSlot::State resolve(element root, const FieldPath& p, element& out, std::vector<TopSlot>& top,
                        uint64_t epoch) {
  if (root.type() != element_type::OBJECT || p.slot() < 0) return PathSlot::State::kComplex;
  element cur;
  if (!top_member(root, p, cur, top, epoch)) {
    return any_joined_key(simdjson::dom::object(root.get_object().value_unsafe()), p, 0)
               ? PathSlot::State::kComplex
               : PathSlot::State::kAbsent;
  }
  for (size_t i = 1; i < p.size(); ++i) {
    auto type = cur.type();
    if (type == element_type::ARRAY) return PathSlot::State::kComplex;
    if (type != element_type::OBJECT) return PathSlot::State::kAbsent;
    simdjson::dom::object obj = cur.get_object().value_unsafe();
    element child;
    if (obj.at_key(p.segment(i)).get(child) != simdjson::SUCCESS) {
      return any_joined_key(obj, p, i) ? PathSlot::State::kComplex : PathSlot::State::kAbsent;
    }
    cur = child;
  }
  out = cur;
  return PathSlot::State::kElement;
}

bool walk(element e, const FieldPath& p, size_t i, VisitFn fn, bool& found) {
  if (i == p.size()) {
    found = true;
    return emit_leaf(e, fn);
  }
  auto type = e.type();
  if (type == element_type::ARRAY) {
    for (element c : simdjson::dom::array(e.get_array().value_unsafe())) {
      if (walk(c, p, i, fn, found)) return true;
    }
    return false;
  }
  if (type != element_type::OBJECT) return false;
  simdjson::dom::object obj = e.get_object().value_unsafe();
  element child;
  if (obj.at_key(p.segment(i)).get(child) == simdjson::SUCCESS) {
    return walk(child, p, i + 1, fn, found);
  }
  return walk_dotted(obj, p, i, fn, found);
}

// Segment i is not a key of `obj`: perhaps a key that literally contains dots, so try the
// following segments joined to it.
bool walk_dotted(simdjson::dom::object obj, const FieldPath& p, size_t i, VisitFn fn, bool& found) {
  element child;
  for (size_t j = i + 1; j < p.size(); ++j) {
    if (obj.at_key(p.joined(i, j)).get(child) == simdjson::SUCCESS) {
      if (walk(child, p, j + 1, fn, found)) return true;
    }
  }
  return false;
}

bool walk_strings(element e, FunctionRef<bool(std::string_view)> fn) {
  switch (e.type()) {
    case element_type::ARRAY:
      for (element c : simdjson::dom::array(e.get_array().value_unsafe())) {
        if (walk_strings(c, fn)) return true;
      }
      return false;
    case element_type::OBJECT:
      for (auto kv : simdjson::dom::object(e.get_object().value_unsafe())) {
        if (walk_strings(kv.value, fn)) return true;
      }
      return false;
    case element_type::STRING:
      return fn(e.get_string().value_unsafe());
    default:
      return false;
  }
}

}  // namespace

bool Event::visit(const FieldPath& path, FunctionRef<bool(element)> fn) {
  bool found = false;
  if (path.size() == 0) return false;
  if (!path.derived()) {
    if (path.path_slot() >= 0) {
      auto slot = static_cast<size_t>(path.path_slot());
      if (slot >= impl_->paths.size()) impl_->paths.resize(slot + 1);
      PathSlot& ps = impl_->paths[slot];
      if (ps.epoch != impl_->epoch) {
        ps.epoch = impl_->epoch;
        ps.state = resolve(root_, path, ps.value, impl_->top, impl_->epoch);
      }
      if (ps.state == PathSlot::State::kAbsent) return false;
      if (ps.state == PathSlot::State::kElement) {
        emit_leaf(ps.value, fn);
        return true;
      }
    }
    walk_root(root_, path, fn, found, impl_->top, impl_->epoch);
    return found;
  }
  if (derived_ == nullptr) return false;
  std::string_view group = path.group();
  Impl::Group* g = nullptr;
  for (auto& candidate : impl_->groups) {
    if (candidate->name == group) {
      g = candidate.get();
      break;
    }
  }
  if (g == nullptr) {
    impl_->groups.push_back(std::make_unique<Impl::Group>());
    g = impl_->groups.back().get();
    g->name = std::string(group);
  }
  if (!g->computed) {
    g->computed = true;
    g->present = false;
    ++impl_->computations;
    if (derived_->compute(group, root_, g->json) &&
        g->parser.parse(g->json).get(g->root) == simdjson::SUCCESS) {
      g->present = true;
    }
  }
  if (!g->present) return false;
  walk(g->root, path, 2, fn, found);
  return found;
}

void Event::visit_strings(FunctionRef<bool(std::string_view)> fn) { walk_strings(root_, fn); }

std::string_view Event::scratch_text(element e) {
  switch (e.type()) {
    case element_type::STRING:
      return e.get_string().value_unsafe();
    case element_type::BOOL:
      return e.get_bool().value_unsafe() ? "true" : "false";
    case element_type::NULL_VALUE:
      return {};
    default:
      impl_->scratch.clear();
      append_json(impl_->scratch, e);
      return impl_->scratch;
  }
}

std::string_view Event::stable_text(element e) {
  switch (e.type()) {
    case element_type::STRING:
    case element_type::BOOL:
    case element_type::NULL_VALUE:
      return scratch_text(e);
    default:
      impl_->kept.emplace_back();
      append_json(impl_->kept.back(), e);
      return impl_->kept.back();
  }
}

FieldValue Event::value_of(element e) {
  FieldValue v;
  switch (e.type()) {
    case element_type::NULL_VALUE:
      v.type = FieldValue::Type::kNull;
      break;
    case element_type::BOOL:
      v.type = FieldValue::Type::kBool;
      v.boolean = e.get_bool().value_unsafe();
      v.text = v.boolean ? "true" : "false";
      break;
    case element_type::STRING:
      v.type = FieldValue::Type::kString;
      v.text = e.get_string().value_unsafe();
      break;
    case element_type::OBJECT:
    case element_type::ARRAY:
      v.type = FieldValue::Type::kComposite;
      v.text = stable_text(e);
      break;
    default:
      v.type = FieldValue::Type::kNumber;
      v.number = number_of(e);
      v.text = stable_text(e);
      break;
  }
  return v;
}

bool Event::values(std::string_view path, std::vector<FieldValue>& out) {
  return values(FieldPath(path), out);
}

bool Event::values(const FieldPath& path, std::vector<FieldValue>& out) {
  return visit(path, [&](element e) {
    out.push_back(value_of(e));
    return false;
  });
}

std::string_view Event::first(std::string_view path) { return first(FieldPath(path)); }

std::string_view Event::first(const FieldPath& path) {
  std::string_view text;
  visit(path, [&](element e) {
    text = stable_text(e);
    return true;
  });
  return text;
}

bool Event::exists(std::string_view path) {
  FieldPath p(path);
  return visit(p, [](element) { return true; });
}

}  // namespace trailwarden::detect
