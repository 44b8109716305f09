// The malicious .wisp corpus: a valid file is mutated in memory, one known loader bug class
// of TFLite / ONNX Runtime / ncnn per case (offset wrap, out-of-range index, rank mismatch,
// rank above the limit, huge declared sizes, truncated buffer, graph cycle, misaligned
// weights, bad identifier, newer major version...). Each must be rejected with a typed
// wisp::Error whose message names the problem, before any large allocation: the loader
// never allocates from a declared size (weights are borrowed from the buffer), so these
// all run in microseconds on a file of a few KiB.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <random>
#include <string>

#include "format/wisp_format.hpp"
#include "format/wisp_test_model.hpp"
#include "ir/graph.hpp"
#include "wisp_generated.h"

namespace wisp {
namespace {

using Bytes = std::vector<std::byte>;

Bytes valid_file() { return format::serialize_wisp(*test::make_wisp_test_model(), {}, nullptr); }

fb::Model* root(Bytes& b) { return fb::GetMutableModel(b.data()); }
fb::Graph* graph(Bytes& b) { return root(b)->mutable_graph(); }

fb::Value* value_named(Bytes& b, const std::string& name) {
  auto* values = graph(b)->mutable_values();
  for (uint32_t i = 0; i < values->size(); ++i)
    if (values->Get(i)->name()->str() == name) return values->GetMutableObject(i);
  ADD_FAILURE() << "no value " << name;
  return nullptr;
}

int value_index(Bytes& b, const std::string& name) {
  auto* values = graph(b)->values();
  for (uint32_t i = 0; i < values->size(); ++i)
    if (values->Get(i)->name()->str() == name) return static_cast<int>(i);
  return -1;
}

fb::Node* node_at(Bytes& b, uint32_t i) { return graph(b)->mutable_nodes()->GetMutableObject(i); }

struct Case {
  const char* name;
  std::function<void(Bytes&)> mutate;
  ErrorCode code;
  const char* message;  // a substring of the error message
};

void expect_rejected(const Case& c) {
  Bytes b = valid_file();
  c.mutate(b);
  try {
    format::load_wisp_copy(b.data(), b.size());
    ADD_FAILURE() << c.name << ": loaded without error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), c.code) << c.name << ": " << e.what();
    EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos)
        << c.name << ": message '" << e.what() << "' does not contain '" << c.message << "'";
  }
}

TEST(MalformedWisp, ValidFileLoads) {
  Bytes b = valid_file();
  EXPECT_NO_THROW(format::load_wisp_copy(b.data(), b.size()));
}

TEST(MalformedWisp, EachCaseGivesATypedError) {
  const std::vector<Case> cases = {
      {"bad identifier", [](Bytes& b) { b[4] = std::byte{'X'}; }, ErrorCode::kInvalidModel,
       "not a .wisp file: bytes 4..7 are not the identifier \"WISP\""},
      {"newer major version", [](Bytes& b) { root(b)->mutate_format_major(format::kFormatMajor + 1); },
       ErrorCode::kUnsupported, "is newer than this build reads"},
      {"root offset outside the file",
       [](Bytes& b) { b[0] = b[1] = b[2] = std::byte{0xFF}; b[3] = std::byte{0x7F}; }, ErrorCode::kInvalidModel,
       "root offset is outside the file"},
      {"data section past the end (huge data_size)", [](Bytes& b) { root(b)->mutate_data_size(uint64_t{1} << 62); },
       ErrorCode::kInvalidModel, "does not end at the end of the file"},
      {"data section offset wraps", [](Bytes& b) { root(b)->mutate_data_offset(~uint64_t{0} - 63); },
       ErrorCode::kInvalidModel, "does not end at the end of the file"},
      {"data section offset misaligned", [](Bytes& b) { root(b)->mutate_data_offset(root(b)->data_offset() - 8); },
       ErrorCode::kInvalidModel, "is invalid (must be a multiple of 64)"},
      {"tensor offset wraps around 2^64",
       [](Bytes& b) { value_named(b, "w")->mutable_constant()->mutate_offset(~uint64_t{0} - 63); },
       ErrorCode::kOutOfRange, "lies outside the data section"},
      {"tensor offset past the data section",
       [](Bytes& b) { value_named(b, "w")->mutable_constant()->mutate_offset(uint64_t{1} << 20); },
       ErrorCode::kOutOfRange, "lies outside the data section"},
      {"misaligned weights",
       [](Bytes& b) {
         auto* t = value_named(b, "w")->mutable_constant();
         t->mutate_offset(t->offset() + 4);
       },
       ErrorCode::kInvalidModel, "is not a multiple of 64"},
      {"rank mismatch (shape vs stored size)",
       [](Bytes& b) { value_named(b, "w")->mutable_constant()->mutable_shape()->Mutate(0, 9); },
       ErrorCode::kInvalidModel, "does not match its shape"},
      {"huge declared dims (element count overflow)",
       [](Bytes& b) {
         auto* s = value_named(b, "w")->mutable_constant()->mutable_shape();
         s->Mutate(0, int64_t{1} << 40);
         s->Mutate(1, int64_t{1} << 40);
       },
       ErrorCode::kResourceExhausted, "element count overflows 64 bits"},
      {"huge declared size (above the tensor limit)",
       [](Bytes& b) {
         auto* t = value_named(b, "w")->mutable_constant();
         t->mutable_shape()->Mutate(0, int64_t{1} << 31);
         t->mutate_size(uint64_t{1} << 35);
       },
       ErrorCode::kResourceExhausted, "above the limit of"},
      {"declared shape differs from the constant's data",
       [](Bytes& b) { value_named(b, "w")->mutable_shape()->GetMutableObject(1)->mutate_value(5); },
       ErrorCode::kInvalidModel, "declared dimension 1 is 5 but its data has 4"},
      {"negative dimension", [](Bytes& b) { value_named(b, "w")->mutable_constant()->mutable_shape()->Mutate(1, -4); },
       ErrorCode::kInvalidModel, "negative dimension -4"},
      {"invalid element type", [](Bytes& b) { value_named(b, "w")->mutable_constant()->mutate_dtype(200); },
       ErrorCode::kInvalidModel, "invalid element type 200"},
      {"constant type differs from its value", [](Bytes& b) { value_named(b, "w")->mutate_dtype(static_cast<uint8_t>(DType::kI32)); },
       ErrorCode::kInvalidModel, "constant data type does not match"},
      {"out-of-range value index in a node input", [](Bytes& b) { node_at(b, 0)->mutable_inputs()->Mutate(0, 9999); },
       ErrorCode::kOutOfRange, "input 0 refers to value 9999"},
      {"negative value index below -1", [](Bytes& b) { node_at(b, 0)->mutable_inputs()->Mutate(1, -7); },
       ErrorCode::kOutOfRange, "refers to value -7"},
      {"out-of-range graph output index", [](Bytes& b) { graph(b)->mutable_outputs()->Mutate(0, 1u << 30); },
       ErrorCode::kOutOfRange, "output 0 refers to value 1073741824"},
      {"out-of-range graph input index", [](Bytes& b) { graph(b)->mutable_inputs()->Mutate(0, 77); },
       ErrorCode::kOutOfRange, "input 0 refers to value 77"},
      {"graph input pointing at a weight", [](Bytes& b) { graph(b)->mutable_inputs()->Mutate(0, value_index(b, "w")); },
       ErrorCode::kInvalidModel, "is a constant or listed twice"},
      {"graph cycle (node reads a later node's output)",
       [](Bytes& b) {
         // MatMul (node 0) reads the Relu's output (node 2): MatMul -> Add -> Relu -> MatMul.
         const int relu_out = node_at(b, 2)->outputs()->Get(0);
         node_at(b, 0)->mutable_inputs()->Mutate(0, relu_out);
       },
       ErrorCode::kInvalidModel, "is used before it is produced"},
      {"value produced twice",
       [](Bytes& b) { node_at(b, 1)->mutable_outputs()->Mutate(0, node_at(b, 0)->outputs()->Get(0)); },
       ErrorCode::kInvalidModel, "already an input, a constant or produced by another node"},
      {"node overwrites a weight",
       [](Bytes& b) { node_at(b, 0)->mutable_outputs()->Mutate(0, value_index(b, "w")); },
       ErrorCode::kInvalidModel, "already an input, a constant or produced by another node"},
      {"invalid attribute kind",
       [](Bytes& b) { node_at(b, 3)->mutable_attributes()->GetMutableObject(0)->mutate_kind(static_cast<fb::AttrKind>(77)); },
       ErrorCode::kInvalidModel, "invalid attribute kind 77"},
  };
  for (const Case& c : cases) expect_rejected(c);
}

// A value declared with rank 9 (the IR's symbolic shapes have no fixed capacity, so the
// writer can produce it; the loader must refuse it before building a Shape).
TEST(MalformedWisp, DeclaredRankAboveLimit) {
  auto m = test::make_wisp_test_model();
  SymShape s(9, SymDim{1, ""});
  m->graph.inputs[0]->shape = s;
  const Bytes b = format::serialize_wisp(*m, {}, nullptr);
  try {
    format::load_wisp_copy(b.data(), b.size());
    FAIL() << "loaded a rank-9 input";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("declared rank 9 is above the limit of 8"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("value 0 'x'"), std::string::npos) << e.what();
  }
}

// Regression (found by fuzz_wisp_loader): the FlatBuffers verifier checks a vector's
// length prefix for 4-byte alignment only, so moving a [long] vector by 4 bytes still
// verifies while its elements sit at an address that is 4 mod 8. Reading them would be a
// misaligned load (UBSan reports it in the sanitizer build); the loader must refuse first.
TEST(MalformedWisp, MisalignedLongVectorIsRejected) {
  Bytes b = valid_file();
  fb::TensorRef* t = nullptr;
  auto* values = graph(b)->mutable_values();
  for (uint32_t i = 0; i < values->size() && !t; ++i)
    if (values->Get(i)->constant() && values->Get(i)->constant()->shape() &&
        values->Get(i)->constant()->shape()->size() > 0)
      t = values->GetMutableObject(i)->mutable_constant();
  ASSERT_NE(t, nullptr) << "the test model has no constant with a shape";
  // Find the table field (a uoffset relative to its own address) that points at the shape
  // vector, and point it 4 bytes further.
  const auto* vec = reinterpret_cast<const uint8_t*>(t->shape());
  auto* table = reinterpret_cast<uint8_t*>(t);
  uint8_t* field = nullptr;
  for (uint8_t* f = table; f < table + 64 && f + 4 <= reinterpret_cast<uint8_t*>(b.data()) + b.size(); f += 4) {
    uint32_t u;
    std::memcpy(&u, f, 4);
    if (f + u == vec) field = f;
  }
  ASSERT_NE(field, nullptr) << "shape field not found";
  uint32_t u;
  std::memcpy(&u, field, 4);
  u += 4;
  std::memcpy(field, &u, 4);
  try {
    format::load_wisp_copy(b.data(), b.size());
    FAIL() << "loaded a file with a misaligned [long] vector";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidModel) << e.what();
    EXPECT_NE(std::string(e.what()).find("field 'shape' is not aligned to 8 bytes"), std::string::npos) << e.what();
  }
}

TEST(MalformedWisp, PlanEntryOutsideTheArena) {
  auto m = test::make_wisp_test_model();
  format::StoredPlan plan;
  plan.arena_bytes = 128;
  plan.entries.push_back({m->graph.nodes()[0]->outputs[0]->name, 64, 65});
  const Bytes b = format::serialize_wisp(*m, {}, &plan);
  try {
    format::load_wisp_copy(b.data(), b.size());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kOutOfRange);
    EXPECT_NE(std::string(e.what()).find("lies outside the arena of 128 bytes"), std::string::npos) << e.what();
  }
}

// Every truncation of a valid file is rejected (the data section must end at the file's
// end, and the FlatBuffer is verified against its region).
TEST(MalformedWisp, EveryTruncationIsRejected) {
  const Bytes b = valid_file();
  for (size_t len = 0; len < b.size(); len += (len < 64 ? 1 : 7)) {
    try {
      format::load_wisp_copy(b.data(), len);
      ADD_FAILURE() << "truncated to " << len << " bytes: loaded";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidModel) << len << ": " << e.what();
    }
  }
}

// Random corruptions (1..4 bytes each, fixed seed): each either loads a model or throws
// wisp::Error; never crashes, never another exception type. Runs under ASan/UBSan in CI.
TEST(MalformedWisp, RandomByteCorruptionsNeverCrash) {
  const Bytes valid = valid_file();
  std::mt19937 rng(12345);
  int rejected = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    Bytes b = valid;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) b[rng() % b.size()] = static_cast<std::byte>(rng() & 0xFF);
    try {
      format::LoadedWisp w = format::load_wisp_copy(b.data(), b.size());
      EXPECT_NE(w.model, nullptr);
    } catch (const Error&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 100);  // most corruptions of the FlatBuffer region are caught
}

// The memory API refuses unaligned memory (weights must be usable in place).
TEST(MalformedWisp, UnalignedBufferIsAnArgumentError) {
  const Bytes b = valid_file();
  std::vector<std::byte> shifted(b.size() + 64 + 8);
  std::byte* p = shifted.data();
  while (reinterpret_cast<uintptr_t>(p) % 64 != 8) ++p;
  std::memcpy(p, b.data(), b.size());
  auto owner = std::make_shared<int>(0);
  try {
    format::load_wisp_memory(p, b.size(), owner);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("is not 64-byte aligned"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace wisp
