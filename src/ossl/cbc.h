// cbc.h - AES-CBC with HMAC-SHA1/256/384, MAC-then-encrypt as TLS 1.0-1.2 use it (RFC 5246
// §6.2.3.2, RFC 2246 §6.2.3.2, RFC 4346 §6.2.3.2), with a constant-time decryption.
//
// Why not OpenSSL 3's TLS-aware CBC mode ("tls-version" / "tls-mac-size" cipher parameters)?
// In 3.0 its padding removal (ssl/record/tls_pad.c, ssl3_cbc_copy_mac) OPENSSL_malloc()s a copy of
// the MAC and draws RAND_bytes for every record, and it leaves the Lucky13-safe MAC computation to
// the caller (libssl's ssl3_cbc_digest_record is internal). The record layer promises no per-record
// allocation, so this module does the whole check itself, the way libssl and BoringSSL do:
//   1. padding check over the last 256 bytes with masks (no branch on secret data);
//   2. MAC extraction with a constant-time rotation;
//   3. the HMAC over seq ‖ type ‖ version ‖ length ‖ data computed with the same number of hash
//      compression calls whatever the (secret) data length, by running the compression function
//      over every block a record of that size could need and selecting the right state with
//      masks (Langley's construction, as in libssl's ssl3_cbc_digest_record);
//   4. one verdict, CRYPTO_memcmp for the MAC, one error (kBadRecord).
// The compression functions are OpenSSL's SHA1/SHA256/SHA512_Transform (deprecated in 3.0, still
// built by default and the only zero-allocation access to them).
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/algorithms.h"
#include "util/bytes.h"
#include "util/status.h"

namespace opensslp::ossl {

inline constexpr std::size_t kCbcBlockLength = 16;

class CbcHmacContext {
 public:
  enum class Direction : std::uint8_t { kSeal, kOpen };

  // `cipher` kAes128Cbc / kAes256Cbc, `mac` kHmacSha1/256/384; key lengths must match the suite.
  static Result<CbcHmacContext> Create(BulkCipher cipher, MacAlgorithm mac, Bytes enc_key, Bytes mac_key,
                                       Direction direction);

  CbcHmacContext() noexcept = default;
  CbcHmacContext(CbcHmacContext&& other) noexcept;
  CbcHmacContext& operator=(CbcHmacContext&& other) noexcept;
  CbcHmacContext(const CbcHmacContext&) = delete;
  CbcHmacContext& operator=(const CbcHmacContext&) = delete;
  ~CbcHmacContext();

  std::size_t mac_length() const noexcept { return mac_len_; }

  // Bytes of data ‖ MAC ‖ minimal padding for `data_len` bytes of data.
  std::size_t PaddedLength(std::size_t data_len) const noexcept {
    return (data_len + mac_len_ + 1 + kCbcBlockLength - 1) / kCbcBlockLength * kCbcBlockLength;
  }

  // Seal in place: buf[0..data_len) holds the data; appends the MAC over mac_header(13) ‖ data and
  // the padding, then CBC-encrypts buf[0..PaddedLength(data_len)) with `iv`.
  Status Seal(const std::uint8_t* mac_header, std::uint8_t* buf, std::size_t data_len, const std::uint8_t* iv) noexcept;

  // Open: CBC-decrypts `ct` (a multiple of 16 bytes, at least PaddedLength(0)) with `iv` into
  // `scratch` (at least ct.size() bytes), then checks padding and MAC in constant time. The MAC
  // header is header11 (seq ‖ type ‖ version) ‖ the data length. Returns the data length (the data
  // is scratch[0..len)); every failure is kBadRecord.
  Result<std::size_t> Open(const std::uint8_t* header11, Bytes ct, const std::uint8_t* iv, MutBytes scratch) noexcept;

 private:
  struct Impl;
  Impl* impl_ = nullptr;
  std::size_t mac_len_ = 0;
};

}  // namespace opensslp::ossl
