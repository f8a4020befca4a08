// exports_keys.cpp - ephemeral keys and public-key blobs
// PLACEHOLDER written by the foundation commit so the table links; the module owner replaces it.
#include "abi/boundary.h"

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslCreateEphemeralKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE *phEphemeralKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwKeyType,
    DWORD dwKeyBitLen,
    PBYTE pbParams,
    DWORD cbParams,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslImportKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE *phKey,
    LPCWSTR pszBlobType,
    PBYTE pbKeyBlob,
    DWORD cbKeyBlob,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExportKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hKey,
    LPCWSTR pszBlobType,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}
