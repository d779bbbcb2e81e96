#include "core/text.h"

#include <cstdint>

namespace trailwarden {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_hex_escape(std::string& out, unsigned char c) {
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

uint32_t decode_code_point(std::string_view t, size_t i, size_t len) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(t[i + k]); };
  switch (len) {
    case 1:
      return b(0);
    case 2:
      return ((b(0) & 0x1Fu) << 6) | (b(1) & 0x3Fu);
    case 3:
      return ((b(0) & 0x0Fu) << 12) | ((b(1) & 0x3Fu) << 6) | (b(2) & 0x3Fu);
    default:
      return ((b(0) & 0x07u) << 18) | ((b(1) & 0x3Fu) << 12) | ((b(2) & 0x3Fu) << 6) |
             (b(3) & 0x3Fu);
  }
}

}  // namespace

size_t utf8_sequence_length(std::string_view t, size_t i) {
  auto c = static_cast<unsigned char>(t[i]);
  if (c < 0x80) return 1;
  size_t len;
  uint32_t min;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > t.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((static_cast<unsigned char>(t[i + k]) & 0xC0) != 0x80) return 0;
  }
  uint32_t cp = decode_code_point(t, i, len);
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

void append_escape_control(std::string& out, std::string_view t) {
  for (size_t i = 0; i < t.size();) {
    auto c = static_cast<unsigned char>(t[i]);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c == '\\') {
      out += "\\\\";
      ++i;
      continue;
    }
    if (c < 0x80) {
      if (c == '\n')
        out += "\\n";
      else if (c == '\t')
        out += "\\t";
      else if (c == '\r')
        out += "\\r";
      else
        append_hex_escape(out, c);
      ++i;
      continue;
    }
    size_t len = utf8_sequence_length(t, i);
    if (len == 0) {
      append_hex_escape(out, c);
      ++i;
      continue;
    }
    uint32_t cp = decode_code_point(t, i, len);
    // C1 controls and the bidi overrides that can disguise text on a terminal.
    if ((cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
        (cp >= 0x2066 && cp <= 0x2069)) {
      out += "\\u{";
      char buf[8];
      int n = 0;
      uint32_t v = cp;
      do {
        buf[n++] = kHex[v & 15];
        v >>= 4;
      } while (v != 0);
      while (n > 0) out += buf[--n];
      out += '}';
    } else {
      out.append(t.substr(i, len));
    }
    i += len;
  }
}

std::string escape_control(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_escape_control(out, text);
  return out;
}

void append_json_string(std::string& out, std::string_view t) {
  out += '"';
  for (size_t i = 0; i < t.size();) {
    auto c = static_cast<unsigned char>(t[i]);
    if (c >= 0x20 && c < 0x80) {
      if (c == '"')
        out += "\\\"";
      else if (c == '\\')
        out += "\\\\";
      else if (c == '<' || c == '>' || c == '&') {  // safe to embed in HTML
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    if (c < 0x20) {
      switch (c) {
        case '\n':
          out += "\\n";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
      }
      ++i;
      continue;
    }
    size_t len = utf8_sequence_length(t, i);
    if (len == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    uint32_t cp = decode_code_point(t, i, len);
    if (cp == 0x2028)
      out += "\\u2028";
    else if (cp == 0x2029)
      out += "\\u2029";
    else
      out.append(t.substr(i, len));
    i += len;
  }
  out += '"';
}

std::string json_string(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  append_json_string(out, text);
  return out;
}

void append_csv_field(std::string& out, std::string_view t) {
  bool quote = !t.empty() && t.front() == ' ';
  for (char c : t) {
    if (c == ',' || c == '"' || c == '\n' || c == '\r') {
      quote = true;
      break;
    }
  }
  if (!quote) {
    out.append(t);
    return;
  }
  out += '"';
  for (char c : t) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

size_t display_width(std::string_view t) {
  size_t w = 0;
  for (size_t i = 0; i < t.size();) {
    size_t len = utf8_sequence_length(t, i);
    if (len == 0) {
      ++w;
      ++i;
      continue;
    }
    uint32_t cp = decode_code_point(t, i, len);
    bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
                (cp >= 0x20000 && cp <= 0x3FFFD);
    w += wide ? 2 : 1;
    i += len;
  }
  return w;
}

std::string sanitize_utf8(std::string_view t) {
  std::string out;
  out.reserve(t.size());
  for (size_t i = 0; i < t.size();) {
    size_t len = utf8_sequence_length(t, i);
    if (len == 0) {
      append_hex_escape(out, static_cast<unsigned char>(t[i]));
      ++i;
    } else {
      out.append(t.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::string json_string_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, items[i]);
  }
  out += ']';
  return out;
}

std::string sql_string_literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace trailwarden
