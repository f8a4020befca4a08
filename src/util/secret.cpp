#include "util/secret.h"

#include <cstring>

#include "util/constant_time.h"

namespace opensslp {

void SecureWipe(void* data, std::size_t len) noexcept {
  if (data == nullptr || len == 0) return;
#if defined(__GNUC__) || defined(__clang__)
  // memset followed by an empty asm statement that takes the pointer and clobbers memory: the
  // compiler must assume the asm reads the zeroed bytes, so it cannot drop the memset as a dead
  // store (BoringSSL's OPENSSL_cleanse does exactly this). memset runs word- / vector-wise, where
  // the former volatile byte loop cost one store per byte (bench/README.md: 6.5 % of
  // SslGenerateSessionKeys). util/ may not include OpenSSL, and explicit_bzero is not on every
  // target (mingw).
  std::memset(data, 0, len);
  __asm__ __volatile__("" : : "r"(data) : "memory");
#else
  // Other compilers: volatile stores, which the optimiser may not remove.
  volatile std::uint8_t* p = static_cast<volatile std::uint8_t*>(data);
  for (std::size_t i = 0; i < len; ++i) p[i] = 0;
#endif
}

bool ConstantTimeEqual(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  if (a.size() != b.size()) return false;
  volatile std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff = diff | static_cast<std::uint8_t>(a[i] ^ b[i]);
  // Only the verdict is public: not where or how the inputs differ.
  bool equal = diff == 0;
  CtDeclassify(&equal, sizeof equal);
  return equal;
}

}  // namespace opensslp
