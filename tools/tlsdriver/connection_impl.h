// connection_impl.h - the state of one TLS connection, both roles and every version.
// connection.cpp has the role-independent parts (records, alerts, transcript, Finished, the public
// API); client.cpp and server.cpp the TLS 1.0-1.2 handshake steps of each role, client13.cpp and
// server13.cpp the TLS 1.3 ones, tls13.cpp what both TLS 1.3 roles share (key schedule steps,
// CertificateVerify, KeyUpdate, tickets).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "certificates.h"
#include "provider.h"
#include "record_layer.h"
#include "signatures.h"
#include "tls_driver.h"
#include "wire.h"

namespace opensslp::tlsdriver {

// Handshake message and extension types (RFC 5246 §7.4, IANA): tools/tlswire/tlswire.h.
using tlswire::ExtensionType;
using tlswire::HandshakeType;
using enum tlswire::ExtensionType;
using enum tlswire::HandshakeType;

inline constexpr std::uint16_t kEmptyRenegotiationInfoScsv = 0x00FF;  // RFC 5746 §3.3
inline constexpr std::uint16_t kFallbackScsv = 0x5600;                // RFC 7507
inline constexpr std::uint8_t kAlertInappropriateFallback = 86;       // RFC 7507 §2
inline constexpr std::size_t kRandomLength = 32;
// RFC 8446 §4.1.3: the last 8 bytes of ServerHello.random of a TLS 1.2-capable server that
// negotiates TLS 1.1 or below ("DOWNGRD" then 0x00; 0x01 is the TLS 1.3 server's TLS 1.2 value).
inline constexpr std::uint8_t kDowngradeSentinel[8] = {0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x00};
inline constexpr std::size_t kVerifyDataLength = 12;  // RFC 5246 §7.4.9
// The largest handshake message we buffer: a certificate chain of a few certificates fits
// easily; a peer cannot make us hold 16 MiB by announcing a 24-bit length.
inline constexpr std::size_t kMaxHandshakeMessage = 128 * 1024;

// What a Credential holds (tls_driver.h). The provider it was opened with stays open as long as
// the key (members are destroyed in reverse order: the key first). Connections use the key with
// their own provider handle: opensslp's handles live in one table per process, not per provider
// handle (docs/architecture.md).
struct Credential::Impl {
  Provider provider;  // Open's own; not opened when the key is on a connection's provider (OpenOn)
  std::vector<Bytes> chain;  // DER, leaf first
  CertKey leaf;              // the leaf's key facts
  ProviderObject private_key;
};

// What the handshake waits for next.
enum class Expect {
  kClientHello,
  kServerHello,
  kCertificate,
  kServerKeyExchange,
  kServerHelloDone,  // also accepts CertificateRequest
  kClientKeyExchange,
  kChangeCipherSpec,
  kFinished,
  kDone,
  // TLS 1.2 client authentication (server side)
  kClientCertificate,
  kCertificateVerify,
  // TLS 1.3 (RFC 8446 §2, Figure 1)
  kEncryptedExtensions,
  kCertificateRequestOrCertificate,  // client: CertificateRequest, Certificate, or (PSK) Finished
  kServerCertificateVerify,
  kEndOfEarlyData,  // server, 0-RTT accepted
  kClientCertificateVerify,
};

// RFC 8446 B.4: SHA-384 for TLS_AES_256_GCM_SHA384, SHA-256 for the others.
std::size_t Tls13HashLength(std::uint16_t suite);

// What the TLS 1.3 key schedule holds for one connection (all provider handles).
struct Tls13Keys {
  ProviderObject psk;              // an imported external PSK or a server's ticket PSK (owned)
  NCRYPT_KEY_HANDLE psk_handle{};  // the PSK in use: psk, or the client's Ticket's
  std::uint16_t psk_suite = 0;     // the suite the PSK is bound to (its hash)
  bool psk_external = false;
  ProviderObject early_secret;  // SslExtractEarlyKey
  ProviderObject handshake_secret;
  ProviderObject master_secret;
  ProviderObject client_handshake_traffic, server_handshake_traffic;
  ProviderObject client_traffic, server_traffic;  // application: the current generation of each direction
  ProviderObject client_early_traffic;
  ProviderObject exporter, early_exporter;
  ProviderObject resumption;         // resumption master secret
  ProviderObject pending_write_key;  // client: the handshake write key while 0-RTT data is sent
  std::uint64_t ticket_nonce = 0;    // server: NewSessionTicket nonces
};

// "secp256r1", "ffdhe2048", ... for an IANA group; "" if unknown.
using tlswire::GroupName;

class ConnectionImpl final : public Connection {
 public:
  explicit ConnectionImpl(const Config& config);
  bool Init(std::string* error);

  void ReceiveBytes(std::span<const std::uint8_t> bytes) override { records_.Append(bytes); }
  State Process() override;
  std::vector<std::uint8_t> TakeBytesToSend() override { return std::exchange(out_, {}); }
  bool Write(std::span<const std::uint8_t> data) override;
  std::vector<std::uint8_t> TakeReceivedData() override { return std::exchange(received_, {}); }
  void Close() override;
  bool peer_closed() const override { return peer_closed_; }
  State state() const override { return state_; }
  const Failure& failure() const override { return failure_; }
  const SessionInfo& info() const override { return info_; }
  std::optional<std::vector<std::uint8_t>> ExportKeyingMaterial(const std::string& label,
                                                                const std::vector<std::uint8_t>* context,
                                                                std::size_t length) override;
  std::optional<std::vector<std::uint8_t>> EapKeyBlock(std::uint32_t eap_method) override;
  std::optional<std::vector<std::uint8_t>> ExportEarlyKeyingMaterial(const std::string& label,
                                                                     const std::vector<std::uint8_t>* context,
                                                                     std::size_t length) override;
  bool UpdateKeys(bool request_peer_update) override;
  std::shared_ptr<const Ticket> TakeTicket() override { return std::exchange(ticket_, nullptr); }
  std::vector<std::uint8_t> TakeEarlyData() override { return std::exchange(early_received_, {}); }
  void CorruptNextHandshakeMessage(std::uint8_t handshake_type) override { corrupt_handshake_type_ = handshake_type; }
  void CorruptNextRecord() override { records_.CorruptNextRecord(); }
  void CorruptNextBinder() override { corrupt_binder_ = true; }

 private:
  // ---- connection.cpp: records, alerts, transcript ----
  void Fail(const TlsAbort& abort);
  void ProcessRecords();
  void OnRecord(const Record& record);
  void OnAlert(ByteView fragment);
  void OnChangeCipherSpec(ByteView fragment);
  void OnHandshakeFragment(ByteView fragment);
  void OnHandshakeMessage(std::uint8_t type, ByteView body, ByteView whole);
  void OnPostHandshakeMessage(std::uint8_t type);
  void SendHandshake(std::uint8_t type, ByteView body);
  void FlushHandshake();
  void SendChangeCipherSpec();
  void SendAlert(std::uint8_t level, std::uint8_t description);
  void AddToTranscript(ByteView message);
  void StartTranscript();
  Bytes SessionHash();
  void FinishMasterKey(SslParameterList& params);  // sets master_key_ from ephemeral/peer keys
  void DeriveSessionKeys();
  Bytes ComputeFinished(DWORD sender);
  void CheckPeerFinished(ByteView body, DWORD sender);
  void SendFinished(DWORD sender);
  void SetNegotiated(std::uint16_t version, const SuiteInfo& suite);
  void MarkConnected();
  Bytes Randoms() const;  // client_random || server_random
  std::vector<std::uint16_t> ConfiguredSuites() const;
  std::vector<std::uint16_t> ConfiguredGroups() const;
  std::vector<std::uint16_t> ConfiguredTls13Groups() const;
  // Our certificate (a server's, or a client's for client authentication): the configured
  // credential, or one opened from the configured chain file for this connection alone.
  bool TakeOwnCredential(const std::shared_ptr<const Credential>& shared, const std::string& chain_file,
                         std::string* error);
  const std::vector<Bytes>& own_chain() const {
    static const std::vector<Bytes> kNone;
    return own_ ? own_->impl().chain : kNone;
  }
  const CertKey* own_cert() const { return own_ ? &own_->impl().leaf : nullptr; }
  // 0 without a certificate: a provider call with it fails loudly (NTE_INVALID_HANDLE).
  NCRYPT_KEY_HANDLE own_private_key() const { return own_ ? own_->impl().private_key.get() : NCRYPT_KEY_HANDLE{}; }
  Bytes TranscriptHash();  // SslComputeSessionHash of the running transcript (any version)
  bool tls13() const { return version_ == kTls13; }

  // ---- client auth, TLS 1.2 (client.cpp / server.cpp) ----
  void ClientSendCertificateVerify12();
  void ServerSendCertificateRequest12();
  void ServerOnClientCertificate(ByteView body);
  void ServerOnCertificateVerify12(ByteView body);

  // ---- tls13.cpp: both roles ----
  void OnMessage13(std::uint8_t type, ByteView body);
  void OnPostHandshakeMessage13(std::uint8_t type, ByteView body);
  ProviderObject CreateKeyShare(std::uint16_t group, Bytes* share);
  ProviderObject ImportKeyShare(std::uint16_t group, ByteView share, NCRYPT_KEY_HANDLE own_key);
  ProviderObject ImportExternalPsk(const ExternalPsk& psk);
  ProviderObject NewTranscript13(std::uint16_t suite);
  ProviderObject DuplicateTranscript(NCRYPT_HASH_HANDLE transcript);
  Bytes HashOf(NCRYPT_HASH_HANDLE transcript);
  void ReplaceTranscriptWithMessageHash(ByteView client_hello1);  // RFC 8446 §4.4.1
  void DeriveEarlySecret(NCRYPT_KEY_HANDLE psk, std::uint16_t suite);
  Bytes ComputeBinder(NCRYPT_HASH_HANDLE transcript_so_far, ByteView truncated_client_hello);
  void DeriveHandshakeSecrets(NCRYPT_KEY_HANDLE own_key, NCRYPT_KEY_HANDLE peer_key);
  void DeriveApplicationSecrets();  // after the server Finished is in the transcript
  ProviderObject RecordKey(NCRYPT_KEY_HANDLE traffic_secret);
  Bytes Finished13(NCRYPT_KEY_HANDLE traffic_secret, DWORD sender);
  void CheckPeerFinished13(ByteView body, NCRYPT_KEY_HANDLE traffic_secret, DWORD sender);
  void SendCertificate13(ByteView request_context, bool empty);
  void SendCertificateVerify13(bool server);
  void VerifyCertificateVerify13(ByteView body, bool from_server);
  std::vector<Bytes> ReadCertificate13(ByteView body, ByteView expected_context);
  void SendKeyUpdate(bool request_peer_update);
  void OnKeyUpdate(ByteView body);
  std::size_t HashLength13() const;
  std::uint64_t KeyUpdateLimit() const;

  // ---- client13.cpp ----
  Bytes ClientHelloBody13(bool retry);
  void ClientSendHello13(bool retry);
  void ClientOnServerHello13(ByteView body, bool hello_retry);
  void ClientOnHelloRetryRequest(ByteView body);
  void ClientOnEncryptedExtensions(ByteView body);
  void ClientOnCertificateRequest13(ByteView body);
  void ClientOnCertificate13(ByteView body);
  void ClientOnServerFinished13(ByteView body);
  void ClientOnNewSessionTicket(ByteView body);
  void ClientSendEarlyData();

  // ---- server13.cpp ----
  void ServerOnClientHello13(ByteView body, const std::vector<std::uint16_t>& suites, ByteView session_id);
  bool ServerAcceptPsk(ByteView body);
  std::uint16_t OfferedPskSuite(ByteView body);
  std::size_t RejectedEarlyDataBudget(std::size_t psk_limit) const;
  void ServerSendHelloRetryRequest(std::uint16_t group);
  void ServerSendFlight13();
  void ServerOnEndOfEarlyData(ByteView body);
  void ServerOnClientCertificate13(ByteView body);
  void ServerOnClientFinished13(ByteView body);
  void AcceptClientChain(const std::vector<Bytes>& chain);  // server, both versions
  void ServerSendTickets();

  // ---- client.cpp ----
  void ClientStart();
  void ClientOnMessage(std::uint8_t type, ByteView body);
  void ClientOnServerHello(ByteView body);
  void ClientOnServerHelloExtensions(Reader& extensions);
  void ClientOnCertificate(ByteView body);
  void ClientOnServerKeyExchange(ByteView body);
  void ClientReadEcdheParams(Reader& r);
  void ClientReadDheParams(Reader& r);
  void ClientPrepareKeyAgreement();
  bool ClientCreateNamedDheKey(std::size_t bits);
  void ClientOnCertificateRequest(ByteView body);
  void ClientOnServerHelloDone(ByteView body);
  void ClientSendKeyExchange();
  void ClientSendRsaKeyExchange();
  Bytes ClientHelloBody() const;
  Bytes ClientHelloExtensions() const;

  // ---- server.cpp ----
  void ServerOnMessage(std::uint8_t type, ByteView body);
  void ServerOnClientHello(ByteView body);
  void ServerReadClientExtensions(Reader& extensions, std::size_t offset_in_body);
  const SuiteInfo* ServerChooseSuite(const std::vector<std::uint16_t>& offered);
  std::uint16_t ServerCreateDheKey(std::uint16_t suite);
  void ServerSendHello();
  void ServerSendKeyExchange();
  Bytes ServerEcdheParams();
  Bytes ServerDheParams();
  void ServerOnClientKeyExchange(ByteView body);

  Config config_;
  Provider provider_;
  RecordLayer records_{provider_};
  State state_ = State::kHandshaking;
  Expect expect_ = Expect::kDone;
  Failure failure_;
  SessionInfo info_;
  bool started_ = false;
  std::chrono::steady_clock::time_point start_time_{};

  Bytes out_;                 // wire bytes for the peer
  Bytes received_;            // decrypted application data
  Bytes handshake_in_;        // handshake bytes not yet forming a complete message
  Bytes handshake_out_;       // handshake messages of the current flight, not yet framed
  Bytes transcript_pending_;  // messages seen before the suite (and so the hash) was known
  bool peer_closed_ = false, close_sent_ = false;
  int empty_records_in_a_row_ = 0;   // received, consecutive (DoS limit, connection.cpp)
  int warning_alerts_in_a_row_ = 0;  // received, consecutive, close_notify aside
  int corrupt_handshake_type_ = -1;

  const SuiteInfo* suite_ = nullptr;
  std::uint16_t version_ = 0;
  std::vector<std::uint16_t> offered_suites_;  // client
  std::vector<std::uint16_t> offered_groups_;  // client
  ProviderObject transcript_;
  ProviderObject master_key_;
  ProviderObject ephemeral_key_;  // our (EC)DHE key
  ProviderObject peer_key_;       // the peer's (EC)DHE public key
  ProviderObject peer_cert_key_;  // client: the server certificate's public key
  ProviderObject pending_read_key_, pending_write_key_;
  std::optional<CertKey> peer_cert_;  // client: the server leaf's key facts
  bool send_empty_certificate_ = false;
  bool offered_ems_ = false;
  bool sent_server_name_ = false;    // client: the ClientHello carried server_name
  bool sent_ec_extensions_ = false;  // client: ... supported_groups and ec_point_formats
  Bytes handshake_log_;              // every handshake message (TLS 1.2 CertificateVerify input)
  ByteView current_message_;         // the whole message being handled (header included)

  // client authentication (a client's own certificate is own_)
  bool client_cert_requested_ = false;
  std::vector<std::uint16_t> peer_signature_schemes_;  // from CertificateRequest / ClientHello
  Bytes certificate_request_context_;

  // TLS 1.3
  Tls13Keys k13_;
  std::vector<std::uint16_t> offered_suites13_;
  std::uint16_t key_share_group_ = 0;  // client: the group of the share in our ClientHello
  Bytes legacy_session_id_;            // echoed by the server
  Bytes cookie_;                       // client: from HelloRetryRequest
  Bytes client_hello1_;                // client: kept until ServerHello (HRR message_hash)
  bool offered_psk_ = false, offered_early_data_ = false;
  bool early_data_accepted_ = false;
  bool sent_key_update_pending_ = false;
  bool corrupt_binder_ = false;
  std::shared_ptr<const Ticket> ticket_;  // client: newest ticket received
  Bytes early_received_;                  // server: accepted 0-RTT data
  bool client_sent_supported_versions_ = false;
  std::vector<std::uint16_t> client_versions_;  // server: supported_versions
  std::vector<std::pair<std::uint16_t, Bytes>> client_key_shares_;
  std::optional<std::vector<std::uint8_t>> client_psk_modes_;
  bool client_offered_early_data_ = false;
  std::size_t pre_shared_key_offset_ = 0;  // server: where pre_shared_key's data starts in the ClientHello body
  bool pre_shared_key_last_ = true;
  bool client_sent_key_share_ = false;
  std::uint16_t selected_identity_ = 0;
  std::size_t early_data_limit_ = 0;  // server: accepted 0-RTT bytes allowed

  std::shared_ptr<const Credential> own_;  // server: our certificate; client: ours for client auth, if any

  // server
  std::uint16_t client_version_ = 0;
  bool client_secure_renegotiation_ = false;
  bool client_offered_ems_ = false;
  bool client_sent_point_formats_ = false;
  bool client_point_formats_ok_ = true;
  std::optional<std::vector<std::uint16_t>> client_groups_;
  std::optional<std::vector<std::uint16_t>> client_signature_schemes_;
  const SignatureScheme* signature_scheme_ = nullptr;
  Bytes dh_prime_, dh_generator_;  // server DHE: ours; client: from ServerKeyExchange (padded g)
  Bytes server_public_;            // client: the server's (EC)DHE public value, until verified

  friend class TicketStore;
};

// The server's record of one ticket it issued (TicketStore).
struct TicketStore::Entry {
  ProviderObject psk;
  std::uint16_t cipher_suite = 0;
  std::uint32_t age_add = 0;
  std::uint32_t max_early_data = 0;
  std::chrono::steady_clock::time_point issued{};
  std::uint32_t lifetime_seconds = 0;
};

}  // namespace opensslp::tlsdriver
