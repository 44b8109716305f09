// AttributeProto -> Attribute. The declared type decides the kind; a declared type whose
// field is absent while another scalar field is set is a malformed attribute (a writer
// bug we refuse instead of silently reading a default). IR 1 files without a type are
// typed by whichever field is present.
#include "core/status.hpp"
#include "onnx/onnx_import_internal.hpp"
#include "wisp_onnx/onnx.pb.h"

namespace wisp::onnx_import {
namespace {

using AP = onnx::AttributeProto;

const char* attr_type_name(int type) {
  switch (type) {
    case AP::FLOAT: return "FLOAT";
    case AP::INT: return "INT";
    case AP::STRING: return "STRING";
    case AP::TENSOR: return "TENSOR";
    case AP::GRAPH: return "GRAPH";
    case AP::SPARSE_TENSOR: return "SPARSE_TENSOR";
    case AP::TYPE_PROTO: return "TYPE_PROTO";
    case AP::FLOATS: return "FLOATS";
    case AP::INTS: return "INTS";
    case AP::STRINGS: return "STRINGS";
    case AP::TENSORS: return "TENSORS";
    case AP::GRAPHS: return "GRAPHS";
    case AP::SPARSE_TENSORS: return "SPARSE_TENSORS";
    case AP::TYPE_PROTOS: return "TYPE_PROTOS";
    default: return "UNDEFINED";
  }
}

// For attributes written without a type (IR version 1): the type of the field present.
int infer_type(const AP& a) {
  if (a.has_f()) return AP::FLOAT;
  if (a.has_i()) return AP::INT;
  if (a.has_s()) return AP::STRING;
  if (a.has_t()) return AP::TENSOR;
  if (a.has_g()) return AP::GRAPH;
  if (a.floats_size()) return AP::FLOATS;
  if (a.ints_size()) return AP::INTS;
  if (a.strings_size()) return AP::STRINGS;
  if (a.tensors_size()) return AP::TENSORS;
  if (a.graphs_size()) return AP::GRAPHS;
  return AP::UNDEFINED;
}

// The scalar field actually set, if it disagrees with the declared scalar type.
const char* conflicting_field(const AP& a, int type) {
  const bool has_declared = (type == AP::FLOAT && a.has_f()) || (type == AP::INT && a.has_i()) ||
                            (type == AP::STRING && a.has_s()) || (type == AP::TENSOR && a.has_t()) ||
                            (type == AP::GRAPH && a.has_g());
  if (has_declared) return nullptr;
  if (a.has_f()) return "a float";
  if (a.has_i()) return "an int";
  if (a.has_s()) return "a string";
  if (a.has_t()) return "a tensor";
  if (a.has_g()) return "a graph";
  if (a.floats_size()) return "floats";
  if (a.ints_size()) return "ints";
  if (a.strings_size()) return "strings";
  return nullptr;  // nothing set: the value is the field's default (e.g. i = 0)
}

}  // namespace

void convert_attribute(const AP& proto, ImportContext& ctx, GraphScope& scope, const std::string& node_label,
                       Attribute* out) {
  const std::string where = str_cat(node_label, " attribute '", proto.name(), "'");
  WISP_CHECK(!proto.name().empty(), ErrorCode::kInvalidModel, node_label, ": an attribute has no name");
  WISP_CHECK(proto.ref_attr_name().empty(), ErrorCode::kUnsupported, where, ": references function attribute '",
             proto.ref_attr_name(), "' (model-local functions are not supported)");
  int type = proto.type();
  if (type == AP::UNDEFINED) type = infer_type(proto);
  WISP_CHECK(type != AP::UNDEFINED, ErrorCode::kInvalidModel, where, ": has no type and no value");
  const bool scalar = type == AP::FLOAT || type == AP::INT || type == AP::STRING || type == AP::TENSOR ||
                      type == AP::GRAPH;
  if (scalar) {
    const char* other = conflicting_field(proto, type);
    WISP_CHECK(other == nullptr, ErrorCode::kInvalidModel, where, ": declared as ", attr_type_name(type),
               " but holds ", other, " (wrong attribute kind)");
  }
  switch (type) {
    case AP::FLOAT: out->kind = Attribute::Kind::kFloat; out->f = proto.f(); break;
    case AP::INT: out->kind = Attribute::Kind::kInt; out->i = proto.i(); break;
    case AP::STRING: out->kind = Attribute::Kind::kString; out->s = proto.s(); break;
    case AP::TENSOR:
      out->kind = Attribute::Kind::kTensor;
      out->t = decode_tensor(proto.t(), ctx.tensors, where);
      break;
    case AP::GRAPH:
      out->kind = Attribute::Kind::kGraph;
      out->g = import_subgraph(proto.g(), ctx, scope, str_cat("subgraph '", proto.name(), "' of ", node_label));
      break;
    case AP::FLOATS:
      out->kind = Attribute::Kind::kFloats;
      out->floats.assign(proto.floats().begin(), proto.floats().end());
      break;
    case AP::INTS:
      out->kind = Attribute::Kind::kInts;
      out->ints.assign(proto.ints().begin(), proto.ints().end());
      break;
    case AP::STRINGS:
      out->kind = Attribute::Kind::kStrings;
      out->strings.assign(proto.strings().begin(), proto.strings().end());
      break;
    case AP::TENSORS:
      out->kind = Attribute::Kind::kTensors;
      for (int i = 0; i < proto.tensors_size(); ++i)
        out->tensors.push_back(decode_tensor(proto.tensors(i), ctx.tensors, str_cat(where, " tensor ", i)));
      break;
    case AP::GRAPHS:
      out->kind = Attribute::Kind::kGraphs;
      for (int i = 0; i < proto.graphs_size(); ++i)
        out->graphs.push_back(
            import_subgraph(proto.graphs(i), ctx, scope, str_cat("subgraph ", i, " of '", proto.name(), "' of ", node_label)));
      break;
    case AP::SPARSE_TENSOR:
    case AP::SPARSE_TENSORS:
    case AP::TYPE_PROTO:
    case AP::TYPE_PROTOS:
      fail(ErrorCode::kUnsupported, where, ": attributes of type ", attr_type_name(type), " are not supported");
    default:
      fail(ErrorCode::kInvalidModel, where, ": unknown attribute type code ", type);
  }
}

}  // namespace wisp::onnx_import
