// bytes.h - byte spans, big-endian load/store and small string helpers shared by every layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace opensslp {

using Bytes = std::span<const std::uint8_t>;
using MutBytes = std::span<std::uint8_t>;

inline std::uint16_t LoadBe16(const std::uint8_t* p) noexcept { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
inline std::uint32_t LoadBe32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
// CNG structures (BCRYPT_*_BLOB headers) are little-endian ULONGs on every Windows target; they
// are read byte by byte from caller buffers, which need not be aligned.
inline std::uint32_t LoadLe32(const std::uint8_t* p) noexcept {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
}
inline void StoreLe32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
  p[2] = static_cast<std::uint8_t>(v >> 16);
  p[3] = static_cast<std::uint8_t>(v >> 24);
}
inline void StoreBe16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void StoreBe32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}
inline void StoreBe64(std::uint8_t* p, std::uint64_t v) noexcept {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<std::uint8_t>(v);
    v >>= 8;
  }
}

// True when [a, a+a_len) and [b, b+b_len) share at least one byte.
inline bool RangesOverlap(const void* a, std::size_t a_len, const void* b, std::size_t b_len) noexcept {
  if (a_len == 0 || b_len == 0) return false;
  auto pa = reinterpret_cast<std::uintptr_t>(a);
  auto pb = reinterpret_cast<std::uintptr_t>(b);
  return pa < pb + b_len && pb < pa + a_len;
}

// UTF-16 <-> ASCII for the catalog's and properties' names (all of which are ASCII).
std::u16string AsciiToUtf16(std::string_view ascii);
std::string Utf16ToAscii(std::u16string_view utf16);  // non-ASCII code units become '?'

// UTF-8 -> UTF-16 for text that may hold any character (file paths); each invalid sequence
// becomes U+FFFD.
std::u16string Utf8ToUtf16(std::string_view utf8);

}  // namespace opensslp
