// The local inference API and its bounded queue: JSON and raw bodies over TCP and the Unix
// socket, queue full -> 503 at once, deadline -> 504 at the deadline, bad input -> 400,
// no model -> 503 with the reason; health and status endpoints.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <future>

#include "agent/inference_service.hpp"
#include "agent/local_api.hpp"
#include "agent_test_util.hpp"
#include "wisp/error.hpp"

namespace wisp::agent {
namespace {

using deploy::Json;
using Clock = std::chrono::steady_clock;

// A backend that doubles its input, and blocks while `hold` is set.
struct FakeBackend {
  std::mutex m;
  std::condition_variable cv;
  bool hold = false;
  std::atomic<int> started{0};
  bool no_model = false;
  std::vector<NamedArray> operator()(const std::vector<NamedArray>& in, std::string& label) {
    ++started;
    std::unique_lock<std::mutex> l(m);
    cv.wait_for(l, std::chrono::seconds(10), [&] { return !hold; });
    if (no_model) throw NoModelError("no model to serve (state no_model): nothing installed");
    if (in.empty() || in[0].name != "x") fail(ErrorCode::kInvalidArgument, "the model has no input '", in.empty() ? "" : in[0].name, "'");
    label = "fake 1.0";
    NamedArray out{"y", in[0].shape, in[0].data};
    for (float& v : out.data) v *= 2;
    return {out};
  }
  void release() {
    {
      std::lock_guard<std::mutex> l(m);
      hold = false;
    }
    cv.notify_all();
  }
};

std::string unix_request(const std::string& path, const std::string& request) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strcpy(a.sun_path, path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "";
  }
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

struct ApiTest : ::testing::Test {
  FakeBackend backend;
  std::unique_ptr<InferenceService> service;
  std::unique_ptr<LocalApi> api;
  int port = 0;
  std::string sock = testing::temp_dir("api") + "/agent.sock";
  void start(size_t depth) {
    service = std::make_unique<InferenceService>(depth, [this](const auto& in, std::string& l) { return backend(in, l); });
    LocalApiHooks h;
    h.service = service.get();
    h.status = [] { return Json{{"state", "serving"}}; };
    h.healthy = [](std::string& s) {
      s = "serving";
      return true;
    };
    h.first_input_name = [] { return std::string("x"); };
    h.default_deadline_ms = 2000;
    api = std::make_unique<LocalApi>(h);
    port = api->start(-1, sock);
    ASSERT_GT(port, 0);
  }
  void TearDown() override {
    backend.release();
    if (api) api->stop();
  }
};

TEST_F(ApiTest, JsonAndRawInferenceOverTcpAndUnixSocket) {
  start(4);
  httplib::Client c("127.0.0.1", port);
  auto r = c.Post("/v1/infer", R"({"inputs":{"x":{"shape":[1,3],"data":[1,2.5,-4]}}})", "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  Json j = Json::parse(r->body);
  EXPECT_EQ(j["outputs"]["y"]["shape"], Json::array({1, 3}));
  EXPECT_EQ(j["outputs"]["y"]["data"], Json::array({2.0, 5.0, -8.0}));
  EXPECT_EQ(j["model"], "fake 1.0");
  // Raw float32 in, raw float32 out.
  const float in[4] = {1, 2, 3, 4};
  httplib::Headers h = {{"X-Wisp-Shape", "2,2"}, {"Accept", "application/octet-stream"}};
  r = c.Post("/v1/infer", h, std::string(reinterpret_cast<const char*>(in), sizeof in), "application/octet-stream");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("X-Wisp-Shape"), "2,2");
  ASSERT_EQ(r->body.size(), 16u);
  float out[4];
  std::memcpy(out, r->body.data(), 16);
  EXPECT_EQ(out[3], 8.0f);
  // Same routes over the Unix socket.
  const std::string body = R"({"inputs":{"x":{"shape":[2],"data":[3,4]}}})";
  const std::string resp = unix_request(sock, "POST /v1/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                              "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  EXPECT_EQ(resp.rfind("HTTP/1.1 200", 0), 0u) << resp;
  EXPECT_NE(resp.find(R"("data":[6.0,8.0])"), std::string::npos) << resp;
  const std::string health = unix_request(sock, "GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(health.find(R"("ok":true)"), std::string::npos) << health;
  r = c.Get("/v1/status");
  ASSERT_TRUE(r);
  EXPECT_EQ(Json::parse(r->body)["state"], "serving");
}

TEST_F(ApiTest, BadInputsAre400) {
  start(4);
  httplib::Client c("127.0.0.1", port);
  auto r = c.Post("/v1/infer", R"({"inputs":{"x":{"shape":[2,2],"data":[1,2,3]}}})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("shape needs 4 values, got 3"), std::string::npos) << r->body;
  r = c.Post("/v1/infer", "{not json", "application/json");
  EXPECT_EQ(r->status, 400);
  r = c.Post("/v1/infer", R"({"inputs":{"z":{"shape":[1],"data":[1]}}})", "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("no input 'z'"), std::string::npos) << r->body;
  httplib::Headers h = {{"X-Wisp-Shape", "3"}};
  r = c.Post("/v1/infer", h, std::string(8, '\0'), "application/octet-stream");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("needs 3 float32 values"), std::string::npos) << r->body;
}

TEST_F(ApiTest, QueueFullIs503AtOnceAndDeadlineIs504AtTheDeadline) {
  start(1);
  backend.hold = true;
  const std::string body = R"({"inputs":{"x":{"shape":[1],"data":[1]}}})";
  // A occupies the worker, B fills the one queue slot.
  auto a = std::async(std::launch::async, [&] { return httplib::Client("127.0.0.1", port).Post("/v1/infer", body, "application/json")->status; });
  for (int i = 0; i < 500 && backend.started == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(backend.started, 1);
  auto b = std::async(std::launch::async, [&] { return httplib::Client("127.0.0.1", port).Post("/v1/infer", body, "application/json")->status; });
  for (int i = 0; i < 500 && service->queued() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(service->queued(), 1u);
  httplib::Client c("127.0.0.1", port);
  auto t0 = Clock::now();
  auto r = c.Post("/v1/infer", body, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("queue is full"), std::string::npos);
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 1.0);  // fails fast, not after A
  EXPECT_EQ(service->rejected_full(), 1);
  backend.release();
  EXPECT_EQ(a.get(), 200);
  EXPECT_EQ(b.get(), 200);
  // Deadline: the worker is held, a 150 ms request answers 504 after ~150 ms.
  backend.hold = true;
  auto held = std::async(std::launch::async, [&] { return httplib::Client("127.0.0.1", port).Post("/v1/infer", body, "application/json")->status; });
  for (int i = 0; i < 500 && backend.started < 4; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  httplib::Headers h = {{"X-Wisp-Deadline-Ms", "150"}};
  t0 = Clock::now();
  r = c.Post("/v1/infer", h, body, "application/json");
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 504);
  EXPECT_NE(r->body.find("deadline of 150 ms"), std::string::npos);
  EXPECT_GE(s, 0.14);
  EXPECT_LT(s, 2.0);
  backend.release();
  EXPECT_EQ(held.get(), 200);
  EXPECT_EQ(service->timed_out(), 1);
}

TEST_F(ApiTest, NoModelIs503WithTheReason) {
  start(2);
  backend.no_model = true;
  httplib::Client c("127.0.0.1", port);
  auto r = c.Post("/v1/infer", R"({"inputs":{"x":{"shape":[1],"data":[1]}}})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("nothing installed"), std::string::npos) << r->body;
}

}  // namespace
}  // namespace wisp::agent
