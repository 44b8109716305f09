// ModelProto -> Model. Order of work, so that the most useful error comes first:
//   1. file size, protobuf parse, IR version and opset imports;
//   2. one pass over every node (subgraphs included) collecting ops Wisp has no schema
//      for: ONE kUnsupported error lists them all, with the nodes using each;
//   3. per graph: initializers (constants), inputs, every node output pre-created (so
//      duplicates and forward references are caught by name), declared types, then each
//      node converted through its converter (onnx_converters.hpp) and checked against its
//      schema's arity; finally a topological sort and a check that outputs exist.
// Subgraphs (If/Loop/Scan) resolve names they do not define to the enclosing graphs and
// list them in Graph::outer_refs, with placeholder values carrying the outer type.
#include "onnx/onnx_importer.hpp"

#include <filesystem>
#include <map>
#include <set>

#include "core/status.hpp"
#include "ir/verifier.hpp"
#include "ir/op_registry.hpp"
#include "onnx/onnx_converters.hpp"
#include "onnx/onnx_import_internal.hpp"
#include "wisp_onnx/onnx.pb.h"

namespace wisp {
namespace onnx_import {
namespace {

std::string norm_domain(const std::string& d) { return d == "ai.onnx" ? std::string() : d; }

std::string node_display_name(const onnx::NodeProto& n, int index) {
  return n.name().empty() ? str_cat(n.op_type(), "_", index) : n.name();
}

// ---- 2. the unsupported-op pass --------------------------------------------------------

struct OpUse {
  std::vector<std::string> nodes;
  bool is_function = false;
};
using OpUses = std::map<std::pair<std::string, std::string>, OpUse>;  // (domain, op_type)

void collect_unsupported(const onnx::GraphProto& g, const std::set<std::pair<std::string, std::string>>& functions,
                         OpUses& uses) {
  for (int i = 0; i < g.node_size(); ++i) {
    const onnx::NodeProto& n = g.node(i);
    const std::string domain = norm_domain(n.domain());
    // An op with a converter may become other ops (Upsample -> Resize): the converter decides.
    if (!find_op_schema(domain, n.op_type()) && !find_onnx_converter(domain, n.op_type())) {
      OpUse& use = uses[{domain, n.op_type()}];
      use.nodes.push_back(node_display_name(n, i));
      use.is_function = functions.count({n.domain(), n.op_type()}) > 0;
    }
    for (const auto& a : n.attribute()) {
      if (a.has_g()) collect_unsupported(a.g(), functions, uses);
      for (const auto& sub : a.graphs()) collect_unsupported(sub, functions, uses);
    }
  }
}

void fail_if_unsupported(const onnx::ModelProto& model, const ImportContext& ctx) {
  std::set<std::pair<std::string, std::string>> functions;
  for (const auto& f : model.functions()) functions.insert({f.domain(), f.name()});
  OpUses uses;
  collect_unsupported(model.graph(), functions, uses);
  if (uses.empty()) return;
  auto it = ctx.opset_imports.find("");
  std::string out = str_cat("model uses ", uses.size(), " unsupported op type", uses.size() > 1 ? "s" : "", " (",
                            it == ctx.opset_imports.end() ? std::string("no ai.onnx opset")
                                                          : str_cat("ai.onnx opset ", it->second),
                            "): ");
  bool first = true;
  for (const auto& [key, use] : uses) {
    if (!first) out += ", ";
    first = false;
    out += key.first.empty() ? key.second : str_cat(key.first, ".", key.second);
    out += use.nodes.size() > 1 ? " (nodes " : " (node ";
    constexpr size_t kShown = 3;
    for (size_t i = 0; i < use.nodes.size() && i < kShown; ++i) out += str_cat(i ? ", '" : "'", use.nodes[i], "'");
    if (use.nodes.size() > kShown) out += str_cat(" and ", use.nodes.size() - kShown, " more");
    if (use.is_function) out += "; a model-local function, which Wisp does not expand";
    out += ")";
  }
  fail(ErrorCode::kUnsupported, out);
}

// ---- 3. graphs ------------------------------------------------------------------------

void apply_type(const onnx::TypeProto& type, Value* v, const std::string& where, bool required) {
  if (!type.has_tensor_type()) {
    const char* kind = type.has_sequence_type()   ? "a sequence"
                       : type.has_map_type()      ? "a map"
                       : type.has_optional_type() ? "an optional"
                       : type.has_sparse_tensor_type() ? "a sparse tensor"
                                                       : "of no type";
    WISP_CHECK(!required, ErrorCode::kUnsupported, where, " is ", kind, "; only tensors are supported");
    return;
  }
  const auto& tt = type.tensor_type();
  if (tt.elem_type() != 0) v->dtype = dtype_from_onnx(tt.elem_type(), where);
  if (!tt.has_shape()) return;
  WISP_CHECK(tt.shape().dim_size() <= kMaxRank, ErrorCode::kUnsupported, where, " has rank ", tt.shape().dim_size(),
             ", above the supported maximum of ", kMaxRank);
  SymShape shape;
  for (const auto& d : tt.shape().dim()) {
    SymDim sd;
    if (d.has_dim_value()) {
      WISP_CHECK(d.dim_value() >= 0, ErrorCode::kInvalidModel, where, " declares a negative dimension ",
                 d.dim_value());
      WISP_CHECK(d.dim_value() <= kMaxDeclaredDim, ErrorCode::kInvalidModel, where, " declares dimension ",
                 d.dim_value(), ", absurdly large (corrupt model?)");
      sd.value = d.dim_value();
    } else if (d.has_dim_param()) {
      sd.symbol = d.dim_param();
    }
    shape.push_back(std::move(sd));
  }
  v->shape = std::move(shape);
}

// Finds `name` in the scope or, for subgraphs, an enclosing one; a name found outside gets
// a placeholder in every graph between (each lists it in outer_refs).
Value* resolve(GraphScope& scope, const std::string& name) {
  if (Value* v = scope.graph->find_value(name)) return v;
  if (!scope.parent) return nullptr;
  Value* outer = resolve(*scope.parent, name);
  if (!outer) return nullptr;
  Value* v = scope.graph->add_value(name);
  v->dtype = outer->dtype;
  v->shape = outer->shape;
  scope.graph->outer_refs.push_back(name);
  return v;
}

// Counts positions up to the last present entry (trailing omitted optionals do not count).
int present_arity(const std::vector<Value*>& vs) {
  int n = static_cast<int>(vs.size());
  while (n > 0 && vs[static_cast<size_t>(n) - 1] == nullptr) --n;
  return n;
}

void check_arity(const Node& n) {
  const OpSchema* s = find_op_schema(n.domain, n.op_type);
  WISP_CHECK(s != nullptr, ErrorCode::kUnsupported, n.label(), ": op ", n.op_type, " is not supported");
  const int ins = present_arity(n.inputs), outs = present_arity(n.outputs);
  WISP_CHECK(ins >= s->min_inputs && (s->max_inputs < 0 || ins <= s->max_inputs), ErrorCode::kInvalidModel,
             n.label(), " has ", ins, " inputs; ", n.op_type, " takes ", s->min_inputs,
             s->max_inputs == s->min_inputs ? std::string() : str_cat(" to ", s->max_inputs < 0 ? "any number" : std::to_string(s->max_inputs)));
  WISP_CHECK(outs >= s->min_outputs && (s->max_outputs < 0 || outs <= s->max_outputs), ErrorCode::kInvalidModel,
             n.label(), " has ", outs, " outputs; ", n.op_type, " produces ", s->min_outputs,
             s->max_outputs == s->min_outputs ? std::string() : str_cat(" to ", s->max_outputs < 0 ? "any number" : std::to_string(s->max_outputs)));
  for (int i = 0; i < s->min_inputs && i < ins; ++i)
    WISP_CHECK(n.inputs[static_cast<size_t>(i)] != nullptr, ErrorCode::kInvalidModel, n.label(), ": required input ",
               i, " is missing (empty name)");
}

void convert_node(const onnx::NodeProto& proto, int index, ImportContext& ctx, GraphScope& scope,
                  std::set<std::string>& node_names) {
  Graph& g = *scope.graph;
  OnnxNode node;
  node.op_type = proto.op_type();
  node.domain = norm_domain(proto.domain());
  std::string name = node_display_name(proto, index);
  for (int k = 1; node_names.count(name); ++k) name = str_cat(node_display_name(proto, index), "_", k);
  node_names.insert(name);
  node.name = name;
  const std::string label = str_cat(node.op_type, " '", node.name, "'");
  auto opset = ctx.opset_imports.find(node.domain);
  WISP_CHECK(opset != ctx.opset_imports.end(), ErrorCode::kInvalidModel, label, " is in domain '",
             node.domain.empty() ? "ai.onnx" : node.domain, "', which the model does not import (opset_import)");
  node.opset = opset->second;
  for (int i = 0; i < proto.input_size(); ++i) {
    const std::string& in = proto.input(i);
    if (in.empty()) {
      node.inputs.push_back(nullptr);
      continue;
    }
    Value* v = resolve(scope, in);
    WISP_CHECK(v != nullptr, ErrorCode::kInvalidModel, label, " in ", scope.where, ": input ", i, " '", in,
               "' is not defined (not a graph input, an initializer, or an output of any node)");
    node.inputs.push_back(v);
  }
  for (const std::string& out : proto.output()) node.outputs.push_back(out.empty() ? nullptr : g.find_value(out));
  for (const auto& a : proto.attribute()) {
    WISP_CHECK(!node.attrs.has(a.name()), ErrorCode::kInvalidModel, label, ": attribute '", a.name(),
               "' is given twice");
    Attribute attr;
    convert_attribute(a, ctx, scope, label, &attr);
    node.attrs.set(a.name(), std::move(attr));
  }
  const size_t first_new = g.nodes().size();
  ConvertContext cc(g, node);
  if (OnnxConverterFn fn = find_onnx_converter(node.domain, node.op_type)) fn(cc);
  else cc.emit_as_is();
  for (size_t i = first_new; i < g.nodes().size(); ++i) check_arity(*g.nodes()[i]);
}

void import_graph_body(const onnx::GraphProto& proto, ImportContext& ctx, GraphScope& scope) {
  Graph& g = *scope.graph;
  g.name = proto.name();
  g.opset_imports = ctx.opset_imports;
  WISP_CHECK(proto.sparse_initializer_size() == 0, ErrorCode::kUnsupported, scope.where,
             ": sparse initializers are not supported");
  for (int i = 0; i < proto.initializer_size(); ++i) {
    const onnx::TensorProto& t = proto.initializer(i);
    WISP_CHECK(!t.name().empty(), ErrorCode::kInvalidModel, scope.where, ": initializer ", i, " has no name");
    WISP_CHECK(!g.find_value(t.name()), ErrorCode::kInvalidModel, scope.where, ": initializer '", t.name(),
               "' is defined twice");
    g.add_constant(t.name(), decode_tensor(t, ctx.tensors, str_cat("initializer '", t.name(), "'")));
  }
  const bool is_main = scope.parent == nullptr;
  for (const auto& in : proto.input()) {
    WISP_CHECK(!in.name().empty(), ErrorCode::kInvalidModel, scope.where, ": a graph input has no name");
    Value* existing = g.find_value(in.name());
    // An input with an initializer of the same name is an "overridable constant"; Wisp
    // treats it as the constant (the usual case for models exported with IR < 4).
    if (existing && existing->is_constant()) continue;
    WISP_CHECK(!existing, ErrorCode::kInvalidModel, scope.where, ": graph input '", in.name(), "' is listed twice");
    Value* v = g.add_value(in.name());
    const std::string where = str_cat("graph input '", in.name(), "'");
    WISP_CHECK(in.has_type() || !is_main, ErrorCode::kInvalidModel, where, " has no type");
    if (in.has_type()) apply_type(in.type(), v, where, true);
    WISP_CHECK(v->dtype != DType::kUndefined || !is_main, ErrorCode::kInvalidModel, where, " has no element type");
    g.inputs.push_back(v);
  }
  // Every node output first, so duplicates are named and nodes may come in any order.
  for (int i = 0; i < proto.node_size(); ++i) {
    const onnx::NodeProto& n = proto.node(i);
    for (const std::string& out : n.output()) {
      if (out.empty()) continue;
      const Value* existing = g.find_value(out);
      WISP_CHECK(!existing, ErrorCode::kInvalidModel, n.op_type(), " '", node_display_name(n, i), "' in ",
                 scope.where, ": output '", out, "' is already defined by ",
                 existing && existing->is_constant() ? "an initializer"
                 : existing && std::find(g.inputs.begin(), g.inputs.end(), existing) != g.inputs.end()
                     ? "a graph input"
                     : "another node (duplicate output name)");
      g.add_value(out);
    }
  }
  for (const auto& vi : proto.value_info())
    if (Value* v = g.find_value(vi.name()); v && !v->is_constant() && vi.has_type())
      apply_type(vi.type(), v, str_cat("value '", vi.name(), "'"), false);
  std::set<std::string> node_names;
  for (int i = 0; i < proto.node_size(); ++i) convert_node(proto.node(i), i, ctx, scope, node_names);
  for (const auto& out : proto.output()) {
    Value* v = resolve(scope, out.name());
    WISP_CHECK(v != nullptr, ErrorCode::kInvalidModel, scope.where, ": graph output '", out.name(),
               "' is not produced by any node, nor an input or initializer");
    if (out.has_type() && !v->is_constant()) apply_type(out.type(), v, str_cat("graph output '", out.name(), "'"), true);
    g.outputs.push_back(v);
  }
  WISP_CHECK(!g.outputs.empty() || !is_main, ErrorCode::kInvalidModel, scope.where, " has no outputs");
  g.sort_topologically();
}

std::shared_ptr<Model> import_model(const onnx::ModelProto& model, const std::string& base_dir,
                                    const OnnxImportOptions& options, const std::string& source) {
  WISP_CHECK(model.ir_version() > 0, ErrorCode::kInvalidModel, source, ": ir_version is missing (not an ONNX model?)");
  WISP_CHECK(model.ir_version() >= kMinIrVersion && model.ir_version() <= kMaxIrVersion, ErrorCode::kUnsupported,
             source, ": ONNX IR version ", model.ir_version(), " is not supported (Wisp reads IR ", kMinIrVersion,
             " to ", kMaxIrVersion, ")");
  WISP_CHECK(model.has_graph(), ErrorCode::kInvalidModel, source, ": the model has no graph");
  ImportContext ctx;
  ctx.tensors = TensorSource{base_dir, &options, 0};
  ctx.ir_version = model.ir_version();
  for (const auto& op : model.opset_import()) {
    const std::string domain = norm_domain(op.domain());
    WISP_CHECK(op.version() > 0 && op.version() <= INT32_MAX, ErrorCode::kInvalidModel, source, ": opset version ",
               op.version(), " for domain '", op.domain(), "' is invalid");
    WISP_CHECK(!ctx.opset_imports.count(domain), ErrorCode::kInvalidModel, source, ": domain '", op.domain(),
               "' is imported twice");
    ctx.opset_imports[domain] = static_cast<int>(op.version());
  }
  // A model may import only other domains (e.g. ai.onnx.preview.training); its nodes
  // then fail the unsupported-op check unless Wisp has schemas for that domain.
  auto onnx_opset = ctx.opset_imports.find("");
  WISP_CHECK(onnx_opset == ctx.opset_imports.end() || onnx_opset->second <= kMaxOnnxOpset, ErrorCode::kUnsupported,
             source, ": ai.onnx opset ", onnx_opset->second, " is newer than Wisp supports (up to ", kMaxOnnxOpset, ")");
  fail_if_unsupported(model, ctx);

  auto result = std::make_shared<Model>();
  ModelInfo& info = result->info;
  info.ir_version = model.ir_version();
  info.producer_name = model.producer_name();
  info.producer_version = model.producer_version();
  info.domain = model.domain();
  info.doc_string = model.doc_string();
  info.model_version = model.model_version();
  info.source_path = source;
  GraphScope scope{&result->graph, nullptr, str_cat("graph '", model.graph().name(), "'")};
  import_graph_body(model.graph(), ctx, scope);
  // Everything after this point trusts the structure: check it once, subgraphs included.
  verify_graph(result->graph);
  return result;
}

}  // namespace

std::shared_ptr<Graph> import_subgraph(const onnx::GraphProto& proto, ImportContext& ctx, GraphScope& parent,
                                       const std::string& where) {
  auto g = std::make_shared<Graph>();
  GraphScope scope{g.get(), &parent, where};
  import_graph_body(proto, ctx, scope);
  return g;
}

}  // namespace onnx_import

std::shared_ptr<Model> import_onnx_bytes(const void* data, size_t size, const std::string& base_dir,
                                         const OnnxImportOptions& options) {
  const std::string source = base_dir.empty() ? std::string("<memory>") : str_cat("<memory in ", base_dir, ">");
  WISP_CHECK(static_cast<int64_t>(size) <= options.max_file_bytes && size <= INT32_MAX, ErrorCode::kResourceExhausted,
             source, ": model is ", size, " bytes, above the limit of ", options.max_file_bytes);
  onnx::ModelProto model;
  WISP_CHECK(model.ParseFromArray(data, static_cast<int>(size)), ErrorCode::kInvalidModel, source,
             ": not a valid ONNX model (protobuf parse failed): the bytes are truncated, corrupt or not ONNX");
  return onnx_import::import_model(model, base_dir, options, source);
}

std::shared_ptr<Model> import_onnx_file(const std::string& path, const OnnxImportOptions& options) {
  const std::string bytes = onnx_import::read_file_checked(path, options.max_file_bytes, "ONNX model");
  WISP_CHECK(bytes.size() <= INT32_MAX, ErrorCode::kResourceExhausted, path, ": model is above protobuf's 2 GiB limit");
  onnx::ModelProto model;
  WISP_CHECK(model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())), ErrorCode::kInvalidModel, path,
             ": not a valid ONNX model (protobuf parse failed): the file is truncated, corrupt or not ONNX");
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  return onnx_import::import_model(model, dir, options, path);
}

OnnxSummary summarize_onnx_file(const std::string& path, const OnnxImportOptions& options) {
  const std::string bytes = onnx_import::read_file_checked(path, options.max_file_bytes, "ONNX model");
  onnx::ModelProto model;
  WISP_CHECK(bytes.size() <= INT32_MAX && model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())),
             ErrorCode::kInvalidModel, path, ": not a valid ONNX model (protobuf parse failed)");
  OnnxSummary s;
  s.ir_version = model.ir_version();
  s.producer = str_cat(model.producer_name(), " ", model.producer_version());
  for (const auto& op : model.opset_import())
    if (onnx_import::norm_domain(op.domain()).empty()) s.opset = static_cast<int>(op.version());
  s.nodes = model.graph().node_size();
  for (const auto& n : model.graph().node()) ++s.op_histogram[n.op_type()];
  std::set<std::pair<std::string, std::string>> functions;
  for (const auto& f : model.functions()) functions.insert({f.domain(), f.name()});
  onnx_import::OpUses uses;
  onnx_import::collect_unsupported(model.graph(), functions, uses);
  for (const auto& [key, use] : uses)
    s.unsupported[key.first.empty() ? key.second : str_cat(key.first, ".", key.second)] = use.nodes;
  return s;
}

}  // namespace wisp
