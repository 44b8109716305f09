// wisp::Error — the one exception type of Wisp's C++ API.
//
// Every failure (bad model file, unsupported op, wrong input shape, out-of-range index
// found while running) throws wisp::Error. code() says the class of failure so callers
// can branch on it; what() is a complete sentence for a person: what went wrong, where
// (node name, input name, file offset) and, where there is one, what to do about it.
// The C API (wisp.h) catches these and returns the code with the message.
#pragma once
#include <stdexcept>
#include <string>

namespace wisp {

enum class ErrorCode : int {
  kOk = 0,
  kInvalidArgument = 1,    // the caller passed something wrong (input name, shape, dtype)
  kInvalidModel = 2,       // the model file is malformed or inconsistent
  kUnsupported = 3,        // valid but not supported by this build (op, dtype, attribute)
  kOutOfRange = 4,         // an index or value in data is out of its allowed range
  kIo = 5,                 // a file could not be read or written
  kResourceExhausted = 6,  // a declared size is over a limit, or memory ran out
  kInternal = 7,           // a bug in Wisp: please report it
  kBusy = 8,               // a Session was used from two threads at once
};

const char* error_code_name(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace wisp
