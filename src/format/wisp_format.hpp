// The .wisp model format: the optimized graph, its weights in one 64-byte-aligned data
// section used in place from a read-only memory map, the memory plan and metadata
// (source hash, signature with normalisation hints, report, reference cases, activation
// histograms). Layout, versioning rule and verification steps: docs/format.md.
//
// Untrusted input: load_wisp_* ALWAYS runs the FlatBuffers verifier and then the semantic
// checks (format_checks.hpp) before building any IR; every failure is a wisp::Error with
// the code and what/where. Weights are never copied: each constant is a Tensor borrowing
// its bytes from the mapping, which stays alive as long as any of them does.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/sha256.hpp"
#include "core/tensor.hpp"
#include "ir/graph.hpp"

namespace wisp::format {

// Version written by this build. Readers accept the same major and any minor (see wisp.fbs).
inline constexpr uint16_t kFormatMajor = 1;
inline constexpr uint16_t kFormatMinor = 0;
// Alignment of the data section and of every tensor in it.
inline constexpr int64_t kDataAlignment = 64;

// Normalisation hints of one input (all optional).
struct InputHint {
  std::string layout;        // "NCHW"
  std::vector<float> mean;   // per channel
  std::vector<float> std;
};

struct ReferenceCase {
  std::vector<std::pair<std::string, Tensor>> inputs;
  std::vector<std::pair<std::string, Tensor>> outputs;
};

struct Histogram {
  std::string value_name;
  float min = 0, max = 0;
  std::vector<uint64_t> counts;  // equal-width bins over [min, max]
};

struct Metadata {
  std::optional<Sha256Digest> source_sha256;
  std::string source_name;
  std::string producer_name = "wisp";
  std::string producer_version;
  std::map<std::string, InputHint> input_hints;               // by input name
  std::vector<std::pair<std::string, std::string>> report;    // free-form key/value
  std::vector<ReferenceCase> references;
  std::vector<Histogram> histograms;
};

// The arena plan of the main graph for one set of input shapes.
struct StoredPlan {
  struct Entry {
    std::string value;  // value name in the main graph
    int64_t offset = 0;
    int64_t size = 0;
  };
  std::map<std::string, std::vector<int64_t>> input_shapes;
  int64_t arena_bytes = 0;
  std::vector<Entry> entries;
};

// What a loaded .wisp holds besides the graph.
struct LoadedWisp {
  std::shared_ptr<Model> model;
  Metadata metadata;
  std::optional<StoredPlan> plan;
  uint16_t format_major = 0, format_minor = 0;
  // The mapped (or owned) bytes the model's constants point into: [base, base + size).
  const std::byte* base = nullptr;
  size_t size = 0;
};

// Limits enforced before anything is allocated from file data.
struct LoadLimits {
  int64_t max_file_bytes = int64_t{4} << 30;
  int64_t max_nodes = 1 << 20;              // per graph
  int64_t max_values = 1 << 22;             // per graph
  int64_t max_attributes = 1 << 10;         // per node
  int64_t max_subgraph_depth = 16;
  int64_t max_histogram_bins = 1 << 16;
  int64_t max_arena_bytes = kMaxTensorBytes;
};

struct LoadOptions {
  LoadLimits limits;
};

// True when the bytes start like a .wisp file (FlatBuffers identifier "WISP" at offset 4).
bool looks_like_wisp(const void* data, size_t size);
bool file_looks_like_wisp(const std::string& path);

// Writes `model` (usually optimized) as .wisp bytes / a file. `plan` may be null.
std::vector<std::byte> serialize_wisp(const Model& model, const Metadata& metadata, const StoredPlan* plan);
void write_wisp_file(const std::string& path, const Model& model, const Metadata& metadata, const StoredPlan* plan);

// The plan a Session makes for the model's declared input shapes (symbolic dims from
// `dims`, else 1); nullopt when an input has no declared shape.
std::optional<StoredPlan> plan_for_declared_shapes(const std::shared_ptr<const Model>& model,
                                                   const std::map<std::string, int64_t>& dims = {});

// Runs every stored reference case and compares the outputs (|got - want| <= atol +
// rtol * |want|). `failures` is empty when the model is healthy.
struct ReferenceCheck {
  size_t cases = 0;
  double max_abs_diff = 0;
  std::vector<std::string> failures;  // one line per mismatching output
};
ReferenceCheck check_references(const LoadedWisp& w, double rtol = 1e-4, double atol = 1e-5, int threads = 1);

// Maps the file read-only and loads it in place.
LoadedWisp load_wisp_file(const std::string& path, const LoadOptions& options = {});
// Loads from memory that `owner` keeps alive; `data` must be 64-byte aligned (weights are
// used in place). load_wisp_copy copies into an aligned buffer first (any alignment).
LoadedWisp load_wisp_memory(const void* data, size_t size, std::shared_ptr<const void> owner,
                            const LoadOptions& options = {});
LoadedWisp load_wisp_copy(const void* data, size_t size, const LoadOptions& options = {});

}  // namespace wisp::format
