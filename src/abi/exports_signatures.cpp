// exports_signatures.cpp - SslOpenPrivateKey, SslSignHash, SslVerifySignature
// (docs/reference/functions.md#sslopenprivatekey, docs/reference/functions.md#signatures). The
// formats and error codes are documented in docs/key-store.md and core/signatures.h.
#include <cstring>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#include "abi/boundary.h"
#include "abi/out_buffers.h"
#include "core/keys.h"
#include "core/library.h"
#include "core/private_key.h"
#include "core/signatures.h"

#if defined(_WIN32)
#include "win/ksp_private_key.h"
#endif

namespace opensslp::abi {
namespace {

// An input span from a caller's (pointer, length): NULL is only allowed with length 0.
Result<Bytes> InputBytes(const BYTE* data, DWORD len) {
  if (len == 0) return Bytes();
  if (data == nullptr) return Error::kInvalidParameter;
  return Bytes(data, len);
}

// The part of SslOpenPrivateKey that depends on the certificate's content and on where its key
// lives, after every argument check has passed. Any error here is deferred by the caller
// (docs/windows.md#deferred-private-keys).
Result<std::shared_ptr<PrivateKey>> OpenCertificateKey(PCCERT_CONTEXT cert) {
  ASSIGN_OR_RETURN(CertificateKey certificate, ParseCertificateKey(Bytes(cert->pbCertEncoded, cert->cbCertEncoded)));
#if defined(_WIN32)
  // Keys in a KSP (software, TPM, smart card, HSM) stay there; only if the certificate has no
  // NCrypt key (or the KSP refuses silently) do we look in the key store.
  auto ksp = win::OpenKspPrivateKey(cert, certificate);
  if (ksp.ok()) {
    return std::make_shared<PrivateKey>(std::move(certificate.public_key), certificate.info, std::move(ksp).value());
  }
#endif
  return OpenPrivateKeyFromStore(std::move(certificate));
}

}  // namespace
}  // namespace opensslp::abi

using namespace opensslp;       // NOLINT(google-build-using-namespace)
using namespace opensslp::abi;  // NOLINT(google-build-using-namespace)

// SslOpenPrivateKey: the certificate's private key, from the certificate's Windows key storage
// provider (Windows only) or else from the key store (docs/key-store.md).
//
// Eager errors -- mistakes in the call itself, nothing is written to *phPrivateKey:
//   NTE_INVALID_HANDLE     hSslProvider is not a provider handle
//   NTE_INVALID_PARAMETER  phPrivateKey or pCertContext NULL; no X509_ASN_ENCODING; the encoded
//                          certificate is NULL, empty or over 1 MiB
//   NTE_BAD_FLAGS          dwFlags has a bit other than NCRYPT_SILENT_FLAG
//   NTE_NO_MEMORY          (and any failure to make the handle itself; and an allocation failure
//                          while the key is looked up or loaded: never deferred)
// Deferred errors -- the open SUCCEEDS with a deferred private key (core/private_key.h), and every
// use of the handle opens the key again (key store) until an attempt succeeds, returning the
// error of its own attempt (docs/windows.md#deferred-private-keys):
//   NTE_INVALID_PARAMETER  the encoded certificate is not one DER certificate
//   NTE_NOT_SUPPORTED      the certificate's key is not RSA (1024-16384 bits) or EC on
//                          P-256/P-384/P-521
//   NTE_NOT_FOUND          no key for the certificate (no usable KSP key; store unset, missing
//                          entry or file)
//   NTE_BAD_KEY            the stored key cannot be loaded or does not match the certificate
//   NTE_BAD_DATA           the key store's index is over 1 MiB
// Why deferred: Schannel opens every server certificate's key on every registered provider and
// fails the credential if one fails (docs/reference/windows-loader.md#silent-flag), so refusing a
// key opensslp cannot use would break the machine's other TLS once opensslp is registered.
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslOpenPrivateKey(NCRYPT_PROV_HANDLE hSslProvider,
                                                                    NCRYPT_KEY_HANDLE* phPrivateKey,
                                                                    PCCERT_CONTEXT pCertContext, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phPrivateKey != nullptr && pCertContext != nullptr, Error::kInvalidParameter);
    // Schannel opens every server credential's key with NCRYPT_SILENT_FLAG on every registered
    // provider and fails the credential if one refuses (docs/reference/windows-loader.md), so the
    // flag must be accepted. opensslp never shows UI, so it changes nothing: KSP keys are always
    // opened silently. Any other bit is still NTE_BAD_FLAGS.
    ENSURE((dwFlags & ~static_cast<DWORD>(NCRYPT_SILENT_FLAG)) == 0, Error::kBadFlags);
    ENSURE((pCertContext->dwCertEncodingType & X509_ASN_ENCODING) != 0, Error::kInvalidParameter);
    ENSURE(pCertContext->pbCertEncoded != nullptr && pCertContext->cbCertEncoded != 0 &&
               pCertContext->cbCertEncoded <= kMaxCertificateLength,
           Error::kInvalidParameter);
    Result<std::shared_ptr<PrivateKey>> opened = Error::kInternal;
    try {
      opened = OpenCertificateKey(pCertContext);
    } catch (const std::bad_alloc&) {
      throw;  // out of memory: Guard's NTE_NO_MEMORY, eager (a deferred key would need memory too)
    } catch (...) {
      opened = Error::kInternal;  // any other exception is deferred like an error (rule 3 still holds)
    }
    if (opened.ok()) return Publish(std::move(opened).value(), phPrivateKey);
    // Out of memory on the way (the crypto library said so): fail now, as for std::bad_alloc
    // above -- deferring would turn a passing shortage into a key that fails at every use with an
    // error that blames the key (found by tests/alloc/, docs/robustness.md).
    if (ResolveCryptoLibraryFailure(opened.error()) == Error::kNoMemory) return Error::kNoMemory;
    // A key opensslp cannot use: succeed, and try again at every use until an attempt succeeds
    // (core/private_key.h DeferredPrivateKey). A successful call leaves no debug-build error origin.
    auto deferred = std::make_shared<DeferredPrivateKey>(
        std::vector<std::uint8_t>(pCertContext->pbCertEncoded, pCertContext->pbCertEncoded + pCertContext->cbCertEncoded));
    ClearErrorOrigin();
    return Publish(std::move(deferred), phPrivateKey);
  });
}

// SslSignHash: signs pbHashValue with a key from SslOpenPrivateKey (input conventions in
// core/signatures.h). pbSignature NULL = size query. Output: RSA k bytes; ECDSA raw r||s.
//   NTE_INVALID_HANDLE     bad provider handle, or hPrivateKey is not a private-key handle
//   (deferred)             hPrivateKey is a deferred private key whose key still cannot be opened:
//                          the error of this attempt (docs/windows.md#deferred-private-keys), before
//                          any other check
//   NTE_INVALID_PARAMETER  pcbResult NULL; pbHashValue NULL with cbHashValue != 0; bad input
//   NTE_BAD_FLAGS          unknown bits, both flags, or any flag with an ECDSA key
//   NTE_NOT_SUPPORTED      unknown hash id, MD5 (RFC 9155), or a hash PSS does not allow
//   NTE_BUFFER_TOO_SMALL   cbSignature too small (*pcbResult = the size needed)
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslSignHash(NCRYPT_PROV_HANDLE hSslProvider,
                                                              NCRYPT_KEY_HANDLE hPrivateKey, PBYTE pbHashValue,
                                                              DWORD cbHashValue, PBYTE pbSignature, DWORD cbSignature,
                                                              DWORD* pcbResult, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ASSIGN_OR_RETURN(std::shared_ptr<PrivateKey> key, RequirePrivateKey(hPrivateKey));
    ENSURE(pcbResult != nullptr, Error::kInvalidParameter);
    ASSIGN_OR_RETURN(Bytes hash_value, InputBytes(pbHashValue, cbHashValue));
    ASSIGN_OR_RETURN(SignatureInput input, ParseSignatureInput(key->info(), hash_value, dwFlags));
    ASSIGN_OR_RETURN(OutputMode mode, PrepareOutput(pbSignature, cbSignature, pcbResult, key->info().signature_size));
    if (mode == OutputMode::kSizeQuery) return Status::Ok();
    ASSIGN_OR_RETURN(std::vector<std::uint8_t> signature, SignHash(*key, input));
    std::memcpy(pbSignature, signature.data(), signature.size());
    *pcbResult = static_cast<DWORD>(signature.size());
    return Status::Ok();
  });
}

// SslVerifySignature: the conventions of SslSignHash; hPublicKey may be a public key
// (SslImportKey) or a private key (its certificate's public key is used). ECDSA signatures are
// raw r||s only (DER is a bad signature).
//   NTE_INVALID_HANDLE     bad provider handle; hPublicKey neither a public nor a private key
//   (deferred)             hPublicKey is a deferred private key whose key still cannot be opened
//   NTE_INVALID_PARAMETER  pbHashValue / pbSignature NULL or empty; bad input (as SslSignHash)
//   NTE_BAD_FLAGS, NTE_NOT_SUPPORTED  as SslSignHash (NOT_SUPPORTED also for non-signing keys)
//   NTE_BAD_SIGNATURE      the signature does not verify (wrong length, out of range, forged)
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslVerifySignature(NCRYPT_PROV_HANDLE hSslProvider,
                                                                     NCRYPT_KEY_HANDLE hPublicKey, PBYTE pbHashValue,
                                                                     DWORD cbHashValue, PBYTE pbSignature,
                                                                     DWORD cbSignature, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ASSIGN_OR_RETURN(std::shared_ptr<Object> key,
                     HandleTable::Global().LookupAny(static_cast<Handle>(hPublicKey)));  // kept alive for the call
    if (auto deferred = ResolveDeferredKey(*key)) {
      ASSIGN_OR_RETURN(std::shared_ptr<PrivateKey> reopened, std::move(*deferred));
      key = std::move(reopened);
    }
    ENSURE(key->kind() == ObjectKind::kPublicKey || key->kind() == ObjectKind::kPrivateKey, Error::kInvalidHandle);
    ASSIGN_OR_RETURN(Bytes hash_value, InputBytes(pbHashValue, cbHashValue));
    ASSIGN_OR_RETURN(Bytes signature, InputBytes(pbSignature, cbSignature));
    ENSURE(!signature.empty(), Error::kInvalidParameter);
    return VerifySignatureWithKeyObject(*key, hash_value, signature, dwFlags);
  });
}
