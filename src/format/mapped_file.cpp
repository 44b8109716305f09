#include "format/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/status.hpp"

namespace wisp::format {

std::shared_ptr<const MappedFile> MappedFile::open(const std::string& path, int64_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  WISP_CHECK(fd >= 0, ErrorCode::kIo, "cannot open '", path, "': ", std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  WISP_CHECK(::fstat(fd, &st) == 0, ErrorCode::kIo, "cannot stat '", path, "': ", std::strerror(errno));
  WISP_CHECK(S_ISREG(st.st_mode), ErrorCode::kIo, "'", path, "' is not a regular file");
  WISP_CHECK(st.st_size <= max_bytes, ErrorCode::kResourceExhausted, "'", path, "' has ", st.st_size,
             " bytes, above the limit of ", max_bytes);
  std::shared_ptr<MappedFile> m(new MappedFile());
  m->size_ = static_cast<size_t>(st.st_size);
  if (m->size_ == 0) return m;  // nothing to map; the loader reports the file as truncated
  void* p = ::mmap(nullptr, m->size_, PROT_READ, MAP_PRIVATE, fd, 0);
  WISP_CHECK(p != MAP_FAILED, ErrorCode::kIo, "cannot map '", path, "': ", std::strerror(errno));
  m->data_ = static_cast<const std::byte*>(p);
  return m;
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<std::byte*>(data_), size_);
}

}  // namespace wisp::format
