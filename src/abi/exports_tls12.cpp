// exports_tls12.cpp - the TLS 1.0-1.2 exports that make master secrets and what only TLS 1.0-1.2
// derives from them: SslGenerateMasterKey, SslImportMasterKey, SslGeneratePreMasterKey,
// SslGenerateSessionKeys and SslComputeEapKeyBlock. The key exchange is core/tls12_key_exchange.h,
// the key schedule core/tls12_key_schedule.h (docs/tls12.md#master-secrets); this file checks raw
// arguments, resolves handles and writes outputs. The version-neutral Finished and exporter
// exports are in exports_derive.cpp.
//
// Argument checks run in this order so each test can target one argument: provider handle
// (NTE_INVALID_HANDLE), output handle pointer (NTE_INVALID_PARAMETER), dwFlags (NTE_BAD_FLAGS),
// protocol and suite (NTE_NOT_SUPPORTED), parameter list (NTE_INVALID_PARAMETER), key handles
// (NTE_INVALID_HANDLE; a live key of the wrong kind for the suite: NTE_INVALID_PARAMETER), then
// the output buffer. On every failure no handle is created and nothing is written to pbOutput.
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "abi/boundary.h"
#include "abi/ncrypt_params.h"
#include "abi/out_buffers.h"
#include "core/cipher_suites.h"
#include "core/keys.h"
#include "core/master_key.h"
#include "core/private_key.h"
#include "core/tls12_key_exchange.h"
#include "core/tls12_key_schedule.h"
#include "record/session_key.h"
#if defined(_WIN32)
#include "win/ncrypt_public_key.h"
#endif

using namespace opensslp;       // NOLINT(google-build-using-namespace)
using namespace opensslp::abi;  // NOLINT(google-build-using-namespace)

namespace {

// The role flag of SslGenerateMasterKey: exactly one of CLIENT / SERVER, nothing else.
Result<TlsRole> ReadRole(DWORD flags) {
  if (flags == NCRYPT_SSL_CLIENT_FLAG) return TlsRole::kClient;
  if (flags == NCRYPT_SSL_SERVER_FLAG) return TlsRole::kServer;
  return Error::kBadFlags;
}

// The master-secret inputs of a parameter list, as views into `params`.
MasterSecretInputs MasterInputsOf(const SslParameters& params) {
  MasterSecretInputs inputs;
  if (params.session_hash.has_value()) inputs.session_hash = Bytes(*params.session_hash);
  if (params.client_random.has_value()) inputs.client_random = Bytes(*params.client_random);
  if (params.server_random.has_value()) inputs.server_random = Bytes(*params.server_random);
  return inputs;
}

// A TLS 1.0-1.2 suite with a certificate key exchange (RSA, DHE, ECDHE) for `protocol`. TLS 1.3
// (its own key schedule), PSK suites (no pre-master here) and everything LookupCipherSuite
// refuses are kNotSupported.
Result<const CipherSuite*> ReadTls12Suite(DWORD protocol, DWORD suite_id) {
  ASSIGN_OR_RETURN(const CipherSuite* suite, LookupCipherSuite(protocol, suite_id));
  ENSURE(!IsTls13Suite(*suite) && suite->kx != KeyExchange::kPsk, Error::kNotSupported);
  return suite;
}

// The server's RSA public key for key transport (SslGenerateMasterKey with no hPrivateKey,
// SslGeneratePreMasterKey): a public-key handle of ours (SslImportKey BCRYPT_RSAPUBLIC_BLOB) or, on
// Windows only, a raw NCRYPT_KEY_HANDLE of a KSP key that ncrypt's router passed through unchanged
// (docs/reference/functions.md#foreign-public-key: the sample provider handles it and a third-party
// Schannel re-implementation passes the server certificate's key that way; that Microsoft's
// Schannel does is an inference -- win/ncrypt_public_key.h). A live handle of ours of another kind
// is never tried as an NCrypt handle. Applying the same rule to SslGeneratePreMasterKey, the split
// form of the same client step, is an inference.
Result<std::shared_ptr<PublicKey>> RequireRsaPublicKey(NCRYPT_KEY_HANDLE handle) {
  auto ours = Require<PublicKey>(handle);
  if (!ours.ok()) {
#if defined(_WIN32)
    // A value shaped like one of our tokens (a stale or wrong-kind handle of ours) is never
    // handed to ncrypt: on 64-bit it cannot be a pointer (handles/handle_table.h).
    if (handle != 0 && !HandleTable::LooksLikeToken(static_cast<Handle>(handle)) &&
        !HandleTable::Global().LookupAny(static_cast<Handle>(handle)).ok()) {
      return win::RsaPublicKeyFromNcryptHandle(handle);
    }
#endif
    return ours.error();
  }
  std::shared_ptr<PublicKey> key = std::move(ours).value();
  TRY(RequireRsaTransportKey(*key));
  return key;
}

}  // namespace

// SslGenerateMasterKey: (EC)DHE in both roles (hPrivateKey = our ephemeral key, hPublicKey = the
// peer's), the split RSA client flow (hPrivateKey = SslGeneratePreMasterKey's handle), or RSA key
// transport as client (hPrivateKey 0: make, encrypt into pbOutput and use a pre-master secret;
// hPublicKey may be a raw NCrypt key on Windows, see RequireRsaPublicKey). docs/tls12.md.
//   NTE_INVALID_HANDLE     bad provider handle; key handles that are not live keys of a usable
//                          kind (Windows: hPublicKey neither ours nor an NCrypt key)
//   NTE_INVALID_PARAMETER  phMasterKey NULL; parameter list; a key of the wrong family for the
//                          suite; RSA without HIGHEST_VERSION or pcbResult
//   NTE_BAD_FLAGS          not exactly one of NCRYPT_SSL_CLIENT_FLAG / NCRYPT_SSL_SERVER_FLAG
//   NTE_NOT_SUPPORTED      protocol / suite (TLS 1.3, PSK, unknown)
//   NTE_BAD_KEY            the peer key does not fit our key (other group, low-order point);
//                          Windows: an NCrypt RSA key that cannot be exported or is too small
//   NTE_BAD_KEY_STATE      hPrivateKey is a DHE key that already derived a master secret
//                          (single use, Raccoon: core/key_exchange.h EphemeralKeyUse)
//   NTE_BUFFER_TOO_SMALL   RSA: cbOutput below the modulus length (*pcbResult = the size)
// On failure no handle is created, nothing is written to pbOutput and a DHE key is not used up.
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslGenerateMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPrivateKey, NCRYPT_KEY_HANDLE hPublicKey,
    NCRYPT_KEY_HANDLE* phMasterKey, DWORD dwProtocol, DWORD dwCipherSuite, PNCryptBufferDesc pParameterList,
    PBYTE pbOutput, DWORD cbOutput, DWORD* pcbResult, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phMasterKey != nullptr, Error::kInvalidParameter);
    ASSIGN_OR_RETURN(const TlsRole role, ReadRole(dwFlags));
    ASSIGN_OR_RETURN(const CipherSuite* suite, ReadTls12Suite(dwProtocol, dwCipherSuite));
    ASSIGN_OR_RETURN(const ProtocolVersion version, ParseProtocolVersion(dwProtocol));
    ASSIGN_OR_RETURN(SslParameters params, ReadSslParameters(pParameterList));
    const MasterSecretInputs inputs = MasterInputsOf(params);
    TRY(CheckMasterSecretInputs(inputs));

    if (hPrivateKey != 0) {
      ASSIGN_OR_RETURN(std::shared_ptr<Object> mine, HandleTable::Global().LookupAny(static_cast<Handle>(hPrivateKey)));
      std::shared_ptr<MasterKey> master;
      if (mine->kind() == ObjectKind::kEphemeralKey) {
        // (EC)DHE, either role: our ephemeral key and the peer's public key.
        const auto& eph = static_cast<const EphemeralKey&>(*mine);
        TRY(CheckEphemeralKeyFitsSuite(*suite, eph));
        ASSIGN_OR_RETURN(std::shared_ptr<PublicKey> peer, Require<PublicKey>(hPublicKey));
        ASSIGN_OR_RETURN(master, MasterKeyFromEphemeral(role, version, *suite, inputs, eph, *peer));
      } else if (mine->kind() == ObjectKind::kPreMasterKey) {
        // The split RSA client flow (SslGeneratePreMasterKey's handle); hPublicKey is not used.
        ASSIGN_OR_RETURN(
            master, MasterKeyFromPreMaster(role, version, *suite, inputs, static_cast<const PreMasterKey&>(*mine)));
      } else {
        return Error::kInvalidHandle;
      }
      TRY(Publish(std::move(master), phMasterKey));
      // No output for these flows; pcbResult may be NULL (docs/reference/functions.md#pcbresult-null).
      if (pcbResult != nullptr) *pcbResult = 0;
      return Status::Ok();
    }

    // RSA key transport, client side (RFC 5246 §7.4.7.1): make, encrypt and use a pre-master.
    ENSURE(suite->kx == KeyExchange::kRsa && role == TlsRole::kClient, Error::kInvalidParameter);
    ASSIGN_OR_RETURN(std::shared_ptr<PublicKey> server_key, RequireRsaPublicKey(hPublicKey));
    ASSIGN_OR_RETURN(const std::uint16_t client_version, RsaClientVersion(params.highest_version));
    const std::size_t ct_len = RsaTransportCiphertextLength(*server_key);
    ASSIGN_OR_RETURN(const OutputMode mode, PrepareOutput(pbOutput, cbOutput, pcbResult, ct_len));
    if (mode == OutputMode::kSizeQuery) return Status::Ok();  // no handle for a size query
    ASSIGN_OR_RETURN(RsaTransportOutput transport, EncryptNewRsaPremaster(*server_key, client_version));
    ASSIGN_OR_RETURN(std::shared_ptr<MasterKey> master,
                     MakeMasterKey(role, version, *suite, inputs, transport.premaster.span()));
    TRY(Publish(std::move(master), phMasterKey));
    std::memcpy(pbOutput, transport.ciphertext.data(), ct_len);
    *pcbResult = static_cast<DWORD>(ct_len);
    return Status::Ok();
  });
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslImportMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPrivateKey, NCRYPT_KEY_HANDLE* phMasterKey, DWORD dwProtocol,
    DWORD dwCipherSuite, PNCryptBufferDesc pParameterList, PBYTE pbEncryptedKey, DWORD cbEncryptedKey, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phMasterKey != nullptr, Error::kInvalidParameter);
    // Server side of RSA key transport only (docs/reference/functions.md#sslimportmasterkey).
    ENSURE(dwFlags == NCRYPT_SSL_SERVER_FLAG, Error::kBadFlags);
    ASSIGN_OR_RETURN(const CipherSuite* suite, ReadTls12Suite(dwProtocol, dwCipherSuite));
    ASSIGN_OR_RETURN(const ProtocolVersion version, ParseProtocolVersion(dwProtocol));
    ASSIGN_OR_RETURN(SslParameters params, ReadSslParameters(pParameterList));
    const MasterSecretInputs inputs = MasterInputsOf(params);
    TRY(CheckMasterSecretInputs(inputs));
    ASSIGN_OR_RETURN(const std::uint16_t client_version, RsaClientVersion(params.highest_version));
    // Checks of the arguments alone come before the key lookup, as in every export: a suite
    // without RSA key transport or a ciphertext of no or impossible length is
    // NTE_INVALID_PARAMETER whatever the handle. The length is public framing; nothing here
    // looks at the ciphertext's content.
    ENSURE(suite->kx == KeyExchange::kRsa, Error::kInvalidParameter);
    ENSURE(pbEncryptedKey != nullptr && cbEncryptedKey != 0 && cbEncryptedKey <= kMaxEncryptedPremasterLength,
           Error::kInvalidParameter);
    // A deferred private key (docs/windows.md#deferred-private-keys) fails here with the error its
    // open recorded: that depends on the key, never on the ciphertext, so it reveals nothing
    // about the padding (RFC 5246 §7.4.7.1).
    ASSIGN_OR_RETURN(std::shared_ptr<PrivateKey> key, RequirePrivateKey(hPrivateKey));
    // Decryption failures never surface: RFC 5246 §7.4.7.1 (core/tls12_key_exchange.h).
    ASSIGN_OR_RETURN(std::shared_ptr<MasterKey> master,
                     MasterKeyFromRsaTransport(version, *suite, inputs, *key, Bytes(pbEncryptedKey, cbEncryptedKey),
                                               client_version));
    return Publish(std::move(master), phMasterKey);
  });
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslGeneratePreMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hPublicKey, NCRYPT_KEY_HANDLE* phPreMasterKey, DWORD dwProtocol,
    DWORD dwCipherSuite, PNCryptBufferDesc pParameterList, PBYTE pbOutput, DWORD cbOutput, DWORD* pcbResult,
    DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phPreMasterKey != nullptr, Error::kInvalidParameter);
    // Undocumented flags: the split exists for the RSA client only, so 0 or NCRYPT_SSL_CLIENT_FLAG.
    ENSURE(dwFlags == 0 || dwFlags == NCRYPT_SSL_CLIENT_FLAG, Error::kBadFlags);
    ASSIGN_OR_RETURN(const CipherSuite* suite, ReadTls12Suite(dwProtocol, dwCipherSuite));
    ASSIGN_OR_RETURN(const ProtocolVersion version, ParseProtocolVersion(dwProtocol));
    ASSIGN_OR_RETURN(SslParameters params, ReadSslParameters(pParameterList));
    ASSIGN_OR_RETURN(const std::uint16_t client_version, RsaClientVersion(params.highest_version));
    // An argument check: before the key lookup, as in every export.
    ENSURE(suite->kx == KeyExchange::kRsa, Error::kInvalidParameter);
    ASSIGN_OR_RETURN(std::shared_ptr<PublicKey> server_key, RequireRsaPublicKey(hPublicKey));
    const std::size_t ct_len = RsaTransportCiphertextLength(*server_key);
    ASSIGN_OR_RETURN(const OutputMode mode, PrepareOutput(pbOutput, cbOutput, pcbResult, ct_len));
    if (mode == OutputMode::kSizeQuery) return Status::Ok();
    ASSIGN_OR_RETURN(RsaTransportOutput transport, EncryptNewRsaPremaster(*server_key, client_version));
    TRY(Publish(std::make_shared<PreMasterKey>(version, *suite, std::move(transport.premaster)), phPreMasterKey));
    std::memcpy(pbOutput, transport.ciphertext.data(), ct_len);
    *pcbResult = static_cast<DWORD>(ct_len);
    return Status::Ok();
  });
}

// SslGenerateSessionKeys: expands the master key's key block (RFC 5246 §6.3, seed server_random
// || client_random) and returns the read key (protects nothing: decrypts what the peer sends) and
// the write key, chosen by the master key's role. The seed document's error cases:
//   NTE_INVALID_HANDLE     bad provider handle, or hMasterKey is not a master key
//   NTE_INVALID_PARAMETER  phReadKey or phWriteKey NULL; a malformed parameter list, or one
//                          without both 32-byte randoms
//   NTE_BAD_FLAGS          dwFlags != 0 (reserved)
//   NTE_NO_MEMORY          allocation failure
// No handle is left behind on any failure: both keys are published or neither.
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI
SslGenerateSessionKeys(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hMasterKey, NCRYPT_KEY_HANDLE* phReadKey,
                       NCRYPT_KEY_HANDLE* phWriteKey, PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ASSIGN_OR_RETURN(std::shared_ptr<MasterKey> master, Require<MasterKey>(hMasterKey));
    ENSURE(phReadKey != nullptr && phWriteKey != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    ASSIGN_OR_RETURN(SslParameters params, ReadSslParameters(pParameterList));
    ENSURE(params.client_random.has_value() && params.server_random.has_value(), Error::kInvalidParameter);
    ASSIGN_OR_RETURN(Tls12SessionKeys material,
                     DeriveSessionKeys(*master, params.client_random_bytes(), params.server_random_bytes()));
    ASSIGN_OR_RETURN(std::shared_ptr<SessionKey> read_key, CreateSessionKey(std::move(material.read)));
    ASSIGN_OR_RETURN(std::shared_ptr<SessionKey> write_key, CreateSessionKey(std::move(material.write)));
    HandleTable& table = HandleTable::Global();
    ASSIGN_OR_RETURN(Handle read_handle, table.Insert(std::move(read_key)));
    auto write_handle = table.Insert(std::move(write_key));
    if (!write_handle.ok()) {
      (void)table.Erase(read_handle);
      return write_handle.error();
    }
    *phReadKey = static_cast<NCRYPT_KEY_HANDLE>(read_handle);
    *phWriteKey = static_cast<NCRYPT_KEY_HANDLE>(write_handle.value());
    return Status::Ok();
  });
}

// SslComputeEapKeyBlock: 128 bytes of EAP keying material for the method in the low byte of dwFlags
// (docs/reference/functions.md#exporters; core/tls12_key_schedule.h ComputeEapKeyBlock): EAP-TLS,
// TTLSv0 and the TTLSv0 challenge are PRF(master, label, pbRandoms); EAP-FAST
// (NCRYPT_SSL_EAP_FAST_ID) is the "key expansion" key block from the end of the suite's keys on,
// whose first 40 bytes are RFC 4851 §5.1's session_key_seed (an inference: Microsoft documents
// neither the size nor what FAST returns). pbRandoms = client_random || server_random. pbOutput
// NULL = size query.
//   NTE_INVALID_HANDLE     bad provider handle; hMasterKey not a live master key
//   NTE_INVALID_PARAMETER  pcbResult NULL; pbRandoms NULL or cbRandoms != 64
//   NTE_BAD_FLAGS          bits outside NCRYPT_SSL_EAP_PRF_FIELD; a method id above 3
//   NTE_NOT_SUPPORTED      EAP-FAST with an AEAD (GCM, ChaCha20-Poly1305) suite
//   NTE_BUFFER_TOO_SMALL   cbOutput < 128 (*pcbResult = 128, nothing written)
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslComputeEapKeyBlock(NCRYPT_PROV_HANDLE hSslProvider,
                                                                        NCRYPT_KEY_HANDLE hMasterKey, PBYTE pbRandoms,
                                                                        DWORD cbRandoms, PBYTE pbOutput, DWORD cbOutput,
                                                                        DWORD* pcbResult, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ASSIGN_OR_RETURN(std::shared_ptr<MasterKey> master, Require<MasterKey>(hMasterKey));
    ENSURE(pcbResult != nullptr, Error::kInvalidParameter);
    // The low byte (NCRYPT_SSL_EAP_PRF_FIELD) selects the method; every other bit is reserved.
    // The docs' "pass NCRYPT_SSL_SERVER_FLAG for a server" collides with the TTLS challenge id
    // (docs/reference/functions.md#exporters): we follow the header.
    ENSURE((dwFlags & ~static_cast<DWORD>(NCRYPT_SSL_EAP_PRF_FIELD)) == 0, Error::kBadFlags);
    const DWORD method = dwFlags & NCRYPT_SSL_EAP_PRF_FIELD;
    ENSURE(method <= NCRYPT_SSL_EAP_FAST_ID, Error::kBadFlags);
    ENSURE(pbRandoms != nullptr && cbRandoms == 2 * kTlsRandomLength, Error::kInvalidParameter);
    // EAP-FAST is refused for AEAD suites (core/tls12_key_schedule.h EapFastKeyBlockOffset)
    // before the size is reported, so a size query never promises what the call cannot give.
    if (method == NCRYPT_SSL_EAP_FAST_ID) TRY(EapFastKeyBlockOffset(master->suite(), master->version()));
    ASSIGN_OR_RETURN(const OutputMode mode, PrepareOutput(pbOutput, cbOutput, pcbResult, kEapKeyBlockLength));
    if (mode == OutputMode::kSizeQuery) return Status::Ok();
    SecretArray<kEapKeyBlockLength> block;
    TRY(ComputeEapKeyBlock(*master, static_cast<EapMethod>(method), Bytes(pbRandoms, cbRandoms), block.span()));
    std::memcpy(pbOutput, block.data(), block.size());
    *pcbResult = static_cast<DWORD>(block.size());
    return Status::Ok();
  });
}
