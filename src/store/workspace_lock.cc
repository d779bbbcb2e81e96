#include "store/workspace_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/text.h"
#include "core/time.h"

namespace trailwarden::store {

WorkspaceLock& WorkspaceLock::operator=(WorkspaceLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

WorkspaceLock::~WorkspaceLock() {
  if (fd_ >= 0) ::close(fd_);
}

Result<WorkspaceLock> WorkspaceLock::acquire(const std::string& dir, Kind kind,
                                             std::string_view command, const Clock& clock) {
  std::string path = dir + "/trailwarden.lock";
  // Writers need to write their name in the file; readers only lock it (flock works on a
  // read-only descriptor), and create it when a workspace has none yet.
  int flags = (kind == Kind::kExclusive ? O_RDWR : O_RDONLY) | O_CREAT | O_CLOEXEC;
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0 && kind == Kind::kShared) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return make_error(ErrorCode::kIo,
                      std::string("cannot open the workspace lock: ") + std::strerror(errno), path);
  }
  int op = (kind == Kind::kExclusive ? LOCK_EX : LOCK_SH) | LOCK_NB;
  if (::flock(fd, op) != 0) {
    int err = errno;
    std::string holder;
    char buf[512];
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    if (n > 0) holder.assign(buf, static_cast<size_t>(n));
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) holder.pop_back();
    ::close(fd);
    if (err == EWOULDBLOCK) {
      std::string msg = "the workspace is busy: another trailwarden process is using it";
      if (!holder.empty()) msg += " (" + escape_control(holder) + ")";
      msg += "; wait for it to finish, or use another workspace with -w";
      return make_error(ErrorCode::kBusy, msg, dir);
    }
    return make_error(ErrorCode::kIo,
                      std::string("cannot lock the workspace: ") + std::strerror(err), path);
  }
  if (kind == Kind::kExclusive) {
    std::string who = "held by `trailwarden " + std::string(command) + "`, pid " +
                      std::to_string(::getpid()) + ", since " +
                      format_iso8601_micros(clock.now_micros() / 1000000 * 1000000) + "\n";
    if (::ftruncate(fd, 0) == 0) {
      (void)!::pwrite(fd, who.data(), who.size(), 0);
    }
  }
  return WorkspaceLock(fd);
}

}  // namespace trailwarden::store
