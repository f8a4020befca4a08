// protocol_version.h - the protocol versions, by wire value, and a set of them.
//
// base/ holds facts, not logic (no OpenSSL, no Windows types). The type holds every version the
// interface can name -- TLS 1.0-1.3 and DTLS 1.0/1.2/1.3 -- whether or not opensslp implements it:
// which versions a suite or a function accepts is the catalog's business (core/cipher_suites.h).
#pragma once

#include <cstdint>

namespace opensslp {

// Wire values (sslprovider.h *_PROTOCOL_VERSION; RFC 8446 §4.2.1, RFC 6347 §4.1, RFC 9147 §5.3).
enum class ProtocolVersion : std::uint16_t {
  kTls10 = 0x0301,
  kTls11 = 0x0302,
  kTls12 = 0x0303,
  kTls13 = 0x0304,
  kDtls10 = 0xFEFF,
  kDtls12 = 0xFEFD,
  kDtls13 = 0xFEFC,
};

inline constexpr bool IsDtls(ProtocolVersion v) noexcept {
  return v == ProtocolVersion::kDtls10 || v == ProtocolVersion::kDtls12 || v == ProtocolVersion::kDtls13;
}

// A set of protocol versions: one explicit bit per version (not derived from the wire value, whose
// DTLS values count downwards from 0xFEFF).
class VersionSet {
 public:
  constexpr VersionSet() noexcept = default;
  static constexpr VersionSet Of(ProtocolVersion v) noexcept { return VersionSet(Bit(v)); }
  constexpr VersionSet operator|(VersionSet o) const noexcept { return VersionSet(bits_ | o.bits_); }
  constexpr VersionSet operator&(VersionSet o) const noexcept { return VersionSet(bits_ & o.bits_); }
  constexpr VersionSet Without(VersionSet o) const noexcept {
    return VersionSet(static_cast<std::uint16_t>(bits_ & ~o.bits_));
  }
  constexpr bool Contains(ProtocolVersion v) const noexcept { return (bits_ & Bit(v)) != 0; }
  constexpr bool empty() const noexcept { return bits_ == 0; }
  constexpr bool operator==(const VersionSet&) const noexcept = default;

 private:
  explicit constexpr VersionSet(std::uint16_t bits) noexcept : bits_(bits) {}
  static constexpr std::uint16_t Bit(ProtocolVersion v) noexcept {
    switch (v) {
      case ProtocolVersion::kTls10: return 1u << 0;
      case ProtocolVersion::kTls11: return 1u << 1;
      case ProtocolVersion::kTls12: return 1u << 2;
      case ProtocolVersion::kTls13: return 1u << 3;
      case ProtocolVersion::kDtls10: return 1u << 4;
      case ProtocolVersion::kDtls12: return 1u << 5;
      case ProtocolVersion::kDtls13: return 1u << 6;
    }
    return 0;
  }
  std::uint16_t bits_ = 0;
};

inline constexpr VersionSet kVersionsTls10 = VersionSet::Of(ProtocolVersion::kTls10);
inline constexpr VersionSet kVersionsTls11 = VersionSet::Of(ProtocolVersion::kTls11);
inline constexpr VersionSet kVersionsTls12 = VersionSet::Of(ProtocolVersion::kTls12);
inline constexpr VersionSet kVersionsTls13 = VersionSet::Of(ProtocolVersion::kTls13);
inline constexpr VersionSet kVersionsTls10To12 = kVersionsTls10 | kVersionsTls11 | kVersionsTls12;

}  // namespace opensslp
