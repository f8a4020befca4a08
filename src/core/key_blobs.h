// key_blobs.h - the public-key blob formats of SslImportKey / SslExportKey
// (docs/reference/types-and-constants.md#key-blobs):
//
//   BCRYPT_ECCPUBLIC_BLOB  BCRYPT_ECCKEY_BLOB{dwMagic, cbKey} || X || Y, each cbKey bytes
//                          big-endian. NIST curves only. Magic: BCRYPT_ECDH_PUBLIC_P256/384/521
//                          or BCRYPT_ECDSA_PUBLIC_P256/384/521 (the curve is the magic's; cbKey
//                          must be its coordinate size), or the GENERIC ECDH/ECDSA magic, where
//                          cbKey decides: 32 P-256, 48 P-384, 66 P-521. An ECDSA magic makes a
//                          key that describes itself as "ECDSA" (signature verification) and
//                          cannot be used for key agreement.
//   SSL_ECCPUBLIC_BLOB     SSL_ECCKEY_BLOB{dwCurveType = IANA NamedGroup, cbKey} || key bytes.
//                          X25519/X448: the raw 32/56-byte u-coordinate (RFC 7748 §5).
//                          NIST curves: INFERENCE (the SDK does not say): the TLS wire form,
//                          i.e. the SEC 1 uncompressed point 04 || X || Y (cbKey = 65/97/133),
//                          exactly what ECDHE's ServerKeyExchange / key_share carries
//                          (RFC 8422 §5.4, RFC 8446 §4.2.8.2). Compressed points are refused.
//   BCRYPT_DH_PUBLIC_BLOB  BCRYPT_DH_KEY_BLOB{BCRYPT_DH_PUBLIC_MAGIC, cbKey} || p || g || Y, each
//                          cbKey bytes big-endian, left-padded; cbKey = byte length of p.
//   BCRYPT_RSAPUBLIC_BLOB  BCRYPT_RSAKEY_BLOB{BCRYPT_RSAPUBLIC_MAGIC, BitLength, cbPublicExp,
//                          cbModulus, cbPrime1 = 0, cbPrime2 = 0} || exponent || modulus,
//                          big-endian.
//
// Import policy: the blob must be exactly as long as its header says (no trailing bytes), and
//   - EC: the point is on the curve and not infinity;
//   - DH: 2048 <= bits(p) <= 8192, p odd and without a leading zero byte, 1 < g < p-1,
//         1 < Y < p-1, and Y^q = 1 mod p when (p, g) is an RFC 7919 group (q = (p-1)/2);
//   - RSA: 1024 <= bits(n) <= 16384, BitLength == bits(n), no leading zero byte in the modulus,
//          n odd; 1 <= cbPublicExp <= 8, e odd and >= 3, no leading zero byte.
//
// Errors (chosen deliberately):
//   - NTE_BAD_DATA (Error::kBadData) for every blob whose CONTENT is refused: short or long
//     blob, wrong magic, sizes that disagree with the header, an invalid point or value. The
//     arguments themselves were well-formed; the bytes they point to are not an acceptable key.
//     (NTE_INVALID_PARAMETER is kept for missing/NULL arguments, so the two causes stay apart.)
//   - Blob-type names: an unknown name is NTE_INVALID_PARAMETER; a known CNG name that this
//     provider does not import or export here (private-key blobs, the legacy CAPI blob,
//     TLS13PRESHAREDKEY) is NTE_NOT_SUPPORTED. The opaque session-key blob is not a public-key
//     blob: record/session_key_blob.h imports and exports it.
//   - Export: a format that does not fit the key (e.g. DH blob of an EC key, ECC blob of an
//     X25519 key) is NTE_INVALID_PARAMETER. Private halves are never exported (NTE_NOT_SUPPORTED).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/keys.h"
#include "util/bytes.h"
#include "util/status.h"

namespace opensslp {

enum class KeyBlobType : std::uint8_t {
  kEccPublic,     // BCRYPT_ECCPUBLIC_BLOB
  kSslEccPublic,  // SSL_ECCPUBLIC_BLOB
  kDhPublic,      // BCRYPT_DH_PUBLIC_BLOB
  kRsaPublic,     // BCRYPT_RSAPUBLIC_BLOB
  // Known names this module does not handle (kNotSupported):
  kEccPrivate,
  kDhPrivate,
  kRsaPrivate,
  kRsaFullPrivate,
  kLegacyRsaPublic,
  kOpaque,
  kTls13PreSharedKey,
};

// Maps a blob-type name (exact, case-sensitive, as CNG compares them). kInvalidParameter if the
// name is not a CNG key-blob name at all.
Result<KeyBlobType> ParseKeyBlobType(std::u16string_view name);

// True for the four public-key formats above.
bool IsPublicKeyBlobType(KeyBlobType type) noexcept;

// Blobs longer than this are refused before they are parsed (the largest legal one, a 16384-bit
// RSA key with an 8-byte exponent, is 24 + 8 + 2048 bytes).
inline constexpr std::size_t kMaxPublicKeyBlobSize = 64 * 1024;

// SslImportKey for the public-key formats.
Result<std::shared_ptr<PublicKey>> ImportPublicKeyBlob(KeyBlobType type, Bytes blob);

// SslExportKey of the public half of `key` (an EphemeralKey or a PublicKey).
Result<std::vector<std::uint8_t>> ExportPublicKeyBlob(const AsymmetricKey& key, KeyBlobType type);

// BCRYPT_ECCKEY_BLOB magics (bcrypt.h), restated here so core/ does not need the Windows header.
inline constexpr std::uint32_t kEcdhP256Magic = 0x314B4345;
inline constexpr std::uint32_t kEcdhP384Magic = 0x334B4345;
inline constexpr std::uint32_t kEcdhP521Magic = 0x354B4345;
inline constexpr std::uint32_t kEcdhGenericMagic = 0x504B4345;
inline constexpr std::uint32_t kEcdsaP256Magic = 0x31534345;
inline constexpr std::uint32_t kEcdsaP384Magic = 0x33534345;
inline constexpr std::uint32_t kEcdsaP521Magic = 0x35534345;
inline constexpr std::uint32_t kEcdsaGenericMagic = 0x50444345;
inline constexpr std::uint32_t kDhPublicMagic = 0x42504844;
inline constexpr std::uint32_t kRsaPublicMagic = 0x31415352;

}  // namespace opensslp
