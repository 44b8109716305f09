// The malformed-model corpus (make_corpus.py): every file must fail with the ErrorCode and
// message substring that expected.txt lists for it, never crash, hang or allocate wildly.
// Files that import are prepared and run with random inputs, since some defects (shapes
// that do not broadcast, a constant training_mode) only show there.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "core/status.hpp"
#include "onnx/onnx_importer.hpp"
#include "runtime/session.hpp"

namespace wisp {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(WISP_SOURCE_DIR) / "tests" / "malformed";

struct Expectation {
  std::string file;
  ErrorCode code;
  std::string substring;
};

ErrorCode parse_code(const std::string& name) {
  static const std::map<std::string, ErrorCode> codes = {
      {"InvalidArgument", ErrorCode::kInvalidArgument}, {"InvalidModel", ErrorCode::kInvalidModel},
      {"Unsupported", ErrorCode::kUnsupported},         {"OutOfRange", ErrorCode::kOutOfRange},
      {"Io", ErrorCode::kIo},                           {"ResourceExhausted", ErrorCode::kResourceExhausted}};
  auto it = codes.find(name);
  if (it == codes.end()) throw std::runtime_error("expected.txt: unknown error code " + name);
  return it->second;
}

// Lines: "<file> <Code> <message substring...>"; '#' starts a comment line.
std::vector<Expectation> load_expectations() {
  std::ifstream in(kCorpus / "expected.txt");
  std::vector<Expectation> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    Expectation e;
    std::string code;
    words >> e.file >> code;
    e.code = parse_code(code);
    std::getline(words >> std::ws, e.substring);
    out.push_back(e);
  }
  return out;
}

// Random data of the declared type and shape (unknown dims = 1).
Tensor random_input(const Value& v, std::mt19937& rng) {
  Shape shape;
  if (v.shape)
    for (const SymDim& d : *v.shape) shape.push_back(d.is_static() ? d.value : 1);
  Tensor t(v.dtype, shape);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  dispatch_dtype(v.dtype, "random_input", [&](auto tag) {
    using T = decltype(tag);
    T* p = t.as<T>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      if constexpr (std::is_same_v<T, bool>) p[i] = rng() & 1;
      else p[i] = static_cast<T>(dist(rng));
    }
  });
  return t;
}

// Imports, prepares and runs; returns normally only if all of it succeeded.
void import_prepare_run(const fs::path& path) {
  std::shared_ptr<Model> model = import_onnx_file(path.string());
  SessionConfig config;
  config.default_symbolic_dim = 1;
  Session session(model, config);
  std::mt19937 rng(42);
  std::vector<Tensor> inputs;
  std::vector<NamedTensorView> views;
  std::map<std::string, Shape> shapes;
  for (const Value* v : model->graph.inputs) {
    inputs.push_back(random_input(*v, rng));
    shapes[v->name] = inputs.back().shape();
  }
  for (size_t i = 0; i < inputs.size(); ++i) views.push_back({model->graph.inputs[i]->name, inputs[i].view()});
  session.prepare(shapes);
  session.run(views);
}

TEST(MalformedCorpus, EveryFileFailsWithItsExpectedError) {
  const std::vector<Expectation> expectations = load_expectations();
  ASSERT_FALSE(expectations.empty());
  for (const Expectation& e : expectations) {
    SCOPED_TRACE(e.file);
    ASSERT_TRUE(fs::exists(kCorpus / e.file)) << "listed in expected.txt but missing; run make_corpus.py";
    try {
      import_prepare_run(kCorpus / e.file);
      ADD_FAILURE() << e.file << ": imported, prepared and ran without an error";
    } catch (const Error& err) {
      EXPECT_EQ(err.code(), e.code) << e.file << ": " << error_code_name(err.code()) << ": " << err.what();
      EXPECT_NE(std::string(err.what()).find(e.substring), std::string::npos)
          << e.file << ": message '" << err.what() << "' lacks '" << e.substring << "'";
    }
  }
}

TEST(MalformedCorpus, EveryModelFileIsListed) {
  std::set<std::string> listed;
  for (const Expectation& e : load_expectations()) listed.insert(e.file);
  for (const auto& entry : fs::directory_iterator(kCorpus)) {
    if (entry.path().extension() != ".onnx") continue;
    EXPECT_TRUE(listed.count(entry.path().filename().string())) << entry.path().filename() << " has no expectation";
  }
}

}  // namespace
}  // namespace wisp
