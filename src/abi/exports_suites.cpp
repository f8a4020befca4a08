// exports_suites.cpp - cipher-suite and curve catalog exports
// PLACEHOLDER written by the foundation commit so the table links; the module owner replaces it.
#include "abi/boundary.h"

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslEnumCipherSuites(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_SSL_CIPHER_SUITE **ppCipherSuite,
    PVOID *ppEnumState,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslEnumCipherSuitesEx(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_SSL_CIPHER_SUITE_EX **ppCipherSuite,
    PVOID *ppEnumState,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslLookupCipherSuiteInfo(
    NCRYPT_PROV_HANDLE hSslProvider,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwKeyType,
    NCRYPT_SSL_CIPHER_SUITE *pCipherSuite,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslLookupCipherLengths(
    NCRYPT_PROV_HANDLE hSslProvider,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwKeyType,
    NCRYPT_SSL_CIPHER_LENGTHS *pCipherLengths,
    DWORD cbCipherLengths,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslGetCipherSuitePRFHashAlgorithm(
    NCRYPT_PROV_HANDLE hSslProvider,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwKeyType,
    WCHAR szPRFHash[NCRYPT_SSL_MAX_NAME_SIZE],
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslEnumEccCurves(
    NCRYPT_PROV_HANDLE hSslProvider,
    DWORD *pEccCurveCount,
    NCRYPT_SSL_ECC_CURVE **ppEccCurve,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}
