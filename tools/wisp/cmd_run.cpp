// `wisp run MODEL`: run once on .npy inputs (or random ones), print and save the outputs.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "api/model_loading.hpp"
#ifdef WISP_WITH_FORMAT
#include "format/wisp_format.hpp"
#endif
#include "cli.hpp"
#include "cli_inputs.hpp"
#include "io/npy.hpp"
#include "onnx/onnx_importer.hpp"
#include "passes/pass_manager.hpp"
#include "runtime/session.hpp"

namespace wisp::cli {
namespace {

constexpr const char* kUsage = R"(Usage: wisp run MODEL.onnx|MODEL.wisp [--input NAME=FILE.npy]... [--random] [--seed N]
                [--dim NAME=SIZE]... [--output-dir DIR] [--threads N] [--json] [--no-optimize]

Runs the model once. Each input comes from a NumPy .npy file (--input image=x.npy); with
--random, inputs not given are filled with random values (floats in [0,1), integers in
[0,10), seed from --seed) using their declared shapes (symbolic dims from --dim, else 1).
Prints each output's type, shape, range and first values; --output-dir writes one
OUTPUT_NAME.npy per output; --json prints the same as one JSON object.
The graph optimizer (fusions, folding; see `wisp inspect --optimized`) runs first unless
--no-optimize is given.
--threads N runs kernels on N threads (default 1; the outputs are the same for any N).
--check-reference (a .wisp made with `wisp convert --reference-input`): runs the stored
reference cases instead and compares with their stored outputs; exit 1 on a mismatch.
)";

std::string safe_file_name(const std::string& name) {
  std::string s;
  for (char c : name) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '_';
  return s.empty() ? "output" : s;
}

#ifdef WISP_WITH_FORMAT
int check_reference_cases(const std::string& path) {
  const format::LoadedWisp w = format::load_wisp_file(path);
  WISP_CHECK(!w.metadata.references.empty(), ErrorCode::kInvalidArgument, path,
             " has no reference cases (convert it with --reference-input X.npy)");
  const format::ReferenceCheck r = format::check_references(w);
  for (const std::string& f : r.failures) std::printf("MISMATCH  %s\n", f.c_str());
  std::printf("%s: %zu reference case(s), %s (largest difference %g)\n", path.c_str(), r.cases,
              r.failures.empty() ? "all outputs match" : "FAILED", r.max_abs_diff);
  return r.failures.empty() ? 0 : 1;
}
#endif

}  // namespace

int cmd_run(const std::vector<std::string>& argv) {
  Args args(argv, {"input", "seed", "dim", "output-dir", "threads"},
            {"random", "json", "help", "no-optimize", "check-reference"});
  if (args.flag("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (args.positional().size() != 1) throw UsageError{"expected one MODEL argument"};
#ifdef WISP_WITH_FORMAT
  if (args.flag("check-reference")) return check_reference_cases(args.positional()[0]);
#endif
  // A .wisp is already optimized (wisp convert); ONNX is optimized here unless told not to.
  const LoadedModel loaded = load_model_file(args.positional()[0]);
  std::shared_ptr<Model> model = loaded.model;
  if (loaded.format == ModelFormat::kOnnx && !args.flag("no-optimize")) model = optimize_model(*model);
  SessionConfig config;
  config.dims = args.dims();
  config.default_symbolic_dim = 1;
  config.threads = static_cast<int>(args.get_int("threads", 1));
  if (config.threads < 1 || config.threads > 256) throw UsageError{"--threads must be between 1 and 256"};
  const std::vector<ModelInput> inputs = load_or_make_inputs(*model, args.all("input"), config.dims,
                                                             static_cast<uint32_t>(args.get_int("seed", 0)));
  std::vector<NamedTensorView> feeds;
  for (const ModelInput& in : inputs) {
    if (in.random && !args.flag("random"))
      throw UsageError{"input '" + in.name + "' is not given: pass --input " + in.name + "=FILE.npy or --random"};
    feeds.push_back({in.name, in.tensor.view()});
  }

  Session session(model, config);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<Tensor> outs = session.run(feeds);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

  const std::string dir = args.get("output-dir");
  if (!dir.empty()) std::filesystem::create_directories(dir);
  Json j;
  j.begin_object().value("model", args.positional()[0]).value("latency_ms", ms).begin_array("outputs");
  for (size_t i = 0; i < outs.size(); ++i) {
    const Tensor& t = outs[i];
    const std::string& name = model->graph.outputs[i]->name;
    double lo = INFINITY, hi = -INFINITY, sum = 0;
    for (int64_t k = 0; k < t.numel(); ++k) {
      const double v = t.scalar_as_double(k);
      lo = std::min(lo, v), hi = std::max(hi, v), sum += v;
    }
    std::string file;
    if (!dir.empty()) {
      file = (std::filesystem::path(dir) / (safe_file_name(name) + ".npy")).string();
      write_npy(file, t.view());
    }
    if (args.flag("json")) {
      j.begin_object().value("name", name).value("dtype", std::string(dtype_name(t.dtype()))).value("shape", t.shape().str());
      j.value("min", lo).value("max", hi).value("mean", t.numel() ? sum / double(t.numel()) : 0.0);
      if (!file.empty()) j.value("file", file);
      j.begin_array("first");
      for (int64_t k = 0; k < std::min<int64_t>(t.numel(), 16); ++k) j.value("", t.scalar_as_double(k));
      j.end_array().end_object();
      continue;
    }
    std::printf("%s  %s %s  min %.6g max %.6g mean %.6g\n  ", name.c_str(), std::string(dtype_name(t.dtype())).c_str(),
                t.shape().str().c_str(), lo, hi, t.numel() ? sum / double(t.numel()) : 0.0);
    for (int64_t k = 0; k < std::min<int64_t>(t.numel(), 10); ++k) std::printf("%.6g ", t.scalar_as_double(k));
    std::printf("%s\n", t.numel() > 10 ? "..." : "");
    if (!file.empty()) std::printf("  written to %s\n", file.c_str());
  }
  j.end_array().end_object();
  if (args.flag("json")) std::printf("%s\n", j.str().c_str());
  else std::printf("(%.3f ms including prepare)\n", ms);
  return 0;
}

}  // namespace wisp::cli
