// `wisp fleet --config FILE`: runs the fleet server until SIGINT/SIGTERM (docs/fleet.md).
#ifdef WISP_WITH_FLEET
#include <signal.h>

#include <cstdio>
#include <fstream>

#include "cli.hpp"
#include "fleet/fleet_server.hpp"

namespace wisp::cli {

int cmd_fleet(const std::vector<std::string>& argv) {
  Args args(argv, {"config", "port-file"}, {"help"});
  if (args.flag("help")) {
    std::fputs(
        "Usage: wisp fleet --config FLEET.json [--port-file PATH]\n\n"
        "Serves the fleet API (/api/v1, protocol in docs/fleet_protocol.md) and the dashboard\n"
        "(GET /, open it as http://HOST:PORT/#token=ADMIN_TOKEN) until SIGINT or SIGTERM.\n"
        "Config: {\"listen\":\"127.0.0.1:8740\",\"admin_token\":\"...\",\"storage\":{\"kind\":\"sqlite\",\n"
        "\"path\":\"fleet.db\"} or {\"kind\":\"postgres\",\"conninfo\":\"...\"},\"package_dir\":\"packages\",\n"
        "\"max_package_bytes\":N,\"rollout_tick_s\":N}. \"listen\" port 0 picks a free port;\n"
        "--port-file writes the port chosen (for scripts).\n",
        stdout);
    return 0;
  }
  const std::string config_path = args.get("config");
  if (config_path.empty()) throw UsageError{"--config FLEET.json is required"};
  if (!args.positional().empty()) throw UsageError{"unexpected argument '" + args.positional()[0] + "'"};
  // Signals are taken synchronously by this thread (sigwait) rather than in a handler, so
  // shutdown runs ordinary code: stop the server, join its threads, close the database.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // inherited by the server's threads
  fleet::FleetServer server(fleet::load_fleet_config(config_path));
  server.start();
  const auto& c = server.context().config;
  std::printf("wisp fleet: listening on http://%s:%d (storage %s, dashboard http://%s:%d/#token=ADMIN_TOKEN)\n",
              c.host.c_str(), server.port(), c.storage_kind.c_str(), c.host.c_str(), server.port());
  std::fflush(stdout);
  if (args.has("port-file")) {
    const std::string tmp = args.get("port-file") + ".tmp";
    std::ofstream(tmp) << server.port() << "\n";
    std::rename(tmp.c_str(), args.get("port-file").c_str());
  }
  int sig = 0;
  sigwait(&set, &sig);
  std::printf("wisp fleet: signal %d, stopping\n", sig);
  server.stop();
  return 0;
}

}  // namespace wisp::cli
#endif
