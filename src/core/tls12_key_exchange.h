// tls12_key_exchange.h - the TLS 1.0-1.2 key exchange that ends in a master secret, for
// SslGenerateMasterKey, SslImportMasterKey and SslGeneratePreMasterKey: (EC)DHE in both roles, RSA
// key transport as client (in one call or split in two) and as server. src/abi/ reads the caller's
// arguments into the types below; the protocol steps and every OpenSSL call live here.
//
// RFC 5246 §8.1 (master secret), RFC 7627 §4 (extended master secret), RFC 5246 §7.4.7.1 (RSA
// pre-master secret: client_version ‖ 46 random bytes; the server's countermeasure), RFC 5246
// §8.1.2 / RFC 8422 §5.10 ((EC)DHE pre-master secret). docs/tls12.md#master-secrets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/cipher_suites.h"
#include "core/keys.h"
#include "core/master_key.h"
#include "core/private_key.h"
#include "util/bytes.h"
#include "util/secret.h"
#include "util/status.h"

namespace opensslp {

// What the master secret is derived from besides the pre-master secret (the caller's parameter
// list): RFC 7627's session_hash when present, else both 32-byte randoms. Views into the caller's
// copy; nothing here keeps them.
struct MasterSecretInputs {
  std::optional<Bytes> session_hash;
  std::optional<Bytes> client_random;
  std::optional<Bytes> server_random;
};

// kInvalidParameter unless the inputs hold a session hash or both randoms. Checked before any
// expensive or random work.
Status CheckMasterSecretInputs(const MasterSecretInputs& inputs);

// The master key from a pre-master secret: RFC 7627 when a session hash is given, else RFC 5246
// §8.1 with both randoms (kInvalidParameter when one is missing).
Result<std::shared_ptr<MasterKey>> MakeMasterKey(TlsRole role, ProtocolVersion version, const CipherSuite& suite,
                                                 const MasterSecretInputs& inputs, Bytes premaster);

// kInvalidParameter unless the suite is (EC)DHE and `mine`'s family is the suite's (ECDHE: an EC/X
// key; DHE: an ffdhe key). MasterKeyFromEphemeral checks it too; callers that resolve the peer's
// key afterwards check it first, so a wrong-family key is reported before a bad peer handle.
Status CheckEphemeralKeyFitsSuite(const CipherSuite& suite, const EphemeralKey& mine);

// (EC)DHE, either role: our ephemeral key and the peer's public key (CheckEphemeralKeyFitsSuite). A DHE key derives one
// pre-master secret only (Raccoon; core/key_exchange.h EphemeralKeyUse): a second use is
// kBadKeyState. The claim is released if the shared secret cannot be computed (e.g. a peer key on
// another group); once Z exists the key stays used even if a later step fails, because a retry
// would repeat the Z-dependent timing the rule exists to prevent.
Result<std::shared_ptr<MasterKey>> MasterKeyFromEphemeral(TlsRole role, ProtocolVersion version,
                                                          const CipherSuite& suite, const MasterSecretInputs& inputs,
                                                          const EphemeralKey& mine, const PublicKey& peer);

// The split RSA client flow: SslGeneratePreMasterKey's pre-master secret arrives at
// SslGenerateMasterKey as hPrivateKey (an inference: docs/reference/inferences.md). The suite must
// be an RSA suite, the role the client, and protocol and suite those the pre-master was made for
// (kInvalidParameter otherwise).
Result<std::shared_ptr<MasterKey>> MasterKeyFromPreMaster(TlsRole role, ProtocolVersion version,
                                                          const CipherSuite& suite, const MasterSecretInputs& inputs,
                                                          const PreMasterKey& premaster);

// The client_version of NCRYPTBUFFER_SSL_HIGHEST_VERSION (RFC 5246 §7.4.7.1: the first two bytes
// of the RSA pre-master secret). Required for RSA key transport (kInvalidParameter when absent);
// must be a TLS version number, 0x0301..0x03FF (SSL 3.0 and older are not offered).
Result<std::uint16_t> RsaClientVersion(std::optional<std::uint32_t> highest_version);

// kInvalidParameter unless `key` is an RSA public key (not RSA-PSS, not EC): the server key of RSA
// key transport.
Status RequireRsaTransportKey(const PublicKey& key);

// Bytes of the EncryptedPreMasterSecret for a server key: its modulus length.
std::size_t RsaTransportCiphertextLength(const PublicKey& server_key) noexcept;

// A new RSA pre-master secret (client_version ‖ 46 random bytes) and its PKCS#1 v1.5 encryption
// to the server's key, RsaTransportCiphertextLength bytes: the client's step of RSA key transport,
// for SslGenerateMasterKey (hPrivateKey 0) and SslGeneratePreMasterKey alike.
struct RsaTransportOutput {
  SecretArray<kPremasterLength> premaster;
  std::vector<std::uint8_t> ciphertext;
};
Result<RsaTransportOutput> EncryptNewRsaPremaster(const PublicKey& server_key, std::uint16_t client_version);

// The longest EncryptedPreMasterSecret accepted: the largest RSA modulus opensslp accepts (16384
// bits) plus the 2-byte length prefix.
inline constexpr std::size_t kMaxEncryptedPremasterLength = 16384 / 8 + 2;

// The server's step of RSA key transport (SslImportMasterKey): decrypts the EncryptedPreMasterSecret
// with the certificate's RSA key and derives the master key. `encrypted` may carry the TLS 1.0+
// 2-byte length prefix or be the bare ciphertext (an inference: docs/reference/inferences.md);
// the framing is public, so looking at it leaks nothing. Padding, length and version failures
// yield a random pre-master secret, chosen in constant time and never reported (RFC 5246
// §7.4.7.1; ossl/rsa_transport.h): the handshake then fails at Finished.
//   kInvalidParameter  not an RSA suite or not an RSA key; empty or oversized ciphertext
Result<std::shared_ptr<MasterKey>> MasterKeyFromRsaTransport(ProtocolVersion version, const CipherSuite& suite,
                                                             const MasterSecretInputs& inputs, const PrivateKey& key,
                                                             Bytes encrypted, std::uint16_t client_version);

}  // namespace opensslp
