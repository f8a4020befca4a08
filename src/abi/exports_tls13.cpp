// exports_tls13.cpp - the TLS 1.3 key-schedule exports: the Extract/Expand family of interface
// versions 4 and 5 and SslExpandNextGenTrafficKey (docs/reference/functions.md#tls13-key-schedule,
// docs/tls13.md). The derivations are core/tls13_key_schedule.h's; this file checks raw arguments,
// resolves handles to stage objects and publishes the results.
//
// Argument checks run in this order: provider handle (NTE_INVALID_HANDLE), output handle pointers
// (NTE_INVALID_PARAMETER), dwFlags (NTE_BAD_FLAGS), protocol and suite where the function takes
// them (NTE_NOT_SUPPORTED), the parameter list (NTE_INVALID_PARAMETER if malformed; its contents
// are not used -- Schannel passes NULL: docs/reference/functions.md#tls13-key-schedule), then the
// key and hash handles: a handle that is not a live object of the stage the function takes is
// NTE_INVALID_HANDLE. A transcript hash of another hash algorithm than the secret's suite is
// NTE_INVALID_PARAMETER. On every failure no handle is created.
#include <memory>
#include <optional>

#include "abi/boundary.h"
#include "abi/ncrypt_params.h"
#include "core/cipher_suites.h"
#include "core/key_exchange.h"
#include "core/key_log.h"
#include "core/keys.h"
#include "core/tls13_key_schedule.h"
#include "core/transcript.h"
#include "record/session_key.h"

using namespace opensslp;       // NOLINT(google-build-using-namespace)
using namespace opensslp::abi;  // NOLINT(google-build-using-namespace)

namespace {

// A live TLS 1.3 secret of exactly one of `kinds` (NTE_INVALID_HANDLE otherwise).
Result<std::shared_ptr<Tls13Secret>> RequireStage(NCRYPT_KEY_HANDLE handle, std::initializer_list<ObjectKind> kinds) {
  ASSIGN_OR_RETURN(std::shared_ptr<Tls13Secret> secret, Require<Tls13Secret>(handle));
  bool wanted = false;
  for (ObjectKind kind : kinds) wanted = wanted || secret->kind() == kind;
  ENSURE(wanted, Error::kInvalidHandle);
  return secret;
}

// The parameter list is checked for form only (no TLS 1.3 export uses a parameter).
Status CheckParameterList(PNCryptBufferDesc list) {
  ASSIGN_OR_RETURN(SslParameters ignored, ReadSslParameters(list));
  (void)ignored;
  return Status::Ok();
}

// The current digest of a TLS 1.3 handshake transcript of `secret`'s hash: a live handshake hash
// (not a client-auth hash) created for TLS 1.3 with a suite of the same hash.
Result<TranscriptDigest> RequireTranscriptFor(NCRYPT_HASH_HANDLE handle, const Tls13Secret& secret) {
  ASSIGN_OR_RETURN(std::shared_ptr<HandshakeHash> transcript, Require<HandshakeHash>(handle));
  ENSURE(transcript->purpose() == TranscriptPurpose::kHandshake, Error::kInvalidHandle);
  TRY(CheckTls13Transcript(*transcript, secret));
  return transcript->CurrentDigest();
}

// The key log (core/key_log.h): `secret` under `label`, named by the ClientHello random of the
// transcript `hash` (a live handshake hash: RequireTranscriptFor has checked it). No-op when the
// key log is off or the label empty.
void LogTls13Secret(std::string_view label, NCRYPT_HASH_HANDLE hash, const Tls13Secret& secret) {
  if (label.empty() || !key_log::Enabled()) return;
  auto transcript = Require<HandshakeHash>(hash);
  key_log::WriteIfNamed(label, transcript.ok() ? transcript.value()->FirstClientRandom() : std::nullopt,
                        secret.secret());
}

}  // namespace

// SslExtractEarlyKey: early_secret = HKDF-Extract(0, PSK or 0^n) for a TLS 1.3 suite.
//   NTE_INVALID_HANDLE     bad provider; hPreSharedKey neither 0 nor a live pre-shared key
//   NTE_INVALID_PARAMETER  phEarlyKey NULL; malformed parameter list; a resumption PSK of another
//                          hash than the suite's
//   NTE_BAD_FLAGS          dwFlags != 0
//   NTE_NOT_SUPPORTED      dwProtocol not TLS 1.3, or the suite not a TLS 1.3 suite
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExtractEarlyKey(NCRYPT_PROV_HANDLE hSslProvider,
                                                                     NCRYPT_KEY_HANDLE hPreSharedKey,
                                                                     NCRYPT_KEY_HANDLE* phEarlyKey, DWORD dwProtocol,
                                                                     DWORD dwCipherSuite,
                                                                     PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phEarlyKey != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    ENSURE(dwProtocol == TLS1_3_PROTOCOL_VERSION, Error::kNotSupported);
    ASSIGN_OR_RETURN(const CipherSuite* suite, LookupCipherSuite(dwProtocol, dwCipherSuite));
    TRY(CheckParameterList(pParameterList));
    std::shared_ptr<PreSharedKey> psk;
    if (hPreSharedKey != 0) {
      ASSIGN_OR_RETURN(psk, Require<PreSharedKey>(hPreSharedKey));
    }
    ASSIGN_OR_RETURN(std::shared_ptr<Tls13Secret> early, ExtractEarlySecret(*suite, psk.get()));
    return Publish(std::move(early), phEarlyKey);
  });
}

// SslExtractHandshakeKey: handshake_secret = HKDF-Extract(Derive-Secret(early, "derived", ""),
// (EC)DHE(hPrivateKey, hPublicKey)), the DH secret left-padded to the size of p (RFC 8446 §7.4.1).
//   NTE_INVALID_HANDLE     bad provider; hPrivateKey not our ephemeral key; hPublicKey not a public
//                          key; hEarlyKey not an early secret
//   NTE_INVALID_PARAMETER  phHandshakeKey NULL; malformed parameter list
//   NTE_BAD_FLAGS          dwFlags != 0
//   NTE_BAD_KEY            the peer's key does not fit ours (other group, invalid point)
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExtractHandshakeKey(
    NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPrivateKey, NCRYPT_KEY_HANDLE hPublicKey,
    NCRYPT_KEY_HANDLE hEarlyKey, NCRYPT_KEY_HANDLE* phHandshakeKey, PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phHandshakeKey != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    TRY(CheckParameterList(pParameterList));
    ASSIGN_OR_RETURN(std::shared_ptr<EphemeralKey> mine, Require<EphemeralKey>(hPrivateKey));
    ASSIGN_OR_RETURN(std::shared_ptr<PublicKey> peer, Require<PublicKey>(hPublicKey));
    ASSIGN_OR_RETURN(std::shared_ptr<Tls13Secret> early, RequireStage(hEarlyKey, {ObjectKind::kTls13EarlySecret}));
    ASSIGN_OR_RETURN(SecretBytes shared, ComputeTlsPremasterSecret(*mine, *peer, TLS1_3_PROTOCOL_VERSION));
    ASSIGN_OR_RETURN(std::shared_ptr<Tls13Secret> handshake, ExtractHandshakeSecret(*early, shared.span()));
    return Publish(std::move(handshake), phHandshakeKey);
  });
}

// SslExtractMasterKey: master_secret = HKDF-Extract(Derive-Secret(handshake, "derived", ""), 0^n).
//   NTE_INVALID_HANDLE     bad provider; hHandshakeKey not a handshake secret
//   NTE_INVALID_PARAMETER  phMasterKey NULL; malformed parameter list
//   NTE_BAD_FLAGS          dwFlags != 0
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExtractMasterKey(NCRYPT_PROV_HANDLE hSslProvider,
                                                                      NCRYPT_KEY_HANDLE hHandshakeKey,
                                                                      NCRYPT_KEY_HANDLE* phMasterKey,
                                                                      PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phMasterKey != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    TRY(CheckParameterList(pParameterList));
    ASSIGN_OR_RETURN(std::shared_ptr<Tls13Secret> handshake,
                     RequireStage(hHandshakeKey, {ObjectKind::kTls13HandshakeSecret}));
    ASSIGN_OR_RETURN(std::shared_ptr<Tls13Secret> master, ExtractMasterSecret(*handshake));
    return Publish(std::move(master), phMasterKey);
  });
}

// SslExpandTrafficKeys: the client and/or server traffic secret of a base over the transcript:
// early -> "c e traffic" (client only), handshake -> "c/s hs traffic", master -> "c/s ap traffic".
// Either output pointer may be NULL, not both. Both handles are published or neither.
//   NTE_INVALID_HANDLE     bad provider; hBaseKey not an early, handshake or master secret;
//                          hHashValue not a handshake hash
//   NTE_INVALID_PARAMETER  both output pointers NULL; a server secret asked of an early secret; the
//                          transcript not a TLS 1.3 transcript of the base's hash; malformed list
//   NTE_BAD_FLAGS          dwFlags != 0
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI
SslExpandTrafficKeys(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hBaseKey, NCRYPT_HASH_HANDLE hHashValue,
                     NCRYPT_KEY_HANDLE* phClientTrafficKey, NCRYPT_KEY_HANDLE* phServerTrafficKey,
                     PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phClientTrafficKey != nullptr || phServerTrafficKey != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    TRY(CheckParameterList(pParameterList));
    ASSIGN_OR_RETURN(std::shared_ptr<Tls13Secret> base,
                     RequireStage(hBaseKey, {ObjectKind::kTls13EarlySecret, ObjectKind::kTls13HandshakeSecret,
                                             ObjectKind::kTls13MasterSecret}));
    ASSIGN_OR_RETURN(TranscriptDigest digest, RequireTranscriptFor(hHashValue, *base));
    ASSIGN_OR_RETURN(TrafficSecrets secrets, ExpandTrafficSecrets(*base, digest.view(), phClientTrafficKey != nullptr,
                                                                  phServerTrafficKey != nullptr));
    if (secrets.client) LogTls13Secret(KeyLogTrafficLabel(*secrets.client), hHashValue, *secrets.client);
    if (secrets.server) LogTls13Secret(KeyLogTrafficLabel(*secrets.server), hHashValue, *secrets.server);
    HandleTable& table = HandleTable::Global();
    std::optional<Handle> client;
    if (secrets.client) {
      ASSIGN_OR_RETURN(client, table.Insert(std::move(secrets.client)));
    }
    if (secrets.server) {
      auto server = table.Insert(std::move(secrets.server));
      if (!server.ok()) {
        if (client) (void)table.Erase(*client);
        return server.error();
      }
      *phServerTrafficKey = static_cast<NCRYPT_KEY_HANDLE>(server.value());
    }
    if (client) *phClientTrafficKey = static_cast<NCRYPT_KEY_HANDLE>(*client);
    return Status::Ok();
  });
}

// SslExpandWriteKey: the record key of a traffic secret (key and iv, RFC 8446 §7.3), usable with
// SslEncryptPacket by the sender and SslDecryptPacket by the receiver (one key object for both).
//   NTE_INVALID_HANDLE     bad provider; hBaseTrafficKey not a traffic secret
//   NTE_INVALID_PARAMETER  phWriteKey NULL; malformed parameter list
//   NTE_BAD_FLAGS          dwFlags != 0
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExpandWriteKey(NCRYPT_PROV_HANDLE hSslProvider,
                                                                    NCRYPT_KEY_HANDLE hBaseTrafficKey,
                                                                    NCRYPT_KEY_HANDLE* phWriteKey,
                                                                    PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phWriteKey != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    TRY(CheckParameterList(pParameterList));
    ASSIGN_OR_RETURN(std::shared_ptr<Tls13Secret> traffic,
                     RequireStage(hBaseTrafficKey, {ObjectKind::kTls13TrafficSecret}));
    ASSIGN_OR_RETURN(SessionKeyMaterial material, ExpandTls13RecordKeyMaterial(*traffic));
    ASSIGN_OR_RETURN(std::shared_ptr<SessionKey> key, CreateTls13RecordKey(std::move(material)));
    return Publish(std::move(key), phWriteKey);
  });
}

// SslExpandExporterMasterKey: early -> "e exp master", master -> "exp master" over the transcript.
//   NTE_INVALID_HANDLE     bad provider; hBaseKey not an early or master secret; hHashValue not a
//                          handshake hash
//   NTE_INVALID_PARAMETER  phExporterMasterKey NULL; the transcript not of the base's hash;
//                          malformed parameter list
//   NTE_BAD_FLAGS          dwFlags != 0
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI
SslExpandExporterMasterKey(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hBaseKey, NCRYPT_HASH_HANDLE hHashValue,
                           NCRYPT_KEY_HANDLE* phExporterMasterKey, PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phExporterMasterKey != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    TRY(CheckParameterList(pParameterList));
    ASSIGN_OR_RETURN(std::shared_ptr<Tls13Secret> base,
                     RequireStage(hBaseKey, {ObjectKind::kTls13EarlySecret, ObjectKind::kTls13MasterSecret}));
    ASSIGN_OR_RETURN(TranscriptDigest digest, RequireTranscriptFor(hHashValue, *base));
    ASSIGN_OR_RETURN(std::shared_ptr<Tls13Secret> exporter, ExpandExporterSecret(*base, digest.view()));
    LogTls13Secret(KeyLogExporterLabel(*base), hHashValue, *exporter);
    return Publish(std::move(exporter), phExporterMasterKey);
  });
}

// SslExpandResumptionMasterKey: master -> "res master" over the transcript (through the client's
// Finished). Errors as SslExpandExporterMasterKey; the base must be a master secret.
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExpandResumptionMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hMasterKey, NCRYPT_HASH_HANDLE hHashValue,
    NCRYPT_KEY_HANDLE* phResumptionMasterKey, PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phResumptionMasterKey != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    TRY(CheckParameterList(pParameterList));
    ASSIGN_OR_RETURN(std::shared_ptr<Tls13Secret> master, RequireStage(hMasterKey, {ObjectKind::kTls13MasterSecret}));
    ASSIGN_OR_RETURN(TranscriptDigest digest, RequireTranscriptFor(hHashValue, *master));
    ASSIGN_OR_RETURN(std::shared_ptr<Tls13Secret> resumption, ExpandResumptionSecret(*master, digest.view()));
    return Publish(std::move(resumption), phResumptionMasterKey);
  });
}

// SslDuplicateTranscriptHash: an independent copy of a running handshake hash.
//   NTE_INVALID_HANDLE     bad provider; hTranscriptHash not a live hash (handshake or client-auth)
//   NTE_INVALID_PARAMETER  phTranscriptHash NULL
//   NTE_BAD_FLAGS          dwFlags != 0
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslDuplicateTranscriptHash(NCRYPT_PROV_HANDLE hSslProvider,
                                                                             NCRYPT_HASH_HANDLE hTranscriptHash,
                                                                             NCRYPT_HASH_HANDLE* phTranscriptHash,
                                                                             DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phTranscriptHash != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    ASSIGN_OR_RETURN(std::shared_ptr<HandshakeHash> transcript, Require<HandshakeHash>(hTranscriptHash));
    ASSIGN_OR_RETURN(std::shared_ptr<HandshakeHash> copy, transcript->Duplicate());
    return Publish(std::move(copy), phTranscriptHash);
  });
}

// SslExpandBinderKey: Derive-Secret(early, "ext binder" | "res binder", ""). dwFlags names the
// label and nothing else: exactly one of NCRYPT_SSL_EXTERNAL_PSK_FLAG / NCRYPT_SSL_RESUMPTION_PSK_FLAG.
//   NTE_INVALID_HANDLE     bad provider; hEarlyKey not an early secret
//   NTE_INVALID_PARAMETER  phBinderKey NULL; malformed parameter list
//   NTE_BAD_FLAGS          not exactly one of the two flags
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExpandBinderKey(NCRYPT_PROV_HANDLE hSslProvider,
                                                                     NCRYPT_KEY_HANDLE hEarlyKey,
                                                                     NCRYPT_KEY_HANDLE* phBinderKey,
                                                                     PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phBinderKey != nullptr, Error::kInvalidParameter);
    ENSURE(dwFlags == NCRYPT_SSL_EXTERNAL_PSK_FLAG || dwFlags == NCRYPT_SSL_RESUMPTION_PSK_FLAG, Error::kBadFlags);
    TRY(CheckParameterList(pParameterList));
    ASSIGN_OR_RETURN(std::shared_ptr<Tls13Secret> early, RequireStage(hEarlyKey, {ObjectKind::kTls13EarlySecret}));
    ASSIGN_OR_RETURN(std::shared_ptr<Tls13Secret> binder,
                     ExpandBinderKey(*early, dwFlags == NCRYPT_SSL_EXTERNAL_PSK_FLAG ? BinderKind::kExternal
                                                                                     : BinderKind::kResumption));
    return Publish(std::move(binder), phBinderKey);
  });
}

// SslExpandPreSharedKey: PSK = HKDF-Expand-Label(resumption_master_secret, "resumption",
// ticket_nonce, n) (RFC 8446 §4.6.1).
//   NTE_INVALID_HANDLE     bad provider; hResumptionMasterKey not a resumption master secret
//   NTE_INVALID_PARAMETER  phPreSharedKey NULL; pbTicketNonce NULL with cbTicketNonce != 0; a nonce
//                          over 255 bytes; malformed parameter list
//   NTE_BAD_FLAGS          dwFlags != 0
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExpandPreSharedKey(
    NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hResumptionMasterKey, PBYTE pbTicketNonce, DWORD cbTicketNonce,
    NCRYPT_KEY_HANDLE* phPreSharedKey, PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phPreSharedKey != nullptr, Error::kInvalidParameter);
    ENSURE(pbTicketNonce != nullptr || cbTicketNonce == 0, Error::kInvalidParameter);
    // The nonce's length is an argument-shape check like the pointers': it is made before the
    // handle is looked up, so an over-long nonce is NTE_INVALID_PARAMETER whatever the handle
    // (found by fuzz_tls13_stages; its corpus keeps the input).
    ENSURE(cbTicketNonce <= kMaxTicketNonceLength, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    TRY(CheckParameterList(pParameterList));
    ASSIGN_OR_RETURN(std::shared_ptr<Tls13Secret> resumption,
                     RequireStage(hResumptionMasterKey, {ObjectKind::kTls13ResumptionSecret}));
    ASSIGN_OR_RETURN(std::shared_ptr<PreSharedKey> psk,
                     ExpandResumptionPsk(*resumption, Bytes(pbTicketNonce, cbTicketNonce)));
    return Publish(std::move(psk), phPreSharedKey);
  });
}

// SslExpandNextGenTrafficKey (unpublished export; prototype inferred from call sites:
// docs/reference/inferences.md): application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N,
// "traffic upd", "", n) (RFC 8446 §7.2).
//   NTE_INVALID_HANDLE     bad provider; hBaseTrafficKey not a traffic secret
//   NTE_INVALID_PARAMETER  phNextTrafficKey NULL; malformed parameter list
//   NTE_BAD_FLAGS          dwFlags != 0
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExpandNextGenTrafficKey(NCRYPT_PROV_HANDLE hSslProvider,
                                                                             NCRYPT_KEY_HANDLE hBaseTrafficKey,
                                                                             NCRYPT_KEY_HANDLE* phNextTrafficKey,
                                                                             PNCryptBufferDesc pParameterList,
                                                                             DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phNextTrafficKey != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    TRY(CheckParameterList(pParameterList));
    ASSIGN_OR_RETURN(std::shared_ptr<Tls13Secret> traffic,
                     RequireStage(hBaseTrafficKey, {ObjectKind::kTls13TrafficSecret}));
    ASSIGN_OR_RETURN(std::shared_ptr<Tls13Secret> next, ExpandNextTrafficSecret(*traffic));
    return Publish(std::move(next), phNextTrafficKey);
  });
}
