// exports_master_keys.cpp - TLS 1.0-1.2 master secrets and what derives from them (issue #3):
// SslGenerateMasterKey, SslImportMasterKey, SslGeneratePreMasterKey, SslComputeEapKeyBlock and
// SslExportKeyingMaterial. The protocol logic lives in core/tls12_key_schedule.h; this file
// checks raw arguments, resolves handles and writes outputs.
//
// Argument checks run in this order so each test can target one argument: provider handle
// (NTE_INVALID_HANDLE), output handle pointer (NTE_INVALID_PARAMETER), dwFlags (NTE_BAD_FLAGS),
// protocol and suite (NTE_NOT_SUPPORTED), parameter list (NTE_INVALID_PARAMETER), key handles
// (NTE_INVALID_HANDLE; a live key of the wrong kind for the suite: NTE_INVALID_PARAMETER), then
// the output buffer. On every failure no handle is created and nothing is written to pbOutput.
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "abi/boundary.h"
#include "abi/ncrypt_params.h"
#include "abi/out_buffers.h"
#include "core/cipher_suites.h"
#include "core/key_exchange.h"
#include "core/keys.h"
#include "core/master_key.h"
#include "core/private_key.h"
#include "core/tls12_key_schedule.h"
#include "core/transcript.h"
#include "record/session_key.h"
#include "ossl/library.h"
#include "ossl/rsa_transport.h"
#if defined(_WIN32)
#include "win/ncrypt_public_key.h"
#endif

using namespace opensslp;
using namespace opensslp::abi;

namespace {


// The role flag of SslGenerateMasterKey: exactly one of CLIENT / SERVER, nothing else.
Result<TlsRole> ReadRole(DWORD flags) {
  if (flags == NCRYPT_SSL_CLIENT_FLAG) return TlsRole::kClient;
  if (flags == NCRYPT_SSL_SERVER_FLAG) return TlsRole::kServer;
  return Error::kBadFlags;
}

// A TLS 1.0-1.2 suite with a certificate key exchange (RSA, DHE, ECDHE) for `protocol`. TLS 1.3
// (its own key schedule), PSK suites (no pre-master here) and everything LookupCipherSuite
// refuses are kNotSupported.
Result<const CipherSuite*> ReadTls12Suite(DWORD protocol, DWORD suite_id) {
  ASSIGN_OR_RETURN(const CipherSuite* suite, LookupCipherSuite(protocol, suite_id));
  ENSURE(!IsTls13Suite(*suite) && suite->kx != KeyExchange::kPsk, Error::kNotSupported);
  return suite;
}

// The master secret from a pre-master secret and the parameter list: RFC 7627 when the list
// carries NCRYPTBUFFER_SSL_SESSION_HASH, else RFC 5246 §8.1 with both randoms (kInvalidParameter
// when one is missing).
Result<std::shared_ptr<MasterKey>> MakeMasterKey(TlsRole role, ProtocolVersion version, const CipherSuite& suite,
                                                 const SslParameters& params, Bytes premaster) {
  const HashAlg prf = PrfHashFor(suite, version);
  if (params.session_hash.has_value()) {
    ASSIGN_OR_RETURN(SecretArray<kMasterSecretLength> secret,
                     DeriveExtendedMasterSecret(prf, premaster, Bytes(*params.session_hash)));
    return std::make_shared<MasterKey>(role, version, suite, true, std::move(secret));
  }
  ENSURE(params.client_random && params.server_random, Error::kInvalidParameter);
  ASSIGN_OR_RETURN(SecretArray<kMasterSecretLength> secret,
                   DeriveMasterSecret(prf, premaster, params.client_random_bytes(), params.server_random_bytes()));
  return std::make_shared<MasterKey>(role, version, suite, false, std::move(secret));
}

// Checks the randoms-and-session-hash requirement before any expensive or random work.
Status RequireMasterSecretInputs(const SslParameters& params) {
  if (params.session_hash.has_value()) return Status::Ok();
  ENSURE(params.client_random && params.server_random, Error::kInvalidParameter);
  return Status::Ok();
}

// The client_version of NCRYPTBUFFER_SSL_HIGHEST_VERSION (RFC 5246 §7.4.7.1: the first two bytes
// of the RSA pre-master secret). Required for RSA key transport; must fit 16 bits and be a TLS
// version number (0x0301..0x03FF: SSL 3.0 and older are not offered).
Result<std::uint16_t> ReadClientVersion(const SslParameters& params) {
  ENSURE(params.highest_version.has_value(), Error::kInvalidParameter);
  const std::uint32_t v = *params.highest_version;
  ENSURE(v >= 0x0301 && v <= 0x03FF, Error::kInvalidParameter);
  return static_cast<std::uint16_t>(v);
}

// A new RSA pre-master secret: client_version || 46 random bytes (RFC 5246 §7.4.7.1).
Result<SecretArray<kPremasterLength>> NewRsaPremaster(std::uint16_t client_version) {
  SecretArray<kPremasterLength> pms;
  TRY(ossl::RandomBytes(pms.span().subspan(2)));
  StoreBe16(pms.data(), client_version);
  return pms;
}

// The server's RSA public key for key transport (SslGenerateMasterKey with no hPrivateKey,
// SslGeneratePreMasterKey): a public-key handle of ours (SslImportKey BCRYPT_RSAPUBLIC_BLOB) or,
// on Windows only, a raw NCRYPT_KEY_HANDLE of a KSP key that ncrypt's router passed through
// unchanged (fact sheet §4.4: the Microsoft sample handles it and a third-party Schannel
// re-implementation passes the server certificate's key that way; that Microsoft's Schannel does
// is an inference -- win/ncrypt_public_key.h). A live handle of ours of another kind is never
// tried as an NCrypt handle. Applying the same rule to SslGeneratePreMasterKey, the split form of
// the same client step, is an inference.
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
  ENSURE(ossl::IsRsaKey(key->pkey()), Error::kInvalidParameter);
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
    DWORD dwFlags) {
  return Guard([&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phMasterKey != nullptr, Error::kInvalidParameter);
    ASSIGN_OR_RETURN(const TlsRole role, ReadRole(dwFlags));
    ASSIGN_OR_RETURN(const CipherSuite* suite, ReadTls12Suite(dwProtocol, dwCipherSuite));
    ASSIGN_OR_RETURN(const ProtocolVersion version, ParseProtocolVersion(dwProtocol));
    ASSIGN_OR_RETURN(SslParameters params, ReadSslParameters(pParameterList));
    TRY(RequireMasterSecretInputs(params));

    if (hPrivateKey != 0) {
      ASSIGN_OR_RETURN(std::shared_ptr<Object> mine, HandleTable::Global().LookupAny(static_cast<Handle>(hPrivateKey)));
      std::shared_ptr<MasterKey> master;
      std::optional<EphemeralKeyUse> use;
      if (mine->kind() == ObjectKind::kEphemeralKey) {
        // (EC)DHE, either role: our ephemeral key and the peer's public key (RFC 5246 §8.1.2,
        // RFC 8422 §5.10). The key's family must be the suite's.
        const auto& eph = static_cast<const EphemeralKey&>(*mine);
        ENSURE(suite->kx == KeyExchange::kEcdhe || suite->kx == KeyExchange::kDhe, Error::kInvalidParameter);
        const bool ec_key = EcGroupOf(eph.Describe()) != nullptr;
        ENSURE(ec_key == (suite->kx == KeyExchange::kEcdhe), Error::kInvalidParameter);
        ASSIGN_OR_RETURN(std::shared_ptr<PublicKey> peer, Require<PublicKey>(hPublicKey));
        // A DHE key derives one pre-master secret only (Raccoon; core/key_exchange.h): a second
        // use is NTE_BAD_KEY_STATE. The claim is released if the shared secret cannot be
        // computed (e.g. a peer key on another group); once Z exists the key stays used even if
        // a later step fails (no memory, handle table full), because a retry would repeat the
        // Z-dependent timing the rule exists to prevent.
        ASSIGN_OR_RETURN(EphemeralKeyUse claim, EphemeralKeyUse::Claim(eph));
        use.emplace(std::move(claim));
        ASSIGN_OR_RETURN(SecretBytes pms, ComputeTlsPremasterSecret(eph, *peer, dwProtocol));
        use->Commit();
        ASSIGN_OR_RETURN(master, MakeMasterKey(role, version, *suite, params, pms.span()));
      } else if (mine->kind() == ObjectKind::kPreMasterKey) {
        // The split RSA client flow: the pre-master secret of SslGeneratePreMasterKey arrives as
        // hPrivateKey (an inference, fact sheet §4.4); hPublicKey is not used.
        const auto& pre = static_cast<const PreMasterKey&>(*mine);
        ENSURE(suite->kx == KeyExchange::kRsa && role == TlsRole::kClient, Error::kInvalidParameter);
        ENSURE(pre.version() == version && pre.suite().id == suite->id, Error::kInvalidParameter);
        ASSIGN_OR_RETURN(master, MakeMasterKey(role, version, *suite, params, pre.secret()));
      } else {
        return Error::kInvalidHandle;
      }
      TRY(Publish(std::move(master), phMasterKey));
      if (pcbResult != nullptr) *pcbResult = 0;  // no output for these flows (may be NULL, §4.4)
      return Status::Ok();
    }

    // RSA key transport, client side (RFC 5246 §7.4.7.1): make, encrypt and use a pre-master.
    ENSURE(suite->kx == KeyExchange::kRsa && role == TlsRole::kClient, Error::kInvalidParameter);
    ASSIGN_OR_RETURN(std::shared_ptr<PublicKey> server_key, RequireRsaPublicKey(hPublicKey));
    ASSIGN_OR_RETURN(const std::uint16_t client_version, ReadClientVersion(params));
    const std::size_t ct_len = ossl::RsaModulusBytes(server_key->pkey());
    ASSIGN_OR_RETURN(const OutputMode mode, PrepareOutput(pbOutput, cbOutput, pcbResult, ct_len));
    if (mode == OutputMode::kSizeQuery) return Status::Ok();  // no handle for a size query
    ASSIGN_OR_RETURN(SecretArray<kPremasterLength> pms, NewRsaPremaster(client_version));
    ASSIGN_OR_RETURN(std::vector<std::uint8_t> ciphertext, ossl::RsaPkcs1Encrypt(server_key->pkey(), pms.span()));
    ENSURE(ciphertext.size() == ct_len, Error::kInternal);
    ASSIGN_OR_RETURN(std::shared_ptr<MasterKey> master, MakeMasterKey(role, version, *suite, params, pms.span()));
    TRY(Publish(std::move(master), phMasterKey));
    std::memcpy(pbOutput, ciphertext.data(), ct_len);
    *pcbResult = static_cast<DWORD>(ct_len);
    return Status::Ok();
  });
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslImportMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_KEY_HANDLE *phMasterKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    PNCryptBufferDesc pParameterList,
    PBYTE pbEncryptedKey,
    DWORD cbEncryptedKey,
    DWORD dwFlags) {
  return Guard([&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phMasterKey != nullptr, Error::kInvalidParameter);
    // Server side of RSA key transport only (fact sheet §4.4).
    ENSURE(dwFlags == NCRYPT_SSL_SERVER_FLAG, Error::kBadFlags);
    ASSIGN_OR_RETURN(const CipherSuite* suite, ReadTls12Suite(dwProtocol, dwCipherSuite));
    ASSIGN_OR_RETURN(const ProtocolVersion version, ParseProtocolVersion(dwProtocol));
    ASSIGN_OR_RETURN(SslParameters params, ReadSslParameters(pParameterList));
    TRY(RequireMasterSecretInputs(params));
    ASSIGN_OR_RETURN(const std::uint16_t client_version, ReadClientVersion(params));
    ASSIGN_OR_RETURN(std::shared_ptr<PrivateKey> key, Require<PrivateKey>(hPrivateKey));
    ENSURE(suite->kx == KeyExchange::kRsa, Error::kInvalidParameter);
    ENSURE(key->info().family == ossl::KeyFamily::kRsa, Error::kInvalidParameter);
    ENSURE(pbEncryptedKey != nullptr && cbEncryptedKey != 0, Error::kInvalidParameter);
    ENSURE(cbEncryptedKey <= 16384 / 8 + 2, Error::kInvalidParameter);  // largest modulus + length prefix
    Bytes ciphertext(pbEncryptedKey, cbEncryptedKey);
    // Inference: accept the TLS 1.0+ EncryptedPreMasterSecret with its 2-byte length prefix as
    // well as the bare ciphertext (RFC 5246 §7.4.7.1). The framing is public, so looking at it
    // leaks nothing.
    const std::size_t k = key->info().signature_size;
    if (ciphertext.size() == k + 2 && LoadBe16(ciphertext.data()) == k) ciphertext = ciphertext.subspan(2);
    // RFC 5246 §7.4.7.1: padding, length and version failures yield a random pre-master secret,
    // chosen in constant time and never reported (ossl/rsa_transport.h).
    ASSIGN_OR_RETURN(SecretArray<kPremasterLength> pms, key->backend().DecryptPkcs1(ciphertext, client_version));
    ASSIGN_OR_RETURN(std::shared_ptr<MasterKey> master,
                     MakeMasterKey(TlsRole::kServer, version, *suite, params, pms.span()));
    return Publish(std::move(master), phMasterKey);
  });
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslGeneratePreMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPublicKey,
    NCRYPT_KEY_HANDLE *phPreMasterKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    PNCryptBufferDesc pParameterList,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags) {
  return Guard([&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(phPreMasterKey != nullptr, Error::kInvalidParameter);
    // Undocumented flags: the split exists for the RSA client only, so 0 or NCRYPT_SSL_CLIENT_FLAG.
    ENSURE(dwFlags == 0 || dwFlags == NCRYPT_SSL_CLIENT_FLAG, Error::kBadFlags);
    ASSIGN_OR_RETURN(const CipherSuite* suite, ReadTls12Suite(dwProtocol, dwCipherSuite));
    ASSIGN_OR_RETURN(const ProtocolVersion version, ParseProtocolVersion(dwProtocol));
    ASSIGN_OR_RETURN(SslParameters params, ReadSslParameters(pParameterList));
    ASSIGN_OR_RETURN(const std::uint16_t client_version, ReadClientVersion(params));
    ASSIGN_OR_RETURN(std::shared_ptr<PublicKey> server_key, RequireRsaPublicKey(hPublicKey));
    ENSURE(suite->kx == KeyExchange::kRsa, Error::kInvalidParameter);
    const std::size_t ct_len = ossl::RsaModulusBytes(server_key->pkey());
    ASSIGN_OR_RETURN(const OutputMode mode, PrepareOutput(pbOutput, cbOutput, pcbResult, ct_len));
    if (mode == OutputMode::kSizeQuery) return Status::Ok();
    ASSIGN_OR_RETURN(SecretArray<kPremasterLength> pms, NewRsaPremaster(client_version));
    ASSIGN_OR_RETURN(std::vector<std::uint8_t> ciphertext, ossl::RsaPkcs1Encrypt(server_key->pkey(), pms.span()));
    ENSURE(ciphertext.size() == ct_len, Error::kInternal);
    TRY(Publish(std::make_shared<PreMasterKey>(version, *suite, std::move(pms)), phPreMasterKey));
    std::memcpy(pbOutput, ciphertext.data(), ct_len);
    *pcbResult = static_cast<DWORD>(ct_len);
    return Status::Ok();
  });
}

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif

// SslGenerateSessionKeys: expands the master key's key block (RFC 5246 §6.3, seed server_random
// || client_random) and returns the read key (protects nothing: decrypts what the peer sends) and
// the write key, chosen by the master key's role. The seed document's error cases:
//   NTE_INVALID_HANDLE     bad provider handle, or hMasterKey is not a master key
//   NTE_INVALID_PARAMETER  phReadKey or phWriteKey NULL; a malformed parameter list, or one
//                          without both 32-byte randoms
//   NTE_BAD_FLAGS          dwFlags != 0 (reserved)
//   NTE_NO_MEMORY          allocation failure
// No handle is left behind on any failure: both keys are published or neither.
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslGenerateSessionKeys(NCRYPT_PROV_HANDLE hSslProvider,
                                                                        NCRYPT_KEY_HANDLE hMasterKey,
                                                                        NCRYPT_KEY_HANDLE* phReadKey,
                                                                        NCRYPT_KEY_HANDLE* phWriteKey,
                                                                        PNCryptBufferDesc pParameterList,
                                                                        DWORD dwFlags) {
  return Guard([&]() -> Status {
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

// SslComputeFinishedHash: Finished.verify_data = PRF(master_secret, finished_label,
// Hash(handshake_messages))[0..11] (RFC 5246 §7.4.9; RFC 2246 §7.4.9 with MD5||SHA-1). dwFlags
// names the SENDER of the Finished message, not the caller (fact sheet §4.6, §9.4):
// NCRYPT_SSL_CLIENT_FLAG -> "client finished", NCRYPT_SSL_SERVER_FLAG -> "server finished". The
// running transcript is read, never consumed.
//   NTE_INVALID_HANDLE     bad provider handle; hMasterKey not a master key; hHandshakeHash not a
//                          handshake hash (a client-auth hash is not the transcript)
//   NTE_BAD_FLAGS          not exactly one of the two flags
//   NTE_INVALID_PARAMETER  pbOutput NULL; cbOutput other than 12 (verify_data_length is 12 for
//                          every TLS 1.0-1.2 suite, RFC 5246 §7.4.9); the hash's algorithm is not
//                          the master key's PRF hash (wrong protocol or suite)
// Nothing is written on failure.
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslComputeFinishedHash(NCRYPT_PROV_HANDLE hSslProvider,
                                                                        NCRYPT_KEY_HANDLE hMasterKey,
                                                                        NCRYPT_HASH_HANDLE hHandshakeHash,
                                                                        PBYTE pbOutput, DWORD cbOutput,
                                                                        DWORD dwFlags) {
  return Guard([&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ASSIGN_OR_RETURN(std::shared_ptr<MasterKey> master, Require<MasterKey>(hMasterKey));
    ASSIGN_OR_RETURN(std::shared_ptr<HandshakeHash> transcript, Require<HandshakeHash>(hHandshakeHash));
    ENSURE(transcript->purpose() == TranscriptPurpose::kHandshake, Error::kInvalidHandle);
    ENSURE(dwFlags == NCRYPT_SSL_CLIENT_FLAG || dwFlags == NCRYPT_SSL_SERVER_FLAG, Error::kBadFlags);
    ENSURE(pbOutput != nullptr && cbOutput == kFinishedLength, Error::kInvalidParameter);
    ASSIGN_OR_RETURN(TranscriptDigest digest, transcript->CurrentDigest());
    const std::optional<HashAlg> prf = AsPrfHash(digest.alg);
    ENSURE(prf.has_value() && *prf == master->prf_hash(), Error::kInvalidParameter);
    SecretArray<kFinishedLength> verify_data;
    TRY(ComputeTls12FinishedVerifyData(*master, digest.view(), dwFlags == NCRYPT_SSL_CLIENT_FLAG,
                                       verify_data.span()));
    std::memcpy(pbOutput, verify_data.data(), kFinishedLength);
    return Status::Ok();
  });
}

#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

// SslComputeEapKeyBlock: 128 bytes of EAP keying material for the method in the low byte of
// dwFlags (fact sheet §4.7; core/tls12_key_schedule.h ComputeEapKeyBlock): EAP-TLS, TTLSv0 and the
// TTLSv0 challenge are PRF(master, label, pbRandoms); EAP-FAST (NCRYPT_SSL_EAP_FAST_ID) is the
// "key expansion" key block from the end of the suite's keys on, whose first 40 bytes are RFC
// 4851 §5.1's session_key_seed (an inference: Microsoft documents neither the size nor what FAST
// returns). pbRandoms = client_random || server_random. pbOutput NULL = size query.
//   NTE_INVALID_HANDLE     bad provider handle; hMasterKey not a live master key
//   NTE_INVALID_PARAMETER  pcbResult NULL; pbRandoms NULL or cbRandoms != 64
//   NTE_BAD_FLAGS          bits outside NCRYPT_SSL_EAP_PRF_FIELD; a method id above 3
//   NTE_NOT_SUPPORTED      EAP-FAST with an AEAD (GCM, ChaCha20-Poly1305) suite
//   NTE_BUFFER_TOO_SMALL   cbOutput < 128 (*pcbResult = 128, nothing written)
extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslComputeEapKeyBlock(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    PBYTE pbRandoms,
    DWORD cbRandoms,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags) {
  return Guard([&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ASSIGN_OR_RETURN(std::shared_ptr<MasterKey> master, Require<MasterKey>(hMasterKey));
    ENSURE(pcbResult != nullptr, Error::kInvalidParameter);
    // The low byte (NCRYPT_SSL_EAP_PRF_FIELD) selects the method; every other bit is reserved.
    // The docs' "pass NCRYPT_SSL_SERVER_FLAG for a server" collides with the TTLS challenge id
    // (fact sheet §4.7): we follow the header.
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

namespace {
// Exporter limits: labels are short ASCII strings (RFC 5705 §4: registered in the IANA "TLS
// Exporter Labels" registry); an output over 1 MiB is refused rather than allocated.
constexpr std::size_t kMaxExporterLabel = 255;
constexpr DWORD kMaxExporterOutput = 1u << 20;
}  // namespace

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslExportKeyingMaterial(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    PCHAR sLabel,
    PBYTE pbRandoms,
    DWORD cbRandoms,
    PBYTE pbContextValue,
    WORD cbContextValue,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD dwFlags) {
  return Guard([&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ASSIGN_OR_RETURN(std::shared_ptr<MasterKey> master, Require<MasterKey>(hMasterKey));
    TRY(RequireNoFlags(dwFlags));
    ENSURE(sLabel != nullptr, Error::kInvalidParameter);
    std::size_t label_len = 0;
    while (label_len <= kMaxExporterLabel && sLabel[label_len] != '\0') ++label_len;
    ENSURE(label_len <= kMaxExporterLabel, Error::kInvalidParameter);
    ENSURE(pbRandoms != nullptr && cbRandoms == 2 * kTlsRandomLength, Error::kInvalidParameter);
    // NULL context = no context; a non-NULL pointer with length 0 = an empty context (RFC 5705 §4
    // distinguishes them).
    ENSURE(pbContextValue != nullptr || cbContextValue == 0, Error::kInvalidParameter);
    ENSURE(pbOutput != nullptr && cbOutput != 0 && cbOutput <= kMaxExporterOutput, Error::kInvalidParameter);
    std::optional<Bytes> context;
    if (pbContextValue != nullptr) context = Bytes(pbContextValue, cbContextValue);
    const Bytes randoms(pbRandoms, cbRandoms);
    SecretBytes out(cbOutput);  // computed aside: no partial output on failure
    TRY(ExportKeyingMaterial(*master, std::string_view(sLabel, label_len), randoms.first(kTlsRandomLength),
                             randoms.subspan(kTlsRandomLength), context, out.span()));
    std::memcpy(pbOutput, out.data(), out.size());
    return Status::Ok();
  });
}
