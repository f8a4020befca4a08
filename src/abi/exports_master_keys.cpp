// exports_master_keys.cpp - master secrets, session keys, Finished, exporters (issue #3).
// NOT IMPLEMENTED YET: each function below is exported (so the export list and the function table
// are complete) and returns NTE_NOT_SUPPORTED without touching its arguments; README's status
// table says which issue brings it. The module that implements them replaces this file.
#include "abi/boundary.h"

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslGenerateMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_KEY_HANDLE hPublicKey,
    NCRYPT_KEY_HANDLE *phMasterKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    PNCryptBufferDesc pParameterList,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslImportMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_KEY_HANDLE *phMasterKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    PNCryptBufferDesc pParameterList,
    PBYTE pbEncryptedKey,
    DWORD cbEncryptedKey,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslGeneratePreMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPublicKey,
    NCRYPT_KEY_HANDLE *phPreMasterKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    PNCryptBufferDesc pParameterList,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslGenerateSessionKeys(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_KEY_HANDLE *phReadKey,
    NCRYPT_KEY_HANDLE *phWriteKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslComputeFinishedHash(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_HASH_HANDLE hHandshakeHash,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslComputeEapKeyBlock(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    PBYTE pbRandoms,
    DWORD cbRandoms,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExportKeyingMaterial(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    PCHAR sLabel,
    PBYTE pbRandoms,
    DWORD cbRandoms,
    PBYTE pbContextValue,
    WORD cbContextValue,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}
