// certificates.h - what crypt32 does for Schannel, done with OpenSSL's X509 code: reading PEM
// chains, checking a peer chain against a CA file and a host name, and turning a certificate's
// public key into the CNG blob SslImportKey takes. No key, hash or signature of the protocol is
// computed here (that is the provider's job); X509_verify_cert checks the chain's own signatures,
// as CertGetCertificateChain does on Windows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "provider.h"
#include "wire.h"

namespace opensslp::tlsdriver {

// The certificates of a PEM file, DER-encoded, in file order; empty on failure (*error set).
std::vector<Bytes> LoadPemChain(const std::string& path, std::string* error);

// Facts about a certificate's subject public key.
struct CertKey {
  CertKind kind = CertKind::kNone;
  std::uint16_t group = 0;  // IANA group of an EC key (23/24/25), else 0
  std::uint32_t bits = 0;   // modulus bits or curve size
  Bytes blob;               // BCRYPT_RSAPUBLIC_BLOB or BCRYPT_ECCPUBLIC_BLOB (ECDSA magic)
  // keyUsage (RFC 5280 §4.2.1.3) when the extension is present.
  bool has_key_usage = false;
  bool digital_signature = false;
  bool key_encipherment = false;
  std::string subject;  // RFC 2253 one-liner
};

// Parses a DER certificate's key; nullopt if it is not parseable or not RSA / EC P-256/384/521.
std::optional<CertKey> DescribeCertificateKey(const Bytes& der);

// The outcome of checking a peer chain (leaf first).
struct ChainCheck {
  bool ok = false;
  AlertDescription alert = AlertDescription::kBadCertificate;
  std::string reason;
};

// X509_verify_cert against the PEM CA file with the TLS server purpose, then X509_check_host
// (or X509_check_ip_asc for an address literal). The host is required: a chain that verifies
// but is not checked against the name the caller meant to reach authenticates nobody (RFC 6125
// §6), so an empty host fails (internal_error: Connection::Create refuses that configuration).
ChainCheck VerifyServerChain(const std::vector<Bytes>& chain, const std::string& ca_file, const std::string& host);

// A client's chain (RFC 8446 §4.4.2.4, RFC 5246 §7.4.6): X509_verify_cert against the PEM CA file
// with the TLS client purpose; no name check.
ChainCheck VerifyClientChain(const std::vector<Bytes>& chain, const std::string& ca_file);

// True for an IPv4 or IPv6 address literal (anything with ':' or only digits and dots): such a
// name is checked against the certificate's iPAddress SANs and never sent as SNI (RFC 6066 §3:
// "Literal IPv4 and IPv6 addresses are not permitted in HostName"). A malformed literal such as
// "1.2.3" is treated as an address too, so it fails the certificate check instead of being
// matched as a DNS name.
bool IsAddressLiteral(const std::string& host);

}  // namespace opensslp::tlsdriver

namespace opensslp::tlsdriver {

// `n` bytes from OpenSSL's CSPRNG (RAND_bytes) for the hello randoms (RFC 5246 §7.4.1.2). No
// secret depends on them, and the provider has no export for plain randomness; Schannel takes
// them from the system RNG the same way. Aborts with internal_error if the RNG fails.
Bytes CsprngBytes(std::size_t n);

}  // namespace opensslp::tlsdriver
