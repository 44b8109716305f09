#include "agent/file_util.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/status.hpp"

namespace wisp::agent {
namespace {

std::string g_crash_point;
int64_t g_crash_offset = -1;

[[noreturn]] void io_fail(const char* what, const std::string& path) {
  fail(ErrorCode::kIo, what, " '", path, "': ", std::strerror(errno), " (check the state_dir permissions and free space)");
}

}  // namespace

void fsync_path(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) io_fail("cannot open for fsync", path);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) io_fail("fsync failed for", path);
}

void fsync_dir_of(const std::string& path) {
  const std::filesystem::path p(path);
  fsync_path(p.has_parent_path() ? p.parent_path().string() : std::string("."));
}

void durable_rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) io_fail("cannot rename to", to);
  fsync_dir_of(to);
}

void atomic_write_file(const std::string& path, std::string_view content) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) io_fail("cannot create", tmp);
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      io_fail("cannot write", tmp);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    io_fail("fsync failed for", tmp);
  }
  ::close(fd);
  crash_point("atomic-write-before-rename");
  durable_rename(tmp, path);
}

std::string read_file(const std::string& path, int64_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) io_fail("cannot open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size > max_bytes) {
    ::close(fd);
    fail(ErrorCode::kResourceExhausted, "'", path, "' is larger than ", max_bytes, " bytes");
  }
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      io_fail("cannot read", path);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(done);
  return out;
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

int64_t file_size_or(const std::string& path, int64_t fallback) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : fallback;
}

void make_dirs(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) fail(ErrorCode::kIo, "cannot create directory '", path, "': ", ec.message());
}

void remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) io_fail("cannot remove", path);
}

void set_crash_point(std::string name) { g_crash_point = std::move(name); }

void crash_point(std::string_view name) {
  if (!g_crash_point.empty() && g_crash_point == name) ::kill(::getpid(), SIGKILL);
}

void set_crash_download_offset(int64_t offset) { g_crash_offset = offset; }

void crash_if_download_reached(int64_t offset) {
  if (g_crash_offset >= 0 && offset >= g_crash_offset) ::kill(::getpid(), SIGKILL);
}

}  // namespace wisp::agent
