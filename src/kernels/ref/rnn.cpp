#include "kernels/ref/rnn.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/kernel_registry.hpp"

namespace wisp::ref {
namespace {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Typed reads/writes of one element (T is float, double, Float16 or BFloat16).
template <class T> double ld(const T* p, int64_t i) { return static_cast<double>(static_cast<float>(p[i])); }
template <> double ld<double>(const double* p, int64_t i) { return p[i]; }
template <class T> void st(T* p, int64_t i, double v) { p[i] = T(static_cast<float>(v)); }
template <> void st<double>(double* p, int64_t i, double v) { p[i] = v; }

template <class T>
struct Rnn {
  const RnnTensors& t;
  const RnnParams& p;
  double* h;      // [hidden] state
  double* c;      // [hidden] LSTM cell state
  double* g;      // [gates * hidden] pre-activations
  double* tmp;    // [hidden] GRU: r (.) h, or R_h h

  int64_t H() const { return p.hidden; }
  const T* w(int d) const { return t.w->as<T>() + d * p.gates * H() * p.input; }
  const T* r(int d) const { return t.r->as<T>() + d * p.gates * H() * H(); }
  // Offsets of one step's row in X and Y, and of a state row in Y_h/Y_c/initial_h/c.
  int64_t x_row(int64_t step, int64_t b) const { return (p.layout == 0 ? step * p.batch + b : b * p.seq + step) * p.input; }
  int64_t y_row(int64_t step, int d, int64_t b) const {
    return (p.layout == 0 ? (step * p.dirs + d) * p.batch + b : (b * p.seq + step) * p.dirs + d) * H();
  }
  int64_t state_row(int d, int64_t b) const { return (p.layout == 0 ? d * p.batch + b : b * p.dirs + d) * H(); }
  double act(int d, int which, double x) const {
    if (p.has_clip) x = std::clamp(x, -static_cast<double>(p.clip), static_cast<double>(p.clip));
    return apply_rnn_activation(p.acts[d * p.acts_per_dir + which], x);
  }
  double bias(int d, int64_t k) const {  // Wb[k] + Rb[k] for gate row k
    if (!t.b) return 0;
    const T* b = t.b->as<T>() + d * 2 * p.gates * H();
    return ld(b, k) + ld(b, p.gates * H() + k);
  }

  // g[k] = W[k] . x + bias (all gate rows); R h is added per op (GRU treats gate h apart).
  void input_part(int d, const T* x) {
    const T* wd = w(d);
    for (int64_t k = 0; k < p.gates * H(); ++k) {
      double s = bias(d, k);
      for (int64_t i = 0; i < p.input; ++i) s += ld(wd, k * p.input + i) * ld(x, i);
      g[k] = s;
    }
  }
  // Returns R[row] . v for one gate row.
  double r_dot(int d, int64_t row, const double* v) const {
    const T* rd = r(d);
    double s = 0;
    for (int64_t j = 0; j < H(); ++j) s += ld(rd, row * H() + j) * v[j];
    return s;
  }

  void rnn_step(int d) {
    for (int64_t j = 0; j < H(); ++j) tmp[j] = act(d, 0, g[j] + r_dot(d, j, h));
    std::memcpy(h, tmp, sizeof(double) * H());
  }

  void gru_step(int d) {
    // z, r use the old h; the candidate uses r (.) h (or r (.) (R_h h + Rb_h)).
    double* z = g;
    double* rr = g + H();
    double* hh = g + 2 * H();
    for (int64_t j = 0; j < H(); ++j) {
      z[j] = act(d, 0, z[j] + r_dot(d, j, h));
      rr[j] = act(d, 0, rr[j] + r_dot(d, H() + j, h));
    }
    const T* b = t.b ? t.b->as<T>() + d * 2 * p.gates * H() : nullptr;
    if (p.linear_before_reset) {
      // Rb_h sits inside the reset product, so take it back out of the summed bias.
      for (int64_t j = 0; j < H(); ++j) {
        const double rb = b ? ld(b, p.gates * H() + 2 * H() + j) : 0.0;
        tmp[j] = hh[j] - rb + rr[j] * (r_dot(d, 2 * H() + j, h) + rb);
      }
    } else {
      for (int64_t j = 0; j < H(); ++j) tmp[j] = rr[j] * h[j];
      for (int64_t j = 0; j < H(); ++j) hh[j] += r_dot(d, 2 * H() + j, tmp);
      for (int64_t j = 0; j < H(); ++j) tmp[j] = hh[j];
    }
    for (int64_t j = 0; j < H(); ++j) {
      const double cand = act(d, 1, tmp[j]);
      h[j] = (1 - z[j]) * cand + z[j] * h[j];
    }
  }

  void lstm_step(int d) {
    for (int64_t k = 0; k < 4 * H(); ++k) g[k] += r_dot(d, k, h);
    const T* peep = t.p ? t.p->as<T>() + d * 3 * H() : nullptr;
    for (int64_t j = 0; j < H(); ++j) {
      const double pi = peep ? ld(peep, j) : 0, po = peep ? ld(peep, H() + j) : 0, pf = peep ? ld(peep, 2 * H() + j) : 0;
      const double i = act(d, 0, g[j] + pi * c[j]);
      const double f = p.input_forget ? 1 - i : act(d, 0, g[2 * H() + j] + pf * c[j]);
      const double cand = act(d, 1, g[3 * H() + j]);
      c[j] = f * c[j] + i * cand;
      const double o = act(d, 0, g[H() + j] + po * c[j]);
      h[j] = o * act(d, 2, c[j]);
    }
  }

  void run() {
    T* y = t.y ? t.y->as<T>() : nullptr;
    if (y) std::memset(static_cast<void*>(y), 0, static_cast<size_t>(t.y->bytes()));
    for (int d = 0; d < p.dirs; ++d) {
      const bool reverse = p.direction == RnnDirection::kReverse || d == 1;
      for (int64_t b = 0; b < p.batch; ++b) {
        const int64_t len = t.seq_lens ? element_as_int(*t.seq_lens, b) : p.seq;
        WISP_CHECK(len >= 0 && len <= p.seq, ErrorCode::kOutOfRange, "RNN: sequence_lens[", b, "] = ", len,
                   " is outside [0, ", p.seq, "]");
        for (int64_t j = 0; j < H(); ++j) {
          h[j] = t.initial_h ? ld(t.initial_h->as<T>(), state_row(d, b) + j) : 0.0;
          c[j] = t.initial_c ? ld(t.initial_c->as<T>(), state_row(d, b) + j) : 0.0;
        }
        for (int64_t s = 0; s < len; ++s) {
          const int64_t step = reverse ? len - 1 - s : s;
          input_part(d, t.x->as<T>() + x_row(step, b));
          switch (p.kind) {
            case RnnKind::kRnn: rnn_step(d); break;
            case RnnKind::kGru: gru_step(d); break;
            case RnnKind::kLstm: lstm_step(d); break;
          }
          if (y)
            for (int64_t j = 0; j < H(); ++j) st(y, y_row(step, d, b) + j, h[j]);
        }
        for (int64_t j = 0; j < H(); ++j) {
          if (t.y_h) st(t.y_h->as<T>(), state_row(d, b) + j, h[j]);
          if (t.y_c) st(t.y_c->as<T>(), state_row(d, b) + j, c[j]);
        }
      }
    }
  }
};

void rnn_kernel(const KernelArgs& a) {
  const auto& p = a.p<RnnParams>();
  RnnTensors t;
  t.x = a.in[0];
  t.w = a.in[1];
  t.r = a.in[2];
  t.b = a.has_in(3) ? a.in[3] : nullptr;
  t.seq_lens = a.has_in(4) ? a.in[4] : nullptr;
  t.initial_h = a.has_in(5) ? a.in[5] : nullptr;
  t.initial_c = p.kind == RnnKind::kLstm && a.has_in(6) ? a.in[6] : nullptr;
  t.p = p.kind == RnnKind::kLstm && a.has_in(7) ? a.in[7] : nullptr;
  t.y = a.has_out(0) ? a.out[0] : nullptr;
  t.y_h = a.has_out(1) ? a.out[1] : nullptr;
  t.y_c = p.kind == RnnKind::kLstm && a.has_out(2) ? a.out[2] : nullptr;
  rnn(t, p, a.scratch);
}

}  // namespace

double apply_rnn_activation(const RnnActivation& f, double x) {
  const double a = f.alpha, b = f.beta;
  switch (f.kind) {
    case RnnActivationKind::kRelu: return std::max(0.0, x);
    case RnnActivationKind::kTanh: return std::tanh(x);
    case RnnActivationKind::kSigmoid: return sigmoid(x);
    case RnnActivationKind::kAffine: return a * x + b;
    case RnnActivationKind::kLeakyRelu: return x >= 0 ? x : a * x;
    case RnnActivationKind::kThresholdedRelu: return x > a ? x : 0.0;
    case RnnActivationKind::kScaledTanh: return a * std::tanh(b * x);
    case RnnActivationKind::kHardSigmoid: return std::clamp(a * x + b, 0.0, 1.0);
    case RnnActivationKind::kElu: return x >= 0 ? x : a * (std::exp(x) - 1);
    case RnnActivationKind::kSoftsign: return x / (1 + std::fabs(x));
    case RnnActivationKind::kSoftplus: return std::log1p(std::exp(x));
  }
  return x;
}

int64_t rnn_fast_scratch_floats(const RnnParams& p) {
  const int64_t hidden_padded = checked_add(p.hidden, 32) / 32 * 32;
  const int64_t projection = checked_mul(checked_mul(p.seq, p.batch), checked_mul(p.gates, p.hidden));
  const int64_t per_row = checked_add(checked_mul(hidden_padded, 5), 16);  // h x2, c, z, r (.) h; row pointers
  const int64_t shared = checked_mul(hidden_padded, p.gates + 1);        // bias, Rb_h
  return checked_add(checked_add(checked_add(projection, shared), checked_mul(per_row, p.batch)), 16);
}

int64_t rnn_scratch_bytes(const RnnParams& p, bool for_fast_f32) {
  const int64_t reference = checked_mul(checked_mul(p.hidden, p.gates + 3), static_cast<int64_t>(sizeof(double)));
#if defined(__x86_64__) || defined(_M_X64)
  if (for_fast_f32 && p.kind != RnnKind::kRnn)
    return std::max(reference, checked_mul(rnn_fast_scratch_floats(p), static_cast<int64_t>(sizeof(float))));
#else
  (void)for_fast_f32;
#endif
  return reference;
}

void rnn(const RnnTensors& t, const RnnParams& p, void* scratch) {
  double* s = static_cast<double*>(scratch);
  auto go = [&](auto tag) {
    using T = decltype(tag);
    Rnn<T>{t, p, s, s + p.hidden, s + 2 * p.hidden, s + (2 + p.gates) * p.hidden}.run();
  };
  switch (t.x->dtype) {
    case DType::kF32: return go(float{});
    case DType::kF64: return go(double{});
    case DType::kF16: return go(Float16{});
    case DType::kBF16: return go(BFloat16{});
    default: fail(ErrorCode::kUnsupported, "RNN: element type ", dtype_name(t.x->dtype), " is not supported");
  }
}

WISP_REGISTER_KERNEL("RNN", DType::kUndefined, Isa::kRef, rnn_kernel);
WISP_REGISTER_KERNEL("GRU", DType::kUndefined, Isa::kRef, rnn_kernel);
WISP_REGISTER_KERNEL("LSTM", DType::kUndefined, Isa::kRef, rnn_kernel);

}  // namespace wisp::ref
