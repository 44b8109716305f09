// Internal state of a prepared Session (see session.hpp for the contract).
#pragma once
#include <climits>
#include <map>
#include <memory>
#include <vector>

#include "runtime/session.hpp"

namespace wisp {

// last_use_step of graph outputs: live to the end of the run.
inline constexpr int kLiveToEnd = INT_MAX;

// Where a value's bytes live once prepared.
struct Slot {
  enum class Kind { kUnset, kConstant, kInput, kArena, kDynamic };
  Kind kind = Kind::kUnset;
  TensorView view;       // dtype + shape always; data: constant/arena address, or bound per run
  const Value* value = nullptr;
  int producer_step = -1;
  int last_use_step = -1;  // last step reading it; INT_MAX for graph outputs
  int buffer = -1;         // arena buffer (aliased/in-place slots share one)
};

struct Step {
  const Node* node = nullptr;
  const OpSchema* schema = nullptr;
  KernelFn fn = nullptr;
  std::unique_ptr<OpParamsHolder> params;
  std::vector<int> in, out;  // slot index per input/output, -1 when omitted
  std::vector<const TensorView*> in_ptrs;
  std::vector<TensorView*> out_ptrs;
  int scratch_buffer = -1;
  int64_t scratch_bytes = 0;
  void* scratch = nullptr;
  bool dynamic = false;          // shapes inferred while running
  bool has_dynamic_output = false;
};

struct Session::Impl {
  std::vector<Slot> slots;
  std::map<const Value*, int> slot_of;
  std::vector<Step> steps;
  std::vector<int> input_slots, output_slots;
  std::vector<std::shared_ptr<const Tensor>> folded;  // constants made at prepare
  std::vector<Tensor> dynamic_storage;               // per slot, for dynamic tensors
  std::shared_ptr<std::byte[]> arena;
  int64_t arena_size = 0;
  std::vector<StepTiming> timings;  // one per step when SessionConfig::profile, else empty
};

}  // namespace wisp
