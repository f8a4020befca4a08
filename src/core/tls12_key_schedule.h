// tls12_key_schedule.h - the TLS 1.0-1.2 key schedule on spans: the PRF (RFC 2246 §5, RFC 5246
// §5), the master secret (RFC 5246 §8.1, RFC 7627 §4), the key block and its split (RFC 5246
// §6.3), Finished verify_data (RFC 5246 §7.4.9), the exporter (RFC 5705 §4) and the EAP key
// blocks (RFC 5216 §2.3, RFC 5281 §8 / §11).
//
// The PRF hash is MD5-SHA1 for TLS 1.0/1.1 and the suite's hash for TLS 1.2 (PrfHashFor).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "core/cipher_suites.h"
#include "core/master_key.h"
#include "core/session_key_material.h"
#include "util/bytes.h"
#include "util/secret.h"
#include "util/status.h"

namespace opensslp {

inline constexpr std::size_t kFinishedLength = 12;  // verify_data_length, RFC 5246 §7.4.9
inline constexpr std::size_t kMaxSessionHashLength = 64;

// out = PRF_hash(secret, label, seed...) (RFC 5246 §5; TLS 1.0/1.1: P_MD5 xor P_SHA1, RFC 2246
// §5). kInvalidParameter if label + seed exceed OpenSSL's 1024-byte limit or `out` is empty.
Status Tls12Prf(HashAlg hash, Bytes secret, std::string_view label, std::initializer_list<Bytes> seed, MutBytes out);

// master_secret = PRF(pre_master_secret, "master secret", ClientHello.random ||
// ServerHello.random)[0..47] (RFC 5246 §8.1). Randoms must be 32 bytes (kInvalidParameter).
Result<SecretArray<kMasterSecretLength>> DeriveMasterSecret(HashAlg hash, Bytes premaster, Bytes client_random,
                                                            Bytes server_random);

// RFC 7627 §4: master_secret = PRF(pre_master_secret, "extended master secret", session_hash)
// [0..47]. session_hash is 1..64 bytes (36 for TLS 1.0/1.1's MD5||SHA1, 32/48 for TLS 1.2).
Result<SecretArray<kMasterSecretLength>> DeriveExtendedMasterSecret(HashAlg hash, Bytes premaster, Bytes session_hash);

// key_block = PRF(master_secret, "key expansion", server_random || client_random), `out.size()`
// bytes (RFC 5246 §6.3: note the reversed order of the randoms).
Status ComputeKeyBlock(HashAlg hash, Bytes master_secret, Bytes client_random, Bytes server_random, MutBytes out);

// Bytes of key block a suite consumes at a version: 2 * (MAC key + cipher key + key-block IV).
std::size_t KeyBlockLength(const CipherSuite& suite, ProtocolVersion version) noexcept;

// The read and write key material of one end of the connection.
struct Tls12SessionKeys {
  SessionKeyMaterial read;
  SessionKeyMaterial write;
};

// Expands the key block of `master` and splits it (RFC 5246 §6.3) into client_write_MAC_key,
// server_write_MAC_key, client_write_key, server_write_key, client_write_IV, server_write_IV,
// with the lengths of the catalog (MacLength, CipherKeyLength, KeyBlockIvLength). A client master
// key writes with the client_write_* slices and reads with server_write_*; a server the reverse
// (docs/reference/functions.md#records).
Result<Tls12SessionKeys> DeriveSessionKeys(const MasterKey& master, Bytes client_random, Bytes server_random);

// verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11] with
// finished_label "client finished" or "server finished" by the sender of the Finished message
// (RFC 5246 §7.4.9). `transcript_hash` is the caller's hash (MD5||SHA1 36 bytes for TLS 1.0/1.1,
// the PRF hash for TLS 1.2): 1..64 bytes, else kInvalidParameter. out must be 12 bytes.
Status ComputeTls12FinishedVerifyData(const MasterKey& master, Bytes transcript_hash, bool client_sender, MutBytes out);

// RFC 5705 §4: PRF(master_secret, label, client_random || server_random [|| uint16 context_len
// || context]). No context (nullopt) differs from an empty context (a present zero length). The
// label must be non-empty ASCII without NUL; RFC 5705 §4 forbids the labels TLS itself uses
// ("client finished", "server finished", "master secret", "key expansion", and RFC 7627's
// "extended master secret"): kInvalidParameter. RFC 5705 allows a context of up to 65535 bytes
// (uint16), but OpenSSL's TLS1-PRF takes at most 1024 bytes of label + seed, so in practice
// label + 64 + 2 + context must fit in 1024 bytes; longer requests are kInvalidParameter, never
// truncated.
Status ExportKeyingMaterial(const MasterKey& master, std::string_view label, Bytes client_random, Bytes server_random,
                            std::optional<Bytes> context, MutBytes out);

// The EAP method of SslComputeEapKeyBlock (low byte of dwFlags, NCRYPT_SSL_EAP_PRF_FIELD).
enum class EapMethod : std::uint8_t {
  kEapTls = 0,           // NCRYPT_SSL_EAP_ID: RFC 5216 §2.3 "client EAP encryption"
  kTtlsV0 = 1,           // NCRYPT_SSL_EAP_TTLSV0_ID: RFC 5281 §8 "ttls keying material"
  kTtlsV0Challenge = 2,  // NCRYPT_SSL_EAP_TTLSV0_CHLNG_ID: RFC 5281 §11.1 "ttls challenge"
  kFast = 3,             // NCRYPT_SSL_EAP_FAST_ID: RFC 4851 §5.1 session_key_seed (see below)
};

// Bytes SslComputeEapKeyBlock returns: 128 for every method (RFC 5216 §2.3 Key_Material = MSK ||
// EMSK; RFC 5281 §8 MSK || EMSK; for the TTLS challenge 128 as well: the PRF output is
// prefix-stable, so a caller takes the 9 or 17 bytes RFC 5281 §11.2 needs from the front; for
// EAP-FAST the first 40 bytes are the session_key_seed, see EapFastKeyBlockOffset). An inference:
// Microsoft does not document the size.
inline constexpr std::size_t kEapKeyBlockLength = 128;

// RFC 4851 §5.1: session_key_seed[seed_size], seed_size = 40 octets.
inline constexpr std::size_t kEapFastSessionKeySeedLength = 40;

// Where EAP-FAST's session_key_seed starts in the TLS key block (RFC 4851 §5.1): after
// client_write_MAC_secret, server_write_MAC_secret, client_write_key, server_write_key,
// client_write_IV and server_write_IV, i.e. 2 * (MAC key + cipher key + IV_size) bytes.
// RFC 4851 was written on TLS 1.0 (RFC 2246), whose key block holds a block-size IV for CBC
// suites; TLS 1.1+ no longer draws that IV from the key block (RFC 4346 §6.3), but the EAP-FAST
// partition keeps listing it, and the deployed implementations (hostapd/wpa_supplicant's
// tls_connection_get_eap_fast_key, FreeRADIUS's rlm_eap_fast, both on OpenSSL's key block) skip
// the 16-byte CBC IVs at every TLS version. opensslp does the same (an inference: Microsoft does
// not document EAP-FAST in SslComputeEapKeyBlock). AEAD suites (GCM, ChaCha20-Poly1305) came after
// RFC 4851 and the deployed implementations disagree on their IV_size (RFC 5246 §6.3's 4-byte
// fixed IV vs. the 12-byte nonce length hostapd takes), so they are kNotSupported rather than
// guessed.
Result<std::size_t> EapFastKeyBlockOffset(const CipherSuite& suite, ProtocolVersion version);

// out = PRF(master_secret, label(method), randoms), randoms = client_random || server_random (64
// bytes), out.size() bytes; for EAP-FAST out = key_block[offset .. offset + out.size()) with
// key_block = PRF(master_secret, "key expansion", server_random || client_random) (RFC 4851 §5.1,
// RFC 5246 §6.3), so out's first 40 bytes are the session_key_seed. kInvalidParameter for bad
// randoms or an empty out, kNotSupported for EAP-FAST on an AEAD suite.
Status ComputeEapKeyBlock(const MasterKey& master, EapMethod method, Bytes randoms, MutBytes out);

}  // namespace opensslp
