// connect_command.cpp - `opensslp connect HOST:PORT`: a TLS 1.0-1.2 client whose cryptography is
// all done by the provider (through the Schannel-style driver in tools/tlsdriver). Prints the
// negotiated version, suite, group, extended master secret and the server certificate's subject
// to stderr, then relays stdin to the server and the server's data to stdout (like
// `openssl s_client -quiet`). At the end of stdin it sends close_notify.
#include <filesystem>
#include <iostream>

#include "tls_cli.h"

namespace opensslp::cli {
namespace {

constexpr const char* kUsage =
    "usage: opensslp connect HOST:PORT [--cafile FILE | --insecure] [--servername NAME]\n"
    "                        [--min 1.0|1.1|1.2] [--max 1.0|1.1|1.2] [--suites LIST] [--groups LIST]\n"
    "                        [--no-ems | --require-ems]\n";

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
  if (!ok) return kExitUsage;
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

  if (!InitializeNetworking(&error)) {
    std::cerr << "opensslp connect: " << error << "\n";
    return kExitFailure;
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
