// ksp_private_key.h - (Windows only) a certificate's private key kept in its CNG key storage
// provider: software KSP, Platform Crypto Provider (TPM), smart-card KSP or an HSM's KSP.
//
// Compiled only in the Windows build (the root CMakeLists adds src/win/*.cpp on WIN32). Only
// src/win/ and src/abi/ see NCrypt types.
#pragma once

#include <memory>

#include "sslprovider.h"
#include "core/private_key.h"
#include "ossl/pkey.h"
#include "ossl/signing.h"
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

}  // namespace opensslp::win
