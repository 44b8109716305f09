#include "io/dataset.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "io/idx.hpp"
#include "io/image_decode.hpp"
#include "io/npy.hpp"

namespace wisp {
namespace {
namespace fs = std::filesystem;

std::string fresh_dir(const std::string& name) {
  const std::string d = ::testing::TempDir() + "/dataset_" + name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string idx_bytes(unsigned char type, std::vector<uint32_t> dims, const std::string& payload) {
  std::string s = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int k = 3; k >= 0; --k) s.push_back(static_cast<char>((d >> (8 * k)) & 0xff));
  return s + payload;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(Dataset, NpyFileAndLimit) {
  const std::string d = fresh_dir("npy");
  Tensor t = Tensor::from<float>({3, 2}, {1, 2, 3, 4, 5, 6});
  write_npy(d + "/x.npy", t.view());
  Tensor all = load_dataset(d + "/x.npy");
  EXPECT_EQ(all.shape(), (Shape{3, 2}));
  EXPECT_EQ(all.as<float>()[5], 6.0f);
  DatasetOptions o;
  o.limit = 2;
  Tensor two = load_dataset(d + "/x.npy", o);
  EXPECT_EQ(two.shape(), (Shape{2, 2}));
  EXPECT_EQ(two.as<float>()[3], 4.0f);
}

TEST(Dataset, NpyFolderConcatenatesInNameOrder) {
  const std::string d = fresh_dir("npyfolder");
  write_npy(d + "/b.npy", Tensor::from<float>({1, 2}, {7, 8}).view());
  write_npy(d + "/a.npy", Tensor::from<float>({2, 2}, {1, 2, 3, 4}).view());
  Tensor t = load_dataset(d);
  ASSERT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_EQ(t.as<float>()[0], 1.0f);
  EXPECT_EQ(t.as<float>()[4], 7.0f);
  write_npy(d + "/c.npy", Tensor::from<float>({1, 3}, {1, 2, 3}).view());
  EXPECT_THROW(load_dataset(d), Error);  // trailing shapes disagree
}

TEST(Dataset, IdxImagesGetChannelAxisAndScale) {
  const std::string d = fresh_dir("idx");
  const std::string path = d + "/imgs-idx3-ubyte";
  write_file(path, idx_bytes(0x08, {2, 2, 3}, std::string("\x00\xff\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a", 12)));
  Tensor t = load_dataset(path);
  ASSERT_EQ(t.shape(), (Shape{2, 1, 2, 3}));
  EXPECT_FLOAT_EQ(t.as<float>()[1], 1.0f);
  EXPECT_FLOAT_EQ(t.as<float>()[11], 10.0f / 255.0f);
  DatasetOptions o;
  o.mean = {0.5f};
  o.std = {0.5f};
  Tensor n = load_dataset(path, o);
  EXPECT_FLOAT_EQ(n.as<float>()[0], -1.0f);
  EXPECT_FLOAT_EQ(n.as<float>()[1], 1.0f);
}

TEST(Dataset, GzippedIdxAndLabels) {
  const std::string d = fresh_dir("idxgz");
  const std::string raw = idx_bytes(0x08, {4}, std::string("\x03\x01\x04\x01", 4));
  gzFile f = gzopen((d + "/labels-idx1-ubyte.gz").c_str(), "wb");
  ASSERT_NE(f, nullptr);
  gzwrite(f, raw.data(), static_cast<unsigned>(raw.size()));
  gzclose(f);
  Tensor l = load_labels(d + "/labels-idx1-ubyte.gz");
  ASSERT_EQ(l.shape(), (Shape{4}));
  EXPECT_EQ(l.dtype(), DType::kI64);
  EXPECT_EQ(l.as<int64_t>()[2], 4);
  EXPECT_EQ(load_labels(d + "/labels-idx1-ubyte.gz", 2).shape(), (Shape{2}));
}

TEST(Dataset, IdxBigEndianInt32) {
  Tensor t = parse_idx(idx_bytes(0x0C, {2}, std::string("\x00\x00\x01\x00\xff\xff\xff\xfe", 8)).data(), 16, "mem");
  ASSERT_EQ(t.dtype(), DType::kI32);
  EXPECT_EQ(t.as<int32_t>()[0], 256);
  EXPECT_EQ(t.as<int32_t>()[1], -2);
}

TEST(Dataset, MalformedIdxIsRefusedBeforeAllocating) {
  // Declares 60000 x 28 x 28 but holds 3 bytes of data.
  const std::string truncated = idx_bytes(0x08, {60000, 28, 28}, "abc");
  EXPECT_THROW(parse_idx(truncated.data(), truncated.size(), "mem"), Error);
  // Dims whose product overflows int64 (and anything sane): 0xffffffff^3 * ... .
  const std::string huge = idx_bytes(0x0D, {0xffffffffu, 0xffffffffu, 0xffffffffu}, "");
  EXPECT_THROW(parse_idx(huge.data(), huge.size(), "mem"), Error);
  const std::string bad_type = idx_bytes(0x07, {1}, "a");
  EXPECT_THROW(parse_idx(bad_type.data(), bad_type.size(), "mem"), Error);
  const std::string bad_magic = "\x01\x00\x08\x01";
  EXPECT_THROW(parse_idx(bad_magic.data(), 4, "mem"), Error);
  EXPECT_THROW(parse_idx("\x00\x00\x08\x05\x00", 5, "mem"), Error);  // header cut short
  const std::string zero_rank = idx_bytes(0x08, {}, "");
  EXPECT_THROW(parse_idx(zero_rank.data(), zero_rank.size(), "mem"), Error);
  const std::string d = fresh_dir("badgz");
  write_file(d + "/x-idx1-ubyte.gz", "\x1f\x8b\x08\x00garbage that is not deflate");
  EXPECT_THROW(load_labels(d + "/x-idx1-ubyte.gz"), Error);
  try {
    load_dataset(d + "/nothing-idx3-ubyte");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nothing-idx3-ubyte"), std::string::npos) << e.what();
  }
}

TEST(Dataset, ImageFolderDecodesResizesNormalises) {
  const std::string d = fresh_dir("images");
  // Binary PGM (P5) 2x2 grey images; stb_image decodes them.
  write_file(d + "/a.pgm", std::string("P5\n2 2\n255\n", 11) + std::string("\x00\x40\x80\xff", 4));
  write_file(d + "/b.pgm", std::string("P5\n2 2\n255\n", 11) + std::string("\x10\x10\x10\x10", 4));
  Tensor t = load_dataset(d);
  ASSERT_EQ(t.shape(), (Shape{2, 1, 2, 2}));
  EXPECT_FLOAT_EQ(t.as<float>()[1], 64.0f / 255.0f);
  EXPECT_FLOAT_EQ(t.as<float>()[4], 16.0f / 255.0f);
  DatasetOptions o;
  o.resize_hw = {4, 4};
  o.scale = 1.0f;
  o.channels_last = true;
  Tensor r = load_dataset(d, o);
  ASSERT_EQ(r.shape(), (Shape{2, 4, 4, 1}));
  // Half-pixel bilinear: the corner keeps the corner pixel, the second column mixes 3:1.
  EXPECT_FLOAT_EQ(r.as<float>()[0], 0.0f);
  EXPECT_FLOAT_EQ(r.as<float>()[1], 16.0f);
  EXPECT_FLOAT_EQ(r.as<float>()[15], 255.0f);
  EXPECT_FLOAT_EQ(r.as<float>()[16], 16.0f);
  write_file(d + "/c.pgm", "P5\n9999999 9999999\n255\n");
  EXPECT_THROW(load_dataset(d), Error);  // stb refuses the declared size
}

TEST(Dataset, FashionMnistFromSystemPackage) {
  const std::string images = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
  if (!fs::exists(images)) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  DatasetOptions o;
  o.limit = 16;
  Tensor t = load_dataset(images, o);
  EXPECT_EQ(t.shape(), (Shape{16, 1, 28, 28}));
  Tensor l = load_labels("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz", 16);
  EXPECT_EQ(l.as<int64_t>()[0], 9);  // the first test image is an ankle boot
  for (int64_t i = 0; i < t.numel(); ++i) ASSERT_TRUE(t.as<float>()[i] >= 0.0f && t.as<float>()[i] <= 1.0f);
}

}  // namespace
}  // namespace wisp
