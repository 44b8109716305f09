// Errors of the package subsystem. Every failure to open or verify a package throws
// PackageError: a wisp::Error (so generic callers see a code and a message) that also
// carries a PackageErrorKind, so that the agent, the CLI and the tests can tell apart the
// attacks the package defends against (wrong key, tampering, truncation, rollback, ...)
// without parsing messages.
#pragma once
#include <string>
#include <utility>

#include "core/status.hpp"
#include "wisp/error.hpp"

namespace wisp::package {

enum class PackageErrorKind {
  kBadMagic,          // not a Wisp package at all
  kUnsupportedVersion,// a package format version this runtime does not read
  kTruncated,         // the file ends before the header, manifest, signature or payload does
  kTooLarge,          // a declared size is over a limit (checked before allocating)
  kUntrustedSigner,   // signed by a key that is not in the trusted set
  kBadSignature,      // signed-by key is trusted but the signature does not match: tampered
  kBadManifest,       // the manifest does not parse (malformed, though signed)
  kPayloadTampered,   // the payload's size or hash differs from the signed manifest
  kExpired,           // the manifest's expiry date has passed
  kRollback,          // release counter below the device's minimum (downgrade attempt)
  kWrongHardware,     // built for another hardware tag
  kRuntimeTooOld,     // the package needs a newer Wisp runtime
  kNotRecipient,      // encrypted, but not for this device key
  kNoDeviceKey,       // encrypted, and no device key was given
  kDecryptFailed,     // the content key or a ciphertext chunk failed authentication
  kBadKey,            // a key file / variable is malformed or of the wrong type
  kInsecureKeyFile,   // a secret key file is readable by group or others
  kIo,                // a file could not be read or written
};

const char* package_error_kind_name(PackageErrorKind kind);

class PackageError : public Error {
 public:
  PackageError(PackageErrorKind kind, ErrorCode code, const std::string& message)
      : Error(code, message), kind_(kind) {}
  PackageErrorKind kind() const { return kind_; }

 private:
  PackageErrorKind kind_;
};

// The generic ErrorCode for each kind (kIo for files, kResourceExhausted for limits,
// kUnsupported for version/runtime, kInvalidArgument for keys, kInvalidModel otherwise).
ErrorCode package_error_code(PackageErrorKind kind);

template <class... Parts>
[[noreturn]] void package_fail(PackageErrorKind kind, Parts&&... parts) {
  throw PackageError(kind, package_error_code(kind), str_cat(std::forward<Parts>(parts)...));
}

}  // namespace wisp::package
