// `wisp compare FLOAT QUANT --data D`: where a quantized model loses accuracy. Per-layer
// SQNR/cosine of every tensor both models share by name (src/verify/layer_compare.hpp),
// optionally per-layer sensitivity (one node quantized at a time, src/verify/sensitivity.hpp),
// file size, latency and top-1 before/after; as a table, JSON and a self-contained HTML page.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "api/model_loading.hpp"
#include "cli.hpp"
#include "core/status.hpp"
#include "io/dataset.hpp"
#include "passes/pass_manager.hpp"
#include "quant/quantizer.hpp"
#include "verify/compare_report.hpp"
#include "verify/model_eval.hpp"
#include "verify/sensitivity.hpp"

namespace wisp::cli {
namespace {

constexpr const char* kUsage = R"(Usage: wisp compare FLOAT.onnx QUANT.onnx --data DATA [--labels LABELS] [--limit N]
                 [--batch N] [--threads N] [--json FILE] [--html FILE] [--rows N] [--latency-runs N]
                 [--scale S] [--mean M,..] [--std S,..]
                 [--sensitivity --calib DATA [--calib-limit N] [--calib-method M] [--symmetric]]

Runs both models over DATA and reports, for every tensor of the float model that also exists
by name in the quantized one (in a QDQ model from `wisp optimize --int8`, tensor X is the
dequantized X), the SQNR (dB) and cosine similarity, worst first, with the node and op that
produce it. Also file sizes, median single-sample latency (optimized graphs, --latency-runs,
default 20; 0 skips) and, with --labels, top-1 of both models; the top-1 agreement always.

DATA / LABELS / --calib: .npy, a folder of .npy batches, an IDX file (.gz ok: Fashion-MNIST
train-images-idx3-ubyte.gz), or a folder of images. uint8 images are scaled by S (default
1/255), then normalised by --mean/--std (one value or one per channel).
--limit N uses the first N samples (default 1000; 0 = all). --batch N samples per run (100).
--sensitivity quantizes one compute node at a time (Conv, Gemm, MatMul, residual Add) with
calibration on --calib (first --calib-limit samples, default 512; --calib-method
minmax|percentile|entropy|mse|auto, default auto) and reports the final-output SQNR and
top-1 drop of each (against --labels, or agreement with the float model without them).
--json FILE / --html FILE also write the report as JSON / one self-contained HTML page.
--rows N limits the terminal tables to N rows (default 20; 0 = all).
)";

std::vector<float> parse_floats(const std::string& text, const char* flag) {
  std::vector<float> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t comma = std::min(text.find(',', pos), text.size());
    try {
      size_t used = 0;
      const std::string part = text.substr(pos, comma - pos);
      out.push_back(std::stof(part, &used));
      if (used != part.size()) throw std::invalid_argument(part);
    } catch (const std::exception&) {
      throw UsageError{str_cat("--", flag, " expects numbers separated by commas, got '", text, "'")};
    }
    pos = comma + 1;
  }
  return out;
}

DatasetOptions dataset_options(const Args& args, int64_t limit) {
  DatasetOptions o;
  o.scale = static_cast<float>(args.get_double("scale", 1.0 / 255.0));
  if (args.has("mean")) o.mean = parse_floats(args.get("mean"), "mean");
  if (args.has("std")) o.std = parse_floats(args.get("std"), "std");
  o.limit = limit;
  return o;
}

// Calibration feeds of up to 32 samples (or the model's fixed batch size).
quant::CalibrationData calibration_feeds(const Model& model, const Tensor& data) {
  const Value* in = model.graph.inputs.at(0);
  int64_t chunk = 32;
  if (in->shape && !in->shape->empty() && (*in->shape)[0].is_static()) chunk = std::max<int64_t>((*in->shape)[0].value, 1);
  quant::CalibrationData calib;
  const int64_t n = data.shape()[0];
  const bool fixed = chunk != 32;
  for (int64_t start = 0; start < n; start += chunk) {
    const int64_t count = std::min(chunk, n - start);
    if (fixed && count < chunk) break;  // a fixed batch dim takes whole batches only
    calib.feeds.push_back({{in->name, slice_samples(data, start, count)}});
  }
  return calib;
}

int64_t file_size(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  WISP_CHECK(out.good(), ErrorCode::kIo, "could not write '", path, "'");
}

}  // namespace

int cmd_compare(const std::vector<std::string>& argv) {
  Args args(argv,
            {"data", "labels", "limit", "batch", "threads", "json", "html", "rows", "latency-runs", "scale", "mean", "std",
             "calib", "calib-limit", "calib-method"},
            {"help", "sensitivity", "symmetric"});
  if (args.flag("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (args.positional().size() != 2) throw UsageError{"expected two models: FLOAT and QUANT"};
  if (!args.has("data")) throw UsageError{"--data is required"};
  if (args.flag("sensitivity") && !args.has("calib")) throw UsageError{"--sensitivity needs --calib DATA"};
  const int64_t limit = args.get_int("limit", 1000);
  if (limit < 0) throw UsageError{"--limit must be >= 0"};
  verify::BatchOptions batches;
  batches.batch = args.get_int("batch", 100);
  batches.threads = static_cast<int>(args.get_int("threads", 1));
  if (batches.batch < 1) throw UsageError{"--batch must be at least 1"};
  if (batches.threads < 1 || batches.threads > 256) throw UsageError{"--threads must be between 1 and 256"};
  const int latency_runs = static_cast<int>(args.get_int("latency-runs", 20));

  const std::string float_path = args.positional()[0], quant_path = args.positional()[1];
  const std::shared_ptr<Model> float_model = load_model_file(float_path).model;
  const std::shared_ptr<Model> quant_model = load_model_file(quant_path).model;
  const Tensor data = load_dataset(args.get("data"), dataset_options(args, limit == 0 ? -1 : limit));
  std::optional<Tensor> labels;
  if (args.has("labels")) labels = load_labels(args.get("labels"), limit == 0 ? -1 : limit);

  verify::CompareReport report;
  report.threads = batches.threads;
  report.output_name = float_model->graph.outputs.at(0)->name;
  verify::LayerCompareOptions lc;
  lc.batches = batches;
  report.layers = verify::compare_layers(*float_model, *quant_model, data, lc);
  report.samples = report.layers.samples;

  // Before/after on the optimized graphs as `wisp run` would run them (no probe outputs).
  const Tensor* label_ptr = labels ? &*labels : nullptr;
  const verify::ModelEvaluation fe = verify::evaluate_model(optimize_model(*float_model), data, label_ptr, batches, latency_runs);
  const verify::ModelEvaluation qe = verify::evaluate_model(optimize_model(*quant_model), data, label_ptr, batches, latency_runs);
  report.float_model = {float_path, file_size(float_path), fe.latency_ms_median, fe.top1};
  report.quant_model = {quant_path, file_size(quant_path), qe.latency_ms_median, qe.top1};
  report.top1_agreement = verify::agreement_percent(fe.predictions, qe.predictions);

  if (args.flag("sensitivity")) {
    const Tensor calib_data = load_dataset(args.get("calib"), dataset_options(args, args.get_int("calib-limit", 512)));
    verify::SensitivityOptions so;
    so.batches = batches;
    so.quantize.symmetric_activations = args.flag("symmetric");
    if (args.has("calib-method")) so.quantize.method = quant::parse_calib_method(args.get("calib-method"));
    so.quantize.threads = batches.threads;
    if (isatty(STDERR_FILENO)) {  // a progress line only where someone watches it
      so.progress = [](size_t i, size_t n, const std::string& node) {
        std::fprintf(stderr, "\rsensitivity %zu/%zu %-40.40s", i + 1, n, node.c_str());
        if (i + 1 == n) std::fputc('\n', stderr);
      };
    }
    report.sensitivity = verify::layer_sensitivity(*float_model, calibration_feeds(*float_model, calib_data), data,
                                                   label_ptr, so);
  }

  std::fputs(verify::report_table(report, static_cast<size_t>(std::max<int64_t>(args.get_int("rows", 20), 0))).c_str(), stdout);
  if (args.has("json")) write_file(args.get("json"), verify::report_json(report));
  if (args.has("html")) write_file(args.get("html"), verify::report_html(report));
  return 0;
}

}  // namespace wisp::cli
