// session_key_material.h - the hand-over between the TLS <= 1.2 key schedule (which expands the
// key block, RFC 5246 §6.3) and the record layer (which turns the material into a read or write
// key object for SslEncryptPacket / SslDecryptPacket).
#pragma once

#include "core/cipher_suites.h"
#include "util/secret.h"

namespace opensslp {

// Which way a record key protects data, seen from the key's owner. TLS 1.0-1.2 keys are one or the
// other (SslGenerateSessionKeys makes a read and a write key); a TLS 1.3 key (SslExpandWriteKey) is
// the key of one traffic secret, which the sender encrypts and the receiver decrypts with: kBoth.
enum class RecordDirection : std::uint8_t { kRead, kWrite, kBoth };
inline constexpr bool CanSeal(RecordDirection d) noexcept { return d != RecordDirection::kRead; }
inline constexpr bool CanOpen(RecordDirection d) noexcept { return d != RecordDirection::kWrite; }

// Which traffic a TLS 1.3 traffic secret, and the record key expanded from it, protects (RFC 8446
// §7.1): 0-RTT data ("c e traffic"), the handshake ("c/s hs traffic") or application data ("c/s ap
// traffic" and its KeyUpdate successors, §7.2). kNone for TLS 1.0-1.2 keys and for TLS 1.3 secrets
// of other stages. The opaque key blob (record/tls13_key_blob.h) carries it and exports only
// handshake and application traffic.
enum class Tls13TrafficStage : std::uint8_t { kNone, kEarly, kHandshake, kApplication };

// The key-block slices for ONE direction (client_write_* or server_write_*), RFC 5246 §6.3:
//   mac_key  client/server_write_MAC_key: the HMAC key of CBC suites; empty for AEAD suites
//   enc_key  client/server_write_key: the cipher key
//   iv       client/server_write_IV: the TLS 1.0 CBC initial IV (16 bytes), the AES-GCM implicit
//            salt (4 bytes, RFC 5288 §3), the ChaCha20-Poly1305 fixed IV (12 bytes, RFC 7905 §2);
//            empty for TLS 1.1/1.2 CBC (explicit per-record IVs)
struct SessionKeyMaterial {
  const CipherSuite* suite = nullptr;
  ProtocolVersion version = ProtocolVersion::kTls12;
  RecordDirection direction = RecordDirection::kWrite;
  Tls13TrafficStage stage = Tls13TrafficStage::kNone;  // TLS 1.3: the traffic secret's stage
  SecretBytes mac_key;
  SecretBytes enc_key;
  SecretBytes iv;
};

}  // namespace opensslp
