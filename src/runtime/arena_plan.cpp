// Turns a prepared Session's steps into one arena: liveness per tensor, in-place and
// alias reuse, then the greedy planner (docs/memory_planner.md).
#include "runtime/arena_plan.hpp"

#include <climits>
#include <cstring>
#include <new>

#include "planner/memory_planner.hpp"

namespace wisp {
namespace {

std::shared_ptr<std::byte[]> allocate_aligned(int64_t bytes) {
  const size_t n = static_cast<size_t>(align_up(bytes > 0 ? bytes : 1, kTensorAlignment));
  auto* p = static_cast<std::byte*>(::operator new[](n, std::align_val_t{kTensorAlignment}));
  std::memset(p, 0, n);
  return std::shared_ptr<std::byte[]>(p, [](std::byte* q) { ::operator delete[](q, std::align_val_t{kTensorAlignment}); });
}

}  // namespace

void plan_arena(Session::Impl& im, SessionStats& stats) {
  // Buffers: one per arena slot, merged for in-place and alias steps.
  std::vector<int> buffer_last_use;
  std::vector<int> buffer_first;
  std::vector<int64_t> buffer_bytes;
  auto new_buffer = [&](int first, int last, int64_t bytes) {
    buffer_first.push_back(first);
    buffer_last_use.push_back(last);
    buffer_bytes.push_back(bytes);
    return static_cast<int>(buffer_bytes.size() - 1);
  };
  for (size_t si = 0; si < im.steps.size(); ++si) {
    Step& st = im.steps[si];
    const int i = static_cast<int>(si);
    for (size_t k = 0; k < st.out.size(); ++k) {
      const int s = st.out[k];
      if (s < 0 || im.slots[s].kind != Slot::Kind::kArena) continue;
      Slot& os = im.slots[s];
      const int last = os.last_use_step < 0 ? i : os.last_use_step;
      int reuse_input = -1;
      if (k == 0 && !st.dynamic) {
        if (st.schema->alias_input0) reuse_input = 0;
        else if (st.schema->inplace_input >= 0) reuse_input = st.schema->inplace_input;
      }
      if (reuse_input >= 0 && reuse_input < static_cast<int>(st.in.size()) && st.in[reuse_input] >= 0) {
        const Slot& is = im.slots[st.in[reuse_input]];
        // Not when another input of the step shares that buffer (r aliased to X through a
        // Reshape, or the same value passed twice): the kernel still reads it as that input.
        bool shared = false;
        for (size_t j = 0; j < st.in.size(); ++j)
          shared |= static_cast<int>(j) != reuse_input && st.in[j] >= 0 && im.slots[st.in[j]].buffer == is.buffer;
        if (is.kind == Slot::Kind::kArena && is.buffer >= 0 && buffer_last_use[is.buffer] == i &&
            is.view.bytes() == os.view.bytes() && !shared) {
          os.buffer = is.buffer;
          buffer_last_use[is.buffer] = last;
          continue;
        }
      }
      os.buffer = new_buffer(i, last, os.view.bytes());
    }
    if (st.scratch_bytes > 0) st.scratch_buffer = new_buffer(i, i, st.scratch_bytes);
  }
  std::vector<BufferRequest> requests;
  const int end_step = static_cast<int>(im.steps.size());
  for (size_t b = 0; b < buffer_bytes.size(); ++b)
    requests.push_back(BufferRequest{buffer_bytes[b], buffer_first[b],
                                     buffer_last_use[b] == kLiveToEnd ? end_step : buffer_last_use[b]});
  const MemoryPlan plan = plan_memory(requests, static_cast<int64_t>(kTensorAlignment));
  WISP_CHECK(plan.arena_bytes <= kMaxTensorBytes, ErrorCode::kResourceExhausted, "the memory plan needs ",
             plan.arena_bytes, " bytes, above the limit of ", kMaxTensorBytes);
  im.arena_size = plan.arena_bytes;
  im.arena = allocate_aligned(plan.arena_bytes);
  stats.arena_bytes = plan.arena_bytes;
  stats.no_reuse_bytes = plan.no_reuse_bytes;
  stats.live_lower_bound = plan.live_lower_bound;
  for (Slot& s : im.slots)
    if (s.kind == Slot::Kind::kArena && s.buffer >= 0) s.view.data = im.arena.get() + plan.offsets[s.buffer];
  for (Step& st : im.steps) {
    if (st.scratch_buffer >= 0) st.scratch = im.arena.get() + plan.offsets[st.scratch_buffer];
    for (int s : st.in) st.in_ptrs.push_back(s >= 0 ? &im.slots[s].view : nullptr);
    for (int s : st.out) st.out_ptrs.push_back(s >= 0 ? &im.slots[s].view : nullptr);
  }
}

}  // namespace wisp
