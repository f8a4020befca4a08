// cipher_suites.h - the one catalog of TLS cipher suites opensslp implements, and the facts every
// other module asks it for (docs/style.md#rule-8: no switch on suite ids anywhere else).
//
// Each entry is an IANA-registered suite (IANA "TLS Cipher Suites" registry) with its key
// exchange, authentication, bulk cipher, MAC, PRF hash, the key/IV/MAC/tag lengths of its record
// protection and the protocol versions it is valid for. The table is sorted by id and checked at
// compile time (like BoringSSL's kCiphers in ssl/ssl_cipher.cc).
//
// Not offered, ever: RC4, DES, 3DES, IDEA, RC2, export, NULL-cipher, anonymous, DSS and SSL 2/3
// suites, and DTLS. Looking one of them up gives Error::kNotSupported (docs/cipher-suites.md).
//
// Sources: RFC 5246 §6.3 and Appendix C (TLS 1.2 key/IV/MAC sizes, PRF), RFC 2246 / RFC 4346
// (TLS 1.0 implicit CBC IV, TLS 1.1 explicit IV), RFC 5288 (AES-GCM: 4-byte salt, 8-byte explicit
// nonce), RFC 5289 (ECDHE SHA256/SHA384 suites), RFC 7905 §2 (ChaCha20-Poly1305: 12-byte fixed IV,
// no explicit nonce), RFC 8446 §5.3 / App. B.4 (TLS 1.3 suites), RFC 5487 (PSK SHA256/384).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "base/algorithms.h"
#include "base/groups.h"
#include "base/protocol_version.h"
#include "util/status.h"

namespace opensslp {

// ---- Protocol versions ----------------------------------------------------------------------
// ProtocolVersion and VersionSet are base/protocol_version.h's. opensslp implements TLS 1.0-1.3;
// DTLS values parse as kNotSupported.

// The protocol versions in the order enumerations report them: newest first.
inline constexpr std::array<ProtocolVersion, 4> kProtocolVersionsNewestFirst = {
    ProtocolVersion::kTls13, ProtocolVersion::kTls12, ProtocolVersion::kTls11, ProtocolVersion::kTls10};

// ParseProtocolVersion - maps a wire value (dwProtocol) to a ProtocolVersion. SSL 2/3 (0x0002,
// 0x0300), DTLS 1.0/1.2 (0xFEFF, 0xFEFD) and every other value give Error::kNotSupported.
Result<ProtocolVersion> ParseProtocolVersion(std::uint32_t wire) noexcept;

// Human-readable form, e.g. "TLS 1.2".
std::string_view ProtocolVersionName(ProtocolVersion v) noexcept;

// ---- Algorithms -----------------------------------------------------------------------------
// HashAlg, BulkCipher, CipherMode and MacAlgorithm are base/algorithms.h's.

enum class KeyExchange : std::uint8_t {
  kRsa,    // RSA key transport (RFC 5246 §7.4.7.1)
  kDhe,    // ephemeral finite-field Diffie-Hellman (RFC 5246 §8.1.2, RFC 7919)
  kEcdhe,  // ephemeral ECDH (RFC 8422)
  kPsk,    // plain pre-shared key (RFC 4279 §2)
  kTls13,  // TLS 1.3: negotiated separately (key_share / psk_key_exchange_modes, RFC 8446 §4.2)
};

enum class Authentication : std::uint8_t {
  kRsa,    // server certificate with an RSA key
  kEcdsa,  // server certificate with an EC key
  kPsk,    // the pre-shared key itself, no certificate
  kAny,    // TLS 1.3: the suite does not constrain the certificate (RFC 8446 §4.4.2)
};

// ---- The catalog entry ----------------------------------------------------------------------

struct CipherSuite {
  std::uint16_t id;       // IANA value (also the SSL "dwCipherSuite")
  std::string_view name;  // IANA description, e.g. "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
  KeyExchange kx;
  Authentication auth;
  BulkCipher cipher;
  MacAlgorithm mac;
  HashAlg prf;                 // for TLS 1.2 / 1.3; TLS 1.0/1.1 use kMd5Sha1 (see PrfHashFor)
  std::uint8_t key_len;        // bulk key bytes (16 / 32)
  std::uint8_t fixed_iv_len;   // key-block IV (TLS <= 1.2) or TLS 1.3 write IV: GCM 4 (RFC 5288
                               // §3 salt), ChaCha 12 (RFC 7905 §2), TLS 1.3 12 (RFC 8446 §5.3),
                               // CBC 16 (the TLS 1.0 implicit IV, RFC 2246 §6.3; see
                               // KeyBlockIvLength for the per-version value)
  std::uint8_t record_iv_len;  // explicit per-record IV / nonce: GCM 8 (RFC 5288 §3), CBC 16
                               // (TLS 1.1+, RFC 4346 §6.2.3.2; see RecordIvLength), else 0
  std::uint8_t mac_key_len;    // HMAC key bytes (= MAC output bytes, RFC 5246 §6.2.3.1); 0 for AEAD
  std::uint8_t tag_len;        // AEAD tag bytes (16); 0 for CBC suites (their MAC is mac_key_len)
  VersionSet versions;         // the protocol versions the suite is valid for
};

namespace suite_detail {
using KX = KeyExchange;
using AU = Authentication;
using BC = BulkCipher;
using MA = MacAlgorithm;
using PH = HashAlg;
inline constexpr VersionSet k12 = kVersionsTls12;
inline constexpr VersionSet k13 = kVersionsTls13;
inline constexpr VersionSet kAll = kVersionsTls10To12;

// The catalog, sorted by id. Versions: the CBC-SHA suites exist since TLS 1.0 (RFC 3268 / RFC 4492);
// suites with SHA-256/SHA-384 MACs or PRFs, GCM and ChaCha20-Poly1305 need TLS 1.2's
// suite-selected PRF (RFC 5246 §5, RFC 5288 §4, RFC 5289 §3, RFC 7905 §2, RFC 5487: opensslp
// offers the PSK CBC-SHA256/384 suites on TLS 1.2 only); TLS 1.3 suites are TLS 1.3 only
// (RFC 8446 §B.4).
// clang-format off
inline constexpr std::array<CipherSuite, 34> kCatalog = {{
    // id    IANA name                                           kx          auth        cipher                 mac              prf          key iv rec mac tag versions
    {0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA",                     KX::kRsa,   AU::kRsa,   BC::kAes128Cbc,        MA::kHmacSha1,   PH::kSha256, 16, 16, 16, 20,  0, kAll},
    {0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",                 KX::kDhe,   AU::kRsa,   BC::kAes128Cbc,        MA::kHmacSha1,   PH::kSha256, 16, 16, 16, 20,  0, kAll},
    {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA",                     KX::kRsa,   AU::kRsa,   BC::kAes256Cbc,        MA::kHmacSha1,   PH::kSha256, 32, 16, 16, 20,  0, kAll},
    {0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",                 KX::kDhe,   AU::kRsa,   BC::kAes256Cbc,        MA::kHmacSha1,   PH::kSha256, 32, 16, 16, 20,  0, kAll},
    {0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256",                  KX::kRsa,   AU::kRsa,   BC::kAes128Cbc,        MA::kHmacSha256, PH::kSha256, 16, 16, 16, 32,  0, k12},
    {0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256",                  KX::kRsa,   AU::kRsa,   BC::kAes256Cbc,        MA::kHmacSha256, PH::kSha256, 32, 16, 16, 32,  0, k12},
    {0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",              KX::kDhe,   AU::kRsa,   BC::kAes128Cbc,        MA::kHmacSha256, PH::kSha256, 16, 16, 16, 32,  0, k12},
    {0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",              KX::kDhe,   AU::kRsa,   BC::kAes256Cbc,        MA::kHmacSha256, PH::kSha256, 32, 16, 16, 32,  0, k12},
    {0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256",                  KX::kRsa,   AU::kRsa,   BC::kAes128Gcm,        MA::kAead,       PH::kSha256, 16,  4,  8,  0, 16, k12},
    {0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384",                  KX::kRsa,   AU::kRsa,   BC::kAes256Gcm,        MA::kAead,       PH::kSha384, 32,  4,  8,  0, 16, k12},
    {0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",              KX::kDhe,   AU::kRsa,   BC::kAes128Gcm,        MA::kAead,       PH::kSha256, 16,  4,  8,  0, 16, k12},
    {0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",              KX::kDhe,   AU::kRsa,   BC::kAes256Gcm,        MA::kAead,       PH::kSha384, 32,  4,  8,  0, 16, k12},
    {0x00A8, "TLS_PSK_WITH_AES_128_GCM_SHA256",                  KX::kPsk,   AU::kPsk,   BC::kAes128Gcm,        MA::kAead,       PH::kSha256, 16,  4,  8,  0, 16, k12},
    {0x00A9, "TLS_PSK_WITH_AES_256_GCM_SHA384",                  KX::kPsk,   AU::kPsk,   BC::kAes256Gcm,        MA::kAead,       PH::kSha384, 32,  4,  8,  0, 16, k12},
    {0x00AE, "TLS_PSK_WITH_AES_128_CBC_SHA256",                  KX::kPsk,   AU::kPsk,   BC::kAes128Cbc,        MA::kHmacSha256, PH::kSha256, 16, 16, 16, 32,  0, k12},
    {0x00AF, "TLS_PSK_WITH_AES_256_CBC_SHA384",                  KX::kPsk,   AU::kPsk,   BC::kAes256Cbc,        MA::kHmacSha384, PH::kSha384, 32, 16, 16, 48,  0, k12},
    {0x1301, "TLS_AES_128_GCM_SHA256",                           KX::kTls13, AU::kAny,   BC::kAes128Gcm,        MA::kAead,       PH::kSha256, 16, 12,  0,  0, 16, k13},
    {0x1302, "TLS_AES_256_GCM_SHA384",                           KX::kTls13, AU::kAny,   BC::kAes256Gcm,        MA::kAead,       PH::kSha384, 32, 12,  0,  0, 16, k13},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256",                     KX::kTls13, AU::kAny,   BC::kChaCha20Poly1305, MA::kAead,       PH::kSha256, 32, 12,  0,  0, 16, k13},
    {0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",             KX::kEcdhe, AU::kEcdsa, BC::kAes128Cbc,        MA::kHmacSha1,   PH::kSha256, 16, 16, 16, 20,  0, kAll},
    {0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",             KX::kEcdhe, AU::kEcdsa, BC::kAes256Cbc,        MA::kHmacSha1,   PH::kSha256, 32, 16, 16, 20,  0, kAll},
    {0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",               KX::kEcdhe, AU::kRsa,   BC::kAes128Cbc,        MA::kHmacSha1,   PH::kSha256, 16, 16, 16, 20,  0, kAll},
    {0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",               KX::kEcdhe, AU::kRsa,   BC::kAes256Cbc,        MA::kHmacSha1,   PH::kSha256, 32, 16, 16, 20,  0, kAll},
    {0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",          KX::kEcdhe, AU::kEcdsa, BC::kAes128Cbc,        MA::kHmacSha256, PH::kSha256, 16, 16, 16, 32,  0, k12},
    {0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",          KX::kEcdhe, AU::kEcdsa, BC::kAes256Cbc,        MA::kHmacSha384, PH::kSha384, 32, 16, 16, 48,  0, k12},
    {0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",            KX::kEcdhe, AU::kRsa,   BC::kAes128Cbc,        MA::kHmacSha256, PH::kSha256, 16, 16, 16, 32,  0, k12},
    {0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",            KX::kEcdhe, AU::kRsa,   BC::kAes256Cbc,        MA::kHmacSha384, PH::kSha384, 32, 16, 16, 48,  0, k12},
    {0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",          KX::kEcdhe, AU::kEcdsa, BC::kAes128Gcm,        MA::kAead,       PH::kSha256, 16,  4,  8,  0, 16, k12},
    {0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",          KX::kEcdhe, AU::kEcdsa, BC::kAes256Gcm,        MA::kAead,       PH::kSha384, 32,  4,  8,  0, 16, k12},
    {0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",            KX::kEcdhe, AU::kRsa,   BC::kAes128Gcm,        MA::kAead,       PH::kSha256, 16,  4,  8,  0, 16, k12},
    {0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",            KX::kEcdhe, AU::kRsa,   BC::kAes256Gcm,        MA::kAead,       PH::kSha384, 32,  4,  8,  0, 16, k12},
    {0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",      KX::kEcdhe, AU::kRsa,   BC::kChaCha20Poly1305, MA::kAead,       PH::kSha256, 32, 12,  0,  0, 16, k12},
    {0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",    KX::kEcdhe, AU::kEcdsa, BC::kChaCha20Poly1305, MA::kAead,       PH::kSha256, 32, 12,  0,  0, 16, k12},
    {0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",        KX::kDhe,   AU::kRsa,   BC::kChaCha20Poly1305, MA::kAead,       PH::kSha256, 32, 12,  0,  0, 16, k12},
}};
// clang-format on
}  // namespace suite_detail

inline constexpr const std::array<CipherSuite, 34>& kCipherSuites = suite_detail::kCatalog;

// The order in which enumerations list the suites: the order Schannel prefers them (TLS 1.3
// first; forward-secret AEAD before forward-secret CBC; RSA key transport last among certificate
// suites; PSK suites at the end, where Windows' default list also has them). Within a family the
// 256-bit cipher comes first, as in Windows' default order.
inline constexpr std::array<std::uint16_t, kCipherSuites.size()> kPreferenceOrder = {
    0x1302, 0x1301, 0x1303,          // TLS 1.3
    0xC02C, 0xC02B, 0xCCA9,          // ECDHE-ECDSA AEAD
    0xC030, 0xC02F, 0xCCA8,          // ECDHE-RSA AEAD
    0x009F, 0x009E, 0xCCAA,          // DHE-RSA AEAD
    0xC024, 0xC023, 0xC028, 0xC027,  // ECDHE CBC-SHA384/256
    0xC00A, 0xC009, 0xC014, 0xC013,  // ECDHE CBC-SHA
    0x006B, 0x0067, 0x0039, 0x0033,  // DHE-RSA CBC
    0x009D, 0x009C,                  // RSA AEAD
    0x003D, 0x003C, 0x0035, 0x002F,  // RSA CBC
    0x00A9, 0x00A8, 0x00AF, 0x00AE,  // PSK
};

// ---- Derived facts ----------------------------------------------------------------------------

inline constexpr bool IsAead(const CipherSuite& s) { return s.mac == MacAlgorithm::kAead; }
inline constexpr bool IsTls13Suite(const CipherSuite& s) { return s.kx == KeyExchange::kTls13; }

inline constexpr bool SupportsVersion(const CipherSuite& s, ProtocolVersion v) { return s.versions.Contains(v); }

// PrfHashFor - the PRF hash of (suite, version): MD5-SHA1 for TLS 1.0/1.1 (RFC 2246 §5, RFC 4346
// §5), the suite's hash for TLS 1.2 (RFC 5246 §5) and TLS 1.3 (RFC 8446 §B.4).
inline constexpr HashAlg PrfHashFor(const CipherSuite& s, ProtocolVersion v) {
  return (v == ProtocolVersion::kTls10 || v == ProtocolVersion::kTls11) ? HashAlg::kMd5Sha1 : s.prf;
}

// KeyBlockIvLength - bytes of client_write_IV / server_write_IV taken from the TLS <= 1.2 key block
// (RFC 5246 §6.3), or of the TLS 1.3 write IV (RFC 8446 §7.3): CBC suites take an IV only in TLS
// 1.0 (RFC 2246 §6.3; TLS 1.1 moved it into each record, RFC 4346 §6.3).
inline constexpr std::uint8_t KeyBlockIvLength(const CipherSuite& s, ProtocolVersion v) {
  if (ModeOf(s.cipher) == CipherMode::kCbc && v != ProtocolVersion::kTls10) return 0;
  return s.fixed_iv_len;
}

// RecordIvLength - explicit IV / nonce bytes at the start of each record's payload: 0 for TLS 1.0
// CBC (implicit IV chaining), 16 for TLS 1.1+ AES-CBC, 8 for TLS 1.2 GCM, 0 for ChaCha20-Poly1305
// and TLS 1.3.
inline constexpr std::uint8_t RecordIvLength(const CipherSuite& s, ProtocolVersion v) {
  if (ModeOf(s.cipher) == CipherMode::kCbc && v == ProtocolVersion::kTls10) return 0;
  return s.record_iv_len;
}

// Per-record overheads (SslLookupCipherLengths, docs/reference/caller-semantics.md#record-layer).
struct RecordOverhead {
  std::uint32_t header_len;                // bytes between the 5-byte record header and the ciphertext
  std::uint32_t fixed_trailer_len;         // MAC or tag (TLS 1.3: tag + 1 inner content-type byte)
  std::uint32_t max_variable_trailer_len;  // most CBC padding a sender adds, incl. the length byte
  bool block_padding;                      // CBC: the payload is padded to the block size
};
inline constexpr RecordOverhead RecordOverheadFor(const CipherSuite& s, ProtocolVersion v) {
  if (ModeOf(s.cipher) == CipherMode::kCbc) {
    // RFC 5246 §6.2.3.2: IV ‖ E(content ‖ MAC ‖ padding ‖ padding_length); minimal padding is 1..16
    // bytes including the length byte for a 16-byte block.
    return {RecordIvLength(s, v), MacLength(s.mac), CipherBlockLength(s.cipher), true};
  }
  if (IsTls13Suite(s)) {
    // RFC 8446 §5.2: TLSInnerPlaintext adds the 1-byte content type; opensslp adds no zero padding.
    return {0, static_cast<std::uint32_t>(s.tag_len + 1u), 0, false};
  }
  return {RecordIvLength(s, v), s.tag_len, 0, false};
}

// ---- Lookups --------------------------------------------------------------------------------

// FindCipherSuite - the catalog entry for an IANA id, or nullptr.
const CipherSuite* FindCipherSuite(std::uint32_t id) noexcept;

// LookupCipherSuite - the entry for a suite used with a wire protocol version. Fails with
// kNotSupported for an unsupported protocol value (SSL 2/3, DTLS, unknown), an id opensslp does not
// offer (RC4, DES, 3DES, NULL, export, unknown) or a suite not valid for that version.
Result<const CipherSuite*> LookupCipherSuite(std::uint32_t wire_version, std::uint32_t id) noexcept;

// One (suite, version) pair as enumerations report it.
struct SuiteVersion {
  const CipherSuite* suite;
  ProtocolVersion version;
};
// EnumerationOrder - every (suite, version) pair in kPreferenceOrder, newest version first within
// a suite. Built once; the span stays valid for the life of the process.
std::span<const SuiteVersion> EnumerationOrder();

// CheckKeyType - validates the dwKeyType argument of the lookup functions for a suite. 0 is always
// accepted. A non-zero value must be an IANA NamedGroup from base/groups.h (else kNotSupported)
// that the suite's key exchange can use: EC groups for ECDHE, ffdhe groups for DHE, any group for
// TLS 1.3 suites (else kInvalidParameter: RSA key transport and PSK have no group).
Status CheckKeyType(const CipherSuite& s, std::uint32_t key_type) noexcept;

// ---- Certificate compatibility ----------------------------------------------------------------

// Which suites a server private key (SslEnumCipherSuites' hPrivateKey) can serve.
enum class CertificateKeyClass : std::uint8_t {
  kNone,      // no private key given: no filtering
  kRsa,       // algorithm "RSA"
  kEcdsa,     // "ECDSA", "ECDSA_P256", "ECDSA_P384", "ECDSA_P521"
  kOther,     // anything else: only the certificate-agnostic TLS 1.3 suites
  kUnusable,  // a deferred private key (core/private_key.h): a key opensslp cannot use serves no suite
};
CertificateKeyClass ClassifyCertificateKey(std::u16string_view cng_algorithm) noexcept;

// UsableWithKey - true if `s` can be served with a key of class `k`: RSA keys serve the RSA-signed
// and RSA key-transport suites, EC keys the ECDSA suites; TLS 1.3 suites any key; PSK suites need
// no certificate and are left out whenever a key is given.
bool UsableWithKey(const CipherSuite& s, CertificateKeyClass k) noexcept;

// ---- Names ----------------------------------------------------------------------------------

// CNG names reported in NCRYPT_SSL_CIPHER_SUITE (docs/reference/types-and-constants.md#structures;
// docs/cipher-suites.md).
std::u16string_view CngCipherName(BulkCipher c) noexcept;           // "AES", "CHACHA20_POLY1305"
std::u16string_view CngChainingMode(BulkCipher c) noexcept;         // "ChainingModeGCM", "ChainingModeCBC", ""
std::u16string_view CngMacHashName(MacAlgorithm m) noexcept;        // "SHA1", "SHA256", "SHA384", "" (AEAD)
std::u16string_view CngPrfHashName(HashAlg h) noexcept;             // "SHA256", "SHA384", "" (MD5-SHA1)
std::u16string_view CngExchangeName(KeyExchange k) noexcept;        // "RSA", "DH", "ECDH", "PSK", "" (TLS 1.3)
std::u16string_view CngCertificateName(Authentication a) noexcept;  // "RSA", "ECDSA", ""

// HashFromCngName - a CNG hash algorithm id (bcrypt.h BCRYPT_*_ALGORITHM), compared ASCII
// case-insensitively as CNG compares ids: MD5, SHA1, SHA256, SHA384, SHA512. nullopt otherwise
// (MD5-SHA1 has no CNG id).
std::optional<HashAlg> HashFromCngName(std::u16string_view name) noexcept;

// Key-exchange key sizes reported as dwMinExchangeLen / dwMaxExchangeLen, in bits (ECDH: 0 / 65536
// as Microsoft's provider reports; RSA 1024..16384; DH 2048..8192, RFC 7919's smallest and largest
// groups; PSK and TLS 1.3: 0 / 0). docs/cipher-suites.md.
struct ExchangeLengths {
  std::uint32_t min_bits;
  std::uint32_t max_bits;
};
ExchangeLengths ExchangeLengthsFor(KeyExchange k) noexcept;

// ---- Compile-time checks ----------------------------------------------------------------------

namespace suite_detail {
inline constexpr bool EntryConsistent(const CipherSuite& s) {
  if (s.versions.empty() || !s.versions.Without(kVersionsTls10To12 | kVersionsTls13).empty()) return false;
  if (s.name.empty() || s.name.size() >= 64) return false;  // fits NCRYPT_SSL_MAX_NAME_SIZE with its NUL
  if (s.key_len != CipherKeyLength(s.cipher)) return false;
  // TLS 1.3 suites are exactly the TLS 1.3-only ones, and authenticate with any certificate.
  if (IsTls13Suite(s) != (s.versions == kVersionsTls13)) return false;
  if (IsTls13Suite(s) != (s.auth == Authentication::kAny)) return false;
  if ((s.kx == KeyExchange::kPsk) != (s.auth == Authentication::kPsk)) return false;
  if (s.auth == Authentication::kEcdsa && s.kx != KeyExchange::kEcdhe) return false;
  if (s.kx == KeyExchange::kRsa && s.auth != Authentication::kRsa) return false;
  if (s.kx == KeyExchange::kDhe && s.auth != Authentication::kRsa) return false;
  switch (ModeOf(s.cipher)) {
    case CipherMode::kGcm:
      if (s.mac != MacAlgorithm::kAead || s.tag_len != 16 || s.mac_key_len != 0) return false;
      if (IsTls13Suite(s) ? (s.fixed_iv_len != 12 || s.record_iv_len != 0)
                          : (s.fixed_iv_len != 4 || s.record_iv_len != 8))
        return false;
      break;
    case CipherMode::kChaCha20Poly1305:
      if (s.mac != MacAlgorithm::kAead || s.tag_len != 16 || s.mac_key_len != 0) return false;
      if (s.fixed_iv_len != 12 || s.record_iv_len != 0) return false;
      break;
    case CipherMode::kCbc:
      if (s.mac == MacAlgorithm::kAead || s.tag_len != 0) return false;
      if (s.mac_key_len != MacLength(s.mac)) return false;
      if (s.fixed_iv_len != 16 || s.record_iv_len != 16) return false;
      if (IsTls13Suite(s)) return false;
      break;
  }
  // Only the CBC-SHA1 suites predate TLS 1.2; everything else is TLS 1.2 or 1.3 only.
  if (s.mac == MacAlgorithm::kHmacSha1 ? s.versions != kVersionsTls10To12
                                       : !(s.versions & (kVersionsTls10 | kVersionsTls11)).empty())
    return false;
  // The PRF hash of SHA384-named suites is SHA-384 (RFC 5289 §3, RFC 5288 §3, RFC 5487 §3).
  if ((s.prf == HashAlg::kSha384) != s.name.ends_with("_SHA384")) return false;
  if (s.prf != HashAlg::kSha256 && s.prf != HashAlg::kSha384) return false;
  return true;
}

inline constexpr bool CatalogConsistent() {
  for (std::size_t i = 0; i < kCipherSuites.size(); ++i) {
    if (i > 0 && kCipherSuites[i - 1].id >= kCipherSuites[i].id) return false;
    if (!EntryConsistent(kCipherSuites[i])) return false;
  }
  return true;
}

inline constexpr bool PreferenceIsPermutation() {
  for (const CipherSuite& s : kCipherSuites) {
    int seen = 0;
    for (std::uint16_t id : kPreferenceOrder) seen += (id == s.id) ? 1 : 0;
    if (seen != 1) return false;
  }
  return true;
}
}  // namespace suite_detail

static_assert(suite_detail::CatalogConsistent(), "kCipherSuites must be sorted by id and internally consistent");
static_assert(suite_detail::PreferenceIsPermutation(), "kPreferenceOrder must list every suite exactly once");

}  // namespace opensslp
