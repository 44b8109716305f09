// The agent: ties the slot store, downloader, health check, in-service monitor, shadow
// runner, local API and telemetry together (design and state machine: docs/agent.md).
#pragma once
#include <cstdint>
#include <string>

#include "agent/agent_config.hpp"

namespace wisp::agent {

struct RunOptions {
  std::string crash_at;  // hidden test option: SIGKILL at this named point
  int64_t once = 0;      // > 0: run this many poll cycles, then exit (tests, scripts)
};

// Runs until SIGINT/SIGTERM (or `once` cycles). Returns the process exit status.
int run_agent(const AgentConfig& config, const RunOptions& options);

}  // namespace wisp::agent
