// Reference normalisation kernels. Statistics in double, two passes (mean, then the
// centred variance) so that large offsets do not cancel.
#include "kernels/ref/normalization.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/kernel_registry.hpp"

namespace wisp::ref {
namespace {

template <class Fn>
void dispatch_float(DType t, const char* op, Fn&& fn) {
  switch (t) {
    case DType::kF32: return fn(float{});
    case DType::kF64: return fn(double{});
    case DType::kF16: return fn(Float16{});
    case DType::kBF16: return fn(BFloat16{});
    default: fail(ErrorCode::kUnsupported, op, ": element type ", dtype_name(t), " is not supported");
  }
}

void batch_norm_kernel(const KernelArgs& a) {
  const BatchNormParams& p = a.p<BatchNormParams>();
  // Fold the statistics into y = x * mul + add once per channel (any mix of types).
  double* mul = static_cast<double*>(a.scratch);
  double* add = mul + p.stat_count;
  for (int64_t c = 0; c < p.stat_count; ++c) {
    const double inv = 1.0 / std::sqrt(element_as_double(*a.in[4], c) + static_cast<double>(p.epsilon));
    mul[c] = element_as_double(*a.in[1], c) * inv;
    add[c] = element_as_double(*a.in[2], c) - element_as_double(*a.in[3], c) * mul[c];
  }
  dispatch_float(a.in[0]->dtype, "BatchNormalization", [&](auto tag) {
    using T = decltype(tag);
    const T* x = a.in[0]->as<const T>();
    T* y = a.out[0]->as<T>();
    for (int64_t n = 0; n < p.batch; ++n)
      for (int64_t c = 0; c < p.stat_count; ++c) {
        const float m = static_cast<float>(mul[c]), b = static_cast<float>(add[c]);
        const int64_t base = (n * p.stat_count + c) * p.inner;
        for (int64_t i = 0; i < p.inner; ++i) y[base + i] = static_cast<T>(static_cast<float>(x[base + i]) * m + b);
      }
  });
  // Inference: the optional statistics outputs are the given statistics.
  for (size_t i = 1; i < a.out.size(); ++i)
    if (a.has_out(i)) {
      const TensorView& src = *a.in[i <= 2 ? i + 2 : i];
      std::memcpy(a.out[i]->data, src.data, static_cast<size_t>(src.bytes()));
    }
}

// InstanceNormalization and GroupNormalization.
void group_norm_kernel(const KernelArgs& a) {
  const GroupNormParams& p = a.p<GroupNormParams>();
  dispatch_float(a.in[0]->dtype, "normalization", [&](auto tag) {
    using T = decltype(tag);
    const T* x = a.in[0]->as<const T>();
    const T* scale = a.in[1]->as<const T>();
    const T* bias = a.in[2]->as<const T>();
    T* y = a.out[0]->as<T>();
    const int64_t group_size = p.channels_per_group * p.inner;
    for (int64_t n = 0; n < p.batch; ++n)
      for (int64_t g = 0; g < p.groups; ++g) {
        const int64_t base = (n * p.groups + g) * group_size;
        double mean = 0, var = 0;
        for (int64_t i = 0; i < group_size; ++i) mean += static_cast<double>(x[base + i]);
        mean /= static_cast<double>(group_size);
        for (int64_t i = 0; i < group_size; ++i) {
          const double d = static_cast<double>(x[base + i]) - mean;
          var += d * d;
        }
        var /= static_cast<double>(group_size);
        const double inv = 1.0 / std::sqrt(var + static_cast<double>(p.epsilon));
        for (int64_t c = 0; c < p.channels_per_group; ++c) {
          const int64_t ch = p.affine_per_group ? g : g * p.channels_per_group + c;
          const double s = static_cast<double>(scale[ch]) * inv, b = static_cast<double>(bias[ch]);
          for (int64_t i = 0; i < p.inner; ++i) {
            const int64_t at = base + c * p.inner + i;
            y[at] = static_cast<T>((static_cast<double>(x[at]) - mean) * s + b);
          }
        }
      }
  });
}

void layer_norm_kernel(const KernelArgs& a) {
  const LayerNormParams& p = a.p<LayerNormParams>();
  dispatch_float(a.in[0]->dtype, "LayerNormalization", [&](auto tag) {
    using T = decltype(tag);
    const T* x = a.in[0]->as<const T>();
    const T* scale = a.in[1]->as<const T>();
    const T* bias = p.bias_numel ? a.in[2]->as<const T>() : nullptr;
    T* y = a.out[0]->as<T>();
    for (int64_t o = 0; o < p.outer; ++o) {
      const T* xo = x + o * p.block;
      T* yo = y + o * p.block;
      double mean = 0, var = 0;
      for (int64_t i = 0; i < p.block; ++i) mean += static_cast<double>(xo[i]);
      mean /= static_cast<double>(p.block);
      for (int64_t i = 0; i < p.block; ++i) {
        const double d = static_cast<double>(xo[i]) - mean;
        var += d * d;
      }
      var /= static_cast<double>(p.block);
      const double inv = 1.0 / std::sqrt(var + static_cast<double>(p.epsilon));
      for (int64_t i = 0; i < p.block; ++i) {
        double v = (static_cast<double>(xo[i]) - mean) * inv * static_cast<double>(scale[i % p.scale_numel]);
        if (bias) v += static_cast<double>(bias[i % p.bias_numel]);
        yo[i] = static_cast<T>(v);
      }
      // Mean / InvStdDev outputs are float (stash_type=1) or the input type.
      auto put = [&](size_t out, double v) {
        if (!a.has_out(out)) return;
        if (a.out[out]->dtype == DType::kF32) a.out[out]->as<float>()[o] = static_cast<float>(v);
        else a.out[out]->as<T>()[o] = static_cast<T>(v);
      };
      put(1, mean);
      put(2, inv);
    }
  });
}

void lrn_kernel(const KernelArgs& a) {
  const LrnParams& p = a.p<LrnParams>();
  const int64_t before = (p.size - 1) / 2, after = p.size - 1 - before;
  dispatch_float(a.in[0]->dtype, "LRN", [&](auto tag) {
    using T = decltype(tag);
    const T* x = a.in[0]->as<const T>();
    T* y = a.out[0]->as<T>();
    for (int64_t n = 0; n < p.batch; ++n)
      for (int64_t c = 0; c < p.channels; ++c) {
        const int64_t lo = c - before < 0 ? 0 : c - before;
        const int64_t hi = c + after >= p.channels ? p.channels - 1 : c + after;
        for (int64_t i = 0; i < p.inner; ++i) {
          double square_sum = 0;
          for (int64_t k = lo; k <= hi; ++k) {
            const double v = static_cast<double>(x[(n * p.channels + k) * p.inner + i]);
            square_sum += v * v;
          }
          const int64_t at = (n * p.channels + c) * p.inner + i;
          const double denom = std::pow(p.bias + p.alpha / static_cast<double>(p.size) * square_sum, p.beta);
          y[at] = static_cast<T>(static_cast<double>(x[at]) / denom);
        }
      }
  });
}

// MeanVarianceNormalization: y = (x - E[x]) / (sqrt(E[x^2] - E[x]^2) + 1e-9) over `axes`.
void mvn_kernel(const KernelArgs& a) {
  const MvnParams& p = a.p<MvnParams>();
  double* sum = static_cast<double*>(a.scratch);
  double* sq = sum + p.groups;
  double* count = sq + p.groups;
  for (int64_t g = 0; g < 3 * p.groups; ++g) sum[g] = 0;
  const int64_t total = p.shape.numel();
  // Group index of every element: its index with the reduced dims dropped.
  auto for_each = [&](auto&& fn) {
    int64_t idx[kMaxRank] = {};
    for (int64_t e = 0; e < total; ++e) {
      int64_t g = 0;
      for (int d = 0; d < p.shape.rank(); ++d)
        if (!p.reduced[d]) g = g * p.shape[d] + idx[d];
      fn(e, g);
      for (int d = p.shape.rank() - 1; d >= 0; --d) {
        if (++idx[d] < p.shape[d]) break;
        idx[d] = 0;
      }
    }
  };
  dispatch_float(a.in[0]->dtype, "MeanVarianceNormalization", [&](auto tag) {
    using T = decltype(tag);
    const T* x = a.in[0]->as<const T>();
    T* y = a.out[0]->as<T>();
    for_each([&](int64_t e, int64_t g) {
      const double v = static_cast<double>(x[e]);
      sum[g] += v;
      sq[g] += v * v;
      count[g] += 1;
    });
    for (int64_t g = 0; g < p.groups; ++g) {
      sum[g] /= count[g];                                             // mean
      sq[g] = std::sqrt(std::max(0.0, sq[g] / count[g] - sum[g] * sum[g])) + 1e-9;  // std + eps
    }
    for_each([&](int64_t e, int64_t g) { y[e] = static_cast<T>((static_cast<double>(x[e]) - sum[g]) / sq[g]); });
  });
}

}  // namespace

WISP_REGISTER_KERNEL("BatchNormalization", DType::kUndefined, Isa::kRef, batch_norm_kernel);
WISP_REGISTER_KERNEL("InstanceNormalization", DType::kUndefined, Isa::kRef, group_norm_kernel);
WISP_REGISTER_KERNEL("GroupNormalization", DType::kUndefined, Isa::kRef, group_norm_kernel);
WISP_REGISTER_KERNEL("LayerNormalization", DType::kUndefined, Isa::kRef, layer_norm_kernel);
WISP_REGISTER_KERNEL("LRN", DType::kUndefined, Isa::kRef, lrn_kernel);
WISP_REGISTER_KERNEL("MeanVarianceNormalization", DType::kUndefined, Isa::kRef, mvn_kernel);

}  // namespace wisp::ref
