// connect_command.cpp - `opensslp connect HOST:PORT`: a TLS 1.0-1.3 client (TLS 1.3 preferred)
// whose cryptography is all done by the provider (through the Schannel-style driver in
// tools/tlsdriver). Prints the negotiated version, suite, group, extended master secret (TLS 1.2)
// or resumption and early-data state (TLS 1.3) and the server certificate's subject to stderr,
// then relays stdin to the server and the server's data to stdout (like `openssl s_client
// -quiet`). At the end of stdin it sends close_notify.
//
// --resume first makes a connection only to receive a TLS 1.3 session ticket, then connects again
// offering it; --early-data TEXT sends TEXT as 0-RTT data on that second connection.
// --cert/--key present a client certificate when the server asks for one.
#include <filesystem>
#include <iostream>

#include "tls_cli.h"

namespace opensslp::cli {
namespace {

constexpr const char* kUsage =
    "usage: opensslp connect HOST:PORT [--cafile FILE | --insecure] [--servername NAME]\n"
    "                        [--min 1.0-1.3] [--max 1.0-1.3] [--tls1.2 | --tls1.3] [--suites LIST]\n"
    "                        [--groups LIST] [--no-ems | --require-ems] [--cert CHAIN.pem --key KEY.pem]\n"
    "                        [--resume [--early-data TEXT]] [--psk-identity ID --psk HEX]\n";

// Debian's and most Linux distributions' bundle; on Windows there is no file, so --cafile is
// needed (or --insecure).
constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";

}  // namespace

int RunConnect(const Args& arguments) {
  Args args = arguments;
  tlsdriver::Config config;
  config.role = tlsdriver::Role::kClient;
  if (!ParseTlsOptions("connect", &args, &config)) return kExitUsage;
  bool ok = true;
  std::string server_name;
  const bool have_server_name = TakeOption(&args, "--servername", &server_name, &ok);
  TakeOption(&args, "--cafile", &config.ca_file, &ok);
  const bool insecure = TakeFlag(&args, "--insecure");
  std::string client_key, early_text;
  TakeOption(&args, "--cert", &config.client_certificate_chain_file, &ok);
  const bool have_client_key = TakeOption(&args, "--key", &client_key, &ok);
  const bool resume = TakeFlag(&args, "--resume");
  const bool have_early = TakeOption(&args, "--early-data", &early_text, &ok);
  if (!ok || !TakePskOptions("connect", &args, &config)) return kExitUsage;
  if (have_early && !resume && !config.external_psk) {
    std::cerr << "opensslp connect: --early-data needs --resume or an external PSK\n";
    return kExitUsage;
  }
  if (have_early) config.early_data.assign(early_text.begin(), early_text.end());
  if (args.size() != 1 || args[0].starts_with("-")) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  std::string host;
  std::uint16_t port = 0;
  std::string error;
  if (!SplitHostPort(args[0], &host, &port, &error)) {
    std::cerr << "opensslp connect: " << error << "\n";
    return kExitUsage;
  }
  if (insecure) {
    config.verify_peer = false;
    config.ca_file.clear();
  } else if (config.ca_file.empty()) {
    if (!std::filesystem::exists(kSystemCaBundle)) {
      std::cerr << "opensslp connect: no CA file: pass --cafile FILE (or --insecure to skip verification)\n";
      return kExitUsage;
    }
    config.ca_file = kSystemCaBundle;
  }
  // The name the certificate is checked against (a DNS name or an IP address; the driver sends
  // SNI only for DNS names, RFC 6066 §3). Never empty when verifying: an empty name would accept
  // any certificate a trusted CA issued.
  config.server_name = have_server_name ? server_name : host;
  if (config.verify_peer && config.server_name.empty()) {
    std::cerr << "opensslp connect: --servername must not be empty (or pass --insecure)\n";
    return kExitUsage;
  }

  TemporaryKeyStore key_store;
  if (have_client_key && !key_store.Create(config.client_certificate_chain_file, client_key, &error)) {
    std::cerr << "opensslp connect: " << error << "\n";
    return kExitFailure;
  }
  if (!InitializeNetworking(&error)) {
    std::cerr << "opensslp connect: " << error << "\n";
    return kExitFailure;
  }
  if (resume) {
    // A first connection whose only purpose is the server's NewSessionTicket (RFC 8446 §4.6.1).
    tlsdriver::Config first = config;
    first.early_data.clear();
    std::shared_ptr<const tlsdriver::Ticket> ticket = FetchTicket(first, host, port, &error);
    if (!ticket) {
      std::cerr << "opensslp connect: " << host << ":" << port << ": --resume: " << error << "\n";
      return kExitFailure;
    }
    std::cerr << "session ticket received (lifetime " << ticket->lifetime_seconds << " s, max early data "
              << ticket->max_early_data << " bytes); reconnecting\n";
    config.resume = std::move(ticket);
  }
  std::unique_ptr<tlsdriver::Connection> connection = tlsdriver::Connection::Create(config, &error);
  if (!connection) {
    std::cerr << "opensslp connect: " << error << "\n";
    return kExitFailure;
  }
  Socket socket = ConnectTcp(host, port, &error);
  if (!socket.valid()) {
    std::cerr << "opensslp connect: " << error << "\n";
    return kExitFailure;
  }
  if (!HandshakeOverSocket(*connection, socket, &error)) {
    std::cerr << "opensslp connect: " << host << ":" << port << ": " << error << "\n";
    return kExitFailure;
  }
  std::cerr << "connected to " << host << ":" << port << "\n";
  PrintSessionSummary(connection->info(), config.verify_peer);
  if (!RelayOverSocket(*connection, socket, /*echo=*/false, &error)) {
    std::cerr << "opensslp connect: " << error << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace opensslp::cli
