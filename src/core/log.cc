#include "core/log.h"

#include <atomic>
#include <cstdio>

#include "core/text.h"

namespace trailwarden::log {
namespace {
std::atomic<Level> g_level{Level::kWarn};
}

void set_level(Level l) { g_level.store(l); }
Level level() { return g_level.load(); }

void write(Level l, std::string_view message) {
  static constexpr const char* kNames[] = {"debug", "info", "warn", "error"};
  std::string line = "trailwarden: ";
  line += kNames[static_cast<int>(l)];
  line += ": ";
  line += escape_control(message);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace trailwarden::log
