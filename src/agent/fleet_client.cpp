#include "agent/fleet_client.hpp"

#include <httplib.h>

#include "core/status.hpp"
#include "deploy/request_auth.hpp"

namespace wisp::agent {
namespace {

httplib::Headers signed_headers(const std::string& device, const package::SigningSecretKey& key,
                                const std::string& method, const std::string& path, const std::string& body) {
  httplib::Headers h;
  for (auto& [k, v] : deploy::sign_request(device, key, method, path, body)) h.emplace(k, v);
  return h;
}

std::unique_ptr<httplib::Client> make_client(const std::string& server, int64_t read_timeout_s) {
  auto c = std::make_unique<httplib::Client>(server);
  c->set_connection_timeout(5, 0);
  c->set_read_timeout(static_cast<time_t>(read_timeout_s), 0);
  c->set_write_timeout(10, 0);
  c->set_keep_alive(false);
  return c;
}

}  // namespace

Assignment parse_assignment(const deploy::Json& j) {
  Assignment a;
  const std::string where = "fleet assignment";
  if (!j.is_object()) fail(ErrorCode::kInvalidArgument, where, ": not a JSON object");
  if (!j.contains("package_id") || j["package_id"].is_null()) return a;
  a.package_id = j["package_id"].is_string() ? j["package_id"].get<std::string>() : j["package_id"].dump();
  a.name = deploy::json_get<std::string>(j, "name", where);
  a.version = deploy::json_get<std::string>(j, "version", where);
  a.counter = deploy::json_get<uint64_t>(j, "counter", where);
  a.size = deploy::json_get<int64_t>(j, "size", where);
  a.sha256 = deploy::json_get<std::string>(j, "sha256", where);
  a.url = deploy::json_get<std::string>(j, "url", where);
  WISP_CHECK(a.size >= 0 && a.sha256.size() == 64 && a.url.rfind("/api/v1/device/", 0) == 0,
             ErrorCode::kInvalidArgument, where, ": size, sha256 (64 hex) or url (/api/v1/device/...) is malformed");
  return a;
}

FleetClient::FleetClient(std::string server, std::string device_id, package::SigningSecretKey identity)
    : server_(std::move(server)), device_id_(std::move(device_id)), identity_(std::move(identity)) {}
FleetClient::~FleetClient() = default;

deploy::Json FleetClient::request_json(const std::string& method, const std::string& path, const std::string& body) {
  auto c = make_client(server_, 10);
  const httplib::Headers h = signed_headers(device_id_, identity_, method, path, body);
  httplib::Result r = method == "GET" ? c->Get(path.c_str(), h) : c->Post(path.c_str(), h, body, "application/json");
  if (!r) fail(ErrorCode::kIo, method, " ", server_, path, ": ", httplib::to_string(r.error()));
  if (r->status < 200 || r->status >= 300)
    fail(ErrorCode::kIo, method, " ", server_, path, ": HTTP ", r->status, " ", r->body.substr(0, 200));
  if (r->body.empty()) return deploy::Json::object();
  return deploy::parse_json(r->body, method + " " + path);
}

Assignment FleetClient::get_assignment() {
  return parse_assignment(request_json("GET", "/api/v1/device/assignment", ""));
}

void FleetClient::post_status(const deploy::Json& status) {
  request_json("POST", "/api/v1/device/status", status.dump());
}

std::vector<std::string> FleetClient::post_telemetry(const deploy::Json& records) {
  const deploy::Json r = request_json("POST", "/api/v1/device/telemetry", deploy::Json{{"records", records}}.dump());
  std::vector<std::string> ids;
  if (r.contains("accepted") && r["accepted"].is_array())
    for (const auto& id : r["accepted"])
      if (id.is_string()) ids.push_back(id.get<std::string>());
  return ids;
}

FleetClient::StreamResult FleetClient::get_stream(
    const std::string& path, int64_t range_from, int64_t stall_timeout_s,
    const std::function<bool(int, const std::string&)>& on_response,
    const std::function<bool(const char*, size_t)>& on_data) {
  // The read timeout is the stall timeout: httplib gives up when no byte arrives for that long.
  auto c = make_client(server_, stall_timeout_s);
  httplib::Headers h = signed_headers(device_id_, identity_, "GET", path, "");
  if (range_from > 0) h.emplace("Range", "bytes=" + std::to_string(range_from) + "-");
  StreamResult out;
  httplib::Result r = c->Get(
      path.c_str(), h,
      [&](const httplib::Response& res) {
        out.status = res.status;
        return on_response(res.status, res.get_header_value("Content-Range"));
      },
      [&](const char* data, size_t n) { return on_data(data, n); });
  if (!r) out.error = httplib::to_string(r.error());
  else out.status = r->status;
  return out;
}

}  // namespace wisp::agent
