// `wisp fleet`: the HTTP server (cpp-httplib) over the store, registry and rollout engine.
// Routes: admin_api.cpp (Bearer token), device_api.cpp (signed device requests),
// dashboard_page.cpp (GET /). A background thread ticks the rollout engine every
// rollout_tick_s; device status reports also tick it, so a failure report halts a rollout
// at once instead of at the next tick.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "fleet/fleet_config.hpp"
#include "fleet/fleet_store.hpp"
#include "fleet/package_registry.hpp"
#include "fleet/rollout_engine.hpp"

namespace httplib {
class Server;
}

namespace wisp::fleet {

using Clock = std::function<int64_t()>;  // unix seconds
int64_t system_clock_seconds();

// What the route handlers share.
struct FleetContext {
  FleetConfig config;
  Clock clock;
  std::unique_ptr<FleetStore> store;
  std::unique_ptr<PackageRegistry> registry;
  std::unique_ptr<RolloutEngine> engine;
};

std::unique_ptr<Database> open_configured_database(const FleetConfig& config);

class FleetServer {
 public:
  // `db`: storage to use (tests); nullptr opens the one the config names.
  FleetServer(FleetConfig config, Clock clock = system_clock_seconds, std::unique_ptr<Database> db = nullptr);
  ~FleetServer();
  FleetServer(const FleetServer&) = delete;
  FleetServer& operator=(const FleetServer&) = delete;

  // Binds (port 0 = any free port) and serves on background threads. Throws if it cannot bind.
  void start();
  int port() const { return port_; }
  void stop();
  FleetContext& context() { return ctx_; }

 private:
  FleetContext ctx_;
  std::unique_ptr<httplib::Server> http_;
  std::thread serve_thread_, tick_thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  int port_ = 0;
};

void register_admin_routes(httplib::Server& http, FleetContext& ctx);
void register_device_routes(httplib::Server& http, FleetContext& ctx);
void register_dashboard_routes(httplib::Server& http, FleetContext& ctx);

}  // namespace wisp::fleet
