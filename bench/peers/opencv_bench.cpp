// OpenCV DNN (readNetFromONNX, OpenCV backend, CPU target) as a peer for `wisp bench`.
//
//   opencv_bench MODEL.onnx INPUT.npy [--threads N] [--runs N] [--warmup N] [--output OUT.npy] [--json]
//
// Feeds INPUT.npy (little-endian float32, C order) to the network's input, runs --warmup
// (default 5) untimed forwards, then times --runs (default 50) forwards one by one and
// prints the median latency (and min/max), the peak RSS of the process (ru_maxrss and
// VmHWM: model, weights and OpenCV's own buffers) and, with --output, writes the first
// output as .npy for comparing with ONNX Runtime. Threads: cv::setNumThreads(N).
// A model OpenCV cannot import or run prints {"error": "..."} (with --json) and exits 2,
// so bench/run_zoo.sh can mark it unsupported and go on.
//
// Built outside the Wisp CMake project (it is never needed by CI):
//   bench/peers/build_opencv_bench.sh   ->  build/peers/opencv_bench
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/dnn.hpp>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct Args {
  std::string model, input, output;
  int threads = 1, runs = 50, warmup = 5;
  bool json = false;
};

Args parse(int argc, char** argv) {
  Args a;
  std::vector<std::string> pos;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(k + " needs a value");
      return argv[++i];
    };
    if (k == "--json") a.json = true;
    else if (k == "--threads") a.threads = std::stoi(next());
    else if (k == "--runs") a.runs = std::stoi(next());
    else if (k == "--warmup") a.warmup = std::stoi(next());
    else if (k == "--output") a.output = next();
    else if (k.rfind("--", 0) == 0) throw std::runtime_error("unknown option " + k);
    else pos.push_back(k);
  }
  if (pos.size() != 2 || a.runs < 1) throw std::runtime_error("usage: opencv_bench MODEL.onnx INPUT.npy [--threads N] [--runs N] [--warmup N] [--output OUT.npy] [--json]");
  a.model = pos[0];
  a.input = pos[1];
  return a;
}

// .npy v1/v2/v3 reader for little-endian float32 in C order.
cv::Mat read_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  const std::string buf((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (buf.size() < 10 || buf.compare(1, 5, "NUMPY") != 0) throw std::runtime_error(path + ": not a .npy file");
  const bool v1 = buf[6] == 1;
  const size_t hstart = v1 ? 10 : 12;
  const size_t hlen = v1 ? size_t(uint8_t(buf[8])) | size_t(uint8_t(buf[9])) << 8
                         : size_t(uint8_t(buf[8])) | size_t(uint8_t(buf[9])) << 8 | size_t(uint8_t(buf[10])) << 16 |
                               size_t(uint8_t(buf[11])) << 24;
  if (buf.size() < hstart + hlen) throw std::runtime_error(path + ": truncated header");
  const std::string header = buf.substr(hstart, hlen);
  if (!std::regex_search(header, std::regex("'descr':\\s*'<f4'")) || std::regex_search(header, std::regex("'fortran_order':\\s*True")))
    throw std::runtime_error(path + ": only little-endian float32 in C order is supported");
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)"))) throw std::runtime_error(path + ": no shape");
  std::vector<int> shape;
  std::stringstream ss(m[1].str());
  for (std::string d; std::getline(ss, d, ',');)
    if (d.find_first_not_of(" ") != std::string::npos) shape.push_back(std::stoi(d));
  size_t n = 1;
  for (int d : shape) n *= size_t(d);
  if (buf.size() < hstart + hlen + 4 * n) throw std::runtime_error(path + ": truncated data");
  cv::Mat mat(static_cast<int>(shape.size()), shape.data(), CV_32F);
  std::copy_n(buf.data() + hstart + hlen, 4 * n, reinterpret_cast<char*>(mat.data));
  return mat;
}

void write_npy(const std::string& path, const cv::Mat& m) {
  cv::Mat c = m.isContinuous() ? m : m.clone();
  std::string dims;
  for (int i = 0; i < c.dims; ++i) dims += std::to_string(c.size[i]) + (c.dims == 1 || i + 1 < c.dims ? ", " : "");
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::ofstream f(path, std::ios::binary);
  const char pre[8] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
  f.write(pre, 8);
  const uint16_t hl = static_cast<uint16_t>(header.size());
  f.put(char(hl & 0xff)).put(char(hl >> 8));
  f << header;
  f.write(reinterpret_cast<const char*>(c.data), static_cast<std::streamsize>(c.total() * c.elemSize()));
}

long long vm_hwm_bytes() {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6) * 1024;
  return -1;
}

std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\', o += c;
    else if (c == '\n') o += "\\n";
    else if (static_cast<unsigned char>(c) >= 0x20) o += c;
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  try {
    a = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "opencv_bench: %s\n", e.what());
    return 1;
  }
  try {
    cv::setNumThreads(a.threads);
    const auto t0 = std::chrono::steady_clock::now();
    cv::dnn::Net net = cv::dnn::readNetFromONNX(a.model);
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    const double load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const cv::Mat x = read_npy(a.input);
    cv::Mat y;
    for (int i = 0; i < a.warmup; ++i) {
      net.setInput(x);
      y = net.forward();
    }
    std::vector<double> lat;
    for (int i = 0; i < a.runs; ++i) {
      const auto s = std::chrono::steady_clock::now();
      net.setInput(x);
      y = net.forward();
      lat.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count());
    }
    std::sort(lat.begin(), lat.end());
    const size_t n = lat.size();
    const double median = n % 2 ? lat[n / 2] : 0.5 * (lat[n / 2 - 1] + lat[n / 2]);
    if (!a.output.empty()) write_npy(a.output, y);
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    const long long maxrss = static_cast<long long>(ru.ru_maxrss) * 1024, hwm = vm_hwm_bytes();
    std::string shape;
    for (int i = 0; i < y.dims; ++i) shape += (i ? "," : "") + std::to_string(y.size[i]);
    if (a.json) {
      std::printf("{\"engine\":\"opencv-dnn\",\"version\":\"%s\",\"model\":\"%s\",\"threads\":%d,\"runs\":%d,\"load_ms\":%.3f,"
                  "\"latency_ms\":{\"min\":%.4f,\"median\":%.4f,\"max\":%.4f},\"peak_rss_bytes\":%lld,\"vm_hwm_bytes\":%lld,"
                  "\"output\":%s,\"output_shape\":[%s]}\n",
                  CV_VERSION, json_escape(a.model).c_str(), a.threads, a.runs, load_ms, lat[0], median, lat[n - 1],
                  maxrss, hwm, a.output.empty() ? "null" : ("\"" + json_escape(a.output) + "\"").c_str(), shape.c_str());
    } else {
      std::printf("opencv-dnn %s  %s  threads %d  median %.3f ms  (min %.3f, max %.3f, %zu runs)  peak RSS %.2f MiB (VmHWM %.2f MiB)\n",
                  CV_VERSION, a.model.c_str(), a.threads, median, lat[0], lat[n - 1], n, maxrss / 1048576.0, hwm / 1048576.0);
    }
    return 0;
  } catch (const std::exception& e) {
    // OpenCV's messages span lines; the first line with the reason is enough for a table.
    std::string why = e.what();
    if (a.json) std::printf("{\"engine\":\"opencv-dnn\",\"version\":\"%s\",\"error\":\"%s\"}\n", CV_VERSION, json_escape(why).c_str());
    std::fprintf(stderr, "opencv_bench: %s\n", why.c_str());
    return 2;
  }
}
