// libssl_peer_selftest.cpp - the libssl peer and the test PKI checked against themselves
// (libssl client <-> libssl server over Pump), so that a failure in the driver matrix is known to
// be the driver's and not the harness's.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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
  EXPECT_EQ(libssl_peer::OpensslCipherName(0x1301), "");  // TLS 1.3 is never configured
}

}  // namespace
}  // namespace opensslp::interop
