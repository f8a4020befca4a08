// aead.h - a keyed AEAD cipher context (AES-GCM, ChaCha20-Poly1305) for the record layer.
//
// The context is created once per session key: the algorithm is fetched once per process and the
// key schedule is run at creation. Seal/Open then only set the per-record nonce, so the
// per-record path fetches no algorithm and allocates nothing (docs/tls12.md). A context is not
// thread-safe; its owner serialises calls.
//
// Only src/ossl/ includes OpenSSL headers: the EVP_CIPHER_CTX lives behind an opaque pointer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/algorithms.h"
#include "util/bytes.h"
#include "util/status.h"

namespace opensslp::ossl {

inline constexpr std::size_t kAeadNonceLength = 12;  // RFC 5116 §3.2 N_MIN for both algorithms
inline constexpr std::size_t kAeadTagLength = 16;

class AeadContext {
 public:
  enum class Direction : std::uint8_t { kSeal, kOpen };

  // Creates a context for `cipher` (kAes128Gcm, kAes256Gcm or kChaCha20Poly1305) keyed with
  // `key`. Wrong key length: kInvalidParameter; CBC: kNotSupported.
  static Result<AeadContext> Create(BulkCipher cipher, Bytes key, Direction direction);

  AeadContext() noexcept = default;
  AeadContext(AeadContext&& other) noexcept;
  AeadContext& operator=(AeadContext&& other) noexcept;
  AeadContext(const AeadContext&) = delete;
  AeadContext& operator=(const AeadContext&) = delete;
  ~AeadContext();

  bool valid() const noexcept { return ctx_ != nullptr; }
  Direction direction() const noexcept { return direction_; }

  // Seal: out = E(in) (out.size() == in.size(); out.data() == in.data() allowed, any other
  // overlap is refused with kBuffersOverlap) and tag = the 16-byte tag over aad and the
  // ciphertext. Needs a kSeal context.
  Status Seal(Bytes nonce, Bytes aad, Bytes in, MutBytes out, MutBytes tag) noexcept;
  // SealWithTrailer: out = E(in ‖ trailer) (out.size() == in.size() + 1; out.data() == in.data()
  // allowed), for TLS 1.3's inner content type byte (RFC 8446 §5.2): the content is encrypted
  // where it lies, without first being copied next to its type byte.
  Status SealWithTrailer(Bytes nonce, Bytes aad, Bytes in, std::uint8_t trailer, MutBytes out, MutBytes tag) noexcept;

  // Open: verifies `tag` and decrypts `in` into `out` (same aliasing rules as Seal). Every
  // authentication failure is kBadRecord, decided by OpenSSL's constant-time tag comparison; on
  // any failure `out` is wiped, so no unauthenticated plaintext is ever left in it. Needs a kOpen
  // context.
  Status Open(Bytes nonce, Bytes aad, Bytes in, Bytes tag, MutBytes out) noexcept;

 private:
  struct Ctx;  // EVP_CIPHER_CTX, kept opaque
  Status Run(Bytes nonce, Bytes aad, Bytes in, MutBytes out) noexcept;
  void Reset() noexcept;

  Ctx* ctx_ = nullptr;
  Direction direction_ = Direction::kSeal;
};

}  // namespace opensslp::ossl
