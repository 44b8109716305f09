// A fault-injecting TCP proxy for HTTP/1.1 on loopback: requests go to the upstream
// unchanged; responses to package downloads (/api/v1/device/packages/) get the
// configured fault for the first `count` such responses, then pass through.
//   kDrop      body cut at a random offset, connection reset (RST)
//   kTruncate  body cut at a random offset, connection closed cleanly (FIN)
//   kCorrupt   one body byte flipped at a random offset
//   kStall     part of the body, then silence (connection held open, up to 10 s)
//   kTrickle   the body one byte every 20 ms
//   kEndless   Content-Length rewritten to 2^40 and random bytes sent until the client
//              hangs up (at most 64 MiB / 10 s)
// Every loop is bounded in bytes and time. Used by fault_proxy_test.cpp.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace wisp::agent::testing {

enum class Fault { kNone, kDrop, kTruncate, kCorrupt, kStall, kTrickle, kEndless };

class FaultProxy {
 public:
  FaultProxy(int upstream_port, Fault fault, int count, uint32_t seed = 1)
      : upstream_(upstream_port), fault_(fault), remaining_(count), rng_(seed) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(listen_fd_, 16);
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { accept_loop(); });
  }
  ~FaultProxy() {
    stop_ = true;
    thread_.join();
    for (auto& t : workers_) t.join();
    ::close(listen_fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int faults_injected() const { return injected_; }

 private:
  static bool send_all(int fd, const char* p, size_t n) {
    while (n > 0) {
      const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
      if (w <= 0) return false;
      p += w;
      n -= static_cast<size_t>(w);
    }
    return true;
  }
  // Reads until "\r\n\r\n" (the end of the head); leftover body bytes stay in `buf`.
  static bool read_head(int fd, std::string& buf, std::string& head) {
    char tmp[4096];
    for (int i = 0; i < 1000; ++i) {
      const size_t e = buf.find("\r\n\r\n");
      if (e != std::string::npos) {
        head = buf.substr(0, e + 4);
        buf.erase(0, e + 4);
        return true;
      }
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) return false;
      const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) return false;
      buf.append(tmp, static_cast<size_t>(n));
    }
    return false;
  }
  static size_t content_length(const std::string& head) {
    std::string lower = head;
    for (char& c : lower) c = static_cast<char>(std::tolower(c));
    const size_t p = lower.find("content-length:");
    return p == std::string::npos ? 0 : std::stoull(head.substr(p + 15));
  }
  static bool read_exact(int fd, std::string& buf, size_t n) {
    char tmp[65536];
    while (buf.size() < n) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) return false;
      const ssize_t r = ::recv(fd, tmp, sizeof tmp, 0);
      if (r <= 0) return false;
      buf.append(tmp, static_cast<size_t>(r));
    }
    return true;
  }

  void accept_loop() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) workers_.emplace_back([this, c] { handle(c); });
    }
  }

  void handle(int client) {
    const int up = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(upstream_));
    std::string cbuf, chead, ubuf, uhead;
    if (::connect(up, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && read_head(client, cbuf, chead) &&
        read_exact(client, cbuf, content_length(chead)) && send_all(up, chead.data(), chead.size()) &&
        send_all(up, cbuf.data(), cbuf.size()) && read_head(up, ubuf, uhead) &&
        read_exact(up, ubuf, content_length(uhead))) {
      const bool target = chead.find("/api/v1/device/packages/") != std::string::npos && remaining_ > 0 &&
                          uhead.find(" 20") != std::string::npos && !ubuf.empty();
      if (target) {
        --remaining_;
        ++injected_;
        respond_with_fault(client, uhead, ubuf);
      } else {
        send_all(client, uhead.data(), uhead.size());
        send_all(client, ubuf.data(), ubuf.size());
      }
    }
    ::close(up);
    ::close(client);
  }

  void respond_with_fault(int client, std::string head, std::string body) {
    const size_t cut = std::uniform_int_distribution<size_t>(0, body.size() - 1)(rng_);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    switch (fault_) {
      case Fault::kNone:
        break;
      case Fault::kDrop: {
        send_all(client, head.data(), head.size());
        send_all(client, body.data(), cut);
        linger l{1, 0};  // close with RST
        ::setsockopt(client, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        return;
      }
      case Fault::kTruncate:
        send_all(client, head.data(), head.size());
        send_all(client, body.data(), cut);
        ::shutdown(client, SHUT_WR);
        return;
      case Fault::kCorrupt:
        body[cut] = static_cast<char>(body[cut] ^ 0x5a);
        break;
      case Fault::kStall:
        send_all(client, head.data(), head.size());
        send_all(client, body.data(), cut);
        while (!stop_ && std::chrono::steady_clock::now() < until) {
          pollfd p{client, POLLIN, 0};
          if (::poll(&p, 1, 50) > 0) return;  // the client gave up (closed)
        }
        return;
      case Fault::kTrickle:
        send_all(client, head.data(), head.size());
        for (size_t i = 0; i < body.size() && !stop_ && std::chrono::steady_clock::now() < until; ++i) {
          if (!send_all(client, body.data() + i, 1)) return;
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return;
      case Fault::kEndless: {
        std::string lower = head;
        for (char& c : lower) c = static_cast<char>(std::tolower(c));
        const size_t p = lower.find("content-length:");
        const size_t e = head.find("\r\n", p);
        head.replace(p, e - p, "Content-Length: 1099511627776");
        send_all(client, head.data(), head.size());
        std::string junk(65536, '\0');
        for (char& c : junk) c = static_cast<char>(rng_());
        for (int i = 0; i < 1024 && !stop_ && std::chrono::steady_clock::now() < until; ++i)
          if (!send_all(client, junk.data(), junk.size())) return;
        return;
      }
    }
    send_all(client, head.data(), head.size());
    send_all(client, body.data(), body.size());
  }

  int upstream_;
  Fault fault_;
  std::atomic<int> remaining_;
  std::atomic<int> injected_{0};
  std::mt19937 rng_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<std::thread> workers_;
};

}  // namespace wisp::agent::testing
