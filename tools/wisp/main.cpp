// `wisp`: the command-line tool. Thin over the library; one file per sub-command.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "cli.hpp"
#include "wisp/error.hpp"

namespace {

constexpr const char* kHelp = R"(wisp — take ONNX models to edge devices

Usage: wisp <command> [options]

Commands:
  inspect MODEL      inputs/outputs, op counts, parameters, MACs, weight and arena bytes
  run MODEL          run a model on .npy inputs (or random ones) and save/print outputs
  eval MODEL         top-1/top-5 accuracy and latency on a labelled data set (.npy, IDX, images)
  compare FLOAT QUANT  per-layer SQNR/cosine, sensitivity, size, latency: table, JSON, HTML
  bench MODEL        load time, latency percentiles, throughput, memory, per-op profile
  ops                the ops this build supports
  convert MODEL      ONNX -> .wisp (optimized graph, aligned weights, plan, metadata)
  optimize MODEL     quantize (int8 static/dynamic, fp16, int4) or prune -> .onnx/.wisp
)"
#ifdef WISP_WITH_PACKAGE
R"(  keygen --out NAME  a package signing key pair and a device (box) key pair
  pack MODEL         a signed, optionally encrypted model package (.wpkg)
  verify PKG         check a package's signature, hash, expiry, hardware, counter
  unpack PKG -o OUT  verify, decrypt in memory and write the model
)"
#endif
#ifdef WISP_WITH_AGENT
R"(  agent --config F   the device agent: OTA updates, health checks, local inference API
)"
#endif
#ifdef WISP_WITH_FLEET
R"(  fleet --config F   the fleet server: package registry, devices, staged rollouts, dashboard
)"
#endif
R"(
Run `wisp <command> --help` for a command's options.
Exit codes: 0 success, 1 the model or data failed (the message says what and where),
2 wrong command-line use.
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace wisp::cli;
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
    std::fputs(kHelp, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string cmd = argv[1];
  const std::vector<std::string> rest(argv + 2, argv + argc);
  try {
    if (cmd == "inspect") return cmd_inspect(rest);
    if (cmd == "run") return cmd_run(rest);
    if (cmd == "eval") return cmd_eval(rest);
    if (cmd == "compare") return cmd_compare(rest);
    if (cmd == "bench") return cmd_bench(rest);
    if (cmd == "ops") return cmd_ops(rest);
#ifdef WISP_WITH_FORMAT
    if (cmd == "convert") return cmd_convert(rest);
#endif
#ifdef WISP_WITH_DATASET
    if (cmd == "optimize") return cmd_optimize(rest);
#endif
#ifdef WISP_WITH_PACKAGE
    if (cmd == "keygen") return cmd_keygen(rest);
    if (cmd == "pack") return cmd_pack(rest);
    if (cmd == "verify") return cmd_verify(rest);
    if (cmd == "unpack") return cmd_unpack(rest);
#endif
#ifdef WISP_WITH_AGENT
    if (cmd == "agent") return cmd_agent(rest);
#endif
#ifdef WISP_WITH_FLEET
    if (cmd == "fleet") return cmd_fleet(rest);
#endif
    std::fprintf(stderr, "wisp: unknown command '%s'\n\n%s", cmd.c_str(), kHelp);
    return 2;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "wisp %s: %s\n(see `wisp %s --help`)\n", cmd.c_str(), e.message.c_str(), cmd.c_str());
    return 2;
  } catch (const wisp::Error& e) {
    std::fprintf(stderr, "wisp %s: error (%s): %s\n", cmd.c_str(), wisp::error_code_name(e.code()), e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wisp %s: error: %s\n", cmd.c_str(), e.what());
    return 1;
  }
}
