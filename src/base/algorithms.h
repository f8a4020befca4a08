// algorithms.h - the algorithm vocabulary both the protocol side (core/, record/) and the OpenSSL
// adapter (ossl/) speak: one hash enum, the bulk ciphers, their modes and the record MACs.
//
// base/ holds facts, not logic: no OpenSSL, no Windows types, nothing that can fail. Every module
// names a hash with HashAlg (the TLS PRF, HKDF, transcripts, signatures, digests); a module that
// accepts only some of them (the PRF takes MD5-SHA1, SHA-256 and SHA-384) checks that itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace opensslp {

// Hash algorithms. kMd5Sha1 is the 36-byte MD5 ‖ SHA-1 concatenation of TLS 1.0/1.1 (the PRF's
// P_MD5 xor P_SHA1 construction, RFC 2246 §5, and the TLS 1.0/1.1 transcript and RSA signature
// input, RFC 2246 §7.4.8); the others are the plain digests. MD5 exists only as half of kMd5Sha1
// and for signature-hash lookups by name; SHA-1 and SHA-512 only for client-auth transcripts and
// signatures (never a PRF hash).
enum class HashAlg : std::uint8_t {
  kMd5Sha1,
  kMd5,
  kSha1,
  kSha256,
  kSha384,
  kSha512,
};
inline constexpr std::size_t kHashAlgCount = 6;

// Digest length in bytes: 36, 16, 20, 32, 48, 64.
inline constexpr std::size_t HashLength(HashAlg hash) noexcept {
  switch (hash) {
    case HashAlg::kMd5Sha1: return 36;
    case HashAlg::kMd5: return 16;
    case HashAlg::kSha1: return 20;
    case HashAlg::kSha256: return 32;
    case HashAlg::kSha384: return 48;
    case HashAlg::kSha512: return 64;
  }
  return 0;
}

// The longest digest any HashAlg produces (SHA-512).
inline constexpr std::size_t kMaxHashLength = 64;

// True for the hashes a TLS 1.0-1.2 PRF can use (and TLS 1.3's HKDF, for SHA-256/384).
inline constexpr bool IsPrfHash(HashAlg hash) noexcept {
  return hash == HashAlg::kMd5Sha1 || hash == HashAlg::kSha256 || hash == HashAlg::kSha384;
}

// The CNG algorithm id of a hash (bcrypt.h BCRYPT_*_ALGORITHM), ASCII: "MD5", "SHA1", "SHA256",
// "SHA384", "SHA512"; "" for MD5-SHA1, which CNG has no id for.
inline constexpr std::string_view HashCngName(HashAlg hash) noexcept {
  switch (hash) {
    case HashAlg::kMd5Sha1: return "";
    case HashAlg::kMd5: return "MD5";
    case HashAlg::kSha1: return "SHA1";
    case HashAlg::kSha256: return "SHA256";
    case HashAlg::kSha384: return "SHA384";
    case HashAlg::kSha512: return "SHA512";
  }
  return "";
}

// Bulk ciphers of the cipher suites opensslp implements.
enum class BulkCipher : std::uint8_t {
  kAes128Gcm,
  kAes256Gcm,
  kAes128Cbc,
  kAes256Cbc,
  kChaCha20Poly1305,
};

enum class CipherMode : std::uint8_t { kGcm, kCbc, kChaCha20Poly1305 };

// The record MAC: an HMAC for CBC suites (RFC 5246 §6.2.3.1), or none where an AEAD's tag
// authenticates the record.
enum class MacAlgorithm : std::uint8_t {
  kAead,  // integrity comes from the AEAD tag
  kHmacSha1,
  kHmacSha256,
  kHmacSha384,
};

inline constexpr CipherMode ModeOf(BulkCipher c) noexcept {
  switch (c) {
    case BulkCipher::kAes128Gcm:
    case BulkCipher::kAes256Gcm: return CipherMode::kGcm;
    case BulkCipher::kAes128Cbc:
    case BulkCipher::kAes256Cbc: return CipherMode::kCbc;
    case BulkCipher::kChaCha20Poly1305: return CipherMode::kChaCha20Poly1305;
  }
  return CipherMode::kCbc;
}

// Bulk cipher key bytes.
inline constexpr std::uint8_t CipherKeyLength(BulkCipher c) noexcept {
  return (c == BulkCipher::kAes128Gcm || c == BulkCipher::kAes128Cbc) ? 16 : 32;
}
// Cipher block size in bytes; 1 for the ChaCha20 stream cipher.
inline constexpr std::uint8_t CipherBlockLength(BulkCipher c) noexcept {
  return c == BulkCipher::kChaCha20Poly1305 ? 1 : 16;
}
// HMAC output (= key) bytes, 0 for AEAD (RFC 5246 §6.2.3.1, RFC 2104).
inline constexpr std::uint8_t MacLength(MacAlgorithm m) noexcept {
  switch (m) {
    case MacAlgorithm::kAead: return 0;
    case MacAlgorithm::kHmacSha1: return 20;
    case MacAlgorithm::kHmacSha256: return 32;
    case MacAlgorithm::kHmacSha384: return 48;
  }
  return 0;
}
// The hash of a record HMAC (kAead has none; callers check IsAead first).
inline constexpr HashAlg MacHash(MacAlgorithm m) noexcept {
  switch (m) {
    case MacAlgorithm::kHmacSha1: return HashAlg::kSha1;
    case MacAlgorithm::kHmacSha256: return HashAlg::kSha256;
    case MacAlgorithm::kHmacSha384: return HashAlg::kSha384;
    case MacAlgorithm::kAead: break;
  }
  return HashAlg::kSha256;
}

}  // namespace opensslp
