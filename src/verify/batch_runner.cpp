#include "verify/batch_runner.hpp"

#include <algorithm>

#include "core/status.hpp"

namespace wisp::verify {

BatchFeeder::BatchFeeder(const Model& model, const Tensor& data, const BatchOptions& options) : data_(data) {
  const Graph& g = model.graph;
  WISP_CHECK(!g.inputs.empty(), ErrorCode::kInvalidModel, "the model has no inputs to feed the data to");
  const Value* in = g.inputs[0];
  input_ = in->name;
  WISP_CHECK(data.dtype() == DType::kF32 && data.shape().rank() >= 1 && data.shape()[0] > 0, ErrorCode::kInvalidArgument,
             "the data must be float32 with at least one sample on axis 0 (got ", dtype_name(data.dtype()), " ",
             data.shape().str(), ")");
  WISP_CHECK(in->dtype == DType::kF32, ErrorCode::kInvalidModel, "input '", in->name, "' is ", dtype_name(in->dtype),
             ": the accuracy tools feed float32 data");
  samples_ = data.shape()[0];
  if (options.limit >= 0) samples_ = std::min(samples_, options.limit);
  batch_ = std::max<int64_t>(options.batch, 1);
  if (in->shape && !in->shape->empty() && (*in->shape)[0].is_static()) {
    batch_ = std::max<int64_t>((*in->shape)[0].value, 1);
    samples_ -= samples_ % batch_;
  }
  batches_ = (samples_ + batch_ - 1) / batch_;
  sample_floats_ = data.numel() / data.shape()[0];
}

std::vector<NamedTensorView> BatchFeeder::feed(int64_t i) const {
  Shape shape = data_.shape();
  shape[0] = batch_size(i);
  return {{input_, TensorView{DType::kF32, shape, const_cast<float*>(data_.as<float>()) + batch_start(i) * sample_floats_}}};
}

SessionConfig session_config(const BatchOptions& options) {
  SessionConfig config;
  config.threads = std::max(options.threads, 1);
  return config;
}

int64_t run_batches(std::shared_ptr<const Model> model, const Tensor& data, const BatchOptions& options,
                    const std::function<void(int64_t, int64_t, const std::vector<Tensor>&)>& visit) {
  BatchFeeder feeder(*model, data, options);
  Session session(std::move(model), session_config(options));
  for (int64_t i = 0; i < feeder.batches(); ++i)
    visit(feeder.batch_start(i), feeder.batch_size(i), session.run(feeder.feed(i)));
  return feeder.samples();
}

std::vector<int64_t> argmax_rows(const Tensor& logits) {
  WISP_CHECK(logits.shape().rank() >= 1 && logits.shape()[0] > 0, ErrorCode::kInvalidArgument,
             "expected one row of scores per sample, got shape ", logits.shape().str());
  const int64_t rows = logits.shape()[0], cols = logits.numel() / rows;
  std::vector<int64_t> out(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    int64_t best = 0;
    for (int64_t c = 1; c < cols; ++c)
      if (logits.scalar_as_double(r * cols + c) > logits.scalar_as_double(r * cols + best)) best = c;
    out[static_cast<size_t>(r)] = best;
  }
  return out;
}

}  // namespace wisp::verify
