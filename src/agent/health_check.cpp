#include "agent/health_check.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/status.hpp"

namespace wisp::agent {
namespace {

NamedArray to_array(const std::string& name, const Tensor& t) {
  NamedArray a;
  a.name = name;
  for (int64_t d : t.shape()) a.shape.push_back(d);
  a.data.resize(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) a.data[i] = static_cast<float>(element_as_double(t.view(), i));
  return a;
}

}  // namespace

std::vector<ReferenceArrays> reference_arrays(const ServedModel& model) {
  std::vector<ReferenceArrays> r;
  for (const auto& rc : model.metadata().references) {
    ReferenceArrays a;
    for (const auto& [name, t] : rc.inputs) a.inputs.push_back(to_array(name, t));
    for (const auto& [name, t] : rc.outputs) a.outputs.push_back(to_array(name, t));
    r.push_back(std::move(a));
  }
  return r;
}

double median_latency_ms(ModelRunner& runner, const std::vector<NamedArray>& inputs, int runs) {
  runner.run(inputs);  // warm-up: prepare + first-touch
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    runner.run(inputs);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

HealthResult check_health(const std::shared_ptr<const ServedModel>& candidate,
                          const std::shared_ptr<const ServedModel>& serving, const HealthConfig& config,
                          const std::string& abort_on_model) {
  HealthResult h;
  try {
    ModelRunner runner(candidate, abort_on_model);
    const std::vector<ReferenceArrays> refs = reference_arrays(*candidate);
    std::vector<NamedArray> probe;
    if (!refs.empty()) {
      h.had_references = true;
      for (const ReferenceArrays& rc : refs) {
        const std::vector<NamedArray> got = runner.run(rc.inputs);
        ++h.reference_cases;
        if (config.nan_check && has_non_finite(got)) {
          h.reason = str_cat("reference case ", h.reference_cases - 1, ": NaN or Inf in the outputs");
          return h;
        }
        for (const NamedArray& want : rc.outputs) {
          const NamedArray* out = nullptr;
          for (const auto& g : got)
            if (g.name == want.name) out = &g;
          if (!out || out->data.size() != want.data.size()) {
            h.reason = str_cat("reference case ", h.reference_cases - 1, ": output '", want.name,
                               out ? "' has the wrong size" : "' is missing");
            return h;
          }
          int64_t bad = 0;
          for (size_t i = 0; i < want.data.size(); ++i) {
            const double d = std::fabs(static_cast<double>(out->data[i]) - want.data[i]);
            h.max_abs_diff = std::max(h.max_abs_diff, d);
            if (!(d <= config.tolerance + config.tolerance * std::fabs(want.data[i]))) ++bad;
          }
          if (bad > 0) {
            h.reason = str_cat("reference case ", h.reference_cases - 1, ": ", bad, " of ", want.data.size(),
                               " values of output '", want.name, "' differ from the expected outputs (max abs diff ",
                               h.max_abs_diff, ", tolerance ", config.tolerance, ")");
            return h;
          }
        }
      }
      probe = refs.front().inputs;
    } else {
      probe = runner.synthetic_inputs();
      if (config.nan_check && has_non_finite(runner.run(probe))) {
        h.reason = "NaN or Inf in the outputs for the synthetic input";
        return h;
      }
    }
    h.latency_ms = median_latency_ms(runner, probe, 5);
    h.memory_bytes = runner.memory_bytes();
    if (h.latency_ms > config.max_latency_ms) {
      h.reason = str_cat("latency ", h.latency_ms, " ms is over health.max_latency_ms ", config.max_latency_ms);
      return h;
    }
    if (static_cast<double>(h.memory_bytes) > config.max_memory_mb * 1024 * 1024) {
      h.reason = str_cat("memory ", h.memory_bytes, " bytes (arena + weights) is over health.max_memory_mb ",
                         config.max_memory_mb);
      return h;
    }
    if (serving) {
      try {
        ModelRunner base(serving);
        const std::vector<ReferenceArrays> base_refs = reference_arrays(*serving);
        h.baseline_latency_ms =
            median_latency_ms(base, base_refs.empty() ? base.synthetic_inputs() : base_refs.front().inputs, 5);
      } catch (const std::exception&) {
        h.baseline_latency_ms = 0;  // the serving model cannot run the probe: no comparison
      }
      // A floor of 0.01 ms keeps timer noise on tiny models from failing the check.
      if (h.baseline_latency_ms > 0 &&
          h.latency_ms > config.max_latency_ratio * std::max(h.baseline_latency_ms, 0.01)) {
        h.reason = str_cat("latency regression: ", h.latency_ms, " ms vs ", h.baseline_latency_ms,
                           " ms for the serving model (over health.max_latency_ratio ", config.max_latency_ratio, ")");
        return h;
      }
    }
    h.ok = true;
    h.reason = h.had_references ? str_cat(h.reference_cases, " reference case(s) match")
                                : "no reference outputs in the model: latency/memory/NaN checks only";
  } catch (const std::exception& e) {
    h.ok = false;
    h.reason = str_cat("the candidate failed to run: ", e.what());
  }
  return h;
}

}  // namespace wisp::agent
