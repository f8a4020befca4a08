// tls12_interop_test.cpp - the Schannel-style driver (tools/tlsdriver: every key, hash, signature,
// Finished and record through opensslp's exports) against OpenSSL's libssl, in process
// (docs/driver.md, docs/testing.md). libssl is the independent side: every expected value is
// libssl's own (its Finished values, its RFC 5705 exporter, its view of version / suite / group /
// EMS), never a value our code computed.
//
// Matrix: every TLS <= 1.2 suite the provider enumerates (SslEnumCipherSuites; PSK suites are
// skipped: the driver has no PSK configuration) x both roles x EMS on/off x, for ECDHE, every
// curve (x25519, x448, P-256, P-384, P-521); DHE with ffdhe2048; RSA key transport; TLS 1.0 and
// 1.1 with the CBC suites enumerated for them. Each case: handshake, checks, application data
// both ways, close_notify both ways (TLS 1.0/1.1 use one curve: P-256 and x25519).
//
// Then: 1 MiB each way in 2^14-byte records (GCM, CBC, ChaCha20-Poly1305, both roles); tampered
// records both ways (bad_record_mac); wrong Finished both ways (decrypt_error; libssl's wrong
// Finished is produced by altering its ClientHello in flight, or by re-sealing its server
// Finished with keys derived from its key-log master secret); a bad ServerKeyExchange signature
// (decrypt_error); a corrupted RSA pre-master (implicit rejection: bad_record_mac, nothing else);
// certificate failures (unknown CA, expired, host name); encrypt-then-MAC never negotiated;
// default lists, version fallback, no common version, required EMS missing.
//
// Runs in about 7 s on Linux (Debug), about 35 s under Wine.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>

#include "interop_support.h"
#include "libssl_peer.h"
#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/ossl_reference.h"
#include "tls_driver.h"
#include "tlswire/pump.h"
#include "tlswire/record_scanner.h"

namespace opensslp::interop {
namespace {

namespace td = opensslp::tlsdriver;
namespace lp = opensslp::libssl_peer;

enum class Kx { kEcdhe, kDhe, kRsa };

struct Case {
  std::uint16_t suite = 0;
  std::string suite_name;  // IANA name as the provider reports it
  std::uint16_t version = td::kTls12;
  bool driver_client = true;
  bool ems = true;
  std::uint16_t group = 0;  // ECDHE group; 256 (ffdhe2048) for DHE; 0 for RSA
  Kx kx = Kx::kEcdhe;
  bool ecdsa = false;
};

const char* VersionName(std::uint16_t v) {
  switch (v) {
    case 0x0301: return "TLS10";
    case 0x0302: return "TLS11";
    case 0x0303: return "TLS12";
    default: return "TLS??";
  }
}

const char* GroupName(std::uint16_t g) {
  switch (g) {
    case 23: return "P256";
    case 24: return "P384";
    case 25: return "P521";
    case 29: return "x25519";
    case 30: return "x448";
    case 256: return "ffdhe2048";
    default: return "none";
  }
}

std::string CaseName(const Case& c) {
  std::string name =
      std::string(VersionName(c.version)) + "_" + c.suite_name.substr(c.suite_name.rfind("TLS_", 0) == 0 ? 4 : 0);
  if (c.kx != Kx::kRsa) name += std::string("_") + GroupName(c.group);
  name += c.ems ? "_EMS" : "_NoEMS";
  name += c.driver_client ? "_DriverClient" : "_DriverServer";
  return name;
}

std::string Describe(const Case& c);

// Readable parameters in gtest's failure lines.
void PrintTo(const Case& c, std::ostream* os) { *os << Describe(c); }

std::string Describe(const Case& c) {
  std::ostringstream s;
  s << c.suite_name << " (" << SuiteHex(c.suite) << "), " << VersionName(c.version) << ", driver "
    << (c.driver_client ? "client vs libssl server" : "server vs libssl client") << ", EMS " << (c.ems ? "on" : "off")
    << ", group " << GroupName(c.group);
  return s.str();
}

std::string DriverFailure(const td::Connection& d) {
  const td::Failure& f = d.failure();
  std::ostringstream s;
  s << "driver state " << static_cast<int>(d.state()) << ": '" << f.reason << "'";
  if (f.alert_sent) s << " [alert sent: " << td::AlertName(f.alert) << "]";
  if (f.alert_received) s << " [alert received: " << td::AlertName(f.alert) << "]";
  if (f.provider_status != 0) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "0x%08X", f.provider_status);
    s << " [provider status " << buf << "]";
  }
  return s.str();
}

std::string PeerFailure(const lp::Peer& p) {
  std::ostringstream s;
  s << "libssl state " << static_cast<int>(p.state()) << ": '" << p.failure().reason << "'";
  if (p.failure().alert_sent) s << " [alert sent: " << lp::AlertName(p.failure().alert) << "]";
  if (p.failure().alert_received) s << " [alert received: " << lp::AlertName(p.failure().alert) << "]";
  return s.str();
}

// ---- The provider's suite list ---------------------------------------------------------------

struct EnumeratedSuite {
  std::uint16_t id;
  std::uint16_t version;
  std::string name;
};

std::string Narrow(const WCHAR* w, std::size_t max) {
  std::string s;
  for (std::size_t i = 0; i < max && w[i] != 0; ++i) s += static_cast<char>(w[i]);
  return s;
}

std::vector<EnumeratedSuite> ProviderSuites() {
  std::vector<EnumeratedSuite> out;
  NCRYPT_PROV_HANDLE prov = 0;
  if (SslOpenProvider(&prov, OPENSSLP_PROVIDER_NAME, 0) != 0) return out;
  void* state = nullptr;
  for (;;) {
    NCRYPT_SSL_CIPHER_SUITE* entry = nullptr;
    if (SslEnumCipherSuites(prov, 0, &entry, &state, 0) != 0) break;
    out.push_back({static_cast<std::uint16_t>(entry->dwCipherSuite), static_cast<std::uint16_t>(entry->dwProtocol),
                   Narrow(entry->szCipherSuite, NCRYPT_SSL_MAX_NAME_SIZE)});
    (void)SslFreeBuffer(entry);
  }
  if (state != nullptr) (void)SslFreeBuffer(state);
  (void)SslFreeObject(prov, 0);
  return out;
}

bool Contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

std::vector<Case> Matrix() {
  std::vector<Case> cases;
  for (const EnumeratedSuite& e : ProviderSuites()) {
    if (e.version < td::kTls10 || e.version > td::kTls12) continue;  // TLS 1.3: not this driver
    if (Contains(e.name, "_PSK_")) continue;                         // no PSK in the driver's Config
    Case base;
    base.suite = e.id;
    base.suite_name = e.name;
    base.version = e.version;
    base.ecdsa = Contains(e.name, "_ECDSA_");
    std::vector<std::uint16_t> groups;
    if (e.name.rfind("TLS_ECDHE_", 0) == 0) {
      base.kx = Kx::kEcdhe;
      // Every curve on TLS 1.2; TLS 1.0/1.1 (CBC suites only) with one curve each.
      groups = e.version == td::kTls12
                   ? std::vector<std::uint16_t>{29, 30, 23, 24, 25}
                   : std::vector<std::uint16_t>{e.version == td::kTls11 ? std::uint16_t{29} : std::uint16_t{23}};
    } else if (e.name.rfind("TLS_DHE_", 0) == 0) {
      base.kx = Kx::kDhe;
      groups = {256};
    } else if (e.name.rfind("TLS_RSA_", 0) == 0) {
      base.kx = Kx::kRsa;
      groups = {0};
    } else {
      continue;
    }
    for (std::uint16_t g : groups) {
      for (bool ems : {true, false}) {
        for (bool driver_client : {true, false}) {
          Case c = base;
          c.group = g;
          c.ems = ems;
          c.driver_client = driver_client;
          cases.push_back(c);
        }
      }
    }
  }
  return cases;
}

// ---- Endpoints -------------------------------------------------------------------------------

const lp::PkiLeaf& Leaf(bool ecdsa) { return ecdsa ? Pki().ecdsa() : Pki().rsa(); }

// The client's supported_groups. In TLS 1.2 the list also governs the curve of an ECDSA
// certificate (RFC 8422 §5.1.1; libssl enforces it on both sides), so with an ECDSA suite the
// client offers the ECDHE group under test first and then P-256, the leaf's curve; the server's
// list holds only the group under test, so that is what it selects.
std::vector<std::uint16_t> ClientGroups(const Case& c) {
  if (c.ecdsa && c.group != 23) return {c.group, 23};
  return {c.group};
}

td::Config DriverConfig(const Case& c) {
  td::Config cfg;
  cfg.role = c.driver_client ? td::Role::kClient : td::Role::kServer;
  cfg.min_version = cfg.max_version = c.version;
  cfg.cipher_suites = {c.suite};
  if (c.kx == Kx::kEcdhe) cfg.groups = c.driver_client ? ClientGroups(c) : std::vector<std::uint16_t>{c.group};
  cfg.extended_master_secret = c.ems;
  if (c.driver_client) {
    cfg.server_name = "localhost";
    cfg.ca_file = Pki().ca_file();
    cfg.verify_peer = true;
  } else {
    cfg.certificate_chain_file = Leaf(c.ecdsa).chain_file;
  }
  return cfg;
}

lp::PeerConfig PeerConfigFor(const Case& c) {
  lp::PeerConfig cfg;
  cfg.role = c.driver_client ? lp::Role::kServer : lp::Role::kClient;
  cfg.min_version = cfg.max_version = c.version;
  cfg.cipher_suites = {c.suite};
  if (c.kx == Kx::kEcdhe) cfg.groups = c.driver_client ? std::vector<std::uint16_t>{c.group} : ClientGroups(c);
  cfg.dhe_group = "ffdhe2048";
  cfg.extended_master_secret = c.ems;
  cfg.encrypt_then_mac = true;  // libssl's default: it offers EtM; the driver must never take it
  if (c.driver_client) {
    cfg.credentials = {{Leaf(c.ecdsa).chain_file, Leaf(c.ecdsa).key_file}};
  } else {
    cfg.ca_file = Pki().ca_file();
    cfg.verify_hostname = "localhost";
    cfg.server_name = "localhost";
  }
  return cfg;
}

struct Pair {
  std::unique_ptr<td::Connection> driver;
  std::unique_ptr<lp::Peer> peer;
};

// Both endpoints; empty on a configuration error (reported as a test failure).
Pair MakePair(const td::Config& dc, const lp::PeerConfig& pc) {
  (void)Pki();  // OPENSSLP_KEY_STORE must be set before the driver opens its key
  Pair p;
  std::string error;
  p.driver = td::Connection::Create(dc, &error);
  EXPECT_TRUE(p.driver) << "driver config: " << error;
  p.peer = lp::Peer::Create(pc, &error);
  EXPECT_TRUE(p.peer) << "libssl config: " << error;
  return p;
}

// Pump with the client as `a` so that it speaks first; the hook sees Direction relative to
// (driver, peer): kAToB = driver -> libssl.
tlswire::PumpStats Exchange(Pair& p, const tlswire::WireHook& hook = nullptr) {
  return tlswire::Pump(*p.driver, *p.peer, hook);
}

// ---- The matrix --------------------------------------------------------------------------------

class Tls12Interop : public testing::TestWithParam<Case> {};

TEST_P(Tls12Interop, HandshakeCrossChecksDataClose) {
  const Case& c = GetParam();
  SCOPED_TRACE(Describe(c));
  Pair p = MakePair(DriverConfig(c), PeerConfigFor(c));
  ASSERT_TRUE(p.driver && p.peer);
  const tlswire::PumpStats stats = Exchange(p);
  ASSERT_FALSE(stats.round_limit_hit) << "pump did not settle";
  ASSERT_EQ(p.driver->state(), td::State::kConnected) << DriverFailure(*p.driver) << "; " << PeerFailure(*p.peer);
  ASSERT_EQ(p.peer->state(), lp::State::kConnected) << PeerFailure(*p.peer) << "; " << DriverFailure(*p.driver);

  const td::SessionInfo& di = p.driver->info();
  const lp::PeerSessionInfo& li = p.peer->info();
  // libssl's view of what was negotiated.
  EXPECT_EQ(li.version, c.version);
  EXPECT_EQ(li.cipher_suite, c.suite) << li.cipher_name;
  EXPECT_EQ(li.extended_master_secret, c.ems);
  // The driver reports the same.
  EXPECT_EQ(di.version, c.version);
  EXPECT_EQ(di.cipher_suite, c.suite);
  EXPECT_EQ(di.cipher_suite_name, c.suite_name);
  EXPECT_EQ(di.extended_master_secret, c.ems);
  if (c.kx == Kx::kEcdhe) {
    EXPECT_EQ(li.group, c.group) << li.group_name;
    EXPECT_EQ(di.group, c.group) << di.group_name;
  } else if (c.kx == Kx::kDhe) {
    EXPECT_EQ(di.dhe_bits, 2048);
    if (c.driver_client) {
      EXPECT_EQ(di.group_name, "ffdhe2048");
    } else {
      EXPECT_EQ(li.dhe_bits, 2048);  // libssl client: the prime the driver sent
      EXPECT_EQ(li.group_name, "ffdhe2048") << "the driver server's DH group is not RFC 7919 ffdhe2048";
    }
  } else {
    EXPECT_EQ(di.group, 0);
  }
  // Never encrypt-then-MAC (RFC 7366 extension 22): not offered by a driver client, not accepted
  // by a driver server although libssl offers it.
  EXPECT_EQ(std::count(li.server_hello_extensions.begin(), li.server_hello_extensions.end(), 22), 0)
      << "encrypt_then_mac negotiated";
  if (c.driver_client) {
    EXPECT_EQ(std::count(li.client_hello_extensions.begin(), li.client_hello_extensions.end(), 22), 0)
        << "driver offered encrypt_then_mac";
  }
  EXPECT_EQ(di.peer_verified, c.driver_client);
  if (c.driver_client) {
    EXPECT_EQ(di.peer_subject, Leaf(c.ecdsa).subject);
  }

  // Randoms and Finished: the driver's against libssl's (sizes first, so that two empty values
  // cannot pass).
  EXPECT_EQ(di.client_random.size(), 32u);
  EXPECT_EQ(di.server_random.size(), 32u);
  EXPECT_EQ(di.client_finished.size(), 12u);
  EXPECT_EQ(di.server_finished.size(), 12u);
  EXPECT_EQ(Hex(di.client_random), Hex(li.client_random));
  EXPECT_EQ(Hex(di.server_random), Hex(li.server_random));
  EXPECT_EQ(Hex(di.client_finished), Hex(li.client_finished));
  EXPECT_EQ(Hex(di.server_finished), Hex(li.server_finished));
  // libssl against itself: its key-log master secret reproduces its Finished values.
  EXPECT_EQ(CheckLibsslFinishedFromKeylog(li, c.suite), "");

  // RFC 5705 exporters: with a context, without one, with an empty one (all three differ).
  std::vector<std::uint8_t> context(32);
  for (std::size_t i = 0; i < context.size(); ++i) context[i] = static_cast<std::uint8_t>(i);
  const std::vector<std::uint8_t> empty;
  const std::string label = "EXPORTER-opensslp-interop";
  const std::vector<std::uint8_t>* const contexts[] = {&context, nullptr, &empty};
  for (const std::vector<std::uint8_t>* ctx : contexts) {
    const std::size_t len = ctx == nullptr ? 64 : (ctx->empty() ? 20 : 32);
    auto ours = p.driver->ExportKeyingMaterial(label, ctx, len);
    auto theirs = p.peer->ExportKeyingMaterial(label, ctx, len);
    ASSERT_TRUE(theirs.has_value());
    ASSERT_TRUE(ours.has_value()) << "ExportKeyingMaterial failed, context "
                                  << (ctx == nullptr ? "null"
                                      : ctx->empty() ? "empty"
                                                     : "32 bytes");
    EXPECT_EQ(Hex(*ours), Hex(*theirs)) << "exporter, context "
                                        << (ctx == nullptr ? "null"
                                            : ctx->empty() ? "empty"
                                                           : "32 bytes");
  }
  // EAP key blocks = the exporter with the method's label and no context (RFC 5216 §2.3,
  // RFC 5281 §8), 128 bytes.
  const struct {
    std::uint32_t method;
    const char* label;
  } kEap[] = {{NCRYPT_SSL_EAP_ID, "client EAP encryption"},
              {NCRYPT_SSL_EAP_TTLSV0_ID, "ttls keying material"},
              {NCRYPT_SSL_EAP_TTLSV0_CHLNG_ID, "ttls challenge"}};
  for (const auto& eap : kEap) {
    auto ours = p.driver->EapKeyBlock(eap.method);
    ASSERT_TRUE(ours.has_value()) << "EapKeyBlock(" << eap.method << ") failed";
    EXPECT_EQ(ours->size(), 128u) << eap.label;
    auto theirs = p.peer->ExportKeyingMaterial(eap.label, nullptr, ours->size());
    ASSERT_TRUE(theirs.has_value());
    EXPECT_EQ(Hex(*ours), Hex(*theirs)) << eap.label;
  }

  // Application data both ways (more than one record each way), then close_notify both ways.
  const auto up = Pattern(20000, 1), down = Pattern(30000, 2);
  ASSERT_TRUE(p.driver->Write(up));
  ASSERT_TRUE(p.peer->Write(down));
  Exchange(p);
  EXPECT_EQ(p.peer->TakeReceivedData() == up, true)
      << "libssl did not receive the driver's data intact; " << PeerFailure(*p.peer);
  EXPECT_EQ(p.driver->TakeReceivedData() == down, true)
      << "driver did not receive libssl's data intact; " << DriverFailure(*p.driver);
  p.driver->Close();
  Exchange(p);
  EXPECT_TRUE(p.peer->peer_closed()) << PeerFailure(*p.peer);
  p.peer->Close();
  Exchange(p);
  EXPECT_TRUE(p.driver->peer_closed()) << DriverFailure(*p.driver);
  EXPECT_EQ(p.driver->state(), td::State::kClosed) << DriverFailure(*p.driver);
  EXPECT_EQ(p.peer->state(), lp::State::kClosed) << PeerFailure(*p.peer);
}

INSTANTIATE_TEST_SUITE_P(Matrix, Tls12Interop, testing::ValuesIn(Matrix()),
                         [](const testing::TestParamInfo<Case>& param_info) { return CaseName(param_info.param); });

// The matrix is what the provider enumerates: make sure that is not silently empty or short.
TEST(Tls12InteropMatrix, CoversTheProviderSuites) {
  const std::vector<Case> cases = Matrix();
  std::size_t tls10 = 0, tls11 = 0, tls12 = 0;
  for (const Case& c : cases) {
    tls10 += c.version == td::kTls10;
    tls11 += c.version == td::kTls11;
    tls12 += c.version == td::kTls12;
  }
  EXPECT_GT(tls12, 300u);
  EXPECT_GT(tls11, 0u);
  EXPECT_GT(tls10, 0u);
}

// ---- Bulk transfers: 1 MiB each way in maximum-size records ----------------------------------------

struct BulkCase {
  std::uint16_t suite;
  const char* name;
  bool ecdsa;
  bool driver_client;
};

void PrintTo(const BulkCase& b, std::ostream* os) {
  *os << b.name << (b.driver_client ? ", driver client" : ", driver server");
}

class Tls12Bulk : public testing::TestWithParam<BulkCase> {};

TEST_P(Tls12Bulk, OneMebibyteEachWay) {
  const BulkCase& b = GetParam();
  Case c;
  c.suite = b.suite;
  c.suite_name = b.name;
  c.ecdsa = b.ecdsa;
  c.driver_client = b.driver_client;
  c.group = 29;
  c.kx = Kx::kEcdhe;
  SCOPED_TRACE(Describe(c));
  Pair p = MakePair(DriverConfig(c), PeerConfigFor(c));
  ASSERT_TRUE(p.driver && p.peer);
  Exchange(p);
  ASSERT_EQ(p.driver->state(), td::State::kConnected) << DriverFailure(*p.driver) << "; " << PeerFailure(*p.peer);
  ASSERT_EQ(p.peer->state(), lp::State::kConnected) << PeerFailure(*p.peer);

  constexpr std::size_t kSize = 1 << 20;
  const auto up = Pattern(kSize, 7), down = Pattern(kSize, 8);
  tlswire::RecordScanner to_peer, to_driver;
  std::size_t records_up = 0, records_down = 0, min_up = SIZE_MAX, min_down = SIZE_MAX;
  auto hook = [&](tlswire::Direction d, std::vector<std::uint8_t>& bytes) {
    tlswire::RecordScanner& s = d == tlswire::Direction::kAToB ? to_peer : to_driver;
    for (const auto& r : s.Feed(bytes)) {
      if (r.type != 23) continue;
      if (d == tlswire::Direction::kAToB) {
        ++records_up;
        min_up = std::min(min_up, r.length);
      } else {
        ++records_down;
        min_down = std::min(min_down, r.length);
      }
    }
  };
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(p.driver->Write(up));
  ASSERT_TRUE(p.peer->Write(down));
  Exchange(p, hook);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  const auto got_up = p.peer->TakeReceivedData();
  const auto got_down = p.driver->TakeReceivedData();
  EXPECT_EQ(got_up.size(), kSize) << PeerFailure(*p.peer);
  EXPECT_EQ(got_down.size(), kSize) << DriverFailure(*p.driver);
  EXPECT_TRUE(got_up == up);
  EXPECT_TRUE(got_down == down);
  // 2^20 / 2^14 = 64 full records each way (RFC 5246 §6.2.1: 2^14 is the maximum plaintext).
  EXPECT_EQ(records_up, 64u) << "driver -> libssl application-data records";
  EXPECT_EQ(records_down, 64u) << "libssl -> driver application-data records";
  EXPECT_GT(min_up, 16384u) << "a driver record carried less than 2^14 bytes";
  EXPECT_GT(min_down, 16384u);
  RecordProperty("transfer_ms", std::to_string(ms));
  p.driver->Close();
  p.peer->Close();
  Exchange(p);
  EXPECT_TRUE(p.driver->peer_closed());
  EXPECT_TRUE(p.peer->peer_closed());
}

INSTANTIATE_TEST_SUITE_P(Transfer, Tls12Bulk,
                         testing::Values(BulkCase{0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", false, true},
                                         BulkCase{0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", false, false},
                                         BulkCase{0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", false, true},
                                         BulkCase{0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", false, false},
                                         BulkCase{0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", true, true},
                                         BulkCase{0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", true,
                                                  false}),
                         [](const testing::TestParamInfo<BulkCase>& param_info) {
                           return std::string(param_info.param.name + 4) +
                                  (param_info.param.driver_client ? "_DriverClient" : "_DriverServer");
                         });

// ---- Negative cases ----------------------------------------------------------------------------

struct NegCase {
  std::uint16_t suite;
  const char* name;
  std::uint16_t version;
  bool driver_client;
};

void PrintTo(const NegCase& n, std::ostream* os) {
  *os << n.name << ", " << VersionName(n.version) << (n.driver_client ? ", driver client" : ", driver server");
}

std::string NegName(const testing::TestParamInfo<NegCase>& param_info) {
  return std::string(VersionName(param_info.param.version)) + "_" + (param_info.param.name + 4) +
         (param_info.param.driver_client ? "_DriverClient" : "_DriverServer");
}

Case FromNeg(const NegCase& n) {
  Case c;
  c.suite = n.suite;
  c.suite_name = n.name;
  c.version = n.version;
  c.driver_client = n.driver_client;
  c.group = 23;
  c.kx = Kx::kEcdhe;
  return c;
}

const auto kNegativeCases =
    testing::Values(NegCase{0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", td::kTls12, true},
                    NegCase{0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", td::kTls12, false},
                    NegCase{0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", td::kTls12, true},
                    NegCase{0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", td::kTls12, false},
                    NegCase{0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", td::kTls12, true},
                    NegCase{0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", td::kTls12, false},
                    NegCase{0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", td::kTls10, true},
                    NegCase{0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", td::kTls10, false});

class Tls12Tamper : public testing::TestWithParam<NegCase> {};

// The driver corrupts one of its records: libssl must answer bad_record_mac (RFC 5246 §7.2.2).
TEST_P(Tls12Tamper, DriverCorruptsRecordLibsslSendsBadRecordMac) {
  const Case c = FromNeg(GetParam());
  SCOPED_TRACE(Describe(c));
  Pair p = MakePair(DriverConfig(c), PeerConfigFor(c));
  ASSERT_TRUE(p.driver && p.peer);
  Exchange(p);
  ASSERT_EQ(p.driver->state(), td::State::kConnected) << DriverFailure(*p.driver) << "; " << PeerFailure(*p.peer);
  p.driver->CorruptNextRecord();
  ASSERT_TRUE(p.driver->Write(Pattern(1000, 5)));
  Exchange(p);
  EXPECT_EQ(p.peer->state(), lp::State::kFailed) << PeerFailure(*p.peer);
  EXPECT_TRUE(p.peer->failure().alert_sent) << PeerFailure(*p.peer);
  EXPECT_EQ(p.peer->failure().alert, 20) << PeerFailure(*p.peer);
  EXPECT_TRUE(p.peer->TakeReceivedData().empty());
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << DriverFailure(*p.driver);
  EXPECT_TRUE(p.driver->failure().alert_received) << DriverFailure(*p.driver);
  EXPECT_EQ(p.driver->failure().alert, 20) << DriverFailure(*p.driver);
}

// libssl's record is corrupted in flight (last byte: the tag / MAC / padding): the driver must
// send bad_record_mac and deliver nothing.
TEST_P(Tls12Tamper, LibsslRecordTamperedDriverSendsBadRecordMac) {
  const Case c = FromNeg(GetParam());
  SCOPED_TRACE(Describe(c));
  Pair p = MakePair(DriverConfig(c), PeerConfigFor(c));
  ASSERT_TRUE(p.driver && p.peer);
  Exchange(p);
  ASSERT_EQ(p.driver->state(), td::State::kConnected) << DriverFailure(*p.driver) << "; " << PeerFailure(*p.peer);
  ASSERT_TRUE(p.peer->Write(Pattern(1000, 6)));
  bool flipped = false;
  Exchange(p, [&](tlswire::Direction d, std::vector<std::uint8_t>& bytes) {
    if (d == tlswire::Direction::kBToA && !flipped && !bytes.empty()) {
      bytes.back() ^= 0x80;
      flipped = true;
    }
  });
  ASSERT_TRUE(flipped);
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << DriverFailure(*p.driver);
  EXPECT_TRUE(p.driver->failure().alert_sent) << DriverFailure(*p.driver);
  EXPECT_EQ(p.driver->failure().alert, 20) << DriverFailure(*p.driver);
  EXPECT_TRUE(p.driver->TakeReceivedData().empty());
  EXPECT_TRUE(p.peer->failure().alert_received) << PeerFailure(*p.peer);
  EXPECT_EQ(p.peer->failure().alert, 20) << PeerFailure(*p.peer);
}

// The driver sends a wrong Finished (one bit flipped after it entered its own transcript): libssl
// must answer decrypt_error (RFC 5246 §7.4.9).
TEST_P(Tls12Tamper, DriverWrongFinishedLibsslSendsDecryptError) {
  const Case c = FromNeg(GetParam());
  SCOPED_TRACE(Describe(c));
  Pair p = MakePair(DriverConfig(c), PeerConfigFor(c));
  ASSERT_TRUE(p.driver && p.peer);
  p.driver->CorruptNextHandshakeMessage(20);
  Exchange(p);
  EXPECT_EQ(p.peer->state(), lp::State::kFailed) << PeerFailure(*p.peer);
  EXPECT_TRUE(p.peer->failure().alert_sent) << PeerFailure(*p.peer);
  EXPECT_EQ(p.peer->failure().alert, 51) << PeerFailure(*p.peer);
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << DriverFailure(*p.driver);
  EXPECT_TRUE(p.driver->failure().alert_received) << DriverFailure(*p.driver);
  EXPECT_EQ(p.driver->failure().alert, 51) << DriverFailure(*p.driver);
}

INSTANTIATE_TEST_SUITE_P(Negative, Tls12Tamper, kNegativeCases, NegName);

// A libssl client whose Finished does not verify at the driver server: the ClientHello is altered
// in flight in a way that changes the transcript but not the keys (EMS off: the master secret
// depends only on the pre-master and the randoms; one offered-but-unselected suite id changes),
// so libssl's Finished decrypts but its verify_data is wrong -> decrypt_error from the driver.
TEST(Tls12TamperFinished, LibsslClientWrongFinishedDriverSendsDecryptError) {
  Case c;
  c.suite = 0xC02F;
  c.suite_name = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
  c.driver_client = false;
  c.ems = false;
  c.group = 29;
  Pair p = MakePair(DriverConfig(c), [&] {
    lp::PeerConfig pc = PeerConfigFor(c);
    pc.cipher_suites = {0xC02F, 0xC030};  // the driver server only takes 0xC02F
    return pc;
  }());
  ASSERT_TRUE(p.driver && p.peer);
  bool altered = false;
  Exchange(p, [&](tlswire::Direction d, std::vector<std::uint8_t>& b) {
    if (d != tlswire::Direction::kBToA || altered || b.size() < 5 + 4 + 2 + 32 + 1 || b[0] != 22 || b[5] != 1) return;
    std::size_t q = 5 + 4 + 2 + 32;
    q += 1 + b[q];  // session_id
    if (q + 2 > b.size()) return;
    const std::size_t n = (static_cast<std::size_t>(b[q]) << 8) | b[q + 1];
    for (std::size_t i = q + 2; i + 1 < q + 2 + n && i + 1 < b.size(); i += 2) {
      if (b[i] == 0xC0 && b[i + 1] == 0x30) {
        b[i + 1] = 0x31;  // TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256: unknown to the driver, ignored
        altered = true;
        break;
      }
    }
  });
  ASSERT_TRUE(altered) << "ClientHello not found in flight";
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << DriverFailure(*p.driver);
  EXPECT_TRUE(p.driver->failure().alert_sent) << DriverFailure(*p.driver);
  EXPECT_EQ(p.driver->failure().alert, 51) << DriverFailure(*p.driver);
  EXPECT_TRUE(p.peer->failure().alert_received) << PeerFailure(*p.peer);
}

// The mirror case: a libssl server whose Finished does not verify at the driver client. Nothing
// in flight can change the server's transcript without the client's Finished failing first, so
// the server's Finished record is rewritten: with libssl's own master secret (key-log line) the
// AES-128-GCM server write key is derived with OpenSSL's TLS1-PRF (RFC 5246 §6.3), the record is
// decrypted, one bit of verify_data flipped, and it is sealed again with the same nonce (RFC 5288).
// The record authenticates, so the driver must fail on the verify_data: decrypt_error.
TEST(Tls12TamperFinished, LibsslServerWrongFinishedDriverSendsDecryptError) {
  Case c;
  c.suite = 0xC02F;  // AES-128-GCM: key block = 2 x 16-byte keys + 2 x 4-byte salts
  c.suite_name = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
  c.driver_client = true;
  c.group = 29;
  Pair p = MakePair(DriverConfig(c), PeerConfigFor(c));
  ASSERT_TRUE(p.driver && p.peer);
  lp::Peer& peer = *p.peer;
  bool rewritten = false;
  std::string problem;
  Exchange(p, [&](tlswire::Direction d, std::vector<std::uint8_t>& b) {
    if (d != tlswire::Direction::kBToA || rewritten) return;
    // Server's last flight: ChangeCipherSpec record, then the encrypted Finished record.
    std::size_t q = 0;
    bool after_ccs = false;
    while (q + 5 <= b.size()) {
      const std::size_t len = (static_cast<std::size_t>(b[q + 3]) << 8) | b[q + 4];
      if (q + 5 + len > b.size()) return;
      if (b[q] == 20) after_ccs = true;
      if (b[q] == 22 && after_ccs) {
        if (len != 8 + 16 + 16) {
          problem = "unexpected Finished record length " + std::to_string(len);
          return;
        }
        const auto& li = peer.info();
        const test::ByteVec kb = test::Tls1KeyBlock("SHA256", li.master_secret, li.client_random, li.server_random, 40);
        if (kb.size() != 40) {
          problem = "key block derivation failed";
          return;
        }
        const test::ByteView server_key = test::ByteView(kb).subspan(16, 16);
        test::ByteVec nonce(kb.begin() + 36, kb.begin() + 40);             // server_write_IV (salt)
        nonce.insert(nonce.end(), b.begin() + q + 5, b.begin() + q + 13);  // explicit nonce
        // AAD: seq_num 0 (first record under the new keys) || type || version || plaintext length.
        const test::ByteVec aad = {0, 0, 0, 0, 0, 0, 0, 0, 22, b[q + 1], b[q + 2], 0, 16};
        std::uint8_t* body = b.data() + q + 13;  // 16-byte Finished || 16-byte tag
        std::optional<test::ByteVec> finished = test::AeadOpen("AES-128-GCM", server_key, nonce, aad, {body, 32});
        if (!finished) {
          problem = "cannot open libssl's Finished record with the key-log master secret";
          return;
        }
        if ((*finished)[0] != 20) {
          problem = "decrypted record is not a Finished message";
          return;
        }
        (*finished)[4] ^= 0x01;  // first byte of verify_data
        const test::ByteVec sealed = test::AeadSeal("AES-128-GCM", server_key, nonce, aad, *finished);
        if (sealed.size() != 32) {
          problem = "reseal failed";
          return;
        }
        std::copy(sealed.begin(), sealed.end(), body);
        rewritten = true;
        return;
      }
      q += 5 + len;
    }
  });
  ASSERT_TRUE(rewritten) << problem;
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << DriverFailure(*p.driver);
  EXPECT_TRUE(p.driver->failure().alert_sent) << DriverFailure(*p.driver);
  EXPECT_EQ(p.driver->failure().alert, 51) << DriverFailure(*p.driver);
  EXPECT_TRUE(p.peer->failure().alert_received) << PeerFailure(*p.peer);
}

// Flips one bit of the last byte of the first handshake message of `type` found in a chunk of
// plaintext handshake records (messages are looked for inside each record; libssl writes one
// message per record). True if done.
bool FlipInHandshakeMessage(std::vector<std::uint8_t>& b, std::uint8_t type, std::size_t offset_from_end) {
  std::size_t q = 0;
  while (q + 5 <= b.size()) {
    const std::size_t len = (static_cast<std::size_t>(b[q + 3]) << 8) | b[q + 4];
    if (q + 5 + len > b.size()) return false;
    if (b[q] == 20) return false;  // ChangeCipherSpec: what follows is encrypted
    if (b[q] == 22) {
      std::size_t m = q + 5;
      while (m + 4 <= q + 5 + len) {
        const std::size_t mlen = (static_cast<std::size_t>(b[m + 1]) << 16) | (b[m + 2] << 8) | b[m + 3];
        if (m + 4 + mlen > q + 5 + len) break;
        if (b[m] == type && mlen > offset_from_end) {
          b[m + 4 + mlen - 1 - offset_from_end] ^= 0x01;
          return true;
        }
        m += 4 + mlen;
      }
    }
    q += 5 + len;
  }
  return false;
}

// A ServerKeyExchange whose signature does not verify (one bit of the signature flipped in
// flight): the driver client must refuse it with decrypt_error (RFC 5246 §7.2.2: "unable to
// correctly verify a signature"), for RSA (libssl signs RSA-PSS) and ECDSA servers, DHE and ECDHE.
struct SkeCase {
  std::uint16_t suite;
  const char* name;
  bool ecdsa;
  std::uint16_t group;
};

class Tls12BadSignature : public testing::TestWithParam<SkeCase> {};

TEST_P(Tls12BadSignature, DriverClientRejectsServerKeyExchange) {
  Case c;
  c.suite = GetParam().suite;
  c.suite_name = GetParam().name;
  c.ecdsa = GetParam().ecdsa;
  c.group = GetParam().group;
  c.kx = c.group == 256 ? Kx::kDhe : Kx::kEcdhe;
  c.driver_client = true;
  SCOPED_TRACE(Describe(c));
  Pair p = MakePair(DriverConfig(c), PeerConfigFor(c));
  ASSERT_TRUE(p.driver && p.peer);
  bool flipped = false;
  Exchange(p, [&](tlswire::Direction d, std::vector<std::uint8_t>& b) {
    if (d == tlswire::Direction::kBToA && !flipped) flipped = FlipInHandshakeMessage(b, 12, 0);
  });
  ASSERT_TRUE(flipped) << "no ServerKeyExchange seen";
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << DriverFailure(*p.driver);
  EXPECT_TRUE(p.driver->failure().alert_sent) << DriverFailure(*p.driver);
  EXPECT_EQ(p.driver->failure().alert, 51) << DriverFailure(*p.driver);
  EXPECT_TRUE(p.peer->failure().alert_received) << PeerFailure(*p.peer);
}

INSTANTIATE_TEST_SUITE_P(Negative, Tls12BadSignature,
                         testing::Values(SkeCase{0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", false, 29},
                                         SkeCase{0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", true, 23},
                                         SkeCase{0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", false, 256}),
                         [](const testing::TestParamInfo<SkeCase>& param_info) {
                           return std::string(param_info.param.name + 4);
                         });

// RSA key transport with a corrupted ClientKeyExchange (one bit of the encrypted pre-master
// flipped): the driver server must not reveal anything about the padding (RFC 5246 §7.4.7.1): it
// goes on with a random pre-master, so the client's Finished record fails to authenticate under
// the server's keys -> bad_record_mac, exactly as for any wrong key.
class Tls12RsaImplicitRejection : public testing::TestWithParam<std::uint16_t> {};

TEST_P(Tls12RsaImplicitRejection, CorruptedPreMasterEndsInBadRecordMac) {
  Case c;
  c.suite = GetParam();
  c.suite_name = c.suite == 0x009C ? "TLS_RSA_WITH_AES_128_GCM_SHA256" : "TLS_RSA_WITH_AES_128_CBC_SHA";
  c.kx = Kx::kRsa;
  c.driver_client = false;
  SCOPED_TRACE(Describe(c));
  Pair p = MakePair(DriverConfig(c), PeerConfigFor(c));
  ASSERT_TRUE(p.driver && p.peer);
  bool flipped = false;
  Exchange(p, [&](tlswire::Direction d, std::vector<std::uint8_t>& b) {
    if (d == tlswire::Direction::kBToA && !flipped) flipped = FlipInHandshakeMessage(b, 16, 100);
  });
  ASSERT_TRUE(flipped) << "no ClientKeyExchange seen";
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << DriverFailure(*p.driver);
  EXPECT_TRUE(p.driver->failure().alert_sent) << DriverFailure(*p.driver);
  EXPECT_EQ(p.driver->failure().alert, 20) << DriverFailure(*p.driver);
  EXPECT_TRUE(p.peer->failure().alert_received) << PeerFailure(*p.peer);
}

INSTANTIATE_TEST_SUITE_P(Negative, Tls12RsaImplicitRejection, testing::Values(0x009C, 0x002F),
                         [](const testing::TestParamInfo<std::uint16_t>& param_info) {
                           return std::string(param_info.param == 0x009C ? "RSA_WITH_AES_128_GCM_SHA256"
                                                                         : "RSA_WITH_AES_128_CBC_SHA");
                         });

// ---- Certificates ------------------------------------------------------------------------------

Case CertCase(bool driver_client) {
  Case c;
  c.suite = 0xC02F;
  c.suite_name = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
  c.driver_client = driver_client;
  c.group = 29;
  return c;
}

void ExpectDriverRejectsServer(const lp::PkiLeaf& leaf, const std::string& server_name, std::uint8_t alert,
                               bool exact_alert) {
  const Case c = CertCase(true);
  td::Config dc = DriverConfig(c);
  dc.server_name = server_name;
  lp::PeerConfig pc = PeerConfigFor(c);
  pc.credentials = {{leaf.chain_file, leaf.key_file}};
  Pair p = MakePair(dc, pc);
  ASSERT_TRUE(p.driver && p.peer);
  Exchange(p);
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << DriverFailure(*p.driver);
  EXPECT_FALSE(p.driver->info().peer_verified);
  EXPECT_TRUE(p.driver->failure().alert_sent) << DriverFailure(*p.driver);
  if (exact_alert) {
    EXPECT_EQ(p.driver->failure().alert, alert) << DriverFailure(*p.driver);
  }
  EXPECT_EQ(p.peer->state(), lp::State::kFailed) << PeerFailure(*p.peer);
  EXPECT_TRUE(p.peer->failure().alert_received) << PeerFailure(*p.peer);
  std::cout << "  [driver rejected: " << DriverFailure(*p.driver) << "]\n";
}

TEST(Tls12Certificates, DriverClientRejectsUnknownCa) {
  ExpectDriverRejectsServer(Pki().unknown_ca(), "localhost", 48, true);
}
TEST(Tls12Certificates, DriverClientRejectsExpiredLeaf) {
  ExpectDriverRejectsServer(Pki().expired(), "localhost", 45, true);
}
// RFC 5246 names no alert for a name mismatch; bad_certificate or certificate_unknown are usual.
TEST(Tls12Certificates, DriverClientRejectsHostnameMismatch) {
  ExpectDriverRejectsServer(Pki().rsa(), "wrong.example", 42, false);
}

TEST(Tls12Certificates, LibsslClientRejectsDriverWithUnknownCa) {
  const Case c = CertCase(false);
  td::Config dc = DriverConfig(c);
  dc.certificate_chain_file = Pki().unknown_ca().chain_file;  // its key is in the key store too
  Pair p = MakePair(dc, PeerConfigFor(c));
  ASSERT_TRUE(p.driver && p.peer);
  Exchange(p);
  EXPECT_EQ(p.peer->state(), lp::State::kFailed) << PeerFailure(*p.peer);
  EXPECT_TRUE(p.peer->failure().alert_sent);
  EXPECT_EQ(p.peer->failure().alert, 48) << PeerFailure(*p.peer);
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << DriverFailure(*p.driver);
  EXPECT_TRUE(p.driver->failure().alert_received) << DriverFailure(*p.driver);
  EXPECT_EQ(p.driver->failure().alert, 48) << DriverFailure(*p.driver);
}

TEST(Tls12Certificates, DriverClientVerifiesAndReportsSubject) {
  const Case c = CertCase(true);
  Pair p = MakePair(DriverConfig(c), PeerConfigFor(c));
  ASSERT_TRUE(p.driver && p.peer);
  Exchange(p);
  ASSERT_EQ(p.driver->state(), td::State::kConnected) << DriverFailure(*p.driver) << "; " << PeerFailure(*p.peer);
  EXPECT_TRUE(p.driver->info().peer_verified);
  EXPECT_EQ(p.driver->info().peer_subject, Pki().rsa().subject);
  EXPECT_TRUE(p.driver->info().secure_renegotiation);
  // libssl saw the SNI and verified the chain the driver server would send in the other role.
  EXPECT_EQ(p.peer->info().client_hello_extensions.empty(), false);
  EXPECT_NE(std::count(p.peer->info().client_hello_extensions.begin(), p.peer->info().client_hello_extensions.end(), 0),
            0)
      << "no server_name extension from the driver";
}

// ---- Encrypt-then-MAC ---------------------------------------------------------------------------

// libssl offers encrypt_then_mac with CBC suites by default; the driver must neither offer nor
// accept it, and the connection must work MAC-then-encrypt both ways (data flows).
class Tls12NoEtm : public testing::TestWithParam<bool> {};

TEST_P(Tls12NoEtm, CbcSuiteIsMacThenEncrypt) {
  Case c;
  c.suite = 0xC027;
  c.suite_name = "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256";
  c.driver_client = GetParam();
  c.group = 23;
  Pair p = MakePair(DriverConfig(c), PeerConfigFor(c));
  ASSERT_TRUE(p.driver && p.peer);
  Exchange(p);
  ASSERT_EQ(p.driver->state(), td::State::kConnected) << DriverFailure(*p.driver) << "; " << PeerFailure(*p.peer);
  const auto& li = p.peer->info();
  if (!c.driver_client) {
    EXPECT_NE(std::count(li.client_hello_extensions.begin(), li.client_hello_extensions.end(), 22), 0)
        << "libssl did not offer EtM: this test would prove nothing";
  } else {
    EXPECT_EQ(std::count(li.client_hello_extensions.begin(), li.client_hello_extensions.end(), 22), 0);
  }
  EXPECT_EQ(std::count(li.server_hello_extensions.begin(), li.server_hello_extensions.end(), 22), 0);
  const auto up = Pattern(5000, 9), down = Pattern(5000, 10);
  ASSERT_TRUE(p.driver->Write(up));
  ASSERT_TRUE(p.peer->Write(down));
  Exchange(p);
  EXPECT_TRUE(p.peer->TakeReceivedData() == up) << PeerFailure(*p.peer);
  EXPECT_TRUE(p.driver->TakeReceivedData() == down) << DriverFailure(*p.driver);
}

INSTANTIATE_TEST_SUITE_P(Etm, Tls12NoEtm, testing::Bool(), [](const testing::TestParamInfo<bool>& param_info) {
  return std::string(param_info.param ? "DriverClient" : "DriverServer");
});

// ---- Negotiation with full lists ------------------------------------------------------------------

// Both sides with their default lists (the driver: everything the provider enumerates; libssl:
// DEFAULT and its default groups): they must agree on something, and both must report the same.
class Tls12Defaults : public testing::TestWithParam<bool> {};

TEST_P(Tls12Defaults, DefaultListsAgree) {
  const bool driver_client = GetParam();
  td::Config dc;
  dc.role = driver_client ? td::Role::kClient : td::Role::kServer;
  lp::PeerConfig pc;
  pc.role = driver_client ? lp::Role::kServer : lp::Role::kClient;
  if (driver_client) {
    dc.server_name = "localhost";
    dc.ca_file = Pki().ca_file();
    pc.credentials = {{Pki().rsa().chain_file, Pki().rsa().key_file},
                      {Pki().ecdsa().chain_file, Pki().ecdsa().key_file}};
  } else {
    dc.certificate_chain_file = Pki().rsa().chain_file;
    pc.ca_file = Pki().ca_file();
    pc.verify_hostname = "localhost";
    pc.server_name = "localhost";
  }
  Pair p = MakePair(dc, pc);
  ASSERT_TRUE(p.driver && p.peer);
  Exchange(p);
  ASSERT_EQ(p.driver->state(), td::State::kConnected) << DriverFailure(*p.driver) << "; " << PeerFailure(*p.peer);
  ASSERT_EQ(p.peer->state(), lp::State::kConnected) << PeerFailure(*p.peer);
  EXPECT_EQ(p.driver->info().version, td::kTls12);
  EXPECT_EQ(p.peer->info().version, td::kTls12);
  EXPECT_EQ(p.driver->info().cipher_suite, p.peer->info().cipher_suite) << p.peer->info().cipher_name;
  EXPECT_EQ(p.driver->info().group, p.peer->info().group) << p.peer->info().group_name;
  EXPECT_TRUE(p.driver->info().extended_master_secret);
  EXPECT_TRUE(p.peer->info().extended_master_secret);
  EXPECT_EQ(Hex(p.driver->info().client_finished), Hex(p.peer->info().client_finished));
  EXPECT_EQ(Hex(p.driver->info().server_finished), Hex(p.peer->info().server_finished));
  std::cout << "  [defaults, driver " << (driver_client ? "client" : "server") << ": "
            << p.driver->info().cipher_suite_name << " / " << p.driver->info().group_name << "]\n";
}

INSTANTIATE_TEST_SUITE_P(Negotiation, Tls12Defaults, testing::Bool(),
                         [](const testing::TestParamInfo<bool>& param_info) {
                           return std::string(param_info.param ? "DriverClient" : "DriverServer");
                         });

// Version negotiation: the driver allows TLS 1.0-1.2, libssl only up to TLS 1.1 -> TLS 1.1.
TEST_P(Tls12Defaults, VersionFallsBackToTls11) {
  const bool driver_client = GetParam();
  Case c;
  c.suite = 0xC013;
  c.suite_name = "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA";
  c.version = td::kTls11;
  c.driver_client = driver_client;
  c.group = 23;
  td::Config dc = DriverConfig(c);
  dc.min_version = td::kTls10;
  dc.max_version = td::kTls12;
  lp::PeerConfig pc = PeerConfigFor(c);
  pc.min_version = td::kTls10;
  pc.max_version = td::kTls11;
  Pair p = MakePair(dc, pc);
  ASSERT_TRUE(p.driver && p.peer);
  Exchange(p);
  ASSERT_EQ(p.driver->state(), td::State::kConnected) << DriverFailure(*p.driver) << "; " << PeerFailure(*p.peer);
  EXPECT_EQ(p.driver->info().version, td::kTls11);
  EXPECT_EQ(p.peer->info().version, td::kTls11);
  EXPECT_EQ(Hex(p.driver->info().client_finished), Hex(p.peer->info().client_finished));
}

// No common version: the driver only TLS 1.2, libssl only TLS 1.0/1.1 -> protocol_version.
TEST_P(Tls12Defaults, NoCommonVersionFails) {
  const bool driver_client = GetParam();
  Case c;
  c.suite = 0xC013;
  c.suite_name = "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA";
  c.driver_client = driver_client;
  c.group = 23;
  td::Config dc = DriverConfig(c);
  lp::PeerConfig pc = PeerConfigFor(c);
  pc.min_version = td::kTls10;
  pc.max_version = td::kTls11;
  Pair p = MakePair(dc, pc);
  ASSERT_TRUE(p.driver && p.peer);
  Exchange(p);
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << DriverFailure(*p.driver);
  EXPECT_EQ(p.peer->state(), lp::State::kFailed) << PeerFailure(*p.peer);
  EXPECT_EQ(p.driver->failure().alert, 70) << DriverFailure(*p.driver) << "; " << PeerFailure(*p.peer);
}

// require_extended_master_secret against a libssl that does not do EMS: handshake_failure
// (RFC 7627 §5.2/§5.3 allow aborting).
TEST_P(Tls12Defaults, RequiredEmsMissingFails) {
  const bool driver_client = GetParam();
  Case c;
  c.suite = 0xC02F;
  c.suite_name = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
  c.driver_client = driver_client;
  c.group = 29;
  c.ems = false;
  td::Config dc = DriverConfig(c);
  dc.extended_master_secret = true;
  dc.require_extended_master_secret = true;
  Pair p = MakePair(dc, PeerConfigFor(c));
  ASSERT_TRUE(p.driver && p.peer);
  Exchange(p);
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << DriverFailure(*p.driver);
  EXPECT_EQ(p.peer->state(), lp::State::kFailed) << PeerFailure(*p.peer);
  EXPECT_TRUE(p.driver->failure().alert_sent) << DriverFailure(*p.driver);
  EXPECT_EQ(p.driver->failure().alert, 40) << DriverFailure(*p.driver);
}

}  // namespace
}  // namespace opensslp::interop
