/*
 * opensslp/win_types.h - the Windows base types, status codes and CNG structures that
 * sslprovider.h needs, with their Windows sizes, for builds that have no Windows SDK.
 *
 * On Windows (MSVC or mingw-w64) this header includes <windows.h>, <bcrypt.h>, <ncrypt.h> and
 * <wincrypt.h> and only adds what mingw-w64 10 lacks. Everywhere else it defines the subset of
 * those headers the SSL provider interface uses, with the sizes Windows gives them:
 *   - DWORD/ULONG/LONG are 32-bit (never `unsigned long`, which is 64-bit on LP64 Linux);
 *   - WCHAR is a 16-bit UTF-16 code unit (never `wchar_t`, which is 32-bit on Linux);
 *   - handles are pointer-sized unsigned integers (ULONG_PTR).
 * Wide string constants use OPENSSLP_W("...") which is L"..." on Windows and u"..." elsewhere.
 *
 * Compiles as C (C11) and as C++.
 */
#ifndef OPENSSLP_WIN_TYPES_H
#define OPENSSLP_WIN_TYPES_H

#if defined(_WIN32)

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <bcrypt.h>
#include <ncrypt.h>
#include <wincrypt.h>

#define OPENSSLP_W(s) L##s

#else /* !_WIN32 */

#include <stddef.h>
#include <stdint.h>

#define OPENSSLP_W(s) u##s

#ifndef WINAPI
#define WINAPI
#endif
#ifndef __stdcall
#define __stdcall
#endif

typedef int32_t LONG;
typedef uint32_t ULONG;
typedef uint32_t DWORD;
typedef uint16_t WORD;
typedef uint16_t USHORT;
typedef uint64_t ULONGLONG;
typedef uint8_t BYTE;
typedef uint8_t UCHAR;
typedef BYTE* PBYTE;
typedef UCHAR* PUCHAR;
typedef char CHAR;
typedef CHAR* PCHAR;
typedef int32_t BOOL;
typedef uintptr_t ULONG_PTR;
typedef void* PVOID;
typedef void* HANDLE;
typedef ULONG* PULONG;
typedef DWORD* PDWORD;
#ifdef __cplusplus
typedef char16_t WCHAR;
#else
typedef uint16_t WCHAR;
#endif
typedef WCHAR* LPWSTR;
typedef WCHAR* PWSTR;
typedef const WCHAR* LPCWSTR;
typedef const WCHAR* PCWSTR;

typedef LONG SECURITY_STATUS;
typedef LONG NTSTATUS;
typedef LONG HRESULT;

/* Handles (ncrypt.h): pointer-sized, opaque. */
typedef ULONG_PTR NCRYPT_HANDLE;
typedef ULONG_PTR NCRYPT_PROV_HANDLE;
typedef ULONG_PTR NCRYPT_KEY_HANDLE;
typedef ULONG_PTR NCRYPT_HASH_HANDLE;
typedef ULONG_PTR NCRYPT_SECRET_HANDLE;

/* Status codes (winerror.h / ntstatus.h). */
#define ERROR_SUCCESS            0L
#define STATUS_SUCCESS           ((NTSTATUS)0x00000000L)
#define SEC_E_OK                 ((SECURITY_STATUS)0x00000000L)
#define NTE_BAD_UID              ((SECURITY_STATUS)0x80090001L)
#define NTE_BAD_HASH             ((SECURITY_STATUS)0x80090002L)
#define NTE_BAD_KEY              ((SECURITY_STATUS)0x80090003L)
#define NTE_BAD_LEN              ((SECURITY_STATUS)0x80090004L)
#define NTE_BAD_DATA             ((SECURITY_STATUS)0x80090005L)
#define NTE_BAD_SIGNATURE        ((SECURITY_STATUS)0x80090006L)
#define NTE_BAD_ALGID            ((SECURITY_STATUS)0x80090008L)
#define NTE_BAD_FLAGS            ((SECURITY_STATUS)0x80090009L)
#define NTE_BAD_TYPE             ((SECURITY_STATUS)0x8009000AL)
#define NTE_BAD_KEY_STATE        ((SECURITY_STATUS)0x8009000BL)
#define NTE_NO_MEMORY            ((SECURITY_STATUS)0x8009000EL)
#define NTE_PERM                 ((SECURITY_STATUS)0x80090010L)
#define NTE_NOT_FOUND            ((SECURITY_STATUS)0x80090011L)
#define NTE_FAIL                 ((SECURITY_STATUS)0x80090020L)
#define NTE_INVALID_HANDLE       ((SECURITY_STATUS)0x80090026L)
#define NTE_INVALID_PARAMETER    ((SECURITY_STATUS)0x80090027L)
#define NTE_BUFFER_TOO_SMALL     ((SECURITY_STATUS)0x80090028L)
#define NTE_NOT_SUPPORTED        ((SECURITY_STATUS)0x80090029L)
#define NTE_NO_MORE_ITEMS        ((SECURITY_STATUS)0x8009002AL)
#define NTE_BUFFERS_OVERLAP      ((SECURITY_STATUS)0x8009002BL)
#define NTE_DECRYPTION_FAILURE   ((SECURITY_STATUS)0x8009002CL)
#define NTE_INTERNAL_ERROR       ((SECURITY_STATUS)0x8009002DL)
#define STATUS_INVALID_HANDLE    ((NTSTATUS)0xC0000008L)
#define STATUS_INVALID_PARAMETER ((NTSTATUS)0xC000000DL)
#define STATUS_NO_MEMORY         ((NTSTATUS)0xC0000017L)
#define STATUS_BUFFER_TOO_SMALL  ((NTSTATUS)0xC0000023L)
#define STATUS_NOT_SUPPORTED     ((NTSTATUS)0xC00000BBL)
#define STATUS_NOT_FOUND         ((NTSTATUS)0xC0000225L)
#define STATUS_INVALID_SIGNATURE ((NTSTATUS)0xC000A000L)

/* bcrypt.h: buffers and parameter lists. */
typedef struct _BCryptBuffer {
  ULONG cbBuffer;   /* size in bytes of *pvBuffer */
  ULONG BufferType; /* NCRYPTBUFFER_* / KDF_* */
  PVOID pvBuffer;
} BCryptBuffer, *PBCryptBuffer;

typedef struct _BCryptBufferDesc {
  ULONG ulVersion; /* BCRYPTBUFFER_VERSION (0) */
  ULONG cBuffers;
  PBCryptBuffer pBuffers;
} BCryptBufferDesc, *PBCryptBufferDesc;

typedef BCryptBuffer NCryptBuffer;
typedef BCryptBuffer* PNCryptBuffer;
typedef BCryptBufferDesc NCryptBufferDesc;
typedef BCryptBufferDesc* PNCryptBufferDesc;

#define BCRYPTBUFFER_VERSION 0
#define NCRYPTBUFFER_VERSION 0
#define NCRYPTBUFFER_EMPTY 0
#define NCRYPTBUFFER_DATA 1
#define NCRYPTBUFFER_SSL_CLIENT_RANDOM 20
#define NCRYPTBUFFER_SSL_SERVER_RANDOM 21
#define NCRYPTBUFFER_SSL_HIGHEST_VERSION 22
#define NCRYPTBUFFER_SSL_CLEAR_KEY 23
#define NCRYPTBUFFER_SSL_KEY_ARG_DATA 24

typedef struct _BCRYPT_INTERFACE_VERSION {
  USHORT MajorVersion;
  USHORT MinorVersion;
} BCRYPT_INTERFACE_VERSION, *PBCRYPT_INTERFACE_VERSION;

typedef struct NCryptProviderName {
  LPWSTR pszName;
  LPWSTR pszComment;
} NCryptProviderName;

/* Key blobs (bcrypt.h). */
typedef struct _BCRYPT_RSAKEY_BLOB {
  ULONG Magic;
  ULONG BitLength;
  ULONG cbPublicExp;
  ULONG cbModulus;
  ULONG cbPrime1;
  ULONG cbPrime2;
} BCRYPT_RSAKEY_BLOB;

typedef struct _BCRYPT_ECCKEY_BLOB {
  ULONG dwMagic;
  ULONG cbKey;
} BCRYPT_ECCKEY_BLOB, *PBCRYPT_ECCKEY_BLOB;

typedef struct _BCRYPT_DH_KEY_BLOB {
  ULONG dwMagic;
  ULONG cbKey;
} BCRYPT_DH_KEY_BLOB, *PBCRYPT_DH_KEY_BLOB;

typedef struct _BCRYPT_DH_PARAMETER_HEADER {
  ULONG cbLength;
  ULONG dwMagic;
  ULONG cbKeyLength;
} BCRYPT_DH_PARAMETER_HEADER;

#define BCRYPT_OPAQUE_KEY_BLOB u"OpaqueKeyBlob"
#define BCRYPT_RSAPUBLIC_BLOB u"RSAPUBLICBLOB"
#define BCRYPT_RSAPRIVATE_BLOB u"RSAPRIVATEBLOB"
#define LEGACY_RSAPUBLIC_BLOB u"CAPIPUBLICBLOB"
#define BCRYPT_ECCPUBLIC_BLOB u"ECCPUBLICBLOB"
#define BCRYPT_ECCPRIVATE_BLOB u"ECCPRIVATEBLOB"
#define BCRYPT_DH_PUBLIC_BLOB u"DHPUBLICBLOB"
#define BCRYPT_DH_PRIVATE_BLOB u"DHPRIVATEBLOB"
#define BCRYPT_RSAPUBLIC_MAGIC 0x31415352
#define BCRYPT_DH_PUBLIC_MAGIC 0x42504844
#define BCRYPT_DH_PARAMETERS_MAGIC 0x4d504844
#define BCRYPT_ECDH_PUBLIC_P256_MAGIC 0x314B4345
#define BCRYPT_ECDH_PUBLIC_P384_MAGIC 0x334B4345
#define BCRYPT_ECDH_PUBLIC_P521_MAGIC 0x354B4345
#define BCRYPT_ECDH_PUBLIC_GENERIC_MAGIC 0x504B4345
#define BCRYPT_ECDSA_PUBLIC_P256_MAGIC 0x31534345
#define BCRYPT_ECDSA_PUBLIC_P384_MAGIC 0x33534345
#define BCRYPT_ECDSA_PUBLIC_P521_MAGIC 0x35534345
#define BCRYPT_ECDSA_PUBLIC_GENERIC_MAGIC 0x50444345

/* CNG algorithm identifiers (bcrypt.h / ncrypt.h). */
#define BCRYPT_RSA_ALGORITHM u"RSA"
#define BCRYPT_DH_ALGORITHM u"DH"
#define BCRYPT_ECDH_ALGORITHM u"ECDH"
#define BCRYPT_ECDSA_ALGORITHM u"ECDSA"
#define BCRYPT_DSA_ALGORITHM u"DSA"
#define BCRYPT_AES_ALGORITHM u"AES"
#define BCRYPT_MD5_ALGORITHM u"MD5"
#define BCRYPT_SHA1_ALGORITHM u"SHA1"
#define BCRYPT_SHA256_ALGORITHM u"SHA256"
#define BCRYPT_SHA384_ALGORITHM u"SHA384"
#define BCRYPT_SHA512_ALGORITHM u"SHA512"
#define BCRYPT_CHAIN_MODE_CBC u"ChainingModeCBC"
#define BCRYPT_CHAIN_MODE_GCM u"ChainingModeGCM"
#define NCRYPT_RSA_ALGORITHM BCRYPT_RSA_ALGORITHM
#define NCRYPT_DH_ALGORITHM BCRYPT_DH_ALGORITHM
#define NCRYPT_ECDH_ALGORITHM BCRYPT_ECDH_ALGORITHM
#define NCRYPT_ECDSA_ALGORITHM BCRYPT_ECDSA_ALGORITHM
#define NCRYPT_ALGORITHM_PROPERTY u"Algorithm Name"
#define NCRYPT_LENGTH_PROPERTY u"Length"
#define NCRYPT_NAME_PROPERTY u"Name"
#define NCRYPT_VERSION_PROPERTY u"Version"
#define NCRYPT_IMPL_TYPE_PROPERTY u"Impl Type"
#define NCRYPT_ECC_CURVE_NAME_PROPERTY u"ECCCurveName"

/* CNG interface identifiers (ncrypt.h). */
#define NCRYPT_KEY_STORAGE_INTERFACE 0x00010001
#define NCRYPT_SCHANNEL_INTERFACE 0x00010002
#define NCRYPT_SCHANNEL_SIGNATURE_INTERFACE 0x00010003
#define NCRYPT_KEY_PROTECTION_INTERFACE 0x00010004

/* wincrypt.h: just enough of CERT_CONTEXT for SslOpenPrivateKey. */
typedef struct _CERT_INFO CERT_INFO, *PCERT_INFO; /* opaque here */
typedef void* HCERTSTORE;
typedef struct _CERT_CONTEXT {
  DWORD dwCertEncodingType;
  BYTE* pbCertEncoded;
  DWORD cbCertEncoded;
  PCERT_INFO pCertInfo;
  HCERTSTORE hCertStore;
} CERT_CONTEXT, *PCERT_CONTEXT;
typedef const CERT_CONTEXT* PCCERT_CONTEXT;
#define X509_ASN_ENCODING 0x00000001
#define PKCS_7_ASN_ENCODING 0x00010000
/* ncrypt.h: "never show UI". Schannel passes it to SslOpenPrivateKey. */
#define NCRYPT_SILENT_FLAG 0x00000040

#endif /* _WIN32 */

/* Things mingw-w64 10 (Debian 12) lacks even on Windows. */
#ifndef NCRYPTBUFFER_SSL_SESSION_HASH
#define NCRYPTBUFFER_SSL_SESSION_HASH 25
#endif
#ifndef SSL_ECCPUBLIC_BLOB
#define SSL_ECCPUBLIC_BLOB OPENSSLP_W("SSLECCPUBLICBLOB")
#endif
#ifndef TLS_13_PRE_SHARED_KEY
#define TLS_13_PRE_SHARED_KEY OPENSSLP_W("TLS13PRESHAREDKEY")
#endif
#ifndef BCRYPT_MAKE_INTERFACE_VERSION
#define BCRYPT_MAKE_INTERFACE_VERSION(major, minor) {(USHORT)(major), (USHORT)(minor)}
#endif
#ifndef BCRYPT_IS_INTERFACE_VERSION_COMPATIBLE
#define BCRYPT_IS_INTERFACE_VERSION_COMPATIBLE(loader, provider) \
  ((loader).MajorVersion <= (provider).MajorVersion)
#endif
/* bcrypt.h (WINTHRESHOLD): the curve-tagged public key blob used with SSL_ECCPUBLIC_BLOB.
   mingw-w64 10 has the blob name but not the structure; the Windows SDK has both. */
#if !defined(_WIN32) || defined(__MINGW32__)
typedef struct _SSL_ECCKEY_BLOB {
  ULONG dwCurveType; /* IANA NamedGroup */
  ULONG cbKey;       /* number of key bytes that follow */
} SSL_ECCKEY_BLOB, *PSSL_ECCKEY_BLOB;
#endif

#endif /* OPENSSLP_WIN_TYPES_H */
