#include "agent/downloader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "agent/file_util.hpp"
#include "core/sha256.hpp"
#include "core/status.hpp"
#include "deploy/request_auth.hpp"

namespace wisp::agent {
namespace {

using Clock = std::chrono::steady_clock;

std::string file_sha256_hex(const std::string& path) {
  const Sha256Digest d = sha256_file(path);
  return deploy::hex_encode(d.data(), d.size());
}

}  // namespace

DownloadResult download_package(FleetClient& client, SlotStore& store, const std::string& slot, const Assignment& a,
                                const DownloadConfig& config) {
  DownloadResult r;
  if (a.size > config.max_bytes) {
    r.error = str_cat("the assigned package is ", a.size, " bytes, over download.max_bytes ", config.max_bytes);
    return r;
  }
  if (store.part_owner(slot) != a.sha256) store.begin_part(slot, a.sha256);
  const std::string part = store.part_path(slot);
  r.resumed_from = std::min<int64_t>(file_size_or(part, 0), a.size);
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(config.timeout_s);

  for (int64_t attempt = 0; attempt <= config.max_retries; ++attempt) {
    if (attempt > 0) {
      const auto backoff = std::chrono::milliseconds(std::min<int64_t>(200LL << std::min<int64_t>(attempt - 1, 5), 5000));
      if (Clock::now() + backoff >= deadline) {
        r.error += " (gave up: download.timeout_s reached)";
        return r;
      }
      std::this_thread::sleep_for(backoff);
    }
    ++r.attempts;
    int64_t have = file_size_or(part, 0);
    if (have > a.size) {
      store.begin_part(slot, a.sha256);
      have = 0;
    }
    if (have < a.size) {
      const int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0) fail(ErrorCode::kIo, "cannot open the download file '", part, "'");
      ::lseek(fd, have, SEEK_SET);
      std::string failure;
      const int64_t asked_from = have;
      const FleetClient::StreamResult s = client.get_stream(
          a.url, asked_from, config.stall_timeout_s,
          [&](int status, const std::string& content_range) {
            if (status == 200 && asked_from > 0) {
              // The server ignored the range: start over from byte 0.
              if (::ftruncate(fd, 0) != 0) return false;
              ::lseek(fd, 0, SEEK_SET);
              have = 0;
              return true;
            }
            if (status == 206) {
              if (content_range.rfind("bytes " + std::to_string(asked_from) + "-", 0) != 0) {
                failure = str_cat("the server answered the range request from ", asked_from, " with Content-Range '",
                                  content_range, "'");
                return false;
              }
              return true;
            }
            if (status == 200) return true;
            failure = str_cat("HTTP ", status, " for ", a.url);
            return false;
          },
          [&](const char* data, size_t n) {
            if (have + static_cast<int64_t>(n) > a.size) {
              failure = str_cat("the server sent more than the assigned ", a.size, " bytes: cut off");
              return false;
            }
            size_t done = 0;
            while (done < n) {
              const ssize_t w = ::write(fd, data + done, n - done);
              if (w <= 0) {
                failure = str_cat("cannot write '", part, "' (disk full?)");
                return false;
              }
              done += static_cast<size_t>(w);
            }
            have += static_cast<int64_t>(n);
            r.bytes_received += static_cast<int64_t>(n);
            crash_if_download_reached(have);
            if (Clock::now() > deadline) {
              failure = str_cat("download.timeout_s (", config.timeout_s, " s) reached after ", have, " of ", a.size,
                                " bytes (trickling connection)");
              return false;
            }
            return true;
          });
      ::close(fd);
      if (have < a.size) {
        if (failure.empty())
          failure = s.error.empty() ? str_cat("connection ended after ", have, " of ", a.size, " bytes (truncated)")
                                    : str_cat("transfer failed after ", have, " of ", a.size, " bytes: ", s.error,
                                              s.error == "Read" ? " (stalled or dropped)" : "");
        r.error = failure;
        if (Clock::now() > deadline) return r;
        continue;
      }
      if (!failure.empty()) {
        r.error = failure;
        continue;
      }
    }
    const std::string got = file_sha256_hex(part);
    if (got != a.sha256) {
      r.error = str_cat("downloaded bytes have sha256 ", got.substr(0, 16), "..., the assignment says ",
                        a.sha256.substr(0, 16), "... (corrupted): discarded");
      store.begin_part(slot, a.sha256);
      continue;
    }
    crash_point("download-complete");
    r.ok = true;
    r.error.clear();
    return r;
  }
  r.error += str_cat(" (gave up after ", r.attempts, " attempts)");
  return r;
}

}  // namespace wisp::agent
