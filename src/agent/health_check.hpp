// The health check a candidate must pass before it serves (and before shadowing):
//   1. outputs: a .wisp payload's stored reference cases are run and compared with their
//      expected outputs (|got - want| <= tol + tol * |want|). An ONNX payload (or a .wisp
//      without references) has nothing to compare with: it runs on a fixed synthetic input
//      and the result says "no reference outputs: latency/memory/NaN checks only";
//   2. NaN/Inf in any output fails (health.nan_check);
//   3. latency: the median of 5 timed runs (after one warm-up) must be <= max_latency_ms, and
//      when a model is serving, <= max_latency_ratio x that model's median measured the same
//      way at the same time (so machine load affects both sides alike);
//   4. memory: the candidate's arena + weights <= max_memory_mb.
// A crash of the candidate here kills the agent; the trial marker (slot_store.hpp) makes
// the restarted agent reject it.
#pragma once
#include <memory>
#include <string>

#include "agent/agent_config.hpp"
#include "agent/served_model.hpp"

namespace wisp::agent {

struct HealthResult {
  bool ok = false;
  std::string reason;       // why it failed, or notes when it passed
  bool had_references = false;
  int reference_cases = 0;
  double max_abs_diff = 0;
  double latency_ms = 0;           // candidate median
  double baseline_latency_ms = 0;  // serving model median (0: none measured)
  int64_t memory_bytes = 0;
};

HealthResult check_health(const std::shared_ptr<const ServedModel>& candidate,
                          const std::shared_ptr<const ServedModel>& serving, const HealthConfig& config,
                          const std::string& abort_on_model = "");

// Median wall time in ms of `runs` inferences of `inputs` (after one warm-up run).
double median_latency_ms(ModelRunner& runner, const std::vector<NamedArray>& inputs, int runs);

// The reference cases of a .wisp model as API inputs/outputs.
struct ReferenceArrays {
  std::vector<NamedArray> inputs, outputs;
};
std::vector<ReferenceArrays> reference_arrays(const ServedModel& model);

}  // namespace wisp::agent
