// serve_command.cpp - `opensslp serve PORT --cert FILE --key FILE`: a TLS 1.0-1.3 server whose
// cryptography is all done by the provider (through the Schannel-style driver). It accepts one
// connection at a time, prints each session's summary to stderr, and either relays the client's
// data to stdout and stdin to the client (default, like `openssl s_server`) or echoes it back
// (--echo). PORT 0 lets the system pick a port; the chosen port is printed as
// "listening on port N". TLS 1.3 clients get a session ticket after each handshake (single use,
// kept in memory for the life of the process); --max-early-data N lets them send up to N bytes of
// 0-RTT data under it. --verify-client CA.pem asks for a client certificate (--require-client-cert:
// insists on one).
//
// The private key reaches the provider the way it always does, through SslOpenPrivateKey and
// opensslp's key store: --key writes a one-line key-store index for this process
// (docs/key-store.md). Without --key, the key must already be in the store OPENSSLP_KEY_STORE
// names (or, on Windows, be the certificate's CNG key).
#include <iostream>

#include "tls_cli.h"

namespace opensslp::cli {
namespace {

constexpr const char* kUsage =
    "usage: opensslp serve PORT --cert CHAIN.pem [--key KEY.pem] [--bind ADDRESS] [--echo] [--once]\n"
    "                      [--min 1.0-1.3] [--max 1.0-1.3] [--tls1.2 | --tls1.3] [--suites LIST]\n"
    "                      [--groups LIST] [--no-ems | --require-ems] [--verify-client CA.pem\n"
    "                      [--require-client-cert]] [--max-early-data N] [--psk-identity ID --psk HEX]\n";

}  // namespace

int RunServe(const Args& arguments) {
  Args args = arguments;
  tlsdriver::Config config;
  config.role = tlsdriver::Role::kServer;
  if (!ParseTlsOptions("serve", &args, &config)) return kExitUsage;
  bool ok = true;
  std::string key_file;
  TakeOption(&args, "--cert", &config.certificate_chain_file, &ok);
  const bool have_key = TakeOption(&args, "--key", &key_file, &ok);
  std::string bind_address = "0.0.0.0";  // like openssl s_server: every interface
  TakeOption(&args, "--bind", &bind_address, &ok);
  const bool echo = TakeFlag(&args, "--echo");
  const bool once = TakeFlag(&args, "--once");
  if (TakeOption(&args, "--verify-client", &config.client_ca_file, &ok))
    config.client_auth = tlsdriver::ClientAuth::kRequest;
  if (TakeFlag(&args, "--require-client-cert")) config.client_auth = tlsdriver::ClientAuth::kRequire;
  std::string max_early;
  if (TakeOption(&args, "--max-early-data", &max_early, &ok)) {
    if (max_early.empty() || max_early.size() > 9 || max_early.find_first_not_of("0123456789") != std::string::npos) {
      std::cerr << "opensslp serve: --max-early-data expects a number of bytes\n";
      return kExitUsage;
    }
    config.max_early_data = static_cast<std::uint32_t>(std::stoul(max_early));
  }
  if (!ok || !TakePskOptions("serve", &args, &config)) return kExitUsage;
  if (config.client_auth == tlsdriver::ClientAuth::kRequire && config.client_ca_file.empty()) {
    std::cerr << "opensslp serve: --require-client-cert needs --verify-client CA.pem\n";
    return kExitUsage;
  }
  config.ticket_store = std::make_shared<tlsdriver::TicketStore>();
  if (args.size() != 1 || config.certificate_chain_file.empty()) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  const std::string& port_text = args[0];
  if (port_text.empty() || port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port_text) > 65535) {
    std::cerr << "opensslp serve: '" << port_text << "' is not a port number (0-65535)\n";
    return kExitUsage;
  }
  std::string error;
  TemporaryKeyStore key_store;
  if (have_key && !key_store.Create(config.certificate_chain_file, key_file, &error)) {
    std::cerr << "opensslp serve: " << error << "\n";
    return kExitFailure;
  }
  // Opens the certificate and its key once, before listening: a bad --cert/--key is reported at
  // start and not at the first client, and every connection presents the same credential (as a
  // Schannel server acquires its credential once) instead of opening the key again. Then one
  // connection is made to check the rest of the configuration.
  config.credential = tlsdriver::Credential::Open(config.certificate_chain_file, &error);
  if (!config.credential) {
    std::cerr << "opensslp serve: " << error << "\n";
    return kExitFailure;
  }
  config.certificate_chain_file.clear();
  if (!tlsdriver::Connection::Create(config, &error)) {
    std::cerr << "opensslp serve: " << error << "\n";
    return kExitFailure;
  }
  if (!InitializeNetworking(&error)) {
    std::cerr << "opensslp serve: " << error << "\n";
    return kExitFailure;
  }
  Socket listener = ListenTcp(bind_address, static_cast<std::uint16_t>(std::stoul(port_text)), &error);
  if (!listener.valid()) {
    std::cerr << "opensslp serve: " << error << "\n";
    return kExitFailure;
  }
  std::cerr << "listening on port " << listener.LocalPort() << std::endl;
  int result = kExitOk;
  for (;;) {
    std::string peer;
    Socket client = Accept(listener, &peer, &error);
    if (!client.valid()) {
      std::cerr << "opensslp serve: " << error << "\n";
      return kExitFailure;
    }
    std::unique_ptr<tlsdriver::Connection> connection = tlsdriver::Connection::Create(config, &error);
    if (!connection) {
      std::cerr << "opensslp serve: " << error << "\n";
      return kExitFailure;
    }
    if (!HandshakeOverSocket(*connection, client, &error)) {
      std::cerr << "opensslp serve: " << peer << ": " << error << "\n";
      result = kExitFailure;
    } else {
      std::cerr << "client " << peer << "\n";
      PrintSessionSummary(connection->info(), false);
      const std::vector<std::uint8_t> early = connection->TakeEarlyData();
      if (!early.empty()) {
        std::cerr << "early data   : ";
        std::cerr.write(reinterpret_cast<const char*>(early.data()), static_cast<std::streamsize>(early.size()));
        std::cerr << "\n";
      }
      if (!RelayOverSocket(*connection, client, echo, &error)) {
        std::cerr << "opensslp serve: " << peer << ": " << error << "\n";
        result = kExitFailure;
      } else {
        std::cerr << "client " << peer << " closed\n";
        result = kExitOk;
      }
    }
    if (once) return result;
  }
}

}  // namespace opensslp::cli
