#include "fleet/fleet_server.hpp"

#include <httplib.h>

#include <chrono>
#include <cstdio>

#include "core/status.hpp"
#include "fleet/api_util.hpp"

namespace wisp::fleet {

int64_t system_clock_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::unique_ptr<Database> open_configured_database(const FleetConfig& c) {
  if (c.storage_kind == "postgres") return open_postgres_database(c.storage_conninfo);
  return open_sqlite_database(c.storage_path);
}

FleetServer::FleetServer(FleetConfig config, Clock clock, std::unique_ptr<Database> db) {
  ctx_.config = std::move(config);
  ctx_.clock = std::move(clock);
  ctx_.store = std::make_unique<FleetStore>(db ? std::move(db) : open_configured_database(ctx_.config));
  ctx_.registry = std::make_unique<PackageRegistry>(*ctx_.store, ctx_.config.package_dir, ctx_.config.max_package_bytes);
  ctx_.engine = std::make_unique<RolloutEngine>(*ctx_.store);
  http_ = std::make_unique<httplib::Server>();
  // Uploads are read whole (the registry verifies one buffer); cap them before reading.
  http_->set_payload_max_length(static_cast<size_t>(ctx_.config.max_package_bytes) + 1);
  http_->set_read_timeout(30, 0);
  http_->set_write_timeout(30, 0);
  register_admin_routes(*http_, ctx_);
  register_device_routes(*http_, ctx_);
  register_dashboard_routes(*http_, ctx_);
  http_->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string msg = "internal error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      msg = e.what();
    } catch (...) {
    }
    res.status = 500;
    res.set_content(error_json(msg), "application/json");
  });
}

FleetServer::~FleetServer() { stop(); }

void FleetServer::start() {
  if (ctx_.config.port == 0) {
    port_ = http_->bind_to_any_port(ctx_.config.host);
    WISP_CHECK(port_ > 0, ErrorCode::kIo, "fleet: cannot bind to ", ctx_.config.host, " (any port)");
  } else {
    WISP_CHECK(http_->bind_to_port(ctx_.config.host, ctx_.config.port), ErrorCode::kIo, "fleet: cannot listen on ",
               ctx_.config.host, ":", ctx_.config.port, " (in use? change \"listen\" in the config)");
    port_ = ctx_.config.port;
  }
  serve_thread_ = std::thread([this] { http_->listen_after_bind(); });
  tick_thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      cv_.wait_for(lock, std::chrono::seconds(ctx_.config.rollout_tick_s));
      if (stopping_) break;
      lock.unlock();
      try {
        ctx_.engine->tick(ctx_.clock());
      } catch (const std::exception& e) {
        std::fprintf(stderr, "wisp fleet: rollout tick failed: %s\n", e.what());
      }
      lock.lock();
    }
  });
  // listen_after_bind runs on its own thread; wait (bounded) until it accepts.
  for (int i = 0; i < 500 && !http_->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  WISP_CHECK(http_->is_running(), ErrorCode::kIo, "fleet: the HTTP server did not start");
}

void FleetServer::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (http_) http_->stop();
  if (serve_thread_.joinable()) serve_thread_.join();
  if (tick_thread_.joinable()) tick_thread_.join();
}

}  // namespace wisp::fleet
