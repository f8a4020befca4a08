// demo_command.cpp - `opensslp demo`: in-process TLS handshakes between opensslp (through the
// Schannel-style driver, i.e. only Ssl* calls) and OpenSSL's libssl, one row per cipher suite the
// provider enumerates and per role, printed as a table: suite, version, our role, mode (TLS 1.2:
// extended master secret on or off; TLS 1.3: full, HelloRetryRequest, resumed, 0-RTT, KeyUpdate,
// client certificate), handshake time, bytes moved, result. Each row also sends data both ways and
// ends with close_notify from both sides; the result is "ok" only if libssl and opensslp agree on
// the version, the suite and both Finished values, the mode's feature happened on both sides
// (libssl says it resumed, accepted the early data, saw the HRR, verified the client certificate,
// counted the KeyUpdate), and the data arrived intact.
//
// The certificates (a CA, an RSA-2048 and an ECDSA P-256 server certificate) are generated at
// start into a temporary directory, with the keys in an opensslp key store that SslOpenPrivateKey
// reads (OPENSSLP_KEY_STORE is set for this process).
//
//   opensslp demo            each suite at its highest version, both roles, plus TLS 1.0 and
//                            TLS 1.1 rows for the suites valid there
//   opensslp demo --all      also extended master secret off, every valid version of each suite
#include <openssl/crypto.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "libssl_peer.h"
#include "opensslp/opensslp.h"
#include "test_pki.h"
#include "tls_cli.h"
#include "tlswire/pump.h"
#include "tlswire/tlswire.h"

namespace opensslp::cli {
namespace {

struct SuiteVersion {
  std::uint16_t suite = 0;
  std::string name;
  std::uint16_t version = 0;
  bool ecdsa = false;  // needs an ECDSA certificate
};

enum class Mode { kEms, kNoEms, kFull, kHelloRetry, kResumed, kZeroRtt, kKeyUpdate, kClientCertificate };

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kEms: return "EMS";
    case Mode::kNoEms: return "no EMS";
    case Mode::kFull: return "full";
    case Mode::kHelloRetry: return "HRR";
    case Mode::kResumed: return "resumed";
    case Mode::kZeroRtt: return "0-RTT";
    case Mode::kKeyUpdate: return "KeyUpdate";
    case Mode::kClientCertificate: return "client cert";
  }
  return "?";
}

struct Row {
  SuiteVersion sv;
  tlsdriver::Role our_role = tlsdriver::Role::kClient;
  Mode mode = Mode::kEms;
};

struct Outcome {
  bool ok = false;
  double handshake_ms = 0;
  std::size_t bytes = 0;
  std::string result;
};

// TLS 1.0-1.2 suites with a certificate-based key exchange, from the provider's catalog. TLS 1.2
// PSK suites are listed by the catalog but have no key-exchange entry point in the SSL provider
// interface (SslGenerateMasterKey refuses them), so there is nothing to demonstrate.
bool EnumerateSuites(std::vector<SuiteVersion>* out) {
  ProviderHandle provider;
  if (!provider.Open()) return false;
  return ForEachCipherSuite(provider.get(), "demo", [&](const NCRYPT_SSL_CIPHER_SUITE& entry) {
    const std::string exchange = ToUtf8(entry.szExchange, NCRYPT_SSL_MAX_NAME_SIZE);
    const std::string certificate = ToUtf8(entry.szCertificate, NCRYPT_SSL_MAX_NAME_SIZE);
    const bool tls12_with_certificate = entry.dwProtocol <= TLS1_2_PROTOCOL_VERSION && !certificate.empty() &&
                                        (exchange == "RSA" || exchange == "DH" || exchange == "ECDH");
    if (tls12_with_certificate || entry.dwProtocol == TLS1_3_PROTOCOL_VERSION) {
      out->push_back({static_cast<std::uint16_t>(entry.dwCipherSuite),
                      ToUtf8(entry.szCipherSuite, NCRYPT_SSL_MAX_NAME_SIZE),
                      static_cast<std::uint16_t>(entry.dwProtocol), certificate == "ECDSA"});
    }
  });
}

std::vector<std::uint8_t> Pattern(std::size_t size, std::uint8_t seed) {
  std::vector<std::uint8_t> data(size);
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<std::uint8_t>(seed + i * 31 + (i >> 8));
  return data;
}

std::string DescribePeerFailure(const libssl_peer::Peer& peer) {
  return "libssl: " + peer.failure().reason +
         (peer.failure().alert_received || peer.failure().alert_sent
              ? std::string(" (alert ") + tlswire::AlertName(peer.failure().alert) + ")"
              : "");
}

// One connection of a row: the configured pair, pumped until the handshake is done (and, for a
// TLS 1.3 client, the tickets have arrived).
struct Pair {
  std::unique_ptr<tlsdriver::Connection> driver;
  std::unique_ptr<libssl_peer::Peer> peer;
  std::string error;
  std::size_t bytes = 0;
  double handshake_ms = 0;

  bool Connected() const {
    return driver && peer && driver->state() == tlsdriver::State::kConnected &&
           peer->state() == libssl_peer::State::kConnected;
  }
  std::string Failure() const {
    if (!error.empty()) return error;
    if (driver->state() == tlsdriver::State::kFailed) return "opensslp: " + DescribeFailure(driver->failure());
    if (peer->state() == libssl_peer::State::kFailed) return DescribePeerFailure(*peer);
    return "handshake did not finish";
  }
};

Pair Connect(const tlsdriver::Config& ours, const libssl_peer::PeerConfig& theirs) {
  Pair pair;
  pair.driver = tlsdriver::Connection::Create(ours, &pair.error);
  if (!pair.driver) {
    pair.error = "opensslp: " + pair.error;
    return pair;
  }
  pair.peer = libssl_peer::Peer::Create(theirs, &pair.error);
  if (!pair.peer) {
    pair.error = "libssl: " + pair.error;
    return pair;
  }
  // The client speaks first; Pump runs both sides until nothing moves.
  const auto start = std::chrono::steady_clock::now();
  const tlswire::PumpStats stats = ours.role == tlsdriver::Role::kClient ? tlswire::Pump(*pair.driver, *pair.peer)
                                                                         : tlswire::Pump(*pair.peer, *pair.driver);
  pair.handshake_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  pair.bytes = stats.bytes_a_to_b + stats.bytes_b_to_a;
  return pair;
}

Outcome RunRow(const Row& row, const libssl_peer::TestPki& pki) {
  Outcome outcome;
  const bool tls13 = row.sv.version == TLS1_3_PROTOCOL_VERSION;
  const bool we_are_client = row.our_role == tlsdriver::Role::kClient;
  const libssl_peer::PkiLeaf& leaf = row.sv.ecdsa ? pki.ecdsa() : pki.rsa();

  tlsdriver::Config ours;
  ours.role = row.our_role;
  ours.min_version = ours.max_version = row.sv.version;
  ours.cipher_suites = {row.sv.suite};
  ours.extended_master_secret = row.mode != Mode::kNoEms;
  if (we_are_client) {
    ours.server_name = "localhost";
    ours.ca_file = pki.ca_file();
  } else {
    ours.certificate_chain_file = leaf.chain_file;
  }

  libssl_peer::PeerConfig theirs;
  theirs.role = we_are_client ? libssl_peer::Role::kServer : libssl_peer::Role::kClient;
  theirs.min_version = theirs.max_version = row.sv.version;
  theirs.cipher_suites = {row.sv.suite};
  theirs.extended_master_secret = row.mode != Mode::kNoEms;
  if (theirs.role == libssl_peer::Role::kServer) {
    theirs.credentials = {{leaf.chain_file, leaf.key_file}};
  } else {
    theirs.ca_file = pki.ca_file();
    theirs.verify_hostname = "localhost";
    theirs.server_name = "localhost";
  }

  switch (row.mode) {
    case Mode::kHelloRetry:
      // The client's first (key-share) group is one the server does not take (RFC 8446 §4.1.4).
      (we_are_client ? ours.groups : theirs.groups) = {30, 29};
      (we_are_client ? theirs.groups : ours.groups) = {29};
      break;
    case Mode::kClientCertificate:
      if (we_are_client) {
        ours.client_certificate_chain_file = pki.client_ecdsa().chain_file;
        theirs.require_client_certificate = true;
        theirs.client_ca_file = pki.ca_file();
      } else {
        theirs.client_credential = libssl_peer::Credential{pki.client_rsa().chain_file, pki.client_rsa().key_file};
        ours.client_auth = tlsdriver::ClientAuth::kRequire;
        ours.client_ca_file = pki.ca_file();
      }
      break;
    case Mode::kResumed:
    case Mode::kZeroRtt: {
      // A first connection issues the ticket; the row's connection offers it.
      if (we_are_client) {
        theirs.server_context = libssl_peer::ServerContext::Create(&outcome.result);
        if (!theirs.server_context) return outcome;
        theirs.max_early_data = row.mode == Mode::kZeroRtt ? 16384 : 0;
      } else {
        ours.ticket_store = std::make_shared<tlsdriver::TicketStore>();
        ours.max_early_data = row.mode == Mode::kZeroRtt ? 16384 : 0;
      }
      Pair first = Connect(ours, theirs);
      if (!first.Connected()) {
        outcome.result = "first connection: " + first.Failure();
        return outcome;
      }
      if (we_are_client) {
        ours.resume = first.driver->TakeTicket();
        if (!ours.resume) {
          outcome.result = "no session ticket from libssl";
          return outcome;
        }
        if (row.mode == Mode::kZeroRtt) ours.early_data = Pattern(1000, 3);
      } else {
        theirs.resume_session = first.peer->TakeSession();
        if (!theirs.resume_session) {
          outcome.result = "libssl kept no session from opensslp's ticket";
          return outcome;
        }
        if (row.mode == Mode::kZeroRtt) theirs.early_data = Pattern(1000, 3);
      }
      first.peer->Close();
      first.driver->Close();
      break;
    }
    default: break;
  }

  Pair pair = Connect(ours, theirs);
  outcome.handshake_ms = pair.handshake_ms;
  outcome.bytes = pair.bytes;
  if (!pair.Connected()) {
    outcome.result = pair.Failure();
    return outcome;
  }
  tlsdriver::Connection& driver = *pair.driver;
  libssl_peer::Peer& peer = *pair.peer;
  const tlsdriver::SessionInfo& a = driver.info();
  const libssl_peer::PeerSessionInfo& b = peer.info();
  if (a.version != b.version || a.cipher_suite != b.cipher_suite ||
      (!tls13 && a.extended_master_secret != b.extended_master_secret) || a.client_finished != b.client_finished ||
      a.server_finished != b.server_finished) {
    outcome.result = "sides disagree (version, suite, EMS or Finished)";
    return outcome;
  }
  // The mode's feature, as both sides saw it.
  const std::vector<std::uint8_t> early = Pattern(1000, 3);
  std::string missing;
  switch (row.mode) {
    case Mode::kEms:
    case Mode::kNoEms:
      if (a.extended_master_secret != (row.mode == Mode::kEms)) missing = "extended master secret";
      break;
    case Mode::kHelloRetry:
      if (!a.hello_retry_request || !b.hello_retry_request) missing = "HelloRetryRequest";
      break;
    case Mode::kResumed:
      if (a.psk != tlsdriver::PskMode::kResumption || !b.session_resumed) missing = "resumption";
      break;
    case Mode::kZeroRtt:
      if (a.early_data != tlsdriver::EarlyData::kAccepted ||
          b.early_data_status != libssl_peer::EarlyDataStatus::kAccepted ||
          (we_are_client ? peer.TakeEarlyData() : driver.TakeEarlyData()) != early) {
        missing = "0-RTT data";
      }
      break;
    case Mode::kClientCertificate:
      if (!a.client_certificate || (we_are_client ? b.peer_subject : a.client_subject).empty()) {
        missing = "client certificate";
      }
      break;
    default: break;
  }
  if (row.mode == Mode::kKeyUpdate && !driver.UpdateKeys(/*request_peer_update=*/true)) missing = "KeyUpdate";
  if (!missing.empty()) {
    outcome.result = missing + " did not happen on both sides";
    return outcome;
  }

  // 64 KiB each way (four maximum-size records), then close_notify from both sides.
  const std::vector<std::uint8_t> to_peer = Pattern(65536, 1);
  const std::vector<std::uint8_t> to_driver = Pattern(65536, 2);
  if (!driver.Write(to_peer) || !peer.Write(to_driver)) {
    outcome.result = "write refused";
    return outcome;
  }
  tlswire::PumpStats stats = tlswire::Pump(driver, peer);
  outcome.bytes += stats.bytes_a_to_b + stats.bytes_b_to_a;
  if (peer.TakeReceivedData() != to_peer || driver.TakeReceivedData() != to_driver) {
    outcome.result = "application data corrupted or lost";
    return outcome;
  }
  if (row.mode == Mode::kKeyUpdate &&
      (a.key_updates_sent < 1 || a.key_updates_received < 1 || b.key_updates_received < 1 || b.key_updates_sent < 1)) {
    outcome.result = "KeyUpdate not exchanged both ways";
    return outcome;
  }
  driver.Close();
  stats = tlswire::Pump(driver, peer);
  outcome.bytes += stats.bytes_a_to_b + stats.bytes_b_to_a;
  peer.Close();
  stats = tlswire::Pump(driver, peer);
  outcome.bytes += stats.bytes_a_to_b + stats.bytes_b_to_a;
  if (!peer.peer_closed() || !driver.peer_closed()) {
    outcome.result = "close_notify not exchanged";
    return outcome;
  }
  outcome.ok = true;
  outcome.result = "ok";
  return outcome;
}

}  // namespace

int RunDemo(const Args& arguments) {
  Args args = arguments;
  const bool all = TakeFlag(&args, "--all");
  if (!args.empty()) {
    std::cerr << "usage: opensslp demo [--all]\n";
    return kExitUsage;
  }
  std::vector<SuiteVersion> entries;
  if (!EnumerateSuites(&entries)) return kExitFailure;

  std::string error;
  libssl_peer::TestPki::Options pki_options;
  pki_options.negative_leaves = false;
  std::unique_ptr<libssl_peer::TestPki> pki = libssl_peer::TestPki::Create(pki_options, &error);
  if (!pki) {
    std::cerr << "opensslp demo: cannot create the demo certificates: " << error << "\n";
    return kExitFailure;
  }
#if defined(_WIN32)
  _putenv_s(OPENSSLP_KEY_STORE_ENV, pki->key_store_dir().c_str());
#else
  setenv(OPENSSLP_KEY_STORE_ENV, pki->key_store_dir().c_str(), 1);
#endif

  // Default: each suite at its highest version (the enumeration lists it first), plus the
  // TLS 1.0/1.1 entries; --all: every entry, with EMS on and off. TLS 1.3: every suite in both
  // roles, then the first TLS 1.3 suite in each TLS 1.3 mode (--all: every suite in every mode).
  std::vector<Row> rows;
  std::vector<std::uint16_t> seen;
  bool first_tls13 = true;
  for (const SuiteVersion& sv : entries) {
    if (sv.version == TLS1_3_PROTOCOL_VERSION) {
      for (tlsdriver::Role role : {tlsdriver::Role::kClient, tlsdriver::Role::kServer}) {
        rows.push_back({sv, role, Mode::kFull});
      }
      if (first_tls13 || all) {
        for (Mode mode :
             {Mode::kHelloRetry, Mode::kResumed, Mode::kZeroRtt, Mode::kKeyUpdate, Mode::kClientCertificate}) {
          for (tlsdriver::Role role : {tlsdriver::Role::kClient, tlsdriver::Role::kServer}) {
            rows.push_back({sv, role, mode});
          }
        }
      }
      first_tls13 = false;
      continue;
    }
    const bool first_for_suite = std::find(seen.begin(), seen.end(), sv.suite) == seen.end();
    if (first_for_suite) seen.push_back(sv.suite);
    const bool old_version = sv.version < TLS1_2_PROTOCOL_VERSION;
    const bool wanted =
        all || first_for_suite || (old_version && sv.name.find("ECDHE_RSA_WITH_AES_128_CBC_SHA") != std::string::npos);
    if (!wanted) continue;
    for (tlsdriver::Role role : {tlsdriver::Role::kClient, tlsdriver::Role::kServer}) {
      rows.push_back({sv, role, Mode::kEms});
      if (all) rows.push_back({sv, role, Mode::kNoEms});
    }
  }

  std::printf("%-46s %-8s %-8s %-11s %12s %9s  %s\n", "suite", "version", "opensslp", "mode", "handshake", "bytes",
              "result");
  int failures = 0;
  for (const Row& row : rows) {
    const Outcome outcome = RunRow(row, *pki);
    if (!outcome.ok) ++failures;
    std::printf("%-46s %-8s %-8s %-11s %9.2f ms %9zu  %s\n", row.sv.name.c_str(), VersionName(row.sv.version).c_str(),
                row.our_role == tlsdriver::Role::kClient ? "client" : "server", ModeName(row.mode),
                outcome.handshake_ms, outcome.bytes, outcome.result.c_str());
    std::fflush(stdout);
  }
  std::printf("\n%zu handshakes against libssl (%s): %zu ok, %d failed\n", rows.size(),
              OpenSSL_version(OPENSSL_VERSION), rows.size() - static_cast<std::size_t>(failures), failures);
  return failures == 0 ? kExitOk : kExitFailure;
}

}  // namespace opensslp::cli
