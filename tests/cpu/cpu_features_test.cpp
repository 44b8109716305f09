// CPU feature detection: the ISA mapping and the WISP_MAX_ISA parsing, and detection
// against what Linux reports (x86-64: /proc/cpuinfo flags; aarch64: the hwcaps).
#include "cpu/cpu_features.hpp"

#include <gtest/gtest.h>

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#endif

#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace wisp {
namespace {

TEST(CpuFeatures, IsaForPicksTheHighestCompleteLevel) {
  CpuFeatures f;
  EXPECT_EQ(isa_for(f), Isa::kPortable);
  f.avx2 = true;
  EXPECT_EQ(isa_for(f), Isa::kPortable) << "AVX2 kernels also need FMA";
  f.fma = true;
  EXPECT_EQ(isa_for(f), Isa::kAvx2);
  f.avx512f = true;
  EXPECT_EQ(isa_for(f), Isa::kAvx2) << "AVX-512 kernels need F, BW and VL";
  f.avx512bw = f.avx512vl = true;
  EXPECT_EQ(isa_for(f), Isa::kAvx512);
  CpuFeatures arm;
  arm.neon = true;
  EXPECT_EQ(isa_for(arm), Isa::kNeon);
}

TEST(CpuFeatures, ParseAndCap) {
  EXPECT_EQ(parse_isa("ref"), Isa::kRef);
  EXPECT_EQ(parse_isa("avx2"), Isa::kAvx2);
  EXPECT_EQ(parse_isa("avx512"), Isa::kAvx512);
  EXPECT_EQ(parse_isa("neon"), Isa::kNeon);
  EXPECT_FALSE(parse_isa("sse9").has_value());
  EXPECT_FALSE(parse_isa("").has_value());
  EXPECT_EQ(min_isa(Isa::kAvx512, Isa::kAvx2), Isa::kAvx2);
  EXPECT_EQ(min_isa(Isa::kAvx2, Isa::kAvx512), Isa::kAvx2);
  EXPECT_EQ(min_isa(Isa::kAvx512, Isa::kRef), Isa::kRef);
  EXPECT_EQ(min_isa(Isa::kNeon, Isa::kAvx2), Isa::kPortable);
  EXPECT_EQ(min_isa(Isa::kNeon, Isa::kRef), Isa::kRef);
}

TEST(CpuFeatures, BestIsaIsAtMostTheDetectedOne) {
  EXPECT_EQ(min_isa(best_isa(), detected_isa()), best_isa());
  EXPECT_EQ(detected_isa(), isa_for(cpu_features()));
}

#if defined(__x86_64__) && defined(__linux__)
// Linux lists a flag only when the CPU has it and the kernel enabled its register state.
TEST(CpuFeatures, MatchesProcCpuinfoOnLinuxX86) {
  std::ifstream in("/proc/cpuinfo");
  if (!in) GTEST_SKIP() << "/proc/cpuinfo is not readable";
  std::string line;
  std::set<std::string> flags;
  while (std::getline(in, line) && flags.empty()) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    for (std::string w; words >> w;) flags.insert(w);
  }
  if (flags.empty()) GTEST_SKIP() << "/proc/cpuinfo has no flags line";
  const auto has = [&](const char* name) { return flags.count(name) > 0; };
  const CpuFeatures& f = cpu_features();
  EXPECT_EQ(f.avx2, has("avx2"));
  EXPECT_EQ(f.fma, has("fma"));
  EXPECT_EQ(f.avx512f, has("avx512f"));
  EXPECT_EQ(f.avx512bw, has("avx512bw"));
  EXPECT_EQ(f.avx512vl, has("avx512vl"));
  EXPECT_EQ(f.avx512vnni, has("avx512_vnni"));
}
#endif

#if defined(__aarch64__) && defined(__linux__)
// NEON is architectural on aarch64; dotprod (SDOT/UDOT, for the int8 kernels) is what the
// kernel reports in the hwcaps (qemu-aarch64 reports its emulated CPU's).
TEST(CpuFeatures, Aarch64HasNeonAndReportsDotprodFromHwcaps) {
  const CpuFeatures& f = cpu_features();
  EXPECT_TRUE(f.neon);
  EXPECT_EQ(f.dotprod, (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0);
  EXPECT_FALSE(f.avx2 || f.avx512f);
  EXPECT_EQ(detected_isa(), Isa::kNeon);
  EXPECT_EQ(min_isa(detected_isa(), Isa::kAvx512), Isa::kPortable) << "an x86 cap on ARM falls back to portable";
}
#endif

}  // namespace
}  // namespace wisp
