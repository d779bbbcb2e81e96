// IAM-style glob patterns over action names: `*` matches any run of characters (including
// none), `?` exactly one, everything else itself, ASCII case-insensitively (catalogue §1.6).
#pragma once

#include <string_view>

namespace trailwarden::detect::derived {

// `pattern` matches all of `text`.
bool glob_match(std::string_view pattern, std::string_view text);

// `pattern` can match some text that starts with `prefix`: the glob automaton is still alive
// after consuming `prefix` (`*`, `svc:*`, `svc:Verb*`, `svc:VerbX`, `svc:Ve*` all are for
// prefix `svc:Verb`).
bool glob_prefix_alive(std::string_view pattern, std::string_view prefix);

// `pattern` matches every text that starts with `prefix` (`svc:Verb*`, `svc:*`, `*`).
bool glob_covers_prefix(std::string_view pattern, std::string_view prefix);

}  // namespace trailwarden::detect::derived
