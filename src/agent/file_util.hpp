// Crash-safe file operations for the agent's state directory, and the named crash points
// the kill -9 tests use.
//
// atomic_write_file: write "<path>.tmp", fsync it, rename over <path>, fsync the
// directory. POSIX rename is atomic: after a crash (or power cut, given the two fsyncs) the
// path holds either the complete old content or the complete new content, never a mix.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wisp::agent {

void atomic_write_file(const std::string& path, std::string_view content);
// Renames `from` over `to` (same directory) and fsyncs the directory.
void durable_rename(const std::string& from, const std::string& to);
void fsync_path(const std::string& path);  // a file or a directory
void fsync_dir_of(const std::string& path);
// Whole file, or throws kIo. `max_bytes` guards against a file far larger than expected.
std::string read_file(const std::string& path, int64_t max_bytes = int64_t{1} << 32);
bool file_exists(const std::string& path);
int64_t file_size_or(const std::string& path, int64_t fallback);
void make_dirs(const std::string& path);
void remove_file(const std::string& path);  // no error if absent

// Crash points: set_crash_point("switch-renamed") makes crash_point("switch-renamed")
// kill the process with SIGKILL (no cleanup, no flush: what a power cut leaves, minus the
// page cache). Empty = none. Used by `wisp agent --crash-at` and the kill -9 tests.
void set_crash_point(std::string name);
void crash_point(std::string_view name);
// A byte offset during download at which to crash (-1 = none).
void set_crash_download_offset(int64_t offset);
void crash_if_download_reached(int64_t offset);

}  // namespace wisp::agent
