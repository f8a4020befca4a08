// exports_derive.cpp - the exports that derive from a master secret whatever the protocol
// version: SslComputeFinishedHash and SslExportKeyingMaterial (TLS 1.0-1.2 today, through
// core/tls12_key_schedule.h; TLS 1.3's Finished and exporter will dispatch from here on the key's
// kind). Argument order and failure rules as in exports_tls12.cpp.
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>

#include "abi/boundary.h"
#include "core/master_key.h"
#include "core/tls12_key_schedule.h"
#include "core/tls13_key_schedule.h"
#include "core/transcript.h"

using namespace opensslp;       // NOLINT(google-build-using-namespace)
using namespace opensslp::abi;  // NOLINT(google-build-using-namespace)

// SslComputeFinishedHash: Finished.verify_data = PRF(master_secret, finished_label,
// Hash(handshake_messages))[0..11] (RFC 5246 §7.4.9; RFC 2246 §7.4.9 with MD5||SHA-1). dwFlags
// names the SENDER of the Finished message, not the caller
// (docs/reference/functions.md#finished-flag, docs/reference/caller-semantics.md#defect-4):
// NCRYPT_SSL_CLIENT_FLAG -> "client finished", NCRYPT_SSL_SERVER_FLAG -> "server finished". The
// running transcript is read, never consumed.
// TLS 1.3 (an inference: docs/reference/functions.md#tls13-finished): hMasterKey is the SENDER's
// traffic secret (Finished, RFC 8446 §4.4.4) or a binder key (PSK binder, §4.2.11.2), and the
// output is HMAC(HKDF-Expand-Label(base, "finished", "", n), transcript hash), n = the hash length.
// The flag must still be one of the two; the secret alone decides the MAC.
//   NTE_INVALID_HANDLE     bad provider handle; hMasterKey not a TLS 1.0-1.2 master key or a TLS
//                          1.3 traffic secret or binder key; hHandshakeHash not a handshake hash (a
//                          client-auth hash is not the transcript)
//   NTE_BAD_FLAGS          not exactly one of the two flags
//   NTE_INVALID_PARAMETER  pbOutput NULL; cbOutput other than 12 for TLS 1.0-1.2
//                          (verify_data_length is 12 for every TLS 1.0-1.2 suite, RFC 5246 §7.4.9)
//                          or other than the hash length for TLS 1.3; the hash's algorithm is not
//                          the key's (wrong protocol or suite)
// Nothing is written on failure.
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslComputeFinishedHash(NCRYPT_PROV_HANDLE hSslProvider,
                                                                         NCRYPT_KEY_HANDLE hMasterKey,
                                                                         NCRYPT_HASH_HANDLE hHandshakeHash,
                                                                         PBYTE pbOutput, DWORD cbOutput,
                                                                         DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ASSIGN_OR_RETURN(std::shared_ptr<Object> key, HandleTable::Global().LookupAny(static_cast<Handle>(hMasterKey)));
    if (key->kind() == ObjectKind::kTls13TrafficSecret || key->kind() == ObjectKind::kTls13BinderKey) {
      const auto& base = static_cast<const Tls13Secret&>(*key);
      ASSIGN_OR_RETURN(std::shared_ptr<HandshakeHash> transcript, Require<HandshakeHash>(hHandshakeHash));
      ENSURE(transcript->purpose() == TranscriptPurpose::kHandshake, Error::kInvalidHandle);
      ENSURE(dwFlags == NCRYPT_SSL_CLIENT_FLAG || dwFlags == NCRYPT_SSL_SERVER_FLAG, Error::kBadFlags);
      ENSURE(pbOutput != nullptr && cbOutput == HashLength(base.hash()), Error::kInvalidParameter);
      TRY(CheckTls13Transcript(*transcript, base));
      ASSIGN_OR_RETURN(TranscriptDigest digest, transcript->CurrentDigest());
      SecretBytes verify_data(cbOutput);  // computed aside: no partial output on failure
      TRY(ComputeTls13Finished(base, digest.view(), verify_data.span()));
      std::memcpy(pbOutput, verify_data.data(), verify_data.size());
      return Status::Ok();
    }
    ENSURE(key->kind() == ObjectKind::kMasterKey, Error::kInvalidHandle);
    const auto& master = static_cast<const MasterKey&>(*key);
    ASSIGN_OR_RETURN(std::shared_ptr<HandshakeHash> transcript, Require<HandshakeHash>(hHandshakeHash));
    ENSURE(transcript->purpose() == TranscriptPurpose::kHandshake, Error::kInvalidHandle);
    ENSURE(dwFlags == NCRYPT_SSL_CLIENT_FLAG || dwFlags == NCRYPT_SSL_SERVER_FLAG, Error::kBadFlags);
    ENSURE(pbOutput != nullptr && cbOutput == kFinishedLength, Error::kInvalidParameter);
    ASSIGN_OR_RETURN(TranscriptDigest digest, transcript->CurrentDigest());
    const std::optional<HashAlg> prf = AsPrfHash(digest.alg);
    ENSURE(prf.has_value() && *prf == master.prf_hash(), Error::kInvalidParameter);
    SecretArray<kFinishedLength> verify_data;
    TRY(ComputeTls12FinishedVerifyData(master, digest.view(), dwFlags == NCRYPT_SSL_CLIENT_FLAG, verify_data.span()));
    std::memcpy(pbOutput, verify_data.data(), kFinishedLength);
    return Status::Ok();
  });
}

namespace {
// Exporter limits: labels are short ASCII strings (RFC 5705 §4: registered in the IANA "TLS
// Exporter Labels" registry); an output over 1 MiB is refused rather than allocated.
constexpr std::size_t kMaxExporterLabel = 255;
constexpr DWORD kMaxExporterOutput = 1u << 20;
}  // namespace

// SslExportKeyingMaterial: TLS 1.0-1.2 (hMasterKey a master key): RFC 5705 over pbRandoms =
// client_random || server_random. TLS 1.3 (hMasterKey an exporter or early exporter secret from
// SslExpandExporterMasterKey): RFC 8446 §7.5; pbRandoms must be NULL and cbRandoms 0, and a NULL
// context is the empty context (RFC 8446 §7.5 has no "no context").
//   NTE_INVALID_HANDLE     bad provider; hMasterKey neither a master key nor an exporter secret
//   NTE_INVALID_PARAMETER  sLabel NULL or over 255 bytes (TLS 1.3: 249); randoms missing (TLS
//                          1.0-1.2) or given (TLS 1.3); pbContextValue NULL with a length; pbOutput
//                          NULL, cbOutput 0 or over 1 MiB (TLS 1.3: over 255 * Hash.length)
//   NTE_BAD_FLAGS          dwFlags != 0
// Nothing is written on failure.
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExportKeyingMaterial(
    NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hMasterKey, PCHAR sLabel, PBYTE pbRandoms, DWORD cbRandoms,
    PBYTE pbContextValue, WORD cbContextValue, PBYTE pbOutput, DWORD cbOutput, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ASSIGN_OR_RETURN(std::shared_ptr<Object> key, HandleTable::Global().LookupAny(static_cast<Handle>(hMasterKey)));
    ENSURE(key->kind() == ObjectKind::kMasterKey || key->kind() == ObjectKind::kTls13ExporterSecret,
           Error::kInvalidHandle);
    TRY(RequireNoFlags(dwFlags));
    ENSURE(sLabel != nullptr, Error::kInvalidParameter);
    std::size_t label_len = 0;
    while (label_len <= kMaxExporterLabel && sLabel[label_len] != '\0') ++label_len;
    ENSURE(label_len <= kMaxExporterLabel, Error::kInvalidParameter);
    if (key->kind() == ObjectKind::kTls13ExporterSecret) {
      ENSURE(pbRandoms == nullptr && cbRandoms == 0, Error::kInvalidParameter);
      ENSURE(pbContextValue != nullptr || cbContextValue == 0, Error::kInvalidParameter);
      ENSURE(pbOutput != nullptr && cbOutput != 0 && cbOutput <= kMaxExporterOutput, Error::kInvalidParameter);
      SecretBytes out(cbOutput);  // computed aside: no partial output on failure
      TRY(ExportTls13KeyingMaterial(static_cast<const Tls13Secret&>(*key), std::string_view(sLabel, label_len),
                                    Bytes(pbContextValue, cbContextValue), out.span()));
      std::memcpy(pbOutput, out.data(), out.size());
      return Status::Ok();
    }
    const auto& master = static_cast<const MasterKey&>(*key);
    ENSURE(pbRandoms != nullptr && cbRandoms == 2 * kTlsRandomLength, Error::kInvalidParameter);
    // NULL context = no context; a non-NULL pointer with length 0 = an empty context (RFC 5705 §4
    // distinguishes them).
    ENSURE(pbContextValue != nullptr || cbContextValue == 0, Error::kInvalidParameter);
    ENSURE(pbOutput != nullptr && cbOutput != 0 && cbOutput <= kMaxExporterOutput, Error::kInvalidParameter);
    std::optional<Bytes> context;
    if (pbContextValue != nullptr) context = Bytes(pbContextValue, cbContextValue);
    const Bytes randoms(pbRandoms, cbRandoms);
    SecretBytes out(cbOutput);  // computed aside: no partial output on failure
    TRY(ExportKeyingMaterial(master, std::string_view(sLabel, label_len), randoms.first(kTlsRandomLength),
                             randoms.subspan(kTlsRandomLength), context, out.span()));
    std::memcpy(pbOutput, out.data(), out.size());
    return Status::Ok();
  });
}
