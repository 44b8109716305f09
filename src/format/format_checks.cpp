// Semantic checks of a verified .wisp FlatBuffer. The FlatBuffers verifier proves that
// reading any field stays inside the buffer; it knows nothing of what the numbers mean.
// These checks make everything the IR builder and the runtime rely on true before they run:
//
//  - data section: data_offset a multiple of 64, data_offset + data_size == file size;
//  - every tensor: valid fixed-size dtype, rank <= kMaxRank, dims >= 0, byte size
//    == numel * element size (overflow-checked) and <= kMaxTensorBytes, offset a multiple
//    of 64, offset + size within the data section (overflow-checked 64-bit maths);
//  - every graph: counts within LoadLimits, value dtypes valid, declared ranks within
//    kMaxRank, constants' dtype and declared shape equal to their data's, input/output/node indices in range,
//    each value produced at most once, nodes in topological order (an input must be a graph
//    input, a constant, an outer reference or the output of an EARLIER node: this also
//    rejects cycles), outer references naming a value of the graph, attribute kinds in
//    range with their payload present, subgraph depth within limits;
//  - memory plan: arena within limits, entries' values in range, offset + size <= arena;
//  - metadata: SHA-256 of 32 bytes, histograms with bins within limits and min <= max,
//    reference tensors as above.
#include "format/format_checks.hpp"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/checked_math.hpp"
#include "core/status.hpp"

namespace wisp::format {
namespace {

std::string str_or(const flatbuffers::String* s, const char* fallback = "") { return s ? s->str() : fallback; }

class Checker {
 public:
  Checker(const fb::Model& m, size_t file_size, const LoadLimits& limits)
      : m_(m), file_size_(file_size), limits_(limits) {}

  void run() {
    check_data_section();
    WISP_CHECK(m_.graph() != nullptr, ErrorCode::kInvalidModel, ".wisp file has no graph");
    check_graph(*m_.graph(), "main graph", 0);
    if (m_.plan()) check_plan(*m_.plan());
    if (m_.metadata()) check_metadata(*m_.metadata());
  }

 private:
  void check_data_section() {
    const uint64_t off = m_.data_offset(), size = m_.data_size();
    WISP_CHECK(off % kDataAlignment == 0, ErrorCode::kInvalidModel, ".wisp data section offset ", off,
               " is not a multiple of ", kDataAlignment, " (the file is corrupt)");
    uint64_t end = 0;
    WISP_CHECK(!__builtin_add_overflow(off, size, &end) && end == file_size_, ErrorCode::kInvalidModel,
               ".wisp data section [", off, ", +", size, ") does not end at the end of the file (", file_size_,
               " bytes): the file is truncated or corrupt");
  }

  static bool dtype_ok(uint8_t d, bool allow_undefined) {
    if (d == 0) return allow_undefined;
    // int4/uint4 (weight-only INT4 weights) are packed two per byte.
    return (d <= static_cast<uint8_t>(DType::kBool) && dtype_size(static_cast<DType>(d)) > 0) ||
           dtype_is_4bit(static_cast<DType>(d));
  }

  // The FlatBuffers 2.0.8 verifier checks only the 4-byte alignment of a vector's length
  // prefix, so a crafted file can put a vector of 8-byte elements at an address that is
  // 4 mod 8, and reading it is a misaligned load (undefined behaviour; found by
  // fuzz_wisp_loader). The buffer itself is 64-byte aligned (mmap or aligned copy), so
  // the address decides. Every [long]/[ulong] vector is checked here before it is read.
  template <class T>
  static void check_aligned(const flatbuffers::Vector<T>* v, const std::string& where, const char* field) {
    // (flatc's builder does not align empty vectors; nothing is read from those.)
    WISP_CHECK(!v || v->size() == 0 || reinterpret_cast<uintptr_t>(v->data()) % alignof(T) == 0, ErrorCode::kInvalidModel, where,
               ": field '", field, "' is not aligned to ", alignof(T), " bytes (corrupt or crafted file)");
  }

  void check_tensor(const fb::TensorRef* t, const std::string& where) {
    WISP_CHECK(t != nullptr, ErrorCode::kInvalidModel, where, ": tensor missing");
    WISP_CHECK(dtype_ok(t->dtype(), false), ErrorCode::kInvalidModel, where, ": invalid element type ",
               int{t->dtype()});
    const auto* shape = t->shape();
    check_aligned(shape, where, "shape");
    const uint32_t rank = shape ? shape->size() : 0;
    WISP_CHECK(rank <= static_cast<uint32_t>(kMaxRank), ErrorCode::kUnsupported, where, ": rank ", rank,
               " is above the limit of ", kMaxRank);
    int64_t numel = 1;
    for (uint32_t i = 0; i < rank; ++i) {
      const int64_t d = shape->Get(i);
      WISP_CHECK(d >= 0, ErrorCode::kInvalidModel, where, ": negative dimension ", d);
      WISP_CHECK(!__builtin_mul_overflow(numel, d, &numel), ErrorCode::kResourceExhausted, where,
                 ": element count overflows 64 bits");
    }
    int64_t bytes = 0;
    const bool packed4 = dtype_is_4bit(static_cast<DType>(t->dtype()));
    if (packed4) bytes = numel / 2 + numel % 2;
    WISP_CHECK((packed4 || !__builtin_mul_overflow(numel, int64_t{dtype_size(static_cast<DType>(t->dtype()))}, &bytes)) &&
                   bytes <= kMaxTensorBytes,
               ErrorCode::kResourceExhausted, where, ": declared size of ", numel, " elements is above the limit of ",
               kMaxTensorBytes, " bytes");
    WISP_CHECK(t->size() == static_cast<uint64_t>(bytes), ErrorCode::kInvalidModel, where, ": stored size ",
               t->size(), " bytes does not match its shape (", bytes, " bytes)");
    WISP_CHECK(t->offset() % kDataAlignment == 0, ErrorCode::kInvalidModel, where, ": data offset ", t->offset(),
               " is not a multiple of ", kDataAlignment, " (weights must be aligned to be used in place)");
    uint64_t end = 0;
    WISP_CHECK(!__builtin_add_overflow(t->offset(), t->size(), &end) && end <= m_.data_size(),
               ErrorCode::kOutOfRange, where, ": data [", t->offset(), ", +", t->size(),
               ") lies outside the data section of ", m_.data_size(), " bytes");
  }

  void check_dims(const flatbuffers::Vector<flatbuffers::Offset<fb::Dim>>* dims, const std::string& where) {
    const uint32_t rank = dims ? dims->size() : 0;
    WISP_CHECK(rank <= static_cast<uint32_t>(kMaxRank), ErrorCode::kUnsupported, where, ": declared rank ", rank,
               " is above the limit of ", kMaxRank);
    for (uint32_t i = 0; i < rank; ++i)
      WISP_CHECK(dims->Get(i)->value() >= -1, ErrorCode::kInvalidModel, where, ": invalid dimension ",
                 dims->Get(i)->value());
  }

  // A constant's declared shape (if any) must agree with its data's: same rank, same size
  // wherever the declared dim is fixed. Otherwise shape inference and kernels would see two shapes.
  static void check_declared_matches_data(const flatbuffers::Vector<flatbuffers::Offset<fb::Dim>>* dims,
                                          const fb::TensorRef& t, const std::string& where) {
    const uint32_t rank = dims ? dims->size() : 0, data_rank = t.shape() ? t.shape()->size() : 0;
    WISP_CHECK(rank == data_rank, ErrorCode::kInvalidModel, where, ": declared rank ", rank,
               " does not match the rank of its data (", data_rank, ")");
    for (uint32_t i = 0; i < rank; ++i) {
      const int64_t d = dims->Get(i)->value();
      WISP_CHECK(d < 0 || d == t.shape()->Get(i), ErrorCode::kInvalidModel, where, ": declared dimension ", i,
                 " is ", d, " but its data has ", t.shape()->Get(i));
    }
  }

  void check_graph(const fb::Graph& g, const std::string& where, int64_t depth) {
    WISP_CHECK(depth <= limits_.max_subgraph_depth, ErrorCode::kResourceExhausted, where,
               ": subgraphs nested deeper than ", limits_.max_subgraph_depth);
    const int64_t num_values = g.values() ? g.values()->size() : 0;
    const int64_t num_nodes = g.nodes() ? g.nodes()->size() : 0;
    WISP_CHECK(num_values <= limits_.max_values, ErrorCode::kResourceExhausted, where, ": ", num_values,
               " values, above the limit of ", limits_.max_values);
    WISP_CHECK(num_nodes <= limits_.max_nodes, ErrorCode::kResourceExhausted, where, ": ", num_nodes,
               " nodes, above the limit of ", limits_.max_nodes);

    // available[i]: value i may be read by the next node.
    std::vector<uint8_t> available(static_cast<size_t>(num_values), 0);
    std::unordered_map<std::string, int64_t> names;
    for (int64_t i = 0; i < num_values; ++i) {
      const fb::Value* v = g.values()->Get(static_cast<uint32_t>(i));
      const std::string vwhere = str_cat(where, ", value ", i, " '", str_or(v->name()), "'");
      WISP_CHECK(v->name() && v->name()->size() > 0, ErrorCode::kInvalidModel, vwhere, ": value has no name");
      WISP_CHECK(names.emplace(v->name()->str(), i).second, ErrorCode::kInvalidModel, vwhere, ": duplicate value name");
      WISP_CHECK(dtype_ok(v->dtype(), true), ErrorCode::kInvalidModel, vwhere, ": invalid element type ",
                 int{v->dtype()});
      if (v->has_shape()) check_dims(v->shape(), vwhere);
      if (v->quant()) check_aligned(v->quant()->zero_point(), vwhere, "quant.zero_point");
      if (v->constant()) {
        check_tensor(v->constant(), vwhere);
        WISP_CHECK(v->constant()->dtype() == v->dtype(), ErrorCode::kInvalidModel, vwhere,
                   ": constant data type does not match the value's");
        if (v->has_shape()) check_declared_matches_data(v->shape(), *v->constant(), vwhere);
        available[static_cast<size_t>(i)] = 1;
      }
    }
    auto check_index = [&](int64_t idx, const std::string& what) {
      WISP_CHECK(idx >= 0 && idx < num_values, ErrorCode::kOutOfRange, where, ": ", what, " refers to value ", idx,
                 ", but the graph has ", num_values, " values");
    };
    if (g.inputs())
      for (uint32_t i = 0; i < g.inputs()->size(); ++i) {
        check_index(g.inputs()->Get(i), str_cat("input ", i));
        WISP_CHECK(!available[g.inputs()->Get(i)], ErrorCode::kInvalidModel, where, ": input ", i, " (value ",
                   g.inputs()->Get(i), ") is a constant or listed twice");
        available[g.inputs()->Get(i)] = 1;
      }
    if (g.outer_refs())
      for (uint32_t i = 0; i < g.outer_refs()->size(); ++i) {
        const std::string name = g.outer_refs()->Get(i)->str();
        auto it = names.find(name);
        WISP_CHECK(it != names.end(), ErrorCode::kInvalidModel, where, ": outer reference '", name,
                   "' has no placeholder value");
        WISP_CHECK(!available[static_cast<size_t>(it->second)], ErrorCode::kInvalidModel, where,
                   ": outer reference '", name, "' is also an input, a constant or listed twice");
        available[static_cast<size_t>(it->second)] = 1;
      }
    for (int64_t n = 0; n < num_nodes; ++n) check_node(*g.nodes()->Get(static_cast<uint32_t>(n)), n, where, num_values,
                                                      available, depth);
    if (g.outputs())
      for (uint32_t i = 0; i < g.outputs()->size(); ++i) {
        check_index(g.outputs()->Get(i), str_cat("output ", i));
        WISP_CHECK(available[g.outputs()->Get(i)], ErrorCode::kInvalidModel, where, ": output ", i, " (value ",
                   g.outputs()->Get(i), ") is never produced");
      }
  }

  void check_node(const fb::Node& node, int64_t n, const std::string& where, int64_t num_values,
                  std::vector<uint8_t>& available, int64_t depth) {
    const std::string nwhere = str_cat(where, ", node ", n, " '", str_or(node.name()), "'");
    WISP_CHECK(node.op_type() && node.op_type()->size() > 0, ErrorCode::kInvalidModel, nwhere, ": no op type");
    if (node.inputs())
      for (uint32_t i = 0; i < node.inputs()->size(); ++i) {
        const int32_t idx = node.inputs()->Get(i);
        if (idx == -1) continue;
        WISP_CHECK(idx >= 0 && idx < num_values, ErrorCode::kOutOfRange, nwhere, ": input ", i, " refers to value ",
                   idx, ", but the graph has ", num_values, " values");
        WISP_CHECK(available[static_cast<size_t>(idx)], ErrorCode::kInvalidModel, nwhere, ": input ", i, " (value ", idx,
                   ") is used before it is produced: nodes are not in topological order or the graph has a cycle");
      }
    if (node.outputs())
      for (uint32_t i = 0; i < node.outputs()->size(); ++i) {
        const int32_t idx = node.outputs()->Get(i);
        if (idx == -1) continue;
        WISP_CHECK(idx >= 0 && idx < num_values, ErrorCode::kOutOfRange, nwhere, ": output ", i, " refers to value ",
                   idx, ", but the graph has ", num_values, " values");
        WISP_CHECK(!available[static_cast<size_t>(idx)], ErrorCode::kInvalidModel, nwhere, ": output ", i,
                   " (value ", idx, ") is already an input, a constant or produced by another node");
        available[static_cast<size_t>(idx)] = 1;
      }
    const int64_t num_attrs = node.attributes() ? node.attributes()->size() : 0;
    WISP_CHECK(num_attrs <= limits_.max_attributes, ErrorCode::kResourceExhausted, nwhere, ": ", num_attrs,
               " attributes, above the limit of ", limits_.max_attributes);
    for (int64_t a = 0; a < num_attrs; ++a) check_attribute(*node.attributes()->Get(static_cast<uint32_t>(a)), nwhere, depth);
  }

  void check_attribute(const fb::Attribute& a, const std::string& nwhere, int64_t depth) {
    const std::string awhere = str_cat(nwhere, ", attribute '", str_or(a.name()), "'");
    WISP_CHECK(a.name() && a.name()->size() > 0, ErrorCode::kInvalidModel, awhere, ": attribute has no name");
    check_aligned(a.ints(), awhere, "ints");
    using K = fb::AttrKind;
    const K kind = a.kind();
    WISP_CHECK(kind >= K::MIN && kind <= K::MAX, ErrorCode::kInvalidModel, awhere, ": invalid attribute kind ",
               static_cast<int>(kind));
    switch (kind) {
      case K::Tensor: check_tensor(a.t(), awhere); break;
      case K::Graph:
        WISP_CHECK(a.g() != nullptr, ErrorCode::kInvalidModel, awhere, ": graph attribute without a graph");
        check_graph(*a.g(), awhere, depth + 1);
        break;
      case K::Tensors:
        if (a.tensors())
          for (uint32_t i = 0; i < a.tensors()->size(); ++i) check_tensor(a.tensors()->Get(i), str_cat(awhere, "[", i, "]"));
        break;
      case K::Graphs:
        if (a.graphs())
          for (uint32_t i = 0; i < a.graphs()->size(); ++i)
            check_graph(*a.graphs()->Get(i), str_cat(awhere, "[", i, "]"), depth + 1);
        break;
      default: break;
    }
  }

  void check_plan(const fb::MemoryPlan& p) {
    WISP_CHECK(p.arena_bytes() <= static_cast<uint64_t>(limits_.max_arena_bytes), ErrorCode::kResourceExhausted,
               "memory plan: arena of ", p.arena_bytes(), " bytes is above the limit of ", limits_.max_arena_bytes);
    const uint32_t num_values = m_.graph()->values() ? m_.graph()->values()->size() : 0;
    if (p.entries())
      for (uint32_t i = 0; i < p.entries()->size(); ++i) {
        const fb::PlanEntry* e = p.entries()->Get(i);
        WISP_CHECK(e->value() < num_values, ErrorCode::kOutOfRange, "memory plan entry ", i, ": value ", e->value(),
                   " is out of range (", num_values, " values)");
        uint64_t end = 0;
        WISP_CHECK(!__builtin_add_overflow(e->offset(), e->size(), &end) && end <= p.arena_bytes(),
                   ErrorCode::kOutOfRange, "memory plan entry ", i, ": [", e->offset(), ", +", e->size(),
                   ") lies outside the arena of ", p.arena_bytes(), " bytes");
      }
    if (p.input_shapes())
      for (uint32_t i = 0; i < p.input_shapes()->size(); ++i) {
        const auto* dims = p.input_shapes()->Get(i)->dims();
        check_aligned(dims, str_cat("memory plan: input shape ", i), "dims");
        WISP_CHECK(!dims || dims->size() <= static_cast<uint32_t>(kMaxRank), ErrorCode::kUnsupported,
                   "memory plan: input shape ", i, " has a rank above ", kMaxRank);
      }
  }

  void check_named(const flatbuffers::Vector<flatbuffers::Offset<fb::NamedTensor>>* v, const std::string& where) {
    if (!v) return;
    for (uint32_t i = 0; i < v->size(); ++i)
      check_tensor(v->Get(i)->tensor(), str_cat(where, " '", str_or(v->Get(i)->name()), "'"));
  }

  void check_metadata(const fb::Metadata& md) {
    WISP_CHECK(!md.source_sha256() || md.source_sha256()->size() == 32, ErrorCode::kInvalidModel,
               "metadata: source SHA-256 has ", md.source_sha256() ? md.source_sha256()->size() : 0,
               " bytes instead of 32");
    if (md.references())
      for (uint32_t i = 0; i < md.references()->size(); ++i) {
        check_named(md.references()->Get(i)->inputs(), str_cat("reference case ", i, " input"));
        check_named(md.references()->Get(i)->outputs(), str_cat("reference case ", i, " output"));
      }
    if (md.histograms())
      for (uint32_t i = 0; i < md.histograms()->size(); ++i) {
        const fb::Histogram* h = md.histograms()->Get(i);
        check_aligned(h->counts(), str_cat("histogram ", i), "counts");
        const int64_t bins = h->counts() ? h->counts()->size() : 0;
        WISP_CHECK(bins <= limits_.max_histogram_bins, ErrorCode::kResourceExhausted, "histogram ", i, ": ", bins,
                   " bins, above the limit of ", limits_.max_histogram_bins);
        WISP_CHECK(h->min() <= h->max(), ErrorCode::kInvalidModel, "histogram ", i, " of '", str_or(h->value_name()),
                   "': min ", h->min(), " is above max ", h->max());
      }
    for (const auto* sig : {md.inputs(), md.outputs()})
      if (sig)
        for (uint32_t i = 0; i < sig->size(); ++i)
          check_dims(sig->Get(i)->shape(), str_cat("signature entry '", str_or(sig->Get(i)->name()), "'"));
  }

  const fb::Model& m_;
  size_t file_size_;
  const LoadLimits& limits_;
};

}  // namespace

void check_model(const fb::Model& model, size_t file_size, const LoadLimits& limits) {
  Checker(model, file_size, limits).run();
}

}  // namespace wisp::format
