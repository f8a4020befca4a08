// tls_driver.h - a Schannel-style TLS 1.0-1.3 endpoint that does all of its cryptography through
// opensslp's exported Ssl* API, the way Schannel does through ncrypt.dll.
//
// What lives here and not in the provider: record framing, handshake messages and extensions,
// the state machines of both roles, alerts, and checking the peer's certificate chain against a CA
// file (OpenSSL's X509 code, which sits outside the provider, as crypt32 sits outside the provider
// on Windows). Every key, hash, signature, Finished value and record protection comes from an
// Ssl* call. libssl is never used on our side.
//
// Sans-I/O (the rustls shape): the caller moves bytes. Feed what arrived from the peer with
// ReceiveBytes, call Process, send what TakeBytesToSend returns, repeat. The same object then
// works over a socket (opensslp connect/serve), over an in-memory pair with libssl in one thread
// (interop tests, opensslp demo), and under a debugger one flight at a time.
//
// TLS 1.0-1.2 extensions: server_name, supported_groups, ec_point_formats (uncompressed only),
// signature_algorithms, extended_master_secret (RFC 7627), renegotiation_info (RFC 5746, initial
// handshake only; renegotiation itself is refused with a no_renegotiation warning). Never offered
// or accepted: encrypt_then_mac (Schannel does not do it), TLS 1.2 session tickets and resumption,
// compression, heartbeat.
//
// TLS 1.3 (RFC 8446; docs/driver.md#tls-13): version negotiation by supported_versions with the
// §4.1.3 downgrade sentinels; key_share on every group the provider does (one share offered, a
// HelloRetryRequest answered or sent when the groups differ); certificate authentication with
// RSA-PSS / ECDSA CertificateVerify; client certificates in both roles; session tickets and
// resumption (psk_dhe_ke only: every resumption has fresh (EC)DHE); external PSKs; 0-RTT (the
// client sends early data; the server accepts it only on the first use of a ticket it issued);
// KeyUpdate both ways, on request and automatically before a key's AEAD limit; exporters. Not
// done: post-handshake client authentication, the cookie of a stateless HelloRetryRequest (the
// server keeps state; a cookie sent by a peer is echoed), psk_ke (PSK without (EC)DHE), compat
// mode ChangeCipherSpec records are accepted and ignored but never sent.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tlswire/tlswire.h"

namespace opensslp::tlsdriver {

enum class Role { kClient, kServer };

// Wire values (RFC 5246 §6.2.1): 0x0301 TLS 1.0, 0x0302 TLS 1.1, 0x0303 TLS 1.2.
using tlswire::kTls10;
using tlswire::kTls11;
using tlswire::kTls12;
using tlswire::kTls13;

class TicketStore;

// A TLS 1.3 session ticket a client received (NewSessionTicket, RFC 8446 §4.6.1), with the
// resumption PSK the provider derived for it (SslExpandPreSharedKey). Shared and immutable: a
// client offers it in a later connection through Config::resume.
struct Ticket {
  std::uint16_t cipher_suite = 0;      // the suite of the connection that issued it
  std::vector<std::uint8_t> identity;  // the ticket bytes, sent as the PSK identity
  std::uint32_t age_add = 0;
  std::uint32_t lifetime_seconds = 0;
  std::uint32_t max_early_data = 0;  // from the ticket's early_data extension; 0 = no 0-RTT
  std::chrono::steady_clock::time_point received{};
  std::string server_name;  // the name the issuing connection was made to
  std::uintptr_t psk = 0;   // the provider's PSK handle (NCRYPT_KEY_HANDLE), freed with the ticket
  Ticket() = default;
  Ticket(const Ticket&) = delete;
  Ticket& operator=(const Ticket&) = delete;
  ~Ticket();
};

// An external PSK (RFC 8446 §2.2, §4.2.11): the identity both sides agree on, the key bytes
// (imported with SslImportKey TLS13PRESHAREDKEY) and the suite whose hash it is used with.
struct ExternalPsk {
  std::vector<std::uint8_t> identity;
  std::vector<std::uint8_t> key;
  std::uint16_t cipher_suite = 0x1301;
  std::uint32_t max_early_data = 0;  // client: may send 0-RTT under it; server: accepts up to this
};

enum class ClientAuth { kNone, kRequest, kRequire };

// A certificate chain with its private key, opened once and presented by any number of
// connections: Schannel's credential (AcquireCredentialsHandle once, a security context per
// connection). Open reads the PEM chain (leaf first), opens the leaf's key with SslOpenPrivateKey
// (opensslp's key store or, on Windows, the certificate's CNG key) on a provider handle of its own,
// and makes a signature-size query, so that a key that cannot be found or loaded is reported here
// and not at the first handshake (a key whose private operations fail later, e.g. a smart card
// removed, still fails the handshake). Immutable once open: connections on several threads may
// share one. The certificate and key are read once: a replaced file takes effect with the next
// Open.
class Credential {
 public:
  // Null with a one-line reason in *error on failure.
  static std::shared_ptr<const Credential> Open(const std::string& chain_file, std::string* error);
  ~Credential();
  Credential(const Credential&) = delete;
  Credential& operator=(const Credential&) = delete;

  struct Impl;  // connection code only (connection_impl.h)
  const Impl& impl() const { return *impl_; }

 private:
  friend class ConnectionImpl;
  // A connection's own credential (a chain file in its Config) opens the key on the connection's
  // provider handle, which outlives it, instead of opening a provider of its own.
  static std::shared_ptr<const Credential> OpenOn(std::uintptr_t borrowed_provider, const std::string& chain_file,
                                                  std::string* error);
  explicit Credential(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct Config {
  Role role = Role::kClient;
  std::uint16_t min_version = kTls10;
  std::uint16_t max_version = kTls13;

  // IANA cipher-suite ids in preference order (TLS 1.3 suites 0x1301-0x1303 among them). Empty: every suite the
  // provider enumerates (SslEnumCipherSuites) that is valid for a version in [min_version, max_version]. Client:
  // offered in this order. Server: the first of the server's list that the client offered and the server's certificate
  // key can serve (server preference, as Schannel).
  std::vector<std::uint16_t> cipher_suites;

  // IANA named groups for ECDHE (23 secp256r1, 24 secp384r1, 25 secp521r1, 29 x25519, 30 x448)
  // in preference order. Empty: the provider's curve list (SslEnumEccCurves). TLS 1.3 also takes
  // the RFC 7919 groups 256..260 (ffdhe2048..ffdhe8192) here; a TLS 1.3 client sends its key
  // share for the first group only (a server that wants another answers HelloRetryRequest).
  std::vector<std::uint16_t> groups;

  // Client: offer extended_master_secret. Server: accept it when the client offers it.
  bool extended_master_secret = true;
  // Either role: abort with handshake_failure when the peer does not do EMS.
  bool require_extended_master_secret = false;

  // Client: the host name sent as server_name (RFC 6066 §3) and checked against the server
  // certificate (X509_check_host) when verify_peer is set. An IP address literal is checked
  // against the certificate's iPAddress names (X509_check_ip_asc) and not sent as SNI. Required
  // when verify_peer is set (Create fails without it); empty otherwise means no SNI.
  std::string server_name;

  // Client: verify the server's chain against ca_file (PEM). verify_peer = false accepts any
  // certificate (say so in the session info; tests and `opensslp connect --insecure` only).
  std::string ca_file;
  bool verify_peer = true;

  // Server: the certificate chain (PEM, leaf first). The private key is opened with
  // SslOpenPrivateKey on the leaf, i.e. from opensslp's key store (OPENSSLP_KEY_STORE) or, on
  // Windows, the certificate's CNG key. Each connection opens it again: a server of many
  // connections sets `credential` instead (opening an RSA-2048 key from the key store costs a few
  // milliseconds: its consistency check and OpenSSL's decoder, docs/key-store.md).
  std::string certificate_chain_file;
  std::shared_ptr<const Credential> credential;  // server: Credential::Open once; not with the file

  // Client certificate (either version). Client: the chain (PEM, leaf first) sent when the server
  // asks; its key is opened with SslOpenPrivateKey like a server's. Neither this nor
  // client_credential: answer a CertificateRequest with an empty Certificate. Server: ask for one (kRequest) or require one
  // (kRequire: certificate_required in TLS 1.3, handshake_failure in TLS 1.2), verified against
  // client_ca_file with the TLS client purpose.
  std::string client_certificate_chain_file;
  std::shared_ptr<const Credential> client_credential;  // client: the same, opened once; not with the file
  ClientAuth client_auth = ClientAuth::kNone;
  std::string client_ca_file;

  // TLS 1.3 resumption. Client: offer this ticket (psk_dhe_ke) if it was issued for the same
  // server_name (RFC 8446 §4.6.1) and has not expired. Server: issue tickets from this
  // store (shared by the connections of one server; each ticket resumes once).
  std::shared_ptr<const Ticket> resume;
  std::shared_ptr<TicketStore> ticket_store;
  int tickets_to_issue = 1;  // server: NewSessionTickets after each full or resumed handshake

  // TLS 1.3 external PSK (both roles; the client offers it instead of a ticket).
  std::optional<ExternalPsk> external_psk;

  // 0-RTT. Client: sent as early data when the offered ticket (or external PSK) allows it; what
  // happened is info().early_data. Server: the most early data it accepts per ticket it issues
  // (0: tickets do not allow 0-RTT); early data is only accepted on the first use of a ticket.
  std::vector<std::uint8_t> early_data;
  std::uint32_t max_early_data = 0;

  // TLS 1.3: send KeyUpdate (update_not_requested) before sealing record number `n` with one
  // key. 0: the AEAD limit of RFC 8446 §5.5 (2^24 records for AES-GCM; ChaCha20-Poly1305 has no
  // practical limit, so only the 2^64 - 1 sequence-number ceiling applies). Tests set it low.
  std::uint64_t key_update_after_records = 0;

  // Largest plaintext per record (RFC 5246 §6.2.1: at most 2^14).
  std::size_t max_fragment_length = 16384;
};

// The server's ticket store (stateful tickets): the ticket is a random 32-byte identifier, the
// PSK stays with the server. A ticket is removed when it is used, so it resumes at most once and
// 0-RTT under it cannot be replayed (RFC 8446 §8.1, single-use tickets). Thread-safe.
class TicketStore {
 public:
  TicketStore();
  ~TicketStore();
  TicketStore(const TicketStore&) = delete;
  TicketStore& operator=(const TicketStore&) = delete;
  struct Entry;
  // Internal (connection code): adds a PSK handle (ownership passes); returns the identity.
  std::vector<std::uint8_t> Add(std::unique_ptr<Entry> entry);
  // Removes and returns the entry for `identity` (null if unknown, expired or already used).
  std::unique_ptr<Entry> Take(std::span<const std::uint8_t> identity);
  // The cipher suite of the ticket `identity` names, without using it up (0 if unknown).
  std::uint16_t SuiteOf(std::span<const std::uint8_t> identity) const;
  std::size_t size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// TLS alert descriptions (RFC 5246 §7.2) the driver sends or understands.
enum class AlertDescription : std::uint8_t {
  kCloseNotify = 0,
  kUnexpectedMessage = 10,
  kBadRecordMac = 20,
  kRecordOverflow = 22,
  kHandshakeFailure = 40,
  kBadCertificate = 42,
  kUnsupportedCertificate = 43,
  kCertificateExpired = 45,
  kCertificateUnknown = 46,
  kIllegalParameter = 47,
  kUnknownCa = 48,
  kDecodeError = 50,
  kDecryptError = 51,
  kProtocolVersion = 70,
  kInsufficientSecurity = 71,
  kInternalError = 80,
  kUserCanceled = 90,
  kNoRenegotiation = 100,
  kMissingExtension = 109,
  kUnsupportedExtension = 110,
  kUnrecognizedName = 112,
  kUnknownPskIdentity = 115,
  kCertificateRequired = 116,
};
// "bad_record_mac" etc.; "alert(<n>)" for values without a name.
using tlswire::AlertName;

enum class State {
  kHandshaking,  // needs more input from the peer (or has output to send)
  kConnected,    // handshake done; application data may flow
  kClosed,       // close_notify received and/or sent; no more data
  kFailed,       // a fatal alert was sent or received; see failure()
};

struct Failure {
  bool alert_sent = false;            // we sent a fatal alert (description below)
  bool alert_received = false;        // the peer sent a fatal alert (description below)
  std::uint8_t alert = 0;             // the alert's description
  std::string reason;                 // our one-line reason, e.g. "server Finished does not verify"
  std::uint32_t provider_status = 0;  // the SECURITY_STATUS of the failing Ssl* call, if any
};

enum class EarlyData { kNotOffered, kAccepted, kRejected };
enum class PskMode { kNone, kResumption, kExternal };

struct SessionInfo {
  std::uint16_t version = 0;       // negotiated, wire value (0x0304 for TLS 1.3)
  std::uint16_t cipher_suite = 0;  // IANA id
  std::string cipher_suite_name;   // from the provider (SslLookupCipherSuiteInfo / catalog)
  std::uint16_t group = 0;         // IANA group for ECDHE; 0 for RSA key transport
  std::string group_name;          // "x25519", "secp256r1", "ffdhe2048", "" for RSA
  std::uint16_t dhe_bits = 0;      // DHE prime size, 0 otherwise
  bool extended_master_secret = false;
  bool secure_renegotiation = false;  // renegotiation_info exchanged
  bool peer_verified = false;         // the chain (and name) checked out against ca_file
  std::string peer_subject;           // the peer leaf's subject, one line (RFC 2253)
  std::vector<std::uint8_t> client_random;
  std::vector<std::uint8_t> server_random;
  std::vector<std::uint8_t> client_finished;  // verify_data (12 bytes; TLS 1.3: the hash length)
  std::vector<std::uint8_t> server_finished;
  std::chrono::nanoseconds handshake_time{0};  // first Process() to kConnected
  // TLS 1.3
  bool hello_retry_request = false;  // an HRR was sent (server) or received (client)
  PskMode psk = PskMode::kNone;      // the handshake was authenticated by a PSK
  EarlyData early_data = EarlyData::kNotOffered;
  std::size_t early_data_bytes = 0;  // server: early data accepted; client: early data sent
  bool client_certificate = false;   // a client certificate was sent (client) / verified (server)
  std::string client_subject;        // server: the verified client certificate's subject
  int key_updates_sent = 0;
  int key_updates_received = 0;
  int tickets_received = 0;  // client: NewSessionTickets
  int tickets_issued = 0;    // server
};

class Connection {
 public:
  // Opens the provider (SslOpenProvider) and checks the configuration. On failure returns null
  // and puts a one-line reason in *error.
  static std::unique_ptr<Connection> Create(const Config& config, std::string* error);
  virtual ~Connection() = default;

  // Bytes that arrived from the peer, in order.
  virtual void ReceiveBytes(std::span<const std::uint8_t> bytes) = 0;
  // Runs the protocol as far as the received bytes allow; a client's first call produces the
  // ClientHello. Never blocks.
  virtual State Process() = 0;
  // Everything queued for the peer since the last call (drains the queue).
  virtual std::vector<std::uint8_t> TakeBytesToSend() = 0;

  // Application data: Write queues records (max_fragment_length plaintext each) and needs
  // kConnected; TakeReceivedData drains plaintext that Process decrypted.
  virtual bool Write(std::span<const std::uint8_t> data) = 0;
  virtual std::vector<std::uint8_t> TakeReceivedData() = 0;

  // Sends close_notify (RFC 5246 §7.2.1). State becomes kClosed once the peer's arrives or
  // immediately for a half close; peer_closed tells whether the peer's close_notify was seen.
  virtual void Close() = 0;
  virtual bool peer_closed() const = 0;

  virtual State state() const = 0;
  virtual const Failure& failure() const = 0;
  virtual const SessionInfo& info() const = 0;

  // After the handshake, through the provider: SslExportKeyingMaterial (RFC 5705; a null context
  // differs from an empty one; TLS 1.3: RFC 8446 §7.5 with the exporter master secret, where no
  // context and an empty one are the same) and SslComputeEapKeyBlock (label as the provider
  // names it; TLS 1.0-1.2).
  virtual std::optional<std::vector<std::uint8_t>> ExportKeyingMaterial(const std::string& label,
                                                                        const std::vector<std::uint8_t>* context,
                                                                        std::size_t length) = 0;
  // eap_method is the NCRYPT_SSL_EAP_*_ID selector (the low byte of SslComputeEapKeyBlock's
  // dwFlags); the provider decides the output length.
  virtual std::optional<std::vector<std::uint8_t>> EapKeyBlock(std::uint32_t eap_method) = 0;
  // TLS 1.3 0-RTT exporter (early_exporter_master_secret, RFC 8446 §7.5): available once early
  // data was offered (client) or accepted (server).
  virtual std::optional<std::vector<std::uint8_t>> ExportEarlyKeyingMaterial(const std::string& label,
                                                                             const std::vector<std::uint8_t>* context,
                                                                             std::size_t length) = 0;

  // TLS 1.3: sends KeyUpdate and switches to the next write key (RFC 8446 §4.6.3); with
  // `request_peer_update` the peer must update its own keys too. False before kConnected or on
  // TLS 1.2 (which has no KeyUpdate).
  virtual bool UpdateKeys(bool request_peer_update) = 0;
  // Client: the newest session ticket received (null if none), for Config::resume.
  virtual std::shared_ptr<const Ticket> TakeTicket() = 0;
  // Server: early data accepted under 0-RTT (drains it).
  virtual std::vector<std::uint8_t> TakeEarlyData() = 0;

  // Test hooks for negative tests (never used by the CLI):
  // flips one bit of the body of the next handshake message of this type we send (e.g. 20 =
  // Finished: the peer must answer decrypt_error), after it entered our own transcript;
  virtual void CorruptNextHandshakeMessage(std::uint8_t handshake_type) = 0;
  // flips one bit of the ciphertext of the next protected record we send (the peer must answer
  // bad_record_mac).
  virtual void CorruptNextRecord() = 0;
  // TLS 1.3 client: flips one bit of the PSK binder of the next ClientHello (the server must
  // answer decrypt_error, RFC 8446 §4.2.11).
  virtual void CorruptNextBinder() = 0;
};

}  // namespace opensslp::tlsdriver
