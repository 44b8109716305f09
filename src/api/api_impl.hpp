// Internal: what a public wisp::api::Model holds. Shared by the C++ and C API files.
#pragma once
#include <memory>

#include "ir/graph.hpp"
#include "wisp/wisp.hpp"

namespace wisp::api {

struct Model::Impl {
  std::shared_ptr<const wisp::Model> model;
};

}  // namespace wisp::api
