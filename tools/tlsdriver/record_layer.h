// record_layer.h - TLS record framing (RFC 5246 §6.2, RFC 8446 §5) with protection by
// SslEncryptPacket / SslDecryptPacket. The caller owns the sequence numbers
// (docs/reference/caller-semantics.md#record-layer): one per direction, reset to 0 when that
// direction's keys take effect (TLS 1.0-1.2: at ChangeCipherSpec, RFC 5246 §6.1; TLS 1.3: at
// every key change, RFC 8446 §5.3).
//
// TLS 1.3 mode (SetTls13): protected records are TLSCiphertext with outer type 23, sealed whole by
// SslEncryptPacket from the real content type; SslDecryptPacket returns the inner plaintext whose
// last byte is the real type (docs/tls13.md). The legacy record version is not checked (RFC 8446
// §5.1: "MUST be ignored for all purposes"), and an unprotected ChangeCipherSpec is passed up for
// the connection to drop (§5).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "provider.h"
#include "wire.h"

namespace opensslp::tlsdriver {

// Record content types (RFC 5246 §6.2.1): tools/tlswire/tlswire.h.
using tlswire::ContentType;
using enum tlswire::ContentType;

// RFC 5246 §6.2.1-§6.2.3: plaintext fragments are at most 2^14 bytes; a protected record may
// add at most 2048 bytes.
inline constexpr std::size_t kMaxPlaintext = 16384;
inline constexpr std::size_t kMaxCiphertext = kMaxPlaintext + 2048;
inline constexpr std::size_t kMaxTls13Ciphertext = kMaxPlaintext + 256;  // RFC 8446 §5.2
inline constexpr std::size_t kRecordHeader = 5;

struct Record {
  std::uint8_t type = 0;
  Bytes fragment;  // plaintext (decrypted if the read direction is protected)
};

class RecordLayer {
 public:
  explicit RecordLayer(const Provider& provider) : provider_(provider) {}

  // Bytes from the peer.
  void Append(ByteView bytes);
  // The next complete record, decrypted; nullopt until one has fully arrived. Aborts with
  // unexpected_message (unknown type), protocol_version (wrong version once negotiated),
  // record_overflow (lengths, §6.2.3) or bad_record_mac (authentication failed).
  std::optional<Record> Next();
  // Frames `data` into records of at most `max_fragment` bytes, protected when the write
  // direction is, and appends them to `out`. Empty data gives one empty record (application
  // data only: RFC 5246 §6.2.1 forbids empty handshake/alert/CCS fragments).
  void Write(std::uint8_t type, ByteView data, std::size_t max_fragment, Bytes& out);

  // The negotiated version: written into plaintext headers and required in received ones.
  void SetVersion(std::uint16_t version) { version_ = version; }
  void SetTls13() {
    tls13_ = true;
    version_ = kTls12;  // legacy_record_version (RFC 8446 §5.1)
    plaintext_alerts_ = true;
  }
  // The header version of unprotected records written before the version is negotiated, after the
  // first ClientHello (RFC 8446 §5.1: 0x0303 for every record but the initial ClientHello; a TLS
  // 1.0-1.2 client writes its offered version). Received records are not checked against it.
  void SetVersionBeforeNegotiation(std::uint16_t version) { provisional_version_ = version; }
  // TLS 1.3: during the handshake a peer that rejects our flight answers with an alert under its
  // old keys, i.e. in plaintext (as libssl accepts: ENC_READ_STATE_ALLOW_PLAIN_ALERTS); such alerts
  // are read until the handshake completes.
  void EndPlaintextAlerts() { plaintext_alerts_ = false; }
  // TLS 1.3 server rejecting 0-RTT (RFC 8446 §4.2.10): protected records that do not decrypt
  // (or, with no read key yet, application-data records) are skipped, up to `bytes` in total.
  void SkipUndecryptableRecords(std::size_t bytes) { skip_budget_ = bytes; }
  // Records sealed with the current write key (TLS 1.3 KeyUpdate limit).
  std::uint64_t write_sequence() const { return write_seq_; }
  void ActivateReadKey(ProviderObject key);
  void ActivateWriteKey(ProviderObject key);
  bool write_protected() const { return static_cast<bool>(write_key_); }
  bool read_protected() const { return static_cast<bool>(read_key_); }
  // Test hook: flip a bit of the next protected record written.
  void CorruptNextRecord() { corrupt_next_ = true; }
  // Bytes received but not yet consumed as a complete record.
  std::size_t buffered() const { return in_.size() - in_pos_; }

 private:
  void WriteOne(std::uint8_t type, ByteView fragment, Bytes& out);
  // Nullopt: a TLS 1.3 record skipped under SkipUndecryptableRecords.
  std::optional<Bytes> Decrypt(ByteView record);

  const Provider& provider_;
  Bytes in_;
  std::size_t in_pos_ = 0;
  std::uint16_t version_ = 0;  // 0 until negotiated
  ProviderObject read_key_, write_key_;
  std::uint64_t read_seq_ = 0, write_seq_ = 0;
  bool corrupt_next_ = false;
  bool tls13_ = false;
  bool plaintext_alerts_ = false;
  std::uint16_t provisional_version_ = 0;
  std::size_t skip_budget_ = 0;
};

}  // namespace opensslp::tlsdriver
