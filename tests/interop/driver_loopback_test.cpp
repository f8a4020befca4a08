// driver_loopback_test.cpp - tools/tlsdriver against itself, in one process: the driver's client
// and server both do all their cryptography through opensslp's exports. This is a smoke test
// that the driver runs (every suite family, every version, hostile input); correctness against
// an independent TLS stack is the libssl interop matrix in the other files of this directory.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "interop_support.h"
#include "tls_driver.h"

namespace opensslp::tlsdriver {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Moves bytes both ways until nothing moves; returns false if the round limit was hit.
bool Pump(Connection& client, Connection& server) {
  for (int round = 0; round < 1000; ++round) {
    client.Process();
    Bytes c2s = client.TakeBytesToSend();
    if (!c2s.empty()) server.ReceiveBytes(c2s);
    server.Process();
    Bytes s2c = server.TakeBytesToSend();
    if (!s2c.empty()) client.ReceiveBytes(s2c);
    if (c2s.empty() && s2c.empty()) return true;
  }
  return false;
}

Config ClientConfig(std::uint16_t version, std::uint16_t suite) {
  Config c;
  c.role = Role::kClient;
  c.min_version = c.max_version = version;
  if (suite != 0) c.cipher_suites = {suite};
  c.server_name = "localhost";
  c.ca_file = interop::Pki().ca_file();
  return c;
}

Config ServerConfig(bool ecdsa, const libssl_peer::PkiLeaf* leaf = nullptr) {
  Config c;
  c.role = Role::kServer;
  const libssl_peer::PkiLeaf& l = leaf != nullptr ? *leaf : (ecdsa ? interop::Pki().ecdsa() : interop::Pki().rsa());
  c.certificate_chain_file = l.chain_file;
  return c;
}

std::unique_ptr<Connection> Make(const Config& config) {
  std::string error;
  std::unique_ptr<Connection> c = Connection::Create(config, &error);
  EXPECT_NE(c, nullptr) << error;
  return c;
}

struct LoopbackCase {
  const char* name;
  std::uint16_t version;
  std::uint16_t suite;
  bool ecdsa;
  bool ems;
  std::uint16_t group;  // 0 = default
};

class DriverLoopback : public testing::TestWithParam<LoopbackCase> {};

TEST_P(DriverLoopback, HandshakeDataExporterClose) {
  const LoopbackCase& p = GetParam();
  Config cc = ClientConfig(p.version, p.suite);
  cc.extended_master_secret = p.ems;
  Config sc = ServerConfig(p.ecdsa);
  if (p.group != 0) {
    // supported_groups also covers the server's P-256 ECDSA certificate (RFC 8422 §5.1.1); the
    // server's list decides the ECDHE group.
    cc.groups = {p.group, 23};
    sc.groups = {p.group};
  }
  auto client = Make(cc);
  auto server = Make(sc);
  ASSERT_TRUE(client && server);
  ASSERT_TRUE(Pump(*client, *server));
  ASSERT_EQ(client->state(), State::kConnected) << client->failure().reason << " / " << server->failure().reason;
  ASSERT_EQ(server->state(), State::kConnected) << server->failure().reason;

  const SessionInfo& ci = client->info();
  const SessionInfo& si = server->info();
  EXPECT_EQ(ci.version, p.version);
  EXPECT_EQ(ci.cipher_suite, p.suite);
  EXPECT_EQ(si.cipher_suite, p.suite);
  EXPECT_FALSE(ci.cipher_suite_name.empty());
  EXPECT_EQ(ci.extended_master_secret, p.ems);
  EXPECT_EQ(si.extended_master_secret, p.ems);
  EXPECT_TRUE(ci.secure_renegotiation);
  EXPECT_TRUE(ci.peer_verified);
  EXPECT_NE(ci.peer_subject.find("localhost"), std::string::npos) << ci.peer_subject;
  EXPECT_EQ(ci.client_random, si.client_random);
  EXPECT_EQ(ci.server_random, si.server_random);
  EXPECT_EQ(ci.client_finished.size(), 12u);
  EXPECT_EQ(ci.client_finished, si.client_finished);
  EXPECT_EQ(ci.server_finished, si.server_finished);
  EXPECT_EQ(ci.group, si.group);
  EXPECT_EQ(ci.group_name, si.group_name);
  if (p.group != 0) {
    EXPECT_EQ(ci.group, p.group);
  }
  EXPECT_EQ(ci.dhe_bits, si.dhe_bits);

  // Application data both ways, across several records.
  Bytes big = interop::Pattern(40000, 7);
  ASSERT_TRUE(client->Write(big));
  ASSERT_TRUE(server->Write(interop::Pattern(100, 9)));
  ASSERT_TRUE(Pump(*client, *server));
  EXPECT_EQ(server->TakeReceivedData(), big);
  EXPECT_EQ(client->TakeReceivedData(), interop::Pattern(100, 9));

  const Bytes context = {1, 2, 3};
  auto ce = client->ExportKeyingMaterial("EXPERIMENTAL test", &context, 42);
  auto se = server->ExportKeyingMaterial("EXPERIMENTAL test", &context, 42);
  ASSERT_TRUE(ce && se);
  EXPECT_EQ(*ce, *se);
  auto cn = client->ExportKeyingMaterial("EXPERIMENTAL test", nullptr, 42);
  ASSERT_TRUE(cn);
  EXPECT_NE(*cn, *ce);

  client->Close();
  ASSERT_TRUE(Pump(*client, *server));
  EXPECT_TRUE(server->peer_closed());
  EXPECT_TRUE(client->peer_closed());
  EXPECT_EQ(client->state(), State::kClosed);
  EXPECT_EQ(server->state(), State::kClosed);
}

constexpr std::uint16_t kT10 = kTls10, kT11 = kTls11, kT12 = kTls12;

INSTANTIATE_TEST_SUITE_P(
    Suites, DriverLoopback,
    testing::Values(LoopbackCase{"T12_ECDHE_ECDSA_AES128GCM", kT12, 0xC02B, true, true, 0},
                    LoopbackCase{"T12_ECDHE_ECDSA_AES256GCM_P384", kT12, 0xC02C, true, true, 24},
                    LoopbackCase{"T12_ECDHE_ECDSA_CHACHA_X25519", kT12, 0xCCA9, true, true, 29},
                    LoopbackCase{"T12_ECDHE_ECDSA_AES256CBCSHA384_P521", kT12, 0xC024, true, false, 25},
                    LoopbackCase{"T12_ECDHE_RSA_AES128GCM", kT12, 0xC02F, false, true, 0},
                    LoopbackCase{"T12_ECDHE_RSA_AES256GCM_NoEms", kT12, 0xC030, false, false, 0},
                    LoopbackCase{"T12_ECDHE_RSA_CHACHA", kT12, 0xCCA8, false, true, 0},
                    LoopbackCase{"T12_ECDHE_RSA_AES128CBCSHA256", kT12, 0xC027, false, true, 0},
                    LoopbackCase{"T12_DHE_RSA_AES128GCM", kT12, 0x009E, false, true, 0},
                    LoopbackCase{"T12_DHE_RSA_AES256CBCSHA256", kT12, 0x006B, false, false, 0},
                    LoopbackCase{"T12_RSA_AES128GCM", kT12, 0x009C, false, true, 0},
                    LoopbackCase{"T12_RSA_AES256CBCSHA_NoEms", kT12, 0x0035, false, false, 0},
                    LoopbackCase{"T11_ECDHE_RSA_AES128CBCSHA", kT11, 0xC013, false, true, 0},
                    LoopbackCase{"T11_RSA_AES128CBCSHA", kT11, 0x002F, false, true, 0},
                    LoopbackCase{"T10_ECDHE_ECDSA_AES256CBCSHA", kT10, 0xC00A, true, true, 0},
                    LoopbackCase{"T10_DHE_RSA_AES128CBCSHA", kT10, 0x0033, false, true, 0},
                    LoopbackCase{"T10_RSA_AES256CBCSHA_NoEms", kT10, 0x0035, false, false, 0}),
    [](const testing::TestParamInfo<LoopbackCase>& param) { return std::string(param.param.name); });

// ---- negotiation -------------------------------------------------------------------------------

TEST(DriverLoopbackNegotiation, DefaultsPickTls12AndAnEcdheSuite) {
  Config cc;
  cc.server_name = "localhost";
  cc.ca_file = interop::Pki().ca_file();
  auto client = Make(cc);
  auto server = Make(ServerConfig(true));
  ASSERT_TRUE(client && server);
  ASSERT_TRUE(Pump(*client, *server));
  ASSERT_EQ(client->state(), State::kConnected) << client->failure().reason << " / " << server->failure().reason;
  EXPECT_EQ(client->info().version, kTls12);
  EXPECT_NE(client->info().group, 0);
}

TEST(DriverLoopbackNegotiation, ServerRefusesVersionBelowItsMinimum) {
  auto client = Make(ClientConfig(kTls11, 0));
  Config sc = ServerConfig(false);
  sc.min_version = kTls12;
  auto server = Make(sc);
  ASSERT_TRUE(client && server);
  Pump(*client, *server);
  EXPECT_EQ(server->state(), State::kFailed);
  EXPECT_EQ(server->failure().alert, static_cast<std::uint8_t>(AlertDescription::kProtocolVersion));
  EXPECT_TRUE(client->failure().alert_received);
}

TEST(DriverLoopbackNegotiation, EcdsaOnlyClientAgainstRsaServerFails) {
  auto client = Make(ClientConfig(kTls12, 0xC02B));
  auto server = Make(ServerConfig(false));
  ASSERT_TRUE(client && server);
  Pump(*client, *server);
  EXPECT_EQ(server->failure().alert, static_cast<std::uint8_t>(AlertDescription::kHandshakeFailure));
}

TEST(DriverLoopbackNegotiation, ServerWithLowerMaximumGetsItsVersion) {
  Config cc = ClientConfig(kTls12, 0);
  cc.min_version = kTls10;
  auto client = Make(cc);
  Config sc = ServerConfig(false);
  sc.max_version = kTls11;
  auto server = Make(sc);
  ASSERT_TRUE(client && server);
  ASSERT_TRUE(Pump(*client, *server));
  ASSERT_EQ(client->state(), State::kConnected) << client->failure().reason << " / " << server->failure().reason;
  EXPECT_EQ(client->info().version, kTls11);
  EXPECT_EQ(server->info().version, kTls11);
}

// An attacker lowers client_version in the ClientHello to TLS 1.1; the TLS 1.2 server answers
// with the RFC 8446 §4.1.3 sentinel, and the client stops at the ServerHello.
TEST(DriverLoopbackNegotiation, DowngradeSentinelIsDetected) {
  Config cc = ClientConfig(kTls12, 0);
  cc.min_version = kTls10;
  auto client = Make(cc);
  auto server = Make(ServerConfig(false));
  ASSERT_TRUE(client && server);
  client->Process();
  Bytes hello = client->TakeBytesToSend();
  ASSERT_GT(hello.size(), 11u);
  ASSERT_EQ(hello[9], 3);
  ASSERT_EQ(hello[10], 3);
  hello[10] = 2;  // client_version = TLS 1.1
  server->ReceiveBytes(hello);
  server->Process();
  ASSERT_EQ(server->info().version, kTls11);
  client->ReceiveBytes(server->TakeBytesToSend());
  client->Process();
  EXPECT_EQ(client->state(), State::kFailed);
  EXPECT_EQ(client->failure().alert, static_cast<std::uint8_t>(AlertDescription::kIllegalParameter))
      << client->failure().reason;
}

// ---- certificates ------------------------------------------------------------------------------

void ExpectClientAlert(const Config& client_config, const Config& server_config, AlertDescription alert) {
  auto client = Make(client_config);
  auto server = Make(server_config);
  ASSERT_TRUE(client && server);
  Pump(*client, *server);
  EXPECT_EQ(client->state(), State::kFailed);
  EXPECT_TRUE(client->failure().alert_sent);
  EXPECT_EQ(client->failure().alert, static_cast<std::uint8_t>(alert))
      << AlertName(client->failure().alert) << ": " << client->failure().reason;
  EXPECT_TRUE(server->failure().alert_received);
}

TEST(DriverLoopbackCertificates, UnknownCa) {
  ExpectClientAlert(ClientConfig(kTls12, 0xC02F), ServerConfig(false, &interop::Pki().unknown_ca()),
                    AlertDescription::kUnknownCa);
}

TEST(DriverLoopbackCertificates, Expired) {
  ExpectClientAlert(ClientConfig(kTls12, 0xC02F), ServerConfig(false, &interop::Pki().expired()),
                    AlertDescription::kCertificateExpired);
}

TEST(DriverLoopbackCertificates, WrongHostName) {
  Config cc = ClientConfig(kTls12, 0xC02F);
  cc.server_name = "not-localhost.example";
  ExpectClientAlert(cc, ServerConfig(false), AlertDescription::kBadCertificate);
}

TEST(DriverLoopbackCertificates, InsecureClientAcceptsUnknownCa) {
  Config cc = ClientConfig(kTls12, 0xC02F);
  cc.verify_peer = false;
  auto client = Make(cc);
  auto server = Make(ServerConfig(false, &interop::Pki().unknown_ca()));
  ASSERT_TRUE(client && server);
  ASSERT_TRUE(Pump(*client, *server));
  EXPECT_EQ(client->state(), State::kConnected) << client->failure().reason;
  EXPECT_FALSE(client->info().peer_verified);
}

// ---- tampering and hostile input --------------------------------------------------------------

TEST(DriverLoopbackHostile, CorruptFinishedIsDecryptError) {
  auto client = Make(ClientConfig(kTls12, 0xC02F));
  auto server = Make(ServerConfig(false));
  ASSERT_TRUE(client && server);
  client->CorruptNextHandshakeMessage(20);
  Pump(*client, *server);
  EXPECT_EQ(server->state(), State::kFailed);
  EXPECT_EQ(server->failure().alert, static_cast<std::uint8_t>(AlertDescription::kDecryptError));
}

TEST(DriverLoopbackHostile, CorruptServerKeyExchangeIsDecryptError) {
  auto client = Make(ClientConfig(kTls12, 0xC02B));
  auto server = Make(ServerConfig(true));
  ASSERT_TRUE(client && server);
  server->CorruptNextHandshakeMessage(12);  // the first byte: curve_type, or the signed params
  Pump(*client, *server);
  EXPECT_EQ(client->state(), State::kFailed);
  EXPECT_TRUE(client->failure().alert_sent);
}

TEST(DriverLoopbackHostile, CorruptRecordIsBadRecordMac) {
  for (std::uint16_t suite : {std::uint16_t{0xC02F}, std::uint16_t{0xC027}, std::uint16_t{0xCCA8}}) {
    auto client = Make(ClientConfig(kTls12, suite));
    auto server = Make(ServerConfig(false));
    ASSERT_TRUE(client && server);
    ASSERT_TRUE(Pump(*client, *server));
    ASSERT_EQ(client->state(), State::kConnected);
    client->CorruptNextRecord();
    ASSERT_TRUE(client->Write(interop::Pattern(50, 1)));
    Pump(*client, *server);
    EXPECT_EQ(server->state(), State::kFailed);
    EXPECT_EQ(server->failure().alert, static_cast<std::uint8_t>(AlertDescription::kBadRecordMac)) << suite;
    EXPECT_TRUE(server->TakeReceivedData().empty());
  }
}

// Feeds raw bytes to a fresh server and returns the alert it sent (or -1 if it did not fail).
int ServerAlertFor(const Bytes& input) {
  auto server = Make(ServerConfig(false));
  if (!server) return -2;
  server->ReceiveBytes(input);
  server->Process();
  if (server->state() != State::kFailed) return -1;
  EXPECT_TRUE(server->failure().alert_sent);
  return server->failure().alert;
}

TEST(DriverLoopbackHostile, TruncatedRecordWaits) {
  auto server = Make(ServerConfig(false));
  ASSERT_TRUE(server);
  server->ReceiveBytes(Bytes{22, 3, 1, 0, 50, 1, 0});  // 50 announced, 2 present
  EXPECT_EQ(server->Process(), State::kHandshaking);
  EXPECT_TRUE(server->TakeBytesToSend().empty());
}

TEST(DriverLoopbackHostile, OversizeRecordIsRecordOverflow) {
  EXPECT_EQ(ServerAlertFor({22, 3, 1, 0x40, 0x01}), static_cast<int>(AlertDescription::kRecordOverflow));
}

TEST(DriverLoopbackHostile, UnknownContentTypeIsUnexpectedMessage) {
  EXPECT_EQ(ServerAlertFor({99, 3, 1, 0, 1, 0}), static_cast<int>(AlertDescription::kUnexpectedMessage));
}

TEST(DriverLoopbackHostile, TruncatedClientHelloIsDecodeError) {
  // A complete handshake message whose body is a ClientHello cut after the version.
  EXPECT_EQ(ServerAlertFor({22, 3, 1, 0, 6, 1, 0, 0, 2, 3, 3}), static_cast<int>(AlertDescription::kDecodeError));
}

TEST(DriverLoopbackHostile, GarbageHandshakeFails) {
  Bytes record = {22, 3, 1, 0, 40};
  Bytes body = interop::Pattern(40, 3);
  body[0] = 1;  // ClientHello
  body[1] = 0;
  body[2] = 0;
  body[3] = 36;
  record.insert(record.end(), body.begin(), body.end());
  const int alert = ServerAlertFor(record);
  EXPECT_GE(alert, 0);
  EXPECT_NE(alert, static_cast<int>(AlertDescription::kInternalError));
}

TEST(DriverLoopbackHostile, EveryTruncationOfAClientHelloIsHandled) {
  auto client = Make(ClientConfig(kTls12, 0));
  ASSERT_TRUE(client);
  client->Process();
  const Bytes hello = client->TakeBytesToSend();
  ASSERT_GT(hello.size(), 9u);
  // Shorten the handshake body while keeping record and handshake lengths consistent.
  for (std::size_t body_len = 0; body_len + 9 < hello.size(); body_len += 7) {
    Bytes cut = {22, 3, 1, static_cast<std::uint8_t>((body_len + 4) >> 8), static_cast<std::uint8_t>(body_len + 4), 1, 0,
                 static_cast<std::uint8_t>(body_len >> 8), static_cast<std::uint8_t>(body_len)};
    cut.insert(cut.end(), hello.begin() + 9, hello.begin() + 9 + static_cast<std::ptrdiff_t>(body_len));
    const int alert = ServerAlertFor(cut);
    EXPECT_GE(alert, 0) << body_len;
    EXPECT_NE(alert, static_cast<int>(AlertDescription::kInternalError)) << body_len;
  }
}

TEST(DriverLoopbackHostile, ApplicationDataBeforeHandshakeIsUnexpected) {
  EXPECT_EQ(ServerAlertFor({23, 3, 1, 0, 1, 0}), static_cast<int>(AlertDescription::kUnexpectedMessage));
}

// ---- mutation: every byte of a flight, flipped --------------------------------------------------

// Flips each byte (one at a time, stepping by `step`) of the server's first flight before the
// client sees it. The client must fail with an alert or keep waiting, never crash, never connect
// (the signature or Finished covers everything), and never report internal_error for what is
// the peer's fault.
void MutateServerFlight(std::uint16_t suite, bool ecdsa, std::size_t step) {
  for (std::size_t pos = 0;; pos += step) {
    auto client = Make(ClientConfig(kTls12, suite));
    auto server = Make(ServerConfig(ecdsa));
    ASSERT_TRUE(client && server);
    client->Process();
    server->ReceiveBytes(client->TakeBytesToSend());
    server->Process();
    Bytes flight = server->TakeBytesToSend();
    if (pos >= flight.size()) return;
    flight[pos] ^= 0x5A;
    client->ReceiveBytes(flight);
    const State state = client->Process();
    EXPECT_NE(state, State::kConnected) << pos;
    if (state == State::kFailed) {
      EXPECT_TRUE(client->failure().alert_sent) << pos;
      EXPECT_NE(client->failure().alert, static_cast<std::uint8_t>(AlertDescription::kInternalError))
          << pos << ": " << client->failure().reason;
    }
  }
}

TEST(DriverLoopbackHostile, MutatedServerFlightEcdheEcdsa) { MutateServerFlight(0xC02B, true, 3); }
TEST(DriverLoopbackHostile, MutatedServerFlightDheRsa) { MutateServerFlight(0x009E, false, 11); }
TEST(DriverLoopbackHostile, MutatedServerFlightRsa) { MutateServerFlight(0x009C, false, 5); }

// The same for the client's second flight (ClientKeyExchange, ChangeCipherSpec, Finished).
TEST(DriverLoopbackHostile, MutatedClientKeyExchangeFlight) {
  for (std::size_t pos = 0;; ++pos) {
    auto client = Make(ClientConfig(kTls12, 0xC02F));
    auto server = Make(ServerConfig(false));
    ASSERT_TRUE(client && server);
    client->Process();
    server->ReceiveBytes(client->TakeBytesToSend());
    server->Process();
    client->ReceiveBytes(server->TakeBytesToSend());
    client->Process();
    Bytes flight = client->TakeBytesToSend();
    if (pos >= flight.size()) return;
    flight[pos] ^= 0x01;
    server->ReceiveBytes(flight);
    const State state = server->Process();
    EXPECT_NE(state, State::kConnected) << pos;
    if (state == State::kFailed) {
      EXPECT_NE(server->failure().alert, static_cast<std::uint8_t>(AlertDescription::kInternalError))
          << pos << ": " << server->failure().reason;
    }
  }
}

// ---- renegotiation is refused (RFC 5746 §4.2, §4.4) ---------------------------------------------

// A bare libssl endpoint on memory BIOs: libssl_peer has no renegotiation hook, and this test
// needs one. OpenSSL answers our no_renegotiation warning with a fatal handshake_failure and
// SSL_R_NO_RENEGOTIATION, which is how the test sees that the warning was sent.
class RawLibssl {
 public:
  explicit RawLibssl(bool server) {
    ctx_ = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx_, TLS1_2_VERSION);
    if (server) {
      SSL_CTX_use_certificate_chain_file(ctx_, interop::Pki().rsa().chain_file.c_str());
      SSL_CTX_use_PrivateKey_file(ctx_, interop::Pki().rsa().key_file.c_str(), SSL_FILETYPE_PEM);
    }
    ssl_ = SSL_new(ctx_);
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl_, in_, out_);  // ssl_ owns both
    if (server) {
      SSL_set_accept_state(ssl_);
    } else {
      SSL_set_connect_state(ssl_);
    }
  }
  ~RawLibssl() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    ERR_clear_error();
  }
  RawLibssl(const RawLibssl&) = delete;
  RawLibssl& operator=(const RawLibssl&) = delete;

  // One exchange with the driver: our bytes in, libssl steps, libssl's bytes out.
  void Exchange(Connection& peer) {
    for (int round = 0; round < 50; ++round) {
      peer.Process();
      Bytes to_us = peer.TakeBytesToSend();
      if (!to_us.empty()) BIO_write(in_, to_us.data(), static_cast<int>(to_us.size()));
      Step();
      Bytes to_peer(static_cast<std::size_t>(BIO_ctrl_pending(out_)));
      if (!to_peer.empty()) BIO_read(out_, to_peer.data(), static_cast<int>(to_peer.size()));
      if (!to_peer.empty()) peer.ReceiveBytes(to_peer);
      if (to_us.empty() && to_peer.empty()) return;
    }
  }
  void Step() {
    // A renegotiating client drives its new handshake; a server that sent HelloRequest
    // (Renegotiate) reads, which is where the client's answer shows up.
    if (!SSL_is_init_finished(ssl_) || (SSL_renegotiate_pending(ssl_) && !SSL_is_server(ssl_))) {
      last_ = SSL_do_handshake(ssl_);
    } else {
      std::uint8_t buf[256];
      last_ = SSL_read(ssl_, buf, sizeof buf);
    }
    if (last_ <= 0 && SSL_get_error(ssl_, last_) == SSL_ERROR_SSL && reason_ == 0) {
      reason_ = ERR_GET_REASON(ERR_peek_last_error());
    }
    ERR_clear_error();
  }
  bool connected() const { return SSL_is_init_finished(ssl_) != 0; }
  // Client: the next Step sends a ClientHello. Server: sends HelloRequest now.
  void Renegotiate() {
    ASSERT_EQ(SSL_renegotiate(ssl_), 1);
    if (SSL_is_server(ssl_)) last_ = SSL_do_handshake(ssl_);
  }
  // The reason of libssl's first failure, e.g. SSL_R_NO_RENEGOTIATION.
  int FailureReason() const { return reason_; }

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;
  BIO* out_ = nullptr;
  int last_ = 0;
  int reason_ = 0;
};

TEST(DriverRenegotiation, ServerRefusesAClientHelloAfterTheHandshake) {
  Config sc = ServerConfig(false);
  sc.min_version = kTls12;
  auto server = Make(sc);
  ASSERT_TRUE(server);
  RawLibssl client(false);
  client.Exchange(*server);
  ASSERT_TRUE(client.connected());
  ASSERT_EQ(server->state(), State::kConnected) << server->failure().reason;
  client.Renegotiate();
  client.Exchange(*server);
  EXPECT_EQ(client.FailureReason(), SSL_R_NO_RENEGOTIATION);
  // libssl ends the connection with a fatal alert; we did not.
  EXPECT_FALSE(server->failure().alert_sent);
  EXPECT_TRUE(server->failure().alert_received);
}

TEST(DriverRenegotiation, ClientRefusesAHelloRequest) {
  Config cc = ClientConfig(kTls12, 0xC02F);
  auto client = Make(cc);
  ASSERT_TRUE(client);
  RawLibssl server(true);
  server.Exchange(*client);
  ASSERT_EQ(client->state(), State::kConnected) << client->failure().reason;
  server.Renegotiate();
  server.Exchange(*client);
  EXPECT_EQ(server.FailureReason(), SSL_R_NO_RENEGOTIATION);
  EXPECT_FALSE(client->failure().alert_sent);
  EXPECT_TRUE(client->failure().alert_received);
}

}  // namespace
}  // namespace opensslp::tlsdriver
