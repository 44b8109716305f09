// wisp.h: the C API, a thin shell over the C++ one that turns exceptions into status codes.
#include "wisp/wisp.h"

#include <cstring>
#include <string>

#include "api/api_impl.hpp"
#include "core/status.hpp"
#include "runtime/session.hpp"
#include "wisp/wisp.hpp"

struct wisp_model {
  wisp::api::Model model;
};
struct wisp_session {
  std::shared_ptr<const wisp::api::Model::Impl> model;
  wisp::SessionConfig config;
  std::unique_ptr<wisp::Session> session;  // internal session, created at prepare
};


namespace {

thread_local std::string g_last_error;

template <class Fn>
wisp_status guarded(Fn&& fn) {
  try {
    fn();
    return WISP_OK;
  } catch (const wisp::Error& e) {
    g_last_error = e.what();
    return static_cast<wisp_status>(e.code());
  } catch (const std::bad_alloc&) {
    g_last_error = "out of memory";
    return WISP_ERROR_RESOURCE_EXHAUSTED;
  } catch (const std::exception& e) {
    g_last_error = e.what();
    return WISP_ERROR_INTERNAL;
  }
}

void fill_info(const wisp::api::TensorInfo& info, wisp_tensor* out) {
  std::memset(out, 0, sizeof(*out));
  out->type = static_cast<wisp_type>(info.type);
  WISP_CHECK(info.shape.size() <= WISP_MAX_RANK, wisp::ErrorCode::kUnsupported, "rank above ", WISP_MAX_RANK);
  out->rank = static_cast<int>(info.shape.size());
  for (size_t i = 0; i < info.shape.size(); ++i) out->shape[i] = info.shape[i];
}

wisp::TensorView view_of(const wisp_tensor& t) {
  WISP_CHECK(t.rank >= 0 && t.rank <= WISP_MAX_RANK, wisp::ErrorCode::kInvalidArgument, "tensor rank ", t.rank,
             " is out of range");
  wisp::TensorView v{static_cast<wisp::DType>(t.type), wisp::Shape(std::span<const int64_t>(t.shape, t.rank)), t.data};
  WISP_CHECK(t.data == nullptr || static_cast<int64_t>(t.bytes) >= v.bytes(), wisp::ErrorCode::kInvalidArgument,
             "tensor '", t.name ? t.name : "", "': buffer of ", t.bytes, " bytes is smaller than its shape needs (",
             v.bytes(), ")");
  return v;
}

}  // namespace

extern "C" {

const char* wisp_last_error(void) { return g_last_error.c_str(); }

wisp_status wisp_model_load(const char* path, wisp_model** out) {
  return guarded([&] {
    WISP_CHECK(path && out, wisp::ErrorCode::kInvalidArgument, "wisp_model_load: null argument");
    *out = nullptr;
    auto m = std::make_unique<wisp_model>(wisp_model{wisp::api::Model::load(path)});
    *out = m.release();
  });
}

wisp_status wisp_model_load_from_memory(const void* data, size_t size, wisp_model** out) {
  return guarded([&] {
    WISP_CHECK(out && (data || size == 0), wisp::ErrorCode::kInvalidArgument, "wisp_model_load_from_memory: null argument");
    *out = nullptr;
    auto m = std::make_unique<wisp_model>(wisp_model{wisp::api::Model::load_from_memory(data, size)});
    *out = m.release();
  });
}

void wisp_model_free(wisp_model* model) { delete model; }
size_t wisp_model_num_inputs(const wisp_model* model) { return model ? model->model.inputs().size() : 0; }
size_t wisp_model_num_outputs(const wisp_model* model) { return model ? model->model.outputs().size() : 0; }

wisp_status wisp_model_input(const wisp_model* model, size_t i, wisp_tensor* info) {
  return guarded([&] {
    WISP_CHECK(model && info, wisp::ErrorCode::kInvalidArgument, "wisp_model_input: null argument");
    auto ins = model->model.inputs();
    WISP_CHECK(i < ins.size(), wisp::ErrorCode::kInvalidArgument, "input ", i, " does not exist");
    fill_info(ins[i], info);
    info->name = model->model.impl()->model->graph.inputs[i]->name.c_str();
  });
}

wisp_status wisp_model_output(const wisp_model* model, size_t i, wisp_tensor* info) {
  return guarded([&] {
    WISP_CHECK(model && info, wisp::ErrorCode::kInvalidArgument, "wisp_model_output: null argument");
    auto outs = model->model.outputs();
    WISP_CHECK(i < outs.size(), wisp::ErrorCode::kInvalidArgument, "output ", i, " does not exist");
    fill_info(outs[i], info);
    info->name = model->model.impl()->model->graph.outputs[i]->name.c_str();
  });
}

wisp_status wisp_session_create(const wisp_model* model, wisp_session** out) {
  return guarded([&] {
    WISP_CHECK(model && out, wisp::ErrorCode::kInvalidArgument, "wisp_session_create: null argument");
    auto s = std::make_unique<wisp_session>();
    s->model = model->model.impl();
    s->session = std::make_unique<wisp::Session>(s->model->model, s->config);
    *out = s.release();
  });
}

void wisp_session_free(wisp_session* session) { delete session; }

wisp_status wisp_session_set_dim(wisp_session* session, const char* name, int64_t value) {
  return guarded([&] {
    WISP_CHECK(session && name && value >= 0, wisp::ErrorCode::kInvalidArgument, "wisp_session_set_dim: bad argument");
    session->config.dims[name] = value;
    session->session = std::make_unique<wisp::Session>(session->model->model, session->config);
  });
}

wisp_status wisp_session_prepare(wisp_session* session, const wisp_tensor* inputs, size_t num_inputs) {
  return guarded([&] {
    WISP_CHECK(session && (inputs || num_inputs == 0), wisp::ErrorCode::kInvalidArgument, "wisp_session_prepare: null argument");
    std::map<std::string, wisp::Shape> shapes;
    for (size_t i = 0; i < num_inputs; ++i) {
      WISP_CHECK(inputs[i].name != nullptr, wisp::ErrorCode::kInvalidArgument, "input ", i, " has no name");
      shapes[inputs[i].name] = view_of(inputs[i]).shape;
    }
    session->session->prepare(shapes);
  });
}

wisp_status wisp_session_output_info(const wisp_session* session, size_t i, wisp_tensor* info) {
  return guarded([&] {
    WISP_CHECK(session && info, wisp::ErrorCode::kInvalidArgument, "wisp_session_output_info: null argument");
    WISP_CHECK(session->session->prepared(), wisp::ErrorCode::kInvalidArgument, "the session is not prepared");
    std::memset(info, 0, sizeof(*info));
    wisp::Shape s = session->session->output_shape(i);
    info->type = static_cast<wisp_type>(session->session->output_dtype(i));
    info->rank = s.rank();
    for (int k = 0; k < s.rank(); ++k) info->shape[k] = s[k];
  });
}

wisp_status wisp_session_run(wisp_session* session, const wisp_tensor* inputs, size_t num_inputs, wisp_tensor* outputs,
                             size_t num_outputs) {
  return guarded([&] {
    WISP_CHECK(session && (inputs || num_inputs == 0) && (outputs || num_outputs == 0), wisp::ErrorCode::kInvalidArgument,
               "wisp_session_run: null argument");
    std::vector<wisp::NamedTensorView> feeds;
    for (size_t i = 0; i < num_inputs; ++i) {
      WISP_CHECK(inputs[i].name != nullptr, wisp::ErrorCode::kInvalidArgument, "input ", i, " has no name");
      feeds.push_back(wisp::NamedTensorView{inputs[i].name, view_of(inputs[i])});
    }
    std::vector<wisp::TensorView> outs;
    for (size_t i = 0; i < num_outputs; ++i) outs.push_back(view_of(outputs[i]));
    session->session->run_into(feeds, outs);
  });
}

int64_t wisp_session_arena_bytes(const wisp_session* session) { return session ? session->session->arena_bytes() : 0; }

}  // extern "C"
