#include "fleet/fleet_config.hpp"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/status.hpp"

namespace wisp::fleet {
namespace {

std::string resolve(const std::string& base, const std::string& p) {
  if (p.empty() || std::filesystem::path(p).is_absolute()) return p;
  return (std::filesystem::path(base) / p).lexically_normal().string();
}

}  // namespace

FleetConfig parse_fleet_config(const std::string& text, const std::string& base_dir, const std::string& where) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    fail(ErrorCode::kInvalidArgument, "fleet config ", where, " is not valid JSON: ", e.what());
  }
  WISP_CHECK(j.is_object(), ErrorCode::kInvalidArgument, "fleet config ", where, " must be a JSON object");
  FleetConfig c;
  try {
    const std::string listen = j.value("listen", std::string("127.0.0.1:8740"));
    const auto colon = listen.rfind(':');
    WISP_CHECK(colon != std::string::npos, ErrorCode::kInvalidArgument, "fleet config ", where, ": listen '", listen,
               "' must be HOST:PORT");
    c.host = listen.substr(0, colon);
    c.port = std::stoi(listen.substr(colon + 1));
    WISP_CHECK(c.port >= 0 && c.port < 65536, ErrorCode::kInvalidArgument, "fleet config ", where, ": port out of range");
    c.admin_token = j.value("admin_token", std::string());
    WISP_CHECK(c.admin_token.size() >= 16, ErrorCode::kInvalidArgument, "fleet config ", where,
               ": admin_token must be set and at least 16 characters (e.g. `openssl rand -hex 16`)");
    const nlohmann::json storage = j.value("storage", nlohmann::json::object());
    c.storage_kind = storage.value("kind", std::string("sqlite"));
    if (c.storage_kind == "sqlite") {
      c.storage_path = resolve(base_dir, storage.value("path", std::string("fleet.db")));
    } else if (c.storage_kind == "postgres") {
      c.storage_conninfo = storage.value("conninfo", std::string());
      WISP_CHECK(!c.storage_conninfo.empty(), ErrorCode::kInvalidArgument, "fleet config ", where,
                 ": postgres storage needs \"conninfo\"");
    } else {
      fail(ErrorCode::kInvalidArgument, "fleet config ", where, ": storage kind '", c.storage_kind,
           "' is not sqlite or postgres");
    }
    c.package_dir = resolve(base_dir, j.value("package_dir", std::string("packages")));
    c.max_package_bytes = j.value("max_package_bytes", c.max_package_bytes);
    c.rollout_tick_s = j.value("rollout_tick_s", c.rollout_tick_s);
    c.max_clock_skew_s = j.value("max_clock_skew_s", c.max_clock_skew_s);
    c.nonce_window_s = j.value("nonce_window_s", c.nonce_window_s);
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorCode::kInvalidArgument, "fleet config ", where, ": a field has the wrong type: ", e.what());
  }
  WISP_CHECK(c.max_package_bytes > 0 && c.rollout_tick_s > 0, ErrorCode::kInvalidArgument, "fleet config ", where,
             ": max_package_bytes and rollout_tick_s must be positive");
  return c;
}

FleetConfig load_fleet_config(const std::string& path) {
  std::ifstream in(path);
  WISP_CHECK(in.good(), ErrorCode::kIo, "cannot read fleet config '", path, "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_fleet_config(ss.str(), std::filesystem::path(path).parent_path().string(), path);
}

}  // namespace wisp::fleet
