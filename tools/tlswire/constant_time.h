// constant_time.h - the driver's comparison of Finished verify_data (RFC 5246 §7.4.9, RFC 8446
// §4.4.4) and PSK binders (RFC 8446 §4.2.11.2): both are MACs, so the comparison must not stop at
// the first differing byte (that would let a peer learn the expected value a byte at a time). The
// one copy the driver uses, checked under Valgrind's memcheck by tests/ct (docs/constant-time.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace opensslp::tlswire {

// True if a and b are equal. The time depends on the lengths only (which are public: both are
// fixed by the negotiated hash). The accumulator goes through an empty asm statement so the
// compiler cannot turn the loop into an early exit once a difference is seen.
inline bool ConstantTimeEqual(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  if (a.size() != b.size()) return false;
  std::uint32_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<std::uint32_t>(a[i] ^ b[i]);
#if defined(__GNUC__) || defined(__clang__)
    __asm__("" : "+r"(diff));
#endif
  }
  return diff == 0;
}

}  // namespace opensslp::tlswire
