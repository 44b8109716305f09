#include "io/npy.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace wisp {
namespace {

TEST(Npy, RoundTrip) {
  Tensor t = Tensor::from<float>({2, 3}, {1, 2, 3, 4, 5, 6.5f});
  const std::string path = ::testing::TempDir() + "/rt.npy";
  write_npy(path, t.view());
  Tensor r = read_npy(path);
  EXPECT_EQ(r.dtype(), DType::kF32);
  EXPECT_EQ(r.shape(), (Shape{2, 3}));
  EXPECT_EQ(r.as<float>()[5], 6.5f);
}

TEST(Npy, ReadsNumpyWrittenFile) {
  // numpy.save of np.arange(3, dtype=np.int64): header text exactly as NumPy writes it.
  std::string header = "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }";
  header.append(128 - 10 - header.size() - 1, ' ');
  header += '\n';
  std::string file = std::string("\x93NUMPY\x01\x00", 8) + char(header.size()) + char(0) + header;
  for (int64_t v : {0, 1, 2}) file.append(reinterpret_cast<const char*>(&v), 8);
  Tensor t = parse_npy(file.data(), file.size(), "mem");
  EXPECT_EQ(t.shape(), (Shape{3}));
  EXPECT_EQ(t.as<int64_t>()[2], 2);
}

TEST(Npy, RejectsTruncatedAndHugeShapes) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000000000), }";
  header += '\n';
  std::string file = std::string("\x93NUMPY\x01\x00", 8) + char(header.size()) + char(0) + header;
  EXPECT_THROW(parse_npy(file.data(), file.size(), "mem"), Error);
  EXPECT_THROW(parse_npy("\x93NUMPY", 6, "mem"), Error);
  EXPECT_THROW(parse_npy("hello world", 11, "mem"), Error);
}

}  // namespace
}  // namespace wisp
