#include "agent/local_api.hpp"

#include <httplib.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "core/status.hpp"

namespace wisp::agent {
namespace {

using deploy::Json;

std::vector<int64_t> parse_shape_header(const std::string& s) {
  std::vector<int64_t> shape;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(',', i);
    if (j == std::string::npos) j = s.size();
    const std::string part = s.substr(i, j - i);
    WISP_CHECK(!part.empty() && part.find_first_not_of("0123456789") == std::string::npos && part.size() < 10,
               ErrorCode::kInvalidArgument, "X-Wisp-Shape '", s, "' must be comma-separated sizes, e.g. 1,3,224,224");
    shape.push_back(std::stoll(part));
    i = j + 1;
  }
  return shape;
}

void send_json(httplib::Response& res, int status, const Json& j) {
  res.status = status;
  res.set_content(j.dump(), "application/json");
}

}  // namespace

std::vector<NamedArray> parse_infer_json(const Json& body) {
  WISP_CHECK(body.is_object() && body.contains("inputs") && body["inputs"].is_object(), ErrorCode::kInvalidArgument,
             "the request body needs {\"inputs\": {\"NAME\": {\"shape\": [...], \"data\": [...]}}}");
  std::vector<NamedArray> r;
  for (const auto& [name, v] : body["inputs"].items()) {
    const std::string where = "input '" + name + "'";
    NamedArray a;
    a.name = name;
    a.shape = deploy::json_get<std::vector<int64_t>>(v, "shape", where);
    a.data = deploy::json_get<std::vector<float>>(v, "data", where);
    int64_t n = 1;
    for (int64_t d : a.shape) {
      WISP_CHECK(d >= 0 && d <= (int64_t{1} << 31), ErrorCode::kInvalidArgument, where, ": bad dimension ", d);
      n *= d;
      WISP_CHECK(n <= (int64_t{1} << 28), ErrorCode::kInvalidArgument, where, ": too many elements");
    }
    WISP_CHECK(n == static_cast<int64_t>(a.data.size()), ErrorCode::kInvalidArgument, where, ": shape needs ", n,
               " values, got ", a.data.size());
    r.push_back(std::move(a));
  }
  return r;
}

Json outputs_json(const std::vector<NamedArray>& outputs) {
  Json o = Json::object();
  for (const NamedArray& a : outputs) {
    Json data = Json::array();
    for (float x : a.data) {
      // JSON has no NaN/Inf: they are sent as null (the status reports them as errors).
      if (std::isfinite(x)) data.push_back(x);
      else data.push_back(nullptr);
    }
    o[a.name] = Json{{"shape", a.shape}, {"data", std::move(data)}};
  }
  return o;
}

// Adapts a connected AF_UNIX socket to httplib's Stream.
class UnixStream : public httplib::Stream {
 public:
  explicit UnixStream(int fd) : fd_(fd) {}
  bool is_readable() const override {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 5000) > 0;  // 5 s read timeout, as httplib's default
  }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    if (!is_readable()) return -1;
    return ::recv(fd_, ptr, size, 0);
  }
  ssize_t write(const char* ptr, size_t size) override { return ::send(fd_, ptr, size, MSG_NOSIGNAL); }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "unix";
    port = 0;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "unix";
    port = 0;
  }
  socket_t socket() const override { return fd_; }

 private:
  int fd_;
};

class LocalApi::UnixSocketServer : public httplib::Server {
 public:
  void listen_unix(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    WISP_CHECK(fd_ >= 0, ErrorCode::kIo, "cannot create a Unix socket");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    WISP_CHECK(path.size() < sizeof(addr.sun_path), ErrorCode::kInvalidArgument, "api.unix_socket path '", path,
               "' is too long (max ", sizeof(addr.sun_path) - 1, " bytes)");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    ::unlink(path.c_str());  // a stale socket from a previous run
    WISP_CHECK(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::listen(fd_, 64) == 0,
               ErrorCode::kIo, "cannot listen on the Unix socket '", path, "': ", std::strerror(errno));
    path_ = path;
  }
  void serve() {
    while (!stopping_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      ++active_;
      std::thread([this, c] {
        UnixStream s(c);
        bool closed = false;
        // One request per connection (Connection: close): simple and bounded.
        process_request(s, true, closed, [](httplib::Request&) {});
        ::close(c);
        --active_;
      }).detach();
    }
    while (active_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  void halt() { stopping_ = true; }

 private:
  int fd_ = -1;
  std::string path_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> active_{0};
};

namespace {

void install_routes(httplib::Server& s, const LocalApiHooks& hooks) {
  s.Post("/v1/infer", [&hooks](const httplib::Request& req, httplib::Response& res) {
    std::vector<NamedArray> inputs;
    int64_t deadline_ms = hooks.default_deadline_ms;
    try {
      if (req.has_header("X-Wisp-Deadline-Ms")) deadline_ms = std::stoll(req.get_header_value("X-Wisp-Deadline-Ms"));
      if (req.get_header_value("Content-Type").rfind("application/octet-stream", 0) == 0) {
        NamedArray a;
        a.name = req.has_header("X-Wisp-Input") ? req.get_header_value("X-Wisp-Input") : hooks.first_input_name();
        a.shape = parse_shape_header(req.get_header_value("X-Wisp-Shape"));
        int64_t n = 1;
        for (int64_t d : a.shape) n *= d;
        WISP_CHECK(req.body.size() == static_cast<size_t>(n) * 4, ErrorCode::kInvalidArgument, "raw body has ",
                   req.body.size(), " bytes; X-Wisp-Shape needs ", n, " float32 values (", n * 4, " bytes)");
        a.data.resize(static_cast<size_t>(n));
        std::memcpy(a.data.data(), req.body.data(), req.body.size());
        inputs.push_back(std::move(a));
      } else {
        const Json body = deploy::parse_json(req.body, "request body");
        inputs = parse_infer_json(body);
        if (body.contains("deadline_ms")) deadline_ms = deploy::json_get<int64_t>(body, "deadline_ms", "request");
      }
      WISP_CHECK(deadline_ms >= 1 && deadline_ms <= 600000, ErrorCode::kInvalidArgument,
                 "deadline must be 1..600000 ms, got ", deadline_ms);
    } catch (const std::exception& e) {
      send_json(res, 400, Json{{"error", e.what()}});
      return;
    }
    const InferResult r = hooks.service->infer(std::move(inputs), std::chrono::milliseconds(deadline_ms));
    if (r.status != 200) {
      send_json(res, r.status, Json{{"error", r.error}});
      return;
    }
    if (req.get_header_value("Accept") == "application/octet-stream" && !r.outputs.empty()) {
      std::string shape;
      for (int64_t d : r.outputs[0].shape) shape += (shape.empty() ? "" : ",") + std::to_string(d);
      res.set_header("X-Wisp-Shape", shape);
      res.set_header("X-Wisp-Model", r.model);
      res.set_content(std::string(reinterpret_cast<const char*>(r.outputs[0].data.data()), r.outputs[0].data.size() * 4),
                      "application/octet-stream");
      return;
    }
    send_json(res, 200, Json{{"outputs", outputs_json(r.outputs)}, {"model", r.model}, {"latency_ms", r.latency_ms}});
  });
  s.Get("/v1/health", [&hooks](const httplib::Request&, httplib::Response& res) {
    std::string state;
    const bool ok = hooks.healthy(state);
    send_json(res, ok ? 200 : 503, Json{{"ok", ok}, {"state", state}});
  });
  s.Get("/v1/status", [&hooks](const httplib::Request&, httplib::Response& res) { send_json(res, 200, hooks.status()); });
}

}  // namespace

LocalApi::LocalApi(LocalApiHooks hooks) : hooks_(std::move(hooks)) {}

LocalApi::~LocalApi() { stop(); }

int LocalApi::start(int http_port, const std::string& unix_socket) {
  int port = 0;
  auto pool = [] { return new httplib::ThreadPool(32); };  // callers wait on deadlines: enough threads to queue
  if (http_port > 0 || http_port == -1) {
    http_ = std::make_unique<httplib::Server>();
    http_->new_task_queue = pool;
    install_routes(*http_, hooks_);
    port = http_port == -1 ? http_->bind_to_any_port("127.0.0.1") : (http_->bind_to_port("127.0.0.1", http_port) ? http_port : -1);
    WISP_CHECK(port > 0, ErrorCode::kIo, "cannot listen on 127.0.0.1:", http_port, " for the local API (port in use?)");
    http_thread_ = std::thread([this] { http_->listen_after_bind(); });
  }
  if (!unix_socket.empty()) {
    unix_ = std::make_unique<UnixSocketServer>();
    install_routes(*unix_, hooks_);
    unix_->listen_unix(unix_socket);
    unix_thread_ = std::thread([this] { unix_->serve(); });
  }
  return port;
}

void LocalApi::stop() {
  if (http_) http_->stop();
  if (http_thread_.joinable()) http_thread_.join();
  if (unix_) unix_->halt();
  if (unix_thread_.joinable()) unix_thread_.join();
  http_.reset();
  unix_.reset();
}

}  // namespace wisp::agent
