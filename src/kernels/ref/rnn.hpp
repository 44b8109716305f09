// RNN, GRU and LSTM (the opset-14 forms, with `layout`).
//
// One reference loop serves all three: for each direction and each batch element, walk
// that element's sequence (its sequence_lens entry, forward or reversed), computing
//   gates = W x_t + R h + Wb + Rb        (G gate blocks of `hidden` each; per-op cell maths)
// and then the op's cell update. Batch elements are independent, so state is one row.
// Steps past an element's length leave Y zero, and Y_h/Y_c hold the last valid state.
// ONNX gate orders: LSTM i,o,f,c (peepholes P: i,o,f); GRU z,r,h; RNN one gate.
#pragma once
#include <cstdint>
#include <memory>

#include "core/tensor.hpp"

namespace wisp {
struct PackedWeights;
}

namespace wisp::ref {

enum class RnnKind : uint8_t { kRnn, kGru, kLstm };
enum class RnnDirection : uint8_t { kForward, kReverse, kBidirectional };

enum class RnnActivationKind : uint8_t {
  kRelu, kTanh, kSigmoid, kAffine, kLeakyRelu, kThresholdedRelu, kScaledTanh, kHardSigmoid, kElu, kSoftsign, kSoftplus
};
struct RnnActivation {
  RnnActivationKind kind = RnnActivationKind::kTanh;
  float alpha = 0, beta = 0;
};
double apply_rnn_activation(const RnnActivation& f, double x);

inline constexpr int kMaxRnnActivations = 6;  // 3 per direction (LSTM f,g,h) x 2 directions

struct RnnParams {
  RnnKind kind = RnnKind::kRnn;
  RnnDirection direction = RnnDirection::kForward;
  int64_t seq = 0, batch = 0, input = 0, hidden = 0;
  int dirs = 1;
  int gates = 1;  // 1 RNN, 3 GRU, 4 LSTM
  int layout = 0;  // 0: X [seq, batch, input]; 1: X [batch, seq, input] (and Y, Y_h, Y_c likewise)
  bool has_clip = false;
  float clip = 0;
  bool linear_before_reset = false;  // GRU
  bool input_forget = false;         // LSTM: couple forget gate to 1 - input gate
  int acts_per_dir = 1;
  RnnActivation acts[kMaxRnnActivations];
  // W and R are constants at prepare: an optimized kernel may pack them once (x86 LSTM/GRU).
  bool w_constant = false, r_constant = false;
  mutable std::shared_ptr<PackedWeights> packed_w, packed_r;
};

// Floats of scratch the optimized float32 LSTM/GRU kernels (src/kernels/x86/rnn_f32_*)
// use: the input projection of every step, [seq * batch, gates * hidden], the bias and
// per-batch-element state rounded up to whole 32-float panels, and 16 floats to align the
// start to 64 bytes.
int64_t rnn_fast_scratch_floats(const RnnParams& p);

// Scratch needed by rnn() in bytes. With `for_fast_f32` (a float32 node) on an x86 build it
// also covers rnn_fast_scratch_floats for LSTM/GRU, the only kernels that use it; other
// builds (ARM, microcontrollers) do not pay for it.
int64_t rnn_scratch_bytes(const RnnParams& p, bool for_fast_f32 = false);

struct RnnTensors {
  const TensorView* x = nullptr;
  const TensorView* w = nullptr;
  const TensorView* r = nullptr;
  const TensorView* b = nullptr;             // optional
  const TensorView* seq_lens = nullptr;      // optional
  const TensorView* initial_h = nullptr;     // optional
  const TensorView* initial_c = nullptr;     // optional (LSTM)
  const TensorView* p = nullptr;             // optional (LSTM peepholes)
  TensorView* y = nullptr;                   // each output optional
  TensorView* y_h = nullptr;
  TensorView* y_c = nullptr;
};

void rnn(const RnnTensors& t, const RnnParams& p, void* scratch);

}  // namespace wisp::ref
