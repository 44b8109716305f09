#include "planner/memory_planner.hpp"

#include <algorithm>
#include <numeric>

#include "core/checked_math.hpp"

namespace wisp {

MemoryPlan plan_memory(std::span<const BufferRequest> requests, int64_t alignment) {
  const size_t n = requests.size();
  MemoryPlan plan;
  plan.offsets.assign(n, 0);
  std::vector<int64_t> size(n);
  int max_step = 0;
  for (size_t i = 0; i < n; ++i) {
    WISP_ASSERT(requests[i].bytes >= 0 && requests[i].first_step <= requests[i].last_step);
    size[i] = align_up(requests[i].bytes, alignment);
    plan.no_reuse_bytes = checked_add(plan.no_reuse_bytes, size[i]);
    max_step = std::max(max_step, requests[i].last_step);
  }
  // Lower bound: sweep the steps, summing what is live at each.
  std::vector<int64_t> live(static_cast<size_t>(max_step) + 2, 0);
  for (size_t i = 0; i < n; ++i) {
    live[static_cast<size_t>(requests[i].first_step)] += size[i];
    live[static_cast<size_t>(requests[i].last_step) + 1] -= size[i];
  }
  int64_t running = 0;
  for (int64_t d : live) plan.live_lower_bound = std::max(plan.live_lower_bound, running += d);

  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  // Largest first; ties by earlier start so the plan is deterministic.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (size[a] != size[b]) return size[a] > size[b];
    return requests[a].first_step < requests[b].first_step;
  });

  std::vector<size_t> placed;
  std::vector<std::pair<int64_t, int64_t>> busy;  // [offset, end) of time-overlapping placed buffers
  for (size_t i : order) {
    if (size[i] == 0) continue;
    busy.clear();
    for (size_t j : placed)
      if (requests[j].first_step <= requests[i].last_step && requests[i].first_step <= requests[j].last_step)
        busy.emplace_back(plan.offsets[j], plan.offsets[j] + size[j]);
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (auto [start, end] : busy) {
      if (offset + size[i] <= start) break;  // fits in the gap before this one
      offset = std::max(offset, end);
    }
    plan.offsets[i] = offset;
    plan.arena_bytes = std::max(plan.arena_bytes, offset + size[i]);
    placed.push_back(i);
  }
  return plan;
}

}  // namespace wisp
