#include "verify/model_eval.hpp"

#include <algorithm>
#include <chrono>

#include "core/status.hpp"
#include "runtime/session.hpp"

namespace wisp::verify {

ModelEvaluation evaluate_model(std::shared_ptr<const Model> model, const Tensor& data, const Tensor* labels,
                               const BatchOptions& options, int latency_runs) {
  ModelEvaluation e;
  e.samples = run_batches(model, data, options, [&](int64_t, int64_t, const std::vector<Tensor>& outs) {
    for (int64_t c : argmax_rows(outs.at(0))) e.predictions.push_back(c);
  });
  if (labels != nullptr) {
    WISP_CHECK(labels->numel() >= e.samples, ErrorCode::kInvalidArgument, "there are ", labels->numel(),
               " labels for ", e.samples, " samples");
    int64_t hits = 0;
    for (int64_t i = 0; i < e.samples; ++i) hits += e.predictions[static_cast<size_t>(i)] == labels->scalar_as_int(i);
    e.top1 = 100.0 * double(hits) / double(std::max<int64_t>(e.samples, 1));
  }
  if (latency_runs > 0) {
    BatchOptions one = options;
    one.batch = 1;
    BatchFeeder feeder(*model, data, one);
    Session session(std::move(model), session_config(one));
    const auto feed = feeder.feed(0);
    session.run_in_place(feed);  // warm-up: prepare, first touch of the arena
    std::vector<double> ms;
    for (int r = 0; r < latency_runs; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      session.run_in_place(feed);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::nth_element(ms.begin(), ms.begin() + static_cast<std::ptrdiff_t>(ms.size() / 2), ms.end());
    e.latency_ms_median = ms[ms.size() / 2];
  }
  return e;
}

double agreement_percent(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  const size_t n = std::min(a.size(), b.size());
  if (n == 0) return 0;
  size_t same = 0;
  for (size_t i = 0; i < n; ++i) same += a[i] == b[i];
  return 100.0 * double(same) / double(n);
}

}  // namespace wisp::verify
