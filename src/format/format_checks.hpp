// Semantic checks of a .wisp file, run after the FlatBuffers verifier (which guarantees
// only that every table, vector and string lies inside the buffer) and before any IR is
// built. See format_checks.cpp for the list.
#pragma once
#include <cstddef>

#include "format/wisp_format.hpp"
#include "wisp_generated.h"

namespace wisp::format {

// Throws wisp::Error (kInvalidModel, kOutOfRange, kResourceExhausted, kUnsupported) naming
// the graph, node, value or tensor and the offending number. `file_size` is the size of
// the whole file (FlatBuffer + data section).
void check_model(const fb::Model& model, size_t file_size, const LoadLimits& limits);

}  // namespace wisp::format
