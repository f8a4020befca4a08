// signatures.h - TLS signature schemes (RFC 5246 §7.4.1.4.1 SignatureAndHashAlgorithm, with the
// RFC 8446 §4.2.3 code points for RSA-PSS that RFC 8446 also defines for TLS 1.2) and the glue
// between TLS's signature format and SslSignHash / SslVerifySignature's (docs/key-store.md §4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "provider.h"
#include "wire.h"

namespace opensslp::tlsdriver {

struct SignatureScheme {
  std::uint16_t code;
  CertKind key;
  const char* hash;  // CNG hash id
  bool pss;
};

// One of the schemes a TLS 1.2 client offers (below); null for anything else, MD5 and SHA-1
// schemes included (RFC 9155 §2, §4).
const SignatureScheme* FindSignatureScheme(std::uint16_t code);

// What a client offers in signature_algorithms, in preference order: never MD5 or SHA-1.
const std::vector<std::uint16_t>& OfferedSignatureSchemes();

// The server's pick for TLS 1.2: the first of its preferences for the key that the client
// offered, never an MD5 or SHA-1 scheme even if offered (RFC 9155 §4); null if there is none.
// Without the extension RFC 5246 §7.4.1.4.1 says to assume {sha1, <key alg>}: rsa_pkcs1_sha1 or
// ecdsa_sha1 is returned then.
const SignatureScheme* ChooseSignatureScheme(CertKind key, std::uint16_t key_group,
                                             const std::optional<std::vector<std::uint16_t>>& offered);

// TLS 1.3 (RFC 8446 §4.2.3, §4.4.3): RSA keys sign with RSA-PSS (rsa_pss_rsae_*), ECDSA keys with
// the scheme of their curve; PKCS#1 v1.5 and SHA-1 are never used for CertificateVerify.
// The scheme `code` if it is valid in TLS 1.3 for a key of this kind (and curve); null otherwise.
const SignatureScheme* FindSignatureScheme13(std::uint16_t code, CertKind key, std::uint16_t key_group);
// The first of our TLS 1.3 preferences for the key that the peer offered; null if none.
const SignatureScheme* ChooseSignatureScheme13(CertKind key, std::uint16_t key_group,
                                               const std::vector<std::uint16_t>& offered);
// What a TLS 1.3 CertificateVerify signs: 64 spaces, the context string, 0, the transcript hash.
Bytes CertificateVerifyContent(bool server, ByteView transcript_hash);

// Signs `signed_data` (e.g. client_random || server_random || ServerKeyExchange params) with the
// scheme (TLS 1.2) or the TLS 1.0/1.1 rule (scheme == nullptr: MD5||SHA-1 for RSA, SHA-1 for
// ECDSA); returns the signature as TLS carries it (ECDSA: DER ECDSA-Sig-Value, RFC 4492 §5.4).
Bytes SignForTls(const Provider& provider, NCRYPT_KEY_HANDLE key, CertKind kind, std::uint16_t version,
                 std::uint16_t suite, const SignatureScheme* scheme, ByteView signed_data);

// Verifies a TLS signature; returns the provider status (0 = good). A malformed ECDSA DER
// signature is reported as NTE_BAD_SIGNATURE.
SECURITY_STATUS VerifyFromTls(const Provider& provider, NCRYPT_KEY_HANDLE key, CertKind kind, std::uint32_t key_bits,
                              std::uint16_t version, std::uint16_t suite, const SignatureScheme* scheme,
                              ByteView signed_data, ByteView signature);

// ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3) <-> CNG's raw r||s.
Bytes EcdsaRawToDer(ByteView raw);
std::optional<Bytes> EcdsaDerToRaw(ByteView der, std::size_t coordinate_size);

}  // namespace opensslp::tlsdriver
