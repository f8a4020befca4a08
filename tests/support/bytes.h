// bytes.h - the tests' one byte-string vocabulary: ByteVec (owned), ByteView (borrowed), hex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace opensslp::test {

using ByteVec = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// The bytes of a string (no terminator): TLS labels, "tls13 " prefixes.
inline ByteView AsBytes(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

// a || b || ...
inline ByteVec Concat(std::initializer_list<ByteView> parts) {
  ByteVec out;
  for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Lower-case hex, two digits a byte.
inline std::string Hex(ByteView bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(2 * bytes.size());
  for (std::uint8_t b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

// Hex (either case) to bytes; empty for an odd length or a non-hex digit.
inline ByteVec FromHex(std::string_view s) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  ByteVec out;
  if (s.size() % 2 != 0) return out;
  out.reserve(s.size() / 2);
  for (std::size_t i = 0; i < s.size(); i += 2) {
    const int hi = nibble(s[i]), lo = nibble(s[i + 1]);
    if (hi < 0 || lo < 0) return {};
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return out;
}

}  // namespace opensslp::test
