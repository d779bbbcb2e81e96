#include "core/result.h"

namespace trailwarden {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "ok";
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kBusy:
      return "busy";
    case ErrorCode::kReadOnly:
      return "read_only";
    case ErrorCode::kCorrupt:
      return "corrupt";
    case ErrorCode::kStore:
      return "store";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "unknown";
}

std::string Error::to_string() const {
  if (context.empty()) return message;
  return message + " (" + context + ")";
}

}  // namespace trailwarden
