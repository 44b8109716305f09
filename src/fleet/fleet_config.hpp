// `wisp fleet --config FILE`: the server's JSON configuration (docs/fleet.md).
//   {"listen":"127.0.0.1:8740","admin_token":"...","storage":{"kind":"sqlite","path":"fleet.db"}
//    | {"kind":"postgres","conninfo":"host=... dbname=..."},"package_dir":"packages",
//    "max_package_bytes":268435456,"rollout_tick_s":5}
// Relative paths are resolved against the config file's folder.
#pragma once
#include <cstdint>
#include <string>

namespace wisp::fleet {

struct FleetConfig {
  std::string host = "127.0.0.1";
  int port = 8740;
  std::string admin_token;             // required, >= 16 characters
  std::string storage_kind = "sqlite";  // sqlite | postgres
  std::string storage_path;            // sqlite
  std::string storage_conninfo;        // postgres
  std::string package_dir;
  int64_t max_package_bytes = int64_t{256} << 20;
  int64_t rollout_tick_s = 5;
  int64_t max_clock_skew_s = 300;      // device request signatures
  int64_t nonce_window_s = 600;
};

FleetConfig parse_fleet_config(const std::string& json_text, const std::string& base_dir, const std::string& where);
FleetConfig load_fleet_config(const std::string& path);

}  // namespace wisp::fleet
