// Static cost figures of a prepared model, for `wisp inspect` and `wisp bench`.
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include "runtime/session.hpp"

namespace wisp {

struct ModelStats {
  std::map<std::string, int> op_histogram;  // op type -> node count (as imported)
  int64_t parameters = 0;                   // elements of floating/integer initializers
  int64_t initializer_bytes = 0;
  int64_t macs = 0;                         // multiply-accumulates of Conv/Gemm/MatMul-like ops
};

// Multiply-accumulates of one node given prepared shapes (0 for ops without a MAC count).
int64_t node_macs(const Node& node, const Session& session);
ModelStats compute_model_stats(const Model& model, const Session* prepared);

}  // namespace wisp
