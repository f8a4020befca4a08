// ksp_private_key.h - (Windows only) a certificate's private key kept in its CNG key storage
// provider: software KSP, Platform Crypto Provider (TPM), smart-card KSP or an HSM's KSP.
//
// Compiled only in the Windows build (the root CMakeLists adds src/win/*.cpp on WIN32). Only
// src/win/ and src/abi/ see NCrypt types.
#pragma once

#include <memory>

#include "sslprovider.h"
#include "core/private_key.h"
#include "ossl/signing.h"
#include "util/status.h"

namespace opensslp::win {

// CryptAcquireCertificatePrivateKey(cert, CRYPT_ACQUIRE_ONLY_NCRYPT_KEY_FLAG |
// CRYPT_ACQUIRE_SILENT_FLAG): the certificate's NCrypt key, if it has one that opens without UI.
// `info` describes the certificate's public key; a KSP key of a different algorithm group is
// refused. kNotFound when there is no usable NCrypt key (the caller then tries the key store).
Result<std::unique_ptr<PrivateKeyBackend>> OpenKspPrivateKey(PCCERT_CONTEXT cert, const ossl::KeyInfo& info);

}  // namespace opensslp::win
