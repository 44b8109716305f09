// `wisp optimize IN.onnx -o OUT.onnx|OUT.wisp`: quantization and weight compression.
//   --int8       static PTQ to ONNX QDQ (src/quant/quantizer.hpp) calibrated on --calib DATA
//   --dynamic    MatMul/Gemm dynamic activation quantization, LSTM/GRU int8 weights
//   --fp16 / --int4 / --prune: weight conversions provided by src/quant (E's part); --int4 is
//   compiled in when src/quant/int4_weights.hpp exists (CMake sets WISP_HAS_INT4).
// The graph gets only the standard-preserving passes before quantization (BN folding,
// Identity/dead-node removal...), never the wisp-specific fusions, so the ONNX written is
// plain ONNX that ONNX Runtime runs.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "cli.hpp"
#include "io/dataset.hpp"
#include "onnx/onnx_importer.hpp"
#include "passes/pass_manager.hpp"
#include "quant/calib_methods.hpp"
#include "quant/layer_sqnr.hpp"
#include "quant/model_prep.hpp"
#include "quant/quantizer.hpp"
#include "runtime/session.hpp"
#include "wisp/error.hpp"
#ifdef WISP_WITH_FORMAT
#include "format/wisp_format.hpp"
#endif
#include "onnx/onnx_exporter.hpp"
#include "quant/fp16_weights.hpp"
#include "quant/prune.hpp"
#define WISP_HAS_ONNX_EXPORT 1
#define WISP_HAS_FP16 1
#define WISP_HAS_PRUNE 1
// int4 arrives with E's branch: CMake defines WISP_HAS_INT4 when src/quant/int4_weights.hpp
// exists (a compile definition, not __has_include, so ccache's direct mode cannot hand back
// an object compiled before the header appeared).
#ifdef WISP_HAS_INT4
#include "quant/int4_weights.hpp"
#endif

namespace wisp::cli {
namespace {

constexpr const char* kUsage = R"(Usage: wisp optimize IN.onnx -o OUT.onnx|OUT.wisp [mode] [options]

Modes (one of --int8 / --dynamic; --prune may come first, --fp16/--int4 instead of int8):
  --int8                  static post-training quantization to ONNX QDQ: weights per-channel
                          symmetric int8, bias int32, activations per-tensor uint8 asymmetric
  --dynamic               MatMul/Gemm: int8 weights + per-run activation quantization
                          (DynamicQuantizeLinear); LSTM/GRU: int8 weights, float recurrence
  --fp16                  weights stored as float16
  --int4 [--group-size G] MatMul/Gemm weights int4, group-wise (G = 32, 64 or 128)
  --prune RATIO [--structured]  zero RATIO of the weights (or remove output channels)

Calibration (--int8):
  --calib DATA            .npy, folder of .npy batches, folder of images, IDX file (.gz ok)
  --calib-limit N         samples used (default 512)
  --calib-method M        minmax | percentile | entropy | mse | auto (default: auto picks per
                          tensor the method with the best SQNR on its calibration values)
  --percentile P          for percentile (default 99.99)
  --mean a,b,c --std a,b,c --resize H,W --scale S   data preprocessing (images/IDX: S=1/255)
  --symmetric             int8 symmetric activations (zero point 0) instead of uint8
  --keep-float N1,N2      node names left in float
  --no-equalize           skip cross-layer equalization
  --no-bias-correction    skip bias correction
  --accuracy-budget PTS --eval DATA --labels L [--eval-limit N]
                          keep the most sensitive layers float until the top-1 drop on
                          --eval is at most PTS points
Other:
  --threads N  --batch N (calibration batch, default 16 when the batch dim is free)
  --progress   progress bars on stderr (default: when stderr is a terminal)
  --json       machine-readable summary on stdout
)";

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

template <class T>
std::vector<T> parse_list(const std::string& s, const char* flag) {
  std::vector<T> out;
  for (const std::string& item : split(s, ',')) {
    try {
      out.push_back(static_cast<T>(std::stod(item)));
    } catch (...) {
      throw UsageError{std::string(flag) + ": '" + item + "' is not a number"};
    }
  }
  return out;
}

int64_t constant_bytes(const Model& m) {
  int64_t b = 0;
  for (const auto& v : m.graph.values())
    if (v->is_constant()) b += v->constant->bytes();
  return b;
}

// Splits a [N, ...] data set into feeds for the model's first input.
quant::CalibrationData make_feeds(const Model& model, const Tensor& data, int64_t batch) {
  WISP_CHECK(model.graph.inputs.size() == 1, ErrorCode::kUnsupported,
             "calibration data feeds one input; this model has ", model.graph.inputs.size());
  const Value* in = model.graph.inputs[0];
  // A static batch dimension decides the batch; a symbolic one takes --batch.
  const bool fixed = in->shape && !in->shape->empty() && (*in->shape)[0].is_static();
  if (fixed) batch = (*in->shape)[0].value;
  quant::CalibrationData cd;
  const int64_t n = data.shape()[0];
  // A fixed batch drops the samples that do not fill one; a free one takes a short last batch.
  for (int64_t s = 0; s < n && (!fixed || s + batch <= n); s += batch)
    cd.feeds.push_back({{in->name, slice_samples(data, s, std::min(batch, n - s))}});
  return cd;
}

double top1(const std::shared_ptr<const Model>& model, const quant::CalibrationData& feeds, const Tensor& labels,
            int threads) {
  SessionConfig config;
  config.threads = threads;
  config.default_symbolic_dim = 1;
  Session session(model, config);
  int64_t right = 0, seen = 0;
  for (const auto& feed : feeds.feeds) {
    std::vector<NamedTensorView> in;
    for (const auto& [name, t] : feed) in.push_back({name, t.view()});
    std::vector<Tensor> out = session.run(in);
    const Tensor& y = out.at(0);
    const int64_t b = feed[0].second.shape()[0];
    const int64_t classes = y.numel() / std::max<int64_t>(b, 1);
    for (int64_t s = 0; s < b; ++s, ++seen) {
      int64_t best = 0;
      for (int64_t c = 1; c < classes; ++c)
        if (y.scalar_as_double(s * classes + c) > y.scalar_as_double(s * classes + best)) best = c;
      right += seen < labels.numel() && best == labels.as<int64_t>()[seen];
    }
  }
  return seen ? 100.0 * double(right) / double(seen) : 0.0;
}

void write_output(const Model& quantized, const std::string& out, const std::string& src, const quant::Calibration* cal) {
  const std::string ext = std::filesystem::path(out).extension().string();
  if (ext == ".wisp") {
#ifdef WISP_WITH_FORMAT
    // A .wisp is what devices run, as `wisp convert` writes it: the graph optimizer runs
    // (its fuse_qdq passes turn QDQ into integer nodes) and the plan is stored. The ONNX
    // output below stays plain QDQ for other tools.
    const std::shared_ptr<Model> optimized = optimize_model(quantized);
    const Model& model = *optimized;
    format::Metadata meta;
    meta.source_name = std::filesystem::path(src).filename().string();
    meta.producer_name = "wisp optimize";
    meta.producer_version = WISP_VERSION_STRING;
    if (cal) {
      // Drift baselines: the calibration histograms of |x|, which equal x's histogram for
      // one-sided (post-ReLU) tensors, the only ones stored; merged down to 64 bins so the
      // metadata stays small next to int8 weights (2048 x 8 bytes per tensor otherwise).
      for (const auto& [name, s] : cal->tensors) {
        if (s.min < 0 || !model.graph.find_value(name) || s.histogram.empty()) continue;
        format::Histogram h;
        h.value_name = name;
        h.min = 0;
        h.max = static_cast<float>(s.hist_max);
        constexpr size_t kStoredBins = 64;
        h.counts.assign(kStoredBins, 0);
        for (size_t i = 0; i < s.histogram.size(); ++i)
          h.counts[i * kStoredBins / s.histogram.size()] += static_cast<uint64_t>(s.histogram[i]);
        meta.histograms.push_back(std::move(h));
      }
    }
    const std::optional<format::StoredPlan> plan = format::plan_for_declared_shapes(optimized);
    format::write_wisp_file(out, model, meta, plan ? &*plan : nullptr);
    return;
#else
    throw UsageError{"this build has no .wisp format (WISP_WITH_FORMAT=OFF)"};
#endif
  }
  if (ext == ".onnx") {
#ifdef WISP_HAS_ONNX_EXPORT
    export_onnx(quantized, out);
    return;
#else
    throw UsageError{"this build has no ONNX exporter yet: write -o OUT.wisp"};
#endif
  }
  throw UsageError{"-o must end in .onnx or .wisp, got '" + out + "'"};
}

}  // namespace

int cmd_optimize(const std::vector<std::string>& raw_argv) {
  std::vector<std::string> argv = raw_argv;
  for (std::string& a : argv)
    if (a == "-o") a = "--output";
  Args args(argv,
            {"output", "calib", "calib-limit", "calib-method", "percentile", "mean", "std", "resize", "scale",
             "keep-float", "accuracy-budget", "eval", "labels", "eval-limit", "threads", "batch", "prune",
             "group-size"},
            {"int8", "dynamic", "fp16", "int4", "structured", "symmetric", "no-equalize", "no-bias-correction",
             "progress", "json", "help"});
  if (args.flag("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (args.positional().size() != 1) throw UsageError{"expected one IN.onnx argument"};
  const std::string src = args.positional()[0];
  const std::string out = args.get("output");
  if (out.empty()) throw UsageError{"-o OUT.onnx|OUT.wisp is required"};
  const int modes = int(args.flag("int8")) + int(args.flag("dynamic")) + int(args.flag("fp16")) + int(args.flag("int4"));
  if (modes > 1) throw UsageError{"choose one of --int8, --dynamic, --fp16, --int4"};
  if (modes == 0 && !args.has("prune")) throw UsageError{"nothing to do: give --int8, --dynamic, --fp16, --int4 or --prune"};
  const int threads = static_cast<int>(args.get_int("threads", 1));
  if (threads < 1 || threads > 256) throw UsageError{"--threads must be between 1 and 256"};
  const bool progress = args.flag("progress") || isatty(2);

  std::shared_ptr<Model> model = import_onnx_file(src);
  const int64_t bytes_before = constant_bytes(*model);
  std::vector<std::pair<std::string, std::string>> lines;  // summary key/values
  std::string details;
  quant::Calibration cal;
  bool have_cal = false;
  double float_acc = -1, quant_acc = -1;
  std::vector<quant::TensorQuantInfo> tensor_info;

  if (args.has("prune")) {
#ifdef WISP_HAS_PRUNE
    quant::PruneReport pr;
    model = quant::prune(*model, args.get_double("prune", 0.0), args.flag("structured"), &pr);
    details += pr.summary();
    if (!details.empty() && details.back() != '\n') details += '\n';
    lines.emplace_back("pruned", args.get("prune") + (args.flag("structured") ? " structured" : " unstructured"));
#else
    throw UsageError{"--prune is not in this build yet (src/quant/prune.hpp)"};
#endif
  }

  if (args.flag("int8")) {
    if (!args.has("calib")) throw UsageError{"--int8 needs --calib DATA"};
    DatasetOptions dopt;
    if (args.has("mean")) dopt.mean = parse_list<float>(args.get("mean"), "--mean");
    if (args.has("std")) dopt.std = parse_list<float>(args.get("std"), "--std");
    if (args.has("resize")) dopt.resize_hw = parse_list<int64_t>(args.get("resize"), "--resize");
    if (args.has("scale")) dopt.scale = static_cast<float>(args.get_double("scale", 1.0 / 255.0));
    dopt.limit = args.get_int("calib-limit", 512);
    const Tensor calib = load_dataset(args.get("calib"), dopt);
    const quant::CalibrationData feeds = make_feeds(*model, calib, args.get_int("batch", 16));
    WISP_CHECK(!feeds.feeds.empty(), ErrorCode::kInvalidArgument, args.get("calib"), ": no calibration samples");

    quant::QuantizeOptions opt;
    opt.symmetric_activations = args.flag("symmetric");
    opt.method = quant::parse_calib_method(args.get("calib-method", "auto"));
    opt.percentile = args.get_double("percentile", 99.99);
    opt.keep_float = split(args.get("keep-float"), ',');
    opt.equalize = !args.flag("no-equalize");
    opt.bias_correction = !args.flag("no-bias-correction");
    opt.threads = threads;
    opt.progress = progress;
    cal = quant::calibrate(*model, feeds, opt);
    have_cal = true;
    quant::QuantizeReport rep;
    std::shared_ptr<Model> q = quant::quantize_static(cal, feeds, opt, &rep);

    if (args.has("accuracy-budget")) {
      if (!args.has("eval") || !args.has("labels")) throw UsageError{"--accuracy-budget needs --eval DATA --labels L"};
      const double budget = args.get_double("accuracy-budget", 0.5);
      DatasetOptions eopt = dopt;
      eopt.limit = args.get_int("eval-limit", -1);
      const Tensor eval_data = load_dataset(args.get("eval"), eopt);
      const Tensor labels = load_labels(args.get("labels"), eopt.limit);
      const quant::CalibrationData eval_feeds = make_feeds(*model, eval_data, args.get_int("batch", 16));
      float_acc = top1(cal.prepared_model, eval_feeds, labels, threads);
      quant_acc = top1(q, eval_feeds, labels, threads);
      // Sensitivity from a few calibration batches: the noise each layer adds.
      quant::CalibrationData probe;
      for (size_t i = 0; i < feeds.feeds.size() && i < 4; ++i) probe.feeds.push_back(feeds.feeds[i]);
      for (int round = 0; float_acc - quant_acc > budget && round < 64; ++round) {
        const auto ranked = quant::rank_sensitive_nodes(*cal.prepared_model, *q, rep, probe, threads);
        if (ranked.empty()) break;
        opt.keep_float.push_back(ranked[0].first);
        if (progress)
          std::fprintf(stderr, "accuracy %.2f%% vs float %.2f%%: keeping '%s' float (adds %.1f dB noise)\n", quant_acc,
                       float_acc, ranked[0].first.c_str(), ranked[0].second);
        q = quant::quantize_static(cal, feeds, opt, &rep);
        quant_acc = top1(q, eval_feeds, labels, threads);
      }
    }
    model = q;
    tensor_info = rep.tensors;
    details += rep.summary();
    lines.emplace_back("mode", std::string("int8 static (") + (opt.symmetric_activations ? "int8 symmetric" : "uint8 asymmetric") +
                                   " activations, calibration " + quant::calib_method_name(opt.method) + ", " +
                                   std::to_string(calib.shape()[0]) + " samples)");
  } else if (args.flag("dynamic")) {
    quant::QuantizeReport rep;
    model = quant::quantize_dynamic(*model, &rep);
    details += rep.summary();
    lines.emplace_back("mode", "int8 dynamic");
  } else if (args.flag("fp16")) {
#ifdef WISP_HAS_FP16
    quant::Fp16Report r;
    model = quant::convert_weights_fp16(*model, {}, &r);
    details += r.summary();
    lines.emplace_back("mode", "fp16 weights");
#else
    throw UsageError{"--fp16 is not in this build yet (src/quant/fp16_weights.hpp)"};
#endif
  } else if (args.flag("int4")) {
#ifdef WISP_HAS_INT4
    quant::Int4Options o;
    o.group_size = static_cast<int>(args.get_int("group-size", 32));
    quant::Int4Report r;
    model = quant::quantize_weights_int4(*model, o, &r);
    details += r.summary();
    lines.emplace_back("mode", "int4 weights, group " + std::to_string(o.group_size));
#else
    throw UsageError{"--int4 is not in this build yet (src/quant/int4_weights.hpp)"};
#endif
  }

  write_output(*model, out, src, have_cal ? &cal : nullptr);
  const int64_t src_bytes = static_cast<int64_t>(std::filesystem::file_size(src));
  const int64_t out_bytes = static_cast<int64_t>(std::filesystem::file_size(out));
  const int64_t bytes_after = constant_bytes(*model);
  if (args.flag("json")) {
    Json j;
    j.begin_object().value("source", src).value("output", out).value("source_bytes", src_bytes).value("output_bytes", out_bytes);
    j.value("weight_bytes_before", bytes_before).value("weight_bytes_after", bytes_after);
    for (const auto& [k, v] : lines) j.value(k, v);
    if (float_acc >= 0) j.value("float_top1", float_acc).value("quantized_top1", quant_acc);
    if (have_cal) {
      j.begin_array("tensors");  // the chosen method, clip range and SQNR of every quantized activation
      for (const quant::TensorQuantInfo& t : tensor_info)
        j.begin_object()
            .value("name", t.name)
            .value("method", quant::calib_method_name(t.method))
            .value("clip_min", t.clip_min)
            .value("clip_max", t.clip_max)
            .value("scale", t.scale)
            .value("zero_point", t.zero_point)
            .value("sqnr_db", t.sqnr_db)
            .end_object();
      j.end_array();
    }
    j.end_object();
    std::printf("%s\n", j.str().c_str());
    return 0;
  }
  std::printf("%s -> %s\n", src.c_str(), out.c_str());
  for (const auto& [k, v] : lines) std::printf("  %-17s %s\n", k.c_str(), v.c_str());
  std::printf("  file size         %s -> %s (%.2fx)\n", format_bytes(src_bytes).c_str(), format_bytes(out_bytes).c_str(),
              src_bytes ? double(out_bytes) / double(src_bytes) : 0.0);
  if (float_acc >= 0) std::printf("  top-1 (--eval)    float %.2f%%, quantized %.2f%%\n", float_acc, quant_acc);
  std::fputs(details.c_str(), stdout);
  if (!details.empty() && details.back() != '\n') std::fputc('\n', stdout);
  return 0;
}

}  // namespace wisp::cli
