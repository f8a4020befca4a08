// connection_impl.h - the state of one TLS 1.0-1.2 connection, both roles. connection.cpp has
// the role-independent parts (records, alerts, transcript, Finished, the public API),
// client.cpp and server.cpp the role-specific handshake steps.
#pragma once

#include <chrono>
#include <cstdint>
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
  void CorruptNextHandshakeMessage(std::uint8_t handshake_type) override { corrupt_handshake_type_ = handshake_type; }
  void CorruptNextRecord() override { records_.CorruptNextRecord(); }

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
  void ServerReadClientExtensions(Reader& extensions);
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
  ProviderObject private_key_;    // server: SslOpenPrivateKey of our leaf
  ProviderObject pending_read_key_, pending_write_key_;
  std::optional<CertKey> peer_cert_;  // client: the server leaf's key facts
  bool send_empty_certificate_ = false;
  bool offered_ems_ = false;
  bool sent_server_name_ = false;    // client: the ClientHello carried server_name
  bool sent_ec_extensions_ = false;  // client: ... supported_groups and ec_point_formats

  // server
  std::vector<Bytes> chain_;
  std::optional<CertKey> own_cert_;
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
};

}  // namespace opensslp::tlsdriver
