// tls13_key_blob.h - the BCRYPT_OPAQUE_KEY_BLOB of TLS 1.3 record keys (SslExpandWriteKey) and of
// TLS 1.3 traffic secrets (SslExpandTrafficKeys, SslExpandNextGenTrafficKey), and the dispatch of
// SslImportKey(BCRYPT_OPAQUE_KEY_BLOB) between this format and the TLS <= 1.2 one
// (record/session_key_blob.h).
//
// Why: the process that runs the handshake hands the record layer to another process
// (docs/reference/function-table.md#architecture); with TLS 1.3 that process also performs
// KeyUpdate (SslExpandNextGenTrafficKey, then SslExpandWriteKey), so it needs the application
// traffic secret as well as the record key. The layout is opensslp's own (the SDK says only
// "provider-private": docs/reference/types-and-constants.md#opaque-key-blob); only opensslp's
// SslImportKey reads it. It has its own magic so the TLS <= 1.2 format ("OPSK", version 1) stays
// exactly as it was. INFERENCE, as for the TLS <= 1.2 blob: dwFlags is reserved (0) and every
// refused blob is NTE_BAD_DATA.
//
// Layout, version 1 (integers big-endian):
//   off  len  field
//    0    4   magic "OP13" (4F 50 31 33)
//    4    2   format version, 1
//    6    1   kind: 1 record key (SslExpandWriteKey), 2 traffic secret
//    7    1   traffic stage: 1 handshake ("c/s hs traffic"), 2 application ("c/s ap traffic" and its
//             KeyUpdate successors); the stage of the traffic secret the key was expanded from
//    8    2   protocol, 0x0304
//   10    2   cipher suite, IANA id (a TLS 1.3 suite of the catalog: 0x1301, 0x1302, 0x1303)
// kind 1, record key:
//   12    8   the lowest sequence number the next SslEncryptPacket may use (one above the last
//             record the key sealed, 0 if it sealed none); the importer keeps refusing lower ones
//   20    1   key length = the suite's key length (16 or 32)
//   21    1   IV length  = 12 (RFC 8446 §5.3)
//   22   ...  key ‖ IV                                 (50 bytes for 0x1301, 66 for 0x1302/0x1303)
// kind 2, traffic secret:
//   12    1   role: 0 client ("c ... traffic"), 1 server ("s ... traffic")
//   13    1   secret length = Hash.length of the suite's hash (32 or 48)
//   14   ...  secret                                   (46 bytes for SHA-256 suites, 62 for SHA-384)
// The blob is exactly that long. Truncated, trailing bytes, over kMaxTls13KeyBlobLength, a wrong
// magic, version, kind, stage, protocol or role, a suite that is not a TLS 1.3 catalog suite, or a
// length other than the suite's: all kBadData.
//
// Sequence state. A TLS 1.3 record key is one object for both directions (the sender seals with
// it, the receiver opens with it: docs/tls13.md). The only sequence state the object keeps is the
// sealing floor (record/session_key.h: a repeated or lower sequence number is refused, since it
// would reuse the AEAD nonce, RFC 5116 §3); opening keeps none (the caller passes the number; a
// wrong one only fails authentication and encrypts nothing). So the blob carries the floor, as
// the TLS <= 1.2 write-key blob does, and a key that only ever opened exports 0. The floor
// protects the stream as this key object saw it: the exporter must not seal after the export,
// and a receiver's copy must not seal at all (it would reuse the sender's nonces) -- the caller's
// protocol, as in TLS <= 1.2.
//
// What exports. Only what a process needs to continue the record layer and KeyUpdate: handshake
// and application traffic secrets (SslExpandWriteKey and SslExpandNextGenTrafficKey take them) and
// record keys expanded from them. Not exported (NTE_NOT_SUPPORTED): the 0-RTT client early
// traffic secret and its record key (early data belongs to the handshake, which stays in the
// process that runs it), and the early, handshake, master, exporter and resumption secrets, binder
// keys and PSKs (nothing after the handshake derives from them in the record layer's process).
// The blob holds secrets in clear: it is the caller's to protect.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/cipher_suites.h"
#include "core/master_key.h"
#include "core/session_key_material.h"
#include "core/tls13_key_schedule.h"
#include "handles/object.h"
#include "util/bytes.h"
#include "util/status.h"

namespace opensslp {

inline constexpr std::uint8_t kTls13KeyBlobMagic[4] = {'O', 'P', '1', '3'};
inline constexpr std::uint16_t kTls13KeyBlobVersion = 1;
inline constexpr std::size_t kTls13KeyBlobCommonHeaderLength = 12;
inline constexpr std::size_t kTls13RecordKeyBlobHeaderLength = 22;
inline constexpr std::size_t kTls13TrafficSecretBlobHeaderLength = 14;
// Larger than any valid blob (22 + 32 + 12); longer input is refused before parsing.
inline constexpr std::size_t kMaxTls13KeyBlobLength = 128;

enum class Tls13KeyBlobKind : std::uint8_t { kRecordKey = 1, kTrafficSecret = 2 };

// The fields of a blob as views (no copy of the secrets: the encoder writes from the object into
// the caller's buffer; the decoder returns views into the caller's blob). Record keys use
// next_write_seq, key and iv; traffic secrets role and secret.
struct Tls13KeyBlobView {
  Tls13KeyBlobKind kind = Tls13KeyBlobKind::kRecordKey;
  Tls13TrafficStage stage = Tls13TrafficStage::kNone;
  const CipherSuite* suite = nullptr;
  std::uint64_t next_write_seq = 0;
  Bytes key;
  Bytes iv;
  TlsRole role = TlsRole::kClient;
  Bytes secret;
};

// True if the blob starts with the TLS 1.3 magic (whatever follows).
bool HasTls13KeyBlobMagic(Bytes blob) noexcept;

// True for the stages whose secrets and keys export (handshake, application).
bool IsExportableTls13Stage(Tls13TrafficStage stage) noexcept;

// Blob length of a record key / traffic secret of `suite` (a TLS 1.3 suite).
std::size_t Tls13RecordKeyBlobLength(const CipherSuite& suite) noexcept;
std::size_t Tls13TrafficSecretBlobLength(const CipherSuite& suite) noexcept;

// Writes the blob of `view` into `out` (exactly the kind's length). A view inconsistent with the
// catalog or a stage that does not export: kInternal, and `out` is not touched.
Status EncodeTls13KeyBlob(const Tls13KeyBlobView& view, MutBytes out) noexcept;

// Parses and checks a blob (see above); every refusal is kBadData.
Result<Tls13KeyBlobView> DecodeTls13KeyBlob(Bytes blob) noexcept;

// SslExportKey of a traffic secret: kNotSupported for a secret that does not export (not a traffic
// secret; 0-RTT), else the length / the blob written into `out` (exactly that length).
Result<std::size_t> TrafficSecretBlobLength(const Tls13Secret& secret) noexcept;
Status ExportTrafficSecretBlob(const Tls13Secret& secret, MutBytes out) noexcept;

// SslImportKey(BCRYPT_OPAQUE_KEY_BLOB): by magic, a TLS <= 1.2 session key
// (ImportSessionKeyBlob), a TLS 1.3 record key (a SessionKey) or a TLS 1.3 traffic secret (a
// Tls13Secret of kind kTls13TrafficSecret with its suite, role and stage). kBadData for any other
// content.
Result<std::shared_ptr<KeyObject>> ImportOpaqueKeyBlob(Bytes blob);

}  // namespace opensslp
