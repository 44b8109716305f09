#include "agent/agent.hpp"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "agent/agent_core.hpp"
#include "agent/file_util.hpp"
#include "agent/inference_service.hpp"
#include "agent/local_api.hpp"

namespace wisp::agent {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }

}  // namespace

int run_agent(const AgentConfig& config, const RunOptions& options) {
  // --crash-at download:N kills at byte N of a download; any other name at that crash point.
  if (options.crash_at.rfind("download:", 0) == 0)
    set_crash_download_offset(std::stoll(options.crash_at.substr(9)));
  else
    set_crash_point(options.crash_at);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  AgentCore core(config);
  core.start();
  InferenceService service(static_cast<size_t>(config.api.queue_depth),
                           [&core](const std::vector<NamedArray>& in, std::string& label) { return core.serve(in, label); });
  LocalApiHooks hooks;
  hooks.service = &service;
  hooks.status = [&core] { return core.status_json(); };
  hooks.healthy = [&core](std::string& s) { return core.healthy(s); };
  hooks.first_input_name = [&core] { return core.first_input_name(); };
  hooks.default_deadline_ms = config.api.default_deadline_ms;
  LocalApi api(hooks);
  const int port = api.start(config.api.http_port, config.api.unix_socket);
  std::fprintf(stderr, "wisp agent: device %s, state %s, local API %s%s%s\n", config.device_id.c_str(),
               core.state().c_str(), port > 0 ? ("http://127.0.0.1:" + std::to_string(port)).c_str() : "(no TCP)",
               config.api.unix_socket.empty() ? "" : " and unix:", config.api.unix_socket.c_str());

  using Clock = std::chrono::steady_clock;
  auto next_poll = Clock::now();
  auto next_upload = Clock::now() + std::chrono::seconds(config.telemetry.upload_interval_s);
  int64_t cycles = 0;
  while (!g_stop) {
    const auto now = Clock::now();
    if (now >= next_poll) {
      core.cycle();
      ++cycles;
      next_poll = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(config.poll_interval_s * 1000));
      if (options.once > 0 && cycles >= options.once) break;
    }
    core.tick();
    if (Clock::now() >= next_upload) {
      core.flush_telemetry(true);
      next_upload = Clock::now() + std::chrono::seconds(config.telemetry.upload_interval_s);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  api.stop();
  core.shutdown();
  core.flush_telemetry(true);
  std::fprintf(stderr, "wisp agent: stopped (state %s)\n", core.state().c_str());
  return 0;
}

}  // namespace wisp::agent
