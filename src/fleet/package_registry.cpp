#include "fleet/package_registry.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "core/sha256.hpp"
#include "core/status.hpp"
#include "fleet/device_auth.hpp"
#include "package/package.hpp"

namespace wisp::fleet {
namespace {

void write_durably(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  WISP_CHECK(fd >= 0, ErrorCode::kIo, "cannot create '", tmp, "' (is package_dir writable?)");
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      fail(ErrorCode::kIo, "cannot write '", tmp, "' (disk full?)");
    }
    done += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    fail(ErrorCode::kIo, "cannot store package as '", path, "'");
  }
  const int dfd = ::open(std::filesystem::path(path).parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace

PackageRegistry::PackageRegistry(FleetStore& store, std::string package_dir, int64_t max_bytes)
    : store_(store), dir_(std::move(package_dir)), max_bytes_(max_bytes) {
  std::filesystem::create_directories(dir_);
}

std::string PackageRegistry::path_of(const PackageRecord& p) const {
  return (std::filesystem::path(dir_) / (p.sha256 + ".wpkg")).string();
}

PackageRecord PackageRegistry::upload(const std::string& bytes, int64_t now) {
  WISP_CHECK(static_cast<int64_t>(bytes.size()) <= max_bytes_, ErrorCode::kResourceExhausted, "package is ",
             bytes.size(), " bytes, over the fleet's max_package_bytes ", max_bytes_);
  package::OpenOptions o;
  for (const SigningKeyRecord& k : store_.signing_keys()) {
    const auto pk = parse_identity_key(k.public_key);
    if (pk) o.trusted.push_back(*pk);
  }
  WISP_CHECK(!o.trusted.empty(), ErrorCode::kInvalidArgument,
             "no signing keys are registered: POST /api/v1/signing-keys with the publisher's public key first");
  o.decrypt = false;
  o.check_hardware = false;  // the fleet serves every hardware tag; devices check theirs
  o.now_unix = now;
  const package::OpenedPackage opened =
      package::open_package(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), o);
  const Sha256Digest digest = sha256(bytes.data(), bytes.size());
  PackageRecord rec;
  rec.sha256 = to_hex(digest.data(), digest.size());
  rec.package_id = "pkg-" + rec.sha256.substr(0, 16);
  rec.name = opened.manifest.name;
  rec.version = opened.manifest.version;
  rec.counter = static_cast<int64_t>(opened.manifest.counter);
  rec.hardware = opened.manifest.hardware;
  rec.size = static_cast<int64_t>(bytes.size());
  rec.signer = package::key_id_hex(opened.signer);
  rec.created = now;
  const std::string path = path_of(rec);
  if (!std::filesystem::exists(path)) write_durably(path, bytes);
  return store_.add_package(rec);
}

}  // namespace wisp::fleet
