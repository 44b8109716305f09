# Cross-compiling Wisp for 64-bit ARM Linux with Debian's g++-aarch64-linux-gnu:
#   cmake -S . -B build-aarch64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DWISP_WITH_ONNX=OFF
# (scripts/test_aarch64.sh does this and runs the tests). Libraries and headers are looked
# up only in the aarch64 sysroot, so nothing built for the host (protobuf, Google Benchmark,
# libgtest) is picked up by mistake; googletest is built from /usr/src/googletest instead.
# Test binaries run through qemu-aarch64 (CMAKE_CROSSCOMPILING_EMULATOR, used by ctest).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(WISP_AARCH64_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${WISP_AARCH64_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${WISP_AARCH64_TRIPLE}-g++)

set(CMAKE_FIND_ROOT_PATH /usr/${WISP_AARCH64_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

find_program(WISP_QEMU_AARCH64 qemu-aarch64)
if(WISP_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${WISP_QEMU_AARCH64} -L /usr/${WISP_AARCH64_TRIPLE})
endif()
