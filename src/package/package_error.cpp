#include "package/package_error.hpp"

namespace wisp::package {

const char* package_error_kind_name(PackageErrorKind kind) {
  switch (kind) {
    case PackageErrorKind::kBadMagic: return "bad-magic";
    case PackageErrorKind::kUnsupportedVersion: return "unsupported-version";
    case PackageErrorKind::kTruncated: return "truncated";
    case PackageErrorKind::kTooLarge: return "too-large";
    case PackageErrorKind::kUntrustedSigner: return "untrusted-signer";
    case PackageErrorKind::kBadSignature: return "bad-signature";
    case PackageErrorKind::kBadManifest: return "bad-manifest";
    case PackageErrorKind::kPayloadTampered: return "payload-tampered";
    case PackageErrorKind::kExpired: return "expired";
    case PackageErrorKind::kRollback: return "rollback";
    case PackageErrorKind::kWrongHardware: return "wrong-hardware";
    case PackageErrorKind::kRuntimeTooOld: return "runtime-too-old";
    case PackageErrorKind::kNotRecipient: return "not-recipient";
    case PackageErrorKind::kNoDeviceKey: return "no-device-key";
    case PackageErrorKind::kDecryptFailed: return "decrypt-failed";
    case PackageErrorKind::kBadKey: return "bad-key";
    case PackageErrorKind::kInsecureKeyFile: return "insecure-key-file";
    case PackageErrorKind::kIo: return "io";
  }
  return "unknown";
}

ErrorCode package_error_code(PackageErrorKind kind) {
  switch (kind) {
    case PackageErrorKind::kIo: return ErrorCode::kIo;
    case PackageErrorKind::kTooLarge: return ErrorCode::kResourceExhausted;
    case PackageErrorKind::kUnsupportedVersion:
    case PackageErrorKind::kRuntimeTooOld: return ErrorCode::kUnsupported;
    case PackageErrorKind::kBadKey:
    case PackageErrorKind::kInsecureKeyFile:
    case PackageErrorKind::kNoDeviceKey: return ErrorCode::kInvalidArgument;
    default: return ErrorCode::kInvalidModel;
  }
}

}  // namespace wisp::package
