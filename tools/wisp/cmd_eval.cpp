// `wisp eval MODEL --data X.npy --labels Y.npy`: accuracy and latency on a labelled set.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>

#include "api/model_loading.hpp"
#include "cli.hpp"
#include "io/dataset.hpp"
#include "io/npy.hpp"
#include "onnx/onnx_importer.hpp"
#include "passes/pass_manager.hpp"
#include "runtime/session.hpp"

namespace wisp::cli {
namespace {

constexpr const char* kUsage = R"(Usage: wisp eval MODEL.onnx|MODEL.wisp --data DATA --labels LABELS
                 [--input NAME] [--output NAME] [--scale S] [--batch N] [--limit N] [--threads N] [--json]
                 [--no-optimize]

Runs the model over every sample of DATA (first axis = samples) and compares the
arg-max of the output with LABELS (integers, one per sample). DATA is a .npy file, a
folder of .npy batches, an IDX file (.gz ok, e.g. t10k-images-idx3-ubyte.gz: uint8
images become [N,1,H,W] scaled by S) or a folder of images; LABELS a .npy or IDX file. Prints top-1 and
top-5 accuracy and the latency per batch (median, p90, min, max; after one warm-up batch).
Integer data fed to a float input is converted as value * S (default S = 1/255 for uint8,
1 otherwise). --batch sets the samples per run (default 1); --limit uses the first N.
The graph optimizer runs first unless --no-optimize is given.
--threads N runs kernels on N threads (default 1; results are the same for any N).
Kernels use the best instruction set the CPU has; WISP_MAX_ISA=ref|avx2|avx512 caps it.
)";

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * double(v.size() - 1) + 0.5));
  return v[i];
}

}  // namespace

int cmd_eval(const std::vector<std::string>& argv) {
  Args args(argv, {"data", "labels", "input", "output", "scale", "batch", "limit", "dim", "threads"},
            {"json", "help", "no-optimize"});
  if (args.flag("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (args.positional().size() != 1) throw UsageError{"expected one MODEL argument"};
  if (!args.has("data") || !args.has("labels")) throw UsageError{"--data and --labels are required"};
  const std::string path = args.positional()[0];
  // A .wisp is already optimized (wisp convert); ONNX is optimized here unless told not to.
  const LoadedModel loaded = load_model_file(path);
  std::shared_ptr<Model> model = loaded.model;
  if (loaded.format == ModelFormat::kOnnx && !args.flag("no-optimize")) model = optimize_model(*model);
  // .npy data is fed as stored (converted to the input's type below); anything else
  // (IDX, folders of .npy batches or images) goes through load_dataset as float32.
  const std::string data_path = args.get("data");
  const bool npy = data_path.size() > 4 && data_path.compare(data_path.size() - 4, 4, ".npy") == 0;
  DatasetOptions dataset;
  dataset.scale = static_cast<float>(args.get_double("scale", 1.0 / 255.0));
  if (args.has("limit")) dataset.limit = args.get_int("limit", -1);
  Tensor data = npy ? read_npy(data_path) : load_dataset(data_path, dataset);
  Tensor labels = load_labels(args.get("labels"), npy ? -1 : dataset.limit);
  WISP_CHECK(data.shape().rank() >= 1, ErrorCode::kInvalidArgument, args.get("data"), ": data must have a sample axis");
  WISP_CHECK(dtype_is_integer(labels.dtype()) && labels.shape().rank() == 1, ErrorCode::kInvalidArgument, args.get("labels"),
             ": labels must be a 1-D integer array");
  int64_t n = data.shape()[0];
  WISP_CHECK(labels.numel() == n, ErrorCode::kInvalidArgument, "there are ", n, " samples but ", labels.numel(), " labels");
  if (args.has("limit")) n = std::min(n, args.get_int("limit", n));
  const int64_t batch = args.get_int("batch", 1);
  if (batch < 1) throw UsageError{"--batch must be at least 1"};

  const Graph& g = model->graph;
  WISP_CHECK(!g.inputs.empty() && !g.outputs.empty(), ErrorCode::kInvalidModel, "the model has no inputs or outputs");
  const Value* in = g.inputs[0];
  if (args.has("input")) {
    in = g.find_value(args.get("input"));
    WISP_CHECK(in != nullptr, ErrorCode::kInvalidArgument, "the model has no input named '", args.get("input"), "'");
  }
  size_t out_index = 0;
  if (args.has("output")) {
    while (out_index < g.outputs.size() && g.outputs[out_index]->name != args.get("output")) ++out_index;
    WISP_CHECK(out_index < g.outputs.size(), ErrorCode::kInvalidArgument, "the model has no output named '", args.get("output"), "'");
  }
  const double scale = args.get_double("scale", data.dtype() == DType::kU8 ? 1.0 / 255.0 : 1.0);

  // Convert the data once to the input's type (integer data scaled into float inputs).
  Tensor converted(in->dtype, data.shape());
  for (int64_t i = 0; i < data.numel(); ++i) {
    const double v = data.scalar_as_double(i) * (dtype_is_float(in->dtype) && !dtype_is_float(data.dtype()) ? scale : 1.0);
    dispatch_dtype(in->dtype, "eval input", [&](auto tag) {
      using T = decltype(tag);
      converted.as<T>()[i] = static_cast<T>(static_cast<float>(v));
    });
  }
  const int64_t sample_bytes = converted.bytes() / std::max<int64_t>(data.shape()[0], 1);

  SessionConfig config;
  config.dims = args.dims();
  config.threads = static_cast<int>(args.get_int("threads", 1));
  if (config.threads < 1 || config.threads > 256) throw UsageError{"--threads must be between 1 and 256"};
  Session session(model, config);
  int64_t top1 = 0, top5 = 0, seen = 0;
  std::vector<double> times;
  for (int64_t start = 0; start < n; start += batch) {
    const int64_t b = std::min(batch, n - start);
    Shape shape = data.shape();
    shape[0] = b;
    TensorView view{in->dtype, shape, static_cast<std::byte*>(converted.data()) + start * sample_bytes};
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<Tensor> outs = session.run({{in->name, view}});
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    const Tensor& y = outs.at(out_index);
    WISP_CHECK(y.shape().rank() >= 1 && y.shape()[0] == b, ErrorCode::kInvalidArgument, "output '",
               g.outputs[out_index]->name, "' has shape ", y.shape().str(), ": expected one row per sample");
    const int64_t classes = y.numel() / b;
    for (int64_t s = 0; s < b; ++s) {
      const int64_t label = labels.scalar_as_int(start + s);
      const double target = label >= 0 && label < classes ? y.scalar_as_double(s * classes + label) : -INFINITY;
      // Rank of the true class: how many classes come before it in arg-max order. Ties go to
      // the lower class index (numpy/PyTorch arg-max): counting a tie as a hit would flatter
      // quantized models, whose outputs on a uint8 grid tie often (0.45 pt on lenet INT8).
      int64_t higher = 0;
      for (int64_t c = 0; c < classes; ++c) {
        const double v = y.scalar_as_double(s * classes + c);
        higher += v > target || (v == target && c < label);
      }
      top1 += higher == 0 && label >= 0 && label < classes;
      top5 += higher < 5 && label >= 0 && label < classes;
      ++seen;
    }
  }
  std::vector<double> warm(times.size() > 1 ? times.begin() + 1 : times.begin(), times.end());
  const double acc1 = seen ? 100.0 * double(top1) / double(seen) : 0, acc5 = seen ? 100.0 * double(top5) / double(seen) : 0;
  const double med = percentile(warm, 0.5), p90 = percentile(warm, 0.9);
  const double lo = warm.empty() ? 0 : *std::min_element(warm.begin(), warm.end());
  const double hi = warm.empty() ? 0 : *std::max_element(warm.begin(), warm.end());
  if (args.flag("json")) {
    Json j;
    j.begin_object().value("model", path).value("samples", seen).value("batch", batch).value("top1", acc1).value("top5", acc5);
    j.value("latency_ms_median", med).value("latency_ms_p90", p90).value("latency_ms_min", lo).value("latency_ms_max", hi);
    j.value("first_run_ms", times.empty() ? 0.0 : times[0]).value("arena_bytes", session.stats().arena_bytes).end_object();
    std::printf("%s\n", j.str().c_str());
    return 0;
  }
  std::printf("Evaluated %s on %lld samples (batch %lld)\n", path.c_str(), static_cast<long long>(seen),
              static_cast<long long>(batch));
  std::printf("  top-1 accuracy   %.2f%%  (%lld/%lld)\n", acc1, static_cast<long long>(top1), static_cast<long long>(seen));
  std::printf("  top-5 accuracy   %.2f%%\n", acc5);
  std::printf("  latency / batch  median %.3f ms, p90 %.3f ms, min %.3f ms, max %.3f ms (first run %.3f ms)\n", med, p90, lo,
              hi, times.empty() ? 0.0 : times[0]);
  std::printf("  arena            %lld bytes\n", static_cast<long long>(session.stats().arena_bytes));
  return 0;
}

}  // namespace wisp::cli
