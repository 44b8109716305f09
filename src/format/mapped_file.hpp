// A read-only memory mapping of a whole file (POSIX mmap). Pages are read on first touch,
// so loading a .wisp costs only what is read; weights stay in the page cache, shared
// between processes and never copied.
#pragma once
#include <cstddef>
#include <memory>
#include <string>

namespace wisp::format {

class MappedFile {
 public:
  // Throws kIo when the file cannot be opened or mapped, kResourceExhausted above max_bytes.
  static std::shared_ptr<const MappedFile> open(const std::string& path, int64_t max_bytes);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::byte* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  MappedFile() = default;
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace wisp::format
