// Result<T>: the one error vocabulary of trailwarden (std::expected with an error code,
// a message and context). No exceptions on the event path.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace trailwarden {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,  // the caller passed something unusable (bad flag value, bad SQL)
  kNotFound,         // a file, object or workspace that does not exist
  kIo,               // the operating system refused a read or write
  kBusy,             // another process owns the workspace
  kReadOnly,         // a write was attempted where only reads are allowed
  kCorrupt,          // stored state that cannot be trusted
  kStore,            // the storage engine reported an error
  kInternal,         // a bug: an invariant did not hold
  kUnavailable,      // a remote endpoint could not be reached or failed (5xx); try again later
  kDenied,           // credentials missing, invalid or not allowed (403, AccessDenied)
  kThrottled,        // the remote API asked us to slow down and retries ran out
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // one sentence, for people
  std::string context;  // what was being worked on: a path, an object key, a SQL statement

  // "message (context)" or just "message".
  std::string to_string() const;
};

template <typename T>
using Result = std::expected<T, Error>;

using Status = std::expected<void, Error>;

inline std::unexpected<Error> make_error(ErrorCode code, std::string message,
                                         std::string context = {}) {
  return std::unexpected<Error>(Error{code, std::move(message), std::move(context)});
}

}  // namespace trailwarden
