// key_files.h - certificates and private-key files for the key store (docs/key-store.md).
//
// Parses the DER certificate SslOpenPrivateKey receives (public key + SHA-1 thumbprint) and
// decodes private keys from the formats the key store accepts: PEM or DER, PKCS#8 (optionally
// encrypted) or the algorithm's traditional form (PKCS#1 RSAPrivateKey, SEC1 ECPrivateKey),
// PKCS#12, and OSSL_STORE URIs. Nothing here ever prompts for a password: a password is either
// passed in or the load fails.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ossl/pkey.h"
#include "util/bytes.h"
#include "util/secret.h"
#include "util/status.h"

namespace opensslp::ossl {

// The longest certificate SslOpenPrivateKey accepts (1 MiB; real ones are a few KiB).
inline constexpr std::size_t kMaxCertificateSize = std::size_t{1} << 20;

struct ParsedCertificate {
  PKey public_key;         // the SubjectPublicKeyInfo key
  std::string thumbprint;  // SHA-1 of the DER bytes as given, 40 lowercase hex digits
};

// Parses one DER X.509 certificate that must span exactly `der` (no trailing bytes).
// kInvalidParameter if it does not parse.
Result<ParsedCertificate> ParseCertificateDer(Bytes der);

enum class KeyFileFormat : std::uint8_t {
  kAuto,    // PEM or DER; PKCS#8 (plain or encrypted), PKCS#1 RSA or SEC1 EC private key
  kPkcs12,  // a PKCS#12 (.p12/.pfx) file; its first private key is used
};

// Decodes a private key from a file's contents. `password` (if any) decrypts encrypted PKCS#8 /
// PEM and PKCS#12; a PKCS#12 file without a password is tried with the empty and the absent
// password. kBadKey if nothing decodes (including a wrong or missing password).
Result<PKey> DecodePrivateKey(Bytes contents, KeyFileFormat format, const SecretBytes* password);

// Loads the first private key an OSSL_STORE URI (e.g. "file:/etc/keys/server.pem") yields.
// kNotFound if the URI cannot be opened, kBadKey if it holds no loadable private key.
Result<PKey> LoadPrivateKeyFromUri(const std::string& uri, const SecretBytes* password);

}  // namespace opensslp::ossl
