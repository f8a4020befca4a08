// session_key.h - a record-protection key (the read or write key of SslGenerateSessionKeys, or the
// TLS 1.3 key of SslExpandWriteKey) and the record operations of SslEncryptPacket /
// SslDecryptPacket.
//
// A SessionKey is the handle object: direction, lock, sequence-number floor, scratch buffer,
// aliasing rules and the opaque-blob export. How a record is protected is its RecordProtection's
// business (record/protection.h: one file per protection), the 5-byte header record/framing.h's.
// A key is built once from the key-block slices (SessionKeyMaterial). Creation fetches the
// algorithm (once per process) and keys the cipher context; protecting or opening a record then
// only sets the per-record nonce or IV: the per-record path allocates nothing and fetches nothing
// (docs/tls12.md#records-sslencryptpacket--ssldecryptpacket). Read keys own a scratch buffer for
// one decrypted fragment, allocated at creation.
//
// Record format (RFC 5246 §6.2): type(1) ‖ version(2) ‖ length(2, big-endian) ‖ fragment; the
// fragment of each protection is described in its file (tls12_aead.cpp, tls12_cbc.cpp).
//
// Sequence numbers are the caller's (Schannel keeps them:
// docs/reference/caller-semantics.md#sequence-numbers); the key keeps no counter. The value
// 2^64-1 is refused: RFC 5246 §6.1 says sequence numbers must not wrap, and the record that would
// carry 2^64-1 is the last one before a wrap that the caller cannot signal to us, so we refuse it
// rather than let the next call silently restart at 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include "core/cipher_suites.h"
#include "core/session_key_material.h"
#include "handles/object.h"
#include "record/framing.h"
#include "record/protection.h"
#include "util/bytes.h"
#include "util/secret.h"
#include "util/status.h"

namespace opensslp {

struct Tls13KeyBlobView;

class SessionKey final : public KeyObject {
 public:
  static constexpr ObjectKind kKind = ObjectKind::kSessionKey;

  const CipherSuite& suite() const noexcept { return *suite_; }
  ProtocolVersion version() const noexcept { return version_; }
  RecordDirection direction() const noexcept { return direction_; }
  // TLS 1.3: the stage of the traffic secret the key was expanded from; kNone for TLS <= 1.2.
  Tls13TrafficStage tls13_stage() const noexcept { return tls13_stage_; }

  // CNG cipher name from the catalog ("AES", "CHACHA20_POLY1305"), key bits, key_type 0.
  KeyDescription Describe() const override;

  // Bytes of the complete protected record (header included) for `plaintext_len` bytes of data.
  std::size_t SealedLength(std::size_t plaintext_len) const noexcept {
    return protection_->SealedLength(plaintext_len);
  }

  // Protects one record (SslEncryptPacket). `out` must hold SealedLength(in_len) bytes. Aliasing:
  // `in` may be exactly `out + 5 + explicit nonce length` (true in-place: the plaintext already
  // sits where the ciphertext goes) or `out + 5` (the sample provider's convention,
  // docs/reference/caller-semantics.md#in-place: the plaintext is moved up by the explicit nonce
  // length first); any other overlap is
  // kBuffersOverlap. Errors: a read key kBadKeyState; type not 20..23, seq 2^64-1 or more than
  // 2^14 bytes kInvalidParameter. Returns the record length.
  Result<std::size_t> Seal(std::uint64_t seq, std::uint8_t type, const std::uint8_t* in, std::size_t in_len,
                           std::uint8_t* out, std::size_t out_len) noexcept;

  // Checks the header of a record for Open and returns the plaintext length: exact for AEAD
  // suites, an upper bound for CBC (fragment - IV - MAC - 1; the padding length is only known,
  // secretly, after decryption). Malformed
  // (shorter than its header and the AEAD overhead, type not 20..23, version not the key's,
  // length field not the rest of the input, fragment over 2^14+2048 bytes, AEAD plaintext over
  // 2^14 bytes, CBC ciphertext not whole blocks or shorter than MAC + 1 padded): kBadData. (A CBC
  // plaintext over 2^14 bytes is found after authentication and is kBadData then.)
  Result<std::size_t> OpenedLength(Bytes record) const noexcept;

  // Verifies and decrypts one record (SslDecryptPacket) into `out` (at least OpenedLength bytes).
  // Aliasing: `out` may be exactly `in + 5` (the sample's convention) or `in + 5 + explicit nonce
  // length` (true in-place); any other overlap is kBuffersOverlap. Every authentication failure
  // is kBadRecord. Decryption happens in the key's scratch buffer: `out` (and, in place, the
  // input) receives plaintext only after authentication, and nothing at all on failure. A write key: kBadKeyState; seq
  // 2^64-1: kInvalidParameter.
  Result<std::size_t> Open(std::uint64_t seq, const std::uint8_t* in, std::size_t in_len, std::uint8_t* out,
                           std::size_t out_len) noexcept;

  // BCRYPT_OPAQUE_KEY_BLOB export (TLS <= 1.2: record/session_key_blob.h; TLS 1.3:
  // record/tls13_key_blob.h): whether the key exports at all (not a TLS 1.3 0-RTT key), the blob's
  // length, and the blob written into `out` (exactly OpaqueBlobLength() bytes) from a consistent
  // snapshot of the key's state taken under its lock (write keys and TLS 1.3 keys: the
  // sequence-number floor; TLS 1.0 CBC: the chained IV). No copy of the key material is made
  // besides the one in `out`. ExportOpaqueBlob of a key that does not export: kNotSupported.
  bool OpaqueBlobExportable() const noexcept;
  std::size_t OpaqueBlobLength() const noexcept;
  Status ExportOpaqueBlob(MutBytes out) noexcept;

 private:
  friend  // TLS 1.3 material (version kTls13) is passed on to CreateTls13RecordKey.
      Result<std::shared_ptr<SessionKey>>
      CreateSessionKey(SessionKeyMaterial material);

  // A TLS 1.3 record key (SslExpandWriteKey): a TLS 1.3 suite, direction kBoth, the suite's key length
  // and a 12-byte IV, no MAC key; kInvalidParameter otherwise.
  Result<std::shared_ptr<SessionKey>> CreateTls13RecordKey(SessionKeyMaterial material);
  friend Result<std::shared_ptr<SessionKey>> CreateTls13RecordKey(SessionKeyMaterial material);
  friend Result<std::shared_ptr<SessionKey>> ImportSessionKeyBlob(Bytes blob);
  friend Result<std::shared_ptr<SessionKey>> ImportTls13RecordKey(const Tls13KeyBlobView& view);
  SessionKey() : KeyObject(kKind) {}

  const CipherSuite* suite_ = nullptr;
  ProtocolVersion version_ = ProtocolVersion::kTls12;
  RecordDirection direction_ = RecordDirection::kWrite;
  Tls13TrafficStage tls13_stage_ = Tls13TrafficStage::kNone;
  // The key-block slices, kept (self-wiping) for the BCRYPT_OPAQUE_KEY_BLOB export.
  SecretBytes mac_key_;
  SecretBytes enc_key_;
  SecretBytes iv_;
  // One record at a time per key: the protection holds per-record state (cipher context, TLS 1.0's
  // chained IV). The lock never allocates.
  std::mutex mu_;
  std::unique_ptr<RecordProtection> protection_;
  // Write keys and TLS 1.3 keys: the lowest sequence number the next sealed record may use. The caller owns the
  // sequence numbers, but a repeated or decreasing one would reuse an AEAD nonce under the same key (RFC 5116 §3: for
  // GCM that exposes the keystream and the authentication key), so Seal refuses it. A failed call does not advance it.
  std::uint64_t next_write_seq_ = 0;
  // Read keys: the decrypted fragment, allocated once at creation (CBC: up to 2^14 + 2048 bytes;
  // AEAD: 2^14). Opening decrypts here and copies out only after authentication, so no
  // unauthenticated plaintext ever reaches the caller's memory (not even in place).
  SecretBytes scratch_;
};

// Builds a read or write key from the key-block slices. Validates the material against the
// catalog: a TLS <= 1.2 suite valid for the version, key/IV/MAC-key lengths exactly those of
// RFC 5246 §6.3 (KeyBlockIvLength, mac_key_len): otherwise kInvalidParameter.
// TLS 1.3 material (version kTls13) is passed on to CreateTls13RecordKey.
Result<std::shared_ptr<SessionKey>> CreateSessionKey(SessionKeyMaterial material);

// A TLS 1.3 record key (SslExpandWriteKey): a TLS 1.3 suite, direction kBoth, the suite's key length
// and a 12-byte IV, no MAC key; kInvalidParameter otherwise.
Result<std::shared_ptr<SessionKey>> CreateTls13RecordKey(SessionKeyMaterial material);

// SslImportKey of a TLS <= 1.2 BCRYPT_OPAQUE_KEY_BLOB: a new key equal to the exported one, its
// record state included. Every refused blob is kBadData (record/session_key_blob.h).
Result<std::shared_ptr<SessionKey>> ImportSessionKeyBlob(Bytes blob);

// The TLS 1.3 record key of a decoded blob (record/tls13_key_blob.h, kind kRecordKey): a new key
// equal to the exported one, its sealing floor and stage included.
Result<std::shared_ptr<SessionKey>> ImportTls13RecordKey(const Tls13KeyBlobView& view);

}  // namespace opensslp
