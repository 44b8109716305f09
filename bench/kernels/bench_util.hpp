// Shared by the kernel micro-benchmarks: deterministic random inputs.
#pragma once
#include <cstdint>
#include <random>

#include "core/tensor.hpp"

namespace wisp::bench {

// A float32 tensor of uniform values in [-1, 1), the same for the same seed.
inline Tensor random_tensor(const Shape& shape, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Tensor t(DType::kF32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.as<float>()[i] = u(rng);
  return t;
}

}  // namespace wisp::bench
