// key_agreement.h - (EC)DH key pairs, public keys and the raw shared-secret computation on OpenSSL
// EVP_PKEY keys: NIST curves P-256/384/521, X25519/X448 (RFC 7748), finite-field DH (RFC 7919
// ffdhe groups or caller-supplied p and g) and RSA public keys (for key transport and signature
// verification; the signature code lives in ossl/signing.h).
//
// Nothing here parses Windows blobs: core/key_blobs.cpp does that and hands the numbers in as
// big-endian byte strings. Every function that rejects its input leaves this thread's OpenSSL
// error queue empty, so a refused key never leaks an error into the next caller.
//
// Error convention: a value that is not an acceptable key (point not on the curve, y out of range
// or in a small subgroup, even modulus, ...) is Error::kBadData; an agreement that OpenSSL refuses
// (mismatched domain, an all-zero X25519/X448 result) is Error::kBadKey; anything else kInternal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/groups.h"
#include "ossl/pkey.h"
#include "util/bytes.h"
#include "util/secret.h"
#include "util/status.h"

namespace opensslp::ossl {

// ---- Key generation ---------------------------------------------------------------------------

// A fresh key pair on a named group of base/groups.h: a NIST curve, X25519/X448 or an RFC 7919
// ffdhe group (OpenSSL then knows q = (p-1)/2 and uses a short private exponent, RFC 7919 §5.2).
Result<PKey> GenerateGroupKey(const GroupInfo& group);

// Domain-parameter sanity for caller-supplied DH parameters (big-endian, no leading zero byte on
// p): 2048 <= bits(p) <= 8192, p odd, 1 < g < p-1. kBadData when violated. Primality of p is NOT
// tested (a full test of an 8192-bit p costs seconds per handshake); p is the server's choice
// and the peer's public value is still range-checked.
Status CheckDhDomain(Bytes p, Bytes g);

// Number of significant bits of a big-endian unsigned integer.
std::uint32_t BigEndianBits(Bytes value) noexcept;

// A fresh DH key pair for caller-supplied p and g (validate with CheckDhDomain first). When (p, g)
// is an RFC 7919 group OpenSSL recognises it and behaves as for GenerateGroupKey; otherwise the
// private exponent has bits(p)-1 bits (no q is known).
Result<PKey> GenerateDhKey(Bytes p, Bytes g);

// ---- Public keys from their encodings ---------------------------------------------------------

// NIST curve public key from the SEC 1 uncompressed point 04 || X || Y (exactly
// 1 + 2 * coordinate_bytes). kBadData unless the point is on the curve and not infinity
// (EVP_PKEY_public_check: on-curve and n*Q = O; the NIST curves have cofactor 1).
Result<PKey> EcPublicKeyFromPoint(const GroupInfo& group, Bytes uncompressed_point);

// X25519/X448 public key from the raw u-coordinate (exactly 32/56 bytes). RFC 7748 §5: every
// 32/56-byte string is accepted; for X25519 the most significant bit of the last byte is masked
// (cleared) here, as §5 requires, so that the stored and re-exported key is the value actually
// used. Low-order points are NOT refused here: they surface at agreement time, where OpenSSL
// rejects the all-zero shared secret (RFC 7748 §6.1) with Error::kBadKey.
Result<PKey> XPublicKeyFromBytes(const GroupInfo& group, Bytes u);

// DH public key y for the domain (p, g) (all big-endian; check the domain with CheckDhDomain).
// kBadData unless 1 < y < p-1 and, when (p, g) is one of the RFC 7919 groups (whose q = (p-1)/2
// OpenSSL then knows), y^q = 1 mod p (RFC 7919 §5.1). For other p no subgroup test is possible.
Result<PKey> DhPublicKeyFromValues(Bytes p, Bytes g, Bytes y);

// RSA public key from big-endian modulus and exponent. Only builds the key; the size/parity
// policy is core/key_blobs.cpp's.
Result<PKey> RsaPublicKeyFromValues(Bytes modulus, Bytes exponent);

// ---- Public keys to their encodings -----------------------------------------------------------

// The uncompressed point 04 || X || Y of an EC key on `group`.
Result<std::vector<std::uint8_t>> EcPublicPoint(const PKey& key, const GroupInfo& group);

// The raw public key of an X25519/X448 key.
Result<std::vector<std::uint8_t>> XPublicBytes(const PKey& key, const GroupInfo& group);

struct DhPublicParts {
  std::vector<std::uint8_t> p, g, y;  // big-endian, each left-padded to the byte length of p
  std::uint32_t p_bits = 0;
};
Result<DhPublicParts> DhPublicValues(const PKey& key);

struct RsaPublicParts {
  std::vector<std::uint8_t> modulus, exponent;  // minimal big-endian
  std::uint32_t bits = 0;
};
Result<RsaPublicParts> RsaPublicValues(const PKey& key);

// ---- Agreement --------------------------------------------------------------------------------

// True if both keys are of the same type with equal domain parameters (curve, or p and g).
bool SameDomain(const PKey& a, const PKey& b);

// The raw shared secret, fixed length: ECDH the x-coordinate, field-size bytes (SEC 1 §3.3.1,
// RFC 8422 §5.10); X25519/X448 32/56 bytes (RFC 7748 §6); DH g^xy mod p left-padded to the byte
// length of p (OpenSSL's "pad" mode; RFC 8446 §7.4.1). kBadKey when OpenSSL refuses the pair.
Result<SecretBytes> DeriveSharedSecret(const PKey& mine, const PKey& peer);

// ---- Test support (not reachable from the exported API) ---------------------------------------

// A key pair on `group` (NIST or X25519/X448) built from a raw private key: a big-endian scalar
// (leading zero bytes allowed) for the NIST curves, the raw 32/56-byte string for X25519/X448.
// Used by the Wycheproof tests, which give the private half of "our" side. The NIST scalar is
// handled in secure, wiped BIGNUMs and parameter arrays (no unwiped copy is left on the heap),
// although only test keys ever pass through here.
Result<PKey> KeyFromPrivateForTesting(const GroupInfo& group, Bytes private_key);

}  // namespace opensslp::ossl
