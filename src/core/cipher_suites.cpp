#include "core/cipher_suites.h"

#include <vector>

#include "base/groups.h"
#include "util/ascii.h"

namespace opensslp {

Result<ProtocolVersion> ParseProtocolVersion(std::uint32_t wire) noexcept {
  switch (wire) {
    case 0x0301: return ProtocolVersion::kTls10;
    case 0x0302: return ProtocolVersion::kTls11;
    case 0x0303: return ProtocolVersion::kTls12;
    case 0x0304: return ProtocolVersion::kTls13;
    default:
      // SSL 2.0 (0x0002), SSL 3.0 (0x0300), DTLS 1.0/1.2 (0xFEFF/0xFEFD) and anything else.
      return Error::kNotSupported;
  }
}

std::string_view ProtocolVersionName(ProtocolVersion v) noexcept {
  switch (v) {
    case ProtocolVersion::kTls10: return "TLS 1.0";
    case ProtocolVersion::kTls11: return "TLS 1.1";
    case ProtocolVersion::kTls12: return "TLS 1.2";
    case ProtocolVersion::kTls13: return "TLS 1.3";
    case ProtocolVersion::kDtls10: return "DTLS 1.0";
    case ProtocolVersion::kDtls12: return "DTLS 1.2";
    case ProtocolVersion::kDtls13: return "DTLS 1.3";
  }
  return "?";
}

const CipherSuite* FindCipherSuite(std::uint32_t id) noexcept {
  // The table is sorted (static_assert in the header): binary search.
  std::size_t lo = 0, hi = kCipherSuites.size();
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (kCipherSuites[mid].id < id) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return (lo < kCipherSuites.size() && kCipherSuites[lo].id == id) ? &kCipherSuites[lo] : nullptr;
}

Result<const CipherSuite*> LookupCipherSuite(std::uint32_t wire_version, std::uint32_t id) noexcept {
  ASSIGN_OR_RETURN(const ProtocolVersion version, ParseProtocolVersion(wire_version));
  const CipherSuite* suite = FindCipherSuite(id);
  if (suite == nullptr) return Error::kNotSupported;
  // A known suite on a version it is not defined for (e.g. a GCM suite on TLS 1.0, a TLS 1.3
  // suite on TLS 1.2) is a request opensslp cannot serve: kNotSupported, like an unknown suite.
  if (!SupportsVersion(*suite, version)) return Error::kNotSupported;
  return suite;
}

std::span<const SuiteVersion> EnumerationOrder() {
  static const std::vector<SuiteVersion> order = [] {
    std::vector<SuiteVersion> out;
    for (std::uint16_t id : kPreferenceOrder) {
      const CipherSuite* suite = FindCipherSuite(id);
      for (ProtocolVersion v : kProtocolVersionsNewestFirst) {
        if (SupportsVersion(*suite, v)) out.push_back({suite, v});
      }
    }
    return out;
  }();
  return order;
}

Status CheckKeyType(const CipherSuite& s, std::uint32_t key_type) noexcept {
  if (key_type == 0) return Status::Ok();
  const GroupInfo* group = FindGroup(key_type);
  if (group == nullptr) return Error::kNotSupported;
  switch (s.kx) {
    case KeyExchange::kEcdhe: return IsEcGroup(*group) ? Status::Ok() : Status(Error::kInvalidParameter);
    case KeyExchange::kDhe: return IsEcGroup(*group) ? Status(Error::kInvalidParameter) : Status::Ok();
    case KeyExchange::kTls13: return Status::Ok();
    case KeyExchange::kRsa:
    case KeyExchange::kPsk: return Error::kInvalidParameter;
  }
  return Error::kInvalidParameter;
}

CertificateKeyClass ClassifyCertificateKey(std::u16string_view alg) noexcept {
  if (alg.empty()) return CertificateKeyClass::kOther;
  if (alg == u"RSA" || alg == u"RSA_SIGN") return CertificateKeyClass::kRsa;
  // CNG names an EC signing key "ECDSA" (any curve) or "ECDSA_P256/P384/P521" (legacy,
  // curve-specific algorithm ids, bcrypt.h BCRYPT_ECDSA_P*_ALGORITHM).
  if (alg == u"ECDSA" || alg == u"ECDSA_P256" || alg == u"ECDSA_P384" || alg == u"ECDSA_P521")
    return CertificateKeyClass::kEcdsa;
  return CertificateKeyClass::kOther;
}

bool UsableWithKey(const CipherSuite& s, CertificateKeyClass k) noexcept {
  switch (k) {
    case CertificateKeyClass::kNone: return true;
    case CertificateKeyClass::kRsa: return s.auth == Authentication::kRsa || s.auth == Authentication::kAny;
    case CertificateKeyClass::kEcdsa: return s.auth == Authentication::kEcdsa || s.auth == Authentication::kAny;
    case CertificateKeyClass::kOther: return s.auth == Authentication::kAny;
    case CertificateKeyClass::kUnusable: return false;
  }
  return false;
}

std::u16string_view CngCipherName(BulkCipher c) noexcept {
  // BCRYPT_AES_ALGORITHM; BCRYPT_CHACHA20_POLY1305_ALGORITHM.
  return c == BulkCipher::kChaCha20Poly1305 ? u"CHACHA20_POLY1305" : u"AES";
}

std::u16string_view CngChainingMode(BulkCipher c) noexcept {
  // BCRYPT_CHAIN_MODE_GCM / BCRYPT_CHAIN_MODE_CBC. ChaCha20-Poly1305 has no chaining mode in CNG
  // (inference: szCipherMode of NCRYPT_SSL_CIPHER_SUITE_EX is undocumented).
  switch (ModeOf(c)) {
    case CipherMode::kGcm: return u"ChainingModeGCM";
    case CipherMode::kCbc: return u"ChainingModeCBC";
    case CipherMode::kChaCha20Poly1305: return u"";
  }
  return u"";
}

std::u16string_view CngMacHashName(MacAlgorithm m) noexcept {
  switch (m) {
    case MacAlgorithm::kAead: return u"";
    case MacAlgorithm::kHmacSha1: return u"SHA1";
    case MacAlgorithm::kHmacSha256: return u"SHA256";
    case MacAlgorithm::kHmacSha384: return u"SHA384";
  }
  return u"";
}

std::u16string_view CngPrfHashName(HashAlg h) noexcept {
  // CNG has no algorithm id for the concatenated MD5 ‖ SHA-1 hash of TLS 1.0/1.1.
  switch (h) {
    case HashAlg::kSha256: return u"SHA256";
    case HashAlg::kSha384: return u"SHA384";
    default: return u"";  // MD5-SHA1 and the hashes that are never a PRF's
  }
}

std::u16string_view CngExchangeName(KeyExchange k) noexcept {
  switch (k) {
    case KeyExchange::kRsa: return u"RSA";
    case KeyExchange::kDhe: return u"DH";
    case KeyExchange::kEcdhe: return u"ECDH";
    case KeyExchange::kPsk: return u"PSK";  // TLS_PSK_EXCHANGE
    case KeyExchange::kTls13: return u"";   // negotiated outside the suite (RFC 8446 §4.2.8)
  }
  return u"";
}

std::u16string_view CngCertificateName(Authentication a) noexcept {
  switch (a) {
    case Authentication::kRsa: return u"RSA";
    case Authentication::kEcdsa: return u"ECDSA";
    case Authentication::kPsk:
    case Authentication::kAny: return u"";
  }
  return u"";
}

std::optional<HashAlg> HashFromCngName(std::u16string_view name) noexcept {
  static constexpr HashAlg kAll[] = {HashAlg::kMd5, HashAlg::kSha1, HashAlg::kSha256, HashAlg::kSha384,
                                     HashAlg::kSha512};
  for (HashAlg hash : kAll) {
    if (EqualsIgnoringAsciiCase(name, HashCngName(hash))) return hash;
  }
  return std::nullopt;
}

ExchangeLengths ExchangeLengthsFor(KeyExchange k) noexcept {
  switch (k) {
    // Microsoft's provider reports 0 / 65536 for ECDH (Get-TlsCipherSuite output,
    // docs/reference/types-and-constants.md#structures).
    case KeyExchange::kEcdhe: return {0, 65536};
    // RSA moduli opensslp accepts for key transport and signatures (our choice, documented).
    case KeyExchange::kRsa: return {1024, 16384};
    // ffdhe2048 .. ffdhe8192 (RFC 7919 §A); smaller groups are refused (Logjam, RFC 7919 §1).
    case KeyExchange::kDhe: return {2048, 8192};
    case KeyExchange::kPsk:
    case KeyExchange::kTls13: return {0, 0};
  }
  return {0, 0};
}

}  // namespace opensslp
