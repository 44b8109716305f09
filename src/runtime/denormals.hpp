// Flush denormals to zero while a Session runs.
//
// Denormal (subnormal) floats take a microcode assist on x86 (10-100x slower per op) and
// a slow path on many ARM cores. Networks rarely need values below 1e-38, and ONNX Runtime,
// TFLite/XNNPACK and oneDNN all run with denormals flushed to zero; so does Wisp.
// The guard sets, for the calling thread only, MXCSR.FTZ (results) and MXCSR.DAZ (inputs)
// on x86, or FPCR.FZ on AArch64, and restores the caller's mode on destruction, so code
// around run() sees its own floating-point environment unchanged. Threads that run kernels
// for a Session (a thread pool) must hold a guard of their own: the mode is per thread.
// Elsewhere the guard does nothing.
#pragma once
#include <cstdint>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <xmmintrin.h>
#define WISP_DENORMALS_X86 1
#endif

namespace wisp {

class DenormalsFlushedToZero {
 public:
  DenormalsFlushedToZero() {
#if defined(WISP_DENORMALS_X86)
    saved_ = _mm_getcsr();
    _mm_setcsr(saved_ | kFtz | kDaz);
#elif defined(__aarch64__)
    uint64_t fpcr;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
    saved_ = fpcr;
    fpcr |= kFz;
    __asm__ __volatile__("msr fpcr, %0" : : "r"(fpcr));
#endif
  }
  ~DenormalsFlushedToZero() {
#if defined(WISP_DENORMALS_X86)
    _mm_setcsr(static_cast<unsigned>(saved_));
#elif defined(__aarch64__)
    __asm__ __volatile__("msr fpcr, %0" : : "r"(saved_));
#endif
  }
  DenormalsFlushedToZero(const DenormalsFlushedToZero&) = delete;
  DenormalsFlushedToZero& operator=(const DenormalsFlushedToZero&) = delete;

 private:
#if defined(WISP_DENORMALS_X86)
  static constexpr unsigned kFtz = 1u << 15;  // MXCSR flush-to-zero
  static constexpr unsigned kDaz = 1u << 6;   // MXCSR denormals-are-zero
  unsigned saved_ = 0;
#elif defined(__aarch64__)
  static constexpr uint64_t kFz = uint64_t{1} << 24;  // FPCR flush-to-zero
  uint64_t saved_ = 0;
#endif
};

}  // namespace wisp
