#include "aws/credentials.h"

#include <sys/wait.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "aws/config.h"
#include "aws/http.h"
#include "aws/parse.h"
#include "aws/providers.h"
#include "core/log.h"
#include "core/text.h"
#include "core/time.h"

namespace trailwarden::aws {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_blank(s.front()) || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (is_blank(s.back()) || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

std::string base_name(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

bool truthy(const std::optional<std::string>& v) { return v && lower(trim(*v)) == "true"; }

class StaticProvider final : public CredentialsProvider {
 public:
  StaticProvider(Credentials c, std::string description)
      : c_(std::move(c)), description_(std::move(description)) {}
  Result<Credentials> get() override { return c_; }
  std::string describe() const override { return description_; }

 private:
  Credentials c_;
  std::string description_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Environment

AwsEnvironment AwsEnvironment::process() {
  AwsEnvironment env;
  env.getenv = [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  const char* home = std::getenv("HOME");
  env.home = home != nullptr ? home : "";
  return env;
}

std::optional<std::string> AwsEnvironment::get(std::string_view name) const {
  if (!getenv) return std::nullopt;
  auto v = getenv(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

// ---------------------------------------------------------------------------------------------
// INI files

Result<std::map<std::string, ProfileSection>> SharedConfig::parse_ini(
    std::string_view text, std::string_view file_name, bool config_file,
    std::map<std::string, ProfileSection>* services) {
  std::map<std::string, ProfileSection> profiles;
  ProfileSection* current = nullptr;  // nullptr: outside a section, or a section we ignore
  bool in_section = false;
  std::string last_key;  // for nested ("s3 =\n  endpoint_url = ...") values
  bool last_key_empty_value = false;
  std::string name = escape_control(base_name(file_name));
  auto fail = [&](size_t line, std::string_view what) {
    return make_error(ErrorCode::kInvalidArgument,
                      name + ":" + std::to_string(line) + ": " + std::string(what),
                      escape_control(file_name));
  };

  size_t line_no = 0;
  size_t pos = 0;
  // Skip a UTF-8 byte order mark.
  if (text.starts_with("\xEF\xBB\xBF")) pos = 3;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (raw.find('\0') != std::string_view::npos) return fail(line_no, "NUL byte in the file");
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    bool indented = is_blank(raw.front());

    if (indented && in_section && !last_key.empty()) {
      // Continuation: a nested "key = value" under a key with an empty value, or more text.
      if (current != nullptr) {
        size_t eq = line.find('=');
        if (last_key_empty_value && eq != std::string_view::npos) {
          std::string sub = lower(trim(line.substr(0, eq)));
          if (sub.empty()) return fail(line_no, "nested setting without a name");
          (*current)[last_key + "." + sub] = std::string(trim(line.substr(eq + 1)));
        } else {
          std::string& v = (*current)[last_key];
          v += '\n';
          v.append(line);
        }
      }
      continue;
    }

    if (line.front() == '[') {
      if (line.back() != ']') return fail(line_no, "section header without a closing ']'");
      std::string section(trim(line.substr(1, line.size() - 2)));
      if (section.empty()) return fail(line_no, "empty section name");
      in_section = true;
      last_key.clear();
      current = nullptr;
      std::string profile;
      if (!config_file) {
        profile = section;
      } else if (section == "default") {
        profile = section;
      } else if (section == "profile" || section == "services") {
        return fail(line_no, "[" + section + "] section without a name");
      } else if (section.starts_with("profile ") || section.starts_with("profile\t")) {
        profile = std::string(trim(std::string_view(section).substr(8)));
        if (profile.empty()) return fail(line_no, "profile section without a name");
      } else if (section.starts_with("services ") || section.starts_with("services\t")) {
        std::string svc(trim(std::string_view(section).substr(9)));
        if (svc.empty()) return fail(line_no, "services section without a name");
        if (services != nullptr) {
          current = &(*services)[svc];
          current->emplace(" where", name + ":" + std::to_string(line_no));
        }
        continue;
      } else {
        continue;  // sso-session and unknown sections: not profiles
      }
      current = &profiles[profile];
      current->emplace(" where", name + ":" + std::to_string(line_no));
      continue;
    }

    size_t eq = line.find('=');
    size_t colon = line.find(':');
    size_t sep = std::min(eq, colon);
    if (sep == std::string_view::npos) {
      return fail(line_no, "expected 'name = value' or a [section]");
    }
    if (!in_section) return fail(line_no, "setting outside of any [section]");
    std::string key = lower(trim(line.substr(0, sep)));
    if (key.empty()) return fail(line_no, "setting without a name");
    std::string value(trim(line.substr(sep + 1)));
    last_key = key;
    last_key_empty_value = value.empty();
    if (current != nullptr) (*current)[key] = std::move(value);
  }
  return profiles;
}

namespace {

std::string expand_home(const std::string& path, const AwsEnvironment& env) {
  if (path == "~" || path.starts_with("~/")) return env.home + path.substr(1);
  return path;
}

// Missing: empty text. Unreadable: error.
Result<std::optional<std::string>> read_optional(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<std::string>();
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kIo, "cannot read AWS file", escape_control(path));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return make_error(ErrorCode::kIo, "cannot read AWS file", escape_control(path));
  return std::optional<std::string>(ss.str());
}

}  // namespace

Result<SharedConfig> SharedConfig::load(const AwsEnvironment& env) {
  SharedConfig out;
  std::string config_path = expand_home(env.get("AWS_CONFIG_FILE").value_or("~/.aws/config"), env);
  std::string creds_path =
      expand_home(env.get("AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"), env);
  if (!env.home.empty() || !config_path.starts_with("~")) {
    auto text = read_optional(config_path);
    if (!text) return std::unexpected(text.error());
    if (*text) {
      auto parsed = parse_ini(**text, config_path, true, &out.services);
      if (!parsed) return std::unexpected(parsed.error());
      out.config = std::move(*parsed);
    }
  }
  if (!env.home.empty() || !creds_path.starts_with("~")) {
    auto text = read_optional(creds_path);
    if (!text) return std::unexpected(text.error());
    if (*text) {
      auto parsed = parse_ini(**text, creds_path, false);
      if (!parsed) return std::unexpected(parsed.error());
      out.credentials = std::move(*parsed);
    }
  }
  return out;
}

std::shared_ptr<CredentialsProvider> static_credentials(Credentials c, std::string description) {
  return std::make_shared<StaticProvider>(std::move(c), std::move(description));
}

// ---------------------------------------------------------------------------------------------
// Refreshing provider

RefreshingProvider::RefreshingProvider(Fetch fetch, std::string description, const Clock& clock)
    : fetch_(std::move(fetch)), description_(std::move(description)), clock_(clock) {}

uint64_t RefreshingProvider::fetches() const {
  std::lock_guard lock(mu_);
  return fetches_;
}

void RefreshingProvider::invalidate() {
  std::lock_guard lock(mu_);
  cached_.reset();
  last_failure_us_ = 0;
}

Result<Credentials> RefreshingProvider::get() {
  std::lock_guard lock(mu_);
  int64_t now = clock_.now_micros();
  auto left = [&](const Credentials& c) {
    return c.expiration_us == 0 ? INT64_MAX : c.expiration_us - now;
  };
  if (cached_ && left(*cached_) > kAdvisoryMicros) return *cached_;
  bool mandatory = !cached_ || left(*cached_) <= kMandatoryMicros;
  if (!mandatory && last_failure_us_ != 0 && now - last_failure_us_ < kRetryAfterFailureMicros) {
    return *cached_;
  }
  ++fetches_;
  auto fresh = fetch_();
  if (fresh) {
    cached_ = *fresh;
    last_failure_us_ = 0;
    return *cached_;
  }
  last_failure_us_ = now;
  if (!mandatory) {
    log::warn("credentials from {}: refresh failed, using the current ones ({} s left): {}",
              description_, left(*cached_) / 1'000'000, fresh.error().to_string());
    return *cached_;
  }
  Error e = fresh.error();
  e.message = "cannot get credentials from " + description_ + ": " + e.message;
  return std::unexpected(std::move(e));
}

// ---------------------------------------------------------------------------------------------
// Environment credentials

std::optional<Credentials> environment_credentials(const AwsEnvironment& env) {
  auto key = env.get("AWS_ACCESS_KEY_ID");
  auto secret = env.get("AWS_SECRET_ACCESS_KEY");
  if (!key || !secret) return std::nullopt;
  Credentials c;
  c.access_key_id = std::string(trim(*key));
  c.secret_access_key = std::string(trim(*secret));
  if (auto t = env.get("AWS_SESSION_TOKEN")) {
    c.session_token = std::string(trim(*t));
  } else if (auto legacy = env.get("AWS_SECURITY_TOKEN")) {
    c.session_token = std::string(trim(*legacy));
  }
  if (auto exp = env.get("AWS_CREDENTIAL_EXPIRATION")) {
    if (auto when = parse_iso8601_micros(trim(*exp))) c.expiration_us = *when;
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// credential_process

std::shared_ptr<CredentialsProvider> process_credentials(std::string command, const Clock& clock) {
  std::string description = "credential_process of the profile";
  auto fetch = [command]() -> Result<Credentials> {
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
      return make_error(ErrorCode::kDenied, "credential_process could not be started");
    }
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) {
      if (out.size() < (1u << 20)) out.append(buf, n);
    }
    int status = ::pclose(pipe);
    if (status != 0) {
      return make_error(ErrorCode::kDenied,
                        "credential_process failed (exit status " +
                            std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : status) + ")");
    }
    auto c = parse_json_credentials(out);
    if (!c) {
      return make_error(ErrorCode::kDenied, "credential_process printed no usable credentials");
    }
    return c;
  };
  return std::make_shared<RefreshingProvider>(fetch, description, clock);
}

// ---------------------------------------------------------------------------------------------
// Container credentials

namespace {

bool allowed_plain_http_host(std::string_view host) {
  // host as in the URL, possibly with a port
  std::string h = lower(host);
  if (h.starts_with("[")) {
    size_t close = h.find(']');
    h = close == std::string::npos ? h : h.substr(0, close + 1);
  } else if (size_t colon = h.find(':'); colon != std::string::npos) {
    h = h.substr(0, colon);
  }
  return h == "localhost" || h.starts_with("127.") || h == "[::1]" || h == "169.254.170.2" ||
         h == "169.254.170.23" || h == "[fd00:ec2::23]";
}

Result<Credentials> http_credentials(HttpClient& http, const HttpRequest& req,
                                     std::string_view what) {
  auto resp = http.send(req);
  if (!resp) {
    return make_error(ErrorCode::kUnavailable,
                      std::string(what) + " unreachable: " + resp.error().message);
  }
  if (resp->status != 200) {
    return make_error(ErrorCode::kUnavailable,
                      std::string(what) + " answered HTTP " + std::to_string(resp->status));
  }
  return parse_json_credentials(resp->body);
}

}  // namespace

Result<std::shared_ptr<CredentialsProvider>> container_credentials(const AwsConfig& config) {
  const AwsEnvironment& env = config.env;
  std::string url;
  if (auto rel = env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    if (!rel->starts_with("/")) {
      return make_error(ErrorCode::kInvalidArgument,
                        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must start with '/'");
    }
    url = "http://169.254.170.2" + *rel;
  } else if (auto full = env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    url = *full;
    std::string_view u = url;
    if (u.starts_with("http://")) {
      std::string_view rest = u.substr(7);
      if (!allowed_plain_http_host(rest.substr(0, rest.find_first_of("/?#")))) {
        return make_error(ErrorCode::kInvalidArgument,
                          "AWS_CONTAINER_CREDENTIALS_FULL_URI over http must name a loopback or "
                          "container-agent address",
                          escape_control(url));
      }
    } else if (!u.starts_with("https://")) {
      return make_error(ErrorCode::kInvalidArgument,
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI must be an http or https URL",
                        escape_control(url));
    }
  } else {
    return std::shared_ptr<CredentialsProvider>();
  }
  AwsEnvironment env_copy = env;
  HttpOptions options = config.http;
  options.connect_timeout_ms = 2000;
  options.timeout_ms = 2000;
  options.max_body_bytes = 1 << 20;
  auto fetch = [env_copy, url, options]() -> Result<Credentials> {
    HttpRequest req;
    req.url = url;
    req.headers.emplace_back("Accept", "application/json");
    std::optional<std::string> token;
    if (auto file = env_copy.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
      auto text = read_optional(*file);
      if (!text || !*text) {
        return make_error(ErrorCode::kDenied, "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                          escape_control(*file));
      }
      token = std::string(trim(**text));
    } else if (auto t = env_copy.get("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
      token = std::string(trim(*t));
    }
    if (token) {
      if (token->find_first_of("\r\n") != std::string::npos) {
        return make_error(ErrorCode::kInvalidArgument,
                          "container authorization token contains a line break");
      }
      req.headers.emplace_back("Authorization", *token);
    }
    HttpClient http(options);
    Result<Credentials> last = make_error(ErrorCode::kUnavailable, "not tried");
    for (int attempt = 0; attempt < 3; ++attempt) {
      last = http_credentials(http, req, "container credentials endpoint");
      if (last) return last;
    }
    return last;
  };
  return std::shared_ptr<CredentialsProvider>(std::make_shared<RefreshingProvider>(
      fetch, "container credentials " + escape_control(url), *config.clock));
}

// ---------------------------------------------------------------------------------------------
// Instance metadata (IMDSv2)

std::shared_ptr<CredentialsProvider> instance_metadata_credentials(const AwsConfig& config) {
  const AwsEnvironment& env = config.env;
  if (truthy(env.get("AWS_EC2_METADATA_DISABLED"))) return nullptr;
  std::string endpoint;
  if (auto e = env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
    endpoint = *e;
  } else if (auto mode = env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
             mode && lower(*mode) == "ipv6") {
    endpoint = "http://[fd00:ec2::254]";
  } else {
    endpoint = "http://169.254.169.254";
  }
  while (endpoint.ends_with("/")) endpoint.pop_back();
  long timeout_ms = 1000;
  if (auto t = env.get("AWS_METADATA_SERVICE_TIMEOUT")) {
    char* end = nullptr;
    double secs = std::strtod(t->c_str(), &end);
    if (end != t->c_str() && secs > 0 && secs < 60) timeout_ms = static_cast<long>(secs * 1000);
  }
  int attempts = 1;
  if (auto n = env.get("AWS_METADATA_SERVICE_NUM_ATTEMPTS")) {
    int v = std::atoi(n->c_str());
    if (v >= 1 && v <= 10) attempts = v;
  }
  bool v1_disabled = truthy(env.get("AWS_EC2_METADATA_V1_DISABLED"));
  HttpOptions options = config.http;
  options.connect_timeout_ms = timeout_ms;
  options.timeout_ms = timeout_ms;
  options.max_body_bytes = 1 << 20;

  auto fetch_once = [endpoint, options, v1_disabled]() -> Result<Credentials> {
    HttpClient http(options);
    std::string token;
    HttpRequest put;
    put.method = "PUT";
    put.url = endpoint + "/latest/api/token";
    put.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds", "21600");
    auto tok = http.send(put);
    if (!tok) {
      return make_error(ErrorCode::kUnavailable,
                        "instance metadata unreachable: " + tok.error().message);
    }
    if (tok->status == 200) {
      token = std::string(trim(tok->body));
      if (token.find_first_of("\r\n") != std::string::npos) {
        return make_error(ErrorCode::kUnavailable, "instance metadata token has a line break");
      }
    } else if ((tok->status == 403 || tok->status == 404 || tok->status == 405) && !v1_disabled) {
      // IMDSv1 only: go on without a token.
    } else {
      return make_error(ErrorCode::kUnavailable, "instance metadata token request answered HTTP " +
                                                     std::to_string(tok->status));
    }
    HttpRequest get;
    get.url = endpoint + "/latest/meta-data/iam/security-credentials/";
    if (!token.empty()) get.headers.emplace_back("X-aws-ec2-metadata-token", token);
    auto role = http.send(get);
    if (!role) {
      return make_error(ErrorCode::kUnavailable,
                        "instance metadata unreachable: " + role.error().message);
    }
    if (role->status == 404) {
      return make_error(ErrorCode::kDenied, "no IAM role is attached to this instance");
    }
    if (role->status != 200) {
      return make_error(ErrorCode::kUnavailable, "instance metadata role request answered HTTP " +
                                                     std::to_string(role->status));
    }
    std::string_view name = trim(role->body);
    name = name.substr(0, name.find('\n'));
    name = trim(name);
    if (name.empty()) return make_error(ErrorCode::kDenied, "instance metadata names no IAM role");
    for (char c : name) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '=' || c == ',' ||
            c == '.' || c == '@' || c == '_' || c == '-')) {
        return make_error(ErrorCode::kUnavailable, "instance metadata role name is not valid",
                          escape_control(name));
      }
    }
    get.url += std::string(name);
    return http_credentials(http, get, "instance metadata credentials");
  };
  auto fetch = [fetch_once, attempts]() -> Result<Credentials> {
    Result<Credentials> last = make_error(ErrorCode::kUnavailable, "not tried");
    for (int i = 0; i < attempts; ++i) {
      last = fetch_once();
      if (last || last.error().code == ErrorCode::kDenied) return last;
    }
    return last;
  };
  return std::make_shared<RefreshingProvider>(
      fetch, "instance metadata " + escape_control(endpoint), *config.clock);
}

}  // namespace trailwarden::aws
