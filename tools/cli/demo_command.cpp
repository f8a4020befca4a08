// demo_command.cpp - `opensslp demo`: in-process TLS handshakes between opensslp (through the
// Schannel-style driver, i.e. only Ssl* calls) and OpenSSL's libssl, one row per TLS 1.0-1.2
// cipher suite the provider enumerates and per role, printed as a table: suite, version, our
// role, extended master secret, handshake time, bytes moved, result. Each row also sends data
// both ways and ends with close_notify from both sides; the result is "ok" only if libssl and
// opensslp agree on the version, the suite and both Finished values, and the data arrived intact.
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

struct Row {
  SuiteVersion sv;
  tlsdriver::Role our_role = tlsdriver::Role::kClient;
  bool ems = true;
};

struct Outcome {
  bool ok = false;
  bool ems = false;
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
    if (entry.dwProtocol <= TLS1_2_PROTOCOL_VERSION && !certificate.empty() &&
        (exchange == "RSA" || exchange == "DH" || exchange == "ECDH")) {
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

Outcome RunRow(const Row& row, const libssl_peer::TestPki& pki) {
  Outcome outcome;
  const libssl_peer::PkiLeaf& leaf = row.sv.ecdsa ? pki.ecdsa() : pki.rsa();

  tlsdriver::Config ours;
  ours.role = row.our_role;
  ours.min_version = ours.max_version = row.sv.version;
  ours.cipher_suites = {row.sv.suite};
  ours.extended_master_secret = row.ems;
  if (row.our_role == tlsdriver::Role::kClient) {
    ours.server_name = "localhost";
    ours.ca_file = pki.ca_file();
  } else {
    ours.certificate_chain_file = leaf.chain_file;
  }

  libssl_peer::PeerConfig theirs;
  theirs.role = row.our_role == tlsdriver::Role::kClient ? libssl_peer::Role::kServer : libssl_peer::Role::kClient;
  theirs.min_version = theirs.max_version = row.sv.version;
  theirs.cipher_suites = {row.sv.suite};
  theirs.extended_master_secret = row.ems;
  if (theirs.role == libssl_peer::Role::kServer) {
    theirs.credentials = {{leaf.chain_file, leaf.key_file}};
  } else {
    theirs.ca_file = pki.ca_file();
    theirs.verify_hostname = "localhost";
    theirs.server_name = "localhost";
  }

  std::string error;
  auto driver = tlsdriver::Connection::Create(ours, &error);
  if (!driver) {
    outcome.result = "opensslp: " + error;
    return outcome;
  }
  auto peer = libssl_peer::Peer::Create(theirs, &error);
  if (!peer) {
    outcome.result = "libssl: " + error;
    return outcome;
  }

  // The client speaks first; Pump runs both sides until nothing moves.
  const auto start = std::chrono::steady_clock::now();
  tlswire::PumpStats stats =
      row.our_role == tlsdriver::Role::kClient ? tlswire::Pump(*driver, *peer) : tlswire::Pump(*peer, *driver);
  outcome.handshake_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  outcome.bytes = stats.bytes_a_to_b + stats.bytes_b_to_a;
  if (driver->state() != tlsdriver::State::kConnected || peer->state() != libssl_peer::State::kConnected) {
    if (driver->state() == tlsdriver::State::kFailed) {
      outcome.result = "opensslp: " + DescribeFailure(driver->failure());
    } else if (peer->state() == libssl_peer::State::kFailed) {
      outcome.result = "libssl: " + peer->failure().reason +
                       (peer->failure().alert_received || peer->failure().alert_sent
                            ? std::string(" (alert ") + tlswire::AlertName(peer->failure().alert) + ")"
                            : "");
    } else {
      outcome.result = "handshake did not finish";
    }
    return outcome;
  }
  const tlsdriver::SessionInfo& a = driver->info();
  const libssl_peer::PeerSessionInfo& b = peer->info();
  outcome.ems = a.extended_master_secret;
  if (a.version != b.version || a.cipher_suite != b.cipher_suite ||
      a.extended_master_secret != b.extended_master_secret || a.client_finished != b.client_finished ||
      a.server_finished != b.server_finished) {
    outcome.result = "sides disagree (version, suite, EMS or Finished)";
    return outcome;
  }

  // 64 KiB each way (four maximum-size records), then close_notify from both sides.
  const std::vector<std::uint8_t> to_peer = Pattern(65536, 1);
  const std::vector<std::uint8_t> to_driver = Pattern(65536, 2);
  if (!driver->Write(to_peer) || !peer->Write(to_driver)) {
    outcome.result = "write refused";
    return outcome;
  }
  stats = tlswire::Pump(*driver, *peer);
  outcome.bytes += stats.bytes_a_to_b + stats.bytes_b_to_a;
  if (peer->TakeReceivedData() != to_peer || driver->TakeReceivedData() != to_driver) {
    outcome.result = "application data corrupted or lost";
    return outcome;
  }
  driver->Close();
  stats = tlswire::Pump(*driver, *peer);
  outcome.bytes += stats.bytes_a_to_b + stats.bytes_b_to_a;
  peer->Close();
  stats = tlswire::Pump(*driver, *peer);
  outcome.bytes += stats.bytes_a_to_b + stats.bytes_b_to_a;
  if (!peer->peer_closed() || !driver->peer_closed()) {
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
  // TLS 1.0/1.1 entries; --all: every entry, with EMS on and off.
  std::vector<Row> rows;
  std::vector<std::uint16_t> seen;
  for (const SuiteVersion& sv : entries) {
    const bool first_for_suite = std::find(seen.begin(), seen.end(), sv.suite) == seen.end();
    if (first_for_suite) seen.push_back(sv.suite);
    const bool old_version = sv.version < TLS1_2_PROTOCOL_VERSION;
    const bool wanted =
        all || first_for_suite || (old_version && sv.name.find("ECDHE_RSA_WITH_AES_128_CBC_SHA") != std::string::npos);
    if (!wanted) continue;
    for (tlsdriver::Role role : {tlsdriver::Role::kClient, tlsdriver::Role::kServer}) {
      rows.push_back({sv, role, true});
      if (all) rows.push_back({sv, role, false});
    }
  }

  std::printf("%-46s %-8s %-8s %-4s %12s %9s  %s\n", "suite", "version", "opensslp", "EMS", "handshake", "bytes",
              "result");
  int failures = 0;
  for (const Row& row : rows) {
    const Outcome outcome = RunRow(row, *pki);
    if (!outcome.ok) ++failures;
    std::printf("%-46s %-8s %-8s %-4s %9.2f ms %9zu  %s\n", row.sv.name.c_str(), VersionName(row.sv.version).c_str(),
                row.our_role == tlsdriver::Role::kClient ? "client" : "server",
                outcome.ok ? (outcome.ems ? "yes" : "no") : "-", outcome.handshake_ms, outcome.bytes,
                outcome.result.c_str());
    std::fflush(stdout);
  }
  std::printf("\n%zu handshakes against libssl (%s): %zu ok, %d failed\n", rows.size(),
              OpenSSL_version(OPENSSL_VERSION), rows.size() - static_cast<std::size_t>(failures), failures);
  return failures == 0 ? kExitOk : kExitFailure;
}

}  // namespace opensslp::cli
