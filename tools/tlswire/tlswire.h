// tlswire.h - the TLS 1.0-1.2 wire vocabulary shared by the tools (tools/tlsdriver,
// tools/libssl_peer, tools/cli) and the interop tests: protocol versions, record content types,
// handshake and extension types, alert names and named groups by IANA id. Header-only and
// dependency-free (no provider, no OpenSSL), so the driver can use it as well as the libssl peer.
#pragma once

#include <cstdint>
#include <cstdio>

namespace opensslp::tlswire {

// Protocol versions on the wire (RFC 5246 §6.2.1, Appendix E).
inline constexpr std::uint16_t kTls10 = 0x0301;
inline constexpr std::uint16_t kTls11 = 0x0302;
inline constexpr std::uint16_t kTls12 = 0x0303;
inline constexpr std::uint16_t kTls13 = 0x0304;  // RFC 8446 §4.2.1 (supported_versions)

// Record content types (RFC 5246 §6.2.1).
enum ContentType : std::uint8_t {
  kChangeCipherSpec = 20,
  kAlert = 21,
  kHandshake = 22,
  kApplicationData = 23,
};

// Handshake message types (RFC 5246 §7.4).
enum HandshakeType : std::uint8_t {
  kHelloRequest = 0,
  kClientHello = 1,
  kServerHello = 2,
  kCertificate = 11,
  kServerKeyExchange = 12,
  kCertificateRequest = 13,
  kServerHelloDone = 14,
  kCertificateVerify = 15,
  kClientKeyExchange = 16,
  kFinished = 20,
};

// Extension types (IANA "TLS ExtensionType Values").
enum ExtensionType : std::uint16_t {
  kExtServerName = 0,              // RFC 6066 §3
  kExtSupportedGroups = 10,        // RFC 8422 §5.1.1 / RFC 7919
  kExtEcPointFormats = 11,         // RFC 8422 §5.1.2
  kExtSignatureAlgorithms = 13,    // RFC 5246 §7.4.1.4.1
  kExtEncryptThenMac = 22,         // RFC 7366
  kExtExtendedMasterSecret = 23,   // RFC 7627
  kExtRenegotiationInfo = 0xFF01,  // RFC 5746
};

// The alert description's name (RFC 5246 §7.2, RFC 8446 §6 for missing_extension), e.g.
// "bad_record_mac"; "alert(<n>)" for other values.
inline const char* AlertName(std::uint8_t description) {
  switch (description) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 21: return "decryption_failed";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    default: {
      static thread_local char text[16];
      std::snprintf(text, sizeof text, "alert(%u)", static_cast<unsigned>(description));
      return text;
    }
  }
}

// Named groups by IANA id (RFC 8422 §5.1.1, RFC 7919): "secp256r1", "x25519", "ffdhe2048", ...;
// "" if not one of these.
inline const char* GroupName(std::uint16_t group) {
  switch (group) {
    case 23: return "secp256r1";
    case 24: return "secp384r1";
    case 25: return "secp521r1";
    case 29: return "x25519";
    case 30: return "x448";
    case 256: return "ffdhe2048";
    case 257: return "ffdhe3072";
    case 258: return "ffdhe4096";
    case 259: return "ffdhe6144";
    case 260: return "ffdhe8192";
    default: return "";
  }
}

}  // namespace opensslp::tlswire
