// `wisp bench MODEL`: load time, first and warm latency, throughput, memory and a per-op
// profile, in the spirit of TFLite's benchmark_model and onnxruntime_perf_test.
//
// Method: import + prepare are timed together as "load"; the first run is timed alone (it
// touches the arena and weights for the first time); then --warmup runs are discarded and
// --runs runs are timed one by one (steady_clock around run_in_place, which copies no
// outputs). Latency percentiles are nearest-rank over those runs. The session profiles
// every step (SessionConfig::profile: two clock reads per step, no allocation) unless
// --no-profile; the per-op table sums the timed runs. GFLOP/s counts 2 FLOPs per MAC of
// Conv/Gemm/MatMul-like ops (runtime/model_stats.hpp) over the median latency.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "api/model_loading.hpp"
#include "cli.hpp"
#include "cli_inputs.hpp"
#include "io/npy.hpp"
#include "onnx/onnx_importer.hpp"
#include "passes/pass_manager.hpp"
#include "runtime/model_stats.hpp"
#include "runtime/session.hpp"

namespace wisp::cli {
namespace {

constexpr const char* kUsage = R"(Usage: wisp bench MODEL.onnx|MODEL.wisp [--runs N] [--warmup N] [--input NAME=FILE.npy]...
                  [--dim NAME=SIZE]... [--seed N] [--top N] [--threads N] [--no-profile]
                  [--no-optimize] [--output-dir DIR] [--json]

Measures the model on this machine: load time (import + prepare), first-inference time,
warm latency (min, median, p90, p99, max) over --runs runs (default 50) after --warmup
runs (default 5), throughput, peak resident memory, arena and weight bytes, achieved
GFLOP/s (2 x MACs / median latency), and a per-op profile: the --top (default 15) steps
by total time and a summary per op type. Inputs come from --input NAME=FILE.npy; the rest
are random (floats in [0,1), seed --seed) with their declared shapes (symbolic dims from
--dim, else 1). --output-dir writes each output of the last run as OUTPUT_NAME.npy.
--threads N runs kernels on N threads (default 1). The graph optimizer runs as part of
loading unless --no-optimize. Kernels use the CPU's best ISA (cap: WISP_MAX_ISA).
--json prints everything as one JSON object.
)";

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// Nearest-rank percentile of sorted values: the smallest value with at least q of them <= it.
double percentile(const std::vector<double>& sorted, double q) {
  const size_t n = sorted.size();
  const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(n)));
  return sorted[std::clamp<size_t>(rank, 1, n) - 1];
}

double median(const std::vector<double>& sorted) {
  const size_t n = sorted.size();
  return n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
}

// Peak resident set: the kernel's high-water mark, from /proc (VmHWM) where there is one.
int64_t vm_hwm_bytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;  // "VmHWM:   1234 kB"
  return -1;
}

int64_t ru_maxrss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<int64_t>(u.ru_maxrss) * 1024;  // KiB on Linux
}

std::string safe_file_name(const std::string& name) {
  std::string s;
  for (char c : name) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '_';
  return s.empty() ? "output" : s;
}

struct OpRow {
  const Node* node;
  double ms_per_run;
};
struct OpTypeRow {
  std::string op_type;
  int steps = 0;
  double ms_per_run = 0;
};

}  // namespace

int cmd_bench(const std::vector<std::string>& argv) {
  Args args(argv, {"runs", "warmup", "input", "dim", "seed", "top", "output-dir", "threads"},
            {"no-profile", "no-optimize", "json", "help"});
  if (args.flag("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (args.positional().size() != 1) throw UsageError{"expected one MODEL argument"};
  const std::string path = args.positional()[0];
  const int64_t runs = args.get_int("runs", 50), warmup = args.get_int("warmup", 5), top = args.get_int("top", 15);
  if (runs < 1 || warmup < 0 || top < 0) throw UsageError{"--runs must be >= 1, --warmup and --top >= 0"};
  const bool profile = !args.flag("no-profile");

  // Load: import + prepare for the inputs' shapes.
  const auto t_load = Clock::now();
  // A .wisp is already optimized (wisp convert); ONNX is optimized here unless told not to.
  const LoadedModel loaded = load_model_file(path);
  std::shared_ptr<Model> model = loaded.model;
  if (loaded.format == ModelFormat::kOnnx && !args.flag("no-optimize")) model = optimize_model(*model);
  const double import_ms = ms_since(t_load);
  SessionConfig config;
  config.threads = static_cast<int>(args.get_int("threads", 1));
  if (config.threads < 1 || config.threads > 256) throw UsageError{"--threads must be between 1 and 256"};
  config.dims = args.dims();
  config.default_symbolic_dim = 1;
  config.profile = profile;
  const std::vector<ModelInput> inputs =
      load_or_make_inputs(*model, args.all("input"), config.dims, static_cast<uint32_t>(args.get_int("seed", 0)));
  std::vector<NamedTensorView> feeds;
  std::map<std::string, Shape> shapes;
  for (const ModelInput& in : inputs) {
    feeds.push_back({in.name, in.tensor.view()});
    shapes[in.name] = in.tensor.shape();
  }
  const auto t_prepare = Clock::now();
  Session session(model, config);
  session.prepare(shapes);
  const double prepare_ms = ms_since(t_prepare);
  const double load_ms = import_ms + prepare_ms;

  auto t0 = Clock::now();
  session.run_in_place(feeds);
  const double first_ms = ms_since(t0);
  for (int64_t i = 0; i < warmup; ++i) session.run_in_place(feeds);
  std::vector<double> lat;
  std::vector<int64_t> step_ns(session.step_timings().size(), 0);
  for (int64_t i = 0; i < runs; ++i) {
    t0 = Clock::now();
    session.run_in_place(feeds);
    lat.push_back(ms_since(t0));
    for (size_t s = 0; s < step_ns.size(); ++s) step_ns[s] += session.step_timings()[s].nanoseconds;
  }
  double mean = 0;
  for (double v : lat) mean += v / static_cast<double>(runs);
  std::sort(lat.begin(), lat.end());
  const double med = median(lat);
  const ModelStats ms = compute_model_stats(*model, &session);
  const double gflops = med > 0 ? 2.0 * static_cast<double>(ms.macs) / (med * 1e-3) / 1e9 : 0;

  // Per-op profile, averaged per run.
  std::vector<OpRow> ops;
  std::map<std::string, OpTypeRow> by_type;
  double profiled_ms = 0;
  for (size_t s = 0; s < step_ns.size(); ++s) {
    const Node* n = session.step_timings()[s].node;
    const double v = static_cast<double>(step_ns[s]) * 1e-6 / static_cast<double>(runs);
    ops.push_back({n, v});
    OpTypeRow& r = by_type[n->op_type];
    r.op_type = n->op_type;
    ++r.steps;
    r.ms_per_run += v;
    profiled_ms += v;
  }
  std::stable_sort(ops.begin(), ops.end(), [](const OpRow& a, const OpRow& b) { return a.ms_per_run > b.ms_per_run; });
  if (static_cast<int64_t>(ops.size()) > top) ops.resize(static_cast<size_t>(top));
  std::vector<OpTypeRow> types;
  for (auto& [k, r] : by_type) types.push_back(r);
  std::stable_sort(types.begin(), types.end(), [](const auto& a, const auto& b) { return a.ms_per_run > b.ms_per_run; });
  auto pct = [&](double v) { return profiled_ms > 0 ? 100.0 * v / profiled_ms : 0.0; };

  const std::string dir = args.get("output-dir");
  if (!dir.empty()) {
    std::filesystem::create_directories(dir);
    for (size_t i = 0; i < model->graph.outputs.size(); ++i)
      write_npy((std::filesystem::path(dir) / (safe_file_name(model->graph.outputs[i]->name) + ".npy")).string(),
                session.output_view(i));
  }
  const SessionStats& st = session.stats();
  const int64_t maxrss = ru_maxrss_bytes(), hwm = vm_hwm_bytes();

  if (args.flag("json")) {
    Json j;
    j.begin_object().value("model", path).value("runs", runs).value("warmup", warmup).value("profiled", profile);
    j.value("threads", static_cast<int64_t>(config.threads)).value("isa", std::string(isa_name(config.max_isa)));
    j.value("optimized", !args.flag("no-optimize"));
    j.begin_array("inputs");
    for (const ModelInput& in : inputs)
      j.begin_object().value("name", in.name).value("dtype", std::string(dtype_name(in.tensor.dtype())))
          .value("shape", in.tensor.shape().str()).value("random", in.random).end_object();
    j.end_array();
    j.value("import_ms", import_ms).value("prepare_ms", prepare_ms).value("load_ms", load_ms);
    j.value("first_inference_ms", first_ms);
    j.begin_object("latency_ms").value("min", lat.front()).value("median", med).value("mean", mean);
    j.value("p90", percentile(lat, 0.90)).value("p99", percentile(lat, 0.99)).value("max", lat.back()).end_object();
    j.value("throughput_per_s", med > 0 ? 1e3 / mean : 0.0);
    j.value("peak_rss_bytes", maxrss).value("vm_hwm_bytes", hwm);
    j.value("arena_bytes", st.arena_bytes).value("weight_bytes", st.weight_bytes).value("steps", st.steps);
    j.value("macs", ms.macs).value("gflops", gflops);
    j.begin_array("top_ops");
    for (const OpRow& r : ops)
      j.begin_object().value("op_type", r.node->op_type).value("name", r.node->name).value("ms", r.ms_per_run)
          .value("percent", pct(r.ms_per_run)).end_object();
    j.end_array().begin_array("op_types");
    for (const OpTypeRow& r : types)
      j.begin_object().value("op_type", r.op_type).value("steps", r.steps).value("ms", r.ms_per_run)
          .value("percent", pct(r.ms_per_run)).end_object();
    j.end_array().end_object();
    std::printf("%s\n", j.str().c_str());
    return 0;
  }

  std::printf("model            %s\n", path.c_str());
  std::printf("engine           %d thread%s, %s kernels, graph %s\n", config.threads, config.threads == 1 ? "" : "s",
              std::string(isa_name(config.max_isa)).c_str(), args.flag("no-optimize") ? "as imported" : "optimized");
  for (const ModelInput& in : inputs)
    std::printf("input            %s %s%s%s\n", in.name.c_str(), std::string(dtype_name(in.tensor.dtype())).c_str(),
                in.tensor.shape().str().c_str(), in.random ? " (random)" : "");
  std::printf("load             %.3f ms (import %.3f ms, prepare %.3f ms)\n", load_ms, import_ms, prepare_ms);
  std::printf("first inference  %.3f ms\n", first_ms);
  std::printf("warm latency     min %.3f  median %.3f  p90 %.3f  p99 %.3f  max %.3f ms  (%lld runs after %lld warmup)\n",
              lat.front(), med, percentile(lat, 0.90), percentile(lat, 0.99), lat.back(), static_cast<long long>(runs),
              static_cast<long long>(warmup));
  std::printf("throughput       %.2f inferences/s (1 / mean latency)\n", mean > 0 ? 1e3 / mean : 0.0);
  std::printf("peak RSS         %s (ru_maxrss), %s (VmHWM)\n", format_bytes(maxrss).c_str(),
              hwm >= 0 ? format_bytes(hwm).c_str() : "n/a");
  std::printf("arena            %s\n", format_bytes(st.arena_bytes).c_str());
  std::printf("weights          %s\n", format_bytes(st.weight_bytes).c_str());
  std::printf("MACs             %s  ->  %.3f GFLOP/s at the median\n", format_count(ms.macs).c_str(), gflops);
  if (!profile) return 0;
  std::printf("\nper-op profile (ms per run, %lld steps, %.3f ms profiled of %.3f ms mean)\n",
              static_cast<long long>(st.steps), profiled_ms, mean);
  std::printf("  %-4s %-20s %-36s %10s %7s\n", "rank", "op type", "node", "ms", "%");
  for (size_t i = 0; i < ops.size(); ++i)
    std::printf("  %-4zu %-20s %-36s %10.4f %6.2f%%\n", i + 1, ops[i].node->op_type.c_str(),
                ops[i].node->name.c_str(), ops[i].ms_per_run, pct(ops[i].ms_per_run));
  std::printf("\nby op type\n  %-20s %6s %10s %7s\n", "op type", "steps", "ms", "%");
  for (const OpTypeRow& r : types)
    std::printf("  %-20s %6d %10.4f %6.2f%%\n", r.op_type.c_str(), r.steps, r.ms_per_run, pct(r.ms_per_run));
  return 0;
}

}  // namespace wisp::cli
