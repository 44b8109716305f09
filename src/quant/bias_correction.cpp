#include "quant/bias_correction.hpp"

#include <cmath>

namespace wisp::quant {

bool correct_bias(Graph& g, Node& node, const Tensor& dq, const std::vector<double>& mean) {
  const Tensor& w = *node.inputs[1]->constant;
  const Shape& s = w.shape();
  std::vector<double> delta;
  if (node.op_type == "Conv") {
    const int64_t cout = s[0], cin_pg = s[1], k = s.numel(2, s.rank());
    const int64_t group = node.attrs.get_int("group", 1);
    if (group <= 0 || cout % group || static_cast<int64_t>(mean.size()) != cin_pg * group) return false;
    const int64_t cout_pg = cout / group;
    delta.assign(static_cast<size_t>(cout), 0.0);
    for (int64_t o = 0; o < cout; ++o)
      for (int64_t ci = 0; ci < cin_pg; ++ci) {
        const double m = mean[static_cast<size_t>((o / cout_pg) * cin_pg + ci)];
        for (int64_t i = 0; i < k; ++i) {
          const int64_t at = (o * cin_pg + ci) * k + i;
          delta[static_cast<size_t>(o)] += (double(w.as<float>()[at]) - double(dq.as<float>()[at])) * m;
        }
      }
  } else if (node.op_type == "Gemm") {
    const bool trans_b = node.attrs.get_int("transB", 0) != 0;
    const int64_t kdim = trans_b ? s[1] : s[0], n = trans_b ? s[0] : s[1];
    const double alpha = node.attrs.get_float("alpha", 1.0f), beta = node.attrs.get_float("beta", 1.0f);
    if (static_cast<int64_t>(mean.size()) != kdim || beta == 0) return false;
    delta.assign(static_cast<size_t>(n), 0.0);
    for (int64_t kk = 0; kk < kdim; ++kk)
      for (int64_t j = 0; j < n; ++j) {
        const int64_t at = trans_b ? j * kdim + kk : kk * n + j;
        delta[static_cast<size_t>(j)] +=
            alpha / beta * (double(w.as<float>()[at]) - double(dq.as<float>()[at])) * mean[static_cast<size_t>(kk)];
      }
  } else {
    return false;  // MatMul has no bias input to fold into
  }
  Tensor bias(DType::kF32, Shape{static_cast<int64_t>(delta.size())});
  if (node.has_input(2)) {
    if (!node.inputs[2]->is_constant()) return false;
    const Tensor& old = *node.inputs[2]->constant;
    if (old.dtype() != DType::kF32 || old.numel() != bias.numel()) return false;
    for (int64_t i = 0; i < bias.numel(); ++i) bias.as<float>()[i] = old.as<float>()[i];
  }
  for (size_t i = 0; i < delta.size(); ++i) bias.as<float>()[i] = float(bias.as<float>()[i] + delta[i]);
  const std::string name = node.has_input(2) ? node.inputs[2]->name + "_corrected" : node.name + "_bias";
  Value* b = g.add_constant(g.unique_name(name), std::move(bias));
  if (node.inputs.size() < 3) node.inputs.resize(3, nullptr);
  node.inputs[2] = b;
  return true;
}

}  // namespace wisp::quant
