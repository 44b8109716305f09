#include "agent/drift.hpp"

#include <algorithm>
#include <cmath>

namespace wisp::agent {

double population_stability_index(const std::vector<double>& expected, const std::vector<double>& actual) {
  double te = 0, ta = 0;
  for (double v : expected) te += v;
  for (double v : actual) ta += v;
  if (te <= 0 || ta <= 0 || expected.size() != actual.size()) return 0;
  double psi = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    const double e = std::max(expected[i] / te, 1e-4), a = std::max(actual[i] / ta, 1e-4);
    psi += (a - e) * std::log(a / e);
  }
  return psi;
}

void add_to_histogram(std::vector<double>& counts, float lo, float hi, const float* values, size_t n) {
  const int bins = static_cast<int>(counts.size());
  if (bins == 0) return;
  const double width = hi > lo ? (static_cast<double>(hi) - lo) / bins : 1.0;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(values[i])) continue;
    int b = static_cast<int>(std::floor((values[i] - lo) / width));
    b = std::clamp(b, 0, bins - 1);
    counts[b] += 1;
  }
}

DriftMonitor::DriftMonitor(const ServedModel& model, int64_t warmup_requests, int bins)
    : warmup_requests_(warmup_requests), bins_(bins) {
  for (const auto& spec : model.inputs()) {
    PerInput p;
    p.name = spec.name;
    for (const auto& h : model.metadata().histograms) {
      if (h.value_name != spec.name || h.counts.empty()) continue;
      p.baseline_kind = "model";
      p.lo = h.min;
      p.hi = h.max;
      p.baseline.assign(h.counts.begin(), h.counts.end());
    }
    if (p.baseline_kind.empty()) p.baseline_kind = "first_inputs";
    p.live.assign(p.baseline_kind == "model" ? p.baseline.size() : static_cast<size_t>(bins_), 0.0);
    inputs_.push_back(std::move(p));
  }
}

void DriftMonitor::observe(const std::vector<NamedArray>& inputs) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_;
  for (const NamedArray& in : inputs) {
    for (PerInput& p : inputs_) {
      if (p.name != in.name) continue;
      if (p.baseline.empty()) {
        // Building the first-inputs baseline (bounded: at most 1M values are held).
        if (p.warmup.size() < (1u << 20)) p.warmup.insert(p.warmup.end(), in.data.begin(), in.data.end());
        if (requests_ >= warmup_requests_ && !p.warmup.empty()) {
          const auto [mn, mx] = std::minmax_element(p.warmup.begin(), p.warmup.end());
          p.lo = *mn;
          p.hi = *mx;
          p.baseline.assign(static_cast<size_t>(bins_), 0.0);
          add_to_histogram(p.baseline, p.lo, p.hi, p.warmup.data(), p.warmup.size());
          p.warmup.clear();
          p.warmup.shrink_to_fit();
        }
        continue;
      }
      add_to_histogram(p.live, p.lo, p.hi, in.data.data(), in.data.size());
      p.samples += static_cast<int64_t>(in.data.size());
    }
  }
}

std::vector<DriftMonitor::Report> DriftMonitor::report_and_reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Report> r;
  for (PerInput& p : inputs_) {
    if (p.samples == 0 || p.baseline.empty()) continue;
    r.push_back({p.name, p.baseline_kind, p.samples, population_stability_index(p.baseline, p.live)});
    std::fill(p.live.begin(), p.live.end(), 0.0);
    p.samples = 0;
  }
  return r;
}

}  // namespace wisp::agent
