// exports_signatures.cpp - private keys and signatures
// PLACEHOLDER written by the foundation commit so the table links; the module owner replaces it.
#include "abi/boundary.h"

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslOpenPrivateKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE *phPrivateKey,
    PCCERT_CONTEXT pCertContext,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslSignHash(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    PBYTE pbHashValue,
    DWORD cbHashValue,
    PBYTE pbSignature,
    DWORD cbSignature,
    DWORD *pcbResult,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslVerifySignature(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPublicKey,
    PBYTE pbHashValue,
    DWORD cbHashValue,
    PBYTE pbSignature,
    DWORD cbSignature,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}
