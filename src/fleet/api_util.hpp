// Small helpers shared by the fleet's route handlers: JSON replies, errors as JSON with the
// right status, admin token check.
#pragma once
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "core/status.hpp"
#include "fleet/fleet_server.hpp"

namespace wisp::fleet {

using json = nlohmann::json;

inline std::string error_json(const std::string& message) { return json{{"error", message}}.dump(); }

inline void reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

inline void reply_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(error_json(message), "application/json");
}

// Parses the body as a JSON object or replies 400 and returns false.
bool parse_json_body(const httplib::Request& req, httplib::Response& res, json& out);

// Checks "Authorization: Bearer <admin_token>" (constant time) or replies 401.
bool require_admin(const FleetContext& ctx, const httplib::Request& req, httplib::Response& res);

// Runs a handler body, turning wisp::Error / PackageError / JSON type errors into 400
// (413 for kResourceExhausted) with the message; anything else is a 500.
template <class F>
void guarded(httplib::Response& res, F body) {
  try {
    body();
  } catch (const Error& e) {
    reply_error(res, e.code() == ErrorCode::kResourceExhausted ? 413 : e.code() == ErrorCode::kIo ? 500 : 400, e.what());
  } catch (const json::exception& e) {
    reply_error(res, 400, std::string("bad JSON field: ") + e.what());
  } catch (const std::logic_error& e) {  // std::stoll and friends on a bad parameter
    reply_error(res, 400, std::string("bad parameter: ") + e.what());
  }
}

json package_json(const PackageRecord& p);
json device_json(const DeviceRecord& d);
json rollout_json(FleetContext& ctx, const RolloutRecord& r);

}  // namespace wisp::fleet
