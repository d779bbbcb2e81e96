#include "core/result.h"

namespace trailwarden {

std::string Error::to_string() const {
  if (context.empty()) return message;
  return message + " (" + context + ")";
}

}  // namespace trailwarden
