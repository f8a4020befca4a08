// implicit_rejection.cpp - see implicit_rejection.h.
//
// The mask helpers follow BoringSSL's constant_time_* functions (crypto/internal.h): every
// condition becomes an all-zeros / all-ones word, and the value barrier keeps the compiler from
// turning a mask back into a branch.
#include "core/implicit_rejection.h"

namespace opensslp {
namespace {

using Word = std::uint64_t;  // wide enough for a size_t and a 32-bit status on every target

inline Word ValueBarrier(Word v) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __asm__("" : "+r"(v) : /* no inputs */);
#endif
  return v;
}

// All ones if the top bit of `a` is set, else 0.
inline Word MaskFromMsb(Word a) noexcept { return ValueBarrier(Word{0} - (a >> (8 * sizeof(Word) - 1))); }

// All ones if a == 0 (BoringSSL constant_time_is_zero_w: ~a & (a - 1) has its top bit set only
// for a == 0).
inline Word IsZeroMask(Word a) noexcept { return MaskFromMsb(~a & (a - 1)); }

inline Word EqMask(Word a, Word b) noexcept { return IsZeroMask(a ^ b); }

}  // namespace

Result<SecretArray<kTlsPremasterLength>> SelectTlsPremaster(std::uint32_t decrypt_status, Bytes decrypted,
                                                            std::size_t decrypted_len, std::uint16_t client_version,
                                                            const SecretArray<kTlsPremasterLength>& random) {
  ENSURE(decrypted.size() >= kTlsPremasterLength, Error::kInternal);  // public: the buffer size
  Word good = IsZeroMask(decrypt_status);
  good &= EqMask(decrypted_len, kTlsPremasterLength);
  good &= EqMask(decrypted[0], client_version >> 8);
  good &= EqMask(decrypted[1], client_version & 0xFF);
  SecretArray<kTlsPremasterLength> out;
  const auto keep = static_cast<std::uint8_t>(good);
  const auto replace = static_cast<std::uint8_t>(~keep);
  for (std::size_t i = 0; i < kTlsPremasterLength; ++i) {
    out.data()[i] = static_cast<std::uint8_t>((decrypted[i] & keep) | (random.data()[i] & replace));
  }
  return out;
}

}  // namespace opensslp
