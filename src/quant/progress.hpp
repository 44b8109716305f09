// A one-line progress bar on stderr ("calibrate [#####.....] 12/64"), redrawn in place.
// Disabled bars cost nothing; the CLI enables them with --progress or when stderr is a TTY.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

namespace wisp::quant {

class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total, bool enabled) : label_(std::move(label)), total_(total), on_(enabled) {
    draw(0);
  }
  ~ProgressBar() {
    if (on_) std::fputc('\n', stderr);
  }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  void update(int64_t done) { draw(done); }

 private:
  void draw(int64_t done) {
    if (!on_ || total_ <= 0) return;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(done * kWidth / total_);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(kWidth - filled), '.');
    std::fprintf(stderr, "\r%-12s [%s] %lld/%lld", label_.c_str(), bar.c_str(), static_cast<long long>(done),
                 static_cast<long long>(total_));
    std::fflush(stderr);
  }
  std::string label_;
  int64_t total_;
  bool on_;
};

}  // namespace wisp::quant
