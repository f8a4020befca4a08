// exports_tls13.cpp - the TLS 1.3 key-schedule exports: the Extract/Expand family of interface
// versions 4 and 5 and SslExpandNextGenTrafficKey (docs/reference/functions.md#tls13-key-schedule).
// NOT IMPLEMENTED YET: each function below is exported (so the export list and the function table
// are complete) and returns NTE_NOT_SUPPORTED without touching its arguments; README's status
// table says so. The TLS 1.3 work fills this file in: one shim per export over core/, with the
// stage objects of handles/object.h.
#include "abi/boundary.h"

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExtractEarlyKey(NCRYPT_PROV_HANDLE hSslProvider,
                                                                     NCRYPT_KEY_HANDLE hPreSharedKey,
                                                                     NCRYPT_KEY_HANDLE* phEarlyKey, DWORD dwProtocol,
                                                                     DWORD dwCipherSuite,
                                                                     PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExtractHandshakeKey(
    NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPrivateKey, NCRYPT_KEY_HANDLE hPublicKey,
    NCRYPT_KEY_HANDLE hEarlyKey, NCRYPT_KEY_HANDLE* phHandshakeKey, PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExtractMasterKey(NCRYPT_PROV_HANDLE hSslProvider,
                                                                      NCRYPT_KEY_HANDLE hHandshakeKey,
                                                                      NCRYPT_KEY_HANDLE* phMasterKey,
                                                                      PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI
SslExpandTrafficKeys(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hBaseKey, NCRYPT_HASH_HANDLE hHashValue,
                     NCRYPT_KEY_HANDLE* phClientTrafficKey, NCRYPT_KEY_HANDLE* phServerTrafficKey,
                     PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExpandWriteKey(NCRYPT_PROV_HANDLE hSslProvider,
                                                                    NCRYPT_KEY_HANDLE hBaseTrafficKey,
                                                                    NCRYPT_KEY_HANDLE* phWriteKey,
                                                                    PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI
SslExpandExporterMasterKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hBaseKey, NCRYPT_HASH_HANDLE hHashValue,
                           NCRYPT_KEY_HANDLE* phExporterMasterKey, PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExpandResumptionMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hMasterKey, NCRYPT_HASH_HANDLE hHashValue,
    NCRYPT_KEY_HANDLE* phResumptionMasterKey, PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslDuplicateTranscriptHash(NCRYPT_PROV_HANDLE hSslProvider,
                                                                             NCRYPT_HASH_HANDLE hTranscriptHash,
                                                                             NCRYPT_HASH_HANDLE* phTranscriptHash,
                                                                             DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExpandBinderKey(NCRYPT_PROV_HANDLE hSslProvider,
                                                                     NCRYPT_KEY_HANDLE hEarlyKey,
                                                                     NCRYPT_KEY_HANDLE* phBinderKey,
                                                                     PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExpandPreSharedKey(
    NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hResumptionMasterKey, PBYTE pbTicketNonce, DWORD cbTicketNonce,
    NCRYPT_KEY_HANDLE* phPreSharedKey, PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExpandNextGenTrafficKey(NCRYPT_PROV_HANDLE hSslProvider,
                                                                             NCRYPT_KEY_HANDLE hBaseTrafficKey,
                                                                             NCRYPT_KEY_HANDLE* phNextTrafficKey,
                                                                             PNCryptBufferDesc pParameterList,
                                                                             DWORD dwFlags) {
  return NTE_NOT_SUPPORTED;
}
