// rsa_transport.h - RSA key transport of the TLS <= 1.2 pre-master secret (RFC 5246 §7.4.7.1):
// PKCS#1 v1.5 encryption to the server's public key (client) and decryption with implicit
// rejection (server).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ossl/pkey.h"
#include "util/bytes.h"
#include "util/secret.h"
#include "util/status.h"

namespace opensslp::ossl {

// TLS's RSA pre-master secret is always 48 bytes: client_version (2) + random (46).
inline constexpr std::size_t kRsaPremasterLength = 48;

// True if `key` is an RSA key (not RSA-PSS, not EC).
bool IsRsaKey(const PKey& key) noexcept;

// Modulus length in bytes of an RSA key (the ciphertext length), 0 for a non-RSA key.
std::size_t RsaModulusBytes(const PKey& key) noexcept;

// RSAES-PKCS1-v1_5 encryption (RFC 8017 §7.2.1) of `plaintext` to an RSA public key. Returns the
// modulus-length ciphertext. kBadKey for a non-RSA key or a modulus too small for the plaintext
// (RFC 8017: mLen <= k - 11), kInternal if OpenSSL fails.
Result<std::vector<std::uint8_t>> RsaPkcs1Encrypt(const PKey& public_key, Bytes plaintext);

// Decrypts a TLS EncryptedPreMasterSecret with an RSA private key, with the countermeasure of
// RFC 5246 §7.4.7.1 in constant time: 48 random bytes are generated first, the ciphertext is
// decrypted without padding into a wiping buffer, the PKCS#1 type 2 padding, the 48-byte length
// and that the first two bytes equal `client_version` are checked with masks, and the decrypted
// value or the random one is selected with masks. (OpenSSL 3's RSA_PKCS1_WITH_TLS_PADDING does the
// same but frees its decryption buffer unwiped in 3.0: docs/soak-and-wipe.md.) Whatever fails, the
// result is a 48-byte secret and NO failure is reported: a ciphertext whose length differs from
// the modulus, or one OpenSSL refuses outright (value >= modulus), gives a fresh random secret too
// (the ciphertext length and range are public, so that branch leaks nothing). The version-rollback
// workaround (libssl's SSL_OP_TLS_ROLLBACK_BUG) is NOT enabled: RFC 5246 §7.4.7.1 says the version
// MUST be ClientHello.client_version.
// Errors: kBadKey if `private_key` is not an RSA private key (a caller bug, not a secret-dependent
// event), kInternal if the RNG fails.
Result<SecretArray<kRsaPremasterLength>> RsaDecryptTlsPremaster(const PKey& private_key, Bytes ciphertext,
                                                                std::uint16_t client_version);

}  // namespace opensslp::ossl
