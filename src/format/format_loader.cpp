// .wisp loader. Order of work (each step trusts only what the previous ones proved):
//  1. size and identifier ("WISP" at offset 4), buffer alignment (weights are used in place);
//  2. header probe: the root table and ONLY its version and data-section fields are
//     verified and read, so a file of a newer major version is rejected with a version
//     error even if the rest of its layout changed;
//  3. data section bounds (data_offset multiple of 64, data_offset + data_size == size);
//  4. the FlatBuffers verifier over the FlatBuffer region [0, data_offset), always;
//  5. semantic checks (format_checks.cpp);
//  6. the IR is built: constants are Tensors borrowing their bytes from the buffer (zero
//     copy), kept alive by `owner`; then the IR verifier (ir/verifier.hpp) runs.
#include <cstring>
#include <new>

#include "core/status.hpp"
#include "format/format_checks.hpp"
#include "format/mapped_file.hpp"
#include "format/wisp_format.hpp"
#include "ir/verifier.hpp"
#include "wisp_generated.h"

namespace wisp::format {
namespace {

std::string str_of(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

class IrBuilder {
 public:
  IrBuilder(const std::byte* data_section, std::shared_ptr<const void> owner)
      : data_(data_section), owner_(std::move(owner)) {}

  Tensor borrow(const fb::TensorRef& t) const {
    TensorView v;
    v.dtype = static_cast<DType>(t.dtype());
    if (t.shape())
      for (int64_t d : *t.shape()) v.shape.push_back(d);
    v.data = const_cast<std::byte*>(data_ + t.offset());
    return Tensor::borrowed(v, owner_);
  }

  static SymShape sym_shape(const flatbuffers::Vector<flatbuffers::Offset<fb::Dim>>* dims) {
    SymShape s;
    if (dims)
      for (const fb::Dim* d : *dims) s.push_back(SymDim{d->value(), str_of(d->symbol())});
    return s;
  }

  void build_graph(const fb::Graph& g, Graph& out) const {
    out.name = str_of(g.name());
    if (g.opset_imports())
      for (const fb::OpsetImport* o : *g.opset_imports()) out.opset_imports[str_of(o->domain())] = o->version();
    std::vector<Value*> values;
    if (g.values())
      for (const fb::Value* v : *g.values()) {
        Value* x = v->constant() ? out.add_constant(v->name()->str(), borrow(*v->constant())) : out.add_value(v->name()->str());
        x->dtype = static_cast<DType>(v->dtype());
        if (v->has_shape()) x->shape = sym_shape(v->shape());
        values.push_back(x);
      }
    auto value_at = [&](int64_t i) -> Value* { return i < 0 ? nullptr : values[static_cast<size_t>(i)]; };
    if (g.inputs())
      for (uint32_t i : *g.inputs()) out.inputs.push_back(values[i]);
    if (g.outer_refs())
      for (const flatbuffers::String* s : *g.outer_refs()) out.outer_refs.push_back(s->str());
    if (g.nodes())
      for (const fb::Node* n : *g.nodes()) {
        std::vector<Value*> ins, outs;
        if (n->inputs())
          for (int32_t i : *n->inputs()) ins.push_back(value_at(i));
        if (n->outputs())
          for (int32_t i : *n->outputs()) outs.push_back(value_at(i));
        Node* node = out.add_node(n->op_type()->str(), str_of(n->name()), std::move(ins), std::move(outs),
                                  str_of(n->domain()));
        node->opset = n->opset();
        if (n->attributes())
          for (const fb::Attribute* a : *n->attributes()) node->attrs.set(a->name()->str(), attribute(*a));
      }
    if (g.outputs())
      for (uint32_t i : *g.outputs()) out.outputs.push_back(values[i]);
  }

 private:
  // Attribute tensors are copied (they are small, and Attribute::t is mutable).
  Attribute attribute(const fb::Attribute& a) const {
    Attribute r;
    r.kind = static_cast<Attribute::Kind>(a.kind());
    r.f = a.f();
    r.i = a.i();
    r.s = str_of(a.s());
    if (a.t()) r.t = Tensor::copy_of(borrow(*a.t()).view());
    if (a.g()) {
      r.g = std::make_shared<Graph>();
      build_graph(*a.g(), *r.g);
    }
    if (a.floats()) r.floats.assign(a.floats()->begin(), a.floats()->end());
    if (a.ints()) r.ints.assign(a.ints()->begin(), a.ints()->end());
    if (a.strings())
      for (const flatbuffers::String* s : *a.strings()) r.strings.push_back(s->str());
    if (a.tensors())
      for (const fb::TensorRef* t : *a.tensors()) r.tensors.push_back(Tensor::copy_of(borrow(*t).view()));
    if (a.graphs())
      for (const fb::Graph* g : *a.graphs()) {
        auto sub = std::make_shared<Graph>();
        build_graph(*g, *sub);
        r.graphs.push_back(std::move(sub));
      }
    return r;
  }

  const std::byte* data_;
  std::shared_ptr<const void> owner_;
};

std::vector<std::pair<std::string, Tensor>> named_tensors(
    const flatbuffers::Vector<flatbuffers::Offset<fb::NamedTensor>>* v, const IrBuilder& b) {
  std::vector<std::pair<std::string, Tensor>> out;
  if (v)
    for (const fb::NamedTensor* t : *v) out.emplace_back(str_of(t->name()), b.borrow(*t->tensor()));
  return out;
}

void read_metadata(const fb::Metadata& md, const IrBuilder& b, Model& model, Metadata& meta) {
  if (md.source_sha256()) {
    Sha256Digest d;
    std::memcpy(d.data(), md.source_sha256()->data(), d.size());
    meta.source_sha256 = d;
  }
  meta.source_name = str_of(md.source_name());
  meta.producer_name = str_of(md.producer_name());
  meta.producer_version = str_of(md.producer_version());
  model.info.ir_version = md.onnx_ir_version();
  model.info.producer_name = str_of(md.onnx_producer_name());
  model.info.producer_version = str_of(md.onnx_producer_version());
  model.info.domain = str_of(md.onnx_domain());
  model.info.model_version = md.onnx_model_version();
  model.info.doc_string = str_of(md.doc_string());
  if (md.inputs())
    for (const fb::SignatureEntry* e : *md.inputs()) {
      InputHint h;
      h.layout = str_of(e->layout());
      if (e->mean()) h.mean.assign(e->mean()->begin(), e->mean()->end());
      if (e->std()) h.std.assign(e->std()->begin(), e->std()->end());
      if (!h.layout.empty() || !h.mean.empty() || !h.std.empty()) meta.input_hints[str_of(e->name())] = std::move(h);
    }
  if (md.report())
    for (const fb::KeyValue* kv : *md.report()) meta.report.emplace_back(str_of(kv->key()), str_of(kv->value()));
  if (md.references())
    for (const fb::ReferenceCase* r : *md.references())
      meta.references.push_back(ReferenceCase{named_tensors(r->inputs(), b), named_tensors(r->outputs(), b)});
  if (md.histograms())
    for (const fb::Histogram* h : *md.histograms()) {
      Histogram x{str_of(h->value_name()), h->min(), h->max(), {}};
      if (h->counts()) x.counts.assign(h->counts()->begin(), h->counts()->end());
      meta.histograms.push_back(std::move(x));
    }
}

StoredPlan read_plan(const fb::MemoryPlan& p, const Graph& graph) {
  StoredPlan plan;
  plan.arena_bytes = static_cast<int64_t>(p.arena_bytes());
  if (p.input_shapes())
    for (const fb::NamedShape* s : *p.input_shapes())
      plan.input_shapes[str_of(s->name())] = s->dims() ? std::vector<int64_t>(s->dims()->begin(), s->dims()->end())
                                                       : std::vector<int64_t>{};
  if (p.entries())
    for (const fb::PlanEntry* e : *p.entries())
      plan.entries.push_back(StoredPlan::Entry{graph.values()[e->value()]->name, static_cast<int64_t>(e->offset()),
                                               static_cast<int64_t>(e->size())});
  return plan;
}

// Step 2: reads the version and data-section fields of the root table, verifying only them.
const fb::Model* probe_header(const uint8_t* buf, size_t size) {
  flatbuffers::Verifier v(buf, size);
  const flatbuffers::uoffset_t root = v.VerifyOffset(0);
  WISP_CHECK(root != 0, ErrorCode::kInvalidModel, ".wisp root offset is outside the file (corrupt or truncated)");
  const fb::Model* m = flatbuffers::GetRoot<fb::Model>(buf);
  const auto* t = reinterpret_cast<const flatbuffers::Table*>(m);
  const bool ok = t->VerifyTableStart(v) && t->VerifyField<uint16_t>(v, fb::Model::VT_FORMAT_MAJOR, 2) &&
                  t->VerifyField<uint16_t>(v, fb::Model::VT_FORMAT_MINOR, 2) &&
                  t->VerifyField<uint64_t>(v, fb::Model::VT_DATA_OFFSET, 8) &&
                  t->VerifyField<uint64_t>(v, fb::Model::VT_DATA_SIZE, 8);
  WISP_CHECK(ok, ErrorCode::kInvalidModel, ".wisp header (root table at offset ", root,
             ") is outside the file or misaligned: the file is corrupt or truncated");
  return m;
}

}  // namespace

bool looks_like_wisp(const void* data, size_t size) {
  return size >= 8 && std::memcmp(static_cast<const char*>(data) + 4, fb::ModelIdentifier(), 4) == 0;
}

bool file_looks_like_wisp(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return false;
  char head[8];
  return std::fread(head, 1, 8, f.get()) == 8 && looks_like_wisp(head, 8);
}

LoadedWisp load_wisp_memory(const void* data, size_t size, std::shared_ptr<const void> owner,
                            const LoadOptions& options) {
  const auto* buf = static_cast<const uint8_t*>(data);
  // 1. Size, identifier, alignment.
  WISP_CHECK(static_cast<uint64_t>(size) <= static_cast<uint64_t>(options.limits.max_file_bytes),
             ErrorCode::kResourceExhausted, ".wisp file of ", size, " bytes is above the limit of ",
             options.limits.max_file_bytes);
  WISP_CHECK(size >= 16, ErrorCode::kInvalidModel, ".wisp file of ", size,
             " bytes is too small to hold a header (truncated?)");
  WISP_CHECK(looks_like_wisp(data, size), ErrorCode::kInvalidModel,
             "not a .wisp file: bytes 4..7 are not the identifier \"WISP\"");
  WISP_CHECK(reinterpret_cast<uintptr_t>(data) % kDataAlignment == 0, ErrorCode::kInvalidArgument,
             ".wisp buffer at ", data, " is not ", kDataAlignment,
             "-byte aligned; weights are used in place (use load_wisp_copy for unaligned memory)");
  // 2. Version.
  const fb::Model* m = probe_header(buf, size);
  WISP_CHECK(m->format_major() <= kFormatMajor, ErrorCode::kUnsupported, ".wisp format version ",
             m->format_major(), ".", m->format_minor(), " is newer than this build reads (", kFormatMajor, ".x): ",
             "upgrade Wisp, or convert the model again with this version");
  WISP_CHECK(m->format_major() == kFormatMajor, ErrorCode::kUnsupported, ".wisp format version ",
             m->format_major(), ".", m->format_minor(), " is older than this build reads (", kFormatMajor,
             ".x): convert the model again");
  // 3. Data section bounds.
  const uint64_t data_offset = m->data_offset();
  uint64_t end = 0;
  WISP_CHECK(data_offset % kDataAlignment == 0 && data_offset >= 16, ErrorCode::kInvalidModel,
             ".wisp data section offset ", data_offset, " is invalid (must be a multiple of ", kDataAlignment, ")");
  WISP_CHECK(!__builtin_add_overflow(data_offset, m->data_size(), &end) && end == size, ErrorCode::kInvalidModel,
             ".wisp data section [", data_offset, ", +", m->data_size(), ") does not end at the end of the file (",
             size, " bytes): the file is truncated or corrupt");
  // 4. FlatBuffers verifier over the FlatBuffer region.
  flatbuffers::Verifier::Options vopts;
  vopts.max_depth = 128;
  vopts.max_tables = 10'000'000;
  flatbuffers::Verifier verifier(buf, static_cast<size_t>(data_offset), vopts);
  WISP_CHECK(fb::VerifyModelBuffer(verifier), ErrorCode::kInvalidModel,
             ".wisp FlatBuffer failed verification (a table, vector or string lies outside its ", data_offset,
             "-byte region, or nesting is too deep): the file is corrupt");
  // 5. Semantic checks.
  check_model(*m, size, options.limits);
  // 6. IR.
  LoadedWisp out;
  out.format_major = m->format_major();
  out.format_minor = m->format_minor();
  out.base = static_cast<const std::byte*>(data);
  out.size = size;
  out.model = std::make_shared<Model>();
  IrBuilder builder(out.base + data_offset, std::move(owner));
  builder.build_graph(*m->graph(), out.model->graph);
  if (m->metadata()) read_metadata(*m->metadata(), builder, *out.model, out.metadata);
  if (m->plan()) out.plan = read_plan(*m->plan(), out.model->graph);
  verify_graph(out.model->graph);
  return out;
}

LoadedWisp load_wisp_file(const std::string& path, const LoadOptions& options) {
  std::shared_ptr<const MappedFile> file = MappedFile::open(path, options.limits.max_file_bytes);
  try {
    LoadedWisp w = load_wisp_memory(file->data(), file->size(), file, options);
    w.model->info.source_path = path;
    return w;
  } catch (const Error& e) {
    throw Error(e.code(), str_cat(path, ": ", e.what()));
  }
}

LoadedWisp load_wisp_copy(const void* data, size_t size, const LoadOptions& options) {
  WISP_CHECK(static_cast<uint64_t>(size) <= static_cast<uint64_t>(options.limits.max_file_bytes),
             ErrorCode::kResourceExhausted, ".wisp buffer of ", size, " bytes is above the limit of ",
             options.limits.max_file_bytes);
  WISP_CHECK(data != nullptr || size == 0, ErrorCode::kInvalidArgument, "load_wisp_copy: null data");
  const size_t alloc = size == 0 ? kDataAlignment : size;
  std::shared_ptr<std::byte[]> copy(static_cast<std::byte*>(::operator new[](alloc, std::align_val_t{kDataAlignment})),
                                    [](std::byte* p) { ::operator delete[](p, std::align_val_t{kDataAlignment}); });
  if (size > 0) std::memcpy(copy.get(), data, size);
  return load_wisp_memory(copy.get(), size, copy, options);
}

}  // namespace wisp::format
