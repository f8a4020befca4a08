// libssl_peer.h - OpenSSL's libssl as an in-process TLS 1.0-1.2 peer with the same sans-I/O shape
// as tools/tlsdriver's Connection (ReceiveBytes / Process / TakeBytesToSend, Write /
// TakeReceivedData, Close, state, failure), so the two can be wired together in one thread by
// Pump() below. After the handshake it exposes libssl's own view of the session (version, suite,
// group, EMS, master secret, key-log line, randoms, both Finished values, RFC 5705 exporter) for
// cross-checks that do not involve opensslp's code at all. tlswire::Pump (tools/tlswire/pump.h)
// connects a Peer to a tlsdriver::Connection (or another Peer) in one thread.
//
// Configuration isolation: the system openssl.cnf is never consulted for our settings (Debian's
// sets CipherString = DEFAULT:@SECLEVEL=2 and MinProtocol = TLSv1.2 in system_default_sect, which
// would silently change what is tested). libssl is initialised with OPENSSL_INIT_NO_LOAD_CONFIG,
// and every setting that such a section could touch (protocol range, options, cipher list,
// security level, groups, verification) is set explicitly on each SSL_CTX/SSL anyway, in case
// another part of the process loaded the configuration first. The ctest
// opensslp_interop_config_isolation checks this with tests/interop/data/hostile_openssl.cnf.
//
// Security level: always set explicitly (Debian's libssl is built with a default of 2 even without
// any configuration file). 1 by default; 0 when min_version < TLS 1.2, because OpenSSL 3.0 rates
// the MD5/SHA-1 signatures that TLS 1.0/1.1 ServerKeyExchange messages must use below level 1, so
// TLS 1.0/1.1 handshakes fail at level 1 (OpenSSL 3.0 CHANGES: "SSL 3, TLS 1.0, TLS 1.1 ... no
// longer work at the default security level of 1"). Level 0 is never used for TLS 1.2-only peers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tlswire/tlswire.h"

namespace opensslp::libssl_peer {

enum class Role { kClient, kServer };

using tlswire::kTls10;
using tlswire::kTls11;
using tlswire::kTls12;

struct Credential {
  std::string certificate_chain_file;  // PEM, leaf first
  std::string private_key_file;        // PEM
};

struct PeerConfig {
  Role role = Role::kServer;
  std::uint16_t min_version = kTls10;
  std::uint16_t max_version = kTls12;  // TLS 1.3 is never enabled (values above 0x0303 refused)

  // Exact IANA cipher-suite ids, in preference order (client: offered in this order; server:
  // server preference is switched on). Empty: libssl's DEFAULT list for TLS <= 1.2.
  std::vector<std::uint16_t> cipher_suites;
  // IANA named groups (23/24/25/29/30, 256.. ffdhe). Empty: libssl's default list.
  std::vector<std::uint16_t> groups;
  // Server DHE parameters: a named FFDHE group (RFC 7919) such as "ffdhe2048".
  std::string dhe_group = "ffdhe2048";

  bool extended_master_secret = true;  // false: SSL_OP_NO_EXTENDED_MASTER_SECRET
  bool encrypt_then_mac = true;        // libssl's default: offer/accept EtM (RFC 7366)
  bool session_tickets = false;        // false: SSL_OP_NO_TICKET

  // Server: one or more certificate chains (e.g. RSA and ECDSA; libssl picks per suite).
  std::vector<Credential> credentials;

  // Client: verify the server against ca_file; verify_hostname checks the leaf's name
  // (SSL_set1_host). server_name is sent as SNI.
  std::string ca_file;
  bool verify_peer = true;
  std::string verify_hostname;
  std::string server_name;

  // -1: automatic (see the file comment).
  int security_level = -1;
};

enum class State { kHandshaking, kConnected, kClosed, kFailed };

struct Failure {
  bool alert_sent = false;
  bool alert_received = false;
  std::uint8_t alert = 0;
  std::string reason;  // libssl's error string, or ours
};

// libssl's view of the session, captured when the handshake completes.
struct PeerSessionInfo {
  std::uint16_t version = 0;
  std::uint16_t cipher_suite = 0;
  std::string cipher_name;  // OpenSSL's name
  std::uint16_t group = 0;  // IANA id of the ECDHE group (or FFDHE group when libssl knows it)
  std::string group_name;   // e.g. "X25519", "ffdhe2048"; empty for RSA key transport
  int dhe_bits = 0;         // the DH prime size when the key exchange was DHE (client side)
  bool extended_master_secret = false;
  std::vector<std::uint8_t> master_secret;  // SSL_SESSION_get_master_key
  std::string keylog;                       // the NSS key-log line ("CLIENT_RANDOM <cr> <ms>")
  std::vector<std::uint8_t> client_random;
  std::vector<std::uint8_t> server_random;
  std::vector<std::uint8_t> client_finished;
  std::vector<std::uint8_t> server_finished;
  // Extension types seen in the ClientHello and ServerHello (from the message callback), to
  // check for example that encrypt_then_mac (22) was not negotiated.
  std::vector<std::uint16_t> client_hello_extensions;
  std::vector<std::uint16_t> server_hello_extensions;
  // Every handshake message (with its 4-byte header) in transcript order, as libssl saw it.
  std::vector<std::vector<std::uint8_t>> handshake_messages;
  std::string peer_subject;  // the peer certificate's subject (RFC 2253), if any
};

// The alert's RFC 5246 name ("bad_record_mac"), or "alert(<n>)".
using tlswire::AlertName;

// IANA id -> OpenSSL cipher name for TLS <= 1.2 ("" if libssl does not know it).
std::string OpensslCipherName(std::uint16_t iana_id);

class Peer {
 public:
  // Null with *error set on a configuration error.
  static std::unique_ptr<Peer> Create(const PeerConfig& config, std::string* error);
  ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  void ReceiveBytes(std::span<const std::uint8_t> bytes);
  State Process();
  std::vector<std::uint8_t> TakeBytesToSend();

  // Queues plaintext (libssl cuts it into records of at most 2^14 bytes); needs kConnected to be
  // sent, but may be queued earlier.
  bool Write(std::span<const std::uint8_t> data);
  std::vector<std::uint8_t> TakeReceivedData();

  // Sends close_notify (SSL_shutdown).
  void Close();
  bool peer_closed() const { return peer_closed_; }

  State state() const { return state_; }
  const Failure& failure() const { return failure_; }
  const PeerSessionInfo& info() const { return info_; }

  // SSL_export_keying_material; context null = no context (use_context 0).
  std::optional<std::vector<std::uint8_t>> ExportKeyingMaterial(const std::string& label,
                                                                const std::vector<std::uint8_t>* context,
                                                                std::size_t length);

  // For callbacks (libssl_peer.cpp).
  struct Impl;

 private:
  Peer();
  void Fail(const std::string& reason);
  void CaptureSessionInfo();
  void FlushWrites();

  std::unique_ptr<Impl> impl_;
  State state_ = State::kHandshaking;
  Failure failure_;
  PeerSessionInfo info_;
  std::vector<std::uint8_t> pending_write_;
  std::vector<std::uint8_t> received_;
  bool peer_closed_ = false;
  bool close_requested_ = false;
  bool close_sent_ = false;
  friend struct Impl;
};

}  // namespace opensslp::libssl_peer
