// tls12_client_auth_interop_test.cpp - client-certificate authentication in TLS 1.0-1.2 (RFC 5246
// §7.4.4, §7.4.6, §7.4.8; RFC 2246 for TLS 1.0/1.1) between the Schannel-style driver and libssl,
// both roles. A driver client signs its CertificateVerify over the handshake messages with
// SslCreateClientAuthHash / SslComputeClientAuthHash (TLS 1.2: the scheme's hash; TLS 1.0/1.1:
// MD5||SHA-1 for RSA, SHA-1 for ECDSA); a driver server verifies libssl's and checks the chain
// against its client CA file with the TLS client purpose.
//
// TLS 1.0/1.1 run at libssl security level 0 (libssl_peer.h: OpenSSL 3.0 rates their MD5/SHA-1
// signatures below level 1); TLS 1.2 at level 1.
//
// Negative cases: a required certificate missing (handshake_failure, RFC 5246 §7.4.6), a client
// certificate from a CA the server does not trust (unknown_ca / bad_certificate), a corrupted driver
// CertificateVerify (decrypt_error for a signature that does not verify, RFC 5246 §7.2.2).
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <sstream>

#include "interop_support.h"
#include "libssl_peer.h"
#include "tls_driver.h"
#include "tlswire/pump.h"

namespace opensslp::interop {
namespace {

namespace td = opensslp::tlsdriver;
namespace lp = opensslp::libssl_peer;

struct AuthCase {
  std::uint16_t version;
  std::uint16_t suite;
  const char* suite_name;
  bool driver_client;
  bool ecdsa_client;  // the client leaf's key: ECDSA P-256, else RSA-2048
};

const char* VersionLabel(std::uint16_t v) { return v == td::kTls10 ? "TLS10" : v == td::kTls11 ? "TLS11" : "TLS12"; }

std::string Describe(const AuthCase& c) {
  std::ostringstream s;
  s << VersionLabel(c.version) << " " << c.suite_name << " (" << SuiteHex(c.suite) << "), "
    << (c.driver_client ? "driver client vs libssl server" : "libssl client vs driver server") << ", "
    << (c.ecdsa_client ? "ECDSA" : "RSA") << " client certificate";
  return s.str();
}

void PrintTo(const AuthCase& c, std::ostream* os) { *os << Describe(c); }

std::string AuthName(const testing::TestParamInfo<AuthCase>& info) {
  const AuthCase& c = info.param;
  return std::string(VersionLabel(c.version)) + "_" + (c.suite_name + 4) +
         (c.ecdsa_client ? "_EcdsaClient" : "_RsaClient") + (c.driver_client ? "_DriverClient" : "_DriverServer");
}

const lp::PkiLeaf& ClientLeaf(bool ecdsa) { return ecdsa ? Pki().client_ecdsa() : Pki().client_rsa(); }

td::Config DriverConfig(const AuthCase& c) {
  td::Config cfg;
  cfg.role = c.driver_client ? td::Role::kClient : td::Role::kServer;
  cfg.min_version = cfg.max_version = c.version;
  cfg.cipher_suites = {c.suite};
  cfg.groups = {23};
  if (c.driver_client) {
    cfg.server_name = "localhost";
    cfg.ca_file = Pki().ca_file();
    cfg.client_certificate_chain_file = ClientLeaf(c.ecdsa_client).chain_file;
  } else {
    cfg.certificate_chain_file = Pki().rsa().chain_file;
    cfg.client_auth = td::ClientAuth::kRequire;
    cfg.client_ca_file = Pki().ca_file();
  }
  return cfg;
}

lp::PeerConfig PeerConfigFor(const AuthCase& c) {
  lp::PeerConfig cfg;
  cfg.role = c.driver_client ? lp::Role::kServer : lp::Role::kClient;
  cfg.min_version = cfg.max_version = c.version;
  cfg.cipher_suites = {c.suite};
  cfg.groups = {23};
  if (c.driver_client) {
    cfg.credentials = {{Pki().rsa().chain_file, Pki().rsa().key_file}};
    cfg.require_client_certificate = true;
    cfg.client_ca_file = Pki().ca_file();
  } else {
    cfg.ca_file = Pki().ca_file();
    cfg.verify_hostname = "localhost";
    cfg.server_name = "localhost";
    cfg.client_credential = lp::Credential{ClientLeaf(c.ecdsa_client).chain_file, ClientLeaf(c.ecdsa_client).key_file};
  }
  return cfg;
}

struct Pair {
  std::unique_ptr<td::Connection> driver;
  std::unique_ptr<lp::Peer> peer;
};

Pair MakePair(const td::Config& dc, const lp::PeerConfig& pc) {
  (void)Pki();  // OPENSSLP_KEY_STORE must be set before the driver opens a key
  Pair p;
  std::string error;
  p.driver = td::Connection::Create(dc, &error);
  EXPECT_TRUE(p.driver) << "driver config: " << error;
  p.peer = lp::Peer::Create(pc, &error);
  EXPECT_TRUE(p.peer) << "libssl config: " << error;
  return p;
}

void Exchange(Pair& p) { tlswire::Pump(*p.driver, *p.peer); }

std::string Both(const Pair& p) { return DescribeDriver(*p.driver) + "; " + DescribePeer(*p.peer); }

const AuthCase kCases[] = {
    {td::kTls12, 0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", true, false},
    {td::kTls12, 0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", true, true},
    {td::kTls12, 0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", false, false},
    {td::kTls12, 0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", false, true},
    {td::kTls12, 0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", true, false},
    {td::kTls12, 0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", true, true},
    {td::kTls12, 0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", false, false},
    {td::kTls12, 0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", false, true},
    {td::kTls11, 0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", true, false},
    {td::kTls11, 0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", true, true},
    {td::kTls11, 0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", false, false},
    {td::kTls11, 0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", false, true},
    {td::kTls10, 0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", true, false},
    {td::kTls10, 0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", true, true},
    {td::kTls10, 0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", false, false},
    {td::kTls10, 0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", false, true},
};

class Tls12ClientAuth : public testing::TestWithParam<AuthCase> {};

TEST_P(Tls12ClientAuth, CertificateSentVerifiedDataClose) {
  const AuthCase& c = GetParam();
  SCOPED_TRACE(Describe(c));
  Pair p = MakePair(DriverConfig(c), PeerConfigFor(c));
  ASSERT_TRUE(p.driver && p.peer);
  Exchange(p);
  ASSERT_EQ(p.driver->state(), td::State::kConnected) << Both(p);
  ASSERT_EQ(p.peer->state(), lp::State::kConnected) << Both(p);
  const td::SessionInfo& di = p.driver->info();
  const lp::PeerSessionInfo& li = p.peer->info();
  EXPECT_EQ(di.version, c.version);
  EXPECT_EQ(li.version, c.version);
  EXPECT_EQ(di.cipher_suite, c.suite);
  EXPECT_EQ(li.cipher_suite, c.suite) << li.cipher_name;
  EXPECT_TRUE(di.client_certificate);
  const std::string& subject = ClientLeaf(c.ecdsa_client).subject;
  if (c.driver_client) {
    // libssl verified the driver's chain and its CertificateVerify (SSL_VERIFY_FAIL_IF_NO_PEER_CERT).
    EXPECT_EQ(li.peer_subject, subject);
    EXPECT_TRUE(di.peer_verified);
  } else {
    EXPECT_EQ(di.client_subject, subject);
    EXPECT_EQ(li.peer_subject, Pki().rsa().subject);
  }
  // CertificateRequest (13), the client's Certificate (11) and CertificateVerify (15) in libssl's
  // transcript, and both Finished values agree (the CertificateVerify is part of the transcript).
  std::vector<std::uint8_t> types;
  for (const auto& m : li.handshake_messages) types.push_back(m[0]);
  EXPECT_NE(std::count(types.begin(), types.end(), 13), 0);
  EXPECT_EQ(std::count(types.begin(), types.end(), 11), 2) << "server and client Certificate";
  EXPECT_EQ(std::count(types.begin(), types.end(), 15), 1) << "the client's CertificateVerify";
  EXPECT_EQ(Hex(di.client_finished), Hex(li.client_finished));
  EXPECT_EQ(Hex(di.server_finished), Hex(li.server_finished));
  EXPECT_EQ(CheckLibsslFinishedFromKeylog(li, c.suite), "");

  const auto up = Pattern(20000, 11), down = Pattern(17000, 12);
  ASSERT_TRUE(p.driver->Write(up));
  ASSERT_TRUE(p.peer->Write(down));
  Exchange(p);
  EXPECT_TRUE(p.peer->TakeReceivedData() == up) << Both(p);
  EXPECT_TRUE(p.driver->TakeReceivedData() == down) << Both(p);
  p.driver->Close();
  Exchange(p);
  p.peer->Close();
  Exchange(p);
  EXPECT_TRUE(p.peer->peer_closed()) << Both(p);
  EXPECT_TRUE(p.driver->peer_closed()) << Both(p);
  EXPECT_EQ(p.driver->state(), td::State::kClosed) << Both(p);
}

INSTANTIATE_TEST_SUITE_P(ClientAuth, Tls12ClientAuth, testing::ValuesIn(kCases), AuthName);

// ---- Negative cases --------------------------------------------------------------------------------

class Tls12ClientAuthNegative : public testing::TestWithParam<AuthCase> {};

// A driver server that requires a certificate, a libssl client without one: handshake_failure
// (RFC 5246 §7.4.6: "the server MAY respond with a fatal handshake_failure alert").
TEST_P(Tls12ClientAuthNegative, DriverServerRequiresCertificateLibsslSendsNone) {
  AuthCase c = GetParam();
  c.driver_client = false;
  SCOPED_TRACE(Describe(c));
  lp::PeerConfig pc = PeerConfigFor(c);
  pc.client_credential.reset();
  Pair p = MakePair(DriverConfig(c), pc);
  ASSERT_TRUE(p.driver && p.peer);
  Exchange(p);
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << Both(p);
  EXPECT_TRUE(p.driver->failure().alert_sent) << Both(p);
  EXPECT_EQ(p.driver->failure().alert, 40) << Both(p);
  EXPECT_FALSE(p.driver->info().client_certificate);
  EXPECT_EQ(p.peer->state(), lp::State::kFailed) << Both(p);
  EXPECT_TRUE(p.peer->failure().alert_received) << Both(p);
  EXPECT_EQ(p.peer->failure().alert, 40) << Both(p);
}

// libssl's client certificate is issued by a CA the driver server does not trust: unknown_ca (or
// bad_certificate; RFC 5246 §7.2.2), and nothing is accepted.
TEST_P(Tls12ClientAuthNegative, DriverServerRejectsClientCertificateFromUnknownCa) {
  AuthCase c = GetParam();
  c.driver_client = false;
  SCOPED_TRACE(Describe(c));
  lp::PeerConfig pc = PeerConfigFor(c);
  pc.client_credential = lp::Credential{Pki().unknown_ca().chain_file, Pki().unknown_ca().key_file};
  Pair p = MakePair(DriverConfig(c), pc);
  ASSERT_TRUE(p.driver && p.peer);
  Exchange(p);
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << Both(p);
  EXPECT_TRUE(p.driver->failure().alert_sent) << Both(p);
  EXPECT_TRUE(p.driver->failure().alert == 48 || p.driver->failure().alert == 42) << Both(p);
  EXPECT_FALSE(p.driver->info().client_certificate);
  EXPECT_TRUE(p.peer->failure().alert_received) << Both(p);
  std::cout << "  [untrusted client certificate: driver sent " << tlswire::AlertName(p.driver->failure().alert)
            << "]\n";
}

// The driver client's certificate is issued by an untrusted CA: libssl answers unknown_ca.
TEST_P(Tls12ClientAuthNegative, LibsslServerRejectsDriverCertificateFromUnknownCa) {
  AuthCase c = GetParam();
  c.driver_client = true;
  SCOPED_TRACE(Describe(c));
  td::Config dc = DriverConfig(c);
  dc.client_certificate_chain_file = Pki().unknown_ca().chain_file;  // its key is in the key store
  Pair p = MakePair(dc, PeerConfigFor(c));
  ASSERT_TRUE(p.driver && p.peer);
  Exchange(p);
  EXPECT_EQ(p.peer->state(), lp::State::kFailed) << Both(p);
  EXPECT_TRUE(p.peer->failure().alert_sent) << Both(p);
  EXPECT_TRUE(p.peer->failure().alert == 48 || p.peer->failure().alert == 42) << Both(p);
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << Both(p);
  EXPECT_TRUE(p.driver->failure().alert_received) << Both(p);
  std::cout << "  [untrusted client certificate: libssl sent " << tlswire::AlertName(p.peer->failure().alert) << "]\n";
}

// The driver's CertificateVerify through its test hook: CorruptNextHandshakeMessage flips a bit of
// the first byte of the body (connection.cpp SendHandshake), which in a CertificateVerify is not
// the signature but the SignatureAndHashAlgorithm (TLS 1.2, RFC 5246 §7.4.8) or the signature's
// length (TLS 1.0/1.1, RFC 2246 §7.4.8). libssl must refuse it; its alert then depends on what the
// flipped byte became (illegal_parameter for an unknown or unoffered scheme, decode_error for a
// length mismatch, decrypt_error when the flipped scheme is still acceptable, e.g. ECDSA 0x0403 ->
// 0x0503), and is printed.
TEST_P(Tls12ClientAuthNegative, DriverCorruptCertificateVerifyHookLibsslRefuses) {
  AuthCase c = GetParam();
  c.driver_client = true;
  SCOPED_TRACE(Describe(c));
  Pair p = MakePair(DriverConfig(c), PeerConfigFor(c));
  ASSERT_TRUE(p.driver && p.peer);
  p.driver->CorruptNextHandshakeMessage(15);
  Exchange(p);
  EXPECT_EQ(p.peer->state(), lp::State::kFailed) << Both(p);
  EXPECT_TRUE(p.peer->failure().alert_sent) << Both(p);
  const std::uint8_t alert = p.peer->failure().alert;
  EXPECT_TRUE(alert == 51 || alert == 47 || alert == 50) << Both(p);
  EXPECT_TRUE(p.peer->TakeReceivedData().empty());
  EXPECT_EQ(p.peer->info().peer_subject, "") << "libssl accepted the client certificate";
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << Both(p);
  EXPECT_TRUE(p.driver->failure().alert_received) << Both(p);
  EXPECT_EQ(p.driver->failure().alert, alert) << Both(p);
  std::cout << "  [CorruptNextHandshakeMessage(15): libssl sent " << tlswire::AlertName(alert) << "]\n";
}

// Flips one bit of the last byte of the first handshake message of `type` in a chunk of plaintext
// handshake records (before ChangeCipherSpec). True if done.
bool FlipLastByteOfMessage(std::vector<std::uint8_t>& b, std::uint8_t type) {
  std::size_t q = 0;
  while (q + 5 <= b.size()) {
    const std::size_t len = (static_cast<std::size_t>(b[q + 3]) << 8) | b[q + 4];
    if (q + 5 + len > b.size() || b[q] == 20) return false;
    if (b[q] == 22) {
      for (std::size_t m = q + 5; m + 4 <= q + 5 + len;) {
        const std::size_t mlen = (static_cast<std::size_t>(b[m + 1]) << 16) | (b[m + 2] << 8) | b[m + 3];
        if (m + 4 + mlen > q + 5 + len) break;
        if (b[m] == type && mlen > 0) {
          b[m + 4 + mlen - 1] ^= 0x01;
          return true;
        }
        m += 4 + mlen;
      }
    }
    q += 5 + len;
  }
  return false;
}

// The driver's CertificateVerify signature (its last byte) altered in flight: the signature covers
// the messages before it, which are unchanged, so it simply does not verify -> decrypt_error
// (RFC 5246 §7.2.2: "a handshake cryptographic operation failed, including being unable to
// correctly verify a signature").
TEST_P(Tls12ClientAuthNegative, DriverCertificateVerifySignatureTamperedLibsslSendsDecryptError) {
  AuthCase c = GetParam();
  c.driver_client = true;
  SCOPED_TRACE(Describe(c));
  Pair p = MakePair(DriverConfig(c), PeerConfigFor(c));
  ASSERT_TRUE(p.driver && p.peer);
  bool flipped = false;
  tlswire::Pump(*p.driver, *p.peer, [&](tlswire::Direction d, std::vector<std::uint8_t>& b) {
    if (d == tlswire::Direction::kAToB && !flipped) flipped = FlipLastByteOfMessage(b, 15);
  });
  ASSERT_TRUE(flipped) << "no CertificateVerify from the driver; " << Both(p);
  EXPECT_EQ(p.peer->state(), lp::State::kFailed) << Both(p);
  EXPECT_TRUE(p.peer->failure().alert_sent) << Both(p);
  EXPECT_EQ(p.peer->failure().alert, 51) << Both(p);
  EXPECT_TRUE(p.peer->TakeReceivedData().empty());
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << Both(p);
  EXPECT_TRUE(p.driver->failure().alert_received) << Both(p);
  EXPECT_EQ(p.driver->failure().alert, 51) << Both(p);
}

INSTANTIATE_TEST_SUITE_P(
    Negative, Tls12ClientAuthNegative,
    testing::Values(AuthCase{td::kTls12, 0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", true, false},
                    AuthCase{td::kTls12, 0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", true, true},
                    AuthCase{td::kTls10, 0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", true, false},
                    AuthCase{td::kTls10, 0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", true, true}),
    [](const testing::TestParamInfo<AuthCase>& param_info) {
      return std::string(VersionLabel(param_info.param.version)) +
             (param_info.param.ecdsa_client ? "_EcdsaClient" : "_RsaClient");
    });

}  // namespace
}  // namespace opensslp::interop
