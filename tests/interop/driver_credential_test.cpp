// driver_credential_test.cpp - the TLS driver's Credential (tools/tlsdriver/tls_driver.h): a
// certificate chain and its key opened once and presented by many connections, as a Schannel
// credential is acquired once. Peers are OpenSSL's libssl, which verifies every chain it is shown
// against the test CA; what the driver presents is checked by libssl's view of it.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "interop_support.h"
#include "libssl_peer.h"
#include "support/ossl_test_ptr.h"
#include "tls_driver.h"
#include "tlswire/pump.h"

namespace opensslp::interop {
namespace {

namespace td = opensslp::tlsdriver;
namespace lp = opensslp::libssl_peer;

std::shared_ptr<const td::Credential> Open(const std::string& chain_file) {
  (void)Pki();  // OPENSSLP_KEY_STORE must be set before a key is opened
  std::string error;
  std::shared_ptr<const td::Credential> credential = td::Credential::Open(chain_file, &error);
  EXPECT_TRUE(credential) << error;
  return credential;
}

td::Config ServerWith(std::shared_ptr<const td::Credential> credential, std::uint16_t version) {
  td::Config c;
  c.role = td::Role::kServer;
  c.min_version = c.max_version = version;
  c.credential = std::move(credential);
  return c;
}

lp::PeerConfig VerifyingClient(std::uint16_t version, std::uint16_t suite = 0) {
  lp::PeerConfig c;
  c.role = lp::Role::kClient;
  c.min_version = c.max_version = version;
  if (suite != 0) c.cipher_suites = {suite};
  c.ca_file = Pki().ca_file();
  c.verify_hostname = c.server_name = "localhost";
  return c;
}

// One handshake of a driver endpoint against a libssl one; returns libssl's view of it.
struct Outcome {
  bool connected = false;
  std::string peer_subject;  // what libssl saw of the driver's certificate
  std::string why;
};

Outcome Handshake(const td::Config& driver_config, const lp::PeerConfig& peer_config) {
  Outcome out;
  std::string error;
  std::unique_ptr<td::Connection> driver = td::Connection::Create(driver_config, &error);
  if (!driver) {
    out.why = "driver: " + error;
    return out;
  }
  std::unique_ptr<lp::Peer> peer = lp::Peer::Create(peer_config, &error);
  if (!peer) {
    out.why = "libssl: " + error;
    return out;
  }
  tlswire::Pump(*driver, *peer);
  out.connected = driver->state() == td::State::kConnected && peer->state() == lp::State::kConnected;
  out.peer_subject = peer->info().peer_subject;
  out.why = DescribeDriver(*driver) + "; " + DescribePeer(*peer);
  return out;
}

// The leaf's commonName, read with OpenSSL from the chain file.
std::string LeafCommonName(const std::string& pem_file) {
  std::FILE* f = std::fopen(pem_file.c_str(), "r");
  if (f == nullptr) return "";
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (cert == nullptr) return "";
  char cn[256] = {};
  const int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  X509_free(cert);
  return n > 0 ? std::string(cn, static_cast<std::size_t>(n)) : "";
}

// One RSA credential serves TLS 1.3, TLS 1.2 ECDHE_RSA and TLS 1.2 RSA key transport (the last
// decrypts with the key: SslImportMasterKey) in turn; libssl verifies the chain each time.
TEST(DriverCredential, OneServerCredentialServesManyConnections) {
  std::shared_ptr<const td::Credential> rsa = Open(Pki().rsa().chain_file);
  ASSERT_TRUE(rsa);
  const std::string cn = LeafCommonName(Pki().rsa().chain_file);
  ASSERT_FALSE(cn.empty());
  struct Case {
    std::uint16_t version;
    std::uint16_t suite;
  } cases[] = {{td::kTls13, 0x1301}, {td::kTls12, 0xC02F}, {td::kTls12, 0x009C}, {td::kTls13, 0x1302}};
  for (const Case& c : cases) {
    SCOPED_TRACE(SuiteHex(c.suite));
    const Outcome o = Handshake(ServerWith(rsa, c.version), VerifyingClient(c.version, c.suite));
    EXPECT_TRUE(o.connected) << o.why;
    EXPECT_NE(o.peer_subject.find("CN=" + cn), std::string::npos) << o.peer_subject << " (want CN=" << cn << ")";
  }
  // Connections hold the credential: dropping ours while one is alive changes nothing for it.
  std::string error;
  std::unique_ptr<td::Connection> driver = td::Connection::Create(ServerWith(rsa, td::kTls13), &error);
  ASSERT_TRUE(driver) << error;
  std::weak_ptr<const td::Credential> watch = rsa;
  rsa.reset();
  EXPECT_FALSE(watch.expired());
  std::unique_ptr<lp::Peer> peer = lp::Peer::Create(VerifyingClient(td::kTls13), &error);
  ASSERT_TRUE(peer) << error;
  tlswire::Pump(*driver, *peer);
  EXPECT_EQ(peer->state(), lp::State::kConnected) << DescribeDriver(*driver) << "; " << DescribePeer(*peer);
  driver.reset();
  EXPECT_TRUE(watch.expired());
}

// A client's credential for client authentication, shared the same way; libssl requires and
// verifies the certificate (TLS 1.3 and TLS 1.2).
TEST(DriverCredential, OneClientCredentialAuthenticatesManyConnections) {
  std::shared_ptr<const td::Credential> client = Open(Pki().client_ecdsa().chain_file);
  ASSERT_TRUE(client);
  const std::string cn = LeafCommonName(Pki().client_ecdsa().chain_file);
  ASSERT_FALSE(cn.empty());
  for (std::uint16_t version : {td::kTls13, td::kTls12, td::kTls13}) {
    td::Config dc;
    dc.role = td::Role::kClient;
    dc.min_version = dc.max_version = version;
    dc.server_name = "localhost";
    dc.ca_file = Pki().ca_file();
    dc.client_credential = client;
    lp::PeerConfig pc;
    pc.role = lp::Role::kServer;
    pc.min_version = pc.max_version = version;
    pc.credentials = {{Pki().rsa().chain_file, Pki().rsa().key_file}};
    pc.require_client_certificate = true;
    pc.client_ca_file = Pki().ca_file();
    const Outcome o = Handshake(dc, pc);
    EXPECT_TRUE(o.connected) << o.why;
    EXPECT_NE(o.peer_subject.find("CN=" + cn), std::string::npos) << o.peer_subject << " (want CN=" << cn << ")";
  }
}

// Threads share one credential: its key handle signs in several threads at once (the key is
// loaded by Open's size query, before any thread starts). Under the tsan preset this is also a
// data-race check.
TEST(DriverCredential, ConnectionsOnSeveralThreadsShareOneCredential) {
  std::shared_ptr<const td::Credential> ecdsa = Open(Pki().ecdsa().chain_file);
  ASSERT_TRUE(ecdsa);
  constexpr int kThreads = 4, kEach = 3;
  std::atomic<int> connected{0};
  std::vector<std::vector<std::string>> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::uint16_t version = (t + i) % 2 == 0 ? td::kTls13 : td::kTls12;
        const Outcome o = Handshake(ServerWith(ecdsa, version), VerifyingClient(version));
        if (o.connected) {
          connected.fetch_add(1);
        } else {
          failures[t].push_back(o.why);
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(connected.load(), kThreads * kEach);
  for (const std::vector<std::string>& of_thread : failures) {
    for (const std::string& f : of_thread) ADD_FAILURE() << f;
  }
}

TEST(DriverCredential, OpenReportsWhatIsWrong) {
  (void)Pki();
  std::string error;
  EXPECT_FALSE(td::Credential::Open("/nonexistent/opensslp/chain.pem", &error));
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(td::Credential::Open("/nonexistent/opensslp/chain.pem", nullptr));  // no reason wanted

  // A certificate whose key the key store does not have: SslOpenPrivateKey defers the failure
  // (docs/key-store.md), Open's signature-size query reports it as NTE_NOT_FOUND.
  test::PkeyPtr key(EVP_EC_gen("P-256"));
  ASSERT_TRUE(key);
  test::OsslPtr<X509, X509_free> cert(X509_new());
  ASSERT_TRUE(cert);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 7);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("no-key-anywhere"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  X509_set_pubkey(cert.get(), key.get());
  ASSERT_GT(X509_sign(cert.get(), key.get(), EVP_sha256()), 0);
  // A name of this process's own (the presets may run this binary at the same time), removed
  // however the test ends.
  struct RemovedAtExit {
    std::filesystem::path path;
    ~RemovedAtExit() {
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
    }
  } pem{std::filesystem::temp_directory_path() /
        ("opensslp-credential-nokey-" + std::to_string(reinterpret_cast<std::uintptr_t>(&error)) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + ".pem")};
  std::FILE* f = std::fopen(pem.path.string().c_str(), "w");
  ASSERT_NE(f, nullptr);
  const int written = PEM_write_X509(f, cert.get());
  std::fclose(f);
  ASSERT_EQ(written, 1);
  error.clear();
  EXPECT_FALSE(td::Credential::Open(pem.path.string(), &error));
  EXPECT_NE(error.find("cannot be used: 0x80090011"), std::string::npos) << error;  // NTE_NOT_FOUND
}

TEST(DriverCredential, AChainFileAndACredentialTogetherAreAConfigurationError) {
  std::shared_ptr<const td::Credential> rsa = Open(Pki().rsa().chain_file);
  ASSERT_TRUE(rsa);
  td::Config server = ServerWith(rsa, td::kTls13);
  server.certificate_chain_file = Pki().rsa().chain_file;
  std::string error;
  EXPECT_FALSE(td::Connection::Create(server, &error));
  EXPECT_NE(error.find("not both"), std::string::npos) << error;

  td::Config client;
  client.role = td::Role::kClient;
  client.server_name = "localhost";
  client.ca_file = Pki().ca_file();
  client.client_credential = rsa;
  client.client_certificate_chain_file = Pki().client_ecdsa().chain_file;
  error.clear();
  EXPECT_FALSE(td::Connection::Create(client, &error));
  EXPECT_NE(error.find("not both"), std::string::npos) << error;
}

// Each role's field: a credential set for the other role is an error, not silently ignored; a
// server without any certificate says what it needs.
TEST(DriverCredential, EachRoleTakesOnlyItsOwnCredential) {
  std::shared_ptr<const td::Credential> rsa = Open(Pki().rsa().chain_file);
  ASSERT_TRUE(rsa);
  td::Config client;
  client.role = td::Role::kClient;
  client.server_name = "localhost";
  client.ca_file = Pki().ca_file();
  client.credential = rsa;
  std::string error;
  EXPECT_FALSE(td::Connection::Create(client, &error));
  EXPECT_NE(error.find("client_credential"), std::string::npos) << error;

  td::Config server = ServerWith(nullptr, td::kTls13);
  server.client_credential = rsa;
  error.clear();
  EXPECT_FALSE(td::Connection::Create(server, &error));
  EXPECT_NE(error.find("client's"), std::string::npos) << error;

  server.client_credential = nullptr;
  error.clear();
  EXPECT_FALSE(td::Connection::Create(server, &error));
  EXPECT_EQ(error, "a server needs certificate_chain_file or credential");
}

}  // namespace
}  // namespace opensslp::interop
