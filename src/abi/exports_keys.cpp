// exports_keys.cpp - ephemeral (EC)DHE keys, public-key blobs and opaque session-key blobs:
// SslCreateEphemeralKey, SslImportKey, SslExportKey. The rules (groups, sizes, blob layouts, error
// choices) are documented in core/key_exchange.h, core/key_blobs.h and record/session_key_blob.h
// (BCRYPT_OPAQUE_KEY_BLOB); this file only checks raw arguments, resolves handles and writes
// outputs.
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
  return Guard([&]() -> Status {
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
  return Guard([&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phKey != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    ASSIGN_OR_RETURN(KeyBlobType type, ReadBlobType(pszBlobType));
    ENSURE(pbKeyBlob != nullptr && cbKeyBlob != 0, Error::kInvalidParameter);
    if (type == KeyBlobType::kOpaque) {
      // A session key moved from another process (docs/reference/functions.md#keys). INFERENCE: the
      // SDK names no error for a refused opaque blob; like every refused blob content here it is
      // NTE_BAD_DATA.
      ENSURE(cbKeyBlob <= kMaxSessionKeyBlobLength, Error::kBadData);
      ASSIGN_OR_RETURN(std::shared_ptr<SessionKey> session, ImportSessionKeyBlob(Bytes(pbKeyBlob, cbKeyBlob)));
      return Publish(std::move(session), phKey);
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
  return Guard([&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ASSIGN_OR_RETURN(std::shared_ptr<const KeyObject> object, RequireAnyKey(hKey));
    ENSURE(pcbResult != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    ASSIGN_OR_RETURN(KeyBlobType type, ReadBlobType(pszBlobType));
    if (object->kind() == ObjectKind::kSessionKey || type == KeyBlobType::kOpaque) {
      // Session keys export only as BCRYPT_OPAQUE_KEY_BLOB, and only session keys do (other key
      // kinds with the opaque name, session keys with a public-key name: NTE_NOT_SUPPORTED).
      ENSURE(object->kind() == ObjectKind::kSessionKey && type == KeyBlobType::kOpaque, Error::kNotSupported);
      // The blob carries live state (a write key's sequence-number floor, a TLS 1.0 chained IV):
      // look the handle up as a mutable SessionKey.
      ASSIGN_OR_RETURN(std::shared_ptr<SessionKey> session, Require<SessionKey>(hKey));
      // TLS 1.3 record keys do not travel as opaque blobs yet (docs/tls13.md).
      ENSURE(session->version() != ProtocolVersion::kTls13, Error::kNotSupported);
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
