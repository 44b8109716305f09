#include "ir/attribute.hpp"

namespace wisp {

std::string_view attribute_kind_name(Attribute::Kind k) {
  switch (k) {
    case Attribute::Kind::kFloat: return "float";
    case Attribute::Kind::kInt: return "int";
    case Attribute::Kind::kString: return "string";
    case Attribute::Kind::kTensor: return "tensor";
    case Attribute::Kind::kGraph: return "graph";
    case Attribute::Kind::kFloats: return "floats";
    case Attribute::Kind::kInts: return "ints";
    case Attribute::Kind::kStrings: return "strings";
    case Attribute::Kind::kTensors: return "tensors";
    case Attribute::Kind::kGraphs: return "graphs";
  }
  return "?";
}

const Attribute* Attributes::find(std::string_view name) const {
  for (const auto& [n, a] : items_)
    if (n == name) return &a;
  return nullptr;
}

const Attribute& Attributes::require(std::string_view name, Attribute::Kind kind) const {
  const Attribute* a = find(name);
  WISP_CHECK(a != nullptr, ErrorCode::kInvalidModel, "required attribute '", name, "' is missing");
  WISP_CHECK(a->kind == kind, ErrorCode::kInvalidModel, "attribute '", name, "' is of kind ",
             attribute_kind_name(a->kind), ", expected ", attribute_kind_name(kind));
  return *a;
}

int64_t Attributes::get_int(std::string_view name, int64_t fallback) const {
  return has(name) ? require(name, Attribute::Kind::kInt).i : fallback;
}
float Attributes::get_float(std::string_view name, float fallback) const {
  return has(name) ? require(name, Attribute::Kind::kFloat).f : fallback;
}
std::string Attributes::get_string(std::string_view name, std::string_view fallback) const {
  return has(name) ? require(name, Attribute::Kind::kString).s : std::string(fallback);
}
std::vector<int64_t> Attributes::get_ints(std::string_view name, std::vector<int64_t> fallback) const {
  return has(name) ? require(name, Attribute::Kind::kInts).ints : fallback;
}
std::vector<float> Attributes::get_floats(std::string_view name, std::vector<float> fallback) const {
  return has(name) ? require(name, Attribute::Kind::kFloats).floats : fallback;
}
int64_t Attributes::require_int(std::string_view name) const { return require(name, Attribute::Kind::kInt).i; }
const Tensor& Attributes::require_tensor(std::string_view name) const {
  return require(name, Attribute::Kind::kTensor).t;
}
const Graph& Attributes::require_graph(std::string_view name) const {
  return *require(name, Attribute::Kind::kGraph).g;
}

void Attributes::set(std::string name, Attribute a) {
  for (auto& [n, existing] : items_)
    if (n == name) {
      existing = std::move(a);
      return;
    }
  items_.emplace_back(std::move(name), std::move(a));
}
void Attributes::set_int(std::string name, int64_t v) {
  Attribute a; a.kind = Attribute::Kind::kInt; a.i = v; set(std::move(name), std::move(a));
}
void Attributes::set_float(std::string name, float v) {
  Attribute a; a.kind = Attribute::Kind::kFloat; a.f = v; set(std::move(name), std::move(a));
}
void Attributes::set_string(std::string name, std::string v) {
  Attribute a; a.kind = Attribute::Kind::kString; a.s = std::move(v); set(std::move(name), std::move(a));
}
void Attributes::set_ints(std::string name, std::vector<int64_t> v) {
  Attribute a; a.kind = Attribute::Kind::kInts; a.ints = std::move(v); set(std::move(name), std::move(a));
}
void Attributes::set_floats(std::string name, std::vector<float> v) {
  Attribute a; a.kind = Attribute::Kind::kFloats; a.floats = std::move(v); set(std::move(name), std::move(a));
}
void Attributes::set_tensor(std::string name, Tensor v) {
  Attribute a; a.kind = Attribute::Kind::kTensor; a.t = std::move(v); set(std::move(name), std::move(a));
}
bool Attributes::erase(std::string_view name) {
  for (auto it = items_.begin(); it != items_.end(); ++it)
    if (it->first == name) {
      items_.erase(it);
      return true;
    }
  return false;
}

}  // namespace wisp
