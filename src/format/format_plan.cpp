// The memory plan stored in a .wisp: a Session is prepared for the declared input shapes
// and the arena offset of every value it placed in the arena is read back. The planner is
// deterministic, so a Session prepared later for the same shapes places the same values
// at the same offsets (tested in tests/format/wisp_roundtrip_test.cpp).
#include "format/wisp_format.hpp"
#include "runtime/session.hpp"

namespace wisp::format {

std::optional<StoredPlan> plan_for_declared_shapes(const std::shared_ptr<const Model>& model,
                                                   const std::map<std::string, int64_t>& dims) {
  StoredPlan plan;
  for (const Value* in : model->graph.inputs) {
    if (!in->shape) return std::nullopt;
    std::vector<int64_t> shape;
    for (const SymDim& d : *in->shape) {
      if (d.is_static()) shape.push_back(d.value);
      else if (auto it = dims.find(d.symbol); !d.symbol.empty() && it != dims.end()) shape.push_back(it->second);
      else shape.push_back(1);
    }
    plan.input_shapes[in->name] = shape;
  }
  SessionConfig config;
  config.dims = dims;
  config.default_symbolic_dim = 1;
  Session session(model, config);
  std::map<std::string, Shape> shapes;
  for (const auto& [name, d] : plan.input_shapes) shapes[name] = Shape(std::span<const int64_t>(d));
  session.prepare(shapes);
  plan.arena_bytes = session.arena_bytes();
  const std::byte* arena = session.arena_data();
  if (!arena) return plan;
  for (const auto& v : model->graph.values()) {
    const TensorView* view = session.prepared_value(v.get());
    if (!view || !view->data || v->is_constant()) continue;
    const auto* p = static_cast<const std::byte*>(view->data);
    if (p < arena || p >= arena + plan.arena_bytes) continue;
    plan.entries.push_back({v->name, p - arena, view->bytes()});
  }
  return plan;
}

}  // namespace wisp::format
