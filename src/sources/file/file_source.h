// Local files and folders as a source. Folders are walked recursively; the files are visited
// in byte order of their full paths, so a run is reproducible. Only regular files are read
// (never a FIFO or device, which could block or never end); symbolic links to folders inside
// a walk are not followed, so a link loop cannot trap the walk.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "formats/padded_buffer.h"

namespace trailwarden::sources {

struct FileRef {
  std::string path;
  uint64_t size = 0;
};

struct FileListing {
  std::vector<FileRef> files;
  // Entries the walk could not open (permission denied, vanished): path and reason.
  std::vector<std::pair<std::string, std::string>> unreadable;
};

class FileSource {
 public:
  // Every path must exist; a missing one is an error (most likely a typo).
  static Result<FileListing> list(const std::vector<std::string>& paths);
  // "20240115T0005Z" from a CloudTrail log file name, or "" when the name has none.
  static std::string_view delivery_time_in_name(std::string_view path);

  // Reads the whole file into `out`. Fails when it is larger than max_bytes.
  static Status read(const FileRef& file, uint64_t max_bytes, formats::PaddedBuffer& out);
};

}  // namespace trailwarden::sources
