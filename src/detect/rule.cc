#include "detect/rule.h"

#include <array>

namespace trailwarden::detect {

namespace {
constexpr std::array<std::string_view, 5> kSeverityNames = {"informational", "low", "medium",
                                                            "high", "critical"};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}
}  // namespace

std::string_view severity_name(Severity s) { return kSeverityNames[static_cast<size_t>(s)]; }

std::optional<Severity> parse_severity(std::string_view text) {
  for (size_t i = 0; i < kSeverityNames.size(); ++i) {
    if (iequals(text, kSeverityNames[i])) return static_cast<Severity>(i);
  }
  return std::nullopt;
}

}  // namespace trailwarden::detect
