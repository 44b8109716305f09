// The agent's side of protocol v1 (docs/fleet_protocol.md): every request signed with the
// device identity key (src/deploy/request_auth). Network and HTTP failures throw
// wisp::Error(kIo) naming the request; the caller retries on its next poll.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/agent_config.hpp"
#include "deploy/json.hpp"
#include "package/keys.hpp"

namespace httplib {
class Client;
}

namespace wisp::agent {

struct Assignment {
  std::optional<std::string> package_id;  // nullopt: nothing assigned
  std::string name, version;
  uint64_t counter = 0;
  int64_t size = 0;
  std::string sha256;
  std::string url;
};
Assignment parse_assignment(const deploy::Json& j);

class FleetClient {
 public:
  FleetClient(std::string server, std::string device_id, package::SigningSecretKey identity);
  ~FleetClient();

  Assignment get_assignment();
  void post_status(const deploy::Json& status);
  // Returns the ids the server accepted (already-known ids are listed too).
  std::vector<std::string> post_telemetry(const deploy::Json& records);

  // A signed GET streaming the body: `on_response(status, headers-as-json)` decides
  // whether to read the body, `on_data` receives it (returns false to abort).
  struct StreamResult {
    int status = 0;       // 0: no response
    std::string error;    // transport error ("" when a response came)
  };
  StreamResult get_stream(const std::string& path, int64_t range_from, int64_t stall_timeout_s,
                          const std::function<bool(int status, const std::string& content_range)>& on_response,
                          const std::function<bool(const char*, size_t)>& on_data);

 private:
  deploy::Json request_json(const std::string& method, const std::string& path, const std::string& body);
  std::string server_, device_id_;
  package::SigningSecretKey identity_;
};

}  // namespace wisp::agent
