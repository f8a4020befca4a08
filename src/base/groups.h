// groups.h - the one table of key-exchange groups opensslp supports: the facts about each named
// group that the catalog (SslEnumEccCurves), the key-exchange code (SslCreateEphemeralKey,
// SslImportKey/SslExportKey) and the CLI need. Nothing else in the code base lists groups.
//
// Sources: IANA "TLS Supported Groups" registry (ids), RFC 8422 §5.1.1 and RFC 7748 (curves),
// RFC 7919 (ffdhe groups), RFC 5480 / RFC 8410 (OIDs), CNG curve names (bcrypt.h
// BCRYPT_ECC_CURVE_* : "nistP256", "nistP384", "nistP521", "curve25519"; "curve448" is not a CNG
// name — CNG has no X448 — so it is our own choice, documented in docs/cipher-suites.md).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace opensslp {

enum class GroupFamily : std::uint8_t {
  kNistCurve,   // ECDH on a prime-field Weierstrass curve; TLS wire form: uncompressed point
  kMontgomery,  // X25519 / X448 (RFC 7748); wire form: the raw u-coordinate
  kFfdhe,       // finite-field DH with an RFC 7919 group; wire form: big-endian Y, length of p
};

struct GroupInfo {
  std::uint16_t iana_id;  // TLS NamedGroup value (also the SSL "key type")
  GroupFamily family;
  std::u16string_view cng_name;    // e.g. u"nistP256"
  std::string_view tls_name;       // IANA description, e.g. "secp256r1"
  std::string_view oid;            // dotted OID of the curve / group
  std::string_view ossl_name;      // OpenSSL group name for EVP_PKEY_CTX_set_group_name / keygen
  std::uint16_t field_bits;        // bits in the field (curve) or in p (ffdhe)
  std::uint16_t coordinate_bytes;  // bytes per coordinate (NIST), key bytes (X), or bytes of p
  std::uint16_t public_key_bytes;  // bytes of the TLS wire-form public key
};

inline constexpr std::array<GroupInfo, 10> kGroups = {{
    {23, GroupFamily::kNistCurve, u"nistP256", "secp256r1", "1.2.840.10045.3.1.7", "P-256", 256, 32, 65},
    {24, GroupFamily::kNistCurve, u"nistP384", "secp384r1", "1.3.132.0.34", "P-384", 384, 48, 97},
    {25, GroupFamily::kNistCurve, u"nistP521", "secp521r1", "1.3.132.0.35", "P-521", 521, 66, 133},
    {29, GroupFamily::kMontgomery, u"curve25519", "x25519", "1.3.101.110", "X25519", 255, 32, 32},
    {30, GroupFamily::kMontgomery, u"curve448", "x448", "1.3.101.111", "X448", 448, 56, 56},
    // RFC 7919 groups have no registered OID; the id-dhpublicnumber OID (RFC 3279) names the
    // algorithm family.
    {256, GroupFamily::kFfdhe, u"ffdhe2048", "ffdhe2048", "1.2.840.10046.2.1", "ffdhe2048", 2048, 256, 256},
    {257, GroupFamily::kFfdhe, u"ffdhe3072", "ffdhe3072", "1.2.840.10046.2.1", "ffdhe3072", 3072, 384, 384},
    {258, GroupFamily::kFfdhe, u"ffdhe4096", "ffdhe4096", "1.2.840.10046.2.1", "ffdhe4096", 4096, 512, 512},
    {259, GroupFamily::kFfdhe, u"ffdhe6144", "ffdhe6144", "1.2.840.10046.2.1", "ffdhe6144", 6144, 768, 768},
    {260, GroupFamily::kFfdhe, u"ffdhe8192", "ffdhe8192", "1.2.840.10046.2.1", "ffdhe8192", 8192, 1024, 1024},
}};

inline constexpr const GroupInfo* FindGroup(std::uint32_t iana_id) {
  for (const GroupInfo& g : kGroups)
    if (g.iana_id == iana_id) return &g;
  return nullptr;
}

inline constexpr bool IsEcGroup(const GroupInfo& g) { return g.family != GroupFamily::kFfdhe; }

// The EC groups SslEnumEccCurves reports, most preferred first: X25519 (RFC 8446 §9.1's
// SHOULD-support group and Windows' first default curve), then the NIST curves, then X448 (which
// Microsoft's provider does not offer). The facts about each come from kGroups above.
inline constexpr std::array<std::uint16_t, 5> kEccCurvePreference = {29, 23, 24, 25, 30};

namespace group_detail {
inline constexpr bool CurvePreferenceCoversEcGroups() {
  std::size_t ec_groups = 0;
  for (const GroupInfo& g : kGroups) ec_groups += IsEcGroup(g) ? 1 : 0;
  if (ec_groups != kEccCurvePreference.size()) return false;
  for (std::size_t i = 0; i < kEccCurvePreference.size(); ++i) {
    // Searched by value, not through FindGroup: GCC's sanitizer builds cannot constant-evaluate
    // a pointer compared against nullptr.
    bool found = false;
    for (const GroupInfo& g : kGroups) found = found || (g.iana_id == kEccCurvePreference[i] && IsEcGroup(g));
    if (!found) return false;
    for (std::size_t j = 0; j < i; ++j)
      if (kEccCurvePreference[j] == kEccCurvePreference[i]) return false;
  }
  return true;
}
}  // namespace group_detail

static_assert(group_detail::CurvePreferenceCoversEcGroups(), "kEccCurvePreference must list every EC group once");

}  // namespace opensslp
