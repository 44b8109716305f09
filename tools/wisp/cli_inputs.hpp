// Model inputs from .npy files or random values (shared by sub-commands that run models).
#pragma once
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "cli.hpp"
#include "core/tensor.hpp"
#include "ir/graph.hpp"

namespace wisp::cli {

struct ModelInput {
  std::string name;
  Tensor tensor;
  bool random = false;
};

// Floats uniform in [0,1), integers in [0,10), bools 0/1.
Tensor random_tensor(DType t, const Shape& shape, std::mt19937& rng);

// One tensor per graph input, in graph order: read from `specs` (NAME=FILE.npy) where
// given, random otherwise. Throws UsageError for a malformed spec or an unknown name.
std::vector<ModelInput> load_or_make_inputs(const Model& model, const std::vector<std::string>& specs,
                                            const std::map<std::string, int64_t>& dims, uint32_t seed);

}  // namespace wisp::cli
