// Static memory planner: places every intermediate tensor (and kernel scratch) of a
// prepared graph at a fixed offset in one arena.
//
// Algorithm (the greedy-by-size planner of TFLite Micro): each buffer is live over an
// inclusive step interval [first_step, last_step]. Buffers are placed largest first; each
// goes at the lowest aligned offset where it overlaps no already-placed buffer whose
// interval intersects its own. Placing large buffers first leaves the small ones to fill
// gaps. The result is never below `live_lower_bound` (the largest total size live at one
// step) and is usually within a few percent of it.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace wisp {

struct BufferRequest {
  int64_t bytes = 0;
  int first_step = 0;  // the step that writes it first
  int last_step = 0;   // the last step that reads it
};

struct MemoryPlan {
  std::vector<int64_t> offsets;  // one per request, aligned
  int64_t arena_bytes = 0;       // end of the highest placed buffer
  int64_t no_reuse_bytes = 0;    // sum of all aligned sizes (what no reuse would need)
  int64_t live_lower_bound = 0;  // max over steps of the aligned sizes live at that step
};

MemoryPlan plan_memory(std::span<const BufferRequest> requests, int64_t alignment = 64);

}  // namespace wisp
