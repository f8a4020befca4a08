// tls_cli.h - what `opensslp connect`, `serve` and `demo` share: TLS options on the command line,
// a driver connection run over a socket, and one-line descriptions of sessions and failures.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "cli.h"
#include "net.h"
#include "tls_driver.h"

namespace opensslp::cli {

// Parses the TLS options common to connect and serve, removing them from *args:
//   --min VERSION / --max VERSION      1.0, 1.1, 1.2 or 1.3 (default 1.0 .. 1.3)
//   --tls1.2 / --tls1.3                exactly that version
//   --suites LIST                      comma-separated suite names or 0x hex ids, in preference order
//   --groups LIST                      x25519, x448, P-256 (secp256r1), P-384, P-521
//   --no-ems / --require-ems           extended master secret (RFC 7627) off / mandatory
// Names are resolved against the provider's own catalog (SslEnumCipherSuites, SslEnumEccCurves).
// On error prints one line to stderr and returns false.
bool ParseTlsOptions(std::string_view command, Args* args, tlsdriver::Config* config);

// --psk-identity ID --psk HEX: an external TLS 1.3 PSK (TLS_AES_128_GCM_SHA256's hash, as
// openssl s_client/s_server -psk use it). False (one line printed) on a usage error.
bool TakePskOptions(std::string_view command, Args* args, tlsdriver::Config* config);

// Connects, completes a TLS 1.3 handshake, waits up to 5 s for a NewSessionTicket and closes; null
// with *error if there is none.
std::shared_ptr<const tlsdriver::Ticket> FetchTicket(const tlsdriver::Config& config, const std::string& host,
                                                     std::uint16_t port, std::string* error);

// Takes "--name VALUE" out of *args (true if present; a missing value is a usage error reported
// through *ok = false).
bool TakeOption(Args* args, std::string_view name, std::string* value, bool* ok);
bool TakeFlag(Args* args, std::string_view name);

// "TLS 1.2" for 0x0303.
std::string VersionName(std::uint16_t version);

// "received alert unknown_ca from the peer: ..." / "sent alert decrypt_error: ...".
std::string DescribeFailure(const tlsdriver::Failure& failure);

// Prints version, suite, group, EMS (TLS <= 1.2) or resumption and early data (TLS 1.3), the peer
// and client certificates (connect's and serve's summary) to stderr.
void PrintSessionSummary(const tlsdriver::SessionInfo& info, bool verified_expected);

// Runs the handshake over `socket` (30 s without progress is a timeout). False with *error set
// to one line when it fails.
bool HandshakeOverSocket(tlsdriver::Connection& connection, Socket& socket, std::string* error);

// After the handshake: stdin → peer and peer → stdout (echo: peer → peer instead of stdin), until
// either side closes. Sends close_notify at stdin's end of file. False with *error on failure.
bool RelayOverSocket(tlsdriver::Connection& connection, Socket& socket, bool echo, std::string* error);

// Makes SslOpenPrivateKey find `key_file` for the leaf of `chain_file`: writes a one-line
// opensslp key-store index (docs/key-store.md §3.2) into a private temporary directory and points
// OPENSSLP_KEY_STORE at it for this process. The directory is removed by the returned object.
class TemporaryKeyStore {
 public:
  TemporaryKeyStore() = default;
  TemporaryKeyStore(const TemporaryKeyStore&) = delete;
  TemporaryKeyStore& operator=(const TemporaryKeyStore&) = delete;
  ~TemporaryKeyStore();
  bool Create(const std::string& chain_file, const std::string& key_file, std::string* error);

 private:
  std::string directory_;
};

}  // namespace opensslp::cli
