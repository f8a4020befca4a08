// signing.h - RSA and ECDSA signatures over precomputed digests, on OpenSSL EVP_PKEY keys.
//
// The vocabulary (HashAlg, SigPadding, SignatureSpec, KeyInfo) is plain data so that core/ and the
// Windows key-storage-provider backend (src/win/) can share it without seeing OpenSSL. Every
// function here works on a digest that the caller has already computed: nothing is hashed here.
//
// Signature encodings (docs/key-store.md, "Signature formats"):
//   RSA    the k-byte big-endian signature (k = modulus length in bytes), as RFC 8017 §8 defines;
//   ECDSA  raw r || s, each padded to the curve's coordinate size (IEEE P1363 / CNG's native form,
//          what NCryptSignHash produces). DER-encoded ECDSA signatures are not accepted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "base/algorithms.h"
#include "ossl/pkey.h"
#include "util/bytes.h"
#include "util/status.h"

namespace opensslp::ossl {

// HashAlg, HashLength and HashCngName are base/algorithms.h's.

enum class SigPadding : std::uint8_t {
  kPkcs1NoDigestInfo,  // RSA PKCS#1 v1.5 type 1 over the raw input (TLS 1.0/1.1 MD5||SHA1)
  kPkcs1,              // RSA PKCS#1 v1.5 with the DigestInfo of `hash` (RFC 8017 §9.2)
  kPss,                // RSA-PSS, MGF1 with `hash`, salt length = hash length (RFC 8446 §4.2.3)
  kEcdsa,              // ECDSA over the raw digest, raw r||s output
};

struct SignatureSpec {
  SigPadding padding = SigPadding::kEcdsa;
  HashAlg hash = HashAlg::kSha256;  // ignored for kPkcs1NoDigestInfo and kEcdsa
};

enum class KeyFamily : std::uint8_t { kRsa, kEc };

// What the signature code needs to know about a key. Only RSA keys of 1024 to 16384 bits and EC
// keys on the NIST curves of base/groups.h (P-256, P-384, P-521) are described; every other key
// is Error::kNotSupported. The EC facts (IANA group, field bits, coordinate size) come from that
// table.
struct KeyInfo {
  KeyFamily family = KeyFamily::kRsa;
  std::uint32_t bits = 0;          // modulus bits (RSA) or field bits (EC: 256, 384, 521)
  std::uint32_t group = 0;         // IANA NamedGroup for EC (23, 24, 25), 0 for RSA
  std::size_t signature_size = 0;  // RSA: modulus bytes; ECDSA: 2 * coordinate bytes
};

// Describes an RSA (1024..16384 bits) or EC (P-256/384/521) key; kNotSupported for anything else.
Result<KeyInfo> InspectKey(const PKey& key);

// True if the key holds private material (a public-only key cannot sign).
bool HasPrivateKey(const PKey& key);

// True if both keys have the same public component (EVP_PKEY_eq).
bool SamePublicKey(const PKey& a, const PKey& b);

// True if the key's private part belongs to its public part (for EC, EVP_PKEY_pairwise_check
// recomputes the public point from the scalar; for two-prime RSA, n = pq, the exponents and CRT
// values agree and (2^e)^d = 2 mod n -- OpenSSL's check without its 41 ms prime tests, see
// signing.cpp). A key file carries both halves, and SamePublicKey compares only the public one: a
// damaged or forged private half would otherwise sign with a key no peer can verify.
bool KeyPairConsistent(const PKey& key);

// Signs `digest` with a private key. The caller has checked the digest length for the scheme.
// Returns exactly info.signature_size bytes.
Result<std::vector<std::uint8_t>> SignDigest(const PKey& key, const KeyInfo& info, SignatureSpec spec, Bytes digest);

// Verifies `signature` over `digest`. Any signature that does not verify, including one of the
// wrong length or (ECDSA) with r or s out of range, is Error::kBadSignature.
Status VerifyDigest(const PKey& key, const KeyInfo& info, SignatureSpec spec, Bytes digest, Bytes signature);

}  // namespace opensslp::ossl
