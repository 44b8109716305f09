// Model inputs for `wisp bench`: from --input NAME=FILE.npy, or random with each input's
// declared shape (symbolic dims from --dim, else 1), as `wisp run --random` makes them.
#include <random>

#include "cli_inputs.hpp"
#include "io/npy.hpp"

namespace wisp::cli {

Tensor random_tensor(DType t, const Shape& shape, std::mt19937& rng) {
  Tensor x(t, shape);
  std::uniform_real_distribution<float> uf(0.f, 1.f);
  for (int64_t i = 0; i < x.numel(); ++i) {
    dispatch_dtype(t, "random input", [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_same_v<T, bool>) x.as<bool>()[i] = rng() & 1;
      else if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>)
        x.as<T>()[i] = T(uf(rng));
      else x.as<T>()[i] = static_cast<T>(rng() % 10);
    });
  }
  return x;
}

std::vector<ModelInput> load_or_make_inputs(const Model& model, const std::vector<std::string>& specs,
                                            const std::map<std::string, int64_t>& dims, uint32_t seed) {
  std::map<std::string, Tensor> given;
  for (const std::string& spec : specs) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError{"--input expects NAME=FILE.npy, got '" + spec + "'"};
    given[spec.substr(0, eq)] = read_npy(spec.substr(eq + 1));
  }
  std::mt19937 rng(seed);
  std::vector<ModelInput> out;
  for (const Value* in : model.graph.inputs) {
    auto it = given.find(in->name);
    if (it != given.end()) {
      out.push_back({in->name, it->second, false});
      given.erase(it);
      continue;
    }
    Shape shape;
    for (const SymDim& d : in->shape.value_or(SymShape{})) {
      auto dit = dims.find(d.symbol);
      shape.push_back(d.is_static() ? d.value : dit != dims.end() ? dit->second : 1);
    }
    out.push_back({in->name, random_tensor(in->dtype, shape, rng), true});
  }
  if (!given.empty()) throw UsageError{"the model has no input named '" + given.begin()->first + "'"};
  return out;
}

}  // namespace wisp::cli
