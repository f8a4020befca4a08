// signatures.h - SslSignHash / SslVerifySignature semantics on our types
// (docs/reference/functions.md#transcript-and-signatures).
//
// The input a caller passes (pbHashValue, dwFlags) is decoded into a signature scheme and a digest:
//   flags 0, RSA key       PKCS#1 v1.5 type 1 over the raw input, no DigestInfo (TLS 1.0/1.1 sign
//                          the 36-byte MD5||SHA1); 1 <= length <= k - 11.
//   INCLUDE_HASHOID, RSA   the input starts with a NUL-terminated UTF-16 CNG hash id ("SHA1",
//                          "SHA256", "SHA384", "SHA512"; ASCII case-insensitive) and the digest
//                          follows; PKCS#1 v1.5 with that hash's DigestInfo (RFC 8017 §9.2).
//                          "MD5" is recognised but refused (kNotSupported, sign and verify alike:
//                          RFC 9155 forbids MD5 signature hashes in TLS 1.2).
//   USE_PSS_PADDING, RSA   RSA-PSS, MGF1 with the same hash, salt length = hash length
//                          (RFC 8446 §4.2.3). INFERENCE: the header does not say how the hash is
//                          named, so we accept both forms: an input of exactly 32, 48 or 64 bytes
//                          is a bare SHA-256/384/512 digest; anything else must carry the same
//                          UTF-16 hash-id prefix as INCLUDE_HASHOID. (A prefixed input is never
//                          32, 48 or 64 bytes long: "SHA256\0" alone is 14 bytes.) PSS allows only
//                          SHA-256/384/512.
//   ECDSA key              flags must be 0; the input is the raw digest (1..64 bytes).
// Errors: unknown flag bits, both flags together, or any flag with an ECDSA key -> kBadFlags;
// empty or oversized input, a malformed (unterminated, empty, odd-length) prefix, or a digest
// whose length does not match its hash -> kInvalidParameter; a well-formed but unknown hash id, or
// a hash the scheme does not allow (MD5 anywhere; MD5 or SHA-1 with PSS) -> kNotSupported.
// The hash value is bounded (kMaxHashValueSize) before a byte of it is read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/private_key.h"
#include "ossl/pkey.h"
#include "ossl/signing.h"
#include "util/bytes.h"
#include "util/status.h"

namespace opensslp {

// The flag values of sslprovider.h (NCRYPT_SSL_SIGN_*), repeated so core/ needs no ABI header.
inline constexpr std::uint32_t kSignIncludeHashOid = 0x00000001;
inline constexpr std::uint32_t kSignUsePssPadding = 0x00000002;

// The longest pbHashValue accepted: a 16384-bit RSA key's raw PKCS#1 input is at most 2037 bytes.
inline constexpr std::size_t kMaxHashValueSize = 4096;

// The longest signature that can verify: a 16384-bit RSA signature (ECDSA P-521 raw r||s is
// 132 bytes). SslVerifySignature refuses longer ones (kBadSignature) before reading them.
inline constexpr std::size_t kMaxSignatureSize = 16384 / 8;

struct SignatureInput {
  ossl::SignatureSpec spec;
  Bytes digest;  // points into the caller's hash value
};

// Decodes (hash_value, flags) for a key described by `info` (rules above).
Result<SignatureInput> ParseSignatureInput(const ossl::KeyInfo& info, Bytes hash_value, std::uint32_t flags);

// Signs with a certificate's private key; the result is key.info().signature_size bytes.
Result<std::vector<std::uint8_t>> SignHash(const PrivateKey& key, const SignatureInput& input);

// Verifies a signature with a public key (of a PublicKey or a PrivateKey object). kBadSignature
// if it does not verify, for whatever reason; kNotSupported for a key that cannot sign (X25519,
// DH, other curves).
Status VerifySignature(const ossl::PKey& public_key, Bytes hash_value, Bytes signature, std::uint32_t flags);

// VerifySignature with the public key of a key object: a PublicKey (SslImportKey) or the
// certificate's public key of a PrivateKey. Any other kind of object is kInvalidHandle.
Status VerifySignatureWithKeyObject(const Object& key, Bytes hash_value, Bytes signature, std::uint32_t flags);

}  // namespace opensslp
