#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace trailwarden::testing {

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  std::string write(const std::string& name, std::string_view content) const;

 private:
  std::filesystem::path path_;
};

std::string gzip_bytes(std::string_view data);
std::string read_file(const std::filesystem::path& p);
std::string testdata(const std::string& relative);  // absolute path under tests/

// A minimal valid CloudTrail record with the given id and time.
std::string make_record(std::string_view event_id, std::string_view time = "2024-01-15T00:04:35Z",
                        std::string_view event_name = "GetCallerIdentity");

}  // namespace trailwarden::testing
