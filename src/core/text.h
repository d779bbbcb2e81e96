// Escaping for attacker-controlled text in every output format.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace trailwarden {

// For terminals and logs: C0/C1 control characters, DEL and backslash become \n, \t, \r,
// \\ or \xNN; invalid UTF-8 bytes become \xNN. Printable UTF-8 passes through.
std::string escape_control(std::string_view text);
void append_escape_control(std::string& out, std::string_view text);

// A JSON string literal with quotes. Invalid UTF-8 bytes become U+FFFD so the output is
// always valid JSON; U+2028/2029 are escaped so the output is also safe inside <script>.
void append_json_string(std::string& out, std::string_view text);
std::string json_string(std::string_view text);
// A JSON array of string literals, as above.
std::string json_string_array(const std::vector<std::string>& items);

// A SQL string literal: single quotes, embedded quotes doubled.
std::string sql_string_literal(std::string_view text);

// `text` without leading and trailing spaces, tabs and carriage returns.
std::string_view trim_blanks(std::string_view text);

// RFC 4180 field: quoted when it contains a comma, quote, CR or LF, or starts with a space.
void append_csv_field(std::string& out, std::string_view text);

// Display width in terminal columns of UTF-8 text (one column per code point; good enough
// for aligned tables of identifiers; East Asian wide characters count as two).
size_t display_width(std::string_view text);

// Length in bytes of the valid UTF-8 sequence starting at text[i], or 0 when invalid.
size_t utf8_sequence_length(std::string_view text, size_t i);

// Valid UTF-8 copy of `text`: each byte that is not part of a valid sequence becomes "\xNN".
// For text that must go into a UTF-8 column or a JSON document (file names, error details).
std::string sanitize_utf8(std::string_view text);

}  // namespace trailwarden
