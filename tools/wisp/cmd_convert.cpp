// `wisp convert MODEL.onnx -o MODEL.wisp`: import, optimize, write the .wisp format
// (src/format, docs/format.md) with metadata, the memory plan and optional reference cases.
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "cli.hpp"
#include "cli_inputs.hpp"
#include "core/sha256.hpp"
#include "format/wisp_format.hpp"
#include "io/npy.hpp"
#include "onnx/onnx_importer.hpp"
#include "passes/pass_manager.hpp"
#include "runtime/session.hpp"
#include "wisp/error.hpp"

namespace wisp::cli {
namespace {

constexpr const char* kUsage = R"(Usage: wisp convert MODEL.onnx -o MODEL.wisp [--no-optimize]
                    [--reference-input [NAME=]X.npy]... [--dim NAME=SIZE]...
                    [--layout NAME=NCHW] [--mean NAME=a,b,c] [--std NAME=a,b,c]
                    [--report KEY=VALUE]... [--json]

Imports the ONNX model, runs the graph optimizer (unless --no-optimize) and writes a .wisp
file: the optimized graph, its weights 64-byte aligned for use in place from a memory map,
the memory plan for the declared input shapes (when they are static), and metadata (the
source model's SHA-256, producer, input/output signature, optimization report).
--reference-input runs the converted model on the .npy input(s) and stores inputs and
outputs as a health check for devices (NAME= may be left out for a one-input model).
--layout/--mean/--std record normalisation hints for an input; --report adds key/values.
`wisp inspect|run|eval|bench` read .wisp files directly.
)";

std::pair<std::string, std::string> split_eq(const std::string& s, const char* flag) {
  const size_t eq = s.find('=');
  if (eq == std::string::npos || eq == 0) throw UsageError{std::string(flag) + " expects NAME=VALUE, got '" + s + "'"};
  return {s.substr(0, eq), s.substr(eq + 1)};
}

std::vector<float> parse_floats(const std::string& s, const char* flag) {
  std::vector<float> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      out.push_back(std::stof(item));
    } catch (...) {
      throw UsageError{std::string(flag) + ": '" + item + "' is not a number"};
    }
  }
  return out;
}

}  // namespace

int cmd_convert(const std::vector<std::string>& raw_argv) {
  std::vector<std::string> argv = raw_argv;
  for (std::string& a : argv)
    if (a == "-o") a = "--output";  // the usual short form of the output file
  Args args(argv, {"output", "reference-input", "dim", "layout", "mean", "std", "report"},
            {"no-optimize", "json", "help"});
  if (args.flag("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (args.positional().size() != 1) throw UsageError{"expected one MODEL.onnx argument"};
  const std::string src = args.positional()[0];
  const std::string out = args.get("output");
  if (out.empty()) throw UsageError{"-o MODEL.wisp is required"};

  std::shared_ptr<Model> model = import_onnx_file(src);
  const size_t nodes_before = model->graph.nodes().size();
  if (!args.flag("no-optimize")) model = optimize_model(*model);
  format::Metadata meta;
  meta.source_sha256 = sha256_file(src);
  meta.source_name = std::filesystem::path(src).filename().string();
  meta.producer_name = "wisp";
  meta.producer_version = WISP_VERSION_STRING;
  meta.report.emplace_back("source_bytes", std::to_string(std::filesystem::file_size(src)));
  meta.report.emplace_back("optimized", args.flag("no-optimize") ? "no" : "yes");
  meta.report.emplace_back("nodes_before", std::to_string(nodes_before));
  meta.report.emplace_back("nodes_after", std::to_string(model->graph.nodes().size()));
  int64_t weight_bytes = 0;
  for (const auto& v : model->graph.values())
    if (v->is_constant()) weight_bytes += v->constant->bytes();
  meta.report.emplace_back("weight_bytes", std::to_string(weight_bytes));
  for (const std::string& kv : args.all("report")) meta.report.push_back(split_eq(kv, "--report"));
  for (const std::string& s : args.all("layout")) {
    auto [name, v] = split_eq(s, "--layout");
    meta.input_hints[name].layout = v;
  }
  for (const std::string& s : args.all("mean")) {
    auto [name, v] = split_eq(s, "--mean");
    meta.input_hints[name].mean = parse_floats(v, "--mean");
  }
  for (const std::string& s : args.all("std")) {
    auto [name, v] = split_eq(s, "--std");
    meta.input_hints[name].std = parse_floats(v, "--std");
  }

  const std::map<std::string, int64_t> dims = args.dims();
  if (args.has("reference-input")) {
    std::vector<std::string> specs;
    for (const std::string& s : args.all("reference-input")) {
      if (s.find('=') == std::string::npos) {
        if (model->graph.inputs.size() != 1)
          throw UsageError{"--reference-input FILE.npy without NAME= needs a one-input model"};
        specs.push_back(model->graph.inputs[0]->name + "=" + s);
      } else {
        specs.push_back(s);
      }
    }
    const std::vector<ModelInput> inputs = load_or_make_inputs(*model, specs, dims, 0);
    format::ReferenceCase ref;
    std::vector<NamedTensorView> feeds;
    for (const ModelInput& in : inputs) {
      if (in.random) throw UsageError{"--reference-input: input '" + in.name + "' is not given"};
      feeds.push_back({in.name, in.tensor.view()});
      ref.inputs.emplace_back(in.name, in.tensor);
    }
    SessionConfig config;
    config.dims = dims;
    config.default_symbolic_dim = 1;
    Session session(model, config);
    std::vector<Tensor> outs = session.run(feeds);
    for (size_t i = 0; i < outs.size(); ++i) ref.outputs.emplace_back(model->graph.outputs[i]->name, std::move(outs[i]));
    meta.references.push_back(std::move(ref));
  }
  const std::optional<format::StoredPlan> plan = format::plan_for_declared_shapes(model, dims);
  format::write_wisp_file(out, *model, meta, plan ? &*plan : nullptr);
  const int64_t wisp_bytes = static_cast<int64_t>(std::filesystem::file_size(out));
  if (args.flag("json")) {
    Json j;
    j.begin_object()
        .value("source", src)
        .value("output", out)
        .value("source_sha256", sha256_hex(*meta.source_sha256))
        .value("source_bytes", static_cast<int64_t>(std::filesystem::file_size(src)))
        .value("wisp_bytes", wisp_bytes)
        .value("nodes_before", static_cast<int64_t>(nodes_before))
        .value("nodes_after", static_cast<int64_t>(model->graph.nodes().size()))
        .value("arena_bytes", plan ? plan->arena_bytes : int64_t{-1})
        .value("reference_cases", static_cast<int64_t>(meta.references.size()))
        .end_object();
    std::printf("%s\n", j.str().c_str());
  } else {
    std::printf("%s -> %s\n", src.c_str(), out.c_str());
    std::printf("  nodes            %zu -> %zu%s\n", nodes_before, model->graph.nodes().size(),
                args.flag("no-optimize") ? " (not optimized)" : "");
    std::printf("  size             %s -> %s\n", format_bytes(static_cast<int64_t>(std::filesystem::file_size(src))).c_str(),
                format_bytes(wisp_bytes).c_str());
    std::printf("  source sha256    %s\n", sha256_hex(*meta.source_sha256).c_str());
    if (plan) std::printf("  arena            %s (plan stored for the declared input shapes)\n", format_bytes(plan->arena_bytes).c_str());
    else std::printf("  arena            no stored plan (input shapes are not static)\n");
    std::printf("  reference cases  %zu\n", meta.references.size());
  }
  return 0;
}

}  // namespace wisp::cli
