// tls12_key_schedule.cpp - see tls12_key_schedule.h.
#include "core/tls12_key_schedule.h"

#include <cstring>

#include "ossl/tls_prf.h"

namespace opensslp {
namespace {

// Copies n bytes of the key block at *at into a new SecretBytes and advances.
SecretBytes Take(Bytes block, std::size_t* at, std::size_t n) {
  SecretBytes out(block.subspan(*at, n));
  *at += n;
  return out;
}

}  // namespace

Status Tls12Prf(HashAlg hash, Bytes secret, std::string_view label, std::initializer_list<Bytes> seed, MutBytes out) {
  return ossl::TlsPrf(hash, secret, label, seed, out);
}

Result<SecretArray<kMasterSecretLength>> DeriveMasterSecret(HashAlg hash, Bytes premaster, Bytes client_random,
                                                            Bytes server_random) {
  ENSURE(!premaster.empty(), Error::kInvalidParameter);
  ENSURE(client_random.size() == kTlsRandomLength && server_random.size() == kTlsRandomLength,
         Error::kInvalidParameter);
  SecretArray<kMasterSecretLength> master;
  TRY(Tls12Prf(hash, premaster, "master secret", {client_random, server_random}, master.span()));
  return master;
}

Result<SecretArray<kMasterSecretLength>> DeriveExtendedMasterSecret(HashAlg hash, Bytes premaster, Bytes session_hash) {
  ENSURE(!premaster.empty(), Error::kInvalidParameter);
  ENSURE(!session_hash.empty() && session_hash.size() <= kMaxSessionHashLength, Error::kInvalidParameter);
  SecretArray<kMasterSecretLength> master;
  TRY(Tls12Prf(hash, premaster, "extended master secret", {session_hash}, master.span()));
  return master;
}

Status ComputeKeyBlock(HashAlg hash, Bytes master_secret, Bytes client_random, Bytes server_random, MutBytes out) {
  ENSURE(client_random.size() == kTlsRandomLength && server_random.size() == kTlsRandomLength,
         Error::kInvalidParameter);
  return Tls12Prf(hash, master_secret, "key expansion", {server_random, client_random}, out);
}

std::size_t KeyBlockLength(const CipherSuite& suite, ProtocolVersion version) noexcept {
  return 2u * (std::size_t{MacLength(suite.mac)} + CipherKeyLength(suite.cipher) + KeyBlockIvLength(suite, version));
}

Result<Tls12SessionKeys> DeriveSessionKeys(const MasterKey& master, Bytes client_random, Bytes server_random) {
  const CipherSuite& suite = master.suite();
  const ProtocolVersion version = master.version();
  ENSURE(!IsTls13Suite(suite), Error::kInvalidParameter);
  const std::size_t mac_len = MacLength(suite.mac);
  const std::size_t key_len = CipherKeyLength(suite.cipher);
  const std::size_t iv_len = KeyBlockIvLength(suite, version);
  // Largest block: 2 * (48 + 32 + 16) = 192 bytes.
  SecretArray<192> block_storage;
  const std::size_t block_len = KeyBlockLength(suite, version);
  ENSURE(block_len <= block_storage.size(), Error::kInternal);
  MutBytes block = block_storage.span().first(block_len);
  TRY(ComputeKeyBlock(master.prf_hash(), master.secret(), client_random, server_random, block));

  SessionKeyMaterial client, server;
  std::size_t at = 0;
  client.mac_key = Take(block, &at, mac_len);
  server.mac_key = Take(block, &at, mac_len);
  client.enc_key = Take(block, &at, key_len);
  server.enc_key = Take(block, &at, key_len);
  client.iv = Take(block, &at, iv_len);
  server.iv = Take(block, &at, iv_len);
  for (SessionKeyMaterial* m : {&client, &server}) {
    m->suite = &suite;
    m->version = version;
  }
  Tls12SessionKeys keys;
  const bool is_client = master.role() == TlsRole::kClient;
  keys.write = std::move(is_client ? client : server);
  keys.read = std::move(is_client ? server : client);
  keys.write.direction = RecordDirection::kWrite;
  keys.read.direction = RecordDirection::kRead;
  return keys;
}

Status ComputeTls12FinishedVerifyData(const MasterKey& master, Bytes transcript_hash, bool client_sender,
                                      MutBytes out) {
  ENSURE(out.size() == kFinishedLength, Error::kInvalidParameter);
  ENSURE(!transcript_hash.empty() && transcript_hash.size() <= kMaxSessionHashLength, Error::kInvalidParameter);
  return Tls12Prf(master.prf_hash(), master.secret(), client_sender ? "client finished" : "server finished",
                  {transcript_hash}, out);
}

Status ExportKeyingMaterial(const MasterKey& master, std::string_view label, Bytes client_random, Bytes server_random,
                            std::optional<Bytes> context, MutBytes out) {
  ENSURE(!out.empty(), Error::kInvalidParameter);
  ENSURE(!label.empty(), Error::kInvalidParameter);
  for (char c : label) ENSURE(c > 0 && static_cast<unsigned char>(c) < 0x80, Error::kInvalidParameter);
  // RFC 5705 §4: labels used by TLS itself must not be exported (they would reveal key-block or
  // Finished values); RFC 7627 adds "extended master secret".
  for (std::string_view reserved :
       {"client finished", "server finished", "master secret", "key expansion", "extended master secret"}) {
    ENSURE(label != reserved, Error::kInvalidParameter);
  }
  ENSURE(client_random.size() == kTlsRandomLength && server_random.size() == kTlsRandomLength,
         Error::kInvalidParameter);
  if (!context.has_value()) {
    return Tls12Prf(master.prf_hash(), master.secret(), label, {client_random, server_random}, out);
  }
  ENSURE(context->size() <= 0xFFFF, Error::kInvalidParameter);
  std::uint8_t length[2];
  StoreBe16(length, static_cast<std::uint16_t>(context->size()));
  return Tls12Prf(master.prf_hash(), master.secret(), label, {client_random, server_random, Bytes(length), *context},
                  out);
}

Result<std::size_t> EapFastKeyBlockOffset(const CipherSuite& suite, ProtocolVersion version) {
  ENSURE(!IsTls13Suite(suite), Error::kInvalidParameter);
  ENSURE(ModeOf(suite.cipher) == CipherMode::kCbc, Error::kNotSupported);
  (void)version;  // the CBC IV is skipped at every version (see the header)
  return 2u * (std::size_t{MacLength(suite.mac)} + CipherKeyLength(suite.cipher) + CipherBlockLength(suite.cipher));
}

Status ComputeEapKeyBlock(const MasterKey& master, EapMethod method, Bytes randoms, MutBytes out) {
  ENSURE(randoms.size() == 2 * kTlsRandomLength, Error::kInvalidParameter);
  ENSURE(!out.empty(), Error::kInvalidParameter);
  std::string_view label;
  switch (method) {
    case EapMethod::kEapTls: label = "client EAP encryption"; break;    // RFC 5216 §2.3
    case EapMethod::kTtlsV0: label = "ttls keying material"; break;     // RFC 5281 §8
    case EapMethod::kTtlsV0Challenge: label = "ttls challenge"; break;  // RFC 5281 §11.1
    case EapMethod::kFast: {
      // RFC 4851 §5.1: the key block is extended past the suite's keys; the next 40 bytes are
      // the session_key_seed. The PRF is the master key's (the suite's for TLS 1.2, RFC 5246 §5).
      ASSIGN_OR_RETURN(const std::size_t offset, EapFastKeyBlockOffset(master.suite(), master.version()));
      SecretBytes block(offset + out.size());
      TRY(ComputeKeyBlock(master.prf_hash(), master.secret(), randoms.first(kTlsRandomLength),
                          randoms.subspan(kTlsRandomLength), block.span()));
      std::memcpy(out.data(), block.data() + offset, out.size());
      return Status::Ok();
    }
  }
  return Tls12Prf(master.prf_hash(), master.secret(), label, {randoms}, out);
}

}  // namespace opensslp
