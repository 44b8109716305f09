#include "onnx_test_case.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>

#include "core/status.hpp"
#include "onnx/onnx_exporter.hpp"
#include "onnx/onnx_importer.hpp"
#include "passes/pass_manager.hpp"
#ifdef WISP_WITH_FORMAT
#include "format/wisp_format.hpp"
#endif
#include "passes/pass_manager.hpp"
#include "runtime/session.hpp"

namespace wisp::conformance {
namespace {

namespace fs = std::filesystem;

const char* const kOutcomeNames[] = {"PASS", "FAIL", "UNSUPPORTED", "ERROR", "CRASH", "TIMEOUT", "SKIP"};

// prefix_N.pb files in `dir`, ordered by N.
std::vector<fs::path> numbered_files(const fs::path& dir, const std::string& prefix) {
  std::vector<std::pair<int, fs::path>> found;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string f = e.path().filename().string();
    if (f.rfind(prefix, 0) != 0 || e.path().extension() != ".pb") continue;
    const std::string num = f.substr(prefix.size(), f.size() - prefix.size() - 3);
    if (num.empty() || !std::all_of(num.begin(), num.end(), ::isdigit)) continue;
    found.emplace_back(std::stoi(num), e.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> out;
  for (auto& [n, p] : found) out.push_back(p);
  return out;
}

struct NamedTensor {
  std::string name;
  Tensor tensor;
};

std::vector<NamedTensor> read_tensors(const std::vector<fs::path>& files) {
  std::vector<NamedTensor> out;
  for (const auto& f : files) {
    NamedTensor t;
    t.tensor = read_onnx_tensor_file(f.string(), &t.name);
    out.push_back(std::move(t));
  }
  return out;
}

// Index into `values` for each data tensor: by the TensorProto name when every file has a
// name matching a value (optional inputs may be omitted from the data), else by position.
std::vector<size_t> match_by_name_or_position(const std::vector<NamedTensor>& data, const std::vector<Value*>& values,
                                              const char* what) {
  std::vector<size_t> idx;
  bool all_named = true;
  for (const auto& d : data) {
    auto it = std::find_if(values.begin(), values.end(), [&](const Value* v) { return v && v->name == d.name; });
    if (d.name.empty() || it == values.end()) {
      all_named = false;
      break;
    }
    idx.push_back(static_cast<size_t>(it - values.begin()));
  }
  if (all_named) return idx;
  WISP_CHECK(data.size() <= values.size(), ErrorCode::kInvalidArgument, "test data has ", data.size(), " ", what,
             " files but the graph has ", values.size(), " ", what, "s");
  idx.clear();
  for (size_t i = 0; i < data.size(); ++i) idx.push_back(i);
  return idx;
}

double as_double(const TensorView& v, int64_t i) { return element_as_double(v, i); }

// The ONNX 1.12 test data stores bfloat16 tensors as UINT16 (NumPy has no bfloat16): the
// bits are bfloat16's, so reinterpret them when the graph says bf16.
Tensor as_bf16_if_stored_as_u16(Tensor t, DType wanted) {
  if (wanted != DType::kBF16 || t.dtype() != DType::kU16) return t;
  Tensor out(DType::kBF16, t.shape());
  if (t.bytes() > 0) std::memcpy(out.data(), t.data(), static_cast<size_t>(t.bytes()));
  return out;
}

}  // namespace

const char* outcome_name(Outcome o) { return kOutcomeNames[static_cast<int>(o)]; }

std::vector<TestCase> discover_tests(const std::string& suite_dir) {
  std::vector<TestCase> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(suite_dir, ec))
    if (e.is_directory() && fs::exists(e.path() / "model.onnx"))
      out.push_back({e.path().filename().string(), e.path().string(), suite_dir});
  WISP_CHECK(!ec, ErrorCode::kIo, "cannot list test suite '", suite_dir, "': ", ec.message());
  std::sort(out.begin(), out.end(), [](const TestCase& a, const TestCase& b) { return a.name < b.name; });
  return out;
}

std::string compare_tensors(const Tensor& actual, const Tensor& expected, const Tolerance& tol) {
  if (actual.dtype() != expected.dtype())
    return str_cat("dtype ", dtype_name(actual.dtype()), ", expected ", dtype_name(expected.dtype()));
  if (!(actual.shape() == expected.shape()))
    return str_cat("shape ", actual.shape().str(), ", expected ", expected.shape().str());
  const bool is_float = dtype_is_float(actual.dtype());
  for (int64_t i = 0; i < actual.numel(); ++i) {
    bool ok;
    std::string got, want;
    if (is_float) {
      const double a = as_double(actual.view(), i), b = as_double(expected.view(), i);
      ok = (std::isnan(a) && std::isnan(b)) || a == b || std::fabs(a - b) <= tol.atol + tol.rtol * std::fabs(b);
      if (!ok) got = str_cat(a), want = str_cat(b);
    } else if (actual.dtype() == DType::kU64) {
      const uint64_t a = actual.as<uint64_t>()[i], b = expected.as<uint64_t>()[i];
      ok = a == b;
      if (!ok) got = str_cat(a), want = str_cat(b);
    } else {
      const int64_t a = element_as_int(actual.view(), i), b = element_as_int(expected.view(), i);
      ok = a == b;
      if (!ok) got = str_cat(a), want = str_cat(b);
    }
    if (!ok) {
      int64_t bad = 0;
      for (int64_t j = i; j < actual.numel(); ++j) {
        const double a = as_double(actual.view(), j), b = as_double(expected.view(), j);
        if (!((std::isnan(a) && std::isnan(b)) || a == b || std::fabs(a - b) <= tol.atol + tol.rtol * std::fabs(b))) ++bad;
      }
      return str_cat("element ", i, " of ", actual.numel(), ": got ", got, ", expected ", want, " (", bad,
                     " elements differ)");
    }
  }
  return "";
}

TestResult run_test_case(const TestCase& tc, const Tolerance& tol, bool optimize, bool via_wisp, bool via_onnx) {
  try {
    std::shared_ptr<Model> model = import_onnx_file((fs::path(tc.dir) / "model.onnx").string());
    if (optimize) model = optimize_model(*model);
    if (via_wisp) {
#ifdef WISP_WITH_FORMAT
      // Write the model as .wisp and run what loads back: constants then live in a
      // read-only mapping (a kernel writing to one would crash), after the file is unlinked.
      const std::string path = (fs::temp_directory_path() / str_cat("wisp_conformance_", ::getpid(), ".wisp")).string();
      format::write_wisp_file(path, *model, {}, nullptr);
      format::LoadedWisp w = format::load_wisp_file(path);
      fs::remove(path);
      model = w.model;
#else
      fail(ErrorCode::kUnsupported, "--via-wisp needs a build with WISP_WITH_FORMAT");
#endif
    }
    // The round trip: the exported model, imported again, must compute exactly what the
    // original import computes.
    std::shared_ptr<Model> exported;
    std::unique_ptr<Session> original_session;
    if (via_onnx) {
      const std::string bytes = export_onnx_bytes(*model);
      exported = import_onnx_bytes(bytes.data(), bytes.size(), "");
      original_session = std::make_unique<Session>(model);
      model = exported;
    }
    const Graph& g = model->graph;
    std::vector<fs::path> sets;
    for (const auto& e : fs::directory_iterator(tc.dir))
      if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0) sets.push_back(e.path());
    std::sort(sets.begin(), sets.end());
    Session session(model);
    for (const fs::path& set : sets) {
      const std::vector<NamedTensor> inputs = read_tensors(numbered_files(set, "input_"));
      const std::vector<NamedTensor> expected = read_tensors(numbered_files(set, "output_"));
      const std::vector<size_t> in_idx = match_by_name_or_position(inputs, g.inputs, "input");
      std::map<std::string, Shape> shapes;
      std::vector<Tensor> bound;
      std::vector<NamedTensorView> views;
      for (size_t i = 0; i < inputs.size(); ++i) {
        const Value* v = g.inputs[in_idx[i]];
        bound.push_back(as_bf16_if_stored_as_u16(inputs[i].tensor, v->dtype));
        shapes[v->name] = bound.back().shape();
      }
      for (size_t i = 0; i < inputs.size(); ++i) views.push_back({g.inputs[in_idx[i]]->name, bound[i].view()});
      session.prepare(shapes);
      const std::vector<Tensor> outputs = session.run(views);
      if (original_session) {
        original_session->prepare(shapes);
        const std::vector<Tensor> original = original_session->run(views);
        for (size_t k = 0; k < original.size() && k < outputs.size(); ++k) {
          const std::string diff = compare_tensors(outputs[k], original[k], Tolerance{0, 0});
          if (!diff.empty())
            return {Outcome::kFail, str_cat(set.filename().string(), ": output '", g.outputs[k]->name,
                                            "' of the exported model differs from the original's: ", diff)};
        }
      }
      const std::vector<size_t> out_idx = match_by_name_or_position(expected, g.outputs, "output");
      for (size_t i = 0; i < expected.size(); ++i) {
        const size_t k = out_idx[i];
        if (k >= outputs.size())
          return {Outcome::kFail, str_cat(set.filename().string(), ": missing output ", k)};
        const std::string diff =
            compare_tensors(outputs[k], as_bf16_if_stored_as_u16(expected[i].tensor, outputs[k].dtype()), tol);
        if (!diff.empty())
          return {Outcome::kFail, str_cat(set.filename().string(), ": output '", g.outputs[k]->name, "' ", diff)};
      }
    }
    return {Outcome::kPass, ""};
  } catch (const Error& e) {
    return {e.code() == ErrorCode::kUnsupported ? Outcome::kUnsupported : Outcome::kError,
            str_cat(error_code_name(e.code()), ": ", e.what())};
  } catch (const std::exception& e) {
    return {Outcome::kError, str_cat("std::exception: ", e.what())};
  }
}

}  // namespace wisp::conformance
