// Health check from the reference cases stored in a .wisp (`wisp convert --reference-input`):
// run each case's inputs and compare with its stored outputs, as a device does after an
// update before switching to the new model.
#include <cmath>

#include "core/status.hpp"
#include "format/wisp_format.hpp"
#include "runtime/session.hpp"

namespace wisp::format {

ReferenceCheck check_references(const LoadedWisp& w, double rtol, double atol, int threads) {
  ReferenceCheck r;
  SessionConfig config;
  config.default_symbolic_dim = 1;
  config.threads = threads;
  Session session(w.model, config);
  for (size_t c = 0; c < w.metadata.references.size(); ++c) {
    const ReferenceCase& rc = w.metadata.references[c];
    std::vector<NamedTensorView> feeds;
    for (const auto& [name, t] : rc.inputs) feeds.push_back({name, t.view()});
    const std::vector<Tensor> outs = session.run(feeds);
    ++r.cases;
    for (const auto& [name, expected] : rc.outputs) {
      const std::string where = str_cat("reference case ", c, ", output '", name, "'");
      size_t k = 0;
      while (k < w.model->graph.outputs.size() && w.model->graph.outputs[k]->name != name) ++k;
      if (k == outs.size()) {
        r.failures.push_back(str_cat(where, ": the model has no such output"));
        continue;
      }
      const Tensor& got = outs[k];
      if (got.dtype() != expected.dtype() || !(got.shape() == expected.shape())) {
        r.failures.push_back(str_cat(where, ": got ", dtype_name(got.dtype()), " ", got.shape().str(), ", expected ",
                                     dtype_name(expected.dtype()), " ", expected.shape().str()));
        continue;
      }
      int64_t bad = 0, first_bad = -1;
      for (int64_t i = 0; i < got.numel(); ++i) {
        const double a = element_as_double(got.view(), i), b = element_as_double(expected.view(), i);
        const double d = std::fabs(a - b);
        if (std::isnan(a) && std::isnan(b)) continue;
        if (!(d <= atol + rtol * std::fabs(b))) {
          if (first_bad < 0) first_bad = i;
          ++bad;
        }
        if (d > r.max_abs_diff) r.max_abs_diff = d;
      }
      if (bad > 0)
        r.failures.push_back(str_cat(where, ": ", bad, " of ", got.numel(), " elements differ (first at ", first_bad,
                                     ": got ", element_as_double(got.view(), first_bad), ", expected ",
                                     element_as_double(expected.view(), first_bad), ")"));
    }
  }
  return r;
}

}  // namespace wisp::format
