// exports_transcript.cpp - handshake transcript hashes: SslCreateHandshakeHash, SslHashHandshake,
// SslComputeSessionHash, SslCreateClientAuthHash, SslComputeClientAuthHash
// (docs/reference/functions.md#sslcomputesessionhash,
// docs/reference/functions.md#transcript-and-signatures,
// docs/reference/caller-semantics.md#handshake-hashes). The hash object and its algorithms are
// described in core/transcript.h.
#include <memory>
#include <optional>
#include <string_view>

#include "abi/boundary.h"
#include "abi/out_buffers.h"
#include "core/key_log.h"
#include "core/transcript.h"

namespace opensslp::abi {
namespace {

// CNG algorithm ids are short ("SHA256", "ECDSA_P521"); anything longer than this is not one.
constexpr std::size_t kMaxAlgorithmIdChars = 64;

// SslComputeClientAuthHash's hMasterKey: TLS (unlike SSL 3.0, RFC 6101 §5.6.8) does not mix the
// master secret into the CertificateVerify digest, so the key is not needed. It is accepted as 0
// or as a live master-key handle; any other value (a stale handle, another kind) is refused so a
// caller's mix-up of handles is reported rather than silently ignored.
Status CheckOptionalMasterKey(NCRYPT_KEY_HANDLE handle) {
  if (handle == 0) return Status::Ok();
  ASSIGN_OR_RETURN(std::shared_ptr<Object> object, HandleTable::Global().LookupAny(static_cast<Handle>(handle)));
  ENSURE(object->kind() == ObjectKind::kMasterKey, Error::kInvalidHandle);
  return Status::Ok();
}

}  // namespace
}  // namespace opensslp::abi

using namespace opensslp;       // NOLINT(google-build-using-namespace)
using namespace opensslp::abi;  // NOLINT(google-build-using-namespace)

// SslCreateHandshakeHash: a new transcript hash for (dwProtocol, dwCipherSuite): MD5+SHA-1 for
// TLS 1.0/1.1, the suite's PRF hash for TLS 1.2, the suite's hash for TLS 1.3.
//   NTE_INVALID_HANDLE     hSslProvider is not a provider handle
//   NTE_INVALID_PARAMETER  phHandshakeHash NULL
//   NTE_BAD_FLAGS          dwFlags != 0
//   NTE_NOT_SUPPORTED      protocol not TLS 1.0-1.3; suite unknown or not valid for the protocol
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslCreateHandshakeHash(NCRYPT_PROV_HANDLE hSslProvider,
                                                                         NCRYPT_HASH_HANDLE* phHandshakeHash,
                                                                         DWORD dwProtocol, DWORD dwCipherSuite,
                                                                         DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phHandshakeHash != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    ASSIGN_OR_RETURN(std::shared_ptr<HandshakeHash> hash, HandshakeHash::CreateHandshake(dwProtocol, dwCipherSuite));
    return Publish(std::move(hash), phHandshakeHash);
  });
}

// SslHashHandshake: appends pbInput[0..cbInput) to the transcript. cbInput 0 is legal (pbInput
// may then be NULL) and changes nothing. Works on handshake and client-auth hashes alike.
//   NTE_INVALID_HANDLE     bad provider handle; hHandshakeHash not a live hash handle
//   NTE_INVALID_PARAMETER  pbInput NULL with cbInput != 0
//   NTE_BAD_FLAGS          dwFlags != 0
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslHashHandshake(NCRYPT_PROV_HANDLE hSslProvider,
                                                                   NCRYPT_HASH_HANDLE hHandshakeHash, PBYTE pbInput,
                                                                   DWORD cbInput, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ASSIGN_OR_RETURN(std::shared_ptr<HandshakeHash> hash, Require<HandshakeHash>(hHandshakeHash));
    ENSURE(pbInput != nullptr || cbInput == 0, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    if (cbInput == 0) return Status::Ok();
    return hash->Update(Bytes(pbInput, cbInput));
  });
}

// SslComputeSessionHash: the RFC 7627 session_hash, i.e. the transcript digest so far (36 bytes
// for TLS 1.0/1.1, 32 or 48 for TLS 1.2); the running hash is not finalised. pbOutput NULL = size
// query. dwProtocol is checked against the hash's transcript family (core/transcript.h
// SessionHash): TLS 1.0 and 1.1 are interchangeable, TLS 1.2 must match TLS 1.2.
//   NTE_INVALID_HANDLE     bad provider handle; hHandshakeHash not a live hash handle, or a
//                          client-auth hash (SslCreateClientAuthHash)
//   NTE_INVALID_PARAMETER  pcbResult NULL; dwProtocol from the other transcript family
//   NTE_BAD_FLAGS          dwFlags != 0
//   NTE_NOT_SUPPORTED      dwProtocol not TLS 1.0-1.2, or a TLS 1.3 hash (no RFC 7627 there)
//   NTE_BUFFER_TOO_SMALL   cbOutput too small (*pcbResult = the size needed, nothing written)
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslComputeSessionHash(NCRYPT_PROV_HANDLE hSslProvider,
                                                                        NCRYPT_HASH_HANDLE hHandshakeHash,
                                                                        DWORD dwProtocol, PBYTE pbOutput,
                                                                        DWORD cbOutput, DWORD* pcbResult,
                                                                        DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ASSIGN_OR_RETURN(std::shared_ptr<HandshakeHash> hash, Require<HandshakeHash>(hHandshakeHash));
    ENSURE(pcbResult != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    ASSIGN_OR_RETURN(TranscriptDigest digest, hash->SessionHash(dwProtocol));
    // The key log names an extended master secret by the client random of the transcript its
    // session hash came from (core/key_log.h RememberSessionHash).
    if (pbOutput != nullptr && key_log::Enabled()) {
      if (auto client_random = hash->FirstClientRandom()) key_log::RememberSessionHash(digest.view(), *client_random);
    }
    return WriteOutput(pbOutput, cbOutput, pcbResult, digest.view());
  });
}

// SslCreateClientAuthHash: an extra TLS 1.2 transcript with the CNG hash pszHashAlgId ("SHA1",
// "SHA256", "SHA384", "SHA512"; ASCII-case-insensitive, as CNG compares algorithm ids), fed with
// SslHashHandshake like the handshake hash.
//   NTE_INVALID_HANDLE     bad provider handle
//   NTE_INVALID_PARAMETER  phHandshakeHash or pszHashAlgId NULL; pszHashAlgId empty or longer
//                          than 64 characters
//   NTE_BAD_FLAGS          dwFlags != 0
//   NTE_NOT_SUPPORTED      dwProtocol other than TLS 1.2 (TLS 1.0/1.1 CertificateVerify uses the
//                          handshake hash; TLS 1.3 has its own functions); suite not a TLS 1.2
//                          suite; "MD5" (RFC 9155); any other algorithm id
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslCreateClientAuthHash(NCRYPT_PROV_HANDLE hSslProvider,
                                                                          NCRYPT_HASH_HANDLE* phHandshakeHash,
                                                                          DWORD dwProtocol, DWORD dwCipherSuite,
                                                                          LPCWSTR pszHashAlgId, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phHandshakeHash != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    ASSIGN_OR_RETURN(std::u16string_view hash_id, ReadWideString(pszHashAlgId, kMaxAlgorithmIdChars));
    ASSIGN_OR_RETURN(std::shared_ptr<HandshakeHash> hash,
                     HandshakeHash::CreateClientAuth(dwProtocol, dwCipherSuite, hash_id));
    return Publish(std::move(hash), phHandshakeHash);
  });
}

// SslComputeClientAuthHash: the digest the client signs in CertificateVerify, without consuming
// the running hash (core/transcript.h ClientAuthDigest):
//   TLS 1.0/1.1  pszAlgId "RSA" -> MD5||SHA-1 (36 bytes); "DSA", "ECDSA", "ECDSA_P256/P384/P521"
//                -> SHA-1 (20 bytes); ASCII-case-insensitive
//   TLS 1.2      the hash object's own digest (its PRF hash, or the SslCreateClientAuthHash
//                algorithm); pszAlgId is not read and may be NULL
// hMasterKey may be 0 or a live master-key handle (TLS does not use it; SSL 3.0 did).
// pbOutput NULL = size query.
//   NTE_INVALID_HANDLE     bad provider handle; hMasterKey neither 0 nor a live master key;
//                          hHandshakeHash not a live hash handle
//   NTE_INVALID_PARAMETER  pcbResult NULL; TLS 1.0/1.1 with pszAlgId NULL, empty or over 64
//                          characters
//   NTE_BAD_FLAGS          dwFlags != 0
//   NTE_NOT_SUPPORTED      TLS 1.0/1.1 with another pszAlgId; a TLS 1.3 hash
//   NTE_BUFFER_TOO_SMALL   cbOutput too small (*pcbResult = the size needed, nothing written)
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslComputeClientAuthHash(
    NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hMasterKey, NCRYPT_HASH_HANDLE hHandshakeHash, LPCWSTR pszAlgId,
    PBYTE pbOutput, DWORD cbOutput, DWORD* pcbResult, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    TRY(CheckOptionalMasterKey(hMasterKey));
    ASSIGN_OR_RETURN(std::shared_ptr<HandshakeHash> hash, Require<HandshakeHash>(hHandshakeHash));
    ENSURE(pcbResult != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    std::optional<std::u16string_view> algorithm;
    if (hash->version() == ProtocolVersion::kTls10 || hash->version() == ProtocolVersion::kTls11) {
      ASSIGN_OR_RETURN(std::u16string_view name, ReadWideString(pszAlgId, kMaxAlgorithmIdChars));
      algorithm = name;
    }
    ASSIGN_OR_RETURN(TranscriptDigest digest, hash->ClientAuthDigest(algorithm));
    return WriteOutput(pbOutput, cbOutput, pcbResult, digest.view());
  });
}
