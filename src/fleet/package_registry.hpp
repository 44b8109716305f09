// The package registry: uploads are verified like a device would (container, signer is a
// registered key, Ed25519 signature, manifest, payload hash, expiry), but never decrypted:
// the server holds no device key and no signing secret. Accepted bytes are stored once,
// content-addressed, as package_dir/<sha256>.wpkg (written to a temp file, fsynced, renamed).
#pragma once
#include <cstdint>
#include <string>

#include "fleet/fleet_store.hpp"

namespace wisp::fleet {

class PackageRegistry {
 public:
  PackageRegistry(FleetStore& store, std::string package_dir, int64_t max_bytes);
  // Throws wisp::Error (kInvalidArgument / kResourceExhausted) or package::PackageError
  // saying why the package is refused.
  PackageRecord upload(const std::string& bytes, int64_t now);
  std::string path_of(const PackageRecord& p) const;

 private:
  FleetStore& store_;
  std::string dir_;
  int64_t max_bytes_;
};

}  // namespace wisp::fleet
