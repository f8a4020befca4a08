// ksp_private_key.h - (Windows only) a certificate's private key kept in its CNG key storage
// provider: software KSP, Platform Crypto Provider (TPM), smart-card KSP or an HSM's KSP. The key
// signs with NCryptSignHash and decrypts RSA key transport with NCryptDecrypt wrapped in RFC 5246
// §7.4.7.1's implicit rejection (DecryptTlsPremasterWith).
//
// Compiled only in the Windows build (the root CMakeLists adds src/win/*.cpp on WIN32). Only
// src/win/ and src/abi/ see NCrypt types.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "core/private_key.h"
#include "ossl/pkey.h"
#include "ossl/signing.h"
#include "sslprovider.h"
#include "util/status.h"

namespace opensslp::win {

// CryptAcquireCertificatePrivateKey(cert, CRYPT_ACQUIRE_ONLY_NCRYPT_KEY_FLAG |
// CRYPT_ACQUIRE_SILENT_FLAG): the certificate's NCrypt key, if it has one that opens without UI
// AND is the certificate's key (KspKeyMatchesCertificate). `certificate` is the parse of `cert`
// (core/private_key.h: its RSA size and curve were checked there, so a KSP key that matches it
// passes the same policy). kNotFound when there is no usable matching NCrypt key: the caller then
// tries the key store, so a KSP key that is not the certificate's is never used.
Result<std::unique_ptr<PrivateKeyBackend>> OpenKspPrivateKey(PCCERT_CONTEXT cert, const CertificateKey& certificate);

// The public half of an NCrypt key, exported as BCRYPT_RSAPUBLIC_BLOB (RSA) or
// BCRYPT_ECCPUBLIC_BLOB (EC; the point must lie on the curve of `info`) and rebuilt as an OpenSSL
// key. kBadKey if the KSP will not export it or the blob is malformed.
Result<ossl::PKey> KspPublicKey(NCRYPT_KEY_HANDLE key, const ossl::KeyInfo& info);

// True if the NCrypt key is the certificate's: its algorithm group is "RSA" / "ECDSA" as the
// certificate's key, and its public key equals the certificate's (ossl::SamePublicKey, the
// equality the key-store path uses).
bool KspKeyMatchesCertificate(NCRYPT_KEY_HANDLE key, const ossl::PKey& certificate_public_key,
                              const ossl::KeyInfo& info);

// One PKCS#1 v1.5 decryption as NCryptDecrypt(..., NCRYPT_PAD_PKCS1_FLAG) performs it: writes the
// message to `out`, its length to *out_len, and returns the status (0 = success).
using Pkcs1DecryptFunction = std::function<SECURITY_STATUS(Bytes ciphertext, MutBytes out, DWORD* out_len)>;

// RFC 5246 §7.4.7.1 around an opaque decryption: (1) 48 random bytes are generated first,
// (2) `decrypt` runs on the ciphertext, (3) core/implicit_rejection.h SelectTlsPremaster picks the
// decrypted value or the random one with masks (status, length 48, first two bytes =
// client_version). No decryption outcome is ever reported: the only errors are an RNG failure
// (kInternal) and allocation failure. What `decrypt` itself leaks through its own timing (a KSP
// that returns early on a padding error) is outside this function's control (docs/key-store.md).
// The KSP backend's DecryptPkcs1 is this function with NCryptDecrypt; tests pass another
// decryption to check the selection where Wine's NCryptDecrypt is missing.
Result<SecretArray<48>> DecryptTlsPremasterWith(const Pkcs1DecryptFunction& decrypt, Bytes ciphertext,
                                                std::uint16_t client_version);

// A KSP backend for an NCrypt key handle the caller already has (ownership is taken: the handle
// is freed with the backend). SslOpenPrivateKey gets its handles from OpenKspPrivateKey; this
// exists for tests, which cannot attach a KSP key to a certificate under Wine.
std::unique_ptr<PrivateKeyBackend> KspBackendForOwnedKey(NCRYPT_KEY_HANDLE key);

}  // namespace opensslp::win
