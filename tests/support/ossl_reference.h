// ossl_reference.h - the tests' one independent reference: every expected value a test derives
// with OpenSSL (never with opensslp's own code) comes from here. Depends on OpenSSL, GoogleTest and
// tests/support/bytes.h only -- not on src/ -- so unit, ABI and interop tests can all use it.
//
// Every OpenSSL object is owned by a std::unique_ptr (ossl_test_ptr.h), so nothing leaks when a
// check fails, and what OpenSSL queues meanwhile is quoted in the failure message and popped
// (ERR_set_mark / ERR_pop_to_mark), so test_main's empty-error-queue check still speaks only of
// the code under test. A failed OpenSSL call is reported with ADD_FAILURE and gives an empty result, except
// where noted (DeriveSharedSecret, AeadOpen), whose "no result" is a legitimate answer.
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <optional>
#include <string_view>

#include "support/bytes.h"
#include "support/ossl_test_ptr.h"

namespace opensslp::test {

// ---- digests --------------------------------------------------------------------------------------

// EVP_Digest of `data` with the named algorithm ("MD5", "SHA1", "SHA256", "SHA384", ...).
ByteVec Digest(std::string_view name, ByteView data);

// The TLS 1.0/1.1 transcript digest: MD5 || SHA-1 (RFC 2246 §7.4.9).
ByteVec Md5Sha1Digest(ByteView data);

// ---- TLS 1.0-1.2 PRF (EVP_KDF "TLS1-PRF") --------------------------------------------------------
// `digest` is the PRF's: "MD5-SHA1" for TLS 1.0/1.1 (RFC 2246 §5), "SHA256" or "SHA384" for
// TLS 1.2 (RFC 5246 §5). The secret may be empty.

// PRF(secret, label, seed)[0..n).
ByteVec Tls1Prf(std::string_view digest, ByteView secret, std::string_view label, ByteView seed, std::size_t n);

// master_secret = PRF(pre_master, "master secret", client_random || server_random)[0..48)
// (RFC 5246 §8.1).
ByteVec Tls1MasterSecret(std::string_view digest, ByteView pre_master, ByteView client_random, ByteView server_random);

// RFC 7627 §4: PRF(pre_master, "extended master secret", session_hash)[0..48).
ByteVec Tls1ExtendedMasterSecret(std::string_view digest, ByteView pre_master, ByteView session_hash);

// key_block = PRF(master, "key expansion", server_random || client_random)[0..n) (RFC 5246 §6.3).
// The arguments are in the same client, server order as Tls1MasterSecret; the swap is done here.
ByteVec Tls1KeyBlock(std::string_view digest, ByteView master, ByteView client_random, ByteView server_random,
                     std::size_t n);

// ---- HKDF (RFC 5869, EVP_KDF "HKDF") and the TLS 1.3 key schedule (RFC 8446 §7.1, "TLS13-KDF") ----
// `digest` names the hash: "SHA256", "SHA384".

ByteVec HkdfExtract(std::string_view digest, ByteView salt, ByteView ikm);
ByteVec HkdfExpand(std::string_view digest, ByteView prk, ByteView info, std::size_t n);

// HKDF-Expand-Label(secret, label, context, n), with the "tls13 " prefix added here.
ByteVec HkdfExpandLabel(std::string_view digest, ByteView secret, std::string_view label, ByteView context,
                        std::size_t n);

// Derive-Secret(secret, label, messages) = HKDF-Expand-Label(secret, label, Hash(messages), Hash.length).
ByteVec DeriveSecret(std::string_view digest, ByteView secret, std::string_view label, ByteView messages);

// One extract step of the TLS 1.3 schedule: HKDF-Extract(salt, ikm) where salt is zero for the
// first step (empty `previous`) and Derive-Secret(previous, "derived", "") otherwise; an empty
// `ikm` is Hash.length zero bytes (no PSK, or the master secret's input).
ByteVec Tls13Extract(std::string_view digest, ByteView previous, ByteView ikm);

// ---- key agreement -----------------------------------------------------------------------------------

// EVP_PKEY_derive(mine, peer); `dh_pad` keeps finite-field Z at full width. Empty if OpenSSL
// refuses (no failure is reported: refusal may be the expectation).
ByteVec DeriveSharedSecret(EVP_PKEY* mine, EVP_PKEY* peer, bool dh_pad = false);

// A public key of a named EC group ("P-256", ...) from its encoded point, or of "X25519"/"X448".
PkeyPtr PublicKeyFromEncoded(std::string_view group, ByteView encoded);

// The uncompressed point 0x04 || X || Y of a BCRYPT_ECCPUBLIC_BLOB (8-byte header, then X, Y).
ByteVec PointFromEccPublicBlob(ByteView blob);

// ECDH between an OpenSSL key and an encoded peer point of `group`.
ByteVec EcdhWithPublicPoint(EVP_PKEY* mine, std::string_view group, ByteView point);

// Finite-field DH between `mine` and a peer public value `y` on mine's domain, as TLS 1.2 uses it:
// leading zero bytes stripped (OpenSSL's default; RFC 5246 §8.1.2).
ByteVec DhWithPublicValue(EVP_PKEY* mine, ByteView y);

// ---- RSA PKCS#1 v1.5 --------------------------------------------------------------------------------

ByteVec RsaPkcs1Encrypt(EVP_PKEY* key, ByteView plaintext);
ByteVec RsaPkcs1Decrypt(EVP_PKEY* key, ByteView ciphertext);

// ---- AEAD (AES-GCM, ChaCha20-Poly1305) -------------------------------------------------------------
// `cipher` is an OpenSSL name: "AES-128-GCM", "AES-256-GCM", "ChaCha20-Poly1305". Tags are 16 bytes.

// ciphertext || tag.
ByteVec AeadSeal(std::string_view cipher, ByteView key, ByteView nonce, ByteView aad, ByteView plaintext);

// The plaintext, or nullopt if `sealed` (ciphertext || tag) does not authenticate (not reported as
// a failure: tests check that tampered records are refused).
std::optional<ByteVec> AeadOpen(std::string_view cipher, ByteView key, ByteView nonce, ByteView aad, ByteView sealed);

}  // namespace opensslp::test
