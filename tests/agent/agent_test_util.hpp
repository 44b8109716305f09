// Shared pieces of the agent tests: tiny .wisp models with reference cases (good, wrong
// outputs, slow, NaN on negative inputs), deterministic keys written as key files,
// packages made in-process, an agent config in a temp dir, and a minimal fake fleet server
// (protocol v1 device endpoints only, every request's signature checked).
#pragma once
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agent/agent_config.hpp"
#include "core/sha256.hpp"
#include "core/status.hpp"
#include "deploy/json.hpp"
#include "deploy/request_auth.hpp"
#include "format/wisp_format.hpp"
#include "package/package.hpp"
#include "runtime/session.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp::agent::testing {

using deploy::Json;

inline std::array<uint8_t, 32> seed(uint8_t v) {
  std::array<uint8_t, 32> s{};
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<uint8_t>(v * 13 + 7 * i);
  return s;
}
inline package::SigningSecretKey publisher() { return package::signing_key_from_seed(seed(1)); }
inline package::SigningSecretKey other_publisher() { return package::signing_key_from_seed(seed(2)); }
inline package::BoxSecretKey device_box() { return package::box_key_from_seed(seed(3)); }
inline package::SigningSecretKey device_identity() { return package::signing_key_from_seed(seed(4)); }

enum class ModelKind {
  kGood,      // y = x W + b, references match
  kGoodV2,    // same shape, other weights (top-1 differs on some inputs), references match
  kWrong,     // references were recorded with other weights: the health check must fail
  kSlow,      // same interface, ~400x the work of kGood
  kNanOnNeg,  // y = sqrt(x W + b + 2): fine on the reference input, NaN on large negative ones
};

// A .wisp model: input "x" [1,4] f32, output "y" [1,3], one reference case.
inline std::vector<std::byte> make_wisp(ModelKind kind) {
  auto build = [&](uint32_t weight_seed, bool slow, bool nan) {
    wisp::test::ModelBuilder b;
    Value* x = b.input("x", Shape{1, 4});
    Value* h = x;
    if (slow) {
      h = b.op("MatMul", {h, b.random_constant("w_in", Shape{4, 128})});
      for (int i = 0; i < 100; ++i) h = b.op("MatMul", {h, b.random_constant(str_cat("w", i), Shape{128, 128}, -0.09f, 0.09f)});
      h = b.op("MatMul", {h, b.random_constant("w_out", Shape{128, 4}, -0.09f, 0.09f)});
    }
    Value* w = b.constant("w", Tensor::from<float>({4, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1, 0.5f, 0.5f, 0.5f}));
    // The bias is what differs between versions (top-1 flips for inputs near a tie).
    const Tensor bias = weight_seed == 1 ? Tensor::from<float>({3}, {0.1f, -0.2f, 0.3f})
                        : weight_seed == 2 ? Tensor::from<float>({3}, {0.9f, -0.8f, 0.3f})
                                           : Tensor::from<float>({3}, {5.0f, 5.0f, 5.0f});
    Value* y = b.op("Add", {b.op("MatMul", {h, w}), b.constant("bias", bias)});
    if (nan) y = b.op("Sqrt", {b.op("Add", {y, b.constant("two", Tensor::from<float>({1}, {2.0f}))})});
    b.output(y);
    y->name = "y";
    return b.model();
  };
  const bool slow = kind == ModelKind::kSlow, nan = kind == ModelKind::kNanOnNeg;
  const uint32_t wseed = kind == ModelKind::kGoodV2 ? 2 : 1;
  auto model = build(wseed, slow, nan);
  auto ref_model = kind == ModelKind::kWrong ? build(9, false, false) : model;
  format::Metadata meta;
  format::ReferenceCase rc;
  Tensor in = Tensor::from<float>({1, 4}, {0.5f, 0.25f, 0.75f, 0.1f});
  SessionConfig c;
  Session s(ref_model, c);
  std::vector<Tensor> out = s.run({{"x", in.view()}});
  rc.inputs.emplace_back("x", std::move(in));
  rc.outputs.emplace_back(ref_model->graph.outputs[0]->name, std::move(out[0]));
  meta.references.push_back(std::move(rc));
  meta.histograms.push_back(format::Histogram{"x", 0.0f, 1.0f, {10, 10, 10, 10}});
  return format::serialize_wisp(*model, meta, nullptr);
}

struct PackSpec {
  std::string name = "demo";
  std::string version = "1.0.0";
  uint64_t counter = 1;
  std::string hardware = "testboard";
  int64_t expires_unix = 0;
  bool encrypt = true;
  ModelKind model = ModelKind::kGood;
  const package::SigningSecretKey* signer = nullptr;  // default publisher()
};

inline std::string make_package(const PackSpec& s) {
  const std::vector<std::byte> payload = make_wisp(s.model);
  package::PackOptions o;
  o.name = s.name;
  o.version = s.version;
  o.counter = s.counter;
  o.hardware = s.hardware;
  o.expires_unix = s.expires_unix;
  if (s.encrypt) o.recipients = {device_box().public_key()};
  const package::SigningSecretKey signer = s.signer ? *s.signer : publisher();
  const auto bytes = package::create_package(reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), o, signer);
  return std::string(bytes.begin(), bytes.end());
}

inline std::string temp_dir(const std::string& name) {
  const std::string d = str_cat(::testing::TempDir(), "/wisp_agent_", name, "_", ::getpid());
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

inline void write_text(const std::string& path, const std::string& text, unsigned mode = 0600) {
  std::filesystem::remove(path);
  package::write_new_file(path, text.data(), text.size(), mode);
}

// Key files + config for an agent whose state lives in `dir`.
inline AgentConfig make_config(const std::string& dir, const std::string& server) {
  write_text(dir + "/id.sign.key", package::signing_secret_text(device_identity()));
  write_text(dir + "/dev.box.key", package::box_secret_text(device_box()));
  write_text(dir + "/pub.sign.pub", package::signing_public_text(publisher().public_key()), 0644);
  Json j{{"device_id", "dev-1"},
         {"server", server},
         {"identity_key", dir + "/id.sign.key"},
         {"box_key", dir + "/dev.box.key"},
         {"trust_keys", {dir + "/pub.sign.pub"}},
         {"hardware", "testboard"},
         {"state_dir", dir + "/state"},
         {"poll_interval_s", 0.2},
         {"health", {{"tolerance", 1e-4}, {"max_latency_ms", 2000}, {"max_memory_mb", 64}, {"window_s", 30},
                     {"max_latency_ratio", 5}}},
         {"download", {{"max_bytes", 8 << 20}, {"timeout_s", 5}, {"max_retries", 3}, {"stall_timeout_s", 1}}},
         {"telemetry", {{"db", dir + "/telemetry.db"}, {"quota_mb", 1}, {"upload_interval_s", 1}}}};
  // Also written as a file, for tests that run the `wisp agent` binary.
  std::filesystem::remove(dir + "/config.json");
  const std::string text = j.dump(2);
  package::write_new_file(dir + "/config.json", text.data(), text.size(), 0644);
  return parse_agent_config(j, "test config");
}

// The fleet's device endpoints, enough for the agent: one assignment, packages by id
// (with Range), status and telemetry collected. Every request's signature is checked
// against the device identity key; unsigned or bad ones get 401.
class FakeFleet {
 public:
  FakeFleet() {
    server_.Get("/api/v1/device/assignment", [this](const httplib::Request& req, httplib::Response& res) {
      if (!auth(req, res)) return;
      std::lock_guard<std::mutex> l(mutex_);
      res.set_content(assignment_.dump(), "application/json");
    });
    server_.Get(R"(/api/v1/device/packages/([a-z0-9-]+))", [this](const httplib::Request& req, httplib::Response& res) {
      if (!auth(req, res)) return;
      std::string bytes;
      {
        std::lock_guard<std::mutex> l(mutex_);
        auto it = packages_.find(req.matches[1]);
        if (it == packages_.end()) {
          res.status = 404;
          return;
        }
        bytes = it->second;
        ++downloads_;
        if (req.has_header("Range")) ++ranged_;
      }
      // httplib applies the Range header itself (206 + Content-Range) for set_content.
      res.set_content(bytes, "application/octet-stream");
    });
    server_.Post("/api/v1/device/status", [this](const httplib::Request& req, httplib::Response& res) {
      if (!auth(req, res)) return;
      std::lock_guard<std::mutex> l(mutex_);
      statuses_.push_back(deploy::parse_json(req.body, "status"));
      res.set_content("{}", "application/json");
    });
    server_.Post("/api/v1/device/telemetry", [this](const httplib::Request& req, httplib::Response& res) {
      if (!auth(req, res)) return;
      const Json body = deploy::parse_json(req.body, "telemetry");
      Json accepted = Json::array();
      std::lock_guard<std::mutex> l(mutex_);
      for (const auto& r : body["records"]) {
        const std::string id = r["id"];
        if (telemetry_ids_.insert(id).second) telemetry_.push_back(r);
        accepted.push_back(id);
      }
      res.set_content(Json{{"accepted", accepted}}.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeFleet() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

  // Publishes `bytes` as package `id` and assigns it.
  void assign(const std::string& id, const std::string& bytes, const std::string& name = "demo",
              const std::string& version = "1.0.0", uint64_t counter = 1) {
    std::lock_guard<std::mutex> l(mutex_);
    packages_[id] = bytes;
    assignment_ = Json{{"package_id", id}, {"name", name}, {"version", version}, {"counter", counter},
                       {"size", bytes.size()}, {"sha256", deploy::sha256_hex(bytes)},
                       {"url", "/api/v1/device/packages/" + id}};
  }
  void unassign() {
    std::lock_guard<std::mutex> l(mutex_);
    assignment_ = Json{{"package_id", nullptr}};
  }
  Json last_status() {
    std::lock_guard<std::mutex> l(mutex_);
    return statuses_.empty() ? Json() : statuses_.back();
  }
  std::vector<Json> telemetry() {
    std::lock_guard<std::mutex> l(mutex_);
    return telemetry_;
  }
  int downloads() {
    std::lock_guard<std::mutex> l(mutex_);
    return downloads_;
  }
  int unauthorized() const { return unauthorized_; }
  int ranged() {
    std::lock_guard<std::mutex> l(mutex_);
    return ranged_;
  }

 private:
  bool auth(const httplib::Request& req, httplib::Response& res) {
    deploy::AuthHeaders h{req.get_header_value("X-Wisp-Device"), req.get_header_value("X-Wisp-Time"),
                          req.get_header_value("X-Wisp-Nonce"), req.get_header_value("X-Wisp-Signature")};
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    std::string why = deploy::verify_request(h, device_identity().public_key(), req.method, req.target, req.body, now);
    {
      std::lock_guard<std::mutex> l(mutex_);
      if (why.empty() && !nonces_.insert(h.nonce).second) why = "nonce replayed";
    }
    if (why.empty()) return true;
    ++unauthorized_;
    res.status = 401;
    res.set_content(Json{{"error", why}}.dump(), "application/json");
    return false;
  }
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  Json assignment_ = Json{{"package_id", nullptr}};
  std::map<std::string, std::string> packages_;
  std::vector<Json> statuses_;
  std::vector<Json> telemetry_;
  std::set<std::string> telemetry_ids_, nonces_;
  int downloads_ = 0;
  int ranged_ = 0;  // package requests with a Range header (resumed downloads)
  std::atomic<int> unauthorized_{0};
};

}  // namespace wisp::agent::testing
