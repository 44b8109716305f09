#include "kernels/ref/nms.hpp"

#include <algorithm>

#include "kernels/kernel_registry.hpp"

namespace wisp::ref {

namespace nms_detail {

bool suppresses(const float* a, const float* b, bool center, float threshold) {
  // Normalise both boxes to (x1, y1, x2, y2) with x1 <= x2, y1 <= y2.
  auto corners = [center](const float* v, float out[4]) {
    if (center) {
      out[0] = v[0] - v[2] / 2; out[1] = v[1] - v[3] / 2;
      out[2] = v[0] + v[2] / 2; out[3] = v[1] + v[3] / 2;
    } else {  // (y1, x1, y2, x2), any diagonal pair
      out[0] = std::min(v[1], v[3]); out[1] = std::min(v[0], v[2]);
      out[2] = std::max(v[1], v[3]); out[3] = std::max(v[0], v[2]);
    }
  };
  float p[4], q[4];
  corners(a, p);
  corners(b, q);
  const float area_p = (p[2] - p[0]) * (p[3] - p[1]), area_q = (q[2] - q[0]) * (q[3] - q[1]);
  if (area_p <= 0 || area_q <= 0) return false;
  const float iw = std::min(p[2], q[2]) - std::max(p[0], q[0]);
  const float ih = std::min(p[3], q[3]) - std::max(p[1], q[1]);
  if (iw <= 0 || ih <= 0) return false;
  const float inter = iw * ih;
  return inter / (area_p + area_q - inter) > threshold;
}

}  // namespace nms_detail

namespace {

void nms_kernel(const KernelArgs& a) {
  NmsInputs in;
  in.boxes = a.in[0];
  in.scores = a.in[1];
  if (a.has_in(2) && a.in[2]->numel() > 0) in.max_output_per_class = element_as_int(*a.in[2], 0);
  if (a.has_in(3) && a.in[3]->numel() > 0) in.iou_threshold = static_cast<float>(element_as_double(*a.in[3], 0));
  if (a.has_in(4) && a.in[4]->numel() > 0) {
    in.has_score_threshold = true;
    in.score_threshold = static_cast<float>(element_as_double(*a.in[4], 0));
  }
  WISP_CHECK(in.iou_threshold >= 0 && in.iou_threshold <= 1, ErrorCode::kInvalidArgument,
             "NonMaxSuppression: iou_threshold ", in.iou_threshold, " is outside [0, 1]");
  const auto& p = a.p<NmsParams>();
  int64_t* scratch = static_cast<int64_t*>(a.scratch);
  const int64_t count = nms(in, p, scratch, [](int64_t, int64_t, int64_t) {});
  int64_t* out = a.alloc_output(0, DType::kI64, Shape{count, 3}).as<int64_t>();
  nms(in, p, scratch, [&](int64_t b, int64_t c, int64_t box) {
    *out++ = b;
    *out++ = c;
    *out++ = box;
  });
}

}  // namespace

WISP_REGISTER_KERNEL("NonMaxSuppression", DType::kUndefined, Isa::kRef, nms_kernel);

}  // namespace wisp::ref
