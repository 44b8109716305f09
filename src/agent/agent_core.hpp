// AgentCore: the agent's state machine, one instance per process (docs/agent.md).
//
//   no_model/fallback/serving --assignment--> verifying (download + verify into the
//   staging slot) --> health check --fail--> health_failed (old model keeps serving)
//                                     --pass--> shadow (if enabled) --agreement--> switch
//                                                                 --disagreement--> health_failed
//                                     --pass, no shadow--> switch
//   switch: active pointer -> new slot, counter raised, health window starts
//   window: NaN/Inf, error rate, latency ratio, or the agent dying -> rolled_back (old slot)
//
// Threads: the caller's (poll loop: cycle() and tick()), the inference worker (serve()),
// the shadow thread, the API threads. Shared state is behind mutex_; serve() only takes it
// to copy the current model pointer.
#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include "agent/agent_config.hpp"
#include "agent/drift.hpp"
#include "agent/fleet_client.hpp"
#include "agent/health_check.hpp"
#include "agent/service_monitor.hpp"
#include "agent/shadow_runner.hpp"
#include "agent/slot_store.hpp"
#include "agent/telemetry_store.hpp"

namespace wisp::agent {

class AgentCore {
 public:
  explicit AgentCore(AgentConfig config);
  ~AgentCore();

  // Settles the slot store (recover) and picks the model to serve.
  void start();
  // One poll: status, assignment (download / verify / health / shadow / switch), telemetry.
  void cycle();
  // Frequent checks (every ~100 ms): health window, shadow promotion.
  void tick();
  // Telemetry snapshot records (latency histogram, memory, drift, shadow) + upload.
  void flush_telemetry(bool upload);
  // A clean stop: a health window in progress is marked so the restart resumes it
  // instead of counting the stop as a crash.
  void shutdown();

  // The inference worker's backend.
  std::vector<NamedArray> serve(const std::vector<NamedArray>& inputs, std::string& model_label);

  deploy::Json status_json();
  bool healthy(std::string& state);
  std::string first_input_name();
  std::string state();
  std::shared_ptr<const ServedModel> active_model();
  TelemetryStore& telemetry() { return *telemetry_; }
  SlotStore& slots() { return store_; }
  const AgentConfig& config() const { return config_; }

 private:
  void handle_assignment(const Assignment& a);
  void consider_candidate(std::shared_ptr<const ServedModel> candidate, const std::string& slot);
  void promote(std::shared_ptr<const ServedModel> candidate, const std::string& slot, const std::string& why);
  void rollback(const std::string& reason);
  void reject(const std::string& sha256, const std::string& slot, const std::string& state, const std::string& reason);
  void set_serving(std::shared_ptr<const ServedModel> m);
  void event(const std::string& what, const ServedModel* m, const std::string& reason);
  package::OpenOptions open_options(uint64_t min_counter) const;

  AgentConfig config_;
  SlotStore store_;
  std::vector<package::SigningPublicKey> trusted_;
  package::BoxSecretKey box_key_;
  std::unique_ptr<FleetClient> client_;
  std::unique_ptr<TelemetryStore> telemetry_;
  ServiceMonitor monitor_;

  std::mutex mutex_;
  std::shared_ptr<const ServedModel> active_;
  std::shared_ptr<DriftMonitor> drift_;
  std::shared_ptr<ShadowRunner> shadow_;
  std::string shadow_slot_;
  std::string state_ = "no_model";
  std::string reason_;
  // Health window after a switch.
  bool in_window_ = false;
  std::chrono::steady_clock::time_point window_end_;
  double baseline_p50_ms_ = 0;
  std::string last_download_;
  int64_t last_errors_ = 0;
  std::unique_ptr<ModelRunner> worker_runner_;  // used by the inference worker only
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace wisp::agent
