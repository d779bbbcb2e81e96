#include "aws/http.h"

#include <curl/curl.h>

#include <cctype>
#include <mutex>

#include "core/text.h"

namespace trailwarden::aws {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Sink {
  HttpResponse* response;
  uint64_t max_body;
  bool too_large = false;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t len = size * n;
  if (sink->response->body.size() + len > sink->max_body) {
    sink->too_large = true;
    return 0;  // makes curl fail with CURLE_WRITE_ERROR
  }
  sink->response->body.append(data, len);
  return len;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t len = size * n;
  std::string_view line(data, len);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    // A new status line (after 100 Continue or a redirect): forget earlier headers.
    sink->response->headers.clear();
    return len;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return len;
  std::string name(trim_blanks(line.substr(0, colon)));
  std::string value(trim_blanks(line.substr(colon + 1)));
  sink->response->headers.emplace_back(std::move(name), std::move(value));
  return len;
}

}  // namespace

std::optional<std::string_view> HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

struct HttpClient::Impl {
  CURL* curl = nullptr;
  ~Impl() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

HttpClient::HttpClient(HttpOptions options) : options_(std::move(options)), impl_(new Impl) {
  global_init();
  impl_->curl = curl_easy_init();
}

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::send(const HttpRequest& request) {
  CURL* c = impl_->curl;
  if (c == nullptr) return make_error(ErrorCode::kInternal, "libcurl could not be initialised");
  // Reset the options but keep the connection cache, so keep-alive works across requests.
  curl_easy_reset(c);
  HttpResponse response;
  Sink sink{&response, options_.max_body_bytes};
  char errbuf[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_bundle.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_bundle.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, options_.timeout_ms);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
  if (options_.max_body_bytes > 0) {
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(options_.max_body_bytes));
  }
  // No CURLOPT_ACCEPT_ENCODING: bodies are opaque bytes (a .json.gz object stays gzip).

  const std::string& m = request.method;
  if (m == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (m == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else {
    if (m != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m.c_str());
    if (m == "POST" || m == "PUT" || !request.body.empty()) {
      curl_easy_setopt(c, CURLOPT_POST, 1L);
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
  }

  curl_slist* list = nullptr;
  bool has_content_type = false;
  for (const auto& [k, v] : request.headers) {
    if (iequals(k, "content-type")) has_content_type = true;
    std::string line = v.empty() ? k + ";" : k + ": " + v;
    list = curl_slist_append(list, line.c_str());
  }
  list = curl_slist_append(list, "Expect:");
  list = curl_slist_append(list, "Accept:");
  if (!has_content_type && (m == "POST" || m == "PUT")) {
    // libcurl would add application/x-www-form-urlencoded, which was not signed.
    list = curl_slist_append(list, "Content-Type:");
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);

  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(list);
  if (sink.too_large) {
    return make_error(
        ErrorCode::kUnavailable,
        "response body larger than the " + std::to_string(options_.max_body_bytes) + "-byte limit",
        escape_control(request.url));
  }
  if (rc != CURLE_OK) {
    std::string reason = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == '\r')) reason.pop_back();
    return make_error(ErrorCode::kUnavailable, "HTTP request failed: " + escape_control(reason),
                      escape_control(request.url));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace trailwarden::aws
