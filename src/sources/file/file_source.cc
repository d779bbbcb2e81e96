#include "sources/file/file_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace trailwarden::sources {

namespace fs = std::filesystem;

Result<FileListing> FileSource::list(const std::vector<std::string>& paths) {
  FileListing out;
  for (const auto& p : paths) {
    std::error_code ec;
    fs::file_status st = fs::status(p, ec);
    if (ec || !fs::exists(st)) {
      return make_error(ErrorCode::kNotFound, "no such file or folder", p);
    }
    if (fs::is_regular_file(st)) {
      out.files.push_back({p, static_cast<uint64_t>(fs::file_size(p, ec))});
      continue;
    }
    if (!fs::is_directory(st)) {
      return make_error(ErrorCode::kInvalidArgument, "not a regular file or folder", p);
    }
    fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec);
    if (ec) {
      out.unreadable.emplace_back(p, ec.message());
      continue;
    }
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) {
        out.unreadable.emplace_back(it->path().string(), ec.message());
        ec.clear();
        continue;
      }
      std::error_code fec;
      const auto& entry = *it;
      if (entry.is_symlink(fec) && entry.is_directory(fec)) {
        it.disable_recursion_pending();
        continue;
      }
      if (!entry.is_regular_file(fec)) continue;
      uint64_t size = entry.file_size(fec);
      if (fec) {
        out.unreadable.emplace_back(entry.path().string(), fec.message());
        continue;
      }
      out.files.push_back({entry.path().string(), size});
    }
  }
  // CloudTrail names its files <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<id>.json.gz:
  // ordering by that time (then path) reads a multi-account, multi-region tree roughly in
  // event-time order, which is what correlation windows need. Other files keep path order,
  // ahead of the timestamped ones.
  std::vector<std::pair<std::string_view, size_t>> keys(out.files.size());
  for (size_t i = 0; i < out.files.size(); ++i) {
    keys[i] = {delivery_time_in_name(out.files[i].path), i};
  }
  std::stable_sort(keys.begin(), keys.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return out.files[a.second].path < out.files[b.second].path;
  });
  std::vector<FileRef> sorted;
  sorted.reserve(out.files.size());
  for (const auto& k : keys) sorted.push_back(out.files[k.second]);
  out.files = std::move(sorted);
  return out;
}

std::string_view FileSource::delivery_time_in_name(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  size_t at = name.find("_CloudTrail_");
  if (at == std::string_view::npos) return {};
  // After the region: _YYYYMMDDTHHmmZ_
  for (size_t i = at + 12; i + 15 <= name.size(); ++i) {
    if (name[i] != '_') continue;
    std::string_view t = name.substr(i + 1, 14);
    bool ok = t.size() == 14 && t[8] == 'T' && t[13] == 'Z';
    for (size_t k = 0; ok && k < 13; ++k) {
      if (k != 8 && (t[k] < '0' || t[k] > '9')) ok = false;
    }
    if (ok) return t;
  }
  return {};
}

Status FileSource::read(const FileRef& file, uint64_t max_bytes, formats::PaddedBuffer& out) {
  int fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return make_error(ErrorCode::kIo, std::strerror(errno), file.path);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorCode::kIo, "not a regular file", file.path);
  }
  auto size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes) {
    ::close(fd);
    return make_error(ErrorCode::kInvalidArgument,
                      "file of " + std::to_string(size) + " bytes exceeds the limit of " +
                          std::to_string(max_bytes) + " bytes",
                      file.path);
  }
  out.resize(size);
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(fd, out.data() + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return make_error(ErrorCode::kIo, std::strerror(e), file.path);
    }
    if (n == 0) break;  // the file shrank while we read it: keep what is there
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  ::close(fd);
  return {};
}

}  // namespace trailwarden::sources
