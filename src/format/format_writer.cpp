// .wisp writer. Tensors go to the data section first (each at the next 64-byte-aligned
// offset, zero padding between); then the FlatBuffer is built. The data section starts at
// the first multiple of 64 after the FlatBuffer, which the FlatBuffer itself records
// (data_offset): the buffer is built once to learn its size and again with the final
// offset. With ForceDefaults the second build has exactly the same size, so the offset
// stays valid (checked).
#include <cstdio>
#include <cstring>
#include <map>

#include "core/checked_math.hpp"
#include "core/status.hpp"
#include "format/wisp_format.hpp"
#include "wisp_generated.h"

namespace wisp::format {
namespace {

namespace fb = ::wisp::fb;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

// The data section: tensor bytes at 64-byte-aligned offsets.
class DataSection {
 public:
  // Appends the tensor's bytes; returns its offset in the section.
  uint64_t append(const Tensor& t) {
    const int64_t at = align_up(static_cast<int64_t>(bytes_.size()), kDataAlignment);
    const int64_t n = t.bytes();
    bytes_.resize(static_cast<size_t>(at + n));
    if (n > 0) std::memcpy(bytes_.data() + at, t.data(), static_cast<size_t>(n));
    return static_cast<uint64_t>(at);
  }
  const std::vector<std::byte>& bytes() const { return bytes_; }

 private:
  std::vector<std::byte> bytes_;
};

// The file stores Attribute::Kind and DType by value: keep the enums in step.
static_assert(static_cast<int>(fb::AttrKind::Float) == static_cast<int>(Attribute::Kind::kFloat));
static_assert(static_cast<int>(fb::AttrKind::Graphs) == static_cast<int>(Attribute::Kind::kGraphs));
static_assert(static_cast<int>(fb::AttrKind::Tensors) == static_cast<int>(Attribute::Kind::kTensors));
static_assert(static_cast<int>(DType::kBool) == 13, "DType numbering is part of the .wisp format");

class Writer {
 public:
  Writer(const Model& model, const Metadata& meta, const StoredPlan* plan)
      : model_(model), meta_(meta), plan_(plan) {}

  std::vector<std::byte> write() {
    // Tensors are appended while building; build twice over a fresh data section so both
    // builds see the same offsets.
    uint64_t data_offset = 0;
    size_t first_size = 0;
    for (int pass = 0; pass < 2; ++pass) {
      data_ = DataSection();
      fbb_.Clear();
      fbb_.ForceDefaults(true);
      build(data_offset);
      if (pass == 0) {
        first_size = fbb_.GetSize();
        data_offset = static_cast<uint64_t>(align_up(static_cast<int64_t>(first_size), kDataAlignment));
      }
    }
    WISP_ASSERT(fbb_.GetSize() == first_size);
    std::vector<std::byte> out(static_cast<size_t>(data_offset) + data_.bytes().size());
    std::memcpy(out.data(), fbb_.GetBufferPointer(), fbb_.GetSize());
    if (!data_.bytes().empty())
      std::memcpy(out.data() + data_offset, data_.bytes().data(), data_.bytes().size());
    return out;
  }

 private:
  void build(uint64_t data_offset) {
    auto graph = write_graph(model_.graph);
    auto metadata = write_metadata();
    Offset<fb::MemoryPlan> plan = 0;
    if (plan_) plan = write_plan();
    fb::ModelBuilder m(fbb_);
    m.add_format_major(kFormatMajor);
    m.add_format_minor(kFormatMinor);
    m.add_data_offset(data_offset);
    m.add_data_size(data_.bytes().size());
    m.add_graph(graph);
    m.add_metadata(metadata);
    if (plan_) m.add_plan(plan);
    fbb_.Finish(m.Finish(), fb::ModelIdentifier());
  }

  Offset<fb::TensorRef> write_tensor(const Tensor& t) {
    WISP_CHECK(dtype_size(t.dtype()) > 0 || dtype_is_4bit(t.dtype()), ErrorCode::kUnsupported, "cannot store a tensor of type ",
               dtype_name(t.dtype()), " in a .wisp file");
    const uint64_t offset = data_.append(t);
    std::vector<int64_t> dims(t.shape().begin(), t.shape().end());
    return fb::CreateTensorRef(fbb_, static_cast<uint8_t>(t.dtype()), fbb_.CreateVector(dims), offset,
                               static_cast<uint64_t>(t.bytes()));
  }

  Offset<flatbuffers::Vector<Offset<fb::Dim>>> write_dims(const SymShape& s) {
    std::vector<Offset<fb::Dim>> dims;
    for (const SymDim& d : s) dims.push_back(fb::CreateDim(fbb_, d.value, fbb_.CreateString(d.symbol)));
    return fbb_.CreateVector(dims);
  }

  Offset<fb::Attribute> write_attribute(const std::string& name, const Attribute& a) {
    using K = Attribute::Kind;
    auto n = fbb_.CreateString(name);
    Offset<flatbuffers::String> s = 0;
    Offset<fb::TensorRef> t = 0;
    Offset<fb::Graph> g = 0;
    Offset<flatbuffers::Vector<float>> floats = 0;
    Offset<flatbuffers::Vector<int64_t>> ints = 0;
    Offset<flatbuffers::Vector<Offset<flatbuffers::String>>> strings = 0;
    Offset<flatbuffers::Vector<Offset<fb::TensorRef>>> tensors = 0;
    Offset<flatbuffers::Vector<Offset<fb::Graph>>> graphs = 0;
    switch (a.kind) {
      case K::kFloat: case K::kInt: break;
      case K::kString: s = fbb_.CreateString(a.s); break;
      case K::kTensor: t = write_tensor(a.t); break;
      case K::kGraph: g = write_graph(*a.g); break;
      case K::kFloats: floats = fbb_.CreateVector(a.floats); break;
      case K::kInts: ints = fbb_.CreateVector(a.ints); break;
      case K::kStrings: strings = fbb_.CreateVectorOfStrings(a.strings); break;
      case K::kTensors: {
        std::vector<Offset<fb::TensorRef>> v;
        for (const Tensor& x : a.tensors) v.push_back(write_tensor(x));
        tensors = fbb_.CreateVector(v);
        break;
      }
      case K::kGraphs: {
        std::vector<Offset<fb::Graph>> v;
        for (const auto& x : a.graphs) v.push_back(write_graph(*x));
        graphs = fbb_.CreateVector(v);
        break;
      }
    }
    return fb::CreateAttribute(fbb_, n, static_cast<fb::AttrKind>(a.kind), a.f, a.i, s, t, g, floats, ints, strings,
                               tensors, graphs);
  }

  Offset<fb::Graph> write_graph(const Graph& graph) {
    std::map<const Value*, int> index;
    std::vector<Offset<fb::Value>> values;
    for (const auto& v : graph.values()) {
      index[v.get()] = static_cast<int>(values.size());
      auto name = fbb_.CreateString(v->name);
      Offset<flatbuffers::Vector<Offset<fb::Dim>>> shape = 0;
      if (v->shape) shape = write_dims(*v->shape);
      Offset<fb::TensorRef> constant = 0;
      if (v->constant) constant = write_tensor(*v->constant);
      values.push_back(fb::CreateValue(fbb_, name, static_cast<uint8_t>(v->dtype), v->shape.has_value(), shape, constant));
    }
    auto index_of = [&](const Value* v) -> int {
      if (!v) return -1;
      auto it = index.find(v);
      WISP_CHECK(it != index.end(), ErrorCode::kInternal, "value '", v->name, "' is not in graph '", graph.name, "'");
      return it->second;
    };
    std::vector<Offset<fb::Node>> nodes;
    for (const auto& n : graph.nodes()) {
      std::vector<int32_t> ins, outs;
      for (const Value* v : n->inputs) ins.push_back(index_of(v));
      for (const Value* v : n->outputs) outs.push_back(index_of(v));
      std::vector<Offset<fb::Attribute>> attrs;
      for (const auto& [name, a] : n->attrs.items()) attrs.push_back(write_attribute(name, a));
      nodes.push_back(fb::CreateNode(fbb_, fbb_.CreateString(n->name), fbb_.CreateString(n->op_type),
                                     fbb_.CreateString(n->domain), n->opset, fbb_.CreateString(n->name),
                                     fbb_.CreateVector(ins), fbb_.CreateVector(outs), fbb_.CreateVector(attrs)));
    }
    std::vector<uint32_t> ins, outs;
    for (const Value* v : graph.inputs) ins.push_back(static_cast<uint32_t>(index_of(v)));
    for (const Value* v : graph.outputs) outs.push_back(static_cast<uint32_t>(index_of(v)));
    std::vector<Offset<fb::OpsetImport>> opsets;
    for (const auto& [domain, version] : graph.opset_imports)
      opsets.push_back(fb::CreateOpsetImport(fbb_, fbb_.CreateString(domain), version));
    return fb::CreateGraph(fbb_, fbb_.CreateString(graph.name), fbb_.CreateVector(values), fbb_.CreateVector(nodes),
                           fbb_.CreateVector(ins), fbb_.CreateVector(outs), fbb_.CreateVectorOfStrings(graph.outer_refs),
                           fbb_.CreateVector(opsets));
  }

  Offset<flatbuffers::Vector<Offset<fb::SignatureEntry>>> write_signature(const std::vector<Value*>& values) {
    std::vector<Offset<fb::SignatureEntry>> out;
    for (const Value* v : values) {
      const InputHint* hint = nullptr;
      if (auto it = meta_.input_hints.find(v->name); it != meta_.input_hints.end()) hint = &it->second;
      Offset<flatbuffers::Vector<Offset<fb::Dim>>> shape = 0;
      if (v->shape) shape = write_dims(*v->shape);
      out.push_back(fb::CreateSignatureEntry(
          fbb_, fbb_.CreateString(v->name), static_cast<uint8_t>(v->dtype), shape,
          fbb_.CreateString(hint ? hint->layout : ""), fbb_.CreateVector(hint ? hint->mean : std::vector<float>{}),
          fbb_.CreateVector(hint ? hint->std : std::vector<float>{})));
    }
    return fbb_.CreateVector(out);
  }

  Offset<flatbuffers::Vector<Offset<fb::NamedTensor>>> write_named(
      const std::vector<std::pair<std::string, Tensor>>& tensors) {
    std::vector<Offset<fb::NamedTensor>> out;
    for (const auto& [name, t] : tensors) {
      auto n = fbb_.CreateString(name);
      out.push_back(fb::CreateNamedTensor(fbb_, n, write_tensor(t)));
    }
    return fbb_.CreateVector(out);
  }

  Offset<fb::Metadata> write_metadata() {
    for (const auto& [name, hint] : meta_.input_hints) {
      bool found = false;
      for (const Value* v : model_.graph.inputs) found = found || v->name == name;
      WISP_CHECK(found, ErrorCode::kInvalidArgument, "normalisation hint for '", name,
                 "', which is not an input of the model");
    }
    Offset<flatbuffers::Vector<uint8_t>> sha = 0;
    if (meta_.source_sha256) sha = fbb_.CreateVector(meta_.source_sha256->data(), meta_.source_sha256->size());
    std::vector<Offset<fb::KeyValue>> report;
    for (const auto& [k, v] : meta_.report)
      report.push_back(fb::CreateKeyValue(fbb_, fbb_.CreateString(k), fbb_.CreateString(v)));
    std::vector<Offset<fb::ReferenceCase>> refs;
    for (const ReferenceCase& r : meta_.references) {
      auto ins = write_named(r.inputs);
      auto outs = write_named(r.outputs);
      refs.push_back(fb::CreateReferenceCase(fbb_, ins, outs));
    }
    std::vector<Offset<fb::Histogram>> hists;
    for (const Histogram& h : meta_.histograms)
      hists.push_back(fb::CreateHistogram(fbb_, fbb_.CreateString(h.value_name), h.min, h.max,
                                          fbb_.CreateVector(h.counts)));
    const ModelInfo& info = model_.info;
    auto source_name = fbb_.CreateString(meta_.source_name);
    auto producer_name = fbb_.CreateString(meta_.producer_name);
    auto producer_version = fbb_.CreateString(meta_.producer_version);
    auto onnx_producer = fbb_.CreateString(info.producer_name);
    auto onnx_producer_version = fbb_.CreateString(info.producer_version);
    auto domain = fbb_.CreateString(info.domain);
    auto doc = fbb_.CreateString(info.doc_string);
    auto sig_in = write_signature(model_.graph.inputs);
    auto sig_out = write_signature(model_.graph.outputs);
    auto report_v = fbb_.CreateVector(report);
    auto refs_v = fbb_.CreateVector(refs);
    auto hists_v = fbb_.CreateVector(hists);
    return fb::CreateMetadata(fbb_, sha, source_name, producer_name, producer_version, info.ir_version, onnx_producer,
                              onnx_producer_version, domain, info.model_version, doc, sig_in, sig_out, report_v,
                              refs_v, hists_v);
  }

  Offset<fb::MemoryPlan> write_plan() {
    std::map<std::string, uint32_t> index;
    uint32_t i = 0;
    for (const auto& v : model_.graph.values()) index[v->name] = i++;
    std::vector<fb::PlanEntry> entries;
    for (const StoredPlan::Entry& e : plan_->entries) {
      auto it = index.find(e.value);
      WISP_CHECK(it != index.end(), ErrorCode::kInvalidArgument, "memory plan names value '", e.value,
                 "', which is not in the main graph");
      entries.emplace_back(it->second, static_cast<uint64_t>(e.offset), static_cast<uint64_t>(e.size));
    }
    std::vector<Offset<fb::NamedShape>> shapes;
    for (const auto& [name, dims] : plan_->input_shapes)
      shapes.push_back(fb::CreateNamedShape(fbb_, fbb_.CreateString(name), fbb_.CreateVector(dims)));
    auto shapes_v = fbb_.CreateVector(shapes);
    auto entries_v = fbb_.CreateVectorOfStructs(entries);
    return fb::CreateMemoryPlan(fbb_, shapes_v, static_cast<uint64_t>(plan_->arena_bytes), entries_v);
  }

  const Model& model_;
  const Metadata& meta_;
  const StoredPlan* plan_;
  FlatBufferBuilder fbb_{1 << 16};
  DataSection data_;
};

}  // namespace

std::vector<std::byte> serialize_wisp(const Model& model, const Metadata& metadata, const StoredPlan* plan) {
  return Writer(model, metadata, plan).write();
}

void write_wisp_file(const std::string& path, const Model& model, const Metadata& metadata, const StoredPlan* plan) {
  const std::vector<std::byte> bytes = serialize_wisp(model, metadata, plan);
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  WISP_CHECK(f != nullptr, ErrorCode::kIo, "cannot create '", path, "'");
  WISP_CHECK(std::fwrite(bytes.data(), 1, bytes.size(), f.get()) == bytes.size(), ErrorCode::kIo,
             "short write to '", path, "' (disk full?)");
  WISP_CHECK(std::fclose(f.release()) == 0, ErrorCode::kIo, "cannot finish writing '", path, "'");
}

}  // namespace wisp::format
