// A model the agent can serve: loaded from a verified package (a slot) or from the
// configured fallback file, with what the health checker and drift monitor need from it
// (reference cases and activation histograms of a .wisp payload).
//
// ServedModel is immutable and shared between threads; ModelRunner holds one Session and
// is used by one thread at a time (the inference worker, the shadow thread, the health
// checker each have their own).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "format/wisp_format.hpp"
#include "package/package.hpp"
#include "runtime/session.hpp"

namespace wisp::agent {

struct ModelIdentity {
  std::string name, version;
  uint64_t counter = 0;
  std::string sha256;  // of the package bytes ("" for the fallback file)
  std::string source;  // "a", "b" (slots) or "fallback"
};

// Inputs and outputs at the API: float32 values with a shape (the API converts to and
// from the model's element types).
struct NamedArray {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> data;
};

class ServedModel {
 public:
  // Verifies the package bytes with `options` (signature, hash, expiry, hardware,
  // counter, decryption) and loads the payload. Throws package::PackageError / wisp::Error.
  static std::shared_ptr<const ServedModel> from_package(const std::string& bytes,
                                                         const package::OpenOptions& options, std::string source);
  // A local model file (the fallback): trusted as configured, not a package.
  static std::shared_ptr<const ServedModel> from_file(const std::string& path);

  const ModelIdentity& identity() const { return identity_; }
  const std::shared_ptr<const Model>& model() const { return model_; }
  bool is_wisp() const { return is_wisp_; }
  const format::Metadata& metadata() const { return metadata_; }
  // Graph input names, declared shapes (symbolic dims as 1) and types.
  struct InputSpec {
    std::string name;
    std::vector<int64_t> shape;
    DType dtype = DType::kUndefined;
  };
  const std::vector<InputSpec>& inputs() const { return inputs_; }
  std::string label() const;  // "name 1.2.0 (counter 3, slot a)"

 private:
  void finish();
  ModelIdentity identity_;
  std::shared_ptr<const Model> model_;
  bool is_wisp_ = false;
  format::Metadata metadata_;
  std::vector<InputSpec> inputs_;
};

class ModelRunner {
 public:
  explicit ModelRunner(std::shared_ptr<const ServedModel> model, std::string abort_on_model = "");
  // Runs one inference. Inputs are float32 and converted to the model's input types;
  // outputs are converted to float32. Throws wisp::Error on a bad input.
  std::vector<NamedArray> run(const std::vector<NamedArray>& inputs);
  // Inputs of the declared shapes filled with a fixed pattern (health checks of models
  // without reference cases).
  std::vector<NamedArray> synthetic_inputs() const;
  const ServedModel& model() const { return *model_; }
  const std::shared_ptr<const ServedModel>& shared_model() const { return model_; }
  int64_t memory_bytes() const;  // arena + weights once prepared, else 0

 private:
  std::shared_ptr<const ServedModel> model_;
  Session session_;
  bool abort_ = false;
};

// Index of the largest element (the top-1 class), -1 when empty.
int64_t argmax(const std::vector<float>& v);
// True when any value is NaN or infinite.
bool has_non_finite(const std::vector<NamedArray>& outputs);

}  // namespace wisp::agent
