// libssl_peer_selftest.cpp - the libssl peer and the test PKI checked against themselves
// (libssl client <-> libssl server over Pump), so that a failure in the driver matrix is known to
// be the driver's and not the harness's.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "interop_support.h"
#include "tlswire/pump.h"

namespace opensslp::interop {
namespace {

using libssl_peer::Peer;
using libssl_peer::PeerConfig;
using libssl_peer::Role;
using libssl_peer::State;

PeerConfig ServerConfig(std::vector<std::uint16_t> suites) {
  PeerConfig c;
  c.role = Role::kServer;
  c.cipher_suites = std::move(suites);
  c.credentials = {{Pki().rsa().chain_file, Pki().rsa().key_file}, {Pki().ecdsa().chain_file, Pki().ecdsa().key_file}};
  return c;
}

PeerConfig ClientConfig(std::vector<std::uint16_t> suites) {
  PeerConfig c;
  c.role = Role::kClient;
  c.cipher_suites = std::move(suites);
  c.ca_file = Pki().ca_file();
  c.verify_hostname = "localhost";
  c.server_name = "localhost";
  return c;
}

std::unique_ptr<Peer> Make(const PeerConfig& c) {
  std::string error;
  auto p = Peer::Create(c, &error);
  EXPECT_TRUE(p) << error;
  return p;
}

struct SelfCase {
  const char* name;
  std::uint16_t suite;
  std::uint16_t version;
  std::uint16_t group;
  bool ems;
};

class LibsslSelfTest : public testing::TestWithParam<SelfCase> {};

TEST_P(LibsslSelfTest, HandshakeDataExportersClose) {
  const SelfCase& p = GetParam();
  PeerConfig sc = ServerConfig({p.suite}), cc = ClientConfig({p.suite});
  sc.min_version = sc.max_version = cc.min_version = cc.max_version = p.version;
  if (p.group != 0) sc.groups = cc.groups = {p.group};
  sc.extended_master_secret = cc.extended_master_secret = p.ems;
  auto server = Make(sc);
  auto client = Make(cc);
  ASSERT_TRUE(server && client);
  tlswire::Pump(*client, *server);
  ASSERT_EQ(client->state(), State::kConnected) << client->failure().reason;
  ASSERT_EQ(server->state(), State::kConnected) << server->failure().reason;
  const auto& ci = client->info();
  const auto& si = server->info();
  EXPECT_EQ(ci.version, p.version);
  EXPECT_EQ(ci.cipher_suite, p.suite);
  EXPECT_EQ(si.cipher_suite, p.suite);
  if (p.group != 0) {
    EXPECT_EQ(ci.group, p.group) << ci.group_name;
    EXPECT_EQ(si.group, p.group) << si.group_name;
  }
  EXPECT_EQ(ci.extended_master_secret, p.ems);
  EXPECT_EQ(si.extended_master_secret, p.ems);
  EXPECT_EQ(ci.master_secret, si.master_secret);
  EXPECT_EQ(ci.master_secret.size(), 48u);
  EXPECT_EQ(ci.client_finished, si.client_finished);
  EXPECT_EQ(ci.server_finished, si.server_finished);
  EXPECT_EQ(ci.client_finished.size(), 12u);
  EXPECT_EQ(CheckLibsslFinishedFromKeylog(ci, p.suite), "");
  EXPECT_EQ(CheckLibsslFinishedFromKeylog(si, p.suite), "");
  EXPECT_EQ(ci.peer_subject, Pki().rsa().subject);
  const std::vector<std::uint8_t> context = {1, 2, 3}, empty;
  EXPECT_EQ(client->ExportKeyingMaterial("EXPORTER-test", &context, 40),
            server->ExportKeyingMaterial("EXPORTER-test", &context, 40));
  EXPECT_NE(client->ExportKeyingMaterial("EXPORTER-test", nullptr, 40),
            client->ExportKeyingMaterial("EXPORTER-test", &empty, 40));

  const auto up = Pattern(100000, 1), down = Pattern(70000, 2);
  ASSERT_TRUE(client->Write(up));
  ASSERT_TRUE(server->Write(down));
  tlswire::Pump(*client, *server);
  EXPECT_EQ(server->TakeReceivedData(), up);
  EXPECT_EQ(client->TakeReceivedData(), down);
  client->Close();
  tlswire::Pump(*client, *server);
  EXPECT_TRUE(server->peer_closed());
  server->Close();
  tlswire::Pump(*client, *server);
  EXPECT_TRUE(client->peer_closed());
  EXPECT_EQ(client->state(), State::kClosed);
  EXPECT_EQ(server->state(), State::kClosed);
}

INSTANTIATE_TEST_SUITE_P(Peer, LibsslSelfTest,
                         testing::Values(SelfCase{"Tls12_EcdheRsaAes128Gcm_X25519_Ems", 0xC02F, 0x0303, 29, true},
                                         SelfCase{"Tls12_EcdheRsaAes256Gcm_P384_NoEms", 0xC030, 0x0303, 24, false},
                                         SelfCase{"Tls12_DheRsaChaCha_Ffdhe2048", 0xCCAA, 0x0303, 0, true},
                                         SelfCase{"Tls12_RsaAes128Cbc", 0x002F, 0x0303, 0, true},
                                         SelfCase{"Tls11_EcdheRsaAes128Cbc_P256", 0xC013, 0x0302, 23, true},
                                         SelfCase{"Tls10_DheRsaAes256Cbc", 0x0039, 0x0301, 0, false},
                                         SelfCase{"Tls10_RsaAes128Cbc", 0x002F, 0x0301, 0, true}),
                         [](const testing::TestParamInfo<SelfCase>& param_info) {
                           return std::string(param_info.param.name);
                         });

TEST(LibsslSelfTest, EcdsaLeaf) {
  auto server = Make(ServerConfig({0xC02B}));
  auto client = Make(ClientConfig({0xC02B}));
  ASSERT_TRUE(server && client);
  tlswire::Pump(*client, *server);
  ASSERT_EQ(client->state(), State::kConnected) << client->failure().reason;
  EXPECT_EQ(client->info().peer_subject, Pki().ecdsa().subject);
}

TEST(LibsslSelfTest, DheGroupIsFfdhe2048) {
  auto server = Make(ServerConfig({0x009E}));
  auto client = Make(ClientConfig({0x009E}));
  ASSERT_TRUE(server && client);
  tlswire::Pump(*client, *server);
  ASSERT_EQ(client->state(), State::kConnected) << client->failure().reason;
  EXPECT_EQ(client->info().dhe_bits, 2048);
  EXPECT_EQ(client->info().group_name, "ffdhe2048");
  EXPECT_EQ(client->info().group, 256);
}

// Negative paths of the harness itself: each must fail with the alert the driver tests expect.
void ExpectClientRejects(const libssl_peer::PkiLeaf& leaf, const std::string& hostname, std::uint8_t alert) {
  PeerConfig sc = ServerConfig({0xC02F});
  sc.credentials = {{leaf.chain_file, leaf.key_file}};
  PeerConfig cc = ClientConfig({0xC02F});
  cc.verify_hostname = hostname;
  auto server = Make(sc);
  auto client = Make(cc);
  ASSERT_TRUE(server && client);
  tlswire::Pump(*client, *server);
  EXPECT_EQ(client->state(), State::kFailed);
  EXPECT_TRUE(client->failure().alert_sent) << client->failure().reason;
  EXPECT_EQ(client->failure().alert, alert)
      << libssl_peer::AlertName(client->failure().alert) << ": " << client->failure().reason;
  EXPECT_EQ(server->state(), State::kFailed);
  EXPECT_TRUE(server->failure().alert_received);
}

TEST(LibsslSelfTest, UnknownCaIsRejected) { ExpectClientRejects(Pki().unknown_ca(), "localhost", 48); }
TEST(LibsslSelfTest, ExpiredLeafIsRejected) { ExpectClientRejects(Pki().expired(), "localhost", 45); }
// libssl 3.0 maps X509_V_ERR_HOSTNAME_MISMATCH to bad_certificate (ssl/statem/statem_lib.c,
// x509table).
TEST(LibsslSelfTest, HostnameMismatchIsRejected) { ExpectClientRejects(Pki().rsa(), "wrong.example", 42); }

TEST(LibsslSelfTest, TamperedRecordGivesBadRecordMac) {
  auto server = Make(ServerConfig({0xC02F}));
  auto client = Make(ClientConfig({0xC02F}));
  ASSERT_TRUE(server && client);
  tlswire::Pump(*client, *server);
  ASSERT_EQ(client->state(), State::kConnected);
  ASSERT_TRUE(client->Write(Pattern(100, 3)));
  tlswire::Pump(*client, *server, [](tlswire::Direction d, std::vector<std::uint8_t>& bytes) {
    if (d == tlswire::Direction::kAToB && !bytes.empty()) bytes.back() ^= 0x01;
  });
  EXPECT_EQ(server->state(), State::kFailed);
  EXPECT_TRUE(server->failure().alert_sent);
  EXPECT_EQ(server->failure().alert, 20) << server->failure().reason;
  EXPECT_TRUE(client->failure().alert_received);
}

TEST(LibsslSelfTest, KeyStoreNamesKeysByThumbprint) {
  const auto& leaf = Pki().rsa();
  EXPECT_EQ(leaf.thumbprint.size(), 40u);
  const std::filesystem::path entry = std::filesystem::path(Pki().key_store_dir()) / (leaf.thumbprint + ".pem");
  ASSERT_TRUE(std::filesystem::exists(entry));
  std::ifstream a(entry), b(leaf.key_file);
  std::string sa((std::istreambuf_iterator<char>(a)), {}), sb((std::istreambuf_iterator<char>(b)), {});
  EXPECT_EQ(sa, sb);
  EXPECT_NE(sa.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
}

TEST(LibsslSelfTest, CipherNamesFromIanaIds) {
  EXPECT_EQ(libssl_peer::OpensslCipherName(0xC02F), "ECDHE-RSA-AES128-GCM-SHA256");
  EXPECT_EQ(libssl_peer::OpensslCipherName(0x002F), "AES128-SHA");
  EXPECT_EQ(libssl_peer::OpensslCipherName(0x1301), "");  // names for TLS <= 1.2 suites only
}

// ---------------------------------------------------------------------------------------------
// TLS 1.3. Expected values come from libssl itself (both ends are libssl): these tests prove the
// harness, not a TLS implementation.

using libssl_peer::EarlyDataStatus;
using libssl_peer::ExternalPsk;
using libssl_peer::kTls12;
using libssl_peer::kTls13;
using libssl_peer::PeerSessionInfo;
using libssl_peer::ServerContext;
using libssl_peer::Session;

PeerConfig Tls13(PeerConfig c) {
  c.min_version = c.max_version = kTls13;
  return c;
}

std::shared_ptr<ServerContext> MakeContext() {
  std::string error;
  auto context = ServerContext::Create(&error);
  EXPECT_TRUE(context) << error;
  return context;
}

// Pumps a new pair to the end of the handshake (and the tickets after it).
::testing::AssertionResult Connect(Peer& client, Peer& server) {
  tlswire::Pump(client, server);
  if (client.state() != State::kConnected)
    return ::testing::AssertionFailure() << "client: " << client.failure().reason;
  if (server.state() != State::kConnected)
    return ::testing::AssertionFailure() << "server: " << server.failure().reason;
  return ::testing::AssertionSuccess();
}

// Data both ways after whatever happened before.
void ExpectDataFlows(Peer& client, Peer& server, std::uint8_t seed) {
  const auto up = Pattern(30000, seed), down = Pattern(20000, static_cast<std::uint8_t>(seed + 1));
  ASSERT_TRUE(client.Write(up));
  ASSERT_TRUE(server.Write(down));
  tlswire::Pump(client, server);
  EXPECT_EQ(server.TakeReceivedData(), up);
  EXPECT_EQ(client.TakeReceivedData(), down);
  EXPECT_EQ(client.state(), State::kConnected) << client.failure().reason;
  EXPECT_EQ(server.state(), State::kConnected) << server.failure().reason;
}

std::vector<std::uint8_t> MessageTypes(const PeerSessionInfo& info) {
  std::vector<std::uint8_t> types;
  for (const auto& m : info.handshake_messages) types.push_back(m[0]);
  return types;
}

bool HasKeylogLabel(const PeerSessionInfo& info, std::string_view label) {
  return std::any_of(info.keylog_lines.begin(), info.keylog_lines.end(), [&](const std::string& line) {
    return line.size() > label.size() && line.compare(0, label.size(), label) == 0 && line[label.size()] == ' ';
  });
}

// The bodies of the Finished messages, in order.
std::vector<std::vector<std::uint8_t>> FinishedBodies(const PeerSessionInfo& info) {
  std::vector<std::vector<std::uint8_t>> out;
  for (const auto& m : info.handshake_messages) {
    if (m[0] == 20) out.emplace_back(m.begin() + 4, m.end());
  }
  return out;
}

struct Tls13Case {
  const char* name;
  std::uint16_t suite;
  std::size_t hash_len;
};

class LibsslTls13SelfTest : public testing::TestWithParam<Tls13Case> {};

TEST_P(LibsslTls13SelfTest, FullHandshakeKeylogExportersDataClose) {
  const Tls13Case& p = GetParam();
  auto server = Make(Tls13(ServerConfig({p.suite})));
  auto client = Make(Tls13(ClientConfig({p.suite})));
  ASSERT_TRUE(server && client);
  ASSERT_TRUE(Connect(*client, *server));
  const auto& ci = client->info();
  const auto& si = server->info();
  EXPECT_EQ(ci.version, kTls13);
  EXPECT_EQ(si.version, kTls13);
  EXPECT_EQ(ci.cipher_suite, p.suite);
  EXPECT_EQ(si.cipher_suite, p.suite);
  EXPECT_EQ(ci.group, 29) << ci.group_name;  // X25519 heads libssl's default list
  EXPECT_EQ(si.group, 29) << si.group_name;
  EXPECT_FALSE(ci.hello_retry_request);
  EXPECT_FALSE(ci.session_resumed);
  EXPECT_FALSE(ci.extended_master_secret);
  EXPECT_TRUE(ci.master_secret.empty());
  EXPECT_EQ(ci.early_data_status, EarlyDataStatus::kNotSent);
  EXPECT_EQ(ci.peer_subject, Pki().rsa().subject);
  EXPECT_EQ(ci.client_random, si.client_random);
  EXPECT_EQ(ci.server_random, si.server_random);
  // ClientHello, ServerHello, EncryptedExtensions, Certificate, CertificateVerify, Finished,
  // Finished; the server's tickets are not part of it.
  const std::vector<std::uint8_t> expected_types = {1, 2, 8, 11, 15, 20, 20};
  EXPECT_EQ(MessageTypes(ci), expected_types);
  EXPECT_EQ(MessageTypes(si), expected_types);
  EXPECT_EQ(ci.handshake_messages, si.handshake_messages);
  // Finished values: the verify_data in the messages, the suite's hash length.
  const auto finished = FinishedBodies(ci);
  ASSERT_EQ(finished.size(), 2u);
  EXPECT_EQ(ci.server_finished, finished[0]);
  EXPECT_EQ(ci.client_finished, finished[1]);
  EXPECT_EQ(ci.client_finished.size(), p.hash_len);
  EXPECT_EQ(si.client_finished, ci.client_finished);
  EXPECT_EQ(si.server_finished, ci.server_finished);
  // Key log: every TLS 1.3 secret of a full handshake, the same on both sides.
  for (const char* label : {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                            "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"}) {
    EXPECT_TRUE(HasKeylogLabel(ci, label)) << label;
    EXPECT_EQ(ci.KeylogSecret(label).size(), p.hash_len) << label;
    EXPECT_EQ(ci.KeylogSecret(label), si.KeylogSecret(label)) << label;
  }
  EXPECT_EQ(ci.keylog_lines.size(), 5u);
  EXPECT_FALSE(HasKeylogLabel(ci, "CLIENT_EARLY_TRAFFIC_SECRET"));
  EXPECT_TRUE(ci.KeylogSecret("CLIENT_RANDOM").empty());
  EXPECT_NE(ci.KeylogSecret("CLIENT_TRAFFIC_SECRET_0"), ci.KeylogSecret("SERVER_TRAFFIC_SECRET_0"));
  // Tickets arrive after the handshake (libssl's default: two).
  EXPECT_EQ(ci.tickets_received, 2);
  // Exporters: equal on both sides; no context and an empty context are the same (RFC 8446 §7.5).
  const std::vector<std::uint8_t> context = {1, 2, 3}, empty;
  const auto exported = client->ExportKeyingMaterial("EXPORTER-test", &context, 40);
  ASSERT_TRUE(exported);
  EXPECT_EQ(exported, server->ExportKeyingMaterial("EXPORTER-test", &context, 40));
  EXPECT_EQ(client->ExportKeyingMaterial("EXPORTER-test", nullptr, 40),
            client->ExportKeyingMaterial("EXPORTER-test", &empty, 40));
  EXPECT_FALSE(client->ExportKeyingMaterialEarly("EXPORTER-test", context, 40));  // no 0-RTT here

  ExpectDataFlows(*client, *server, 1);
  client->Close();
  tlswire::Pump(*client, *server);
  EXPECT_TRUE(server->peer_closed());
  server->Close();
  tlswire::Pump(*client, *server);
  EXPECT_TRUE(client->peer_closed());
}

INSTANTIATE_TEST_SUITE_P(Peer, LibsslTls13SelfTest,
                         testing::Values(Tls13Case{"Tls13_Aes128Gcm", 0x1301, 32},
                                         Tls13Case{"Tls13_Aes256Gcm", 0x1302, 48},
                                         Tls13Case{"Tls13_ChaCha20Poly1305", 0x1303, 32}),
                         [](const testing::TestParamInfo<Tls13Case>& param_info) {
                           return std::string(param_info.param.name);
                         });

TEST(LibsslTls13SelfTest, RangeNegotiatesTls13OrFallsBackToTls12) {
  PeerConfig cc = ClientConfig({});
  cc.min_version = kTls12;
  cc.max_version = kTls13;
  PeerConfig sc = ServerConfig({});
  sc.min_version = kTls12;
  sc.max_version = kTls13;
  {
    auto server = Make(sc);
    auto client = Make(cc);
    ASSERT_TRUE(server && client);
    ASSERT_TRUE(Connect(*client, *server));
    EXPECT_EQ(client->info().version, kTls13);
    EXPECT_EQ(client->info().cipher_suite, 0x1302);  // libssl's first TLS 1.3 default
  }
  sc.max_version = kTls12;
  auto server = Make(sc);
  auto client = Make(cc);
  ASSERT_TRUE(server && client);
  ASSERT_TRUE(Connect(*client, *server));
  EXPECT_EQ(client->info().version, kTls12);
}

TEST(LibsslTls13SelfTest, MiddleboxCompatibilityIsExplicit) {
  for (bool compat : {true, false}) {
    SCOPED_TRACE(compat);
    PeerConfig sc = Tls13(ServerConfig({})), cc = Tls13(ClientConfig({}));
    cc.middlebox_compat = compat;
    auto server = Make(sc);
    auto client = Make(cc);
    ASSERT_TRUE(server && client);
    ASSERT_TRUE(Connect(*client, *server));
    // ClientHello.legacy_session_id (RFC 8446 §4.1.2): 32 random bytes in compatibility mode.
    const auto& hello = client->info().handshake_messages.at(0);
    ASSERT_GT(hello.size(), 4u + 2 + 32);
    EXPECT_EQ(hello[4 + 2 + 32], compat ? 32 : 0);
  }
}

TEST(LibsslTls13SelfTest, Tls13SuiteNeedsTls13) {
  std::string error;
  EXPECT_FALSE(Peer::Create(ClientConfig({0x1301}), &error));
  EXPECT_NE(error.find("TLS 1.3"), std::string::npos) << error;
}

TEST(LibsslTls13SelfTest, HelloRetryRequestWhenTheFirstKeyShareIsNotAccepted) {
  PeerConfig sc = Tls13(ServerConfig({})), cc = Tls13(ClientConfig({}));
  sc.groups = {23};
  cc.groups = {29, 23};
  auto server = Make(sc);
  auto client = Make(cc);
  ASSERT_TRUE(server && client);
  ASSERT_TRUE(Connect(*client, *server));
  EXPECT_TRUE(client->info().hello_retry_request);
  EXPECT_TRUE(server->info().hello_retry_request);
  EXPECT_EQ(client->info().group, 23);
  EXPECT_EQ(server->info().group, 23);
  // ClientHello, HelloRetryRequest (a ServerHello), ClientHello, ServerHello, ...
  const auto types = MessageTypes(client->info());
  ASSERT_GE(types.size(), 4u);
  EXPECT_EQ(std::vector<std::uint8_t>(types.begin(), types.begin() + 4), (std::vector<std::uint8_t>{1, 2, 1, 2}));
  ExpectDataFlows(*client, *server, 3);
}

TEST(LibsslTls13SelfTest, FfdheGroup) {
  PeerConfig sc = Tls13(ServerConfig({})), cc = Tls13(ClientConfig({}));
  sc.groups = cc.groups = {256};
  auto server = Make(sc);
  auto client = Make(cc);
  ASSERT_TRUE(server && client);
  ASSERT_TRUE(Connect(*client, *server));
  EXPECT_EQ(client->info().group, 256) << client->info().group_name;
  EXPECT_EQ(server->info().group, 256) << server->info().group_name;
  EXPECT_FALSE(client->info().hello_retry_request);
}

// Client certificates, TLS 1.2 and 1.3.
struct ClientAuthCase {
  const char* name;
  std::uint16_t version;
  bool ecdsa;
};

class LibsslClientAuthTest : public testing::TestWithParam<ClientAuthCase> {};

TEST_P(LibsslClientAuthTest, RequiredCertificateIsVerifiedAndSeen) {
  const ClientAuthCase& p = GetParam();
  PeerConfig sc = ServerConfig({}), cc = ClientConfig({});
  sc.min_version = sc.max_version = cc.min_version = cc.max_version = p.version;
  sc.require_client_certificate = true;
  sc.client_ca_file = Pki().ca_file();
  const auto& leaf = p.ecdsa ? Pki().client_ecdsa() : Pki().client_rsa();
  cc.client_credential = libssl_peer::Credential{leaf.chain_file, leaf.key_file};
  auto server = Make(sc);
  auto client = Make(cc);
  ASSERT_TRUE(server && client);
  ASSERT_TRUE(Connect(*client, *server));
  EXPECT_EQ(server->info().version, p.version);
  EXPECT_EQ(server->info().peer_subject, leaf.subject);
  EXPECT_EQ(client->info().peer_subject, Pki().rsa().subject);
  // The client's Certificate and CertificateVerify are in the transcript.
  const auto types = MessageTypes(server->info());
  EXPECT_EQ(std::count(types.begin(), types.end(), 13), 1);  // CertificateRequest
  EXPECT_EQ(std::count(types.begin(), types.end(), 11), 2);
  // CertificateVerify: both sides in TLS 1.3, only the client in TLS 1.2 (the server's signature
  // is in its ServerKeyExchange).
  EXPECT_EQ(std::count(types.begin(), types.end(), 15), p.version == kTls13 ? 2 : 1);
  ExpectDataFlows(*client, *server, 5);
}

TEST_P(LibsslClientAuthTest, RequiredCertificateMissingFails) {
  const ClientAuthCase& p = GetParam();
  PeerConfig sc = ServerConfig({}), cc = ClientConfig({});
  sc.min_version = sc.max_version = cc.min_version = cc.max_version = p.version;
  sc.require_client_certificate = true;
  sc.client_ca_file = Pki().ca_file();
  auto server = Make(sc);
  auto client = Make(cc);
  ASSERT_TRUE(server && client);
  tlswire::Pump(*client, *server);
  EXPECT_EQ(server->state(), State::kFailed);
  EXPECT_TRUE(server->failure().alert_sent) << server->failure().reason;
  // TLS 1.3: certificate_required (RFC 8446 §4.4.2.4); TLS 1.2: handshake_failure.
  EXPECT_EQ(server->failure().alert, p.version == kTls13 ? 116 : 40) << server->failure().reason;
  // A TLS 1.3 client has finished its handshake when the alert arrives.
  EXPECT_EQ(client->state(), State::kFailed);
  EXPECT_TRUE(client->failure().alert_received) << client->failure().reason;
}

TEST_P(LibsslClientAuthTest, OptionalCertificateMayBeAbsent) {
  const ClientAuthCase& p = GetParam();
  PeerConfig sc = ServerConfig({}), cc = ClientConfig({});
  sc.min_version = sc.max_version = cc.min_version = cc.max_version = p.version;
  sc.request_client_certificate = true;
  sc.client_ca_file = Pki().ca_file();
  auto server = Make(sc);
  auto client = Make(cc);
  ASSERT_TRUE(server && client);
  ASSERT_TRUE(Connect(*client, *server));
  EXPECT_EQ(server->info().peer_subject, "");
  ExpectDataFlows(*client, *server, 7);
}

TEST_P(LibsslClientAuthTest, UntrustedClientCertificateIsRejected) {
  const ClientAuthCase& p = GetParam();
  PeerConfig sc = ServerConfig({}), cc = ClientConfig({});
  sc.min_version = sc.max_version = cc.min_version = cc.max_version = p.version;
  sc.request_client_certificate = true;
  sc.client_ca_file = Pki().ca_file();
  cc.client_credential = libssl_peer::Credential{Pki().unknown_ca().chain_file, Pki().unknown_ca().key_file};
  auto server = Make(sc);
  auto client = Make(cc);
  ASSERT_TRUE(server && client);
  tlswire::Pump(*client, *server);
  EXPECT_EQ(server->state(), State::kFailed);
  EXPECT_EQ(server->failure().alert, 48) << server->failure().reason;  // unknown_ca
}

INSTANTIATE_TEST_SUITE_P(
    Peer, LibsslClientAuthTest,
    testing::Values(ClientAuthCase{"Tls13_Rsa", kTls13, false}, ClientAuthCase{"Tls13_Ecdsa", kTls13, true},
                    ClientAuthCase{"Tls12_Rsa", kTls12, false}, ClientAuthCase{"Tls12_Ecdsa", kTls12, true}),
    [](const testing::TestParamInfo<ClientAuthCase>& param_info) { return std::string(param_info.param.name); });

// Resumption: one connection with a shared server context, then its ticket on the next.
struct Resumable {
  std::shared_ptr<ServerContext> context;
  std::shared_ptr<Session> session;
};

Resumable FirstConnection(PeerConfig sc, PeerConfig cc) {
  Resumable r;
  r.context = MakeContext();
  if (!r.context) return r;
  sc.server_context = r.context;
  auto server = Make(sc);
  auto client = Make(cc);
  if (!server || !client) return r;
  EXPECT_TRUE(Connect(*client, *server));
  EXPECT_FALSE(client->info().session_resumed);
  r.session = client->TakeSession();
  EXPECT_TRUE(r.session);
  return r;
}

TEST(LibsslTls13SelfTest, TicketResumesOnTheSharedContextOnly) {
  const PeerConfig sc = Tls13(ServerConfig({})), cc = Tls13(ClientConfig({}));
  Resumable first = FirstConnection(sc, cc);
  ASSERT_TRUE(first.session);
  EXPECT_EQ(first.session->version(), kTls13);
  EXPECT_EQ(first.session->cipher_suite(), 0x1302);
  EXPECT_EQ(first.session->max_early_data(), 0u);
  EXPECT_TRUE(first.session->resumable());

  PeerConfig sc2 = sc, cc2 = cc;
  sc2.server_context = first.context;
  cc2.resume_session = first.session;
  auto server = Make(sc2);
  auto client = Make(cc2);
  ASSERT_TRUE(server && client);
  ASSERT_TRUE(Connect(*client, *server));
  EXPECT_TRUE(client->info().session_resumed);
  EXPECT_TRUE(server->info().session_resumed);
  EXPECT_FALSE(client->info().external_psk_used);
  EXPECT_TRUE(client->info().psk_dhe_ke);
  EXPECT_TRUE(server->info().psk_dhe_ke);
  // No Certificate / CertificateVerify in a resumed handshake: ClientHello, ServerHello,
  // EncryptedExtensions, Finished, Finished.
  EXPECT_EQ(MessageTypes(client->info()), (std::vector<std::uint8_t>{1, 2, 8, 20, 20}));
  EXPECT_EQ(client->ExportKeyingMaterial("EXPORTER-x", nullptr, 32),
            server->ExportKeyingMaterial("EXPORTER-x", nullptr, 32));
  ExpectDataFlows(*client, *server, 9);

  // A server with a context of its own cannot decrypt the ticket: a full handshake.
  auto other_server = Make(sc);
  auto other_client = Make(cc2);
  ASSERT_TRUE(other_server && other_client);
  ASSERT_TRUE(Connect(*other_client, *other_server));
  EXPECT_FALSE(other_client->info().session_resumed);
}

TEST(LibsslTls13SelfTest, Tls12SessionIdResumesOnTheSharedContext) {
  PeerConfig sc = ServerConfig({0xC02F}), cc = ClientConfig({0xC02F});
  Resumable first = FirstConnection(sc, cc);
  ASSERT_TRUE(first.session);
  EXPECT_EQ(first.session->version(), kTls12);
  sc.server_context = first.context;
  cc.resume_session = first.session;
  auto server = Make(sc);
  auto client = Make(cc);
  ASSERT_TRUE(server && client);
  ASSERT_TRUE(Connect(*client, *server));
  EXPECT_TRUE(client->info().session_resumed);
  EXPECT_TRUE(server->info().session_resumed);
  EXPECT_EQ(client->info().master_secret, server->info().master_secret);
}

TEST(LibsslTls13SelfTest, NumTicketsIsConfigurable) {
  PeerConfig sc = Tls13(ServerConfig({}));
  sc.num_tickets = 0;
  auto server = Make(sc);
  auto client = Make(Tls13(ClientConfig({})));
  ASSERT_TRUE(server && client);
  ASSERT_TRUE(Connect(*client, *server));
  EXPECT_EQ(client->info().tickets_received, 0);
  EXPECT_FALSE(client->TakeSession());
}

// External PSKs.
ExternalPsk TestPsk(std::uint16_t suite = 0x1301) {
  ExternalPsk psk;
  psk.identity = "opensslp test psk";
  psk.key = Pattern(32, 11);
  psk.cipher_suite = suite;
  return psk;
}

TEST(LibsslTls13SelfTest, ExternalPskHandshake) {
  for (std::uint16_t suite : {0x1301, 0x1302}) {
    SCOPED_TRACE(SuiteHex(suite));
    PeerConfig sc = Tls13(ServerConfig({suite})), cc = Tls13(ClientConfig({suite}));
    sc.credentials.clear();  // PSK only
    sc.external_psk = cc.external_psk = TestPsk(suite);
    auto server = Make(sc);
    auto client = Make(cc);
    ASSERT_TRUE(server && client);
    ASSERT_TRUE(Connect(*client, *server));
    EXPECT_TRUE(client->info().session_resumed);
    EXPECT_TRUE(client->info().external_psk_used);
    EXPECT_TRUE(server->info().external_psk_used);
    EXPECT_TRUE(client->info().psk_dhe_ke);
    EXPECT_EQ(client->info().cipher_suite, suite);
    EXPECT_EQ(client->info().peer_subject, "");
    EXPECT_EQ(client->info().KeylogSecret("CLIENT_TRAFFIC_SECRET_0"),
              server->info().KeylogSecret("CLIENT_TRAFFIC_SECRET_0"));
    ExpectDataFlows(*client, *server, 13);
  }
}

TEST(LibsslTls13SelfTest, ExternalPskMismatchAndAbsence) {
  // (The PSK is bound to SHA-256: a SHA-384 suite would make libssl pass it over.)
  PeerConfig sc = Tls13(ServerConfig({0x1301})), cc = Tls13(ClientConfig({0x1301}));
  sc.credentials.clear();
  sc.external_psk = TestPsk();
  {
    // Same identity, other key: the binder does not verify.
    PeerConfig wrong = cc;
    wrong.external_psk = TestPsk();
    wrong.external_psk->key[0] ^= 1;
    auto server = Make(sc);
    auto client = Make(wrong);
    ASSERT_TRUE(server && client);
    tlswire::Pump(*client, *server);
    EXPECT_EQ(server->state(), State::kFailed);
    // RFC 8446 §6.2 names decrypt_error (51) for a binder that does not verify; libssl 3.0 sends
    // illegal_parameter (47) (changed in later releases).
    EXPECT_TRUE(server->failure().alert == 47 || server->failure().alert == 51) << server->failure().reason;
  }
  {
    // No PSK at all against a server without certificates: handshake_failure.
    auto server = Make(sc);
    auto client = Make(cc);
    ASSERT_TRUE(server && client);
    tlswire::Pump(*client, *server);
    EXPECT_EQ(server->state(), State::kFailed);
    EXPECT_EQ(server->failure().alert, 40) << server->failure().reason;
  }
  {
    // A server with certificates falls back to a full handshake for an unknown identity.
    PeerConfig sc2 = Tls13(ServerConfig({0x1301}));
    sc2.external_psk = TestPsk();
    PeerConfig other = cc;
    other.external_psk = TestPsk();
    other.external_psk->identity = "someone else";
    auto server = Make(sc2);
    auto client = Make(other);
    ASSERT_TRUE(server && client);
    ASSERT_TRUE(Connect(*client, *server));
    EXPECT_FALSE(client->info().session_resumed);
    EXPECT_FALSE(server->info().external_psk_used);
    EXPECT_EQ(client->info().peer_subject, Pki().rsa().subject);
  }
}

// 0-RTT.
constexpr std::uint32_t kMaxEarly = 16384;

TEST(LibsslTls13SelfTest, EarlyDataAcceptedThenReplayRejected) {
  PeerConfig sc = Tls13(ServerConfig({})), cc = Tls13(ClientConfig({}));
  sc.max_early_data = kMaxEarly;
  Resumable first = FirstConnection(sc, cc);
  ASSERT_TRUE(first.session);
  EXPECT_EQ(first.session->max_early_data(), kMaxEarly);

  sc.server_context = first.context;
  cc.resume_session = first.session;
  cc.early_data = Pattern(5000, 21);
  auto server = Make(sc);
  auto client = Make(cc);
  ASSERT_TRUE(server && client);
  ASSERT_TRUE(Connect(*client, *server));
  const auto& ci = client->info();
  const auto& si = server->info();
  EXPECT_TRUE(ci.session_resumed);
  EXPECT_EQ(ci.early_data_status, EarlyDataStatus::kAccepted);
  EXPECT_EQ(si.early_data_status, EarlyDataStatus::kAccepted);
  EXPECT_EQ(server->TakeEarlyData(), cc.early_data);
  EXPECT_TRUE(server->TakeReceivedData().empty());
  // EndOfEarlyData (5) is in the transcript.
  const auto types = MessageTypes(si);
  EXPECT_EQ(std::count(types.begin(), types.end(), 5), 1);
  for (const char* label : {"CLIENT_EARLY_TRAFFIC_SECRET", "EARLY_EXPORTER_SECRET"}) {
    EXPECT_TRUE(HasKeylogLabel(ci, label)) << label;
    EXPECT_EQ(ci.KeylogSecret(label), si.KeylogSecret(label)) << label;
    EXPECT_EQ(ci.KeylogSecret(label).size(), 48u) << label;  // TLS_AES_256_GCM_SHA384
  }
  const std::vector<std::uint8_t> context = {9, 8, 7};
  const auto early = client->ExportKeyingMaterialEarly("EXPORTER-early", context, 32);
  ASSERT_TRUE(early);
  EXPECT_EQ(early, server->ExportKeyingMaterialEarly("EXPORTER-early", context, 32));
  EXPECT_NE(early, client->ExportKeyingMaterial("EXPORTER-early", &context, 32));
  ExpectDataFlows(*client, *server, 23);

  // The same ticket again: libssl's anti-replay (single-use tickets in the shared cache) refuses
  // it, so the handshake is full and the early data rejected.
  auto replay_server = Make(sc);
  auto replay_client = Make(cc);
  ASSERT_TRUE(replay_server && replay_client);
  ASSERT_TRUE(Connect(*replay_client, *replay_server));
  EXPECT_FALSE(replay_server->info().session_resumed);
  EXPECT_EQ(replay_client->info().early_data_status, EarlyDataStatus::kRejected);
  EXPECT_EQ(replay_server->info().early_data_status, EarlyDataStatus::kRejected);
  EXPECT_TRUE(replay_server->TakeEarlyData().empty());
  EXPECT_TRUE(replay_server->TakeReceivedData().empty());
  ExpectDataFlows(*replay_client, *replay_server, 25);
}

TEST(LibsslTls13SelfTest, EarlyDataRejectedByServerWithMaxEarlyDataZero) {
  PeerConfig sc = Tls13(ServerConfig({})), cc = Tls13(ClientConfig({}));
  sc.max_early_data = kMaxEarly;
  Resumable first = FirstConnection(sc, cc);
  ASSERT_TRUE(first.session);
  sc.server_context = first.context;
  sc.max_early_data = 0;
  cc.resume_session = first.session;
  cc.early_data = Pattern(3000, 27);
  auto server = Make(sc);
  auto client = Make(cc);
  ASSERT_TRUE(server && client);
  ASSERT_TRUE(Connect(*client, *server));
  EXPECT_TRUE(client->info().session_resumed);
  EXPECT_EQ(client->info().early_data_status, EarlyDataStatus::kRejected);
  EXPECT_EQ(server->info().early_data_status, EarlyDataStatus::kRejected);
  EXPECT_TRUE(server->TakeEarlyData().empty());
  EXPECT_TRUE(server->TakeReceivedData().empty());
  ExpectDataFlows(*client, *server, 29);
}

TEST(LibsslTls13SelfTest, EarlyDataNotSentWithoutPermission) {
  // A ticket from a server that does not allow early data: nothing is sent early.
  PeerConfig sc = Tls13(ServerConfig({})), cc = Tls13(ClientConfig({}));
  Resumable first = FirstConnection(sc, cc);
  ASSERT_TRUE(first.session);
  sc.server_context = first.context;
  sc.max_early_data = kMaxEarly;
  cc.resume_session = first.session;
  cc.early_data = Pattern(100, 31);
  auto server = Make(sc);
  auto client = Make(cc);
  ASSERT_TRUE(server && client);
  ASSERT_TRUE(Connect(*client, *server));
  EXPECT_TRUE(client->info().session_resumed);
  EXPECT_EQ(client->info().early_data_status, EarlyDataStatus::kNotSent);
  EXPECT_EQ(server->info().early_data_status, EarlyDataStatus::kNotSent);
  EXPECT_TRUE(server->TakeEarlyData().empty());
}

TEST(LibsslTls13SelfTest, EarlyDataWithExternalPsk) {
  PeerConfig sc = Tls13(ServerConfig({0x1301})), cc = Tls13(ClientConfig({0x1301}));
  sc.credentials.clear();
  ExternalPsk psk = TestPsk();
  psk.max_early_data = kMaxEarly;
  sc.external_psk = cc.external_psk = psk;
  sc.max_early_data = kMaxEarly;
  cc.early_data = Pattern(700, 33);
  auto server = Make(sc);
  auto client = Make(cc);
  ASSERT_TRUE(server && client);
  ASSERT_TRUE(Connect(*client, *server));
  EXPECT_TRUE(client->info().external_psk_used);
  EXPECT_EQ(client->info().early_data_status, EarlyDataStatus::kAccepted);
  EXPECT_EQ(server->TakeEarlyData(), cc.early_data);
  EXPECT_EQ(client->ExportKeyingMaterialEarly("EXPORTER-early", {}, 16),
            server->ExportKeyingMaterialEarly("EXPORTER-early", {}, 16));
  ExpectDataFlows(*client, *server, 35);
}

TEST(LibsslTls13SelfTest, KeyUpdateBothWays) {
  auto server = Make(Tls13(ServerConfig({})));
  auto client = Make(Tls13(ClientConfig({})));
  ASSERT_TRUE(server && client);
  ASSERT_TRUE(Connect(*client, *server));
  // The client asks for an update: the server updates its receiving keys and answers with its
  // own KeyUpdate (update_not_requested).
  ASSERT_TRUE(client->RequestKeyUpdate(true));
  tlswire::Pump(*client, *server);
  EXPECT_EQ(client->info().key_updates_sent, 1);
  EXPECT_EQ(server->info().key_updates_received, 1);
  EXPECT_EQ(server->info().key_updates_sent, 1);
  EXPECT_EQ(client->info().key_updates_received, 1);
  ExpectDataFlows(*client, *server, 41);
  // The server updates without asking for an answer.
  ASSERT_TRUE(server->RequestKeyUpdate(false));
  ASSERT_TRUE(server->Write(Pattern(10, 43)));
  tlswire::Pump(*client, *server);
  EXPECT_EQ(client->TakeReceivedData(), Pattern(10, 43));
  EXPECT_EQ(server->info().key_updates_sent, 2);
  EXPECT_EQ(client->info().key_updates_received, 2);
  EXPECT_EQ(client->info().key_updates_sent, 1);
  ExpectDataFlows(*client, *server, 45);
  // Still the handshake's messages only.
  EXPECT_EQ(MessageTypes(client->info()), (std::vector<std::uint8_t>{1, 2, 8, 11, 15, 20, 20}));
}

TEST(LibsslTls13SelfTest, KeyUpdateNeedsTls13) {
  auto server = Make(ServerConfig({0xC02F}));
  auto client = Make(ClientConfig({0xC02F}));
  ASSERT_TRUE(server && client);
  EXPECT_FALSE(client->RequestKeyUpdate(true));  // not connected yet
  ASSERT_TRUE(Connect(*client, *server));
  EXPECT_FALSE(client->RequestKeyUpdate(true));
}

TEST(LibsslTls13SelfTest, Tls12KeylogLinesKeepTheSingleLineField) {
  auto server = Make(ServerConfig({0xC02F}));
  auto client = Make(ClientConfig({0xC02F}));
  ASSERT_TRUE(server && client);
  ASSERT_TRUE(Connect(*client, *server));
  ASSERT_EQ(client->info().keylog_lines.size(), 1u);
  EXPECT_EQ(client->info().keylog_lines[0], client->info().keylog);
  EXPECT_EQ(client->info().KeylogSecret("CLIENT_RANDOM"), client->info().master_secret);
}

}  // namespace
}  // namespace opensslp::interop
