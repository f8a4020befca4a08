// libssl_peer.h - OpenSSL's libssl as an in-process TLS 1.0-1.3 peer with the same sans-I/O shape
// as tools/tlsdriver's Connection (ReceiveBytes / Process / TakeBytesToSend, Write /
// TakeReceivedData, Close, state, failure), so the two can be wired together in one thread by
// Pump() below. After the handshake it exposes libssl's own view of the session (version, suite,
// group, EMS, master secret, key-log lines, randoms, both Finished values, RFC 5705 / RFC 8446
// §7.5 exporters) for cross-checks that do not involve opensslp's code at all. tlswire::Pump
// (tools/tlswire/pump.h) connects a Peer to a tlsdriver::Connection (or another Peer) in one
// thread.
//
// Configuration isolation: the system openssl.cnf is never consulted for our settings (Debian's
// sets CipherString = DEFAULT:@SECLEVEL=2 and MinProtocol = TLSv1.2 in system_default_sect, which
// would silently change what is tested). libssl is initialised with OPENSSL_INIT_NO_LOAD_CONFIG,
// and every setting that such a section could touch (protocol range, options, cipher list, TLS 1.3
// ciphersuites, security level, groups, verification) is set explicitly on each SSL anyway, in
// case another part of the process loaded the configuration first. The ctest
// opensslp_interop_config_isolation checks this with tests/interop/data/hostile_openssl.cnf.
//
// Security level: always set explicitly (Debian's libssl is built with a default of 2 even without
// any configuration file). 1 by default; 0 when min_version < TLS 1.2, because OpenSSL 3.0 rates
// the MD5/SHA-1 signatures that TLS 1.0/1.1 ServerKeyExchange messages must use below level 1, so
// TLS 1.0/1.1 handshakes fail at level 1 (OpenSSL 3.0 CHANGES: "SSL 3, TLS 1.0, TLS 1.1 ... no
// longer work at the default security level of 1"). Level 0 is never used for TLS 1.2-only peers.
//
// TLS 1.3 (max_version = kTls13): everything above applies; in addition the peer can do client
// certificates, resumption with tickets (a ServerContext shares the ticket keys and the session
// cache between server connections), external PSKs, 0-RTT, KeyUpdate, the early exporter, and it
// records every key-log line. All settings are applied per connection (SSL_set_*), so a shared
// ServerContext carries no configuration of its own. With max_version <= kTls12 nothing of this
// changes what goes on the wire.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tlswire/tlswire.h"

// libssl's types (openssl/types.h), declared here so that this header does not include OpenSSL.
struct ssl_session_st;
struct ssl_ctx_st;

namespace opensslp::libssl_peer {

enum class Role { kClient, kServer };

using tlswire::kTls10;
using tlswire::kTls11;
using tlswire::kTls12;
using tlswire::kTls13;

struct Credential {
  std::string certificate_chain_file;  // PEM, leaf first
  std::string private_key_file;        // PEM
};

// A session a client can offer again (PeerConfig::resume_session): one reference to libssl's
// SSL_SESSION, released by the destructor. Any number of connections may offer the same one.
class Session {
 public:
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  std::uint16_t version() const;       // wire version the session was made with
  std::uint16_t cipher_suite() const;  // IANA id
  // TLS 1.3: the ticket's max_early_data (0 = the server does not allow 0-RTT with it).
  std::uint32_t max_early_data() const;
  bool resumable() const;  // SSL_SESSION_is_resumable

  // For libssl_peer.cpp: takes over one reference to `native`.
  static std::shared_ptr<Session> Adopt(ssl_session_st* native);
  ssl_session_st* native() const { return native_; }

 private:
  explicit Session(ssl_session_st* native) : native_(native) {}
  ssl_session_st* native_;
};

// What a server shares between its connections: libssl's SSL_CTX with its session cache and its
// session-ticket keys, so that a ticket issued on one connection resumes on the next, and so that
// OpenSSL's 0-RTT anti-replay works across connections: with max_early_data > 0 and anti-replay
// on (SSL_OP_NO_ANTI_REPLAY is never set here), libssl keeps each ticket it issues in this cache
// and removes it on first use, so a replayed ticket finds nothing and the handshake is full, with
// the early data rejected (self-tested). It holds no other setting: every PeerConfig field is applied to each
// connection (SSL) separately.
class ServerContext {
 public:
  // Null with *error set on failure.
  static std::shared_ptr<ServerContext> Create(std::string* error);
  ~ServerContext();
  ServerContext(const ServerContext&) = delete;
  ServerContext& operator=(const ServerContext&) = delete;

  ssl_ctx_st* native() const { return ctx_; }  // for libssl_peer.cpp

 private:
  ServerContext() = default;
  ssl_ctx_st* ctx_ = nullptr;
};

// A TLS 1.3 external pre-shared key (RFC 8446 §2.2, §4.2.11), both roles. libssl turns it into an
// SSL_SESSION (SSL_SESSION_set1_master_key, _set_cipher, _set_protocol_version(TLS 1.3)) handed
// over by SSL_set_psk_use_session_callback (client) / SSL_set_psk_find_session_callback (server).
struct ExternalPsk {
  std::string identity;
  std::vector<std::uint8_t> key;
  // The TLS 1.3 suite of the PSK's session; its hash (0x1301/0x1303: SHA-256, 0x1302: SHA-384)
  // must be the negotiated suite's hash (RFC 8446 §4.2.11).
  std::uint16_t cipher_suite = 0x1301;
  // The PSK session's max_early_data: > 0 lets a client send 0-RTT with this PSK (and a server
  // accept it, within its own PeerConfig::max_early_data).
  std::uint32_t max_early_data = 0;
};

struct PeerConfig {
  Role role = Role::kServer;
  std::uint16_t min_version = kTls10;
  std::uint16_t max_version = kTls12;  // up to kTls13

  // Exact IANA cipher-suite ids, in preference order (client: offered in this order; server:
  // server preference is switched on). TLS <= 1.2 ids go to libssl's cipher list, TLS 1.3 ids
  // (0x1301-0x1305) to its TLS 1.3 ciphersuites (SSL_set_ciphersuites); both are always set.
  // No TLS <= 1.2 id (including an empty list): libssl's DEFAULT list for TLS <= 1.2. No TLS 1.3
  // id: TLS 1.3 uses TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256 and
  // TLS_AES_128_GCM_SHA256 (libssl's default set and order). A TLS 1.3 id with max_version below
  // kTls13 is a configuration error.
  std::vector<std::uint16_t> cipher_suites;
  // IANA named groups (23/24/25/29/30, 256.. ffdhe), in preference order, for every version.
  // Empty: libssl's default list. TLS 1.3: the client sends a key share for the FIRST group only
  // (OpenSSL 3.0), so a client {29, 23} against a server {23} gets a HelloRetryRequest
  // (PeerSessionInfo::hello_retry_request).
  std::vector<std::uint16_t> groups;
  // Server DHE parameters: a named FFDHE group (RFC 7919) such as "ffdhe2048" (TLS <= 1.2).
  std::string dhe_group = "ffdhe2048";

  bool extended_master_secret = true;  // false: SSL_OP_NO_EXTENDED_MASTER_SECRET
  bool encrypt_then_mac = true;        // libssl's default: offer/accept EtM (RFC 7366)
  // false: SSL_OP_NO_TICKET. TLS <= 1.2: no RFC 5077 tickets. TLS 1.3 servers still send
  // NewSessionTickets, but stateful ones (a session id kept in the server's cache); num_tickets = 0
  // sends none.
  bool session_tickets = false;
  // TLS 1.3 (only set when max_version is kTls13): SSL_OP_ENABLE_MIDDLEBOX_COMPAT (RFC 8446
  // Appendix D.4: a legacy_session_id and dummy ChangeCipherSpec records). libssl's default is on.
  bool middlebox_compat = true;

  // Server: one or more certificate chains (e.g. RSA and ECDSA; libssl picks per suite / per
  // signature algorithm). A TLS 1.3 server with external_psk and no credentials requires the PSK:
  // a client that does not offer it fails with handshake_failure.
  std::vector<Credential> credentials;

  // Client: verify the server against ca_file; verify_hostname checks the leaf's name
  // (SSL_set1_host). server_name is sent as SNI.
  std::string ca_file;
  bool verify_peer = true;
  std::string verify_hostname;
  std::string server_name;

  // Client certificates. Client: the chain and key sent when the server asks (none: an empty
  // Certificate message). Server: request_client_certificate sends a CertificateRequest
  // (SSL_VERIFY_PEER) whose CA names are those of client_ca_file; require_client_certificate
  // also fails the handshake when the client sends none (SSL_VERIFY_FAIL_IF_NO_PEER_CERT; TLS 1.3
  // alert certificate_required, TLS <= 1.2 handshake_failure). A certificate the client sends is
  // verified against client_ca_file (needed when requesting). TLS 1.0-1.3.
  std::optional<Credential> client_credential;
  bool request_client_certificate = false;
  bool require_client_certificate = false;  // implies request_client_certificate
  std::string client_ca_file;

  // Resumption. Client: a session from Peer::TakeSession of an earlier connection, offered again
  // (SSL_set_session). Server: share a ServerContext between connections so that tickets (TLS 1.3
  // and RFC 5077) and session ids resume; without one every Peer has a private context and every
  // handshake is full. num_tickets: TLS 1.3 NewSessionTickets a server sends after the handshake
  // (SSL_set_num_tickets; libssl's default 2).
  std::shared_ptr<Session> resume_session;
  std::shared_ptr<ServerContext> server_context;
  std::uint32_t num_tickets = 2;
  // TLS 1.3 PSK key exchange without (EC)DHE (psk_ke, RFC 8446 §4.2.9): SSL_OP_ALLOW_NO_DHE_KEX.
  // A libssl client then offers psk_ke besides psk_dhe_ke; a libssl server accepts psk_ke when the
  // client offers only that.
  bool allow_psk_without_dhe = false;

  // TLS 1.3 external PSK (both roles; ExternalPsk above).
  std::optional<ExternalPsk> external_psk;

  // 0-RTT (RFC 8446 §4.2.10). Client: early_data is written with SSL_write_early_data before the
  // handshake when resume_session's ticket allows early data (max_early_data() > 0) or when
  // external_psk.max_early_data > 0; otherwise it is not sent. Early data the server rejects is
  // not resent (PeerSessionInfo::early_data_status tells; Write it again if needed). Server:
  // max_early_data > 0 accepts early data (SSL_read_early_data; kept apart, TakeEarlyData) and
  // advertises that limit in its tickets; 0 rejects it (libssl then skips up to 16384 bytes of
  // early data, its default recv_max_early_data, as RFC 8446 §4.2.10 allows).
  std::vector<std::uint8_t> early_data;
  std::uint32_t max_early_data = 0;

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

enum class EarlyDataStatus { kNotSent, kRejected, kAccepted };  // SSL_get_early_data_status

// libssl's view of the session, captured when the handshake completes (the key-log lines, the
// handshake messages and the counters grow as they happen).
struct PeerSessionInfo {
  std::uint16_t version = 0;
  std::uint16_t cipher_suite = 0;
  std::string cipher_name;                  // OpenSSL's name
  std::uint16_t group = 0;                  // IANA id of the (EC)DHE group (FFDHE: 256..260); 0 for psk_ke / RSA
  std::string group_name;                   // e.g. "X25519", "ffdhe2048"; empty for RSA key transport
  int dhe_bits = 0;                         // the DH prime size when the key exchange was DHE (client side)
  bool extended_master_secret = false;      // always false under TLS 1.3 (no such thing)
  std::vector<std::uint8_t> master_secret;  // SSL_SESSION_get_master_key; empty under TLS 1.3
  // Every key-log line joined with "\n" (TLS <= 1.2: "CLIENT_RANDOM <cr> <ms>", plus "RSA ..." for
  // an RSA key-transport client), kept for the TLS 1.2 checks.
  std::string keylog;
  // Every line libssl's key-log callback emitted, in order (TLS 1.3: CLIENT_EARLY_TRAFFIC_SECRET,
  // EARLY_EXPORTER_SECRET, CLIENT/SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT/SERVER_TRAFFIC_SECRET_0,
  // EXPORTER_SECRET, each "<label> <client random hex> <secret hex>").
  std::vector<std::string> keylog_lines;
  std::vector<std::uint8_t> client_random;
  std::vector<std::uint8_t> server_random;
  // TLS <= 1.2: the 12-byte verify_data of each Finished. TLS 1.3: each Finished's verify_data
  // (RFC 8446 §4.4.4, the suite's hash length), i.e. the body of the Finished messages.
  std::vector<std::uint8_t> client_finished;
  std::vector<std::uint8_t> server_finished;
  // Extension types seen in the ClientHello and ServerHello (from the message callback), to
  // check for example that encrypt_then_mac (22) was not negotiated. The last one of each kind
  // (after a HelloRetryRequest: the second ClientHello and the real ServerHello).
  std::vector<std::uint16_t> client_hello_extensions;
  std::vector<std::uint16_t> server_hello_extensions;
  // Every handshake message (with its 4-byte header) in order, as libssl saw it. TLS 1.3: the
  // handshake's messages including a HelloRetryRequest (as a ServerHello) and EndOfEarlyData, but
  // not the post-handshake NewSessionTicket and KeyUpdate (counted below). (The transcript hash
  // replaces a first ClientHello by message_hash, RFC 8446 §4.4.1; this list keeps it as sent.)
  std::vector<std::vector<std::uint8_t>> handshake_messages;
  std::string peer_subject;  // the peer certificate's subject (RFC 2253), if any (both roles)

  // TLS 1.3.
  bool hello_retry_request = false;  // a ServerHello carried the HRR random (RFC 8446 §4.1.3)
  bool session_resumed = false;      // SSL_session_reused: a ticket, session id or external PSK
  bool external_psk_used = false;    // the external PSK was the one accepted
  bool psk_dhe_ke = false;           // resumed/PSK handshake with (EC)DHE (ServerHello key_share)
  EarlyDataStatus early_data_status = EarlyDataStatus::kNotSent;
  int tickets_received = 0;      // TLS 1.3 NewSessionTickets (client)
  int key_updates_received = 0;  // KeyUpdate messages (type 24) read
  int key_updates_sent = 0;      // KeyUpdate messages written (ours and libssl's replies)

  // The secret of the first key-log line with this label ("CLIENT_TRAFFIC_SECRET_0", ...) whose
  // client random is client_random (when that is known); empty if none.
  std::vector<std::uint8_t> KeylogSecret(std::string_view label) const;
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
  // Drives the handshake (with SSL_write_early_data / SSL_read_early_data first when 0-RTT is
  // configured), then writes queued data and reads everything available; reading after the
  // handshake also processes TLS 1.3 NewSessionTicket and KeyUpdate messages.
  State Process();
  std::vector<std::uint8_t> TakeBytesToSend();

  // Queues plaintext (libssl cuts it into records of at most 2^14 bytes); needs kConnected to be
  // sent, but may be queued earlier.
  bool Write(std::span<const std::uint8_t> data);
  std::vector<std::uint8_t> TakeReceivedData();
  // Server: the 0-RTT data received (never mixed into TakeReceivedData).
  std::vector<std::uint8_t> TakeEarlyData();

  // Sends close_notify (SSL_shutdown).
  void Close();
  bool peer_closed() const { return peer_closed_; }

  State state() const { return state_; }
  const Failure& failure() const { return failure_; }
  const PeerSessionInfo& info() const { return info_; }

  // Client: the session to resume later (SSL_get1_session), or null when there is none that can
  // be resumed. TLS 1.3: available once a NewSessionTicket has been read (after the handshake,
  // by Process); with several tickets, the last one. Destroying a Peer that did not fail keeps
  // its session resumable even without Close (libssl would otherwise invalidate the session of a
  // connection freed without close_notify, on both sides).
  std::shared_ptr<Session> TakeSession();

  // TLS 1.3: SSL_key_update(SSL_KEY_UPDATE_REQUESTED or _NOT_REQUESTED), sent by the next
  // Process (or Write). False when not connected with TLS 1.3 or libssl refuses. A KeyUpdate
  // received with update_requested is answered by the Process that reads it (libssl alone would
  // wait for the next application data it writes; RFC 8446 §4.6.3 allows either).
  bool RequestKeyUpdate(bool update_requested);

  // SSL_export_keying_material; context null = no context (use_context 0). (TLS 1.3 makes no
  // difference between no context and an empty one, RFC 8446 §7.5.)
  std::optional<std::vector<std::uint8_t>> ExportKeyingMaterial(const std::string& label,
                                                                const std::vector<std::uint8_t>* context,
                                                                std::size_t length);
  // SSL_export_keying_material_early (TLS 1.3 early_exporter_master_secret): available once
  // 0-RTT was attempted (client: after writing early data; server: after accepting it).
  std::optional<std::vector<std::uint8_t>> ExportKeyingMaterialEarly(const std::string& label,
                                                                     const std::vector<std::uint8_t>& context,
                                                                     std::size_t length);

  // For callbacks (libssl_peer.cpp).
  struct Impl;

 private:
  Peer();
  void Fail(const std::string& reason);
  void CaptureSessionInfo();
  void FlushWrites();
  bool DriveEarlyData();  // false: wait for bytes (or failed)
  bool DriveKeyUpdate();  // false: failed

  std::unique_ptr<Impl> impl_;
  State state_ = State::kHandshaking;
  Failure failure_;
  PeerSessionInfo info_;
  std::vector<std::uint8_t> pending_write_;
  std::vector<std::uint8_t> received_;
  std::vector<std::uint8_t> early_received_;
  bool peer_closed_ = false;
  bool close_requested_ = false;
  bool close_sent_ = false;
  bool early_done_ = false;  // SSL_write_early_data / SSL_read_early_data phase over
  friend struct Impl;
};

}  // namespace opensslp::libssl_peer
