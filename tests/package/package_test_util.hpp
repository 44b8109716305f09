// Fixed keys and small packages for the package tests (deterministic, so failures repeat).
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "package/package.hpp"

namespace wisp::package::testing {

inline std::array<uint8_t, 32> seed(uint8_t v) {
  std::array<uint8_t, 32> s{};
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<uint8_t>(v + 7 * i);
  return s;
}
inline SigningSecretKey publisher() { return signing_key_from_seed(seed(1)); }
inline SigningSecretKey other_publisher() { return signing_key_from_seed(seed(2)); }
inline BoxSecretKey device() { return box_key_from_seed(seed(3)); }
inline BoxSecretKey other_device() { return box_key_from_seed(seed(4)); }

inline std::vector<uint8_t> payload_bytes(size_t n) {
  std::vector<uint8_t> p(n);
  uint32_t x = 12345;
  for (auto& b : p) b = static_cast<uint8_t>((x = x * 1664525u + 1013904223u) >> 24);
  return p;
}

inline PackOptions base_options() {
  PackOptions o;
  o.name = "demo";
  o.version = "1.2.3";
  o.counter = 7;
  return o;
}

inline OpenOptions open_options() {
  OpenOptions o;
  o.trusted = {publisher().public_key()};
  o.device_key = device();
  return o;
}

}  // namespace wisp::package::testing
