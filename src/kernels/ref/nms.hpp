// NonMaxSuppression: per batch and class, greedy selection in descending score order
// (ties: lower box index first), dropping a box whose IoU with an already selected box of
// that class exceeds iou_threshold, stopping at max_output_boxes_per_class. Boxes with
// score <= score_threshold (when given) are never candidates. The output size is known
// only after the search, so the kernel counts in one pass, allocates, and writes in a
// second pass.
#pragma once
#include <cstdint>

#include "core/tensor.hpp"

namespace wisp::ref {

struct NmsParams {
  bool center_point_box = false;  // boxes are (xc, yc, w, h) instead of two corners
};

struct NmsInputs {
  const TensorView* boxes = nullptr;   // [B, S, 4]
  const TensorView* scores = nullptr;  // [B, C, S]
  int64_t max_output_per_class = 0;
  float iou_threshold = 0;
  bool has_score_threshold = false;
  float score_threshold = 0;
};

// Scratch: 2 * S int64. Calls `emit(batch, class, box)` for each selected box in order;
// returns the number selected.
template <class Emit>
int64_t nms(const NmsInputs& in, const NmsParams& p, int64_t* scratch, Emit&& emit);

}  // namespace wisp::ref

#include <algorithm>

namespace wisp::ref {

namespace nms_detail {
// IoU > threshold of boxes a and b (4 floats each); empty boxes never suppress.
bool suppresses(const float* a, const float* b, bool center, float threshold);
}  // namespace nms_detail

template <class Emit>
int64_t nms(const NmsInputs& in, const NmsParams& p, int64_t* scratch, Emit&& emit) {
  const int64_t batches = in.boxes->shape[0], spatial = in.boxes->shape[1], classes = in.scores->shape[1];
  const float* boxes = in.boxes->as<float>();
  const float* scores = in.scores->as<float>();
  int64_t* order = scratch;
  int64_t* selected = scratch + spatial;
  int64_t total = 0;
  if (in.max_output_per_class <= 0) return 0;
  for (int64_t b = 0; b < batches; ++b) {
    for (int64_t c = 0; c < classes; ++c) {
      const float* s = scores + (b * classes + c) * spatial;
      int64_t n = 0;
      for (int64_t i = 0; i < spatial; ++i)
        if (!in.has_score_threshold || s[i] > in.score_threshold) order[n++] = i;
      std::sort(order, order + n, [&](int64_t x, int64_t y) { return s[x] != s[y] ? s[x] > s[y] : x < y; });
      int64_t kept = 0;
      for (int64_t k = 0; k < n && kept < in.max_output_per_class; ++k) {
        const float* box = boxes + (b * spatial + order[k]) * 4;
        bool drop = false;
        for (int64_t j = 0; j < kept && !drop; ++j)
          drop = nms_detail::suppresses(box, boxes + (b * spatial + selected[j]) * 4, p.center_point_box, in.iou_threshold);
        if (drop) continue;
        selected[kept++] = order[k];
        emit(b, c, order[k]);
        ++total;
      }
    }
  }
  return total;
}

}  // namespace wisp::ref
