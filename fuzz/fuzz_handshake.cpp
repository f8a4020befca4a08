// fuzz_handshake.cpp - the TLS driver's record layer and handshake parsers (tools/tlsdriver,
// docs/driver.md), in both roles and every version, fed a peer's byte stream chosen by the fuzzer.
// The driver is the Schannel-style endpoint of `opensslp connect` / `serve` and of the interop
// tests; everything it parses (records, ClientHello / ServerHello and their extensions, HRR,
// Certificate, ServerKeyExchange, CertificateRequest, EncryptedExtensions, NewSessionTicket,
// KeyUpdate, alerts) arrives from the network, and every key it uses comes from the provider.
//
// Input: byte 0 selects the configuration (MakeConfig below):
//   bit 0     role: 0 client (the driver sends its ClientHello first), 1 server
//   bits 1-2  versions: 0 TLS 1.0-1.3, 1 TLS 1.2 only, 2 TLS 1.3 only, 3 TLS 1.0-1.1
//   bit 3     server certificate P-256 (else RSA-2048); client: offers secp256r1 first (a TLS 1.3
//             server that prefers x25519 answers HelloRetryRequest)
//   bit 4     an external PSK both sides know (identity "fuzz-psk", 0-RTT allowed up to 1 KiB)
//   bit 5     server: requests a client certificate; client: has one (P-256) to send
//   bit 6     extended master secret required
//   bit 7     server: issues session tickets (a ticket store)
// Byte 1: how the peer's bytes arrive: 0 all at once, otherwise in chunks of that many bytes.
// The rest is the peer's byte stream.
//
// Seeds are the bytes OpenSSL's libssl (tools/libssl_peer) sent to the driver in real in-memory
// handshakes, one per configuration of interest (TLS 1.0-1.2 with RSA and ECDSA certificates, RSA
// key transport, EMS; TLS 1.3 full, HelloRetryRequest, client certificates, external PSK with
// 0-RTT; server-side ClientHellos of each kind), written once by a throwaway program against the
// default build with the same MakeConfig; the driver's own randoms differ from run to run, so a
// seed gets the parser as far as the first value that depends on them (a Finished, a key share).
//
// Oracles: no crash, no sanitizer report, no leak (LeakSanitizer at exit); the connection never
// completes a handshake: every completed handshake needs a key only the driver's own fresh
// (EC)DHE share or random pre-master unlocks, so kConnected from these bytes would be a forged
// handshake; the connection ends failed / closed or waits for more input (never more output than
// a bounded amount); every provider handle the connection made is freed with it (HandleScope).
// fuzz-links: opensslp_fuzz_tlsdriver
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "opensslp/opensslp.h"
#include "tls_driver.h"

using namespace opensslp::fuzz;
namespace td = opensslp::tlsdriver;

namespace {

std::string KeyStoreDir() {
  std::string here = __FILE__;  // <root>/fuzz/fuzz_handshake.cpp
  const std::size_t slash = here.find_last_of('/');
  return (slash == std::string::npos ? std::string(".") : here.substr(0, slash)) + "/../tests/data/keystore";
}

// Writes tests/data/keystore/certs/<name>.der as PEM into `dir` (the driver reads PEM chains).
std::string PemCertificate(const std::string& dir, const std::string& name) {
  const std::string in = KeyStoreDir() + "/certs/" + name + ".der";
  std::FILE* f = std::fopen(in.c_str(), "rb");
  Require(f != nullptr, "fuzz setup: tests/data/keystore/certs/*.der");
  X509* cert = d2i_X509_fp(f, nullptr);
  std::fclose(f);
  Require(cert != nullptr, "fuzz setup: parsing a fixture certificate");
  const std::string out = dir + "/" + name + ".pem";
  std::FILE* o = std::fopen(out.c_str(), "w");
  Require(o != nullptr && PEM_write_X509(o, cert) == 1, "fuzz setup: writing a PEM certificate");
  std::fclose(o);
  X509_free(cert);
  return out;
}

// The certificates' credentials are opened once (as a server opens its credential once for all
// its connections): opening the RSA key for every input took ~5 ms, most of an input's time.
struct Fixture {
  std::string rsa_pem;
  std::string p256_pem;
  std::shared_ptr<const td::Credential> rsa;
  std::shared_ptr<const td::Credential> p256;
};

std::shared_ptr<const td::Credential> OpenCredential(const std::string& pem) {
  std::string error;
  std::shared_ptr<const td::Credential> credential = td::Credential::Open(pem, &error);
  if (!credential) std::fprintf(stderr, "fuzz setup: Credential::Open(%s): %s\n", pem.c_str(), error.c_str());
  Require(credential != nullptr, "fuzz setup: opening a fixture credential");
  return credential;
}

const Fixture& Fix() {
  static const Fixture* fixture = [] {
    auto* f = new Fixture;
    char dir_template[] = "/tmp/opensslp-fuzz-handshake-XXXXXX";
    Require(mkdtemp(dir_template) != nullptr, "fuzz setup: mkdtemp");
    f->rsa_pem = PemCertificate(dir_template, "rsa2048");
    f->p256_pem = PemCertificate(dir_template, "p256");
    // Server and client keys come from the key store's directory form (docs/key-store.md).
    setenv(OPENSSLP_KEY_STORE_ENV, (KeyStoreDir() + "/dir").c_str(), 1);
    f->rsa = OpenCredential(f->rsa_pem);
    f->p256 = OpenCredential(f->p256_pem);
    return f;
  }();
  return *fixture;
}

td::Config MakeConfig(std::uint8_t selector) {
  const Fixture& fix = Fix();
  td::Config c;
  c.role = (selector & 1) != 0 ? td::Role::kServer : td::Role::kClient;
  switch ((selector >> 1) & 3) {
    case 0: c.min_version = td::kTls10, c.max_version = td::kTls13; break;
    case 1: c.min_version = td::kTls12, c.max_version = td::kTls12; break;
    case 2: c.min_version = td::kTls13, c.max_version = td::kTls13; break;
    default: c.min_version = td::kTls10, c.max_version = td::kTls11; break;
  }
  const bool ecdsa_or_p256_first = (selector & 8) != 0;
  if (c.role == td::Role::kServer) {
    c.credential = ecdsa_or_p256_first ? fix.p256 : fix.rsa;
    if ((selector & 32) != 0) {
      c.client_auth = td::ClientAuth::kRequest;
      c.client_ca_file = fix.p256_pem;
    }
    if ((selector & 128) != 0) c.ticket_store = std::make_shared<td::TicketStore>();
    c.max_early_data = 1024;
  } else {
    c.verify_peer = false;
    if (ecdsa_or_p256_first) c.groups = {23, 29};
    if ((selector & 32) != 0) c.client_credential = fix.p256;
  }
  if ((selector & 16) != 0) {
    td::ExternalPsk psk;
    psk.identity = {'f', 'u', 'z', 'z', '-', 'p', 's', 'k'};
    psk.key.assign(32, 0x5A);
    psk.max_early_data = 1024;
    c.external_psk = psk;
    if (c.role == td::Role::kClient) c.early_data = {'e', 'a', 'r', 'l', 'y'};
  }
  c.require_extended_master_secret = (selector & 64) != 0;
  return c;
}

// Everything the connection wants to send is taken and dropped (the peer is the fuzzer); the
// amount is bounded: a reply is at most a flight, never an echo of unbounded input.
void Drain(td::Connection& connection, std::size_t* sent) {
  *sent += connection.TakeBytesToSend().size();
  (void)connection.TakeReceivedData();
  (void)connection.TakeEarlyData();
  Require(*sent < (1u << 20), "the driver never sends more than a megabyte in reply to one input");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  (void)Fix();
  HandleScope handles;
  {
    std::string error;
    std::unique_ptr<td::Connection> connection = td::Connection::Create(MakeConfig(data[0]), &error);
    if (!connection) {
      std::fprintf(stderr, "fuzz setup: Connection::Create: %s\n", error.c_str());
      std::abort();
    }
    const std::size_t chunk = data[1] == 0 ? size : data[1];
    std::size_t sent = 0;
    if (connection->Process() != td::State::kHandshaking) Require(false, "a fresh connection is handshaking");
    Drain(*connection, &sent);
    for (std::size_t at = 2; at < size; at += chunk) {
      const std::size_t n = std::min(chunk, size - at);
      connection->ReceiveBytes({data + at, n});
      const td::State state = connection->Process();
      Drain(*connection, &sent);
      Require(state != td::State::kConnected, "no handshake completes without the driver's own secrets");
      if (state == td::State::kFailed || state == td::State::kClosed) break;
    }
    // A Process with nothing new changes nothing.
    const td::State before = connection->state();
    Require(connection->Process() == before, "Process without input keeps the state");
    Drain(*connection, &sent);
  }
  return 0;
}
