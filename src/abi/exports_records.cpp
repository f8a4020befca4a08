// exports_records.cpp - record protection (issue #3).
// NOT IMPLEMENTED YET: each function below is exported (so the export list and the function table
// are complete) and returns NTE_NOT_SUPPORTED without touching its arguments; README's status
// table says which issue brings it. The module that implements them replaces this file.
#include "abi/boundary.h"

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslEncryptPacket(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hKey,
    PBYTE pbInput,
    DWORD cbInput,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    ULONGLONG SequenceNumber,
    DWORD dwContentType,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslDecryptPacket(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hKey,
    PBYTE pbInput,
    DWORD cbInput,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    ULONGLONG SequenceNumber,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}
