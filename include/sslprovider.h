/*
 * sslprovider.h - the CNG SSL protocol provider interface (Schannel's provider ABI).
 *
 * Declares, with the Windows SDK's names and values, everything in the SDK's sslprovider.h that a
 * provider implements or a caller uses: the 41 members of NCRYPT_SSL_FUNCTION_TABLE (interface
 * versions 1-5), GetSChannelInterface, SslInitializeInterface, the router-level functions
 * (SslEnumProtocolProviders, SslIncrement/DecrementProviderReferenceCount, SslChangeNotify) and the
 * unpublished SslExpandNextGenTrafficKey; their *Fn typedefs; the constants, structures and buffer
 * types. mingw-w64 ships no sslprovider.h, and Linux has no Windows SDK at all, so opensslp ships
 * this one. It compiles as C (C11) and C++, on Windows and elsewhere; off Windows the base types
 * keep their Windows sizes (see opensslp/win_types.h).
 *
 * Source of every declaration: the interface reference in docs/reference/ (README.md there;
 * docs/interface.md lists opensslp's inferences), which follows the SDK header (win32metadata
 * copy). SslExpandNextGenTrafficKey's prototype is an inference from call sites (no public header
 * declares it).
 */
#ifndef OPENSSLP_SSLPROVIDER_H
#define OPENSSLP_SSLPROVIDER_H

#include "opensslp/win_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Provider names ------------------------------------------------------------------------ */
#ifndef MS_SCHANNEL_PROVIDER
#define MS_SCHANNEL_PROVIDER OPENSSLP_W("Microsoft SSL Protocol Provider")
#endif

/* ---- Interface versions (BCRYPT_INTERFACE_VERSION initialisers) -------------------------------- */
#define NCRYPT_SSL_INTERFACE_VERSION_1 BCRYPT_MAKE_INTERFACE_VERSION(1, 0)
#define NCRYPT_SSL_INTERFACE_VERSION NCRYPT_SSL_INTERFACE_VERSION_1 /* never bumped by the SDK */
#define NCRYPT_SSL_INTERFACE_VERSION_2 BCRYPT_MAKE_INTERFACE_VERSION(2, 0)
#define NCRYPT_SSL_INTERFACE_VERSION_3 BCRYPT_MAKE_INTERFACE_VERSION(3, 0)
#define NCRYPT_SSL_INTERFACE_VERSION_4 BCRYPT_MAKE_INTERFACE_VERSION(4, 0)
#define NCRYPT_SSL_INTERFACE_VERSION_5 BCRYPT_MAKE_INTERFACE_VERSION(5, 0)

/* ---- Role flags ---------------------------------------------------------------------------- */
#define NCRYPT_SSL_CLIENT_FLAG 0x00000001
#define NCRYPT_SSL_SERVER_FLAG 0x00000002

/* ---- Protocol identifiers: wire versions, not bit masks ------------------------------------- */
#define SSL2_PROTOCOL_VERSION 0x0002
#define SSL3_PROTOCOL_VERSION 0x0300
#define TLS1_PROTOCOL_VERSION 0x0301
#define TLS1_0_PROTOCOL_VERSION TLS1_PROTOCOL_VERSION
#define TLS1_1_PROTOCOL_VERSION 0x0302
#define TLS1_2_PROTOCOL_VERSION 0x0303
#define TLS1_3_PROTOCOL_VERSION 0x0304
#define DTLS1_0_PROTOCOL_VERSION 0xfeff
#define DTLS1_2_PROTOCOL_VERSION 0xfefd

/* ---- Cipher-suite identifiers the SDK header lists (IANA values) ---------------------------- */
#define TLS_RSA_WITH_NULL_MD5 0x0001
#define TLS_RSA_WITH_NULL_SHA 0x0002
#define TLS_RSA_EXPORT_WITH_RC4_40_MD5 0x0003
#define TLS_RSA_WITH_RC4_128_MD5 0x0004
#define TLS_RSA_WITH_RC4_128_SHA 0x0005
#define TLS_RSA_WITH_DES_CBC_SHA 0x0009
#define TLS_RSA_WITH_3DES_EDE_CBC_SHA 0x000A
#define TLS_DHE_DSS_WITH_DES_CBC_SHA 0x0012
#define TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA 0x0013
#define TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA 0x0016
#define TLS_RSA_WITH_AES_128_CBC_SHA 0x002F
#define TLS_DHE_DSS_WITH_AES_128_CBC_SHA 0x0032
#define TLS_DHE_RSA_WITH_AES_128_CBC_SHA 0x0033
#define TLS_RSA_WITH_AES_256_CBC_SHA 0x0035
#define TLS_DHE_DSS_WITH_AES_256_CBC_SHA 0x0038
#define TLS_DHE_RSA_WITH_AES_256_CBC_SHA 0x0039
#define TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA 0x0062
#define TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA 0x0063
#define TLS_RSA_EXPORT1024_WITH_RC4_56_SHA 0x0064
#define TLS_RSA_WITH_NULL_SHA256 0x003B
#define TLS_RSA_WITH_AES_128_CBC_SHA256 0x003C
#define TLS_RSA_WITH_AES_256_CBC_SHA256 0x003D
#define TLS_DHE_DSS_WITH_AES_128_CBC_SHA256 0x0040
#define TLS_DHE_DSS_WITH_AES_256_CBC_SHA256 0x006A
#define TLS_RSA_WITH_AES_128_GCM_SHA256 0x009C
#define TLS_RSA_WITH_AES_256_GCM_SHA384 0x009D
#define TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 0x009E
#define TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 0x009F
#define TLS_PSK_WITH_AES_128_GCM_SHA256 0x00A8
#define TLS_PSK_WITH_AES_256_GCM_SHA384 0x00A9
#define TLS_PSK_WITH_AES_128_CBC_SHA256 0x00AE
#define TLS_PSK_WITH_AES_256_CBC_SHA384 0x00AF
#define TLS_PSK_WITH_NULL_SHA256 0x00B0
#define TLS_PSK_WITH_NULL_SHA384 0x00B1
#define TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA 0xc009
#define TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA 0xc00a
#define TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA 0xc013
#define TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA 0xc014
#define TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 0xc023
#define TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 0xc024
#define TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 0xc027
#define TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 0xc028
#define TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 0xc02b
#define TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 0xc02c
#define TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 0xc02f
#define TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 0xc030
#define TLS_AES_128_GCM_SHA256 0x1301
#define TLS_AES_256_GCM_SHA384 0x1302
#define SSL_CK_RC4_128_WITH_MD5 0x010080
#define SSL_CK_RC4_128_EXPORT40_WITH_MD5 0x020080
#define SSL_CK_RC2_128_CBC_WITH_MD5 0x030080
#define SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5 0x040080
#define SSL_CK_IDEA_128_CBC_WITH_MD5 0x050080
#define SSL_CK_DES_64_CBC_WITH_MD5 0x060040
#define SSL_CK_DES_192_EDE3_CBC_WITH_MD5 0x0700C0

/* ---- Key types: IANA NamedGroup numbers (0 for non-ECC) -------------------------------------- */
#define TLS_ECC_P256_CURVE_KEY_TYPE 23
#define TLS_ECC_P384_CURVE_KEY_TYPE 24
#define TLS_ECC_P521_CURVE_KEY_TYPE 25

/* ---- Names ----------------------------------------------------------------------------------- */
#define SSL_ECDSA_ALGORITHM OPENSSLP_W("ECDSA")
#define TLS_PSK_EXCHANGE OPENSSLP_W("PSK")
#define TLS_RSA_PSK_EXCHANGE OPENSSLP_W("RSA_PSK")
#define SSL_KEY_TYPE_PROPERTY OPENSSLP_W("KEYTYPE")
#define NCRYPT_SSL_MAX_NAME_SIZE 64

/* ---- Flags ----------------------------------------------------------------------------------- */
#define NCRYPT_SSL_EAP_PRF_FIELD 0x000000ff
#define NCRYPT_SSL_EAP_ID 0x00000000
#define NCRYPT_SSL_EAP_TTLSV0_ID 0x00000001
#define NCRYPT_SSL_EAP_TTLSV0_CHLNG_ID 0x00000002
#define NCRYPT_SSL_EAP_FAST_ID 0x00000003
#define NCRYPT_SSL_SIGN_INCLUDE_HASHOID 0x00000001
#define NCRYPT_SSL_SIGN_USE_PSS_PADDING 0x00000002
#define NCRYPT_SSL_EXTERNAL_PSK_FLAG 0x00000001
#define NCRYPT_SSL_RESUMPTION_PSK_FLAG 0x00000002
#define NCRYPT_SSL_CIPHER_SUITE_EX_VERSION 1
#define NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING 0x00000001

/* ---- Record content types. The SDK does not define these names; the values are TLS's. ----- */
#ifndef CT_CHANGE_CIPHER_SPEC
#define CT_CHANGE_CIPHER_SPEC 20
#define CT_ALERT 21
#define CT_HANDSHAKE 22
#define CT_APPLICATIONDATA 23
#endif

/* ---- Structures ------------------------------------------------------------------------------ */
typedef struct _NCRYPT_SSL_CIPHER_SUITE {
  DWORD dwProtocol;                              /* wire version, e.g. 0x0303 */
  DWORD dwCipherSuite;                           /* IANA id */
  DWORD dwBaseCipherSuite;
  WCHAR szCipherSuite[NCRYPT_SSL_MAX_NAME_SIZE]; /* e.g. "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" */
  WCHAR szCipher[NCRYPT_SSL_MAX_NAME_SIZE];      /* CNG algorithm id, e.g. "AES" */
  DWORD dwCipherLen;                             /* key length in bits */
  DWORD dwCipherBlockLen;                        /* block length in bytes */
  WCHAR szHash[NCRYPT_SSL_MAX_NAME_SIZE];        /* MAC hash ("" for AEAD) */
  DWORD dwHashLen;                               /* MAC length in bits (0 for AEAD) */
  WCHAR szExchange[NCRYPT_SSL_MAX_NAME_SIZE];    /* "RSA", "ECDH", "DH", "PSK" */
  DWORD dwMinExchangeLen;
  DWORD dwMaxExchangeLen;
  WCHAR szCertificate[NCRYPT_SSL_MAX_NAME_SIZE]; /* "RSA", "ECDSA", "" */
  DWORD dwKeyType;                               /* ECC key type (IANA group) or 0 */
} NCRYPT_SSL_CIPHER_SUITE;

typedef struct _NCRYPT_SSL_CIPHER_SUITE_EX {
  DWORD dwVersion; /* NCRYPT_SSL_CIPHER_SUITE_EX_VERSION */
  DWORD dwProtocol;
  DWORD dwCipherSuite;
  DWORD dwBaseCipherSuite;
  WCHAR szCipherSuite[NCRYPT_SSL_MAX_NAME_SIZE];
  WCHAR szCipher[NCRYPT_SSL_MAX_NAME_SIZE];
  DWORD dwCipherLen;
  DWORD dwCipherBlockLen;
  WCHAR szHash[NCRYPT_SSL_MAX_NAME_SIZE];
  DWORD dwHashLen;
  WCHAR szExchange[NCRYPT_SSL_MAX_NAME_SIZE];
  DWORD dwMinExchangeLen;
  DWORD dwMaxExchangeLen;
  WCHAR szCertificate[NCRYPT_SSL_MAX_NAME_SIZE];
  DWORD dwKeyType;
  WCHAR szCipherMode[NCRYPT_SSL_MAX_NAME_SIZE]; /* chaining mode, e.g. "ChainingModeGCM" (inference) */
} NCRYPT_SSL_CIPHER_SUITE_EX;

typedef struct _NCRYPT_SSL_CIPHER_LENGTHS {
  DWORD cbLength;                /* sizeof(NCRYPT_SSL_CIPHER_LENGTHS) */
  DWORD dwHeaderLen;             /* bytes between the 5-byte record header and the ciphertext */
  DWORD dwFixedTrailerLen;       /* MAC or tag */
  DWORD dwMaxVariableTrailerLen; /* maximum CBC padding */
  DWORD dwFlags;                 /* NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING */
} NCRYPT_SSL_CIPHER_LENGTHS;

#define MSCRYPT_ECC_MAX_OID_LENGTH 255
#define MSCRYPT_ECC_MAX_CURVE_NAME_LENGTH 255
typedef struct _NCRYPT_SSL_ECC_CURVE {
  WCHAR szCurveName[MSCRYPT_ECC_MAX_CURVE_NAME_LENGTH]; /* e.g. "curve25519", "nistP256" */
  CHAR szOID[MSCRYPT_ECC_MAX_OID_LENGTH];
  DWORD dwPublicKeyLength;
  DWORD dwCurveType; /* IANA NamedGroup */
  DWORD dwFlags;
} NCRYPT_SSL_ECC_CURVE, *PNCRYPT_SSL_ECC_CURVE;

/* ---- Function typedefs (NCRYPT_SSL_FUNCTION_TABLE members) ----------------------------------- */
typedef SECURITY_STATUS(WINAPI* SslComputeClientAuthHashFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_HASH_HANDLE hHandshakeHash,
    LPCWSTR pszAlgId,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslComputeEapKeyBlockFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    PBYTE pbRandoms,
    DWORD cbRandoms,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslComputeFinishedHashFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_HASH_HANDLE hHandshakeHash,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslCreateEphemeralKeyFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE *phEphemeralKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwKeyType,
    DWORD dwKeyBitLen,
    PBYTE pbParams,
    DWORD cbParams,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslCreateHandshakeHashFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE *phHandshakeHash,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslDecryptPacketFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hKey,
    PBYTE pbInput,
    DWORD cbInput,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    ULONGLONG SequenceNumber,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslEncryptPacketFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hKey,
    PBYTE pbInput,
    DWORD cbInput,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    ULONGLONG SequenceNumber,
    DWORD dwContentType,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslEnumCipherSuitesFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_SSL_CIPHER_SUITE **ppCipherSuite,
    PVOID *ppEnumState,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslExportKeyFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hKey,
    LPCWSTR pszBlobType,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslFreeBufferFn)(
    PVOID pvInput);
typedef SECURITY_STATUS(WINAPI* SslFreeObjectFn)(
    NCRYPT_HANDLE hObject,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslGenerateMasterKeyFn)(
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
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslGenerateSessionKeysFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_KEY_HANDLE *phReadKey,
    NCRYPT_KEY_HANDLE *phWriteKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslGetKeyPropertyFn)(
    NCRYPT_KEY_HANDLE hKey,
    LPCWSTR pszProperty,
    PBYTE *ppbOutput,
    DWORD *pcbOutput,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslGetProviderPropertyFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    LPCWSTR pszProperty,
    PBYTE *ppbOutput,
    DWORD *pcbOutput,
    PVOID *ppEnumState,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslHashHandshakeFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE hHandshakeHash,
    PBYTE pbInput,
    DWORD cbInput,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslImportMasterKeyFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_KEY_HANDLE *phMasterKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    PNCryptBufferDesc pParameterList,
    PBYTE pbEncryptedKey,
    DWORD cbEncryptedKey,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslImportKeyFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE *phKey,
    LPCWSTR pszBlobType,
    PBYTE pbKeyBlob,
    DWORD cbKeyBlob,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslLookupCipherSuiteInfoFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwKeyType,
    NCRYPT_SSL_CIPHER_SUITE *pCipherSuite,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslOpenPrivateKeyFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE *phPrivateKey,
    PCCERT_CONTEXT pCertContext,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslOpenProviderFn)(
    NCRYPT_PROV_HANDLE *phSslProvider,
    LPCWSTR pszProviderName,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslSignHashFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    PBYTE pbHashValue,
    DWORD cbHashValue,
    PBYTE pbSignature,
    DWORD cbSignature,
    DWORD *pcbResult,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslVerifySignatureFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPublicKey,
    PBYTE pbHashValue,
    DWORD cbHashValue,
    PBYTE pbSignature,
    DWORD cbSignature,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslLookupCipherLengthsFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwKeyType,
    NCRYPT_SSL_CIPHER_LENGTHS *pCipherLengths,
    DWORD cbCipherLengths,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslCreateClientAuthHashFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE *phHandshakeHash,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    LPCWSTR pszHashAlgId,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslGetCipherSuitePRFHashAlgorithmFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwKeyType,
    WCHAR szPRFHash[NCRYPT_SSL_MAX_NAME_SIZE],
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslComputeSessionHashFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE hHandshakeHash,
    DWORD dwProtocol,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslGeneratePreMasterKeyFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPublicKey,
    NCRYPT_KEY_HANDLE *phPreMasterKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    PNCryptBufferDesc pParameterList,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslEnumEccCurvesFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    DWORD *pEccCurveCount,
    NCRYPT_SSL_ECC_CURVE **ppEccCurve,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslExportKeyingMaterialFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    PCHAR sLabel,
    PBYTE pbRandoms,
    DWORD cbRandoms,
    PBYTE pbContextValue,
    WORD cbContextValue,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslExtractEarlyKeyFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPreSharedKey,
    NCRYPT_KEY_HANDLE *phEarlyKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslExtractHandshakeKeyFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_KEY_HANDLE hPublicKey,
    NCRYPT_KEY_HANDLE hEarlyKey,
    NCRYPT_KEY_HANDLE *phHandshakeKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslExtractMasterKeyFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hHandshakeKey,
    NCRYPT_KEY_HANDLE *phMasterKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslExpandTrafficKeysFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hBaseKey,
    NCRYPT_HASH_HANDLE hHashValue,
    NCRYPT_KEY_HANDLE *phClientTrafficKey,
    NCRYPT_KEY_HANDLE *phServerTrafficKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslExpandWriteKeyFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hBaseTrafficKey,
    NCRYPT_KEY_HANDLE *phWriteKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslExpandExporterMasterKeyFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hBaseKey,
    NCRYPT_HASH_HANDLE hHashValue,
    NCRYPT_KEY_HANDLE *phExporterMasterKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslEnumCipherSuitesExFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_SSL_CIPHER_SUITE_EX **ppCipherSuite,
    PVOID *ppEnumState,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslExpandResumptionMasterKeyFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_HASH_HANDLE hHashValue,
    NCRYPT_KEY_HANDLE *phResumptionMasterKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslDuplicateTranscriptHashFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE hTranscriptHash,
    NCRYPT_HASH_HANDLE *phTranscriptHash,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslExpandBinderKeyFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hEarlyKey,
    NCRYPT_KEY_HANDLE *phBinderKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslExpandPreSharedKeyFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hResumptionMasterKey,
    PBYTE pbTicketNonce,
    DWORD cbTicketNonce,
    NCRYPT_KEY_HANDLE *phPreSharedKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);

/* ---- The function table. Member order is the ABI: do not reorder. --------------------------- */
typedef struct _NCRYPT_SSL_FUNCTION_TABLE {
  BCRYPT_INTERFACE_VERSION Version;
  /* --- NCRYPT_SSL_INTERFACE_VERSION_1 --- */
  SslComputeClientAuthHashFn ComputeClientAuthHash;
  SslComputeEapKeyBlockFn ComputeEapKeyBlock;
  SslComputeFinishedHashFn ComputeFinishedHash;
  SslCreateEphemeralKeyFn CreateEphemeralKey;
  SslCreateHandshakeHashFn CreateHandshakeHash;
  SslDecryptPacketFn DecryptPacket;
  SslEncryptPacketFn EncryptPacket;
  SslEnumCipherSuitesFn EnumCipherSuites;
  SslExportKeyFn ExportKey;
  SslFreeBufferFn FreeBuffer;
  SslFreeObjectFn FreeObject;
  SslGenerateMasterKeyFn GenerateMasterKey;
  SslGenerateSessionKeysFn GenerateSessionKeys;
  SslGetKeyPropertyFn GetKeyProperty;
  SslGetProviderPropertyFn GetProviderProperty;
  SslHashHandshakeFn HashHandshake;
  SslImportMasterKeyFn ImportMasterKey;
  SslImportKeyFn ImportKey;
  SslLookupCipherSuiteInfoFn LookupCipherSuiteInfo;
  SslOpenPrivateKeyFn OpenPrivateKey;
  SslOpenProviderFn OpenProvider;
  SslSignHashFn SignHash;
  SslVerifySignatureFn VerifySignature;
  /* v1 ends: 192 bytes on 64-bit, 96 on 32-bit */
  /* --- NCRYPT_SSL_INTERFACE_VERSION_2 --- */
  SslLookupCipherLengthsFn LookupCipherLengths;
  SslCreateClientAuthHashFn CreateClientAuthHash;
  SslGetCipherSuitePRFHashAlgorithmFn GetCipherSuitePRFHashAlgorithm;
  /* v2 ends: 216 / 108 */
  /* --- NCRYPT_SSL_INTERFACE_VERSION_3 --- */
  SslComputeSessionHashFn ComputeSessionHash;
  SslGeneratePreMasterKeyFn GeneratePreMasterKey;
  SslEnumEccCurvesFn EnumEccCurves;
  SslExportKeyingMaterialFn ExportKeyingMaterial;
  /* v3 ends: 248 / 124 */
  /* --- NCRYPT_SSL_INTERFACE_VERSION_4 --- */
  SslExtractEarlyKeyFn ExtractEarlyKey;
  SslExtractHandshakeKeyFn ExtractHandshakeKey;
  SslExtractMasterKeyFn ExtractMasterKey;
  SslExpandTrafficKeysFn ExpandTrafficKeys;
  SslExpandWriteKeyFn ExpandWriteKey;
  SslExpandExporterMasterKeyFn ExpandExporterMasterKey;
  SslEnumCipherSuitesExFn EnumCipherSuitesEx;
  /* v4 ends: 304 / 152 */
  /* --- NCRYPT_SSL_INTERFACE_VERSION_5 --- */
  SslExpandResumptionMasterKeyFn ExpandResumptionMasterKey;
  SslDuplicateTranscriptHashFn DuplicateTranscriptHash;
  SslExpandBinderKeyFn ExpandBinderKey;
  SslExpandPreSharedKeyFn ExpandPreSharedKey;
  /* v5 ends: 336 / 168 */
} NCRYPT_SSL_FUNCTION_TABLE;

/* ---- The provider's entry point and the router-level functions --------------------------------- */
NTSTATUS WINAPI GetSChannelInterface(
    LPCWSTR pszProviderName,
    NCRYPT_SSL_FUNCTION_TABLE **ppFunctionTable,
    DWORD dwFlags);
typedef NTSTATUS(WINAPI* GetSChannelInterfaceFn)(
    LPCWSTR pszProviderName,
    NCRYPT_SSL_FUNCTION_TABLE **ppFunctionTable,
    DWORD dwFlags);

SECURITY_STATUS WINAPI SslInitializeInterface(
    LPCWSTR pszProviderName,
    NCRYPT_SSL_FUNCTION_TABLE *pFunctionTable,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslInitializeInterfaceFn)(
    LPCWSTR pszProviderName,
    NCRYPT_SSL_FUNCTION_TABLE *pFunctionTable,
    DWORD dwFlags);

SECURITY_STATUS WINAPI SslEnumProtocolProviders(
    DWORD *pdwProviderCount,
    NCryptProviderName **ppProviderList,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslIncrementProviderReferenceCount(
    NCRYPT_PROV_HANDLE hSslProvider);
SECURITY_STATUS WINAPI SslDecrementProviderReferenceCount(
    NCRYPT_PROV_HANDLE hSslProvider);
SECURITY_STATUS WINAPI SslChangeNotify(
    HANDLE hEvent,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslExpandNextGenTrafficKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hBaseTrafficKey,
    NCRYPT_KEY_HANDLE *phNextTrafficKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);

typedef SECURITY_STATUS(WINAPI* SslEnumProtocolProvidersFn)(
    DWORD *pdwProviderCount,
    NCryptProviderName **ppProviderList,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslIncrementProviderReferenceCountFn)(
    NCRYPT_PROV_HANDLE hSslProvider);
typedef SECURITY_STATUS(WINAPI* SslDecrementProviderReferenceCountFn)(
    NCRYPT_PROV_HANDLE hSslProvider);
typedef SECURITY_STATUS(WINAPI* SslChangeNotifyFn)(
    HANDLE hEvent,
    DWORD dwFlags);
typedef SECURITY_STATUS(WINAPI* SslExpandNextGenTrafficKeyFn)(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hBaseTrafficKey,
    NCRYPT_KEY_HANDLE *phNextTrafficKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);

/* ---- Prototypes of the table members (exported by ncrypt.dll, and by opensslp) ------------- */
SECURITY_STATUS WINAPI SslComputeClientAuthHash(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_HASH_HANDLE hHandshakeHash,
    LPCWSTR pszAlgId,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslComputeEapKeyBlock(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    PBYTE pbRandoms,
    DWORD cbRandoms,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslComputeFinishedHash(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_HASH_HANDLE hHandshakeHash,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslCreateEphemeralKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE *phEphemeralKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwKeyType,
    DWORD dwKeyBitLen,
    PBYTE pbParams,
    DWORD cbParams,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslCreateHandshakeHash(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE *phHandshakeHash,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslDecryptPacket(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hKey,
    PBYTE pbInput,
    DWORD cbInput,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    ULONGLONG SequenceNumber,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslEncryptPacket(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hKey,
    PBYTE pbInput,
    DWORD cbInput,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    ULONGLONG SequenceNumber,
    DWORD dwContentType,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslEnumCipherSuites(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_SSL_CIPHER_SUITE **ppCipherSuite,
    PVOID *ppEnumState,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslExportKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hKey,
    LPCWSTR pszBlobType,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslFreeBuffer(
    PVOID pvInput);
SECURITY_STATUS WINAPI SslFreeObject(
    NCRYPT_HANDLE hObject,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslGenerateMasterKey(
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
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslGenerateSessionKeys(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_KEY_HANDLE *phReadKey,
    NCRYPT_KEY_HANDLE *phWriteKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslGetKeyProperty(
    NCRYPT_KEY_HANDLE hKey,
    LPCWSTR pszProperty,
    PBYTE *ppbOutput,
    DWORD *pcbOutput,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslGetProviderProperty(
    NCRYPT_PROV_HANDLE hSslProvider,
    LPCWSTR pszProperty,
    PBYTE *ppbOutput,
    DWORD *pcbOutput,
    PVOID *ppEnumState,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslHashHandshake(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE hHandshakeHash,
    PBYTE pbInput,
    DWORD cbInput,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslImportMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_KEY_HANDLE *phMasterKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    PNCryptBufferDesc pParameterList,
    PBYTE pbEncryptedKey,
    DWORD cbEncryptedKey,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslImportKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE *phKey,
    LPCWSTR pszBlobType,
    PBYTE pbKeyBlob,
    DWORD cbKeyBlob,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslLookupCipherSuiteInfo(
    NCRYPT_PROV_HANDLE hSslProvider,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwKeyType,
    NCRYPT_SSL_CIPHER_SUITE *pCipherSuite,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslOpenPrivateKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE *phPrivateKey,
    PCCERT_CONTEXT pCertContext,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslOpenProvider(
    NCRYPT_PROV_HANDLE *phSslProvider,
    LPCWSTR pszProviderName,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslSignHash(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    PBYTE pbHashValue,
    DWORD cbHashValue,
    PBYTE pbSignature,
    DWORD cbSignature,
    DWORD *pcbResult,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslVerifySignature(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPublicKey,
    PBYTE pbHashValue,
    DWORD cbHashValue,
    PBYTE pbSignature,
    DWORD cbSignature,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslLookupCipherLengths(
    NCRYPT_PROV_HANDLE hSslProvider,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwKeyType,
    NCRYPT_SSL_CIPHER_LENGTHS *pCipherLengths,
    DWORD cbCipherLengths,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslCreateClientAuthHash(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE *phHandshakeHash,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    LPCWSTR pszHashAlgId,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslGetCipherSuitePRFHashAlgorithm(
    NCRYPT_PROV_HANDLE hSslProvider,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwKeyType,
    WCHAR szPRFHash[NCRYPT_SSL_MAX_NAME_SIZE],
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslComputeSessionHash(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE hHandshakeHash,
    DWORD dwProtocol,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslGeneratePreMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPublicKey,
    NCRYPT_KEY_HANDLE *phPreMasterKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    PNCryptBufferDesc pParameterList,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslEnumEccCurves(
    NCRYPT_PROV_HANDLE hSslProvider,
    DWORD *pEccCurveCount,
    NCRYPT_SSL_ECC_CURVE **ppEccCurve,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslExportKeyingMaterial(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    PCHAR sLabel,
    PBYTE pbRandoms,
    DWORD cbRandoms,
    PBYTE pbContextValue,
    WORD cbContextValue,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslExtractEarlyKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPreSharedKey,
    NCRYPT_KEY_HANDLE *phEarlyKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslExtractHandshakeKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_KEY_HANDLE hPublicKey,
    NCRYPT_KEY_HANDLE hEarlyKey,
    NCRYPT_KEY_HANDLE *phHandshakeKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslExtractMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hHandshakeKey,
    NCRYPT_KEY_HANDLE *phMasterKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslExpandTrafficKeys(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hBaseKey,
    NCRYPT_HASH_HANDLE hHashValue,
    NCRYPT_KEY_HANDLE *phClientTrafficKey,
    NCRYPT_KEY_HANDLE *phServerTrafficKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslExpandWriteKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hBaseTrafficKey,
    NCRYPT_KEY_HANDLE *phWriteKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslExpandExporterMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hBaseKey,
    NCRYPT_HASH_HANDLE hHashValue,
    NCRYPT_KEY_HANDLE *phExporterMasterKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslEnumCipherSuitesEx(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_SSL_CIPHER_SUITE_EX **ppCipherSuite,
    PVOID *ppEnumState,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslExpandResumptionMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_HASH_HANDLE hHashValue,
    NCRYPT_KEY_HANDLE *phResumptionMasterKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslDuplicateTranscriptHash(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE hTranscriptHash,
    NCRYPT_HASH_HANDLE *phTranscriptHash,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslExpandBinderKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hEarlyKey,
    NCRYPT_KEY_HANDLE *phBinderKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);
SECURITY_STATUS WINAPI SslExpandPreSharedKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hResumptionMasterKey,
    PBYTE pbTicketNonce,
    DWORD cbTicketNonce,
    NCRYPT_KEY_HANDLE *phPreSharedKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);

#ifdef __cplusplus
} /* extern "C" */
#endif

/* ---- Layout checks: the sizes and offsets the SDK structures have on Windows. ---------------- */
#ifdef __cplusplus
#include <cstddef>
#define OPENSSLP_SSLP_ASSERT(c, m) static_assert(c, m)
#else
#include <stddef.h>
#define OPENSSLP_SSLP_ASSERT(c, m) _Static_assert(c, m)
#endif
OPENSSLP_SSLP_ASSERT(sizeof(WCHAR) == 2, "WCHAR is a 16-bit UTF-16 code unit");
OPENSSLP_SSLP_ASSERT(sizeof(DWORD) == 4 && sizeof(ULONG) == 4 && sizeof(LONG) == 4, "32-bit DWORD/ULONG/LONG");
OPENSSLP_SSLP_ASSERT(sizeof(NCRYPT_HANDLE) == sizeof(void*), "handles are pointer-sized");
OPENSSLP_SSLP_ASSERT(sizeof(BCRYPT_INTERFACE_VERSION) == 4, "BCRYPT_INTERFACE_VERSION");
OPENSSLP_SSLP_ASSERT(sizeof(NCRYPT_SSL_CIPHER_SUITE) == 676, "NCRYPT_SSL_CIPHER_SUITE is 676 bytes");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_CIPHER_SUITE, szCipherSuite) == 12, "szCipherSuite");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_CIPHER_SUITE, szCipher) == 140, "szCipher");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_CIPHER_SUITE, dwCipherLen) == 268, "dwCipherLen");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_CIPHER_SUITE, szHash) == 276, "szHash");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_CIPHER_SUITE, dwHashLen) == 404, "dwHashLen");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_CIPHER_SUITE, szExchange) == 408, "szExchange");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_CIPHER_SUITE, dwMinExchangeLen) == 536, "dwMinExchangeLen");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_CIPHER_SUITE, szCertificate) == 544, "szCertificate");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_CIPHER_SUITE, dwKeyType) == 672, "dwKeyType");
OPENSSLP_SSLP_ASSERT(sizeof(NCRYPT_SSL_CIPHER_SUITE_EX) == 808, "NCRYPT_SSL_CIPHER_SUITE_EX is 808 bytes");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, dwProtocol) == 4, "EX.dwProtocol");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, szCipherMode) == 680, "EX.szCipherMode");
OPENSSLP_SSLP_ASSERT(sizeof(NCRYPT_SSL_CIPHER_LENGTHS) == 20, "NCRYPT_SSL_CIPHER_LENGTHS is 20 bytes");
OPENSSLP_SSLP_ASSERT(sizeof(NCRYPT_SSL_ECC_CURVE) == 780, "NCRYPT_SSL_ECC_CURVE is 780 bytes");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_ECC_CURVE, szOID) == 510, "ECC_CURVE.szOID");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_ECC_CURVE, dwPublicKeyLength) == 768, "ECC_CURVE.dwPublicKeyLength");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_ECC_CURVE, dwCurveType) == 772, "ECC_CURVE.dwCurveType");
OPENSSLP_SSLP_ASSERT(sizeof(BCryptBuffer) == (sizeof(void*) == 8 ? 16 : 12), "BCryptBuffer");
OPENSSLP_SSLP_ASSERT(sizeof(BCryptBufferDesc) == (sizeof(void*) == 8 ? 16 : 12), "BCryptBufferDesc");
OPENSSLP_SSLP_ASSERT(sizeof(NCRYPT_SSL_FUNCTION_TABLE) == (sizeof(void*) == 8 ? 336 : 168), "function table size");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ComputeClientAuthHash) == (sizeof(void*) == 8 ? 8 : 4), "ComputeClientAuthHash offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ComputeEapKeyBlock) == (sizeof(void*) == 8 ? 16 : 8), "ComputeEapKeyBlock offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ComputeFinishedHash) == (sizeof(void*) == 8 ? 24 : 12), "ComputeFinishedHash offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, CreateEphemeralKey) == (sizeof(void*) == 8 ? 32 : 16), "CreateEphemeralKey offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, CreateHandshakeHash) == (sizeof(void*) == 8 ? 40 : 20), "CreateHandshakeHash offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, DecryptPacket) == (sizeof(void*) == 8 ? 48 : 24), "DecryptPacket offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, EncryptPacket) == (sizeof(void*) == 8 ? 56 : 28), "EncryptPacket offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, EnumCipherSuites) == (sizeof(void*) == 8 ? 64 : 32), "EnumCipherSuites offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ExportKey) == (sizeof(void*) == 8 ? 72 : 36), "ExportKey offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, FreeBuffer) == (sizeof(void*) == 8 ? 80 : 40), "FreeBuffer offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, FreeObject) == (sizeof(void*) == 8 ? 88 : 44), "FreeObject offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, GenerateMasterKey) == (sizeof(void*) == 8 ? 96 : 48), "GenerateMasterKey offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, GenerateSessionKeys) == (sizeof(void*) == 8 ? 104 : 52), "GenerateSessionKeys offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, GetKeyProperty) == (sizeof(void*) == 8 ? 112 : 56), "GetKeyProperty offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, GetProviderProperty) == (sizeof(void*) == 8 ? 120 : 60), "GetProviderProperty offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, HashHandshake) == (sizeof(void*) == 8 ? 128 : 64), "HashHandshake offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ImportMasterKey) == (sizeof(void*) == 8 ? 136 : 68), "ImportMasterKey offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ImportKey) == (sizeof(void*) == 8 ? 144 : 72), "ImportKey offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, LookupCipherSuiteInfo) == (sizeof(void*) == 8 ? 152 : 76), "LookupCipherSuiteInfo offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, OpenPrivateKey) == (sizeof(void*) == 8 ? 160 : 80), "OpenPrivateKey offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, OpenProvider) == (sizeof(void*) == 8 ? 168 : 84), "OpenProvider offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, SignHash) == (sizeof(void*) == 8 ? 176 : 88), "SignHash offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, VerifySignature) == (sizeof(void*) == 8 ? 184 : 92), "VerifySignature offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, LookupCipherLengths) == (sizeof(void*) == 8 ? 192 : 96), "LookupCipherLengths offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, CreateClientAuthHash) == (sizeof(void*) == 8 ? 200 : 100), "CreateClientAuthHash offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, GetCipherSuitePRFHashAlgorithm) == (sizeof(void*) == 8 ? 208 : 104), "GetCipherSuitePRFHashAlgorithm offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ComputeSessionHash) == (sizeof(void*) == 8 ? 216 : 108), "ComputeSessionHash offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, GeneratePreMasterKey) == (sizeof(void*) == 8 ? 224 : 112), "GeneratePreMasterKey offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, EnumEccCurves) == (sizeof(void*) == 8 ? 232 : 116), "EnumEccCurves offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ExportKeyingMaterial) == (sizeof(void*) == 8 ? 240 : 120), "ExportKeyingMaterial offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ExtractEarlyKey) == (sizeof(void*) == 8 ? 248 : 124), "ExtractEarlyKey offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ExtractHandshakeKey) == (sizeof(void*) == 8 ? 256 : 128), "ExtractHandshakeKey offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ExtractMasterKey) == (sizeof(void*) == 8 ? 264 : 132), "ExtractMasterKey offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ExpandTrafficKeys) == (sizeof(void*) == 8 ? 272 : 136), "ExpandTrafficKeys offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ExpandWriteKey) == (sizeof(void*) == 8 ? 280 : 140), "ExpandWriteKey offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ExpandExporterMasterKey) == (sizeof(void*) == 8 ? 288 : 144), "ExpandExporterMasterKey offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, EnumCipherSuitesEx) == (sizeof(void*) == 8 ? 296 : 148), "EnumCipherSuitesEx offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ExpandResumptionMasterKey) == (sizeof(void*) == 8 ? 304 : 152), "ExpandResumptionMasterKey offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, DuplicateTranscriptHash) == (sizeof(void*) == 8 ? 312 : 156), "DuplicateTranscriptHash offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ExpandBinderKey) == (sizeof(void*) == 8 ? 320 : 160), "ExpandBinderKey offset");
OPENSSLP_SSLP_ASSERT(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ExpandPreSharedKey) == (sizeof(void*) == 8 ? 328 : 164), "ExpandPreSharedKey offset");
#undef OPENSSLP_SSLP_ASSERT

#endif /* OPENSSLP_SSLPROVIDER_H */
