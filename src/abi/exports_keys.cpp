// exports_keys.cpp - ephemeral (EC)DHE keys, public-key blobs and opaque key blobs:
// SslCreateEphemeralKey, SslImportKey, SslExportKey. The rules (groups, sizes, blob layouts, error
// choices) are documented in core/key_exchange.h, core/key_blobs.h, record/session_key_blob.h
// (BCRYPT_OPAQUE_KEY_BLOB of TLS <= 1.2 session keys) and record/tls13_key_blob.h (of TLS 1.3
// record keys and traffic secrets); this file only checks raw arguments, resolves handles and
// writes outputs.
//
// BCRYPT_OPAQUE_KEY_BLOB errors (docs/tls12.md#moving-session-keys-bcrypt_opaque_key_blob,
// docs/tls13.md#moving-keys-between-processes):
//   export  NTE_NOT_SUPPORTED   a key kind other than a session key or a TLS 1.3 traffic secret
//                               (early, handshake, master, exporter, resumption secrets, binder
//                               keys, PSKs, public and ephemeral keys); a 0-RTT traffic secret or
//                               its record key; a session key or traffic secret with another
//                               blob name
//           NTE_BUFFER_TOO_SMALL  cbOutput short (the size in *pcbResult, nothing written)
//   import  NTE_BAD_DATA        over 256 bytes (before reading), or any malformed blob
//
// Argument checks run in this order, so each test can target one argument: provider handle
// (NTE_INVALID_HANDLE), key handle (NTE_INVALID_HANDLE), output pointers (NTE_INVALID_PARAMETER),
// dwFlags (NTE_BAD_FLAGS, all bits reserved), then the inputs.
#include <span>
#include <string_view>

#include "abi/boundary.h"
#include "abi/out_buffers.h"
#include "core/key_blobs.h"
#include "core/key_exchange.h"
#include "core/keys.h"
#include "core/tls13_key_schedule.h"
#include "record/session_key.h"
#include "record/session_key_blob.h"
#include "record/tls13_key_blob.h"

using namespace opensslp;       // NOLINT(google-build-using-namespace)
using namespace opensslp::abi;  // NOLINT(google-build-using-namespace)

namespace {

// core/ restates the bcrypt.h magics so it need not see Windows headers; on Windows builds these
// compare them with the SDK's own definitions.
static_assert(kEcdhP256Magic == BCRYPT_ECDH_PUBLIC_P256_MAGIC && kEcdhP384Magic == BCRYPT_ECDH_PUBLIC_P384_MAGIC &&
              kEcdhP521Magic == BCRYPT_ECDH_PUBLIC_P521_MAGIC && kEcdhGenericMagic == BCRYPT_ECDH_PUBLIC_GENERIC_MAGIC);
static_assert(kEcdsaP256Magic == BCRYPT_ECDSA_PUBLIC_P256_MAGIC && kEcdsaP384Magic == BCRYPT_ECDSA_PUBLIC_P384_MAGIC &&
              kEcdsaP521Magic == BCRYPT_ECDSA_PUBLIC_P521_MAGIC &&
              kEcdsaGenericMagic == BCRYPT_ECDSA_PUBLIC_GENERIC_MAGIC);
static_assert(kDhPublicMagic == BCRYPT_DH_PUBLIC_MAGIC && kRsaPublicMagic == BCRYPT_RSAPUBLIC_MAGIC);

// Blob-type names are short ("RSAFULLPRIVATEBLOB" is the longest CNG name); anything longer is
// no blob type.
constexpr std::size_t kMaxBlobTypeChars = 64;

Result<KeyBlobType> ReadBlobType(LPCWSTR pszBlobType) {
  ASSIGN_OR_RETURN(std::u16string_view name, ReadWideString(pszBlobType, kMaxBlobTypeChars));
  return ParseKeyBlobType(name);
}

}  // namespace

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslCreateEphemeralKey(NCRYPT_PROV_HANDLE hSslProvider,
                                                                        NCRYPT_KEY_HANDLE* phEphemeralKey,
                                                                        DWORD dwProtocol, DWORD dwCipherSuite,
                                                                        DWORD dwKeyType, DWORD dwKeyBitLen,
                                                                        PBYTE pbParams, DWORD cbParams, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phEphemeralKey != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    // pbParams and cbParams come together or not at all.
    ENSURE((pbParams == nullptr) == (cbParams == 0), Error::kInvalidParameter);
    EphemeralKeyRequest request;
    request.protocol = dwProtocol;
    request.cipher_suite = dwCipherSuite;
    request.key_type = dwKeyType;
    request.key_bits = dwKeyBitLen;
    if (pbParams != nullptr) request.params = Bytes(pbParams, cbParams);
    TRY(CheckSuiteFitsRequest(request));
    ASSIGN_OR_RETURN(std::shared_ptr<EphemeralKey> key, CreateEphemeralKey(request));
    return Publish(std::move(key), phEphemeralKey);
  });
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslImportKey(NCRYPT_PROV_HANDLE hSslProvider,
                                                               NCRYPT_KEY_HANDLE* phKey, LPCWSTR pszBlobType,
                                                               PBYTE pbKeyBlob, DWORD cbKeyBlob, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phKey != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    ASSIGN_OR_RETURN(KeyBlobType type, ReadBlobType(pszBlobType));
    ENSURE(pbKeyBlob != nullptr && cbKeyBlob != 0, Error::kInvalidParameter);
    if (type == KeyBlobType::kOpaque) {
      // A session key, TLS 1.3 record key or TLS 1.3 traffic secret moved from another process
      // (docs/reference/functions.md#keys); the magic tells which. INFERENCE: the SDK names no error
      // for a refused opaque blob; like every refused blob content here it is NTE_BAD_DATA.
      ENSURE(cbKeyBlob <= kMaxSessionKeyBlobLength, Error::kBadData);
      ASSIGN_OR_RETURN(std::shared_ptr<KeyObject> key, ImportOpaqueKeyBlob(Bytes(pbKeyBlob, cbKeyBlob)));
      return Publish(std::move(key), phKey);
    }
    if (type == KeyBlobType::kTls13PreSharedKey) {
      // An external TLS 1.3 PSK (layout inferred: core/tls13_key_schedule.h ImportExternalPsk).
      ENSURE(cbKeyBlob <= 12 + kMaxExternalPskLength, Error::kBadData);
      ASSIGN_OR_RETURN(std::shared_ptr<PreSharedKey> psk, ImportExternalPsk(Bytes(pbKeyBlob, cbKeyBlob)));
      return Publish(std::move(psk), phKey);
    }
    // Known blob names we do not import (private-key blobs: never).
    ENSURE(IsPublicKeyBlobType(type), Error::kNotSupported);
    // Refuse an absurd length before reading anything.
    ENSURE(cbKeyBlob <= kMaxPublicKeyBlobSize, Error::kBadData);
    ASSIGN_OR_RETURN(std::shared_ptr<PublicKey> key, ImportPublicKeyBlob(type, Bytes(pbKeyBlob, cbKeyBlob)));
    return Publish(std::move(key), phKey);
  });
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExportKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hKey,
                                                               LPCWSTR pszBlobType, PBYTE pbOutput, DWORD cbOutput,
                                                               DWORD* pcbResult, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ASSIGN_OR_RETURN(std::shared_ptr<const KeyObject> object, RequireAnyKey(hKey));
    ENSURE(pcbResult != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    ASSIGN_OR_RETURN(KeyBlobType type, ReadBlobType(pszBlobType));
    const bool traffic_secret = object->kind() == ObjectKind::kTls13TrafficSecret;
    if (traffic_secret || object->kind() == ObjectKind::kSessionKey || type == KeyBlobType::kOpaque) {
      // Session keys and TLS 1.3 traffic secrets export only as BCRYPT_OPAQUE_KEY_BLOB, and only
      // they do (other key kinds with the opaque name, these with a public-key name:
      // NTE_NOT_SUPPORTED).
      ENSURE((traffic_secret || object->kind() == ObjectKind::kSessionKey) && type == KeyBlobType::kOpaque,
             Error::kNotSupported);
      if (traffic_secret) {
        ASSIGN_OR_RETURN(std::shared_ptr<Tls13Secret> secret, Require<Tls13Secret>(hKey));
        // A 0-RTT secret does not export (record/tls13_key_blob.h): NTE_NOT_SUPPORTED.
        ASSIGN_OR_RETURN(const std::size_t length, TrafficSecretBlobLength(*secret));
        ASSIGN_OR_RETURN(OutputMode mode, PrepareOutput(pbOutput, cbOutput, pcbResult, length));
        if (mode == OutputMode::kSizeQuery) return Status::Ok();
        TRY(ExportTrafficSecretBlob(*secret, MutBytes(pbOutput, length)));
        *pcbResult = static_cast<DWORD>(length);
        return Status::Ok();
      }
      // The blob carries live state (the sequence-number floor, a TLS 1.0 chained IV): look the
      // handle up as a mutable SessionKey.
      ASSIGN_OR_RETURN(std::shared_ptr<SessionKey> session, Require<SessionKey>(hKey));
      // A TLS 1.3 0-RTT record key does not export (record/tls13_key_blob.h).
      ENSURE(session->OpaqueBlobExportable(), Error::kNotSupported);
      ASSIGN_OR_RETURN(OutputMode mode, PrepareOutput(pbOutput, cbOutput, pcbResult, session->OpaqueBlobLength()));
      if (mode == OutputMode::kSizeQuery) return Status::Ok();
      // Written straight into the caller's buffer (no intermediate copy of the keys to wipe);
      // ExportOpaqueBlob fails only before it writes anything.
      TRY(session->ExportOpaqueBlob(MutBytes(pbOutput, session->OpaqueBlobLength())));
      *pcbResult = static_cast<DWORD>(session->OpaqueBlobLength());
      return Status::Ok();
    }
    // Only the public half of (EC)DH and imported public keys is exportable here; private-key
    // blobs are never produced.
    const bool asymmetric = object->kind() == ObjectKind::kPublicKey || object->kind() == ObjectKind::kEphemeralKey;
    ENSURE(asymmetric && IsPublicKeyBlobType(type), Error::kNotSupported);
    ASSIGN_OR_RETURN(std::vector<std::uint8_t> blob,
                     ExportPublicKeyBlob(static_cast<const AsymmetricKey&>(*object), type));
    return WriteOutput(pbOutput, cbOutput, pcbResult, blob);
  });
}
