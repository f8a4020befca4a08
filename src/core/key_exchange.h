// key_exchange.h - ephemeral (EC)DHE key pairs (SslCreateEphemeralKey) and the raw (EC)DH shared
// secret between one of them and a peer's public key (for SslGenerateMasterKey and the
// TLS 1.3 handshake secret).
//
// Groups (base/groups.h): P-256, P-384, P-521, X25519, X448 by IANA id; finite-field DH with the
// RFC 7919 groups ffdhe2048..8192 or with caller-supplied p and g.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include "base/groups.h"
#include "core/keys.h"
#include "util/bytes.h"
#include "util/secret.h"
#include "util/status.h"

namespace opensslp {

// The arguments of SslCreateEphemeralKey, minus the handles.
struct EphemeralKeyRequest {
  std::uint32_t protocol = 0;      // 0x0301..0x0304, else kNotSupported
  std::uint32_t cipher_suite = 0;  // recorded only (see CreateEphemeralKey)
  std::uint32_t key_type = 0;      // IANA NamedGroup, or 0
  std::uint32_t key_bits = 0;      // 0, or the group's size
  Bytes params;                    // BCRYPT_DH_PARAMETERS layout (DHE with explicit p, g), or empty
};

// Creates a key pair on the group the request names (the cipher suite is recorded; whether it
// fits the group is CheckSuiteFitsRequest's job, which SslCreateEphemeralKey calls first):
//
//   key_type 23/24/25/29/30  ECDHE on that curve. params must be empty (kInvalidParameter).
//                            key_bits: 0, or the curve size 256/384/521/255/448 (X25519 also
//                            accepts 256, its byte length in bits); else kInvalidParameter.
//   key_type 256..260        DHE on that RFC 7919 group; params must be empty; key_bits 0 or
//                            the group's size.
//   key_type 0 with params   DHE on the caller's p and g: BCRYPT_DH_PARAMETER_HEADER{cbLength,
//                            dwMagic = BCRYPT_DH_PARAMETERS_MAGIC, cbKeyLength} || p || g, each
//                            cbKeyLength bytes big-endian, cbLength == total length. Malformed
//                            (length, magic, p with a leading zero byte, p even, g not in
//                            (1, p-1)) -> kInvalidParameter. A p outside 2048..8192 bits ->
//                            kNotSupported (Logjam, RFC 7919 §1: we refuse weak groups rather
//                            than negotiate them). key_bits 0 or bits(p).
//   key_type 0, no params    DHE on an RFC 7919 group chosen by key_bits: 0 -> ffdhe2048, or
//                            exactly 2048/3072/4096/6144/8192. key_bits 1..2047 ->
//                            kNotSupported (weak), any other value kInvalidParameter.
//   any other key_type       kNotSupported (e.g. 22 secp256k1, 0xFFFF).
Result<std::shared_ptr<EphemeralKey>> CreateEphemeralKey(const EphemeralKeyRequest& request);

// Checks the request's cipher suite against the catalog (core/cipher_suites.h) and against the
// kind of key the request asks for:
//   - the suite must be one opensslp offers, valid for `protocol`: else kNotSupported;
//   - ECDHE suites need an EC/X group (key_type 23/24/25/29/30), DHE suites a finite-field group
//     (key_type 256..260, or 0 with or without explicit p and g), TLS 1.3 suites accept either
//     (the group comes from key_share, RFC 8446 §4.2.8, so key_type must not be 0); RSA key-transport and PSK suites
//     have no ephemeral key at all: kInvalidParameter for a mismatch.
// An unknown key_type is left to CreateEphemeralKey (kNotSupported).
Status CheckSuiteFitsRequest(const EphemeralKeyRequest& request);

// What SslGetKeyProperty reports for a key on a named group: {"ECDH", curve bits, IANA id} for the
// NIST curves and X25519/X448, {"DH", bits(p), 0} for ffdhe
// (our choice for the KEYTYPE property, by analogy with dwKeyType, which is 0 for non-ECC keys:
// docs/reference/types-and-constants.md#keytype-property).
KeyDescription DescribeGroupKey(const GroupInfo& group);

// The group of an EC/X key from its description (nullptr for DH and RSA keys).
const GroupInfo* EcGroupOf(const KeyDescription& description);

// The raw (EC)DH shared secret of `mine` and `peer`, fixed length:
//   ECDH (NIST)  the x-coordinate, coordinate_bytes long (RFC 8422 §5.10; RFC 8446 §7.4.2);
//   X25519/X448  the 32/56-byte output (RFC 7748 §6.1); an all-zero result (low-order peer
//                point) is refused with kBadKey;
//   DH           Z = y^x mod p left-padded to the byte length of p -- exactly the TLS 1.3 form
//                (RFC 8446 §7.4.1). TLS 1.2 and earlier strip the leading zero bytes instead
//                (RFC 5246 §8.1.2): use ComputeTlsPremasterSecret or StripLeadingZeros.
// Both keys must belong to the same group (same curve, or same p and g) and the peer must be a
// key-agreement key (an ECDSA-tagged or RSA public key is refused): kBadKey otherwise.
Result<SecretBytes> ComputeSharedSecret(const EphemeralKey& mine, const PublicKey& peer);

// RFC 5246 §8.1.2: "Leading bytes of Z that contain all zero bits are stripped before it is used
// as the pre_master_secret." Returns the secret without its leading zero bytes.
SecretBytes StripLeadingZeros(SecretBytes secret);

// The (EC)DHE pre-master / shared secret as `protocol` uses it: for DH keys and protocol <= TLS
// 1.2 (0x0303) the leading zeros are stripped (RFC 5246 §8.1.2), for TLS 1.3 the length of p is
// kept (RFC 8446 §7.4.1); EC/X secrets are always fixed length (RFC 8422 §5.10).
Result<SecretBytes> ComputeTlsPremasterSecret(const EphemeralKey& mine, const PublicKey& peer, std::uint32_t protocol);

// RFC 5246 §8.1.2 strips the leading zero bytes of a DH Z before it becomes the pre-master
// secret, so the time the PRF takes depends on Z; with a DH key reused across handshakes that
// timing leaks Z bit by bit (the Raccoon attack, Merget et al. 2020, raccoon-attack.com). A DHE
// key therefore derives at most ONE TLS pre-master secret: SslGenerateMasterKey claims it before
// the agreement and a second use is kBadKeyState (NTE_BAD_KEY_STATE).
//
// ECDHE keys (NIST curves, X25519, X448) are NOT single-use: their shared secret has a fixed
// length (RFC 8422 §5.10, RFC 7748 §6), so the Raccoon timing does not exist, and peer points are
// validated on import (no invalid-curve leak). Reusing an ECDHE key costs forward secrecy between
// the connections that share it, which is the caller's (Schannel's) choice; refusing it would
// turn an undocumented Schannel habit (caching ephemeral keys, reported for older Windows) into
// handshake failures on the most common suites. See docs/keys.md.
//
// The claim is a scoped object: Commit() keeps the key used; destroying an uncommitted claim (a
// failed call) releases it, so a failure changes no state. Two calls racing for one DH key: one
// wins, the other gets kBadKeyState.
class EphemeralKeyUse {
 public:
  // Claims `key` for one pre-master secret. ECDHE keys are never claimed (always succeeds);
  // DH keys: kBadKeyState if already used or claimed.
  static Result<EphemeralKeyUse> Claim(const EphemeralKey& key);
  // True for the keys the single-use rule applies to (finite-field DH).
  static bool IsSingleUse(const EphemeralKey& key);

  EphemeralKeyUse(EphemeralKeyUse&& other) noexcept : key_(std::exchange(other.key_, nullptr)) {}
  EphemeralKeyUse& operator=(EphemeralKeyUse&&) = delete;
  EphemeralKeyUse(const EphemeralKeyUse&) = delete;
  EphemeralKeyUse& operator=(const EphemeralKeyUse&) = delete;
  ~EphemeralKeyUse() {
    if (key_ != nullptr) key_->ReleasePremasterUse();
  }
  // The pre-master secret was derived and handed out: the key stays used.
  void Commit() noexcept { key_ = nullptr; }

 private:
  explicit EphemeralKeyUse(const EphemeralKey* key) noexcept : key_(key) {}
  const EphemeralKey* key_;  // the claimed DH key, nullptr for ECDHE or after Commit
};

// Test support: an EphemeralKey on an EC/X group with a given private key (see
// ossl::KeyFromPrivateForTesting). Never reachable from the exported API.
Result<std::shared_ptr<EphemeralKey>> EphemeralKeyFromPrivateForTesting(const GroupInfo& group, Bytes private_key);

}  // namespace opensslp
