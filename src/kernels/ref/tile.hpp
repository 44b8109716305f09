#pragma once

namespace wisp::ref {

struct TileParams {
  bool dynamic = false;  // repeats known only while running
};

}  // namespace wisp::ref
