// The AWS config/credentials file parser and the credential chain built from what it
// accepts: no crash, errors name the file and line, and no error or description ever
// contains a secret key from the file.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "aws/config.h"
#include "aws/credentials.h"

namespace {

size_t count(std::string_view hay, std::string_view needle) {
  size_t n = 0;
  for (size_t pos = hay.find(needle); pos != std::string_view::npos;
       pos = hay.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

void check_no_secret(std::string_view input, const trailwarden::aws::SharedConfig& shared,
                     std::string_view text) {
  for (const auto* files : {&shared.config, &shared.credentials}) {
    for (const auto& [name, section] : *files) {
      auto it = section.find("aws_secret_access_key");
      if (it == section.end() || it->second.size() < 12) continue;
      // Only when the secret occurs once in the input (not also as a name or another value).
      if (count(input, it->second) != 1) continue;
      if (text.find(it->second) != std::string_view::npos) std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trailwarden::aws;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (bool config_file : {true, false}) {
    std::map<std::string, ProfileSection> services;
    auto parsed = SharedConfig::parse_ini(input, "/fuzz/config", config_file, &services);
    if (!parsed) {
      // "config:N: ..." with N a line that exists.
      const std::string& m = parsed.error().message;
      if (!m.starts_with("config:")) std::abort();
      long line = std::strtol(m.c_str() + 7, nullptr, 10);
      if (line < 1 || static_cast<size_t>(line) > count(input, "\n") + 1) std::abort();
      continue;
    }
    AwsConfig cfg;
    cfg.env.getenv = [](std::string_view name) -> std::optional<std::string> {
      if (name == "AWS_EC2_METADATA_DISABLED") return std::string("true");
      return std::nullopt;
    };
    cfg.env.home = "/nonexistent";
    if (config_file) {
      cfg.shared.config = *parsed;
      cfg.shared.services = services;
    } else {
      cfg.shared.credentials = *parsed;
    }
    for (const auto& [name, section] : *parsed) {
      cfg.profile = name;
      (void)cfg.endpoint(kS3, "us-east-1");
      auto chain = cfg.default_credentials();  // builds providers; no network until get()
      std::string text = chain ? (*chain)->describe() : chain.error().to_string();
      check_no_secret(input, cfg.shared, text);
      if (chain) {
        // Static keys can be read without the network; others are left alone.
        std::string d = (*chain)->describe();
        if (d.starts_with("shared credentials file") || d.starts_with("config file")) {
          auto c = (*chain)->get();
          if (!c) std::abort();
        }
      }
    }
  }
  return 0;
}
