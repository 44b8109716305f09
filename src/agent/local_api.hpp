// The local inference API: HTTP on 127.0.0.1 (api.http_port) and on a Unix socket
// (api.unix_socket), same routes on both:
//   POST /v1/infer   JSON {"inputs":{"NAME":{"shape":[..],"data":[..]}},"deadline_ms":N}
//                    or raw float32 little-endian (Content-Type application/octet-stream,
//                    X-Wisp-Input: NAME (default: the first input), X-Wisp-Shape: 1,3,8,8);
//                    deadline also from X-Wisp-Deadline-Ms. Answers JSON {"outputs":{...},
//                    "model":..,"latency_ms":..}, or with Accept: application/octet-stream
//                    the first output raw (X-Wisp-Shape says its shape).
//                    503 queue full / no model, 504 deadline, 400 bad input, 500 model error.
//   GET  /v1/health  200 {"ok":true,...} when a model serves, else 503
//   GET  /v1/status  the agent status (the same JSON it reports to the fleet)
//
// cpp-httplib 0.11.4 has no AF_UNIX listener, so UnixSocketServer accepts on the socket
// itself and hands each connection to httplib's request processing (Server::process_request
// over a small Stream adapter): one set of handlers for both transports.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "agent/inference_service.hpp"
#include "deploy/json.hpp"

namespace httplib {
class Server;
}

namespace wisp::agent {

struct LocalApiHooks {
  InferenceService* service = nullptr;
  std::function<deploy::Json()> status;            // for /v1/status
  std::function<bool(std::string&)> healthy;      // true when serving; sets the state text
  std::function<std::string()> first_input_name;  // for raw bodies without X-Wisp-Input
  int64_t default_deadline_ms = 1000;
};

class LocalApi {
 public:
  explicit LocalApi(LocalApiHooks hooks);
  ~LocalApi();
  // Starts listening; port 0 / empty path = that transport off. Returns the bound TCP port.
  int start(int http_port, const std::string& unix_socket);
  void stop();

 private:
  class UnixSocketServer;
  LocalApiHooks hooks_;
  std::unique_ptr<httplib::Server> http_;
  std::unique_ptr<UnixSocketServer> unix_;
  std::thread http_thread_, unix_thread_;
};

// Parses a JSON infer body into arrays (throws wisp::Error kInvalidArgument naming the field).
std::vector<NamedArray> parse_infer_json(const deploy::Json& body);
deploy::Json outputs_json(const std::vector<NamedArray>& outputs);

}  // namespace wisp::agent
