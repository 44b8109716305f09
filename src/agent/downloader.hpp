// Downloads an assigned package into the staging slot's part file, resuming with
// `Range: bytes=N-` after a dropped connection or a restart of the agent.
//
// Bounds (DownloadConfig): the assigned size must be <= max_bytes and the server may not
// send more than that size (an endless or lying body is cut off); no byte for
// stall_timeout_s ends an attempt (stalled connection); the whole download, retries
// included, ends at timeout_s (a trickle); at most max_retries retries, with exponential
// backoff (0.2 s doubling, capped at 5 s). When the part file is complete its size and
// sha256 must equal the assignment's, else it is discarded (corrupted) and counted as a
// failed attempt. The package's signature and everything else are verified by the caller
// from the same bytes before anything is activated.
#pragma once
#include <cstdint>
#include <string>

#include "agent/agent_config.hpp"
#include "agent/fleet_client.hpp"
#include "agent/slot_store.hpp"

namespace wisp::agent {

struct DownloadResult {
  bool ok = false;
  std::string error;        // the last attempt's failure (or the reason it gave up)
  int attempts = 0;
  int64_t resumed_from = 0;  // bytes already present when the first attempt started
  int64_t bytes_received = 0;
};

DownloadResult download_package(FleetClient& client, SlotStore& store, const std::string& slot, const Assignment& a,
                                const DownloadConfig& config);

}  // namespace wisp::agent
