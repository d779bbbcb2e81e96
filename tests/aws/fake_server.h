// A tiny HTTP/1.1 server on 127.0.0.1 for tests: a thread per connection,
// keep-alive, Content-Length bodies only. The handler sees each request and answers it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace trailwarden::testing {

struct FakeRequest {
  std::string method, target, body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() != name.size()) continue;
      bool eq = true;
      for (size_t i = 0; i < k.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(k[i])) !=
            std::tolower(static_cast<unsigned char>(name[i])))
          eq = false;
      }
      if (eq) return v;
    }
    return {};
  }
};

struct FakeResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int delay_ms = 0;    // wait before answering (timeouts)
  bool close = false;  // close the connection without answering
};

class FakeServer {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;
  explicit FakeServer(Handler handler) : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~FakeServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<FakeRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  size_t connections() const { return connections_; }

 private:
  bool wait_readable(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, ms) > 0;
  }

  void run() {
    while (!stop_) {
      if (!wait_readable(fd_, 50)) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      ++connections_;
      workers_.emplace_back([this, c] {
        serve(c);
        ::close(c);
      });
    }
    for (auto& w : workers_) w.join();
  }

  void serve(int c) {
    std::string buf;
    while (!stop_) {
      size_t head_end;
      while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
        if (!wait_readable(c, 50)) {
          if (stop_) return;
          continue;
        }
        char tmp[4096];
        ssize_t n = ::recv(c, tmp, sizeof tmp, 0);
        if (n <= 0) return;
        buf.append(tmp, static_cast<size_t>(n));
      }
      FakeRequest req;
      std::string head = buf.substr(0, head_end);
      buf.erase(0, head_end + 4);
      size_t line_end = head.find("\r\n");
      std::string first = head.substr(0, line_end);
      size_t sp1 = first.find(' '), sp2 = first.rfind(' ');
      req.method = first.substr(0, sp1);
      req.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
      size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
      while (pos < head.size()) {
        size_t e = head.find("\r\n", pos);
        if (e == std::string::npos) e = head.size();
        std::string line = head.substr(pos, e - pos);
        pos = e + 2;
        size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string v = line.substr(colon + 1);
        while (!v.empty() && v.front() == ' ') v.erase(0, 1);
        req.headers.emplace_back(line.substr(0, colon), v);
      }
      size_t length = 0;
      if (auto cl = req.header("content-length"); !cl.empty()) length = std::stoul(cl);
      while (buf.size() < length) {
        if (!wait_readable(c, 50)) {
          if (stop_) return;
          continue;
        }
        char tmp[4096];
        ssize_t n = ::recv(c, tmp, sizeof tmp, 0);
        if (n <= 0) return;
        buf.append(tmp, static_cast<size_t>(n));
      }
      req.body = buf.substr(0, length);
      buf.erase(0, length);
      {
        std::lock_guard lock(mu_);
        requests_.push_back(req);
      }
      FakeResponse resp = handler_(req);
      if (resp.delay_ms > 0) {
        for (int waited = 0; waited < resp.delay_ms && !stop_; waited += 10) {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
      }
      if (resp.close) return;
      std::string out = "HTTP/1.1 " + std::to_string(resp.status) + " X\r\n";
      for (const auto& [k, v] : resp.headers) out += k + ": " + v + "\r\n";
      if (req.method != "HEAD") {
        out += "Content-Length: " + std::to_string(resp.body.size()) + "\r\n\r\n" + resp.body;
      } else {
        out += "Content-Length: " + std::to_string(resp.body.size()) + "\r\n\r\n";
      }
      size_t sent = 0;
      while (sent < out.size()) {
        ssize_t n = ::send(c, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return;
        sent += static_cast<size_t>(n);
      }
    }
  }

  Handler handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> connections_{0};
  mutable std::mutex mu_;
  std::vector<FakeRequest> requests_;
  std::vector<std::thread> workers_;
  std::thread thread_;
};

}  // namespace trailwarden::testing
