// exports_transcript.cpp - handshake transcript hashes (issue #3).
// NOT IMPLEMENTED YET: each function below is exported (so the export list and the function table
// are complete) and returns NTE_NOT_SUPPORTED without touching its arguments; README's status
// table says which issue brings it. The module that implements them replaces this file.
#include "abi/boundary.h"

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslCreateHandshakeHash(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE *phHandshakeHash,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslHashHandshake(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE hHandshakeHash,
    PBYTE pbInput,
    DWORD cbInput,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslComputeSessionHash(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE hHandshakeHash,
    DWORD dwProtocol,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslCreateClientAuthHash(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE *phHandshakeHash,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    LPCWSTR pszHashAlgId,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslComputeClientAuthHash(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_HASH_HANDLE hHandshakeHash,
    LPCWSTR pszAlgId,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}
