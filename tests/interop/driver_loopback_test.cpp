// driver_loopback_test.cpp - tools/tlsdriver against itself, in one process: the driver's client
// and server both do all their cryptography through opensslp's exports. This is a smoke test
// that the driver runs (every suite family, every version, hostile input); correctness against
// an independent TLS stack is the libssl interop matrix in the other files of this directory.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "certificates.h"
#include "connection_impl.h"
#include "interop_support.h"
#include "provider.h"
#include "tls_driver.h"
#include "tlswire/pump.h"
#include "wire.h"

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

// ---- editing a plaintext flight ------------------------------------------------------------------

// The extensions of a hello, in order.
using Extensions = std::vector<std::pair<std::uint16_t, Bytes>>;

std::uint32_t Be(const Bytes& b, std::size_t pos, int n) {
  std::uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | b.at(pos + static_cast<std::size_t>(i));
  return v;
}

void PutBe(Bytes& out, std::uint32_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// Rewrites the extensions of the ClientHello or ServerHello that starts a plaintext flight (all
// records of type handshake), fixing every length, and frames the result again. `edit` may only
// read them (to inspect a hello) or change them.
Bytes EditHelloExtensions(const Bytes& flight, const std::function<void(Extensions&)>& edit) {
  Bytes handshake;
  std::size_t pos = 0;
  const std::uint32_t record_version = Be(flight, 1, 2);
  while (pos < flight.size()) {
    EXPECT_EQ(flight.at(pos), 22) << "not a plaintext handshake flight";
    const std::size_t len = Be(flight, pos + 3, 2);
    handshake.insert(handshake.end(), flight.begin() + static_cast<std::ptrdiff_t>(pos + 5),
                     flight.begin() + static_cast<std::ptrdiff_t>(pos + 5 + len));
    pos += 5 + len;
  }
  const std::uint8_t type = handshake.at(0);
  const std::size_t body_len = Be(handshake, 1, 3);
  const Bytes body(handshake.begin() + 4, handshake.begin() + 4 + static_cast<std::ptrdiff_t>(body_len));
  const Bytes rest(handshake.begin() + 4 + static_cast<std::ptrdiff_t>(body_len), handshake.end());
  std::size_t p = 2 + 32;  // version, random
  p += 1 + body.at(p);     // session_id
  if (type == 1) {         // ClientHello: cipher_suites, compression_methods
    p += 2 + Be(body, p, 2);
    p += 1 + body.at(p);
  } else {  // ServerHello: cipher_suite, compression_method
    p += 3;
  }
  Bytes out_body(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(p));
  Extensions extensions;
  if (p < body.size()) {
    const std::size_t end = p + 2 + Be(body, p, 2);
    for (p += 2; p < end;) {
      const auto ext_type = static_cast<std::uint16_t>(Be(body, p, 2));
      const std::size_t len = Be(body, p + 2, 2);
      extensions.emplace_back(ext_type, Bytes(body.begin() + static_cast<std::ptrdiff_t>(p + 4),
                                              body.begin() + static_cast<std::ptrdiff_t>(p + 4 + len)));
      p += 4 + len;
    }
  }
  edit(extensions);
  Bytes block;
  for (const auto& [ext_type, data] : extensions) {
    PutBe(block, ext_type, 2);
    PutBe(block, static_cast<std::uint32_t>(data.size()), 2);
    block.insert(block.end(), data.begin(), data.end());
  }
  if (type == 1 || !block.empty()) {
    PutBe(out_body, static_cast<std::uint32_t>(block.size()), 2);
    out_body.insert(out_body.end(), block.begin(), block.end());
  }
  Bytes new_handshake = {type};
  PutBe(new_handshake, static_cast<std::uint32_t>(out_body.size()), 3);
  new_handshake.insert(new_handshake.end(), out_body.begin(), out_body.end());
  new_handshake.insert(new_handshake.end(), rest.begin(), rest.end());
  Bytes out;
  for (std::size_t q = 0; q < new_handshake.size(); q += 16384) {
    const std::size_t n = std::min<std::size_t>(16384, new_handshake.size() - q);
    out.push_back(22);
    PutBe(out, record_version, 2);
    PutBe(out, static_cast<std::uint32_t>(n), 2);
    out.insert(out.end(), new_handshake.begin() + static_cast<std::ptrdiff_t>(q),
               new_handshake.begin() + static_cast<std::ptrdiff_t>(q + n));
  }
  return out;
}

Extensions HelloExtensions(const Bytes& flight) {
  Extensions seen;
  EditHelloExtensions(flight, [&](Extensions& e) { seen = e; });
  return seen;
}

const Bytes* FindExtension(const Extensions& extensions, std::uint16_t type) {
  for (const auto& [t, data] : extensions) {
    if (t == type) return &data;
  }
  return nullptr;
}

void RemoveExtension(Extensions& extensions, std::uint16_t type) {
  std::erase_if(extensions, [&](const auto& e) { return e.first == type; });
}

// A list of 16-bit values as a supported_groups / signature_algorithms extension body.
Bytes U16ListBody(const std::vector<std::uint16_t>& values) {
  Bytes body;
  PutBe(body, static_cast<std::uint32_t>(2 * values.size()), 2);
  for (std::uint16_t v : values) PutBe(body, v, 2);
  return body;
}

// The client's ClientHello, after `edit`, fed to the server; returns nothing (inspect both).
void SendEditedClientHello(Connection& client, Connection& server, const std::function<void(Extensions&)>& edit) {
  client.Process();
  server.ReceiveBytes(EditHelloExtensions(client.TakeBytesToSend(), edit));
  server.Process();
}

// ---- negotiation -------------------------------------------------------------------------------

TEST(DriverLoopbackNegotiation, DefaultsPickTls13AndAGroup) {
  Config cc;
  cc.server_name = "localhost";
  cc.ca_file = interop::Pki().ca_file();
  auto client = Make(cc);
  auto server = Make(ServerConfig(true));
  ASSERT_TRUE(client && server);
  ASSERT_TRUE(Pump(*client, *server));
  ASSERT_EQ(client->state(), State::kConnected) << client->failure().reason << " / " << server->failure().reason;
  EXPECT_EQ(client->info().version, kTls13);
  EXPECT_EQ(server->info().version, kTls13);
  EXPECT_GE(client->info().cipher_suite, 0x1301);
  EXPECT_LE(client->info().cipher_suite, 0x1303);
  EXPECT_NE(client->info().group, 0);
  EXPECT_FALSE(client->info().hello_retry_request);
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
    Bytes cut = {22,
                 3,
                 1,
                 static_cast<std::uint8_t>((body_len + 4) >> 8),
                 static_cast<std::uint8_t>(body_len + 4),
                 1,
                 0,
                 static_cast<std::uint8_t>(body_len >> 8),
                 static_cast<std::uint8_t>(body_len)};
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

// ---- security review fixes (A1, A5-A9) ----------------------------------------------------------

// A1: a verifying client needs the name to check the certificate against; without it the chain
// would be accepted for whatever name it carries.
TEST(DriverLoopbackCertificates, VerifyingClientNeedsServerName) {
  Config cc = ClientConfig(kTls12, 0xC02F);
  cc.server_name.clear();
  std::string error;
  EXPECT_EQ(Connection::Create(cc, &error), nullptr);
  EXPECT_EQ(error, "verify_peer needs server_name: the name (or IP address) to check the certificate against");
  // Not verifying: no name needed (and no SNI sent).
  cc.verify_peer = false;
  auto client = Make(cc);
  ASSERT_TRUE(client);
  client->Process();
  EXPECT_EQ(FindExtension(HelloExtensions(client->TakeBytesToSend()), 0), nullptr);
}

TEST(DriverLoopbackCertificates, ChainCheckWithoutHostNameFails) {
  std::string error;
  const std::vector<Bytes> chain = LoadPemChain(interop::Pki().rsa().chain_file, &error);
  ASSERT_FALSE(chain.empty()) << error;
  EXPECT_TRUE(VerifyServerChain(chain, interop::Pki().ca_file(), "localhost").ok);
  const ChainCheck check = VerifyServerChain(chain, interop::Pki().ca_file(), "");
  EXPECT_FALSE(check.ok);
  EXPECT_EQ(check.alert, AlertDescription::kInternalError) << check.reason;
}

// An address literal is never sent as SNI (RFC 6066 §3) and is checked as an address: the test
// PKI's leaves carry only dNSName localhost, so 127.0.0.1 does not match them.
TEST(DriverLoopbackCertificates, AddressLiteralIsNotSniAndIsCheckedAsAnAddress) {
  for (const char* address : {"127.0.0.1", "::1"}) {
    Config cc = ClientConfig(kTls12, 0xC02F);
    cc.server_name = address;
    auto client = Make(cc);
    auto server = Make(ServerConfig(false));
    ASSERT_TRUE(client && server);
    client->Process();
    const Bytes hello = client->TakeBytesToSend();
    EXPECT_EQ(FindExtension(HelloExtensions(hello), 0), nullptr) << address;
    server->ReceiveBytes(hello);
    Pump(*client, *server);
    EXPECT_EQ(client->state(), State::kFailed) << address;
    EXPECT_EQ(client->failure().alert, static_cast<std::uint8_t>(AlertDescription::kBadCertificate))
        << client->failure().reason;
    EXPECT_NE(client->failure().reason.find("address"), std::string::npos) << client->failure().reason;
  }
}

// The positive side of X509_check_ip_asc: a leaf with an iPAddress SAN made here with OpenSSL
// (a P-256 CA and leaf; nothing of the driver's).
struct IpCertificate {
  Bytes leaf_der;
  std::string ca_file;
  ~IpCertificate() {
    if (!ca_file.empty()) std::remove(ca_file.c_str());
  }
};

bool AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

X509* MakeCert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, bool ca, const char* san) {
  X509* x = X509_new();
  if (x == nullptr) return nullptr;
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), ca ? 1 : 2);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(x, X509_get_subject_name(issuer != nullptr ? issuer : x));
  X509_set_pubkey(x, key);
  X509* signer = issuer != nullptr ? issuer : x;
  bool ok = AddExt(x, signer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  if (ca) ok = ok && AddExt(x, signer, NID_key_usage, "critical,keyCertSign");
  if (san != nullptr) ok = ok && AddExt(x, signer, NID_subject_alt_name, san);
  if (!ok || X509_sign(x, issuer_key != nullptr ? issuer_key : key, EVP_sha256()) <= 0) {
    X509_free(x);
    return nullptr;
  }
  return x;
}

bool MakeIpCertificate(IpCertificate* out) {
  EVP_PKEY* ca_key = EVP_EC_gen("P-256");
  EVP_PKEY* leaf_key = EVP_EC_gen("P-256");
  X509* ca = ca_key != nullptr ? MakeCert(ca_key, "ip test CA", nullptr, nullptr, true, nullptr) : nullptr;
  X509* leaf = ca != nullptr && leaf_key != nullptr
                   ? MakeCert(leaf_key, "ip test leaf", ca, ca_key, false, "IP:127.0.0.1,IP:::1")
                   : nullptr;
  bool ok = leaf != nullptr;
  if (ok) {
    unsigned char* der = nullptr;
    const int len = i2d_X509(leaf, &der);
    ok = len > 0;
    if (ok) out->leaf_der.assign(der, der + len);
    OPENSSL_free(der);
  }
  if (ok) {
    out->ca_file = (std::filesystem::temp_directory_path() /
                    ("opensslp-ip-ca-" + std::to_string(reinterpret_cast<std::uintptr_t>(out)) + ".pem"))
                       .string();
    BIO* bio = BIO_new_file(out->ca_file.c_str(), "w");
    ok = bio != nullptr && PEM_write_bio_X509(bio, ca) == 1;
    if (bio != nullptr) ok = BIO_free(bio) == 1 && ok;
  }
  X509_free(leaf);
  X509_free(ca);
  EVP_PKEY_free(leaf_key);
  EVP_PKEY_free(ca_key);
  return ok;
}

TEST(DriverLoopbackCertificates, AddressLiteralMatchesAnIpAddressSan) {
  IpCertificate cert;
  ASSERT_TRUE(MakeIpCertificate(&cert));
  const std::vector<Bytes> chain = {cert.leaf_der};
  EXPECT_TRUE(VerifyServerChain(chain, cert.ca_file, "127.0.0.1").ok);
  EXPECT_TRUE(VerifyServerChain(chain, cert.ca_file, "::1").ok);
  const ChainCheck other = VerifyServerChain(chain, cert.ca_file, "127.0.0.2");
  EXPECT_FALSE(other.ok);
  EXPECT_EQ(other.alert, AlertDescription::kBadCertificate);
  // An address is not matched as a DNS name, nor a malformed literal as anything.
  EXPECT_FALSE(VerifyServerChain(chain, cert.ca_file, "localhost").ok);
  EXPECT_FALSE(VerifyServerChain(chain, cert.ca_file, "127.0.0").ok);
  EXPECT_TRUE(IsAddressLiteral("127.0.0.1"));
  EXPECT_TRUE(IsAddressLiteral("::1"));
  EXPECT_FALSE(IsAddressLiteral("localhost"));
  EXPECT_FALSE(IsAddressLiteral(""));
}

// A5 (RFC 9155 §2): a TLS 1.2 ClientHello offers no SHA-1 (or MD5) signature scheme.
TEST(DriverLoopbackSignatures, ClientOffersNoSha1OrMd5) {
  auto client = Make(ClientConfig(kTls12, 0));
  ASSERT_TRUE(client);
  client->Process();
  const Extensions extensions = HelloExtensions(client->TakeBytesToSend());
  const Bytes* schemes = FindExtension(extensions, 13);
  ASSERT_NE(schemes, nullptr);
  ASSERT_GE(schemes->size(), 4u);
  for (std::size_t i = 2; i + 1 < schemes->size(); i += 2) {
    const std::uint8_t hash = (*schemes)[i];  // RFC 5246 HashAlgorithm: md5(1), sha1(2)
    EXPECT_TRUE(hash != 1 && hash != 2) << "offered scheme 0x" << std::hex << (hash << 8 | (*schemes)[i + 1]);
  }
}

// A5 (RFC 9155 §4): a client that offers only SHA-1 schemes gets no signed suite from us.
TEST(DriverLoopbackSignatures, ServerNeverSelectsSha1FromAnOffer) {
  for (const bool ecdsa : {false, true}) {
    auto client = Make(ClientConfig(kTls12, ecdsa ? 0xC02B : 0xC02F));
    auto server = Make(ServerConfig(ecdsa));
    ASSERT_TRUE(client && server);
    SendEditedClientHello(*client, *server, [](Extensions& e) {
      RemoveExtension(e, 13);
      e.emplace_back(13, U16ListBody({0x0201, 0x0203}));
    });
    EXPECT_EQ(server->state(), State::kFailed) << ecdsa;
    EXPECT_EQ(server->failure().alert, static_cast<std::uint8_t>(AlertDescription::kHandshakeFailure))
        << server->failure().reason;
  }
}

// A5 (RFC 9155 §4): the driver server still follows RFC 5246 §7.4.1.4.1's SHA-1 default for a
// TLS 1.2 ClientHello without signature_algorithms (removed here on the wire); the client, which
// offered no SHA-1 scheme, must refuse that ServerKeyExchange with illegal_parameter.
TEST(DriverLoopbackSignatures, ClientRefusesSha1ServerKeyExchange) {
  for (const bool ecdsa : {false, true}) {
    auto client = Make(ClientConfig(kTls12, ecdsa ? 0xC02B : 0xC02F));
    auto server = Make(ServerConfig(ecdsa));
    ASSERT_TRUE(client && server);
    SendEditedClientHello(*client, *server, [](Extensions& e) { RemoveExtension(e, 13); });
    ASSERT_EQ(server->state(), State::kHandshaking) << server->failure().reason;
    client->ReceiveBytes(server->TakeBytesToSend());
    client->Process();
    EXPECT_EQ(client->state(), State::kFailed) << ecdsa;
    EXPECT_TRUE(client->failure().alert_sent);
    EXPECT_EQ(client->failure().alert, static_cast<std::uint8_t>(AlertDescription::kIllegalParameter))
        << client->failure().reason;
    EXPECT_NE(client->failure().reason.find("ServerKeyExchange"), std::string::npos) << client->failure().reason;
  }
}

// A6 (RFC 5246 §7.4.1.4): ServerHello extensions answering something the client did not send.
void ExpectUnsolicitedServerHelloExtension(Config cc, std::uint16_t type, const Bytes& body) {
  auto client = Make(cc);
  auto server = Make(ServerConfig(false));
  ASSERT_TRUE(client && server);
  client->Process();
  const Bytes hello = client->TakeBytesToSend();
  ASSERT_EQ(FindExtension(HelloExtensions(hello), type), nullptr) << "the client sent extension " << type;
  server->ReceiveBytes(hello);
  server->Process();
  client->ReceiveBytes(
      EditHelloExtensions(server->TakeBytesToSend(), [&](Extensions& e) { e.emplace_back(type, body); }));
  client->Process();
  EXPECT_EQ(client->state(), State::kFailed);
  EXPECT_TRUE(client->failure().alert_sent);
  EXPECT_EQ(client->failure().alert, static_cast<std::uint8_t>(AlertDescription::kUnsupportedExtension))
      << AlertName(client->failure().alert) << ": " << client->failure().reason;
}

TEST(DriverLoopbackExtensions, EcPointFormatsWithoutAnEccOfferIsUnsupportedExtension) {
  ExpectUnsolicitedServerHelloExtension(ClientConfig(kTls12, 0x009C), 11, Bytes{1, 0});
}

TEST(DriverLoopbackExtensions, ServerNameAckWithoutSniIsUnsupportedExtension) {
  Config cc = ClientConfig(kTls12, 0xC02F);
  cc.server_name = "127.0.0.1";  // set, but an address: no SNI
  cc.verify_peer = false;
  ExpectUnsolicitedServerHelloExtension(cc, 0, Bytes{});
}

// The solicited cases still work: a libssl server acknowledges SNI and sends ec_point_formats.
TEST(DriverLoopbackExtensions, SolicitedAnswersAreAccepted) {
  auto client = Make(ClientConfig(kTls12, 0xC02F));
  ASSERT_TRUE(client);
  RawLibssl server(true);
  server.Exchange(*client);
  EXPECT_EQ(client->state(), State::kConnected) << client->failure().reason;
}

// A7: empty application-data records and warning alerts, without progress, are limited (32 and
// 5 in a row, OpenSSL's limits).
TEST(DriverLoopbackHostile, TooManyEmptyRecordsIsUnexpectedMessage) {
  auto client = Make(ClientConfig(kTls12, 0xC02F));
  auto server = Make(ServerConfig(false));
  ASSERT_TRUE(client && server);
  ASSERT_TRUE(Pump(*client, *server));
  ASSERT_EQ(server->state(), State::kConnected);
  const Bytes none;
  for (int i = 0; i < 32; ++i) ASSERT_TRUE(client->Write(none));
  ASSERT_TRUE(client->Write(Bytes{1}));  // resets the count
  for (int i = 0; i < 32; ++i) ASSERT_TRUE(client->Write(none));
  Pump(*client, *server);
  ASSERT_EQ(server->state(), State::kConnected) << server->failure().reason;
  EXPECT_EQ(server->TakeReceivedData(), Bytes{1});
  ASSERT_TRUE(client->Write(none));  // the 33rd in a row
  Pump(*client, *server);
  EXPECT_EQ(server->state(), State::kFailed);
  EXPECT_TRUE(server->failure().alert_sent);
  EXPECT_EQ(server->failure().alert, static_cast<std::uint8_t>(AlertDescription::kUnexpectedMessage))
      << server->failure().reason;
}

TEST(DriverLoopbackHostile, TooManyWarningAlertsIsUnexpectedMessage) {
  const Bytes user_canceled = {21, 3, 1, 0, 2, 1, 90};
  Bytes four, five;
  for (int i = 0; i < 4; ++i) four.insert(four.end(), user_canceled.begin(), user_canceled.end());
  five = four;
  five.insert(five.end(), user_canceled.begin(), user_canceled.end());
  EXPECT_EQ(ServerAlertFor(four), -1);
  EXPECT_EQ(ServerAlertFor(five), static_cast<int>(AlertDescription::kUnexpectedMessage));
  // Five alerts in one record count as five.
  EXPECT_EQ(ServerAlertFor({21, 3, 1, 0, 10, 1, 90, 1, 90, 1, 90, 1, 90, 1, 90}),
            static_cast<int>(AlertDescription::kUnexpectedMessage));
}

// A8 (RFC 7919 §4): the client names FFDHE groups, none usable (511 is in the FFDHE range but
// unknown): no DHE suite, and with only DHE offered, handshake_failure - not ffdhe2048, not
// internal_error.
TEST(DriverLoopbackNegotiation, NoUsableClientFfdheGroupMeansNoDheSuite) {
  auto client = Make(ClientConfig(kTls12, 0x009E));
  auto server = Make(ServerConfig(false));
  ASSERT_TRUE(client && server);
  SendEditedClientHello(*client, *server, [](Extensions& e) {
    ASSERT_EQ(FindExtension(e, 10), nullptr);  // a DHE-only offer carries no supported_groups
    e.emplace_back(10, U16ListBody({0x01FF}));
  });
  EXPECT_EQ(server->state(), State::kFailed);
  EXPECT_EQ(server->failure().alert, static_cast<std::uint8_t>(AlertDescription::kHandshakeFailure))
      << server->failure().reason;
}

TEST(DriverLoopbackNegotiation, DheUsesTheClientsFirstUsableFfdheGroup) {
  auto client = Make(ClientConfig(kTls12, 0x009E));
  auto server = Make(ServerConfig(false));
  ASSERT_TRUE(client && server);
  SendEditedClientHello(*client, *server, [](Extensions& e) {
    e.emplace_back(10, U16ListBody({0x01FF, 23, 257, 256}));
  });
  ASSERT_EQ(server->state(), State::kHandshaking) << server->failure().reason;
  EXPECT_EQ(server->info().group, 257);
  EXPECT_EQ(server->info().dhe_bits, 3072);
}

// A9: SslParameterList holds four buffers; a fifth is a driver bug reported as internal_error,
// not a write past the array.
TEST(DriverParameterList, FifthBufferIsRefused) {
  const Bytes random(32, 7);
  SslParameterList params(random, random);
  params.AddHighestVersion(kTls12);
  params.AddHighestVersion(kTls12);
  try {
    params.AddHighestVersion(kTls12);
    ADD_FAILURE() << "a fifth buffer was accepted";
  } catch (const TlsAbort& abort) {
    EXPECT_EQ(abort.alert, AlertDescription::kInternalError);
  }
  EXPECT_EQ(params.get()->cBuffers, 4u);
}

// With extended master secret the driver passes the session hash and no randoms, as Schannel is
// reported to (docs/reference/caller-semantics.md#parameter-lists; docs/key-log.md).
TEST(DriverParameterList, SessionHashReplacesTheRandoms) {
  const Bytes random(32, 7), hash(48, 9);
  SslParameterList params(random, random);
  params.AddHighestVersion(kTls12);
  params.AddSessionHash(hash);
  const NCryptBufferDesc* desc = params.get();
  ASSERT_EQ(desc->cBuffers, 2u);
  EXPECT_EQ(desc->pBuffers[0].BufferType, static_cast<ULONG>(NCRYPTBUFFER_SSL_HIGHEST_VERSION));
  EXPECT_EQ(desc->pBuffers[1].BufferType, static_cast<ULONG>(NCRYPTBUFFER_SSL_SESSION_HASH));
  EXPECT_EQ(desc->pBuffers[1].cbBuffer, 48u);
}

// ---- TLS 1.3 against libssl: features the interop matrix does not reach ----------------------------

// RFC 8446 §4.1.4: the key share the client sent first (x448) is not one the server takes.
TEST(DriverTls13, ClientAnswersLibsslHelloRetryRequest) {
  Config cc;
  cc.server_name = "localhost";
  cc.ca_file = opensslp::interop::Pki().ca_file();
  cc.groups = {30, 29};
  libssl_peer::PeerConfig pc;
  pc.role = libssl_peer::Role::kServer;
  pc.max_version = libssl_peer::kTls13;
  pc.groups = {29};
  pc.credentials = {{opensslp::interop::Pki().ecdsa().chain_file, opensslp::interop::Pki().ecdsa().key_file}};
  std::string error;
  auto client = Make(cc);
  auto server = libssl_peer::Peer::Create(pc, &error);
  ASSERT_TRUE(client && server) << error;
  tlswire::Pump(*client, *server);
  ASSERT_EQ(client->state(), State::kConnected) << client->failure().reason << " / " << server->failure().reason;
  EXPECT_TRUE(client->info().hello_retry_request);
  EXPECT_TRUE(server->info().hello_retry_request);
  EXPECT_EQ(client->info().group, 29);
}

// RFC 8446 §5.5: before the key's limit the driver sends KeyUpdate(update_not_requested) by itself
// and goes on with the next key; libssl follows every update and gets all the data.
TEST(DriverTls13, AutomaticKeyUpdateBeforeTheLimitBothRoles) {
  for (bool driver_is_client : {true, false}) {
    SCOPED_TRACE(driver_is_client ? "driver client" : "driver server");
    Config ours = driver_is_client ? ClientConfig(kTls13, 0x1301) : ServerConfig(true);
    ours.key_update_after_records = 3;
    libssl_peer::PeerConfig theirs;
    theirs.role = driver_is_client ? libssl_peer::Role::kServer : libssl_peer::Role::kClient;
    theirs.max_version = libssl_peer::kTls13;
    if (driver_is_client) {
      theirs.credentials = {{opensslp::interop::Pki().ecdsa().chain_file, opensslp::interop::Pki().ecdsa().key_file}};
    } else {
      theirs.ca_file = opensslp::interop::Pki().ca_file();
      theirs.verify_hostname = theirs.server_name = "localhost";
    }
    std::string error;
    auto driver = Make(ours);
    auto peer = libssl_peer::Peer::Create(theirs, &error);
    ASSERT_TRUE(driver && peer) << error;
    if (driver_is_client) {
      tlswire::Pump(*driver, *peer);
    } else {
      tlswire::Pump(*peer, *driver);
    }
    ASSERT_EQ(driver->state(), State::kConnected) << driver->failure().reason;
    const Bytes data = opensslp::interop::Pattern(20 * 1000, 7);
    for (std::size_t pos = 0; pos < data.size(); pos += 1000) {
      ASSERT_TRUE(driver->Write(std::span(data).subspan(pos, 1000)));  // one record each
    }
    tlswire::Pump(*driver, *peer);
    EXPECT_EQ(peer->TakeReceivedData(), data);
    // 20 records, at most 3 per key (the server also sealed tickets under its first key).
    EXPECT_GE(driver->info().key_updates_sent, 6);
    EXPECT_EQ(peer->info().key_updates_received, driver->info().key_updates_sent);
    EXPECT_EQ(peer->state(), libssl_peer::State::kConnected);
  }
}

// Driver against driver: every TLS 1.3 feature in one place, including the FFDHE key shares
// (RFC 8446 §4.2.8.1, padded to the size of p) and a KeyUpdate requested by either side.
TEST(DriverTls13, LoopbackFullFfdheKeyUpdateBothWays) {
  Config cc = ClientConfig(kTls13, 0);
  cc.groups = {256};
  Config sc = ServerConfig(false);
  sc.groups = {256};
  auto client = Make(cc);
  auto server = Make(sc);
  ASSERT_TRUE(client && server);
  ASSERT_TRUE(Pump(*client, *server));
  ASSERT_EQ(client->state(), State::kConnected) << client->failure().reason << " / " << server->failure().reason;
  EXPECT_EQ(client->info().group, 256);
  EXPECT_EQ(client->info().group_name, "ffdhe2048");
  ASSERT_TRUE(client->UpdateKeys(true));
  ASSERT_TRUE(Pump(*client, *server));
  ASSERT_TRUE(server->UpdateKeys(false));
  const Bytes a = opensslp::interop::Pattern(40000, 1), b = opensslp::interop::Pattern(30000, 2);
  ASSERT_TRUE(client->Write(a));
  ASSERT_TRUE(server->Write(b));
  ASSERT_TRUE(Pump(*client, *server));
  EXPECT_EQ(server->TakeReceivedData(), a);
  EXPECT_EQ(client->TakeReceivedData(), b);
  EXPECT_EQ(client->info().key_updates_sent, 1);
  EXPECT_EQ(client->info().key_updates_received, 2);  // the answer to ours, then the server's own
  EXPECT_EQ(server->info().key_updates_sent, 2);
  // Exporters agree (RFC 8446 §7.5), and no context equals an empty one in TLS 1.3.
  const std::vector<std::uint8_t> empty;
  EXPECT_EQ(client->ExportKeyingMaterial("EXPERIMENTAL x", nullptr, 32),
            server->ExportKeyingMaterial("EXPERIMENTAL x", &empty, 32));
  EXPECT_FALSE(client->EapKeyBlock(0).has_value());  // TLS 1.0-1.2 only
}

// Tickets resume once (RFC 8446 §8.1 single-use tickets): the second use of the same ticket is
// a full handshake and its 0-RTT data is not delivered.
TEST(DriverTls13, LoopbackResumptionZeroRttAndReplay) {
  Config sc = ServerConfig(true);
  sc.ticket_store = std::make_shared<TicketStore>();
  sc.max_early_data = 4096;
  sc.tickets_to_issue = 2;
  auto first_client = Make(ClientConfig(kTls13, 0));
  auto first_server = Make(sc);
  ASSERT_TRUE(Pump(*first_client, *first_server));
  ASSERT_EQ(first_client->state(), State::kConnected);
  EXPECT_EQ(first_server->info().tickets_issued, 2);
  EXPECT_EQ(first_client->info().tickets_received, 2);
  std::shared_ptr<const Ticket> ticket = first_client->TakeTicket();
  ASSERT_TRUE(ticket);
  EXPECT_EQ(ticket->max_early_data, 4096u);
  EXPECT_EQ(sc.ticket_store->size(), 2u);

  const Bytes early = opensslp::interop::Pattern(3000, 9);
  for (int attempt = 0; attempt < 2; ++attempt) {
    SCOPED_TRACE(attempt == 0 ? "first use" : "replay");
    Config cc = ClientConfig(kTls13, 0);
    cc.resume = ticket;
    cc.early_data = early;
    auto client = Make(cc);
    auto server = Make(sc);
    ASSERT_TRUE(Pump(*client, *server));
    ASSERT_EQ(client->state(), State::kConnected) << client->failure().reason << " / " << server->failure().reason;
    if (attempt == 0) {
      EXPECT_EQ(client->info().psk, PskMode::kResumption);
      EXPECT_EQ(server->info().psk, PskMode::kResumption);
      EXPECT_EQ(client->info().early_data, EarlyData::kAccepted);
      EXPECT_EQ(server->TakeEarlyData(), early);
      EXPECT_TRUE(client->ExportEarlyKeyingMaterial("e", nullptr, 16).has_value());
      EXPECT_EQ(client->ExportEarlyKeyingMaterial("e", nullptr, 16),
                server->ExportEarlyKeyingMaterial("e", nullptr, 16));
      EXPECT_TRUE(client->info().peer_subject.empty());  // no certificate in a PSK handshake
    } else {
      EXPECT_EQ(client->info().psk, PskMode::kNone);
      EXPECT_EQ(client->info().early_data, EarlyData::kRejected);
      EXPECT_TRUE(server->TakeEarlyData().empty());
      EXPECT_FALSE(client->info().peer_subject.empty());
    }
    const Bytes data = opensslp::interop::Pattern(100, 1);
    ASSERT_TRUE(client->Write(data));
    ASSERT_TRUE(Pump(*client, *server));
    EXPECT_EQ(server->TakeReceivedData(), data);
  }
}

// RFC 8446 §4.6.1: a ticket is offered only to the server name it was issued for.
TEST(DriverTls13, TicketNotOfferedToAnotherServerName) {
  Config sc = ServerConfig(true);
  sc.ticket_store = std::make_shared<TicketStore>();
  auto first_client = Make(ClientConfig(kTls13, 0));
  auto first_server = Make(sc);
  ASSERT_TRUE(Pump(*first_client, *first_server));
  std::shared_ptr<const Ticket> ticket = first_client->TakeTicket();
  ASSERT_TRUE(ticket);
  EXPECT_EQ(ticket->server_name, "localhost");
  Config cc = ClientConfig(kTls13, 0);
  cc.server_name = "other.example";
  cc.verify_peer = false;
  cc.resume = ticket;
  auto client = Make(cc);
  auto server = Make(sc);
  ASSERT_TRUE(Pump(*client, *server));
  ASSERT_EQ(client->state(), State::kConnected);
  EXPECT_EQ(client->info().psk, PskMode::kNone);
  EXPECT_NE(sc.ticket_store->SuiteOf(ticket->identity), 0);  // not offered, so not used up
}

// RFC 8446 §4.2.11: an external PSK on both sides; a wrong key is caught by the binder.
TEST(DriverTls13, LoopbackExternalPskAndWrongBinder) {
  ExternalPsk psk;
  psk.identity = {'c', 'l', 'i', 'e', 'n', 't', '1'};
  psk.key = opensslp::interop::Pattern(32, 5);
  psk.cipher_suite = 0x1301;
  for (bool wrong_key : {false, true}) {
    SCOPED_TRACE(wrong_key ? "wrong key" : "same key");
    Config cc = ClientConfig(kTls13, 0);
    cc.external_psk = psk;
    if (wrong_key) cc.external_psk->key[0] ^= 1;
    Config sc = ServerConfig(false);
    sc.external_psk = psk;
    auto client = Make(cc);
    auto server = Make(sc);
    Pump(*client, *server);
    if (!wrong_key) {
      ASSERT_EQ(client->state(), State::kConnected) << client->failure().reason << " / " << server->failure().reason;
      EXPECT_EQ(client->info().psk, PskMode::kExternal);
      EXPECT_EQ(server->info().psk, PskMode::kExternal);
      EXPECT_EQ(client->info().cipher_suite, 0x1301);
    } else {
      EXPECT_EQ(server->state(), State::kFailed);
      EXPECT_EQ(server->failure().alert, static_cast<std::uint8_t>(AlertDescription::kDecryptError));
      EXPECT_EQ(server->failure().reason, "PSK binder does not verify");
    }
  }
}

// Client certificates between two drivers, TLS 1.3 and 1.2 (the TLS 1.2 CertificateVerify goes
// through SslCreateClientAuthHash / SslComputeClientAuthHash), RSA and ECDSA client keys.
TEST(DriverTls13, LoopbackClientCertificatesBothVersions) {
  for (std::uint16_t version : {kTls13, kTls12}) {
    for (bool ecdsa : {true, false}) {
      SCOPED_TRACE(std::string(version == kTls13 ? "TLS 1.3 " : "TLS 1.2 ") + (ecdsa ? "ECDSA" : "RSA"));
      Config cc = ClientConfig(version, 0);
      cc.client_certificate_chain_file =
          (ecdsa ? opensslp::interop::Pki().client_ecdsa() : opensslp::interop::Pki().client_rsa()).chain_file;
      Config sc = ServerConfig(!ecdsa);
      sc.client_auth = ClientAuth::kRequire;
      sc.client_ca_file = opensslp::interop::Pki().ca_file();
      auto client = Make(cc);
      auto server = Make(sc);
      ASSERT_TRUE(Pump(*client, *server));
      ASSERT_EQ(server->state(), State::kConnected) << client->failure().reason << " / " << server->failure().reason;
      EXPECT_TRUE(client->info().client_certificate);
      EXPECT_TRUE(server->info().client_certificate);
      EXPECT_NE(server->info().client_subject.find("opensslp test client"), std::string::npos);
    }
  }
  // Without a certificate: certificate_required (TLS 1.3) / handshake_failure (TLS 1.2).
  for (std::uint16_t version : {kTls13, kTls12}) {
    Config sc = ServerConfig(true);
    sc.client_auth = ClientAuth::kRequire;
    sc.client_ca_file = opensslp::interop::Pki().ca_file();
    auto client = Make(ClientConfig(version, 0));
    auto server = Make(sc);
    Pump(*client, *server);
    EXPECT_EQ(server->state(), State::kFailed);
    EXPECT_EQ(server->failure().alert,
              static_cast<std::uint8_t>(version == kTls13 ? AlertDescription::kCertificateRequired
                                                          : AlertDescription::kHandshakeFailure));
  }
}

// RFC 8446 §4.1.3: a TLS 1.3 server that negotiates TLS 1.2 marks ServerHello.random ("DOWNGRD" 01).
// A client that offered only TLS 1.2 accepts it; a TLS 1.3 client whose supported_versions an
// "attacker" removed aborts with illegal_parameter at ServerHello, before any key is used.
TEST(DriverTls13, DowngradeSentinelSetByServerCaughtByClient) {
  auto client12 = Make(ClientConfig(kTls12, 0));
  auto server = Make(ServerConfig(true));
  ASSERT_TRUE(Pump(*client12, *server));
  ASSERT_EQ(client12->state(), State::kConnected);
  const std::vector<std::uint8_t>& random = client12->info().server_random;
  const std::uint8_t downgrd1[8] = {0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x01};
  ASSERT_EQ(random.size(), 32u);
  EXPECT_TRUE(std::equal(random.end() - 8, random.end(), std::begin(downgrd1)));

  Config cc = ClientConfig(kTls12, 0);
  cc.max_version = kTls13;
  auto client = Make(cc);
  auto server2 = Make(ServerConfig(true));
  SendEditedClientHello(*client, *server2, [](Extensions& e) { RemoveExtension(e, 43); });  // supported_versions
  client->ReceiveBytes(server2->TakeBytesToSend());
  client->Process();
  EXPECT_EQ(client->state(), State::kFailed);
  EXPECT_EQ(client->failure().alert, static_cast<std::uint8_t>(AlertDescription::kIllegalParameter));
  EXPECT_EQ(client->failure().reason, "downgrade sentinel in ServerHello.random");
}

// A TicketStore hands each ticket out once and only while it is fresh.
TEST(DriverTls13, TicketStoreIsSingleUse) {
  TicketStore store;
  auto entry = std::make_unique<TicketStore::Entry>();
  entry->issued = std::chrono::steady_clock::now();
  entry->lifetime_seconds = 60;
  const std::vector<std::uint8_t> id = store.Add(std::move(entry));
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_NE(store.Take(id), nullptr);
  EXPECT_EQ(store.Take(id), nullptr);
  auto old = std::make_unique<TicketStore::Entry>();
  old->issued = std::chrono::steady_clock::now() - std::chrono::seconds(120);
  old->lifetime_seconds = 60;
  EXPECT_EQ(store.Take(store.Add(std::move(old))), nullptr);
  EXPECT_EQ(store.size(), 0u);
}

}  // namespace
}  // namespace opensslp::tlsdriver
