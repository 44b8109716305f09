// Node attributes: the typed constants an op carries (kernel_shape, axis, a Constant's
// tensor, an If's branches...). Getters check the kind and throw kInvalidModel with the
// attribute name; the runtime adds the node name when it reports the error.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/tensor.hpp"

namespace wisp {

class Graph;

struct Attribute {
  enum class Kind { kFloat, kInt, kString, kTensor, kGraph, kFloats, kInts, kStrings, kTensors, kGraphs };
  Kind kind = Kind::kInt;
  float f = 0;
  int64_t i = 0;
  std::string s;
  Tensor t;
  std::shared_ptr<Graph> g;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::vector<Tensor> tensors;
  std::vector<std::shared_ptr<Graph>> graphs;
};

std::string_view attribute_kind_name(Attribute::Kind k);

class Attributes {
 public:
  bool has(std::string_view name) const { return find(name) != nullptr; }
  const Attribute* find(std::string_view name) const;
  size_t size() const { return items_.size(); }
  const std::vector<std::pair<std::string, Attribute>>& items() const { return items_; }

  int64_t get_int(std::string_view name, int64_t fallback) const;
  float get_float(std::string_view name, float fallback) const;
  std::string get_string(std::string_view name, std::string_view fallback) const;
  std::vector<int64_t> get_ints(std::string_view name, std::vector<int64_t> fallback = {}) const;
  std::vector<float> get_floats(std::string_view name, std::vector<float> fallback = {}) const;
  // These throw kInvalidModel when the attribute is missing.
  int64_t require_int(std::string_view name) const;
  const Tensor& require_tensor(std::string_view name) const;
  const Graph& require_graph(std::string_view name) const;

  void set(std::string name, Attribute a);  // replaces an existing attribute of that name
  void set_int(std::string name, int64_t v);
  void set_float(std::string name, float v);
  void set_string(std::string name, std::string v);
  void set_ints(std::string name, std::vector<int64_t> v);
  void set_floats(std::string name, std::vector<float> v);
  void set_tensor(std::string name, Tensor v);
  bool erase(std::string_view name);

 private:
  const Attribute& require(std::string_view name, Attribute::Kind kind) const;
  std::vector<std::pair<std::string, Attribute>> items_;
};

}  // namespace wisp
