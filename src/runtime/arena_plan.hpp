// Arena planning for a prepared Session: see arena_plan.cpp.
#pragma once
#include "runtime/session_impl.hpp"

namespace wisp {

// Places every arena slot and kernel scratch of `im.steps` in one arena, allocates it,
// points the slots and steps at it, and fills the arena figures of `stats`.
void plan_arena(Session::Impl& im, SessionStats& stats);

}  // namespace wisp
