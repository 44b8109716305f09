// wisp.hpp over the internal IR, importer and Session.
#include <cstring>
#include <new>

#include "api/api_impl.hpp"
#include "api/model_loading.hpp"
#include "core/status.hpp"
#include "onnx/onnx_importer.hpp"
#include "runtime/session.hpp"
#include "wisp/wisp.hpp"

namespace wisp::api {

static_assert(static_cast<int>(ElementType::kBool) == static_cast<int>(DType::kBool));
static_assert(static_cast<int>(ElementType::kFloat16) == static_cast<int>(DType::kF16));

const char* element_type_name(ElementType t) { return dtype_name(static_cast<DType>(t)).data(); }
size_t element_size(ElementType t) { return static_cast<size_t>(dtype_size(static_cast<DType>(t))); }

NDArray::NDArray(ElementType type, std::vector<int64_t> shape) : type_(type), shape_(std::move(shape)) {
  Tensor t(static_cast<DType>(type), Shape(std::span<const int64_t>(shape_)));
  // Keep the tensor's storage alive through the shared_ptr aliasing constructor.
  auto holder = std::make_shared<Tensor>(std::move(t));
  data_ = std::shared_ptr<std::byte[]>(holder, static_cast<std::byte*>(holder->data()));
}

int64_t NDArray::numel() const { return Shape(std::span<const int64_t>(shape_)).numel(); }

namespace {

TensorInfo info_of(const Value& v) {
  TensorInfo info;
  info.name = v.name;
  info.type = static_cast<ElementType>(v.dtype);
  if (v.shape)
    for (const SymDim& d : *v.shape) {
      info.shape.push_back(d.is_static() ? d.value : -1);
      info.dim_names.push_back(d.symbol);
    }
  return info;
}

}  // namespace

Model Model::load(const std::string& path) {
  Model m;
  auto impl = std::make_shared<Impl>();
  impl->model = load_model_file(path).model;
  m.impl_ = std::move(impl);
  return m;
}

Model Model::load_from_memory(const void* data, size_t size) {
  Model m;
  auto impl = std::make_shared<Impl>();
  impl->model = load_model_memory(data, size).model;
  m.impl_ = std::move(impl);
  return m;
}

std::vector<TensorInfo> Model::inputs() const {
  std::vector<TensorInfo> out;
  for (const Value* v : impl_->model->graph.inputs) out.push_back(info_of(*v));
  return out;
}

std::vector<TensorInfo> Model::outputs() const {
  std::vector<TensorInfo> out;
  for (const Value* v : impl_->model->graph.outputs) out.push_back(info_of(*v));
  return out;
}

struct Session::Impl {
  std::shared_ptr<const wisp::Model> model;
  wisp::Session session;
  Impl(std::shared_ptr<const wisp::Model> m, SessionConfig c) : model(m), session(m, std::move(c)) {}
};

Session::Session(const Model& model, SessionOptions options) {
  WISP_CHECK(model.impl() != nullptr, ErrorCode::kInvalidArgument, "Session: the model is not loaded");
  SessionConfig config;
  config.dims = std::move(options.dims);
  config.threads = options.threads;
  impl_ = std::make_unique<Impl>(model.impl()->model, std::move(config));
}
Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

void Session::prepare(const std::map<std::string, std::vector<int64_t>>& input_shapes) {
  std::map<std::string, Shape> shapes;
  for (const auto& [name, dims] : input_shapes) shapes[name] = Shape(std::span<const int64_t>(dims));
  impl_->session.prepare(shapes);
}

std::vector<NDArray> Session::run(const std::map<std::string, NDArray>& inputs) {
  std::vector<NamedTensorView> feeds;
  for (const auto& [name, a] : inputs)
    feeds.push_back(NamedTensorView{
        name, TensorView{static_cast<DType>(a.type()), Shape(std::span<const int64_t>(a.shape())), const_cast<void*>(a.data())}});
  std::vector<Tensor> outs = impl_->session.run(feeds);
  std::vector<NDArray> result;
  for (const Tensor& t : outs) {
    NDArray a(static_cast<ElementType>(t.dtype()), std::vector<int64_t>(t.shape().begin(), t.shape().end()));
    if (t.bytes() > 0) std::memcpy(a.data(), t.data(), static_cast<size_t>(t.bytes()));
    result.push_back(std::move(a));
  }
  return result;
}

std::vector<TensorInfo> Session::prepared_outputs() const {
  std::vector<TensorInfo> out;
  const auto& g = impl_->model->graph;
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    TensorInfo info;
    info.name = g.outputs[i]->name;
    info.type = static_cast<ElementType>(impl_->session.output_dtype(i));
    Shape s = impl_->session.output_shape(i);
    info.shape.assign(s.begin(), s.end());
    info.dim_names.assign(info.shape.size(), "");
    out.push_back(std::move(info));
  }
  return out;
}

MemoryStats Session::memory() const {
  const SessionStats& s = impl_->session.stats();
  return MemoryStats{s.arena_bytes, s.no_reuse_bytes, s.live_lower_bound, s.weight_bytes};
}

}  // namespace wisp::api
