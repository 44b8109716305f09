// MAC counts of runtime/model_stats.hpp, checked by hand on small models.
#include <gtest/gtest.h>

#include "onnx/onnx_importer.hpp"
#include "runtime/model_stats.hpp"

namespace wisp {
namespace {

TEST(ModelStats, LstmCountsInputAndRecurrentWeightsPerStepAndRow) {
  // ONNX test_lstm_defaults: X [seq 1, batch 3, input 2], hidden 3, one direction, so
  // W is [1, 4*3, 2] (24 elements) and R is [1, 4*3, 3] (36): 1 * 3 * (24 + 36) = 180.
  auto model = import_onnx_file("/usr/share/libonnx-testdata/data/node/test_lstm_defaults/model.onnx");
  SessionConfig config;
  config.default_symbolic_dim = 1;
  Session session(model, config);
  session.prepare({});
  EXPECT_EQ(compute_model_stats(*model, &session).macs, 180);
}

}  // namespace
}  // namespace wisp
