// One ONNX backend test case (a folder with model.onnx and test_data_set_*/{input,output}_N.pb):
// discovery, running it in the current process, and comparing outputs with tolerances.
// The runner (conformance_runner.cpp) calls run_test_case in a forked child so a crash or
// hang in one test is reported instead of ending the whole run.
#pragma once
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace wisp::conformance {

struct TestCase {
  std::string name;   // folder name, e.g. "test_abs"
  std::string dir;    // full path of the folder
  std::string suite;  // the --suite folder it came from
};

// Every subfolder of `suite_dir` holding a model.onnx, sorted by name.
std::vector<TestCase> discover_tests(const std::string& suite_dir);

// |actual - expected| <= atol + rtol * |expected|; NaN equals NaN; integers and bools exact.
struct Tolerance {
  double rtol = 1e-3;
  double atol = 1e-5;
};

enum class Outcome { kPass, kFail, kUnsupported, kError, kCrash, kTimeout, kSkip };
const char* outcome_name(Outcome o);

struct TestResult {
  Outcome outcome = Outcome::kError;
  std::string message;  // empty for a pass
};

// Imports the model, runs every test data set through a Session and compares. Catches
// wisp::Error (kUnsupported -> kUnsupported, others -> kError) and std::exception.
// With `optimize`, the model goes through optimize_model (src/passes) before it runs.
// via_wisp: the (optimized) model is written as .wisp and loaded back before running.
// via_onnx: the imported model is exported to ONNX (src/onnx/onnx_exporter) and imported
// back; its outputs must equal the directly imported model's bit for bit (and the expected
// outputs within `tol`). Not combined with `optimize` (fused graphs are not exportable).
TestResult run_test_case(const TestCase& tc, const Tolerance& tol, bool optimize = false, bool via_wisp = false,
                         bool via_onnx = false);

// "" when `actual` matches `expected`; else a description of the first mismatch
// (dtype, shape, or the first element out of tolerance with its index and both values).
std::string compare_tensors(const Tensor& actual, const Tensor& expected, const Tolerance& tol);

}  // namespace wisp::conformance
