// The C API end to end on the sample model, and its error reporting.
#include "wisp/wisp.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "io/npy.hpp"

namespace {

const std::string kModels = std::string(WISP_SOURCE_DIR) + "/models/";

TEST(CApi, LoadPrepareRunMatchesReference) {
  wisp_model* model = nullptr;
  ASSERT_EQ(wisp_model_load((kModels + "fashion_mnist_cnn.onnx").c_str(), &model), WISP_OK) << wisp_last_error();
  ASSERT_EQ(wisp_model_num_inputs(model), 1u);
  wisp_tensor info;
  ASSERT_EQ(wisp_model_input(model, 0, &info), WISP_OK);
  EXPECT_STREQ(info.name, "image");
  EXPECT_EQ(info.type, WISP_FLOAT32);
  EXPECT_EQ(info.rank, 4);
  EXPECT_EQ(info.shape[0], -1);  // symbolic batch

  wisp_session* session = nullptr;
  ASSERT_EQ(wisp_session_create(model, &session), WISP_OK);
  ASSERT_EQ(wisp_session_set_dim(session, "batch", 2), WISP_OK);
  wisp::Tensor u8 = wisp::read_npy(kModels + "fashion_mnist_test_images.npy");
  std::vector<float> x(2 * 784);
  for (size_t i = 0; i < x.size(); ++i) x[i] = u8.as<uint8_t>()[i] / 255.0f;
  wisp_tensor in{"image", WISP_FLOAT32, 4, {2, 1, 28, 28}, x.data(), x.size() * sizeof(float)};
  ASSERT_EQ(wisp_session_prepare(session, &in, 1), WISP_OK) << wisp_last_error();
  wisp_tensor out_info;
  ASSERT_EQ(wisp_session_output_info(session, 0, &out_info), WISP_OK);
  EXPECT_EQ(out_info.rank, 2);
  EXPECT_EQ(out_info.shape[1], 10);
  EXPECT_GT(wisp_session_arena_bytes(session), 0);
  std::vector<float> y(20);
  wisp_tensor out{nullptr, WISP_FLOAT32, 2, {2, 10}, y.data(), y.size() * sizeof(float)};
  ASSERT_EQ(wisp_session_run(session, &in, 1, &out, 1), WISP_OK) << wisp_last_error();
  wisp::Tensor ref = wisp::read_npy(kModels + "fashion_mnist_cnn.reference.npy");
  for (int i = 0; i < 20; ++i) EXPECT_NEAR(y[i], ref.as<float>()[i], 1e-3);

  // A too-small output buffer is an error, not an overflow.
  wisp_tensor small{nullptr, WISP_FLOAT32, 2, {2, 10}, y.data(), 8};
  EXPECT_EQ(wisp_session_run(session, &in, 1, &small, 1), WISP_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(wisp_last_error()).find("smaller than its shape"), std::string::npos);
  wisp_session_free(session);
  wisp_model_free(model);
}

TEST(CApi, MissingFileIsAnIoError) {
  wisp_model* model = nullptr;
  EXPECT_EQ(wisp_model_load("/nonexistent/model.onnx", &model), WISP_ERROR_IO);
  EXPECT_EQ(model, nullptr);
  EXPECT_NE(std::string(wisp_last_error()).find("/nonexistent/model.onnx"), std::string::npos);
}

}  // namespace
