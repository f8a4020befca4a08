// protection.h - one record protection: how a key turns a record's plaintext into its protected
// fragment and back. The key object (record/session_key.h) owns one, with the lock, the sequence
// number rules, the aliasing rules and the scratch buffer; each protection lives in its own file,
// so the constant-time code stays reviewable on its own:
//   tls12_aead.cpp  TLS 1.2 AES-GCM (RFC 5288) and ChaCha20-Poly1305 (RFC 7905)
//   tls12_cbc.cpp   TLS 1.0-1.2 AES-CBC + HMAC, MAC-then-encrypt (RFC 5246 §6.2.3.2)
//   tls13_aead.cpp  TLS 1.3 (RFC 8446 §5.2): inner content type, header as AAD, XOR nonce Framing (the 5-byte header)
//   is
// record/framing.h's.
//
// Every method runs with the key's lock held (the key serialises records), allocates nothing and
// fetches nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/cipher_suites.h"
#include "core/session_key_material.h"
#include "util/bytes.h"
#include "util/status.h"

namespace opensslp {

class RecordProtection {
 public:
  virtual ~RecordProtection() = default;

  // Bytes between the header and the record body: the explicit nonce (GCM 8) or IV (TLS 1.1+ CBC
  // 16); 0 otherwise.
  virtual std::size_t explicit_length() const noexcept = 0;

  // The whole record's length (header included) for `plaintext_len` bytes of data.
  virtual std::size_t SealedLength(std::size_t plaintext_len) const noexcept = 0;

  // The plaintext length of a fragment of `fragment_len` bytes (its header already checked):
  // exact for AEAD, an upper bound for CBC (the padding length is known, secretly, only after
  // decryption). kBadData for a fragment that cannot be one of this protection's (too short, not
  // whole blocks, AEAD plaintext over 2^14 bytes): public facts, not authentication failures.
  virtual Result<std::size_t> OpenedLength(std::size_t fragment_len) const noexcept = 0;

  // Protects the record: the plaintext (`in_len` bytes) is at `src`, which is either the record
  // body (out + 5 + explicit_length(), in place) or a buffer that does not overlap `out`. Writes the
  // whole record, header included, `total` = SealedLength(in_len) bytes. On failure `out` is wiped.
  virtual Status Seal(std::uint64_t seq, std::uint8_t type, const std::uint8_t* src, std::size_t in_len,
                      std::uint8_t* out, std::size_t total) noexcept = 0;

  // Verifies and decrypts the record `in` (header checked, `plaintext_bound` = OpenedLength) into
  // `scratch`, and only after authentication copies the plaintext to `out` (which may alias the
  // input at the record's body or fragment: the ciphertext is consumed first). Every authentication
  // failure is kBadRecord, and then nothing is written to `out`. Returns the plaintext length.
  virtual Result<std::size_t> Open(std::uint64_t seq, const std::uint8_t* in, std::size_t in_len,
                                   std::size_t plaintext_bound, std::uint8_t* out, std::size_t out_len,
                                   MutBytes scratch) noexcept = 0;

  // The state a protection carries from record to record besides the key (TLS 1.0 CBC: the next
  // record's IV, RFC 2246 §6.2.3.2), for the opaque key blob; empty for the others.
  virtual Bytes chained_state() const noexcept { return {}; }
  virtual void RestoreChainedState(Bytes state) noexcept { (void)state; }

  // Bytes of the read key's scratch buffer (one decrypted fragment).
  virtual std::size_t scratch_length() const noexcept = 0;
};

// The protections, keyed from one direction's key-block slices (already checked against the
// catalog by CreateSessionKey).
Result<std::unique_ptr<RecordProtection>> NewTls12AeadProtection(const CipherSuite& suite, ProtocolVersion version,
                                                                 const SessionKeyMaterial& material);
Result<std::unique_ptr<RecordProtection>> NewTls12CbcProtection(const CipherSuite& suite, ProtocolVersion version,
                                                                const SessionKeyMaterial& material);
Result<std::unique_ptr<RecordProtection>> NewTls13AeadProtection(const CipherSuite& suite,
                                                                 const SessionKeyMaterial& material);

}  // namespace opensslp
