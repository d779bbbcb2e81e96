// One process owns a workspace for writing; readers share it. An advisory flock on
// <workspace>/trailwarden.lock, which the kernel releases when the process dies, so a crash
// never leaves a workspace locked. The owner's pid and command are written in the file so
// that a refused command can say who holds it.
#pragma once

#include <string>

#include "core/clock.h"
#include "core/result.h"

namespace trailwarden::store {

class WorkspaceLock {
 public:
  enum class Kind { kShared, kExclusive };
  static Result<WorkspaceLock> acquire(const std::string& dir, Kind kind, std::string_view command,
                                       const Clock& clock);
  WorkspaceLock(WorkspaceLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  WorkspaceLock& operator=(WorkspaceLock&& other) noexcept;
  WorkspaceLock(const WorkspaceLock&) = delete;
  WorkspaceLock& operator=(const WorkspaceLock&) = delete;
  ~WorkspaceLock();

 private:
  explicit WorkspaceLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace trailwarden::store
