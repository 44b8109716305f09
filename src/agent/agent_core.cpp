#include "agent/agent_core.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "agent/downloader.hpp"
#include "agent/inference_service.hpp"
#include "agent/file_util.hpp"
#include "core/status.hpp"
#include "deploy/request_auth.hpp"
#include "package/package_error.hpp"

namespace wisp::agent {
namespace {

using deploy::Json;
using Clock = std::chrono::steady_clock;

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int64_t rss_bytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  long pages = 0, resident = 0;
  const int n = std::fscanf(f, "%ld %ld", &pages, &resident);
  std::fclose(f);
  return n == 2 ? static_cast<int64_t>(resident) * ::sysconf(_SC_PAGESIZE) : 0;
}

Json identity_json(const ServedModel* m) {
  if (!m) return nullptr;
  return Json{{"name", m->identity().name}, {"version", m->identity().version}, {"counter", m->identity().counter}};
}

std::string describe(const std::exception& e) {
  if (const auto* p = dynamic_cast<const package::PackageError*>(&e))
    return str_cat(package::package_error_kind_name(p->kind()), ": ", e.what());
  return e.what();
}

}  // namespace

AgentCore::AgentCore(AgentConfig config) : config_(std::move(config)), store_(config_.state_dir) {
  for (const std::string& p : config_.trust_keys) trusted_.push_back(package::read_signing_public_file(p));
  box_key_ = package::read_box_secret_file(config_.box_key);
  client_ = std::make_unique<FleetClient>(config_.server, config_.device_id,
                                          package::read_signing_secret_file(config_.identity_key));
  const std::filesystem::path db(config_.telemetry.db);
  if (db.has_parent_path()) make_dirs(db.parent_path().string());
  telemetry_ = std::make_unique<TelemetryStore>(config_.telemetry.db, config_.telemetry.quota_mb);
}

AgentCore::~AgentCore() = default;

package::OpenOptions AgentCore::open_options(uint64_t min_counter) const {
  package::OpenOptions o;
  o.trusted = trusted_;
  o.device_key = box_key_;
  o.hardware = config_.hardware;
  o.min_counter = min_counter;
  return o;
}

void AgentCore::start() {
  const Recovery r = recover(store_, open_options(0), config_.fallback_model, config_.test_abort_on_model);
  set_serving(r.model);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    state_ = r.state;
    reason_ = r.reason;
    if (r.resume_window) {
      in_window_ = true;
      window_end_ = Clock::now() + std::chrono::seconds(config_.health.window_s);
    }
  }
  event("start", r.model.get(), r.reason);
}

void AgentCore::shutdown() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!in_window_ || !active_) return;
  store_.begin_trial({store_.active_slot(), active_->identity().sha256, "window-stopped", unix_now()});
}

void AgentCore::set_serving(std::shared_ptr<const ServedModel> m) {
  std::lock_guard<std::mutex> lock(mutex_);
  active_ = std::move(m);
  drift_ = active_ ? std::make_shared<DriftMonitor>(*active_) : nullptr;
  monitor_.reset();
  last_errors_ = 0;
}

void AgentCore::event(const std::string& what, const ServedModel* m, const std::string& reason) {
  Json d{{"event", what}, {"reason", reason}, {"state", state()}};
  if (m) d["model"] = identity_json(m);
  try {
    telemetry_->add("version", d);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wisp agent: cannot store telemetry: %s\n", e.what());
  }
  std::fprintf(stderr, "wisp agent: %s%s%s%s\n", what.c_str(), m ? (" " + m->label()).c_str() : "",
               reason.empty() ? "" : ": ", reason.c_str());
}

std::string AgentCore::state() {
  std::lock_guard<std::mutex> lock(mutex_);
  return state_;
}

std::shared_ptr<const ServedModel> AgentCore::active_model() {
  std::lock_guard<std::mutex> lock(mutex_);
  return active_;
}

std::string AgentCore::first_input_name() {
  const auto m = active_model();
  return m && !m->inputs().empty() ? m->inputs()[0].name : "";
}

bool AgentCore::healthy(std::string& state) {
  std::lock_guard<std::mutex> lock(mutex_);
  state = state_;
  return active_ != nullptr;
}

std::vector<NamedArray> AgentCore::serve(const std::vector<NamedArray>& inputs, std::string& model_label) {
  std::shared_ptr<const ServedModel> m;
  std::shared_ptr<DriftMonitor> drift;
  std::shared_ptr<ShadowRunner> shadow;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    m = active_;
    drift = drift_;
    shadow = shadow_;
    if (!m) throw NoModelError("no model to serve (state " + state_ + "): " + reason_);
  }
  if (!worker_runner_ || worker_runner_->shared_model() != m)
    worker_runner_ = std::make_unique<ModelRunner>(m, config_.test_abort_on_model);
  model_label = m->label();
  const auto t0 = Clock::now();
  std::vector<NamedArray> out;
  try {
    out = worker_runner_->run(inputs);
  } catch (const std::exception& e) {
    monitor_.record(0, false, false);
    monitor_.set_last_error(e.what());
    throw;
  }
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  const bool non_finite = has_non_finite(out);
  monitor_.record(ms, true, non_finite);
  if (drift) drift->observe(inputs);
  if (shadow && std::uniform_real_distribution<double>(0, 1)(rng_) < config_.shadow.sample_rate)
    shadow->offer(inputs, out);
  if (non_finite && config_.health.nan_check) {
    monitor_.set_last_error("NaN/Inf in the outputs");
    fail(ErrorCode::kInternal, "the model ", m->label(), " produced NaN/Inf outputs");
  }
  return out;
}

void AgentCore::cycle() {
  try {
    client_->post_status(status_json());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wisp agent: status report failed: %s\n", e.what());
  }
  Assignment a;
  try {
    a = client_->get_assignment();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wisp agent: no assignment from the fleet: %s\n", e.what());
    return;
  }
  try {
    handle_assignment(a);
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    reason_ = str_cat("update of ", a.name, " ", a.version, " failed: ", e.what());
    std::fprintf(stderr, "wisp agent: %s\n", reason_.c_str());
  }
}

void AgentCore::reject(const std::string& sha256, const std::string& slot, const std::string& state,
                       const std::string& reason) {
  if (!sha256.empty()) store_.reject(sha256, reason);
  if (!slot.empty() && slot != store_.active_slot()) remove_file(store_.package_path(slot));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    state_ = state;
    reason_ = reason;
  }
  event("rejected", nullptr, reason);
}

void AgentCore::handle_assignment(const Assignment& a) {
  if (!a.package_id) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (active_ && active_->identity().sha256 == a.sha256) return;
    if (shadow_ && shadow_->candidate()->identity().sha256 == a.sha256) return;
  }
  bool window, shadowing;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    window = in_window_;
    shadowing = shadow_ != nullptr;
  }
  const std::string other = SlotStore::other(store_.active_slot());
  if (window && store_.has_package(other) && deploy::sha256_hex(read_file(store_.package_path(other))) == a.sha256) {
    // The fleet halted the rollout and assigns the previous release: go back to it now.
    rollback("the fleet assigned the previous release " + a.name + " " + a.version + " again");
    return;
  }
  // During a health window the other slot holds the rollback target, and during shadow
  // the candidate: a newer assignment waits until they are settled.
  if (window || shadowing) return;
  if (store_.rejected().count(a.sha256)) return;  // refused before; the status says why
  const std::string slot = store_.staging_slot();
  // Already in the staging slot: the previous model (the fleet rolled back) or a download
  // that completed before the agent was killed. It was admitted (counter included) then.
  if (store_.has_package(slot) && deploy::sha256_hex(read_file(store_.package_path(slot))) == a.sha256) {
    std::shared_ptr<const ServedModel> cand;
    try {
      cand = load_slot(store_, slot, open_options(0));
    } catch (const std::exception& e) {
      reject(a.sha256, slot, "health_failed", "verification failed: " + describe(e));
      return;
    }
    consider_candidate(cand, slot);
    return;
  }
  const uint64_t installed = store_.min_counter();
  if (a.counter <= installed) {
    reject(a.sha256, "", "health_failed",
           str_cat("refused ", a.name, " ", a.version, ": counter ", a.counter, " is not above the installed counter ",
                   installed, " (rollback)"));
    return;
  }
  std::string prior;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    prior = state_;
    state_ = "verifying";
    reason_ = str_cat("downloading ", a.name, " ", a.version, " into slot ", slot);
  }
  const DownloadResult d = download_package(*client_, store_, slot, a, config_.download);
  last_download_ = str_cat(a.name, " ", a.version, ": ", d.ok ? "ok" : "failed", ", ", d.attempts, " attempt(s), ",
                           d.bytes_received, " bytes received, resumed from ", d.resumed_from);
  if (!d.ok) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      state_ = prior;
      reason_ = str_cat("download of ", a.name, " ", a.version, " failed: ", d.error, " [", last_download_, "]");
    }
    event("download_failed", nullptr, d.error);
    return;
  }
  std::shared_ptr<const ServedModel> cand;
  try {
    // The same bytes are verified here and later loaded from the slot: nothing else writes it.
    cand = ServedModel::from_package(read_file(store_.part_path(slot)), open_options(installed + 1), slot);
  } catch (const std::exception& e) {
    store_.discard_part(slot);
    reject(a.sha256, "", "health_failed", "verification failed: " + describe(e));
    return;
  }
  crash_point("verified");
  store_.commit_part(slot);
  consider_candidate(cand, slot);
}

void AgentCore::consider_candidate(std::shared_ptr<const ServedModel> cand, const std::string& slot) {
  const std::string sha = cand->identity().sha256;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    state_ = "verifying";
    reason_ = "health check of " + cand->label();
  }
  store_.begin_trial({slot, sha, "health", unix_now()});
  crash_point("health-begin");
  const HealthResult h = check_health(cand, active_model(), config_.health, config_.test_abort_on_model);
  store_.end_trial();
  if (!h.ok) {
    reject(sha, slot, "health_failed", str_cat("health check of ", cand->label(), " failed: ", h.reason));
    return;
  }
  const std::string why = str_cat("health check passed (", h.reason, "; ", h.latency_ms, " ms vs ",
                                  h.baseline_latency_ms, " ms serving; ", h.memory_bytes, " bytes)");
  if (config_.shadow.enabled && active_model()) {
    store_.begin_trial({slot, sha, "shadow", unix_now()});
    std::lock_guard<std::mutex> lock(mutex_);
    shadow_ = std::make_shared<ShadowRunner>(cand, config_.test_abort_on_model);
    shadow_slot_ = slot;
    state_ = "shadow";
    reason_ = why + "; shadowing on live inputs";
    return;
  }
  promote(cand, slot, why);
}

void AgentCore::promote(std::shared_ptr<const ServedModel> cand, const std::string& slot, const std::string& why) {
  const std::shared_ptr<const ServedModel> prev = active_model();
  const bool has_previous = prev && prev->identity().source != "fallback" && store_.has_package(SlotStore::other(slot));
  const ServiceMonitor::Snapshot s = monitor_.snapshot();
  const double baseline = s.requests - s.errors >= 8 ? s.p50 : 0;
  const bool window = config_.health.window_s > 0 && has_previous;
  if (window) store_.begin_trial({slot, cand->identity().sha256, "window", unix_now()});
  store_.raise_min_counter(cand->identity().counter);
  crash_point("promote-before-switch");
  store_.set_active(slot);
  set_serving(cand);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    in_window_ = window;
    window_end_ = Clock::now() + std::chrono::seconds(config_.health.window_s);
    baseline_p50_ms_ = baseline;
    state_ = "serving";
    reason_ = why;
  }
  event("activated", cand.get(), why);
}

void AgentCore::rollback(const std::string& why) {
  const std::shared_ptr<const ServedModel> bad = active_model();
  const std::string bad_slot = store_.active_slot();
  const std::string prev_slot = SlotStore::other(bad_slot);
  std::shared_ptr<const ServedModel> prev;
  std::string state = "rolled_back";
  std::string reason = str_cat("rolled back from ", bad ? bad->label() : std::string("?"), ": ", why);
  try {
    prev = load_slot(store_, prev_slot, open_options(0));
    store_.set_active(prev_slot);
  } catch (const std::exception& e) {
    reason += str_cat("; the previous slot failed verification (", describe(e), ")");
    if (config_.fallback_model) {
      try {
        prev = ServedModel::from_file(*config_.fallback_model);
        state = "fallback";
      } catch (const std::exception& e2) {
        reason += str_cat("; the fallback model failed to load: ", e2.what());
      }
    }
    if (!prev) state = "no_model";
  }
  if (bad && !bad->identity().sha256.empty()) store_.reject(bad->identity().sha256, reason);
  if (prev && prev->identity().source == prev_slot) remove_file(store_.package_path(bad_slot));
  store_.end_trial();
  set_serving(prev);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    in_window_ = false;
    state_ = state;
    reason_ = reason;
  }
  event("rolled_back", prev.get(), reason);
}

void AgentCore::tick() {
  bool window;
  double baseline;
  Clock::time_point end;
  std::shared_ptr<ShadowRunner> shadow;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    window = in_window_;
    baseline = baseline_p50_ms_;
    end = window_end_;
    shadow = shadow_;
  }
  if (window) {
    const ServiceMonitor::Snapshot s = monitor_.snapshot();
    const HealthConfig& h = config_.health;
    if (h.nan_check && s.non_finite > 0) {
      rollback(str_cat("NaN/Inf outputs in service (", s.non_finite, " of ", s.requests, " requests)"));
    } else if (s.requests >= 4 && s.errors * 2 > s.requests) {
      rollback(str_cat("error rate ", s.errors, "/", s.requests, " in service (last: ", s.last_error, ")"));
    } else if (baseline > 0 && s.requests - s.errors >= 8 && s.p50 > h.max_latency_ratio * baseline) {
      rollback(str_cat("latency regression in service: p50 ", s.p50, " ms vs ", baseline,
                       " ms before the switch (over max_latency_ratio ", h.max_latency_ratio, ")"));
    } else if (Clock::now() >= end) {
      store_.end_trial();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        in_window_ = false;
      }
      event("window_passed", active_model().get(), "");
    }
  }
  if (shadow) {
    const ShadowStats st = shadow->stats();
    const ShadowConfig& c = config_.shadow;
    if (st.samples >= std::max<int64_t>(c.min_samples, 1)) {
      std::string slot;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        shadow_.reset();
        slot = shadow_slot_;
      }
      store_.end_trial();
      const std::string stats = str_cat("shadow top-1 agreement ", st.top1_agreement(), " over ", st.samples,
                                        " samples, mean abs diff ", st.mean_abs_diff());
      telemetry_->add("shadow", Json{{"model", identity_json(shadow->candidate().get())},
                                     {"samples", st.samples},
                                     {"top1_agreement", st.top1_agreement()},
                                     {"mean_abs_diff", st.mean_abs_diff()},
                                     {"final", true}});
      if (st.top1_agreement() >= c.min_agreement)
        promote(shadow->candidate(), slot, stats);
      else
        reject(shadow->candidate()->identity().sha256, slot, "health_failed",
               str_cat(stats, " is below shadow.min_agreement ", c.min_agreement));
    }
  }
}

Json AgentCore::status_json() {
  const ServiceMonitor::Snapshot s = monitor_.snapshot();
  std::lock_guard<std::mutex> lock(mutex_);
  Json j{{"active", identity_json(active_.get())},
         {"candidate", shadow_ ? identity_json(shadow_->candidate().get()) : Json(nullptr)},
         {"state", state_},
         {"reason", reason_},
         {"shadow", nullptr},
         {"latency_ms_p50", s.p50},
         {"latency_ms_p99", s.p99},
         {"error_rate", s.requests ? static_cast<double>(s.errors) / s.requests : 0.0},
         {"memory_bytes", rss_bytes()},
         {"slot", store_.active_slot()},
         {"download", last_download_}};
  if (shadow_) {
    const ShadowStats st = shadow_->stats();
    j["shadow"] = Json{{"samples", st.samples}, {"top1_agreement", st.top1_agreement()}, {"mean_abs_diff", st.mean_abs_diff()}};
  }
  return j;
}

void AgentCore::flush_telemetry(bool upload) {
  try {
    std::shared_ptr<const ServedModel> m;
    std::shared_ptr<DriftMonitor> drift;
    std::shared_ptr<ShadowRunner> shadow;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      m = active_;
      drift = drift_;
      shadow = shadow_;
    }
    const std::string label = m ? m->label() : "none";
    const Json hist = monitor_.take_histogram(label);
    if (hist["count"].get<int64_t>() > 0) telemetry_->add("latency_hist", hist);
    const ServiceMonitor::Snapshot s = monitor_.snapshot();
    if (s.errors > last_errors_) {
      telemetry_->add("error", Json{{"model", label}, {"count", s.errors - last_errors_}, {"last", s.last_error}});
      last_errors_ = s.errors;
    }
    telemetry_->add("memory", Json{{"rss_bytes", rss_bytes()}, {"model", label}});
    if (drift)
      for (const auto& r : drift->report_and_reset())
        telemetry_->add("drift", Json{{"model", label}, {"input", r.input}, {"psi", r.psi}, {"samples", r.samples},
                                      {"baseline", r.baseline}});
    if (shadow) {
      const ShadowStats st = shadow->stats();
      telemetry_->add("shadow", Json{{"model", identity_json(shadow->candidate().get())},
                                     {"samples", st.samples},
                                     {"top1_agreement", st.top1_agreement()},
                                     {"mean_abs_diff", st.mean_abs_diff()}});
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wisp agent: telemetry snapshot failed: %s\n", e.what());
  }
  if (!upload) return;
  for (int batch = 0; batch < 20; ++batch) {
    const std::vector<TelemetryRecord> recs = telemetry_->oldest(100);
    if (recs.empty()) return;
    Json arr = Json::array();
    for (const auto& r : recs) arr.push_back(Json{{"id", r.id}, {"time", r.time}, {"kind", r.kind}, {"data", r.data}});
    std::vector<std::string> accepted;
    try {
      accepted = client_->post_telemetry(arr);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "wisp agent: telemetry upload failed (kept for later): %s\n", e.what());
      return;
    }
    telemetry_->remove(accepted);
    if (accepted.size() < recs.size()) return;
  }
}

}  // namespace wisp::agent
