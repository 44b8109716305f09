// wisp_conformance: runs ONNX backend test folders through the importer and a Session.
//
//   wisp_conformance --suite DIR [--suite DIR...] [--filter REGEX] [--overrides FILE]
//                    [--min-pass N] [--timeout-ms N] [--jobs N] [--verbose] [--optimize]
//                    [--via-wisp] [--via-onnx]
//
// --optimize runs the graph optimizer (src/passes) on every model after import.
// --via-wisp writes each model as .wisp and runs the model loaded back (src/format).
// --via-onnx exports each imported model to ONNX, imports it again and runs that; its
// outputs must equal the original import's bit for bit (the exporter's round-trip test).
// Each test runs in a fork()ed child, so a crash (signal) or a hang (killed after
// --timeout-ms) is reported as CRASH/TIMEOUT and the run goes on. The parent prints one
// line per test that did not pass, then per-suite and total summary lines:
//   conformance: 412 of 932 pass; not passing: 3 wrong values, 500 unsupported (clean error), 17 other errors,
//   0 crashes, 0 timeouts; 2 skipped
// Exit status: non-zero when fewer than --min-pass tests passed or anything crashed or
// timed out. The overrides file has lines "test_name rtol=1e-2 atol=1e-4 # reason" or
// "test_name skip # reason".
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "onnx_test_case.hpp"
#include "wisp/error.hpp"

using namespace wisp::conformance;

namespace {

struct Override {
  bool skip = false;
  Tolerance tol;
};

struct Options {
  std::vector<std::string> suites;
  std::string filter;
  std::string overrides_path;
  long min_pass = 0;
  long timeout_ms = 10000;
  int jobs = 1;
  bool verbose = false;
  bool optimize = false;
  bool via_wisp = false;
  bool via_onnx = false;
};

[[noreturn]] void usage(const char* msg) {
  std::fprintf(stderr,
               "%s\nusage: wisp_conformance --suite DIR [--suite DIR...] [--filter REGEX] [--overrides FILE]\n"
               "                        [--min-pass N] [--timeout-ms N] [--jobs N] [--verbose] [--optimize] [--via-wisp] [--via-onnx]\n",
               msg);
  std::exit(2);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value after " + a).c_str());
      return argv[++i];
    };
    if (a == "--suite") o.suites.push_back(value());
    else if (a == "--filter") o.filter = value();
    else if (a == "--overrides") o.overrides_path = value();
    else if (a == "--min-pass") o.min_pass = std::stol(value());
    else if (a == "--timeout-ms") o.timeout_ms = std::stol(value());
    else if (a == "--jobs" || a == "-j") o.jobs = std::max(1, std::stoi(value()));
    else if (a == "--verbose" || a == "-v") o.verbose = true;
    else if (a == "--optimize") o.optimize = true;
    else if (a == "--via-wisp") o.via_wisp = true;
    else if (a == "--via-onnx") o.via_onnx = true;
    else usage(("unknown argument " + a).c_str());
  }
  if (o.suites.empty()) usage("no --suite given");
  return o;
}

std::map<std::string, Override> load_overrides(const std::string& path) {
  std::map<std::string, Override> out;
  if (path.empty()) return out;
  std::ifstream in(path);
  if (!in) usage(("cannot open overrides file " + path).c_str());
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string name, word;
    if (!(words >> name)) continue;
    Override& o = out[name];
    while (words >> word) {
      if (word == "skip") o.skip = true;
      else if (word.rfind("rtol=", 0) == 0) o.tol.rtol = std::stod(word.substr(5));
      else if (word.rfind("atol=", 0) == 0) o.tol.atol = std::stod(word.substr(5));
      else usage((path + ":" + std::to_string(lineno) + ": unknown override '" + word + "'").c_str());
    }
  }
  return out;
}

// A running child and what it has written so far.
struct Child {
  pid_t pid = -1;
  int fd = -1;
  size_t test = 0;
  std::string output;
  std::chrono::steady_clock::time_point deadline;
};

// Child side: run, write "<outcome digit><message>" to the pipe, exit.
bool g_optimize = false;  // --optimize, read by the forked children
bool g_via_wisp = false;  // --via-wisp, likewise
bool g_via_onnx = false;  // --via-onnx, likewise

[[noreturn]] void child_main(const TestCase& tc, const Tolerance& tol, int fd) {
  const TestResult r = run_test_case(tc, tol, g_optimize, g_via_wisp, g_via_onnx);
  std::string msg = std::to_string(static_cast<int>(r.outcome)) + r.message;
  size_t off = 0;
  while (off < msg.size()) {
    const ssize_t n = ::write(fd, msg.data() + off, msg.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  ::_exit(0);
}

Child start_child(const TestCase& tc, size_t index, const Tolerance& tol, long timeout_ms) {
  int fds[2];
  if (::pipe(fds) != 0) {
    std::perror("pipe");
    std::exit(2);
  }
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    std::perror("fork");
    std::exit(2);
  }
  if (pid == 0) {
    ::close(fds[0]);
    child_main(tc, tol, fds[1]);
  }
  ::close(fds[1]);
  Child c;
  c.pid = pid;
  c.fd = fds[0];
  c.test = index;
  c.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  return c;
}

TestResult finish_child(Child& c, bool timed_out, long timeout_ms) {
  if (timed_out) ::kill(c.pid, SIGKILL);
  ::close(c.fd);
  int status = 0;
  ::waitpid(c.pid, &status, 0);
  if (timed_out) return {Outcome::kTimeout, "killed after " + std::to_string(timeout_ms) + " ms"};
  if (WIFSIGNALED(status))
    return {Outcome::kCrash, std::string("killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
                                 strsignal(WTERMSIG(status)) + ")"};
  if (c.output.empty() || c.output[0] < '0' || c.output[0] > '6')
    return {Outcome::kCrash, "exited with status " + std::to_string(WEXITSTATUS(status)) + " without a result"};
  return {static_cast<Outcome>(c.output[0] - '0'), c.output.substr(1)};
}

std::string shorten(std::string s, size_t max) {
  for (char& ch : s)
    if (ch == '\n') ch = ' ';
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

struct Counts {
  long n[7] = {};
  long passed() const { return n[static_cast<int>(Outcome::kPass)]; }
  long failed() const {
    long f = 0;
    for (int i = 1; i < 6; ++i) f += n[i];
    return f;
  }
  std::string str() const {
    char buf[256];
    // Worded so that no CI log parser mistakes it for a test runner's "N passed, N failed".
    std::snprintf(buf, sizeof buf,
                  "%ld of %ld pass; not passing: %ld wrong values, %ld unsupported (clean error), %ld other errors, "
                  "%ld crashes, %ld timeouts; %ld skipped",
                  passed(), passed() + failed(), n[1], n[2], n[3], n[4], n[5], n[6]);
    return buf;
  }
};

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parse_args(argc, argv);
  g_optimize = opt.optimize;
  g_via_wisp = opt.via_wisp;
  g_via_onnx = opt.via_onnx;
  const std::map<std::string, Override> overrides = load_overrides(opt.overrides_path);
  const std::regex filter(opt.filter.empty() ? ".*" : opt.filter);
  std::vector<TestCase> tests;
  for (const std::string& suite : opt.suites) {
    try {
      for (TestCase& tc : discover_tests(suite))
        if (std::regex_search(tc.name, filter)) tests.push_back(std::move(tc));
    } catch (const wisp::Error& e) {
      usage(e.what());
    }
  }
  std::vector<TestResult> results(tests.size());
  std::vector<Child> running;
  size_t next = 0;
  auto report = [&](size_t i) {
    const TestResult& r = results[i];
    if (r.outcome == Outcome::kPass || r.outcome == Outcome::kSkip) {
      if (opt.verbose) std::printf("%-11s %s\n", outcome_name(r.outcome), tests[i].name.c_str());
      return;
    }
    std::printf("%-11s %s: %s\n", outcome_name(r.outcome), tests[i].name.c_str(),
                shorten(r.message, opt.verbose ? 4000 : 240).c_str());
  };
  while (next < tests.size() || !running.empty()) {
    while (next < tests.size() && static_cast<int>(running.size()) < opt.jobs) {
      const size_t i = next++;
      auto ov = overrides.find(tests[i].name);
      if (ov != overrides.end() && ov->second.skip) {
        results[i] = {Outcome::kSkip, "skipped by overrides"};
        report(i);
        continue;
      }
      running.push_back(start_child(tests[i], i, ov != overrides.end() ? ov->second.tol : Tolerance{}, opt.timeout_ms));
    }
    if (running.empty()) continue;
    std::vector<pollfd> fds;
    for (const Child& c : running) fds.push_back({c.fd, POLLIN, 0});
    const auto now = std::chrono::steady_clock::now();
    auto wait = std::chrono::milliseconds(100);
    for (const Child& c : running)
      wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(c.deadline - now));
    ::poll(fds.data(), fds.size(), static_cast<int>(std::max<long>(0, wait.count())));
    for (size_t k = running.size(); k-- > 0;) {
      Child& c = running[k];
      bool done = false, timed_out = false;
      if (fds[k].revents & (POLLIN | POLLHUP | POLLERR)) {
        char buf[4096];
        const ssize_t n = ::read(c.fd, buf, sizeof buf);
        if (n > 0) c.output.append(buf, static_cast<size_t>(n));
        else done = true;  // EOF: the child exited (or closed the pipe while dying)
      }
      if (!done && std::chrono::steady_clock::now() >= c.deadline) done = timed_out = true;
      if (!done) continue;
      results[c.test] = finish_child(c, timed_out, opt.timeout_ms);
      report(c.test);
      running.erase(running.begin() + static_cast<long>(k));
    }
  }
  std::fflush(stdout);

  Counts total;
  std::map<std::string, Counts> by_suite;
  for (size_t i = 0; i < tests.size(); ++i) {
    ++total.n[static_cast<int>(results[i].outcome)];
    ++by_suite[tests[i].suite].n[static_cast<int>(results[i].outcome)];
  }
  if (by_suite.size() > 1)
    for (const auto& [suite, c] : by_suite) std::printf("conformance [%s]: %s\n", suite.c_str(), c.str().c_str());
  std::printf("conformance: %s\n", total.str().c_str());
  const long bad = total.n[static_cast<int>(Outcome::kCrash)] + total.n[static_cast<int>(Outcome::kTimeout)];
  if (total.passed() < opt.min_pass) std::printf("FAILED: %ld pass, below --min-pass %ld\n", total.passed(), opt.min_pass);
  if (bad) std::printf("FAILED: %ld tests crashed or timed out\n", bad);
  return (total.passed() < opt.min_pass || bad) ? 1 : 0;
}
