// Running models over a dataset in batches: the loop every accuracy tool needs (layer
// compare, sensitivity, top-1), kept in one place so all of them batch and count alike.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "ir/graph.hpp"
#include "runtime/session.hpp"

namespace wisp::verify {

struct BatchOptions {
  int64_t batch = 100;  // samples per run; a model whose input has a fixed first dim uses that
  int64_t limit = -1;   // first N samples (-1: all)
  int threads = 1;
};

// Splits `data` (float32, samples on axis 0) into batches for a model's first input.
// With a fixed batch dim B in the model, a last partial batch is left out (samples()
// says how many are used).
class BatchFeeder {
 public:
  BatchFeeder(const Model& model, const Tensor& data, const BatchOptions& options);
  int64_t batches() const { return batches_; }
  int64_t samples() const { return samples_; }
  int64_t batch_start(int64_t i) const { return i * batch_; }
  int64_t batch_size(int64_t i) const { return std::min(batch_, samples_ - i * batch_); }
  std::vector<NamedTensorView> feed(int64_t i) const;  // views into the data, no copy

 private:
  const Tensor& data_;
  std::string input_;
  int64_t batch_ = 1, samples_ = 0, batches_ = 0, sample_floats_ = 0;
};

SessionConfig session_config(const BatchOptions& options);

// Runs `model` over every batch and calls visit(first_sample, count, outputs) after each
// run; outputs are in graph output order. Returns the number of samples run.
int64_t run_batches(std::shared_ptr<const Model> model, const Tensor& data, const BatchOptions& options,
                    const std::function<void(int64_t, int64_t, const std::vector<Tensor>&)>& visit);

// Arg-max of each row of a [N, classes...] output (ties: the first index).
std::vector<int64_t> argmax_rows(const Tensor& logits);

}  // namespace wisp::verify
