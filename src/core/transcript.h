// transcript.h - the running handshake transcript hash behind an NCRYPT_HASH_HANDLE
// (SslCreateHandshakeHash, SslCreateClientAuthHash;
// docs/reference/functions.md#sslcomputesessionhash,
// docs/reference/functions.md#transcript-and-signatures,
// docs/reference/caller-semantics.md#handshake-hashes).
//
// What is hashed: every handshake message the caller passes to SslHashHandshake, verbatim,
// including its 4-byte header (docs/reference/functions.md#transcript-and-signatures); opensslp
// never parses or reorders them.
//
// Which hash (RFC 2246 §7.4.9 / RFC 4346 §7.4.9, RFC 5246 §7.4.9, RFC 8446 §4.4.1):
//   TLS 1.0 / 1.1   MD5 and SHA-1 side by side; the digest is MD5(m) || SHA-1(m), 36 bytes
//   TLS 1.2         the suite's PRF hash (SHA-256, or SHA-384 for *_SHA384 suites)
//   TLS 1.3         the suite's hash (so the TLS 1.3 key schedule can reuse the object)
//   client auth     (SslCreateClientAuthHash, TLS 1.2 only) the named CNG hash: SHA1, SHA256,
//                   SHA384 or SHA512 (RFC 5246 §7.4.8: CertificateVerify is signed with a hash
//                   from the server's supported_signature_algorithms, not necessarily the PRF hash)
//
// Nothing ever finalises the running hash: every digest is taken from a copy
// (EVP_MD_CTX_copy_ex), so the transcript keeps growing after a session hash, a Finished or a
// CertificateVerify digest (docs/reference/caller-semantics.md#handshake-hashes).
//
// Thread safety: the ABI cannot stop a caller from using one hash handle from several threads at
// once. Every member function takes the object's mutex, so concurrent calls are serialised (their
// order is the caller's problem, memory safety is ours).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "base/algorithms.h"
#include "core/cipher_suites.h"
#include "core/client_random.h"
#include "handles/object.h"
#include "ossl/digest.h"
#include "util/bytes.h"
#include "util/status.h"

namespace opensslp {

// The hash identity of a transcript is a HashAlg (base/algorithms.h): kMd5Sha1 (TLS 1.0/1.1),
// kSha256 / kSha384 (the suite's PRF hash), and kSha1 / kSha512 for client-auth hashes only.
// The PRF hash a transcript algorithm corresponds to (what SslComputeFinishedHash compares with
// the master key's PRF hash): the same value for MD5-SHA1, SHA-256 and SHA-384, nullopt for SHA-1
// and SHA-512, which are never PRF hashes.
inline std::optional<HashAlg> AsPrfHash(HashAlg alg) noexcept {
  return IsPrfHash(alg) ? std::optional<HashAlg>(alg) : std::nullopt;
}

// A digest of the transcript so far. Not secret (it hashes public handshake messages), so it is a
// plain array.
struct TranscriptDigest {
  HashAlg alg = HashAlg::kSha256;
  std::array<std::uint8_t, ossl::kMaxDigestLength> bytes{};
  std::size_t size = 0;
  Bytes view() const noexcept { return Bytes(bytes.data(), size); }
};

enum class TranscriptPurpose : std::uint8_t {
  kHandshake,   // SslCreateHandshakeHash: the protocol's transcript hash
  kClientAuth,  // SslCreateClientAuthHash: an extra TLS 1.2 transcript for CertificateVerify
};

class HandshakeHash final : public Object {
  struct Token {};  // keeps the constructor private while allowing std::make_shared

 public:
  static constexpr ObjectKind kKind = ObjectKind::kHandshakeHash;

  // CreateHandshake - the transcript hash for (protocol, suite), see the table above.
  //   kNotSupported  protocol not TLS 1.0-1.3, or suite unknown / not valid for the protocol
  //                  (LookupCipherSuite)
  static Result<std::shared_ptr<HandshakeHash>> CreateHandshake(std::uint32_t wire_protocol,
                                                                std::uint32_t cipher_suite);

  // CreateClientAuth - an extra TLS 1.2 transcript with the CNG hash `hash_id`, compared
  // ASCII-case-insensitively as CNG compares algorithm ids (util/ascii.h): "SHA1", "SHA256",
  // "SHA384", "SHA512".
  //   kNotSupported      protocol other than TLS 1.2 (TLS 1.0/1.1 sign the handshake hash's
  //                      MD5||SHA-1 or SHA-1; TLS 1.3 CertificateVerify is built from the
  //                      transcript hash by the TLS 1.3 functions), suite not valid for TLS 1.2,
  //                      "MD5" (RFC 9155 forbids MD5 in TLS 1.2 signatures), any other id
  //   kInvalidParameter  empty hash_id
  static Result<std::shared_ptr<HandshakeHash>> CreateClientAuth(std::uint32_t wire_protocol,
                                                                 std::uint32_t cipher_suite,
                                                                 std::u16string_view hash_id);

  HandshakeHash(Token, TranscriptPurpose purpose, ProtocolVersion version, const CipherSuite& suite, HashAlg alg,
                std::vector<ossl::RunningHash> parts);

  TranscriptPurpose purpose() const noexcept { return purpose_; }
  ProtocolVersion version() const noexcept { return version_; }
  const CipherSuite& suite() const noexcept { return *suite_; }
  HashAlg alg() const noexcept { return alg_; }
  std::size_t digest_size() const noexcept { return HashLength(alg_); }

  // Update - appends handshake bytes (empty is a no-op).
  Status Update(Bytes data);

  // CurrentDigest - the digest of everything hashed so far, without consuming the running hash:
  // MD5||SHA-1 (TLS 1.0/1.1), else the single hash; `alg` says which. This is what
  // SslComputeFinishedHash feeds to the PRF (RFC 5246 §7.4.9: Hash(handshake_messages); the
  // caller must check AsPrfHash(alg) against the master key's PRF hash) and what TLS 1.3 uses
  // as Transcript-Hash (RFC 8446 §4.4.1).
  Result<TranscriptDigest> CurrentDigest() const;

  // SessionHash - SslComputeSessionHash: CurrentDigest() after checking the request. For TLS
  // 1.0-1.2 that is RFC 7627 §3's session_hash; for TLS 1.3 the current Transcript-Hash, with which
  // a caller builds HelloRetryRequest's message_hash (RFC 8446 §4.4.1; that Schannel uses the
  // function so is an inference: docs/tls13.md).
  //   kInvalidHandle     a client-auth hash (it is not the session transcript)
  //   kNotSupported      wire_protocol not TLS 1.0-1.3
  //   kInvalidParameter  wire_protocol from another transcript family than the hash's:
  //                      {TLS 1.0, TLS 1.1} (MD5||SHA-1), TLS 1.2, TLS 1.3. TLS 1.0 and 1.1
  //                      share one transcript construction, so they are interchangeable.
  Result<TranscriptDigest> SessionHash(std::uint32_t wire_protocol) const;

  // ClientAuthDigest - the digest signed in CertificateVerify (SslComputeClientAuthHash):
  //   TLS 1.0/1.1 handshake hash: signature_algorithm "RSA" -> MD5||SHA-1 (36 bytes, RFC 2246
  //     §7.4.8 / §7.4.3); "DSA", "ECDSA", "ECDSA_P256/P384/P521" -> SHA-1 only (20 bytes, RFC 2246
  //     §7.4.3 DSA, RFC 4492 §5.8 ECDSA). ASCII-case-insensitive. nullopt or empty ->
  //     kInvalidParameter; any other name -> kNotSupported.
  //   TLS 1.2 (handshake or client-auth hash): this hash's own digest; signature_algorithm is not
  //     looked at (RFC 5246 §7.4.8: the hash comes from the hash object Schannel chose, the
  //     signature algorithm is applied by SslSignHash).
  //   TLS 1.3: kNotSupported (RFC 8446 §4.4.3 signs a different construction).
  Result<TranscriptDigest> ClientAuthDigest(std::optional<std::u16string_view> signature_algorithm) const;

  // FirstClientRandom - the random of the first ClientHello hashed into this transcript, if one was
  // (core/client_random.h): what the key log names the connection's secrets by.
  std::optional<ClientRandom> FirstClientRandom() const;

  // Duplicate - an independent copy (same purpose, protocol, suite, algorithm and state); updating
  // either afterwards does not affect the other. For the TLS 1.3 SslDuplicateTranscriptHash.
  Result<std::shared_ptr<HandshakeHash>> Duplicate() const;

 private:
  // The digest of parts_ under mutex_ (already held), optionally only the SHA-1 part.
  Result<TranscriptDigest> DigestLocked(bool sha1_only) const;

  const TranscriptPurpose purpose_;
  const ProtocolVersion version_;
  const CipherSuite* const suite_;
  const HashAlg alg_;
  mutable std::mutex mutex_;
  std::vector<ossl::RunningHash> parts_;  // {MD5, SHA-1} for kMd5Sha1, else one hash
  ClientRandomScanner client_random_;     // guarded by mutex_
};

}  // namespace opensslp
