// `wisp agent --config FILE`: the on-device agent (src/agent, docs/agent.md). Runs until
// SIGINT/SIGTERM. `--crash-at POINT` (hidden, tests only) kills the process with SIGKILL
// at a named point of the update, for the kill -9 tests.
#include <cstdio>

#include "agent/agent.hpp"
#include "cli.hpp"

namespace wisp::cli {

int cmd_agent(const std::vector<std::string>& argv) {
  Args args(argv, {"config", "crash-at", "once"}, {"help", "check-config"});
  if (args.flag("help")) {
    std::fputs(
        "Usage: wisp agent --config FILE [--check-config]\n\n"
        "Runs the device agent: polls the fleet server for its assigned model, downloads,\n"
        "verifies and health-checks it in a staging slot, switches atomically, serves the\n"
        "local inference API and uploads telemetry. Stops on SIGINT/SIGTERM.\n"
        "  --check-config   load and validate the config, print a summary, exit\n"
        "Config reference: docs/agent.md.\n",
        stdout);
    return 0;
  }
  const std::string config = args.get("config");
  if (config.empty()) throw UsageError{"--config FILE is required"};
  if (!args.positional().empty()) throw UsageError{"unexpected argument '" + args.positional()[0] + "'"};
  agent::AgentConfig c = agent::load_agent_config(config);
  if (args.flag("check-config")) {
    std::printf("config %s ok: device %s, server %s, state %s\n", config.c_str(), c.device_id.c_str(),
                c.server.c_str(), c.state_dir.c_str());
    return 0;
  }
  agent::RunOptions o;
  o.crash_at = args.get("crash-at");
  o.once = args.has("once") ? args.get_int("once", 1) : 0;
  return agent::run_agent(c, o);
}

}  // namespace wisp::cli
