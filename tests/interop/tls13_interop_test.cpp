// tls13_interop_test.cpp - TLS 1.3 (RFC 8446) between the Schannel-style driver (tools/tlsdriver:
// every key, hash, signature, Finished and record through opensslp's exports) and OpenSSL's libssl
// (tools/libssl_peer), in one process over memory buffers (tools/tlswire/pump.h).
//
// libssl is the independent side. Besides libssl's own view of the session, every traffic secret
// libssl's key log reports is checked against the bytes the provider produced: the records on the
// wire are captured by the Pump hook, key and iv are derived from each key-log secret with OpenSSL's
// HKDF-Expand-Label (RFC 8446 §7.3, tests/support/ossl_reference.h) and the driver's records are
// opened with the raw EVP AEAD (nonce = iv XOR seq, AAD = record header, §5.2/§5.3). The exporters
// (§7.5) are compared three ways: driver, libssl, and HKDF from libssl's EXPORTER_SECRET.
//
// Matrix: every TLS 1.3 suite x both roles x {full handshake, HelloRetryRequest, resumption with a
// ticket (psk_dhe_ke), external PSK, 0-RTT accepted, 0-RTT rejected, KeyUpdate by the driver
// (update_requested and not), KeyUpdate by libssl, client certificate (RSA, ECDSA)}; the full
// handshake also on x448, P-256, P-384, P-521, ffdhe2048 and ffdhe3072 (x25519 is the default), and
// ffdhe4096/6144/8192 once per role (their key generation is slow). The server's certificate is RSA for
// 0x1301/0x1302 and ECDSA P-256 for 0x1303, so both CertificateVerify kinds are covered.
//
// Then the negative cases: tampered records, a wrong Finished, wrong PSK binders and keys, the
// downgrade sentinel (§4.1.3), replayed 0-RTT (§8), a missing required client certificate
// (§4.4.2.4), and a second ClientHello without the requested key share (§4.1.4).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <set>
#include <sstream>

#include "interop_support.h"
#include "libssl_peer.h"
#include "support/ossl_reference.h"
#include "tls_driver.h"
#include "tlswire/pump.h"

namespace opensslp::interop {
namespace {

namespace td = opensslp::tlsdriver;
namespace lp = opensslp::libssl_peer;

constexpr std::uint16_t kTls13Suites[] = {0x1301, 0x1302, 0x1303};

constexpr std::uint32_t kMaxEarlyData = 16384;
const std::string kPskIdentity = "opensslp-interop-external-psk";

enum class Scenario {
  kFull,
  kHelloRetryRequest,
  kResumed,
  kExternalPsk,
  kEarlyDataAccepted,
  kEarlyDataRejected,
  kKeyUpdateByDriverRequested,
  kKeyUpdateByDriverNotRequested,
  kKeyUpdateByLibsslRequested,
  kClientCertificateRsa,
  kClientCertificateEcdsa,
};

const char* ScenarioName(Scenario s) {
  switch (s) {
    case Scenario::kFull: return "Full";
    case Scenario::kHelloRetryRequest: return "HelloRetryRequest";
    case Scenario::kResumed: return "ResumedWithTicket";
    case Scenario::kExternalPsk: return "ExternalPsk";
    case Scenario::kEarlyDataAccepted: return "EarlyDataAccepted";
    case Scenario::kEarlyDataRejected: return "EarlyDataRejected";
    case Scenario::kKeyUpdateByDriverRequested: return "KeyUpdateByDriverRequested";
    case Scenario::kKeyUpdateByDriverNotRequested: return "KeyUpdateByDriverNotRequested";
    case Scenario::kKeyUpdateByLibsslRequested: return "KeyUpdateByLibsslRequested";
    case Scenario::kClientCertificateRsa: return "ClientCertificateRsa";
    case Scenario::kClientCertificateEcdsa: return "ClientCertificateEcdsa";
  }
  return "?";
}

const char* SuiteShortName(std::uint16_t suite) {
  switch (suite) {
    case 0x1301: return "AES_128_GCM_SHA256";
    case 0x1302: return "AES_256_GCM_SHA384";
    case 0x1303: return "CHACHA20_POLY1305_SHA256";
    default: return "unknown";
  }
}

const char* GroupLabel(std::uint16_t g) {
  switch (g) {
    case 23: return "P256";
    case 24: return "P384";
    case 25: return "P521";
    case 29: return "x25519";
    case 30: return "x448";
    default: return tlswire::GroupName(g);
  }
}

struct Case {
  std::uint16_t suite = 0x1301;
  bool driver_client = true;
  Scenario scenario = Scenario::kFull;
  std::uint16_t group = 29;  // the key-share group (HelloRetryRequest: the client offers x25519 first, gets P-256)
};

std::string Describe(const Case& c) {
  std::ostringstream s;
  s << SuiteShortName(c.suite) << " (" << SuiteHex(c.suite) << "), "
    << (c.driver_client ? "driver client vs libssl server" : "libssl client vs driver server") << ", "
    << ScenarioName(c.scenario) << ", group " << GroupLabel(c.group);
  return s.str();
}

void PrintTo(const Case& c, std::ostream* os) { *os << Describe(c); }

std::string CaseName(const testing::TestParamInfo<Case>& info) {
  const Case& c = info.param;
  std::string name = std::string(SuiteShortName(c.suite)) + "_" + ScenarioName(c.scenario);
  if (c.scenario == Scenario::kFull) name += std::string("_") + GroupLabel(c.group);
  name += c.driver_client ? "_DriverClient" : "_DriverServer";
  return name;
}

std::vector<Case> Matrix() {
  std::vector<Case> cases;
  const Scenario scenarios[] = {Scenario::kFull,
                                Scenario::kHelloRetryRequest,
                                Scenario::kResumed,
                                Scenario::kExternalPsk,
                                Scenario::kEarlyDataAccepted,
                                Scenario::kEarlyDataRejected,
                                Scenario::kKeyUpdateByDriverRequested,
                                Scenario::kKeyUpdateByDriverNotRequested,
                                Scenario::kKeyUpdateByLibsslRequested,
                                Scenario::kClientCertificateRsa,
                                Scenario::kClientCertificateEcdsa};
  for (std::uint16_t suite : kTls13Suites) {
    for (bool driver_client : {true, false}) {
      for (Scenario s : scenarios) cases.push_back({suite, driver_client, s, 29});
      // The full handshake on every other group the provider does (RFC 8446 §4.2.7).
      for (std::uint16_t g : {30, 23, 24, 25, 256, 257}) cases.push_back({suite, driver_client, Scenario::kFull, g});
    }
  }
  // The large FFDHE groups twice each (once per role): key generation on a 4096..8192-bit prime
  // is the slow part (ffdhe8192: about 0.5 s per handshake in a Debug build).
  cases.push_back({0x1301, true, Scenario::kFull, 258});
  cases.push_back({0x1302, false, Scenario::kFull, 258});
  cases.push_back({0x1302, false, Scenario::kFull, 259});
  cases.push_back({0x1303, true, Scenario::kFull, 259});
  cases.push_back({0x1303, true, Scenario::kFull, 260});
  cases.push_back({0x1301, false, Scenario::kFull, 260});
  return cases;
}

// ---- Endpoints -----------------------------------------------------------------------------------

const lp::PkiLeaf& ServerLeaf(std::uint16_t suite) { return suite == 0x1303 ? Pki().ecdsa() : Pki().rsa(); }

std::vector<std::uint8_t> PskKey(std::uint16_t suite, std::uint8_t seed) {
  return Pattern(Tls13Suite(suite).hash_length, seed);
}

td::Config DriverConfig(std::uint16_t suite, bool driver_client, std::vector<std::uint16_t> groups) {
  td::Config cfg;
  cfg.role = driver_client ? td::Role::kClient : td::Role::kServer;
  cfg.min_version = cfg.max_version = td::kTls13;
  cfg.cipher_suites = {suite};
  cfg.groups = std::move(groups);
  if (driver_client) {
    cfg.server_name = "localhost";
    cfg.ca_file = Pki().ca_file();
    cfg.verify_peer = true;
  } else {
    cfg.certificate_chain_file = ServerLeaf(suite).chain_file;
  }
  return cfg;
}

lp::PeerConfig PeerConfigFor(std::uint16_t suite, bool driver_client, std::vector<std::uint16_t> groups) {
  lp::PeerConfig cfg;
  cfg.role = driver_client ? lp::Role::kServer : lp::Role::kClient;
  cfg.min_version = cfg.max_version = lp::kTls13;
  cfg.cipher_suites = {suite};
  cfg.groups = std::move(groups);
  if (driver_client) {
    cfg.credentials = {{ServerLeaf(suite).chain_file, ServerLeaf(suite).key_file}};
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

// Both directions of the wire, record by record (the Pump hook sees every chunk).
struct Wire {
  RecordLog from_driver, from_libssl;
  tlswire::WireHook Hook() {
    return [this](tlswire::Direction d, std::vector<std::uint8_t>& bytes) {
      (d == tlswire::Direction::kAToB ? from_driver : from_libssl).Feed(bytes);
    };
  }
};

// Pump with the driver as `a`: kAToB = driver -> libssl.
tlswire::PumpStats Exchange(Pair& p, const tlswire::WireHook& hook = nullptr) {
  return tlswire::Pump(*p.driver, *p.peer, hook);
}

std::string Both(const Pair& p) { return DescribeDriver(*p.driver) + "; " + DescribePeer(*p.peer); }

// A first connection whose ticket the next one resumes. Driver client: the driver's newest ticket
// from a libssl server on `context` (libssl allows `max_early_data` in it).
void FirstConnectionDriverClient(std::uint16_t suite, const std::shared_ptr<lp::ServerContext>& context,
                                 std::uint32_t max_early_data, std::shared_ptr<const td::Ticket>* ticket) {
  lp::PeerConfig pc = PeerConfigFor(suite, true, {29});
  pc.server_context = context;
  pc.max_early_data = max_early_data;
  Pair p = MakePair(DriverConfig(suite, true, {29}), pc);
  ASSERT_TRUE(p.driver && p.peer);
  Exchange(p);
  ASSERT_EQ(p.driver->state(), td::State::kConnected) << Both(p);
  ASSERT_EQ(p.peer->state(), lp::State::kConnected) << Both(p);
  EXPECT_GT(p.driver->info().tickets_received, 0);
  *ticket = p.driver->TakeTicket();
  ASSERT_TRUE(*ticket) << "the driver kept no ticket from libssl's NewSessionTicket";
  EXPECT_EQ((*ticket)->max_early_data, max_early_data);
  EXPECT_EQ((*ticket)->cipher_suite, suite);
}

// Driver server: libssl's session from a driver server issuing tickets from `store`.
void FirstConnectionDriverServer(std::uint16_t suite, const std::shared_ptr<td::TicketStore>& store,
                                 std::uint32_t max_early_data, std::shared_ptr<lp::Session>* session) {
  td::Config dc = DriverConfig(suite, false, {29});
  dc.ticket_store = store;
  dc.max_early_data = max_early_data;
  Pair p = MakePair(dc, PeerConfigFor(suite, false, {29}));
  ASSERT_TRUE(p.driver && p.peer);
  Exchange(p);
  ASSERT_EQ(p.driver->state(), td::State::kConnected) << Both(p);
  ASSERT_EQ(p.peer->state(), lp::State::kConnected) << Both(p);
  EXPECT_EQ(p.driver->info().tickets_issued, 1);
  EXPECT_EQ(p.peer->info().tickets_received, 1);
  *session = p.peer->TakeSession();
  ASSERT_TRUE(*session) << "libssl kept no session from the driver's NewSessionTicket";
  EXPECT_EQ((*session)->max_early_data(), max_early_data);
  EXPECT_EQ((*session)->cipher_suite(), suite);
}

std::shared_ptr<lp::ServerContext> NewServerContext() {
  std::string error;
  auto context = lp::ServerContext::Create(&error);
  EXPECT_TRUE(context) << error;
  return context;
}

std::vector<std::uint8_t> Types(const std::vector<std::vector<std::uint8_t>>& messages) {
  std::vector<std::uint8_t> types;
  for (const auto& m : messages) types.push_back(m[0]);
  return types;
}

std::string TypeList(const std::vector<std::uint8_t>& types) {
  std::string s;
  for (std::uint8_t t : types) s += (s.empty() ? "" : ",") + std::to_string(t);
  return "{" + s + "}";
}

// Writes each size as one Write call; returns everything written, concatenated.
std::vector<std::uint8_t> WriteSizes(td::Connection& driver, const std::vector<std::size_t>& sizes, std::uint8_t seed) {
  std::vector<std::uint8_t> all;
  for (std::size_t n : sizes) {
    const auto chunk = Pattern(n, seed++);
    EXPECT_TRUE(driver.Write(chunk)) << "driver Write(" << n << ")";
    all.insert(all.end(), chunk.begin(), chunk.end());
  }
  return all;
}
std::vector<std::uint8_t> WriteSizes(lp::Peer& peer, const std::vector<std::size_t>& sizes, std::uint8_t seed) {
  std::vector<std::uint8_t> all;
  for (std::size_t n : sizes) {
    const auto chunk = Pattern(n, seed++);
    EXPECT_TRUE(peer.Write(chunk)) << "libssl Write(" << n << ")";
    all.insert(all.end(), chunk.begin(), chunk.end());
  }
  return all;
}

// ---- The matrix ----------------------------------------------------------------------------------

class Tls13Interop : public testing::TestWithParam<Case> {};

TEST_P(Tls13Interop, HandshakeSecretsExportersDataClose) {
  const Case& c = GetParam();
  SCOPED_TRACE(Describe(c));
  const bool hrr = c.scenario == Scenario::kHelloRetryRequest;
  // HelloRetryRequest (RFC 8446 §4.1.4): the client's first group (and only key share) is x25519,
  // which the server does not accept; it asks for P-256, the client's second group.
  const std::vector<std::uint16_t> client_groups =
      hrr ? std::vector<std::uint16_t>{29, 23} : std::vector<std::uint16_t>{c.group};
  const std::vector<std::uint16_t> server_groups = hrr ? std::vector<std::uint16_t>{23} : client_groups;
  const std::uint16_t expected_group = hrr ? 23 : c.group;
  td::Config dc = DriverConfig(c.suite, c.driver_client, c.driver_client ? client_groups : server_groups);
  lp::PeerConfig pc = PeerConfigFor(c.suite, c.driver_client, c.driver_client ? server_groups : client_groups);

  const std::vector<std::uint8_t> early = Pattern(5000, 40);
  td::PskMode expected_psk = td::PskMode::kNone;
  td::EarlyData expected_early = td::EarlyData::kNotOffered;
  lp::EarlyDataStatus expected_early_status = lp::EarlyDataStatus::kNotSent;
  std::shared_ptr<lp::ServerContext> context;
  std::shared_ptr<td::TicketStore> store;
  switch (c.scenario) {
    case Scenario::kResumed:
    case Scenario::kEarlyDataAccepted:
    case Scenario::kEarlyDataRejected: {
      const bool with_early = c.scenario != Scenario::kResumed;
      const bool accepted = c.scenario == Scenario::kEarlyDataAccepted;
      if (c.scenario == Scenario::kEarlyDataRejected && !c.driver_client) {
        // A libssl client cannot be made to send 0-RTT on a ticket that does not allow it, and a
        // driver ticket allows it until used; so: an external PSK that allows 0-RTT at the client
        // (libssl) but not at the driver server, which rejects it (§4.2.10) and skips the early
        // records (up to its max_early_data, which must therefore be > 0:
        // Tls13DriverBug.ServerWithMaxEarlyDataZeroSkipsRejectedEarlyData).
        pc.external_psk = lp::ExternalPsk{kPskIdentity, PskKey(c.suite, 50), c.suite, kMaxEarlyData};
        dc.external_psk = td::ExternalPsk{std::vector<std::uint8_t>(kPskIdentity.begin(), kPskIdentity.end()),
                                          PskKey(c.suite, 50), c.suite, 0};
        dc.max_early_data = kMaxEarlyData;
        pc.early_data = early;
        expected_psk = td::PskMode::kExternal;
      } else if (c.driver_client) {
        // The ticket of a libssl server that allows 0-RTT; the resuming server allows it again
        // (accepted) or not any more (max_early_data 0: rejected, §4.2.10).
        context = NewServerContext();
        ASSERT_TRUE(context);
        std::shared_ptr<const td::Ticket> ticket;
        ASSERT_NO_FATAL_FAILURE(FirstConnectionDriverClient(c.suite, context, with_early ? kMaxEarlyData : 0, &ticket));
        dc.resume = ticket;
        pc.server_context = context;
        pc.max_early_data = accepted ? kMaxEarlyData : 0;
        if (with_early) dc.early_data = early;
        expected_psk = td::PskMode::kResumption;
      } else {
        store = std::make_shared<td::TicketStore>();
        std::shared_ptr<lp::Session> session;
        ASSERT_NO_FATAL_FAILURE(FirstConnectionDriverServer(c.suite, store, with_early ? kMaxEarlyData : 0, &session));
        dc.ticket_store = store;
        dc.max_early_data = with_early ? kMaxEarlyData : 0;
        pc.resume_session = session;
        if (with_early) pc.early_data = early;
        expected_psk = td::PskMode::kResumption;
      }
      if (with_early) {
        expected_early = accepted ? td::EarlyData::kAccepted : td::EarlyData::kRejected;
        expected_early_status = accepted ? lp::EarlyDataStatus::kAccepted : lp::EarlyDataStatus::kRejected;
      }
      break;
    }
    case Scenario::kExternalPsk:
      pc.external_psk = lp::ExternalPsk{kPskIdentity, PskKey(c.suite, 51), c.suite, 0};
      dc.external_psk = td::ExternalPsk{std::vector<std::uint8_t>(kPskIdentity.begin(), kPskIdentity.end()),
                                        PskKey(c.suite, 51), c.suite, 0};
      expected_psk = td::PskMode::kExternal;
      break;
    case Scenario::kClientCertificateRsa:
    case Scenario::kClientCertificateEcdsa: {
      const lp::PkiLeaf& leaf =
          c.scenario == Scenario::kClientCertificateRsa ? Pki().client_rsa() : Pki().client_ecdsa();
      if (c.driver_client) {
        dc.client_certificate_chain_file = leaf.chain_file;
        pc.require_client_certificate = true;
        pc.client_ca_file = Pki().ca_file();
      } else {
        dc.client_auth = td::ClientAuth::kRequire;
        dc.client_ca_file = Pki().ca_file();
        pc.client_credential = lp::Credential{leaf.chain_file, leaf.key_file};
      }
      break;
    }
    default: break;
  }
  const bool client_certificate =
      c.scenario == Scenario::kClientCertificateRsa || c.scenario == Scenario::kClientCertificateEcdsa;

  Pair p = MakePair(dc, pc);
  ASSERT_TRUE(p.driver && p.peer);
  Wire wire;
  const tlswire::WireHook hook = wire.Hook();
  const tlswire::PumpStats stats = Exchange(p, hook);
  ASSERT_FALSE(stats.round_limit_hit) << "pump did not settle";
  ASSERT_EQ(p.driver->state(), td::State::kConnected) << Both(p);
  ASSERT_EQ(p.peer->state(), lp::State::kConnected) << Both(p);

  const td::SessionInfo& di = p.driver->info();
  const lp::PeerSessionInfo& li = p.peer->info();
  // What was negotiated, as each side saw it.
  EXPECT_EQ(di.version, td::kTls13);
  EXPECT_EQ(li.version, lp::kTls13);
  EXPECT_EQ(di.cipher_suite, c.suite);
  EXPECT_EQ(li.cipher_suite, c.suite) << li.cipher_name;
  EXPECT_EQ(di.group, expected_group) << di.group_name;
  EXPECT_EQ(li.group, expected_group) << li.group_name;
  EXPECT_EQ(di.group_name, tlswire::GroupName(expected_group));
  EXPECT_EQ(di.client_random, li.client_random);
  EXPECT_EQ(di.server_random, li.server_random);
  EXPECT_EQ(Hex(di.client_finished), Hex(li.client_finished));
  EXPECT_EQ(Hex(di.server_finished), Hex(li.server_finished));
  EXPECT_EQ(di.client_finished.size(), Tls13Suite(c.suite).hash_length);
  // The handshake's shape.
  EXPECT_EQ(di.hello_retry_request, hrr);
  EXPECT_EQ(li.hello_retry_request, hrr);
  EXPECT_EQ(di.psk, expected_psk);
  EXPECT_EQ(li.session_resumed, expected_psk != td::PskMode::kNone);
  EXPECT_EQ(li.external_psk_used, expected_psk == td::PskMode::kExternal);
  if (expected_psk != td::PskMode::kNone) {
    EXPECT_TRUE(li.psk_dhe_ke) << "the driver does psk_dhe_ke only (RFC 8446 §4.2.9)";
  }
  EXPECT_EQ(di.early_data, expected_early);
  EXPECT_EQ(li.early_data_status, expected_early_status);
  EXPECT_EQ(di.client_certificate, client_certificate);
  if (client_certificate) {
    const lp::PkiLeaf& leaf = c.scenario == Scenario::kClientCertificateRsa ? Pki().client_rsa() : Pki().client_ecdsa();
    if (c.driver_client) {
      EXPECT_EQ(li.peer_subject, leaf.subject) << "libssl did not see the driver's client certificate";
    } else {
      EXPECT_EQ(di.client_subject, leaf.subject);
    }
  }
  if (c.driver_client && expected_psk == td::PskMode::kNone) {
    EXPECT_TRUE(di.peer_verified);
    EXPECT_EQ(di.peer_subject, ServerLeaf(c.suite).subject);
  }
  if (c.driver_client) {
    EXPECT_GE(di.tickets_received, 1);  // libssl: 2 after a full handshake, 1 after a resumption
  } else {
    EXPECT_EQ(di.tickets_issued, store ? 1 : 0);
    EXPECT_EQ(li.tickets_received, di.tickets_issued);
  }

  // 0-RTT data: delivered once, apart from the 1-RTT data, only when accepted.
  if (c.driver_client) {
    EXPECT_EQ(p.peer->TakeEarlyData(),
              expected_early == td::EarlyData::kAccepted ? early : std::vector<std::uint8_t>{});
    if (expected_early != td::EarlyData::kNotOffered) {
      EXPECT_EQ(di.early_data_bytes, early.size());
    }
  } else {
    EXPECT_EQ(p.driver->TakeEarlyData(),
              expected_early == td::EarlyData::kAccepted ? early : std::vector<std::uint8_t>{});
    EXPECT_EQ(di.early_data_bytes, expected_early == td::EarlyData::kAccepted ? early.size() : 0u);
  }
  EXPECT_TRUE(p.driver->TakeReceivedData().empty());
  EXPECT_TRUE(p.peer->TakeReceivedData().empty());

  // ---- the key log's secrets (libssl's) ----
  const Tls13SuiteFacts facts = Tls13Suite(c.suite);
  const auto client_hs = li.KeylogSecret("CLIENT_HANDSHAKE_TRAFFIC_SECRET");
  const auto server_hs = li.KeylogSecret("SERVER_HANDSHAKE_TRAFFIC_SECRET");
  const auto client_app = li.KeylogSecret("CLIENT_TRAFFIC_SECRET_0");
  const auto server_app = li.KeylogSecret("SERVER_TRAFFIC_SECRET_0");
  const auto exporter_secret = li.KeylogSecret("EXPORTER_SECRET");
  for (const auto* secret : {&client_hs, &server_hs, &client_app, &server_app, &exporter_secret}) {
    ASSERT_EQ(secret->size(), facts.hash_length) << "key-log secret missing or of the wrong length";
  }

  // ---- exporters (RFC 8446 §7.5): driver = libssl = HKDF from EXPORTER_SECRET ----
  const std::string label = "EXPORTER-opensslp-tls13-interop";
  std::vector<std::uint8_t> context_value(32);
  for (std::size_t i = 0; i < context_value.size(); ++i) context_value[i] = static_cast<std::uint8_t>(0xA0 + i);
  {
    const auto ours = p.driver->ExportKeyingMaterial(label, &context_value, 32);
    const auto theirs = p.peer->ExportKeyingMaterial(label, &context_value, 32);
    ASSERT_TRUE(ours && theirs);
    EXPECT_EQ(Hex(*ours), Hex(*theirs)) << "exporter with context";
    EXPECT_EQ(Hex(*ours), Hex(Tls13ExporterReference(c.suite, exporter_secret, label, &context_value, 32)));
    const std::vector<std::uint8_t> empty;
    const auto ours_none = p.driver->ExportKeyingMaterial(label, nullptr, 64);
    const auto ours_empty = p.driver->ExportKeyingMaterial(label, &empty, 64);
    const auto theirs_none = p.peer->ExportKeyingMaterial(label, nullptr, 64);
    ASSERT_TRUE(ours_none && ours_empty && theirs_none);
    EXPECT_EQ(Hex(*ours_none), Hex(*theirs_none)) << "exporter without context";
    EXPECT_EQ(Hex(*ours_none), Hex(*ours_empty)) << "TLS 1.3: no context and an empty one are the same";
    EXPECT_EQ(Hex(*ours_none), Hex(Tls13ExporterReference(c.suite, exporter_secret, label, nullptr, 64)));
    EXPECT_NE(Hex(*ours_none).substr(0, 64), Hex(*ours));
  }
  std::vector<std::uint8_t> early_secret;
  if (expected_early == td::EarlyData::kAccepted) {
    // The early exporter (early_exporter_master_secret, §7.5).
    early_secret = li.KeylogSecret("CLIENT_EARLY_TRAFFIC_SECRET");
    const auto early_exporter_secret = li.KeylogSecret("EARLY_EXPORTER_SECRET");
    ASSERT_EQ(early_secret.size(), facts.hash_length);
    ASSERT_EQ(early_exporter_secret.size(), facts.hash_length);
    const auto ours = p.driver->ExportEarlyKeyingMaterial(label, &context_value, 32);
    const auto theirs = p.peer->ExportKeyingMaterialEarly(label, context_value, 32);
    ASSERT_TRUE(ours) << "driver early exporter unavailable";
    ASSERT_TRUE(theirs) << "libssl early exporter unavailable";
    EXPECT_EQ(Hex(*ours), Hex(*theirs)) << "early exporter";
    EXPECT_EQ(Hex(*ours), Hex(Tls13ExporterReference(c.suite, early_exporter_secret, label, &context_value, 32)));
  }

  // ---- application data both ways (several sizes, 2^14, more than one record) ----
  const std::vector<std::size_t> sizes1 = {1, 100, 16384, 40000}, sizes2 = {16385, 3000};
  const auto up1 = WriteSizes(*p.driver, sizes1, 60);
  const auto down1 = WriteSizes(*p.peer, sizes1, 70);
  Exchange(p, hook);
  EXPECT_TRUE(p.peer->TakeReceivedData() == up1) << "libssl did not receive the driver's data intact; " << Both(p);
  EXPECT_TRUE(p.driver->TakeReceivedData() == down1) << "the driver did not receive libssl's data intact; " << Both(p);

  // ---- KeyUpdate (§4.6.3) ----
  int driver_sent = 0, driver_received = 0;
  switch (c.scenario) {
    case Scenario::kKeyUpdateByDriverRequested:
      ASSERT_TRUE(p.driver->UpdateKeys(true));
      driver_sent = 1;
      driver_received = 1;  // libssl answers update_requested with its own KeyUpdate
      break;
    case Scenario::kKeyUpdateByDriverNotRequested:
      ASSERT_TRUE(p.driver->UpdateKeys(false));
      driver_sent = 1;
      break;
    case Scenario::kKeyUpdateByLibsslRequested:
      ASSERT_TRUE(p.peer->RequestKeyUpdate(true));
      driver_sent = 1;  // the driver's answer
      driver_received = 1;
      break;
    default: break;
  }
  Exchange(p, hook);
  const auto up2 = WriteSizes(*p.driver, sizes2, 80);
  const auto down2 = WriteSizes(*p.peer, sizes2, 90);
  Exchange(p, hook);
  EXPECT_TRUE(p.peer->TakeReceivedData() == up2) << "after KeyUpdate: " << Both(p);
  EXPECT_TRUE(p.driver->TakeReceivedData() == down2) << "after KeyUpdate: " << Both(p);
  EXPECT_EQ(di.key_updates_sent, driver_sent);
  EXPECT_EQ(di.key_updates_received, driver_received);
  EXPECT_EQ(li.key_updates_received, driver_sent);
  EXPECT_EQ(li.key_updates_sent, driver_received);

  // ---- close_notify both ways (§6.1) ----
  p.driver->Close();
  Exchange(p, hook);
  EXPECT_TRUE(p.peer->peer_closed()) << Both(p);
  p.peer->Close();
  Exchange(p, hook);
  EXPECT_TRUE(p.driver->peer_closed()) << Both(p);
  EXPECT_EQ(p.driver->state(), td::State::kClosed) << Both(p);
  EXPECT_EQ(p.peer->state(), lp::State::kClosed) << Both(p);

  // ---- the driver's records, opened with keys derived from libssl's key log ----
  const auto& driver_records = wire.from_driver.records();
  const auto& libssl_records = wire.from_libssl.records();
  const auto& driver_hs = c.driver_client ? client_hs : server_hs;
  const auto& driver_app = c.driver_client ? client_app : server_app;
  const auto& libssl_hs = c.driver_client ? server_hs : client_hs;
  const auto& libssl_app = c.driver_client ? server_app : client_app;

  // The driver's encrypted handshake flight under its handshake traffic secret (§7.1).
  const auto hs = OpenTls13Records(c.suite, driver_hs, driver_records);
  ASSERT_FALSE(hs.empty()) << "no driver record opens under libssl's " << (c.driver_client ? "CLIENT" : "SERVER")
                           << "_HANDSHAKE_TRAFFIC_SECRET";
  const auto hs_messages = HandshakeMessages(hs);
  std::vector<std::uint8_t> expected_types;
  if (!c.driver_client) {
    expected_types.push_back(8);  // EncryptedExtensions
    if (expected_psk == td::PskMode::kNone) {
      if (client_certificate) expected_types.push_back(13);  // CertificateRequest
      expected_types.push_back(11);                          // Certificate
      expected_types.push_back(15);                          // CertificateVerify
    }
  } else if (client_certificate) {
    expected_types.push_back(11);
    expected_types.push_back(15);
  }
  expected_types.push_back(20);  // Finished
  EXPECT_EQ(TypeList(Types(hs_messages)), TypeList(expected_types));
  for (const auto& o : hs) EXPECT_EQ(o.inner_type, 22) << "record " << o.index;
  if (!hs_messages.empty() && hs_messages.back()[0] == 20) {
    EXPECT_EQ(Hex(test::ByteView(hs_messages.back()).subspan(4)),
              Hex(c.driver_client ? li.client_finished : li.server_finished))
        << "the driver's Finished as sealed on the wire";
  }

  // Its application records under *_TRAFFIC_SECRET_0 and, after a KeyUpdate it sent, under
  // HKDF-Expand-Label(secret_0, "traffic upd", "", Hash.length) (§7.2).
  const auto app0 = OpenTls13Records(c.suite, driver_app, driver_records);
  ASSERT_FALSE(app0.empty()) << "no driver record opens under libssl's " << (c.driver_client ? "CLIENT" : "SERVER")
                             << "_TRAFFIC_SECRET_0";
  std::vector<std::uint8_t> expected_app0 = up1;
  std::vector<std::uint8_t> expected_post0;
  for (int i = 0; i < di.tickets_issued; ++i) expected_post0.push_back(4);  // NewSessionTicket
  if (driver_sent == 0) {
    expected_app0.insert(expected_app0.end(), up2.begin(), up2.end());
  } else {
    expected_post0.push_back(24);  // KeyUpdate
  }
  EXPECT_TRUE(ApplicationData(app0) == expected_app0) << "application data under traffic secret 0";
  EXPECT_EQ(TypeList(Types(HandshakeMessages(app0))), TypeList(expected_post0));
  const OpenedRecord* last = &app0.back();
  std::vector<OpenedRecord> app1;
  if (driver_sent > 0) {
    app1 = OpenTls13Records(c.suite, NextTrafficSecret(c.suite, driver_app), driver_records, app0.back().index + 1);
    ASSERT_FALSE(app1.empty()) << "no driver record opens under application_traffic_secret_1";
    EXPECT_TRUE(ApplicationData(app1) == up2) << "application data under traffic secret 1";
    last = &app1.back();
  }
  // The last record is our close_notify (warning, close_notify: 01 00).
  EXPECT_EQ(last->inner_type, 21);
  EXPECT_EQ(Hex(last->content), "0100");

  // Its 0-RTT data under CLIENT_EARLY_TRAFFIC_SECRET, then EndOfEarlyData (§4.5).
  if (!early_secret.empty()) {
    const auto& records = c.driver_client ? driver_records : libssl_records;
    const auto e = OpenTls13Records(c.suite, early_secret, records);
    ASSERT_FALSE(e.empty()) << "no early-data record opens under CLIENT_EARLY_TRAFFIC_SECRET";
    EXPECT_TRUE(ApplicationData(e) == early);
    EXPECT_EQ(TypeList(Types(HandshakeMessages(e))), TypeList({5}));
  }

  // libssl's own records under the other two secrets (a check of the key log's labels).
  const auto peer_hs = OpenTls13Records(c.suite, libssl_hs, libssl_records);
  ASSERT_FALSE(peer_hs.empty());
  EXPECT_EQ(HandshakeMessages(peer_hs).back()[0], 20);
  EXPECT_FALSE(OpenTls13Records(c.suite, libssl_app, libssl_records).empty());
}

INSTANTIATE_TEST_SUITE_P(Matrix, Tls13Interop, testing::ValuesIn(Matrix()), CaseName);

// The matrix covers exactly the TLS 1.3 suites the provider enumerates (SslEnumCipherSuites), so a
// suite added to the provider does not go untested.
TEST(Tls13InteropMatrix, CoversEveryTls13SuiteTheProviderEnumerates) {
  std::set<std::uint16_t> enumerated, covered;
  for (const ProviderSuite& s : EnumerateProviderSuites()) {
    if (s.version == td::kTls13 || (s.id >> 8) == 0x13) enumerated.insert(s.id);
  }
  for (const Case& c : Matrix()) covered.insert(c.suite);
  EXPECT_EQ(enumerated.size(), 3u);
  EXPECT_EQ(enumerated, covered);
  // Every scenario in both roles for every suite; every group at least once.
  std::set<std::tuple<std::uint16_t, bool, Scenario>> combos;
  std::set<std::uint16_t> groups;
  for (const Case& c : Matrix()) {
    combos.insert({c.suite, c.driver_client, c.scenario});
    groups.insert(c.group);
  }
  EXPECT_EQ(combos.size(), 3u * 2u * 11u);
  EXPECT_EQ(groups, (std::set<std::uint16_t>{23, 24, 25, 29, 30, 256, 257, 258, 259, 260}));
}

// ---- Negative cases ------------------------------------------------------------------------------

struct NegCase {
  std::uint16_t suite;
  bool driver_client;
};

void PrintTo(const NegCase& n, std::ostream* os) {
  *os << SuiteShortName(n.suite) << (n.driver_client ? ", driver client" : ", driver server");
}

std::string NegName(const testing::TestParamInfo<NegCase>& info) {
  return std::string(SuiteShortName(info.param.suite)) + (info.param.driver_client ? "_DriverClient" : "_DriverServer");
}

class Tls13Tamper : public testing::TestWithParam<NegCase> {};

Pair ConnectedPair(const NegCase& n) {
  Pair p = MakePair(DriverConfig(n.suite, n.driver_client, {29}), PeerConfigFor(n.suite, n.driver_client, {29}));
  if (!p.driver || !p.peer) return p;
  Exchange(p);  // the handshake and libssl's tickets
  EXPECT_EQ(p.driver->state(), td::State::kConnected) << Both(p);
  EXPECT_EQ(p.peer->state(), lp::State::kConnected) << Both(p);
  return p;
}

// The driver flips a bit of one of its protected records: libssl must answer bad_record_mac
// (RFC 8446 §5.2) and deliver nothing.
TEST_P(Tls13Tamper, DriverCorruptsRecordLibsslSendsBadRecordMac) {
  Pair p = ConnectedPair(GetParam());
  ASSERT_TRUE(p.driver && p.peer && p.driver->state() == td::State::kConnected);
  p.driver->CorruptNextRecord();
  ASSERT_TRUE(p.driver->Write(Pattern(1000, 5)));
  Exchange(p);
  EXPECT_EQ(p.peer->state(), lp::State::kFailed) << Both(p);
  EXPECT_TRUE(p.peer->failure().alert_sent) << Both(p);
  EXPECT_EQ(p.peer->failure().alert, 20) << Both(p);
  EXPECT_TRUE(p.peer->TakeReceivedData().empty());
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << Both(p);
  EXPECT_TRUE(p.driver->failure().alert_received) << Both(p);
  EXPECT_EQ(p.driver->failure().alert, 20) << Both(p);
}

// libssl's record is altered in flight (the last byte: the AEAD tag): the driver must answer
// bad_record_mac (§5.2) and deliver nothing.
TEST_P(Tls13Tamper, LibsslRecordTamperedDriverSendsBadRecordMac) {
  Pair p = ConnectedPair(GetParam());
  ASSERT_TRUE(p.driver && p.peer && p.driver->state() == td::State::kConnected);
  ASSERT_TRUE(p.peer->Write(Pattern(1000, 6)));
  bool flipped = false;
  Exchange(p, [&](tlswire::Direction d, std::vector<std::uint8_t>& bytes) {
    if (d == tlswire::Direction::kBToA && !flipped && !bytes.empty()) {
      bytes.back() ^= 0x80;
      flipped = true;
    }
  });
  ASSERT_TRUE(flipped);
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << Both(p);
  EXPECT_TRUE(p.driver->failure().alert_sent) << Both(p);
  EXPECT_EQ(p.driver->failure().alert, 20) << Both(p);
  EXPECT_TRUE(p.driver->TakeReceivedData().empty());
  EXPECT_TRUE(p.peer->failure().alert_received) << Both(p);
  EXPECT_EQ(p.peer->failure().alert, 20) << Both(p);
}

// The driver's Finished is wrong (one bit flipped after it entered the driver's transcript): libssl
// must answer decrypt_error (§4.4.4). Only the driver side: libssl's Finished is inside an AEAD
// record, so altering it in flight is a record tamper (bad_record_mac, above), not a wrong Finished.
TEST_P(Tls13Tamper, DriverWrongFinishedLibsslSendsDecryptError) {
  const NegCase& n = GetParam();
  Pair p = MakePair(DriverConfig(n.suite, n.driver_client, {29}), PeerConfigFor(n.suite, n.driver_client, {29}));
  ASSERT_TRUE(p.driver && p.peer);
  p.driver->CorruptNextHandshakeMessage(20);
  Exchange(p);
  EXPECT_EQ(p.peer->state(), lp::State::kFailed) << Both(p);
  EXPECT_TRUE(p.peer->failure().alert_sent) << Both(p);
  EXPECT_EQ(p.peer->failure().alert, 51) << Both(p);
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << Both(p);
  EXPECT_TRUE(p.peer->TakeReceivedData().empty());
  if (n.driver_client) {
    EXPECT_TRUE(p.driver->failure().alert_received) << Both(p);
    EXPECT_EQ(p.driver->failure().alert, 51) << Both(p);
  }
  // A libssl client answers the driver server's flight before it switched its own write key, so
  // its decrypt_error is a plaintext alert, which the driver server refuses to read:
  // Tls13DriverBug.ServerReadsPlaintextAlertAnsweringItsFlight.
}

INSTANTIATE_TEST_SUITE_P(Negative, Tls13Tamper,
                         testing::Values(NegCase{0x1301, true}, NegCase{0x1301, false}, NegCase{0x1302, true},
                                         NegCase{0x1302, false}, NegCase{0x1303, true}, NegCase{0x1303, false}),
                         NegName);

// ---- PSK binders (RFC 8446 §4.2.11) ----

// A libssl server's answer to a wrong binder: decrypt_error by §4.2.11; libssl 3.0 sends
// illegal_parameter for some PSK kinds. Either is accepted, the handshake must fail, and the alert is
// printed.
void ExpectBinderRejected(Pair& p, const char* what) {
  EXPECT_EQ(p.peer->state(), lp::State::kFailed) << Both(p);
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << Both(p);
  EXPECT_TRUE(p.peer->failure().alert_sent) << Both(p);
  EXPECT_TRUE(p.peer->failure().alert == 51 || p.peer->failure().alert == 47) << Both(p);
  EXPECT_TRUE(p.driver->failure().alert_received) << Both(p);
  EXPECT_EQ(p.driver->failure().alert, p.peer->failure().alert);
  EXPECT_TRUE(p.peer->TakeReceivedData().empty());
  std::cout << "  [" << what << ": libssl sent " << tlswire::AlertName(p.peer->failure().alert) << "]\n";
}

TEST(Tls13PskBinder, DriverClientWrongTicketBinderLibsslServerRejects) {
  auto context = NewServerContext();
  ASSERT_TRUE(context);
  std::shared_ptr<const td::Ticket> ticket;
  ASSERT_NO_FATAL_FAILURE(FirstConnectionDriverClient(0x1301, context, 0, &ticket));
  td::Config dc = DriverConfig(0x1301, true, {29});
  dc.resume = ticket;
  lp::PeerConfig pc = PeerConfigFor(0x1301, true, {29});
  pc.server_context = context;
  Pair p = MakePair(dc, pc);
  ASSERT_TRUE(p.driver && p.peer);
  p.driver->CorruptNextBinder();
  Exchange(p);
  ExpectBinderRejected(p, "wrong resumption binder");
}

TEST(Tls13PskBinder, DriverClientWrongExternalPskBinderLibsslServerRejects) {
  td::Config dc = DriverConfig(0x1301, true, {29});
  dc.external_psk =
      td::ExternalPsk{std::vector<std::uint8_t>(kPskIdentity.begin(), kPskIdentity.end()), PskKey(0x1301, 52), 0x1301};
  lp::PeerConfig pc = PeerConfigFor(0x1301, true, {29});
  pc.external_psk = lp::ExternalPsk{kPskIdentity, PskKey(0x1301, 52), 0x1301, 0};
  Pair p = MakePair(dc, pc);
  ASSERT_TRUE(p.driver && p.peer);
  p.driver->CorruptNextBinder();
  Exchange(p);
  ExpectBinderRejected(p, "wrong external PSK binder");
}

// libssl's key differs from the driver server's for the same identity: its binder cannot verify
// under the driver's key, so the driver must answer decrypt_error (§4.2.11) and accept nothing.
TEST(Tls13PskBinder, LibsslClientWrongExternalPskKeyDriverSendsDecryptError) {
  for (std::uint16_t suite : kTls13Suites) {
    SCOPED_TRACE(SuiteHex(suite));
    td::Config dc = DriverConfig(suite, false, {29});
    dc.external_psk =
        td::ExternalPsk{std::vector<std::uint8_t>(kPskIdentity.begin(), kPskIdentity.end()), PskKey(suite, 53), suite};
    lp::PeerConfig pc = PeerConfigFor(suite, false, {29});
    pc.external_psk = lp::ExternalPsk{kPskIdentity, PskKey(suite, 54), suite, 0};
    pc.early_data = Pattern(100, 55);
    Pair p = MakePair(dc, pc);
    ASSERT_TRUE(p.driver && p.peer);
    Exchange(p);
    EXPECT_EQ(p.driver->state(), td::State::kFailed) << Both(p);
    EXPECT_TRUE(p.driver->failure().alert_sent) << Both(p);
    EXPECT_EQ(p.driver->failure().alert, 51) << Both(p);
    EXPECT_EQ(p.driver->info().psk, td::PskMode::kNone);
    EXPECT_TRUE(p.driver->TakeEarlyData().empty());
    EXPECT_EQ(p.peer->state(), lp::State::kFailed) << Both(p);
    EXPECT_TRUE(p.peer->failure().alert_received) << Both(p);
    EXPECT_EQ(p.peer->failure().alert, 51) << Both(p);
  }
}

// ---- Downgrade protection (RFC 8446 §4.1.3) ----

// The offset of the extensions block in a ClientHello body (after legacy_version, random,
// legacy_session_id, cipher_suites, legacy_compression_methods); 0 if malformed.
std::size_t ClientHelloExtensionsOffset(const std::uint8_t* body, std::size_t size) {
  std::size_t q = 2 + 32;
  if (q + 1 > size) return 0;
  q += 1 + body[q];
  if (q + 2 > size) return 0;
  q += 2 + ((static_cast<std::size_t>(body[q]) << 8) | body[q + 1]);
  if (q + 1 > size) return 0;
  q += 1 + body[q];
  return q + 2 <= size ? q : 0;
}

// Calls `edit(record, body_offset, body_size)` for each ClientHello in a chunk of whole records
// (one message per record, as both implementations send it); stops when edit returns true.
template <typename Edit>
bool ForEachClientHello(std::vector<std::uint8_t>& chunk, Edit edit) {
  std::size_t q = 0;
  while (q + 5 <= chunk.size()) {
    const std::size_t len = (static_cast<std::size_t>(chunk[q + 3]) << 8) | chunk[q + 4];
    if (q + 5 + len > chunk.size()) return false;
    if (chunk[q] == 22 && len >= 4 && chunk[q + 5] == 1) {
      if (edit(q, q + 9, len - 4)) return true;
    }
    q += 5 + len;
  }
  return false;
}

// Removes extension `type` from the first ClientHello in `chunk`, fixing the extensions, handshake
// and record lengths. True if removed.
bool RemoveClientHelloExtension(std::vector<std::uint8_t>& chunk, std::uint16_t type) {
  return ForEachClientHello(chunk, [&](std::size_t record, std::size_t body, std::size_t size) {
    const std::size_t ext = ClientHelloExtensionsOffset(chunk.data() + body, size);
    if (ext == 0) return false;
    std::size_t e = body + ext + 2;
    const std::size_t end = body + size;
    while (e + 4 <= end) {
      const std::uint16_t t = static_cast<std::uint16_t>((chunk[e] << 8) | chunk[e + 1]);
      const std::size_t n = 4 + ((static_cast<std::size_t>(chunk[e + 2]) << 8) | chunk[e + 3]);
      if (t == type) {
        chunk.erase(chunk.begin() + static_cast<std::ptrdiff_t>(e), chunk.begin() + static_cast<std::ptrdiff_t>(e + n));
        auto put16 = [&](std::size_t at, std::size_t v) {
          chunk[at] = static_cast<std::uint8_t>(v >> 8);
          chunk[at + 1] = static_cast<std::uint8_t>(v);
        };
        const std::size_t ext_len = ((static_cast<std::size_t>(chunk[body + ext]) << 8) | chunk[body + ext + 1]) - n;
        put16(body + ext, ext_len);
        const std::size_t hs_len = size - n;
        chunk[record + 6] = static_cast<std::uint8_t>(hs_len >> 16);
        put16(record + 7, hs_len);
        put16(record + 3, hs_len + 4);
        return true;
      }
      e += n;
    }
    return false;
  });
}

// The driver offers TLS 1.2 and 1.3; its supported_versions is removed in flight, so libssl (which
// does TLS 1.3) negotiates TLS 1.2 and puts "DOWNGRD" 01 at the end of ServerHello.random. The
// driver must abort with illegal_parameter (§4.1.3) before anything else goes wrong (its
// transcript differs from libssl's, which would only show at Finished).
TEST(Tls13Downgrade, DriverClientDetectsDowngradeSentinel) {
  td::Config dc = DriverConfig(0x1301, true, {29});
  dc.min_version = td::kTls12;
  dc.cipher_suites = {0x1301, 0xC02F};
  lp::PeerConfig pc = PeerConfigFor(0x1301, true, {29});
  pc.min_version = lp::kTls12;
  pc.cipher_suites = {0x1301, 0xC02F};
  Pair p = MakePair(dc, pc);
  ASSERT_TRUE(p.driver && p.peer);
  bool removed = false;
  std::vector<std::uint8_t> server_random;
  Exchange(p, [&](tlswire::Direction d, std::vector<std::uint8_t>& b) {
    if (d == tlswire::Direction::kAToB && !removed) removed = RemoveClientHelloExtension(b, 43);
    if (d == tlswire::Direction::kBToA && server_random.empty() && b.size() >= 5 + 4 + 2 + 32 && b[0] == 22 &&
        b[5] == 2) {
      server_random.assign(b.begin() + 11, b.begin() + 43);
    }
  });
  ASSERT_TRUE(removed) << "no supported_versions in the driver's ClientHello";
  ASSERT_EQ(server_random.size(), 32u) << "no ServerHello from libssl; " << Both(p);
  EXPECT_EQ(Hex(test::ByteView(server_random).last(8)), "444f574e47524401") << "libssl did not send the sentinel";
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << Both(p);
  EXPECT_TRUE(p.driver->failure().alert_sent) << Both(p);
  EXPECT_EQ(p.driver->failure().alert, 47) << Both(p);
  EXPECT_NE(p.driver->failure().reason.find("downgrade sentinel"), std::string::npos) << Both(p);
  EXPECT_EQ(p.peer->state(), lp::State::kFailed) << Both(p);
  // libssl does not read the driver's illegal_parameter: Tls13DriverBug.AlertAfterServerHelloHasRecordVersion0303.
}

// Control: the same driver against a libssl server that does not do TLS 1.3 (max TLS 1.2): no
// sentinel (RFC 8446 §4.1.3 only asks it of servers that could have done better), TLS 1.2 completes.
TEST(Tls13Downgrade, DriverClientAcceptsGenuineTls12Server) {
  td::Config dc = DriverConfig(0x1301, true, {29});
  dc.min_version = td::kTls12;
  dc.cipher_suites = {0x1301, 0xC02F};
  lp::PeerConfig pc = PeerConfigFor(0x1301, true, {29});
  pc.min_version = lp::kTls12;
  pc.max_version = lp::kTls12;
  pc.cipher_suites = {0xC02F};
  Pair p = MakePair(dc, pc);
  ASSERT_TRUE(p.driver && p.peer);
  Exchange(p);
  ASSERT_EQ(p.driver->state(), td::State::kConnected) << Both(p);
  ASSERT_EQ(p.peer->state(), lp::State::kConnected) << Both(p);
  EXPECT_EQ(p.driver->info().version, td::kTls12);
  EXPECT_EQ(p.peer->info().version, lp::kTls12);
  EXPECT_EQ(p.driver->info().cipher_suite, 0xC02F);
  ASSERT_EQ(p.driver->info().server_random.size(), 32u);
  EXPECT_NE(Hex(test::ByteView(p.driver->info().server_random).subspan(24, 7)), "444f574e475244");
  const auto up = Pattern(3000, 7);
  ASSERT_TRUE(p.driver->Write(up));
  Exchange(p);
  EXPECT_TRUE(p.peer->TakeReceivedData() == up);
}

// ---- 0-RTT replay (RFC 8446 §8) ----

// The driver offers the same ticket with early data twice to libssl servers sharing one
// ServerContext: the first time 0-RTT is accepted, the replay finds the ticket gone (libssl's
// anti-replay), so the handshake is a full one, the early data rejected and never delivered.
TEST(Tls13Replay, DriverClientReplayedTicketEarlyDataRejected) {
  auto context = NewServerContext();
  ASSERT_TRUE(context);
  std::shared_ptr<const td::Ticket> ticket;
  ASSERT_NO_FATAL_FAILURE(FirstConnectionDriverClient(0x1301, context, kMaxEarlyData, &ticket));
  const auto early = Pattern(2000, 41);
  for (int attempt = 0; attempt < 2; ++attempt) {
    SCOPED_TRACE(attempt == 0 ? "first use" : "replay");
    td::Config dc = DriverConfig(0x1301, true, {29});
    dc.resume = ticket;
    dc.early_data = early;
    lp::PeerConfig pc = PeerConfigFor(0x1301, true, {29});
    pc.server_context = context;
    pc.max_early_data = kMaxEarlyData;
    Pair p = MakePair(dc, pc);
    ASSERT_TRUE(p.driver && p.peer);
    Exchange(p);
    ASSERT_EQ(p.driver->state(), td::State::kConnected) << Both(p);
    ASSERT_EQ(p.peer->state(), lp::State::kConnected) << Both(p);
    const bool first = attempt == 0;
    EXPECT_EQ(p.driver->info().early_data, first ? td::EarlyData::kAccepted : td::EarlyData::kRejected);
    EXPECT_EQ(p.peer->info().early_data_status,
              first ? lp::EarlyDataStatus::kAccepted : lp::EarlyDataStatus::kRejected);
    EXPECT_EQ(p.driver->info().psk, first ? td::PskMode::kResumption : td::PskMode::kNone);
    EXPECT_EQ(p.peer->info().session_resumed, first);
    EXPECT_EQ(p.peer->TakeEarlyData(), first ? early : std::vector<std::uint8_t>{});
    EXPECT_TRUE(p.peer->TakeReceivedData().empty());
    // The connection itself works.
    const auto up = Pattern(700, 42);
    ASSERT_TRUE(p.driver->Write(up));
    Exchange(p);
    EXPECT_TRUE(p.peer->TakeReceivedData() == up) << Both(p);
  }
}

// libssl offers the same session with early data twice to a driver server: the driver's tickets are
// single-use (TicketStore), so the replay is not resumed, its early data rejected and not delivered.
TEST(Tls13Replay, LibsslClientReplayedSessionEarlyDataRejected) {
  auto store = std::make_shared<td::TicketStore>();
  std::shared_ptr<lp::Session> session;
  ASSERT_NO_FATAL_FAILURE(FirstConnectionDriverServer(0x1301, store, kMaxEarlyData, &session));
  const auto early = Pattern(2000, 43);
  for (int attempt = 0; attempt < 2; ++attempt) {
    SCOPED_TRACE(attempt == 0 ? "first use" : "replay");
    td::Config dc = DriverConfig(0x1301, false, {29});
    dc.ticket_store = store;
    dc.max_early_data = kMaxEarlyData;
    lp::PeerConfig pc = PeerConfigFor(0x1301, false, {29});
    pc.resume_session = session;
    pc.early_data = early;
    Pair p = MakePair(dc, pc);
    ASSERT_TRUE(p.driver && p.peer);
    Exchange(p);
    ASSERT_EQ(p.driver->state(), td::State::kConnected) << Both(p);
    ASSERT_EQ(p.peer->state(), lp::State::kConnected) << Both(p);
    const bool first = attempt == 0;
    EXPECT_EQ(p.driver->info().early_data, first ? td::EarlyData::kAccepted : td::EarlyData::kRejected);
    EXPECT_EQ(p.peer->info().early_data_status,
              first ? lp::EarlyDataStatus::kAccepted : lp::EarlyDataStatus::kRejected);
    EXPECT_EQ(p.driver->info().psk, first ? td::PskMode::kResumption : td::PskMode::kNone);
    EXPECT_EQ(p.peer->info().session_resumed, first);
    EXPECT_EQ(p.driver->TakeEarlyData(), first ? early : std::vector<std::uint8_t>{});
    EXPECT_TRUE(p.driver->TakeReceivedData().empty());
    const auto up = Pattern(700, 44);
    ASSERT_TRUE(p.peer->Write(up));
    Exchange(p);
    EXPECT_TRUE(p.driver->TakeReceivedData() == up) << Both(p);
  }
}

// ---- Client certificates ----

// A driver server that requires a certificate and a libssl client without one: certificate_required
// (RFC 8446 §4.4.2.4).
TEST(Tls13ClientAuth, DriverServerRequiresCertificateLibsslSendsNone) {
  td::Config dc = DriverConfig(0x1301, false, {29});
  dc.client_auth = td::ClientAuth::kRequire;
  dc.client_ca_file = Pki().ca_file();
  Pair p = MakePair(dc, PeerConfigFor(0x1301, false, {29}));
  ASSERT_TRUE(p.driver && p.peer);
  Exchange(p);
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << Both(p);
  EXPECT_TRUE(p.driver->failure().alert_sent) << Both(p);
  EXPECT_EQ(p.driver->failure().alert, 116) << Both(p);
  EXPECT_FALSE(p.driver->info().client_certificate);
  EXPECT_EQ(p.peer->state(), lp::State::kFailed) << Both(p);
  EXPECT_TRUE(p.peer->failure().alert_received) << Both(p);
  EXPECT_EQ(p.peer->failure().alert, 116) << Both(p);
}

// ---- HelloRetryRequest ----

// libssl's second ClientHello is altered in flight so that its key share is for x25519 instead of the
// P-256 the driver's HelloRetryRequest asked for: the driver must answer illegal_parameter (§4.1.4).
TEST(Tls13HelloRetry, SecondClientHelloWithoutRequestedShareDriverSendsIllegalParameter) {
  Pair p = MakePair(DriverConfig(0x1301, false, {23}), PeerConfigFor(0x1301, false, {29, 23}));
  ASSERT_TRUE(p.driver && p.peer);
  int client_hellos = 0;
  bool altered = false;
  Exchange(p, [&](tlswire::Direction d, std::vector<std::uint8_t>& b) {
    if (d != tlswire::Direction::kBToA || altered) return;
    ForEachClientHello(b, [&](std::size_t, std::size_t body, std::size_t size) {
      if (++client_hellos != 2) return false;
      const std::size_t ext = ClientHelloExtensionsOffset(b.data() + body, size);
      if (ext == 0) return false;
      for (std::size_t e = body + ext + 2; e + 4 <= body + size;) {
        const std::uint16_t t = static_cast<std::uint16_t>((b[e] << 8) | b[e + 1]);
        const std::size_t n = (static_cast<std::size_t>(b[e + 2]) << 8) | b[e + 3];
        // key_share: client_shares<2..>, first entry's group at e + 6.
        if (t == 51 && n >= 4 && b[e + 6] == 0 && b[e + 7] == 23) {
          b[e + 7] = 29;
          altered = true;
          return true;
        }
        e += 4 + n;
      }
      return false;
    });
  });
  ASSERT_EQ(client_hellos, 2) << "no HelloRetryRequest round; " << Both(p);
  ASSERT_TRUE(altered) << "no P-256 key share in libssl's second ClientHello";
  EXPECT_TRUE(p.driver->info().hello_retry_request);
  EXPECT_EQ(p.driver->state(), td::State::kFailed) << Both(p);
  EXPECT_TRUE(p.driver->failure().alert_sent) << Both(p);
  EXPECT_EQ(p.driver->failure().alert, 47) << Both(p);
  EXPECT_EQ(p.peer->state(), lp::State::kFailed) << Both(p);
  EXPECT_TRUE(p.peer->failure().alert_received) << Both(p);
}

// ---- Regressions: driver bugs this file found (each fixed in tools/tlsdriver) ----------------------

// A driver client whose first key share (x25519) the libssl server does not accept gets a
// HelloRetryRequest for P-256; the handshake must then complete (RFC 8446 §4.1.4, §4.4.1).
TEST(Tls13DriverRegression, ClientHelloRetryRequestHandshakeCompletes) {
  Pair p = MakePair(DriverConfig(0x1301, true, {29, 23}), PeerConfigFor(0x1301, true, {23}));
  ASSERT_TRUE(p.driver && p.peer);
  Wire wire;
  Exchange(p, wire.Hook());
  EXPECT_TRUE(p.peer->info().hello_retry_request);
  EXPECT_TRUE(p.driver->info().hello_retry_request);
  EXPECT_EQ(p.driver->state(), td::State::kConnected) << Both(p);
  EXPECT_EQ(p.peer->state(), lp::State::kConnected) << Both(p);
  // Where it goes wrong: libssl's SERVER_HANDSHAKE_TRAFFIC_SECRET opens libssl's flight, but the
  // driver derived another one (it answers bad_record_mac to that flight).
  EXPECT_FALSE(OpenTls13Records(0x1301, p.peer->info().KeylogSecret("SERVER_HANDSHAKE_TRAFFIC_SECRET"),
                                wire.from_libssl.records())
                   .empty());
}

// RFC 8446 §5.1: every record but an initial ClientHello has legacy_record_version 0x0303. The
// driver client aborts on the downgrade sentinel before it records the negotiated version; its
// alert once carried 0x0301, which libssl, having negotiated TLS 1.2, refused as "wrong version
// number" instead of reading illegal_parameter (fixed: RecordLayer::SetVersionBeforeNegotiation).
TEST(Tls13DriverRegression, AlertAfterServerHelloHasRecordVersion0303) {
  td::Config dc = DriverConfig(0x1301, true, {29});
  dc.min_version = td::kTls12;
  dc.cipher_suites = {0x1301, 0xC02F};
  lp::PeerConfig pc = PeerConfigFor(0x1301, true, {29});
  pc.min_version = lp::kTls12;
  pc.cipher_suites = {0x1301, 0xC02F};
  Pair p = MakePair(dc, pc);
  ASSERT_TRUE(p.driver && p.peer);
  bool removed = false;
  RecordLog from_driver;
  Exchange(p, [&](tlswire::Direction d, std::vector<std::uint8_t>& b) {
    if (d != tlswire::Direction::kAToB) return;
    if (!removed) removed = RemoveClientHelloExtension(b, 43);
    from_driver.Feed(b);
  });
  ASSERT_TRUE(removed);
  ASSERT_EQ(p.driver->failure().alert, 47) << Both(p);
  const auto& records = from_driver.records();
  ASSERT_GE(records.size(), 2u);
  EXPECT_EQ(records.back()[0], 21) << "the driver's last record is not its alert";
  EXPECT_EQ(Hex(test::ByteView(records.back()).subspan(1, 2)), "0303") << "legacy_record_version of the alert";
  EXPECT_TRUE(p.peer->failure().alert_received) << Both(p);
  EXPECT_EQ(p.peer->failure().alert, 47) << Both(p);
}

// A libssl client that rejects the driver server's Finished answers decrypt_error before it has
// switched its own write key, i.e. in a plaintext alert record. libssl as a server reads such alerts
// (ssl3_get_record, ENC_READ_STATE_ALLOW_PLAIN_ALERTS); the driver server once refused the record
// and reported unexpected_message instead of the peer's decrypt_error (fixed: RecordLayer reads
// plaintext alerts until the handshake completes).
TEST(Tls13DriverRegression, ServerReadsPlaintextAlertAnsweringItsFlight) {
  Pair p = MakePair(DriverConfig(0x1301, false, {29}), PeerConfigFor(0x1301, false, {29}));
  ASSERT_TRUE(p.driver && p.peer);
  p.driver->CorruptNextHandshakeMessage(20);
  Exchange(p);
  ASSERT_EQ(p.peer->failure().alert, 51) << Both(p);
  EXPECT_TRUE(p.driver->failure().alert_received) << Both(p);
  EXPECT_EQ(p.driver->failure().alert, 51) << Both(p);
}

// A driver server with max_early_data 0 that rejects a libssl client's 0-RTT (here: an external PSK
// that allows 0-RTT at the client only) must skip the early records and complete the handshake.
// RFC 8446 §4.2.10 bounds the skipping by "the configured max_early_data_size"; the driver once
// skipped exactly that (nothing) and answered the first early record with bad_record_mac, while
// libssl skips up to 16384 bytes whatever its limit (fixed: the driver skips at least 2^14 bytes).
TEST(Tls13DriverRegression, ServerWithMaxEarlyDataZeroSkipsRejectedEarlyData) {
  td::Config dc = DriverConfig(0x1301, false, {29});
  dc.external_psk =
      td::ExternalPsk{std::vector<std::uint8_t>(kPskIdentity.begin(), kPskIdentity.end()), PskKey(0x1301, 56), 0x1301};
  lp::PeerConfig pc = PeerConfigFor(0x1301, false, {29});
  pc.external_psk = lp::ExternalPsk{kPskIdentity, PskKey(0x1301, 56), 0x1301, kMaxEarlyData};
  pc.early_data = Pattern(1000, 57);
  Pair p = MakePair(dc, pc);
  ASSERT_TRUE(p.driver && p.peer);
  Exchange(p);
  EXPECT_EQ(p.driver->state(), td::State::kConnected) << Both(p);
  EXPECT_EQ(p.peer->state(), lp::State::kConnected) << Both(p);
  EXPECT_EQ(p.driver->info().early_data, td::EarlyData::kRejected);
  EXPECT_TRUE(p.driver->TakeEarlyData().empty());
}

}  // namespace
}  // namespace opensslp::interop
