// IR -> ModelProto. Two steps:
//   1. choose the ai.onnx opset: the model's, raised to the opset each node's canonical
//      form needs (kCanonicalSince below) and to options.min_opset;
//   2. write every graph (subgraphs recursively): initializers for the constants the graph
//      reads, inputs and outputs with their declared types, nodes in topological order
//      with attributes (opset-dependent defaults made explicit where step 1 raised the
//      opset above the node's), value_info for the intermediate values with a known type.
#include "onnx/onnx_exporter.hpp"

#include <fstream>
#include <map>
#include <set>

#include "core/status.hpp"
#include "ir/implicit_inputs.hpp"
#include "onnx/onnx_import_internal.hpp"
#include "runtime/session.hpp"
#include "wisp_onnx/onnx.pb.h"

namespace wisp {
namespace {

// The first ai.onnx opset in which the IR's canonical form of an op is valid ONNX: the
// importer's converters (src/onnx/converters/) turned older forms into these.
int canonical_since(const std::string& op) {
  static const std::map<std::string, int> kSince = {
      {"Squeeze", 13}, {"Unsqueeze", 13}, {"Split", 13}, {"ReduceSum", 13},
      {"ReduceSumSquare", 18}, {"ReduceMean", 18}, {"ReduceMax", 18}, {"ReduceMin", 18}, {"ReduceProd", 18},
      {"ReduceL1", 18}, {"ReduceL2", 18}, {"ReduceLogSum", 18}, {"ReduceLogSumExp", 18},
      {"Slice", 10}, {"TopK", 10}, {"Resize", 13}, {"Pad", 11}, {"Clip", 11}, {"ScatterElements", 11},
      {"Scan", 9}, {"Reshape", 5},
      {"Add", 7}, {"Sub", 7}, {"Mul", 7}, {"Div", 7}, {"Pow", 7}, {"And", 7}, {"Or", 7}, {"Xor", 7},
      {"Equal", 7}, {"Greater", 7}, {"Less", 7}, {"PRelu", 7},
      // Made by the optimizer's standard-preserving fusions.
      {"LayerNormalization", 17}, {"Gelu", 20},
  };
  auto it = kSince.find(op);
  return it == kSince.end() ? 0 : it->second;
}

// Highest ai.onnx opset any node (subgraphs included) needs.
void needed_opset(const Graph& g, int& opset) {
  for (const auto& n : g.nodes()) {
    if (!n->domain.empty()) continue;
    opset = std::max({opset, n->opset, canonical_since(n->op_type)});
    for (const auto& [name, a] : n->attrs.items()) {
      if (a.g) needed_opset(*a.g, opset);
      for (const auto& sub : a.graphs) needed_opset(*sub, opset);
    }
  }
}

// The IR version that goes with an opset (onnx/helper.py's VERSION_TABLE), at least 4 so
// initializers need not be listed as graph inputs.
int64_t ir_version_for(int opset) {
  if (opset >= 21) return 10;
  if (opset >= 19) return 9;
  if (opset >= 15) return 8;
  if (opset >= 12) return 7;
  if (opset >= 11) return 6;
  if (opset >= 10) return 5;
  return 4;
}

int32_t onnx_type_of(DType t, const std::string& where) {
  const int32_t code = onnx_import::dtype_to_onnx(t);
  WISP_CHECK(code != 0 && t != DType::kString, ErrorCode::kUnsupported, where, ": element type ", dtype_name(t),
             " has no ONNX equivalent Wisp can write");
  return code;
}

void write_tensor(const Tensor& t, const std::string& name, onnx::TensorProto* out) {
  out->set_name(name);
  out->set_data_type(onnx_type_of(t.dtype(), str_cat("tensor '", name, "'")));
  for (int64_t d : t.shape()) out->add_dims(d);
  // Raw little-endian bytes for every type (int4/uint4: two per byte, low nibble first,
  // which is also Wisp's packing).
  int64_t bytes = t.bytes();
  if (t.dtype() == DType::kI4 || t.dtype() == DType::kU4) bytes = (t.numel() + 1) / 2;
  out->set_raw_data(t.data(), static_cast<size_t>(bytes));
}

void write_type(const Value& v, onnx::TypeProto* out) {
  auto* tt = out->mutable_tensor_type();
  if (v.dtype != DType::kUndefined) tt->set_elem_type(onnx_type_of(v.dtype, str_cat("value '", v.name, "'")));
  if (!v.shape) return;
  auto* shape = tt->mutable_shape();
  for (const SymDim& d : *v.shape) {
    auto* dim = shape->add_dim();
    if (d.is_static()) dim->set_dim_value(d.value);
    else if (!d.symbol.empty()) dim->set_dim_param(d.symbol);
  }
}

void write_value_info(const Value& v, onnx::ValueInfoProto* out) {
  out->set_name(v.name);
  if (v.dtype != DType::kUndefined || v.shape) write_type(v, out->mutable_type());
}

// Types and shapes of the main graph's intermediate values, from two Session::prepare
// runs with every symbolic input dimension at 1 and then at 2: a dimension that agrees is
// static, one that differs depends on the symbols and is written as unknown. Empty when
// the model does not prepare without real inputs (value_info is optional).
std::map<const Value*, Value> infer_value_types(const Model& model) {
  std::map<const Value*, Value> out;
  std::shared_ptr<const Model> alias(std::shared_ptr<const Model>(), &model);  // not owned
  try {
    std::map<const Value*, TensorView> first;
    for (int64_t dim : {1, 2}) {
      SessionConfig config;
      config.default_symbolic_dim = dim;
      Session session(alias, config);
      session.prepare({});
      for (const auto& n : model.graph.nodes())
        for (const Value* v : n->outputs) {
          const TensorView* tv = v ? session.prepared_value(v) : nullptr;
          if (!tv) continue;
          if (dim == 1) {
            first[v] = TensorView{tv->dtype, tv->shape, nullptr};
            continue;
          }
          auto it = first.find(v);
          if (it == first.end() || it->second.dtype != tv->dtype || it->second.shape.rank() != tv->shape.rank()) continue;
          Value& info = out[v];
          info.dtype = tv->dtype;
          SymShape shape;
          for (int i = 0; i < tv->shape.rank(); ++i)
            shape.push_back(SymDim{it->second.shape[i] == tv->shape[i] ? tv->shape[i] : -1, ""});
          info.shape = std::move(shape);
        }
    }
  } catch (const Error&) {
    out.clear();
  }
  return out;
}

class Exporter {
 public:
  Exporter(int opset, const OnnxExportOptions& options, std::map<const Value*, Value> inferred)
      : opset_(opset), options_(options), inferred_(std::move(inferred)) {}

  void write_graph(const Graph& g, onnx::GraphProto* out) {
    out->set_name(g.name.empty() ? "wisp" : g.name);
    std::set<const Value*> initializers;
    auto add_initializer = [&](const Value* v) {
      if (!v || !v->is_constant() || !initializers.insert(v).second) return;
      write_tensor(*v->constant, v->name, out->add_initializer());
    };
    for (const auto& n : g.nodes())
      for (const Value* v : n->inputs) add_initializer(v);
    for (const Value* v : g.outputs) add_initializer(v);
    for (const Value* v : g.inputs) write_value_info(*v, out->add_input());
    for (const auto& n : g.nodes()) write_node(*n, out->add_node());
    for (const Value* v : g.outputs) write_value_info(*v, out->add_output());
    if (!options_.write_value_info) return;
    std::set<const Value*> declared(g.inputs.begin(), g.inputs.end());
    declared.insert(g.outputs.begin(), g.outputs.end());
    for (const auto& n : g.nodes())
      for (const Value* v : n->outputs) {
        if (!v || declared.count(v) || v->is_constant()) continue;
        if (v->dtype != DType::kUndefined && v->shape) {
          write_value_info(*v, out->add_value_info());
        } else if (auto it = inferred_.find(v); it != inferred_.end()) {
          Value known;
          known.name = v->name;
          known.dtype = v->dtype != DType::kUndefined ? v->dtype : it->second.dtype;
          known.shape = v->shape ? v->shape : it->second.shape;
          write_value_info(known, out->add_value_info());
        } else if (v->dtype != DType::kUndefined || v->shape) {
          write_value_info(*v, out->add_value_info());
        }
      }
  }

 private:
  void write_node(const Node& n, onnx::NodeProto* out) {
    out->set_name(n.name);
    out->set_op_type(n.op_type);
    if (!n.domain.empty()) out->set_domain(n.domain);
    WISP_CHECK(n.domain != "com.wisp", ErrorCode::kUnsupported, n.label(), " is a Wisp-internal op (domain com.wisp, made "
               "by the optimizer's fusions): export the model before them (wisp optimize -o X.onnx does)");
    if (n.attrs.get_int("wisp_scan8_batched", 0) != 0)
      fail(ErrorCode::kUnsupported, n.label(), ": the Scan-8 batched form (imported from opset 8) cannot be "
           "exported; re-export the source model with opset 9 or newer");
    // Implicit inputs (what the subgraphs read from this graph) go back to being names
    // the subgraphs resolve themselves.
    const int explicit_inputs = explicit_input_count(n);
    int last = explicit_inputs;  // trailing omitted optional inputs are not written
    while (last > 0 && n.inputs[static_cast<size_t>(last) - 1] == nullptr) --last;
    for (int i = 0; i < last; ++i) {
      const Value* v = n.inputs[static_cast<size_t>(i)];
      out->add_input(v ? v->name : std::string());
    }
    int outs = static_cast<int>(n.outputs.size());
    while (outs > 0 && n.outputs[static_cast<size_t>(outs) - 1] == nullptr) --outs;
    for (int i = 0; i < outs; ++i) {
      const Value* v = n.outputs[static_cast<size_t>(i)];
      out->add_output(v ? v->name : std::string());
    }
    Attributes attrs = n.attrs;
    attrs.erase(kExplicitInputsAttr);
    adapt_attributes(n, attrs);
    for (const auto& [name, a] : attrs.items()) {
      WISP_CHECK(name.rfind("wisp_", 0) != 0, ErrorCode::kUnsupported, n.label(), " carries the Wisp-internal "
                 "attribute '", name, "' (a fusion of the Wisp optimizer, not standard ONNX): export the model "
                 "before the Wisp-specific fusions (wisp optimize -o X.onnx does)");
      write_attribute(n, name, a, out->add_attribute());
    }
  }

  // Attributes whose meaning depends on the opset: when the exported opset is above the
  // node's, the node's meaning is written out explicitly; the IR-only encodings go back
  // to ONNX's.
  void adapt_attributes(const Node& n, Attributes& attrs) const {
    if (n.domain.empty() && n.op_type == "EyeLike" && attrs.has("dtype"))  // IR: a Wisp DType code
      attrs.set_int("dtype", onnx_type_of(static_cast<DType>(attrs.require_int("dtype")), n.label()));
    if (!n.domain.empty() || n.opset >= opset_) return;
    if (opset_ >= 6) attrs.erase("consumed_inputs");  // an in-place hint of opsets 1-5
    if (n.op_type == "GridSample" && n.opset < 20 && opset_ >= 20) {
      const std::string mode = attrs.get_string("mode", "bilinear");
      attrs.set_string("mode", mode == "bilinear" ? "linear" : mode == "bicubic" ? "cubic" : mode);
    } else if (n.op_type == "RoiAlign" && n.opset < 16 && opset_ >= 16 &&
               !attrs.has("coordinate_transformation_mode")) {
      attrs.set_string("coordinate_transformation_mode", "output_half_pixel");
    } else if (n.op_type == "BatchNormalization") {
      if (opset_ >= 9 && attrs.has("spatial")) {
        WISP_CHECK(attrs.get_int("spatial", 1) != 0, ErrorCode::kUnsupported, n.label(),
                   ": spatial=0 (per-activation statistics, opset < 9) cannot be written at opset ", opset_);
        attrs.erase("spatial");
      }
      if (opset_ >= 7) attrs.erase("is_test");
    } else if (n.op_type == "Dropout" && opset_ >= 7) {
      attrs.erase("is_test");
      if (opset_ >= 12) attrs.erase("ratio");  // inference: the ratio has no effect
    }
  }

  void write_attribute(const Node& n, const std::string& name, const Attribute& a, onnx::AttributeProto* out) {
    using AP = onnx::AttributeProto;
    out->set_name(name);
    switch (a.kind) {
      case Attribute::Kind::kFloat: out->set_type(AP::FLOAT); out->set_f(a.f); break;
      case Attribute::Kind::kInt: out->set_type(AP::INT); out->set_i(a.i); break;
      case Attribute::Kind::kString: out->set_type(AP::STRING); out->set_s(a.s); break;
      case Attribute::Kind::kTensor:
        out->set_type(AP::TENSOR);
        write_tensor(a.t, "", out->mutable_t());
        break;
      case Attribute::Kind::kGraph:
        out->set_type(AP::GRAPH);
        WISP_CHECK(a.g != nullptr, ErrorCode::kInternal, n.label(), ": graph attribute '", name, "' is empty");
        write_graph(*a.g, out->mutable_g());
        break;
      case Attribute::Kind::kFloats:
        out->set_type(AP::FLOATS);
        for (float f : a.floats) out->add_floats(f);
        break;
      case Attribute::Kind::kInts:
        out->set_type(AP::INTS);
        for (int64_t i : a.ints) out->add_ints(i);
        break;
      case Attribute::Kind::kStrings:
        out->set_type(AP::STRINGS);
        for (const auto& s : a.strings) out->add_strings(s);
        break;
      case Attribute::Kind::kTensors:
        out->set_type(AP::TENSORS);
        for (const Tensor& t : a.tensors) write_tensor(t, "", out->add_tensors());
        break;
      case Attribute::Kind::kGraphs:
        out->set_type(AP::GRAPHS);
        for (const auto& g : a.graphs) write_graph(*g, out->add_graphs());
        break;
    }
  }

  int opset_;
  const OnnxExportOptions& options_;
  std::map<const Value*, Value> inferred_;  // main graph only
};

}  // namespace

int onnx_export_opset(const Model& model, const OnnxExportOptions& options) {
  int opset = options.min_opset;
  auto it = model.graph.opset_imports.find("");
  if (it != model.graph.opset_imports.end()) opset = std::max(opset, it->second);
  needed_opset(model.graph, opset);
  if (opset == 0) opset = onnx_import::kMaxOnnxOpset;  // a graph built in code, with no opset recorded
  WISP_CHECK(opset <= onnx_import::kMaxOnnxOpset, ErrorCode::kUnsupported, "ONNX export: the graph needs ai.onnx opset ",
             opset, ", above the newest Wisp knows (", onnx_import::kMaxOnnxOpset, ")");
  return opset;
}

std::string export_onnx_bytes(const Model& model, const OnnxExportOptions& options) {
  const int opset = onnx_export_opset(model, options);
  onnx::ModelProto proto;
  proto.set_ir_version(std::max<int64_t>(ir_version_for(opset), 4));
  proto.set_producer_name("wisp");
  proto.set_producer_version("0.1");
  if (!model.info.domain.empty()) proto.set_domain(model.info.domain);
  if (model.info.model_version) proto.set_model_version(model.info.model_version);
  proto.set_doc_string(model.info.producer_name.empty()
                           ? std::string("exported by wisp")
                           : str_cat("exported by wisp from a model produced by ", model.info.producer_name, " ",
                                     model.info.producer_version));
  auto* onnx_opset = proto.add_opset_import();
  onnx_opset->set_domain("");
  onnx_opset->set_version(opset);
  for (const auto& [domain, version] : model.graph.opset_imports) {
    if (domain.empty()) continue;
    auto* o = proto.add_opset_import();
    o->set_domain(domain);
    o->set_version(version);
  }
  Exporter exporter(opset, options, options.write_value_info ? infer_value_types(model) : std::map<const Value*, Value>{});
  exporter.write_graph(model.graph, proto.mutable_graph());
  std::string bytes;
  WISP_CHECK(proto.SerializeToString(&bytes), ErrorCode::kResourceExhausted,
             "ONNX export: the model does not fit protobuf's 2 GiB limit");
  return bytes;
}

void export_onnx(const Model& model, const std::string& path, const OnnxExportOptions& options) {
  const std::string bytes = export_onnx_bytes(model, options);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  WISP_CHECK(f.good(), ErrorCode::kIo, "ONNX export: cannot open '", path, "' for writing");
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  f.close();
  WISP_CHECK(f.good(), ErrorCode::kIo, "ONNX export: writing '", path, "' failed (disk full?)");
}

}  // namespace wisp
