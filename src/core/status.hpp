// Error helpers used throughout the library. Failures throw wisp::Error (see
// include/wisp/error.hpp); these helpers build the message from parts.
#pragma once
#include <sstream>
#include <string>
#include <utility>

#include "wisp/error.hpp"

namespace wisp {

template <class... Parts>
std::string str_cat(Parts&&... parts) {
  std::ostringstream out;
  (out << ... << std::forward<Parts>(parts));
  return out.str();
}

template <class... Parts>
[[noreturn]] void fail(ErrorCode code, Parts&&... parts) {
  throw Error(code, str_cat(std::forward<Parts>(parts)...));
}

}  // namespace wisp

// WISP_CHECK(cond, code, message parts...): throws wisp::Error when cond is false.
#define WISP_CHECK(cond, code, ...)              \
  do {                                           \
    if (!(cond)) ::wisp::fail(code, __VA_ARGS__); \
  } while (0)

// For conditions that can only be false through a bug in Wisp itself.
#define WISP_ASSERT(cond)                                                                   \
  do {                                                                                      \
    if (!(cond))                                                                            \
      ::wisp::fail(::wisp::ErrorCode::kInternal, "internal check failed: " #cond " at ", \
                   __FILE__, ":", __LINE__);                                                \
  } while (0)
