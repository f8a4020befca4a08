#include "util/secret.h"

namespace opensslp {

void SecureWipe(void* data, std::size_t len) noexcept {
  if (data == nullptr || len == 0) return;
  // Volatile stores plus a compiler barrier: the same technique as OPENSSL_cleanse's generic
  // fallback. util/ may not include OpenSSL, and explicit_bzero is not on every target.
  volatile std::uint8_t* p = static_cast<volatile std::uint8_t*>(data);
  for (std::size_t i = 0; i < len; ++i) p[i] = 0;
#if defined(__GNUC__) || defined(__clang__)
  __asm__ __volatile__("" : : "r"(data) : "memory");
#endif
}

bool ConstantTimeEqual(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  if (a.size() != b.size()) return false;
  volatile std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff = diff | static_cast<std::uint8_t>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace opensslp
