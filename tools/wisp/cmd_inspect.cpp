// `wisp inspect MODEL`: what is in a model and what it will cost to run.
#include <algorithm>
#include <cstdio>
#include <map>

#include "api/model_loading.hpp"
#ifdef WISP_WITH_FORMAT
#include "core/sha256.hpp"
#include "format/wisp_format.hpp"
#endif
#include "cli.hpp"
#include "ir/dump.hpp"
#include "ir/graph_clone.hpp"
#include "onnx/onnx_importer.hpp"
#include "passes/pass_manager.hpp"
#include "runtime/model_stats.hpp"

namespace wisp::cli {
namespace {

constexpr const char* kUsage = R"(Usage: wisp inspect MODEL.onnx|MODEL.wisp [--dim NAME=SIZE]... [--graph] [--json] [--optimized]

Prints the model's inputs and outputs (with symbolic dimensions), the op histogram, the
parameter count, and, after preparing it (symbolic dimensions default to 1; override with
--dim batch=8), the multiply-accumulates, the weight bytes and the planned arena bytes.
A model with unsupported ops fails with one message listing all of them.
--graph also prints every node with its inputs, outputs, types and attributes.
--optimized runs the graph optimizer (as `wisp run` and `wisp eval` do) and prints the
node counts and op histogram before and after, and the layout choice (NCHW or NHWC, why,
the nodes in NHWC and the conversions left); everything after that (--graph, the
prepared costs) is then of the optimized graph. The environment variable WISP_LAYOUT
(auto, nchw, nhwc, nhwc-always) overrides the layout choice here and in every command.
)";

std::string io_line(const Value& v) {
  return str_cat(v.name, "  ", dtype_name(v.dtype), " ", v.shape ? sym_shape_str(*v.shape) : std::string("[?]"));
}

// For a model that does not import: its op histogram with the unsupported ops marked.
void print_summary_of_unimportable(const std::string& path) {
  const OnnxSummary s = summarize_onnx_file(path);
  std::printf("Model     %s\nProducer  %s, IR version %lld, ai.onnx opset %d\n", path.c_str(), s.producer.c_str(),
              static_cast<long long>(s.ir_version), s.opset);
  std::printf("\nOps (%lld nodes; * = not supported by Wisp)\n", static_cast<long long>(s.nodes));
  for (const auto& [op, n] : s.op_histogram)
    std::printf("  %-24s %d%s\n", op.c_str(), n, s.unsupported.count(op) ? "  *" : "");
  std::printf("\nUnsupported op types: %zu\n", s.unsupported.size());
  for (const auto& [op, nodes] : s.unsupported) {
    std::printf("  %-24s %zu node%s, first '%s'\n", op.c_str(), nodes.size(), nodes.size() == 1 ? "" : "s",
                nodes.empty() ? "" : nodes[0].c_str());
  }
  std::printf("\n");
  std::fflush(stdout);
}

// Op histogram before and after the optimizer, one row per op type present in either
// (with the change, so fusions read at a glance), then which passes fired and how often.
void print_optimizer_summary(const Model& before, const Model& after, const OptimizeReport& report) {
  const ModelStats a = compute_model_stats(before, nullptr), b = compute_model_stats(after, nullptr);
  std::map<std::string, std::pair<int, int>> rows;
  for (const auto& [op, n] : a.op_histogram) rows[op].first = n;
  for (const auto& [op, n] : b.op_histogram) rows[op].second = n;
  std::printf("\nOptimized (%d round%s): %zu -> %zu nodes\n", report.rounds, report.rounds == 1 ? "" : "s",
              before.graph.nodes().size(), after.graph.nodes().size());
  std::printf("  %-24s %8s %8s %8s\n", "op", "before", "after", "change");
  for (const auto& [op, n] : rows) {
    const int d = n.second - n.first;
    std::printf("  %-24s %8d %8d %8s\n", op.c_str(), n.first, n.second, d == 0 ? "" : str_cat(d > 0 ? "+" : "", d).c_str());
  }
  std::map<std::string, int> fused;
  for (const auto& n : after.graph.nodes())
    if (n->attrs.has("wisp_activation")) ++fused[n->op_type + "+" + n->attrs.get_string("wisp_activation", "")];
  for (const auto& [k, n] : fused) std::printf("  fused %-18s %8s %8d\n", k.c_str(), "", n);
  std::map<std::string, int> applied;
  for (const std::string& p : report.applied) ++applied[p];
  std::string list;
  for (const auto& [p, n] : applied) list += str_cat(list.empty() ? "" : ", ", p, n > 1 ? str_cat(" x", n) : "");
  std::printf("  passes that changed the graph: %s\n", list.empty() ? "none" : list.c_str());
  const LayoutReport& l = report.layout;
  std::printf("  layout %s (requested %s): %d nodes in NHWC, %d conversion%s left (%lld elements), %d trivial (Reshape)\n",
              l.decision.c_str(), layout_name(report.layout_requested), l.nhwc_nodes, l.conversions,
              l.conversions == 1 ? "" : "s", static_cast<long long>(l.conversion_elements), l.trivial_conversions);
  if (!l.reason.empty()) std::printf("    %s\n", l.reason.c_str());
}

#ifdef WISP_WITH_FORMAT
// The .wisp header and metadata (the graph itself is printed like any model's).
void print_wisp_summary(const std::string& path) {
  const format::LoadedWisp w = format::load_wisp_file(path);
  const format::Metadata& m = w.metadata;
  std::printf("Format    .wisp %d.%d, %s, written by %s %s\n", w.format_major, w.format_minor,
              format_bytes(static_cast<int64_t>(w.size)).c_str(), m.producer_name.c_str(), m.producer_version.c_str());
  if (m.source_sha256)
    std::printf("Source    %s  sha256 %s\n", m.source_name.c_str(), sha256_hex(*m.source_sha256).c_str());
  std::string report;
  for (const auto& [k, v] : m.report) report += str_cat(report.empty() ? "" : ", ", k, "=", v);
  if (!report.empty()) std::printf("Report    %s\n", report.c_str());
  for (const auto& [name, h] : m.input_hints) {
    std::string mean, stdv;
    for (float x : h.mean) mean += str_cat(mean.empty() ? "" : ",", x);
    for (float x : h.std) stdv += str_cat(stdv.empty() ? "" : ",", x);
    std::printf("Hints     %s: layout %s mean [%s] std [%s]\n", name.c_str(), h.layout.empty() ? "?" : h.layout.c_str(),
                mean.c_str(), stdv.c_str());
  }
  std::string plan = "none";
  if (w.plan) {
    plan = str_cat(format_bytes(w.plan->arena_bytes), " for");
    for (const auto& [name, dims] : w.plan->input_shapes)
      plan += str_cat(" ", name, "=", Shape(std::span<const int64_t>(dims)).str());
  }
  std::printf("Stored    plan %s; %zu reference case(s); %zu histogram(s)\n", plan.c_str(), m.references.size(),
              m.histograms.size());
}
#endif

}  // namespace

int cmd_inspect(const std::vector<std::string>& argv) {
  Args args(argv, {"dim"}, {"json", "graph", "help", "optimized"});
  if (args.flag("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (args.positional().size() != 1) throw UsageError{"expected one MODEL argument"};
  const std::string path = args.positional()[0];
  std::shared_ptr<Model> model;
  try {
    model = load_model_file(path).model;  // ONNX or .wisp (by content)
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kUnsupported || args.flag("json") || is_wisp_file(path)) throw;
    print_summary_of_unimportable(path);  // show what we can, then report the error
    throw;
  }
  std::shared_ptr<Model> original;
  OptimizeReport report;
  if (args.flag("optimized")) {
    original = model;
    model = clone_model(*original);
    report = optimize_graph(model->graph);
  }
  SessionConfig config;
  config.dims = args.dims();
  config.default_symbolic_dim = 1;
  Session session(model, config);
  session.prepare({});
  const ModelStats st = compute_model_stats(*model, &session);
  const SessionStats& ss = session.stats();
  std::vector<std::pair<std::string, int>> hist(st.op_histogram.begin(), st.op_histogram.end());
  std::stable_sort(hist.begin(), hist.end(), [](auto& a, auto& b) { return a.second > b.second; });

  if (args.flag("json")) {
    Json j;
    j.begin_object().value("model", path).value("producer", model->info.producer_name + " " + model->info.producer_version);
    j.value("ir_version", model->info.ir_version).value("opset", static_cast<int64_t>(model->graph.opset_imports[""]));
    auto io = [&](const char* key, const std::vector<Value*>& list) {
      j.begin_array(key);
      for (const Value* v : list) {
        j.begin_object().value("name", v->name).value("dtype", std::string(dtype_name(v->dtype)));
        j.value("shape", v->shape ? sym_shape_str(*v->shape) : std::string("?")).end_object();
      }
      j.end_array();
    };
    io("inputs", model->graph.inputs);
    io("outputs", model->graph.outputs);
    j.begin_object("ops");
    for (auto& [op, n] : hist) j.value(op, n);
    j.end_object();
    if (original) {
      j.value("nodes_before_optimizer", static_cast<int64_t>(original->graph.nodes().size()));
      j.begin_object("ops_before_optimizer");
      for (const auto& [op, n] : compute_model_stats(*original, nullptr).op_histogram) j.value(op, n);
      j.end_object();
      j.begin_array("passes_applied");
      for (const std::string& p : report.applied) j.value("", p);
      j.end_array();
      j.begin_object("layout").value("decision", report.layout.decision).value("reason", report.layout.reason);
      j.value("requested", std::string(layout_name(report.layout_requested)));
      j.value("nhwc_nodes", static_cast<int64_t>(report.layout.nhwc_nodes));
      j.value("conversions", static_cast<int64_t>(report.layout.conversions));
      j.value("conversion_elements", report.layout.conversion_elements);
      j.value("trivial_conversions", static_cast<int64_t>(report.layout.trivial_conversions)).end_object();
    }
    j.value("nodes", static_cast<int64_t>(model->graph.nodes().size())).value("parameters", st.parameters);
    j.value("weight_bytes", st.initializer_bytes).value("macs", st.macs);
    j.value("arena_bytes", ss.arena_bytes).value("no_reuse_bytes", ss.no_reuse_bytes);
    j.value("live_lower_bound_bytes", ss.live_lower_bound).value("folded_nodes", ss.folded_nodes);
    j.value("steps", ss.steps).value("dynamic_steps", ss.dynamic_steps).end_object();
    std::printf("%s\n", j.str().c_str());
    return 0;
  }
  std::printf("Model     %s\n", path.c_str());
  std::printf("Producer  %s %s, IR version %lld, ai.onnx opset %d\n", model->info.producer_name.c_str(),
              model->info.producer_version.c_str(), static_cast<long long>(model->info.ir_version),
              model->graph.opset_imports[""]);
#ifdef WISP_WITH_FORMAT
  if (is_wisp_file(path)) print_wisp_summary(path);
#endif
  std::printf("\nInputs\n");
  for (const Value* v : model->graph.inputs) std::printf("  %s\n", io_line(*v).c_str());
  std::printf("Outputs\n");
  for (const Value* v : model->graph.outputs) std::printf("  %s\n", io_line(*v).c_str());
  std::printf("\nOps (%zu nodes, %zu types)\n", model->graph.nodes().size(), hist.size());
  for (auto& [op, n] : hist) std::printf("  %-24s %d\n", op.c_str(), n);
  if (original) print_optimizer_summary(*original, *model, report);
  if (args.flag("graph")) {
    // Show the prepared (concrete) type of values the file did not annotate.
    for (const auto& v : model->graph.values()) {
      const TensorView* pv = session.prepared_value(v.get());
      if (v->dtype != DType::kUndefined || !pv) continue;
      v->dtype = pv->dtype;
      SymShape s;
      for (int64_t d : pv->shape) s.push_back(SymDim{d, ""});
      v->shape = s;
    }
    std::printf("\n%s", dump_graph(model->graph).c_str());
  }
  std::printf("\nParameters      %s (%s)\n", format_count(st.parameters).c_str(), format_bytes(st.initializer_bytes).c_str());
  std::string bound;
  for (const auto& [k, v] : config.dims) bound += str_cat(bound.empty() ? "" : ", ", k, "=", v);
  std::printf("\nPrepared (%s)\n", bound.empty() ? "symbolic dims = 1" : bound.c_str());
  std::printf("  MACs            %s\n", format_count(st.macs).c_str());
  std::printf("  nodes run       %lld (%lld folded at prepare, %lld with run-time shapes)\n",
              static_cast<long long>(ss.steps), static_cast<long long>(ss.folded_nodes), static_cast<long long>(ss.dynamic_steps));
  std::printf("  arena           %s  (planned peak of all intermediates + scratch)\n", format_bytes(ss.arena_bytes).c_str());
  std::printf("  without reuse   %s  (planner saves %.1f%%; lower bound %s)\n", format_bytes(ss.no_reuse_bytes).c_str(),
              ss.no_reuse_bytes ? 100.0 * (1.0 - double(ss.arena_bytes) / double(ss.no_reuse_bytes)) : 0.0,
              format_bytes(ss.live_lower_bound).c_str());
  std::printf("  weights         %s (after constant folding)\n", format_bytes(ss.weight_bytes).c_str());
  return 0;
}

}  // namespace wisp::cli
