// Input drift: the population stability index (PSI) of the live inputs against a
// baseline histogram, per model input.
//
//   PSI = sum_i (a_i - e_i) * ln(a_i / e_i)
// where e_i and a_i are the baseline and live proportions in bin i, each floored at 1e-4
// so an empty bin does not make it infinite. Rules of thumb: < 0.1 stable, 0.1-0.25
// moderate shift, > 0.25 significant shift.
//
// Baseline: the activation histogram the .wisp model stores for that input
// (Metadata::histograms, written by calibration: equal bins over [min, max]). A model
// without one (ONNX, or not calibrated) gets a baseline from the first `warmup_requests`
// requests it serves (equal bins over their [min, max]); the report says which it used.
// Live values outside [min, max] count in the edge bins.
#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "agent/served_model.hpp"

namespace wisp::agent {

double population_stability_index(const std::vector<double>& expected_counts,
                                  const std::vector<double>& actual_counts);

// Equal-width bins over [lo, hi]; values outside go to the edge bins.
void add_to_histogram(std::vector<double>& counts, float lo, float hi, const float* values, size_t n);

class DriftMonitor {
 public:
  explicit DriftMonitor(const ServedModel& model, int64_t warmup_requests = 50, int bins = 20);
  void observe(const std::vector<NamedArray>& inputs);

  struct Report {
    std::string input;
    std::string baseline;  // "model" (stored histogram) or "first_inputs"
    int64_t samples = 0;   // values counted since the last report
    double psi = 0;
  };
  // One report per input with samples since the last call; the live counts restart.
  std::vector<Report> report_and_reset();

 private:
  struct PerInput {
    std::string name;
    std::string baseline_kind;
    float lo = 0, hi = 0;
    std::vector<double> baseline, live;
    int64_t samples = 0;
    std::vector<float> warmup;  // values held until the baseline is made (first_inputs)
  };
  std::mutex mutex_;
  std::vector<PerInput> inputs_;
  int64_t warmup_requests_;
  int64_t requests_ = 0;
  int bins_;
};

}  // namespace wisp::agent
