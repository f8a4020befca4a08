// session_key_blob.h - the BCRYPT_OPAQUE_KEY_BLOB of a TLS <= 1.2 session key (SslExportKey /
// SslImportKey of a read or write key from SslGenerateSessionKeys).
//
// BCRYPT_OPAQUE_KEY_BLOB (L"OpaqueKeyBlob") is, in Microsoft's words, "a provider-private format
// for moving session keys between processes"
// (docs/reference/types-and-constants.md#opaque-key-blob,
// docs/reference/functions.md#sslexportkey). To be useful the export must carry everything needed
// to continue the record layer: cipher key, IV/implicit nonce, MAC key, suite, protocol and any
// cipher state (our reading, not Microsoft's text). Nothing else is specified: the layout below is
// opensslp's own, and only opensslp's SslImportKey reads it. INFERENCE (not in the SDK or the
// docs): dwFlags is reserved (0) for both calls, and a refused blob is NTE_BAD_DATA, as for every
// other blob content this provider refuses (core/key_blobs.h).
//
// Layout, version 1 (integers big-endian, the record layer's byte order):
//   off  len  field
//    0    4   magic "OPSK" (4F 50 53 4B)
//    4    2   format version, 1
//    6    2   protocol, the wire version of the key (0x0301 TLS 1.0, 0x0302 TLS 1.1, 0x0303 TLS 1.2)
//    8    2   cipher suite, IANA id (a TLS <= 1.2 suite of the catalog valid for that protocol)
//   10    1   direction: 0 read key, 1 write key
//   11    1   reserved, 0
//   12    8   write keys: the lowest sequence number the next sealed record may use (one above
//             the last sealed one, 0 if none), so that the importer keeps refusing repeats (RFC
//             5116 §3: a repeated sequence number is a repeated AEAD nonce). Read keys: 0.
//   20    1   MAC key length      = the suite's HMAC key length (0 for AEAD)
//   21    1   cipher key length   = the suite's key length
//   22    1   key-block IV length = KeyBlockIvLength (GCM 4, ChaCha20 12, TLS 1.0 CBC 16, else 0)
//   23    1   chained IV length   = 16 for TLS 1.0 CBC (RFC 2246 §6.2.3.2: the IV of the next
//             record, the last ciphertext block of the previous one), else 0
//   24   ...  MAC key ‖ cipher key ‖ key-block IV ‖ chained IV
// The blob is exactly that long: truncated, trailing bytes, a wrong magic, version, reserved byte,
// direction, protocol, an unknown suite, a read key with sequence state or a length that differs
// from the catalog's are all kBadData. The blob holds the traffic keys in clear: it is secret, the
// caller's to protect (the sample provider does the same with BCryptExportKey
// (docs/reference/types-and-constants.md#opaque-key-blob)).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/cipher_suites.h"
#include "core/session_key_material.h"
#include "util/bytes.h"
#include "util/status.h"

namespace opensslp {

inline constexpr std::uint8_t kSessionKeyBlobMagic[4] = {'O', 'P', 'S', 'K'};
inline constexpr std::uint16_t kSessionKeyBlobVersion = 1;
inline constexpr std::size_t kSessionKeyBlobHeaderLength = 24;
// Larger than any valid blob (24 + 48 + 32 + 16 + 16); longer input is refused before parsing.
inline constexpr std::size_t kMaxSessionKeyBlobLength = 256;

// The fields of a blob as views: the encoder reads them from the key (under its lock) and writes
// straight into the caller's buffer; the decoder returns views into the caller's blob. No copy of
// the key material is made on either side.
struct SessionKeyBlobView {
  const CipherSuite* suite = nullptr;
  ProtocolVersion version = ProtocolVersion::kTls12;
  RecordDirection direction = RecordDirection::kWrite;
  std::uint64_t next_write_seq = 0;
  Bytes mac_key;
  Bytes enc_key;
  Bytes iv;
  Bytes chain_iv;
};

// Length of the chained-IV field for a suite and version (16 for TLS 1.0 CBC, else 0).
std::size_t ChainIvLength(const CipherSuite& suite, ProtocolVersion version) noexcept;

// Blob length for a suite and version.
std::size_t SessionKeyBlobLength(const CipherSuite& suite, ProtocolVersion version) noexcept;

// Writes the blob of `view` into `out` (exactly SessionKeyBlobLength bytes). The view must be
// consistent with the catalog (kInternal otherwise, and `out` is not touched).
Status EncodeSessionKeyBlob(const SessionKeyBlobView& view, MutBytes out) noexcept;

// Parses and checks a blob (see above); every refusal is kBadData.
Result<SessionKeyBlobView> DecodeSessionKeyBlob(Bytes blob) noexcept;

}  // namespace opensslp
