#include "agent/served_model.hpp"

#include <cmath>
#include <cstdlib>

#include "api/model_loading.hpp"
#include "core/status.hpp"
#include "deploy/request_auth.hpp"
#include "onnx/onnx_importer.hpp"

namespace wisp::agent {

std::shared_ptr<const ServedModel> ServedModel::from_package(const std::string& bytes,
                                                             const package::OpenOptions& options, std::string source) {
  auto m = std::make_shared<ServedModel>();
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  package::OpenedPackage p = package::open_package(data, bytes.size(), options);
  m->identity_ = {p.manifest.name, p.manifest.version, p.manifest.counter, deploy::sha256_hex(bytes), std::move(source)};
  if (p.manifest.payload_kind == package::PayloadKind::kWisp) {
    // Loaded here rather than through load_package_model to keep the metadata (reference
    // cases for the health check, histograms for drift).
    WISP_CHECK(format::looks_like_wisp(p.payload.data(), p.payload.size()), ErrorCode::kInvalidModel, "package ",
               p.manifest.name, ": the manifest says .wisp but the payload is not a .wisp file");
    format::LoadedWisp w = format::load_wisp_copy(p.payload.data(), p.payload.size());
    m->model_ = w.model;
    m->metadata_ = std::move(w.metadata);
    m->is_wisp_ = true;
  } else {
    m->model_ = package::load_package_model(p);
  }
  m->finish();
  return m;
}

std::shared_ptr<const ServedModel> ServedModel::from_file(const std::string& path) {
  auto m = std::make_shared<ServedModel>();
  if (format::file_looks_like_wisp(path)) {
    format::LoadedWisp w = format::load_wisp_file(path);
    m->model_ = w.model;
    m->metadata_ = std::move(w.metadata);
    m->is_wisp_ = true;
  } else {
    m->model_ = load_model_file(path).model;
  }
  m->identity_ = {"fallback:" + path, "local", 0, "", "fallback"};
  m->finish();
  return m;
}

void ServedModel::finish() {
  for (const Value* v : model_->graph.inputs) {
    InputSpec s;
    s.name = v->name;
    s.dtype = v->dtype;
    if (v->shape)
      for (const SymDim& d : *v->shape) s.shape.push_back(d.is_static() ? d.value : 1);
    inputs_.push_back(std::move(s));
  }
}

std::string ServedModel::label() const {
  return str_cat(identity_.name, " ", identity_.version, " (counter ", identity_.counter, ", ", identity_.source, ")");
}

namespace {
SessionConfig runner_config() {
  SessionConfig c;
  c.default_symbolic_dim = 1;
  return c;
}
}  // namespace

ModelRunner::ModelRunner(std::shared_ptr<const ServedModel> model, std::string abort_on_model)
    : model_(std::move(model)), session_(model_->model(), runner_config()) {
  abort_ = !abort_on_model.empty() && abort_on_model == model_->identity().name;
}

std::vector<NamedArray> ModelRunner::run(const std::vector<NamedArray>& inputs) {
  if (abort_) std::abort();  // test hook: a kernel that crashes the process
  std::vector<Tensor> owned;
  owned.reserve(inputs.size());
  std::vector<NamedTensorView> feeds;
  for (const NamedArray& in : inputs) {
    const ServedModel::InputSpec* spec = nullptr;
    for (const auto& s : model_->inputs())
      if (s.name == in.name) spec = &s;
    WISP_CHECK(spec != nullptr, ErrorCode::kInvalidArgument, "the model ", model_->label(), " has no input '", in.name,
               "'");
    const Shape shape{std::span<const int64_t>(in.shape)};
    WISP_CHECK(shape.numel() == static_cast<int64_t>(in.data.size()), ErrorCode::kInvalidArgument, "input '", in.name,
               "': shape ", shape.str(), " needs ", shape.numel(), " values, got ", in.data.size());
    Tensor t(spec->dtype == DType::kUndefined ? DType::kF32 : spec->dtype, shape);
    const int64_t n = shape.numel();
    switch (t.dtype()) {
      case DType::kF32:
        for (int64_t i = 0; i < n; ++i) t.as<float>()[i] = in.data[i];
        break;
      case DType::kF64:
        for (int64_t i = 0; i < n; ++i) t.as<double>()[i] = in.data[i];
        break;
      case DType::kI64:
        for (int64_t i = 0; i < n; ++i) t.as<int64_t>()[i] = static_cast<int64_t>(in.data[i]);
        break;
      case DType::kI32:
        for (int64_t i = 0; i < n; ++i) t.as<int32_t>()[i] = static_cast<int32_t>(in.data[i]);
        break;
      case DType::kU8:
        for (int64_t i = 0; i < n; ++i) t.as<uint8_t>()[i] = static_cast<uint8_t>(in.data[i]);
        break;
      case DType::kI8:
        for (int64_t i = 0; i < n; ++i) t.as<int8_t>()[i] = static_cast<int8_t>(in.data[i]);
        break;
      default:
        fail(ErrorCode::kUnsupported, "input '", in.name, "' is ", dtype_name(t.dtype()),
             "; the agent API feeds float32, float64, int64, int32, uint8 and int8 inputs");
    }
    owned.push_back(std::move(t));
    feeds.push_back({in.name, owned.back().view()});
  }
  const std::vector<Tensor> outs = session_.run(feeds);
  std::vector<NamedArray> result;
  const auto& outputs = model_->model()->graph.outputs;
  for (size_t k = 0; k < outs.size(); ++k) {
    NamedArray a;
    a.name = k < outputs.size() ? outputs[k]->name : str_cat("output", k);
    for (int64_t d : outs[k].shape()) a.shape.push_back(d);
    a.data.resize(static_cast<size_t>(outs[k].numel()));
    for (int64_t i = 0; i < outs[k].numel(); ++i) a.data[i] = static_cast<float>(element_as_double(outs[k].view(), i));
    result.push_back(std::move(a));
  }
  return result;
}

std::vector<NamedArray> ModelRunner::synthetic_inputs() const {
  std::vector<NamedArray> r;
  for (const auto& s : model_->inputs()) {
    NamedArray a{s.name, s.shape, {}};
    int64_t n = 1;
    for (int64_t d : s.shape) n *= d;
    a.data.resize(static_cast<size_t>(n));
    // A deterministic, non-constant pattern in [0, 1): exercises every element.
    for (int64_t i = 0; i < n; ++i) a.data[i] = static_cast<float>((i * 37 % 101) / 101.0);
    r.push_back(std::move(a));
  }
  return r;
}

int64_t ModelRunner::memory_bytes() const {
  if (!session_.prepared()) return 0;
  return session_.stats().arena_bytes + session_.stats().weight_bytes;
}

int64_t argmax(const std::vector<float>& v) {
  if (v.empty()) return -1;
  size_t best = 0;
  for (size_t i = 1; i < v.size(); ++i)
    if (v[i] > v[best]) best = i;
  return static_cast<int64_t>(best);
}

bool has_non_finite(const std::vector<NamedArray>& outputs) {
  for (const auto& o : outputs)
    for (float x : o.data)
      if (!std::isfinite(x)) return true;
  return false;
}

}  // namespace wisp::agent
