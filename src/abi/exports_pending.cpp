// exports_pending.cpp - entry points that are exported (so the DLL's export list and the
// function table are complete from the start) but not implemented yet. Each returns
// NTE_NOT_SUPPORTED without touching its arguments; README's status table names the issue that
// brings each one. When a function is implemented, its definition moves to the module's own
// exports_*.cpp file and leaves this one.
#include "abi/boundary.h"

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif

// ---- Brought by issue #3 (TLS 1.0-1.2 key schedule and records) ----
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
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslComputeFinishedHash(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_HASH_HANDLE hHandshakeHash,
    PBYTE pbOutput,
    DWORD cbOutput,
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

// ---- Brought by the TLS 1.3 issue ----
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExtractEarlyKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPreSharedKey,
    NCRYPT_KEY_HANDLE *phEarlyKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExtractHandshakeKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_KEY_HANDLE hPublicKey,
    NCRYPT_KEY_HANDLE hEarlyKey,
    NCRYPT_KEY_HANDLE *phHandshakeKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExtractMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hHandshakeKey,
    NCRYPT_KEY_HANDLE *phMasterKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExpandTrafficKeys(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hBaseKey,
    NCRYPT_HASH_HANDLE hHashValue,
    NCRYPT_KEY_HANDLE *phClientTrafficKey,
    NCRYPT_KEY_HANDLE *phServerTrafficKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExpandWriteKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hBaseTrafficKey,
    NCRYPT_KEY_HANDLE *phWriteKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExpandExporterMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hBaseKey,
    NCRYPT_HASH_HANDLE hHashValue,
    NCRYPT_KEY_HANDLE *phExporterMasterKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExpandResumptionMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_HASH_HANDLE hHashValue,
    NCRYPT_KEY_HANDLE *phResumptionMasterKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslDuplicateTranscriptHash(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE hTranscriptHash,
    NCRYPT_HASH_HANDLE *phTranscriptHash,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExpandBinderKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hEarlyKey,
    NCRYPT_KEY_HANDLE *phBinderKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExpandPreSharedKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hResumptionMasterKey,
    PBYTE pbTicketNonce,
    DWORD cbTicketNonce,
    NCRYPT_KEY_HANDLE *phPreSharedKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExpandNextGenTrafficKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hBaseTrafficKey,
    NCRYPT_KEY_HANDLE *phNextTrafficKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}
