// tls12_key_exchange.cpp - see tls12_key_exchange.h.
#include "core/tls12_key_exchange.h"

#include <algorithm>
#include <tuple>

#include "core/key_exchange.h"
#include "core/key_log.h"
#include "core/tls12_key_schedule.h"
#include "ossl/library.h"
#include "ossl/rsa_transport.h"

namespace opensslp {
namespace {

// The key log's CLIENT_RANDOM line (core/key_log.h): named by the client random of the parameter
// list, or for an extended master secret without one, by the random of the transcript its session
// hash came from.
void LogMasterSecret(const MasterSecretInputs& inputs, Bytes master_secret) noexcept {
  if (!key_log::Enabled()) return;
  std::optional<ClientRandom> client_random;
  if (inputs.client_random && inputs.client_random->size() == std::tuple_size_v<ClientRandom>) {
    client_random.emplace();
    std::copy(inputs.client_random->begin(), inputs.client_random->end(), client_random->begin());
  } else if (inputs.session_hash) {
    client_random = key_log::ClientRandomForSessionHash(*inputs.session_hash);
  }
  key_log::WriteIfNamed("CLIENT_RANDOM", client_random, master_secret);
}

}  // namespace

Status CheckMasterSecretInputs(const MasterSecretInputs& inputs) {
  if (inputs.session_hash.has_value()) return Status::Ok();
  ENSURE(inputs.client_random && inputs.server_random, Error::kInvalidParameter);
  return Status::Ok();
}

Result<std::shared_ptr<MasterKey>> MakeMasterKey(TlsRole role, ProtocolVersion version, const CipherSuite& suite,
                                                 const MasterSecretInputs& inputs, Bytes premaster) {
  const HashAlg prf = PrfHashFor(suite, version);
  if (inputs.session_hash.has_value()) {
    ASSIGN_OR_RETURN(SecretArray<kMasterSecretLength> secret,
                     DeriveExtendedMasterSecret(prf, premaster, *inputs.session_hash));
    LogMasterSecret(inputs, secret.span());
    return std::make_shared<MasterKey>(role, version, suite, true, std::move(secret));
  }
  ENSURE(inputs.client_random && inputs.server_random, Error::kInvalidParameter);
  ASSIGN_OR_RETURN(SecretArray<kMasterSecretLength> secret,
                   DeriveMasterSecret(prf, premaster, *inputs.client_random, *inputs.server_random));
  LogMasterSecret(inputs, secret.span());
  return std::make_shared<MasterKey>(role, version, suite, false, std::move(secret));
}

Status CheckEphemeralKeyFitsSuite(const CipherSuite& suite, const EphemeralKey& mine) {
  ENSURE(suite.kx == KeyExchange::kEcdhe || suite.kx == KeyExchange::kDhe, Error::kInvalidParameter);
  const bool ec_key = EcGroupOf(mine.Describe()) != nullptr;
  ENSURE(ec_key == (suite.kx == KeyExchange::kEcdhe), Error::kInvalidParameter);
  return Status::Ok();
}

Result<std::shared_ptr<MasterKey>> MasterKeyFromEphemeral(TlsRole role, ProtocolVersion version,
                                                          const CipherSuite& suite, const MasterSecretInputs& inputs,
                                                          const EphemeralKey& mine, const PublicKey& peer) {
  TRY(CheckEphemeralKeyFitsSuite(suite, mine));
  ASSIGN_OR_RETURN(EphemeralKeyUse use, EphemeralKeyUse::Claim(mine));
  ASSIGN_OR_RETURN(SecretBytes premaster, ComputeTlsPremasterSecret(mine, peer, static_cast<std::uint16_t>(version)));
  use.Commit();
  return MakeMasterKey(role, version, suite, inputs, premaster.span());
}

Result<std::shared_ptr<MasterKey>> MasterKeyFromPreMaster(TlsRole role, ProtocolVersion version,
                                                          const CipherSuite& suite, const MasterSecretInputs& inputs,
                                                          const PreMasterKey& premaster) {
  ENSURE(suite.kx == KeyExchange::kRsa && role == TlsRole::kClient, Error::kInvalidParameter);
  ENSURE(premaster.version() == version && premaster.suite().id == suite.id, Error::kInvalidParameter);
  return MakeMasterKey(role, version, suite, inputs, premaster.secret());
}

Result<std::uint16_t> RsaClientVersion(std::optional<std::uint32_t> highest_version) {
  ENSURE(highest_version.has_value(), Error::kInvalidParameter);
  const std::uint32_t v = *highest_version;
  ENSURE(v >= 0x0301 && v <= 0x03FF, Error::kInvalidParameter);
  return static_cast<std::uint16_t>(v);
}

Status RequireRsaTransportKey(const PublicKey& key) {
  ENSURE(ossl::IsRsaKey(key.pkey()), Error::kInvalidParameter);
  return Status::Ok();
}

std::size_t RsaTransportCiphertextLength(const PublicKey& server_key) noexcept {
  return ossl::RsaModulusBytes(server_key.pkey());
}

Result<RsaTransportOutput> EncryptNewRsaPremaster(const PublicKey& server_key, std::uint16_t client_version) {
  static_assert(kPremasterLength == ossl::kRsaPremasterLength);
  RsaTransportOutput out;
  TRY(ossl::RandomBytes(out.premaster.span().subspan(2)));
  StoreBe16(out.premaster.data(), client_version);
  ASSIGN_OR_RETURN(out.ciphertext, ossl::RsaPkcs1Encrypt(server_key.pkey(), out.premaster.span()));
  ENSURE(out.ciphertext.size() == RsaTransportCiphertextLength(server_key), Error::kInternal);
  return out;
}

Result<std::shared_ptr<MasterKey>> MasterKeyFromRsaTransport(ProtocolVersion version, const CipherSuite& suite,
                                                             const MasterSecretInputs& inputs, const PrivateKey& key,
                                                             Bytes encrypted, std::uint16_t client_version) {
  ENSURE(suite.kx == KeyExchange::kRsa, Error::kInvalidParameter);
  ENSURE(key.info().family == ossl::KeyFamily::kRsa, Error::kInvalidParameter);
  ENSURE(!encrypted.empty() && encrypted.size() <= kMaxEncryptedPremasterLength, Error::kInvalidParameter);
  const std::size_t k = key.info().signature_size;
  if (encrypted.size() == k + 2 && LoadBe16(encrypted.data()) == k) encrypted = encrypted.subspan(2);
  ASSIGN_OR_RETURN(SecretArray<kPremasterLength> premaster, key.backend().DecryptPkcs1(encrypted, client_version));
  return MakeMasterKey(TlsRole::kServer, version, suite, inputs, premaster.span());
}

}  // namespace opensslp
