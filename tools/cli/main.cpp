// main.cpp - `opensslp <subcommand> [args]`: dispatch through the subcommand table.
//
//   opensslp suites   the cipher suites, as PowerShell's Get-TlsCipherSuite lists them
//   opensslp curves   the elliptic curves (SslEnumEccCurves)
//   opensslp connect  a TLS client through the provider
//   opensslp serve    a TLS server through the provider
//   opensslp status   version, build, key log, suites and curves
//   opensslp demo     in-process handshakes against OpenSSL's libssl, as a table
//   opensslp --help   usage
#include <array>
#include <iostream>

#include "cli.h"

namespace opensslp::cli {
namespace {

constexpr std::array<Command, 6> kCommands = {{
    {"suites", "list the cipher suites (like PowerShell's Get-TlsCipherSuite)", RunSuites},
    {"curves", "list the elliptic curves for key exchange (name, IANA id, OID, public key length)", RunCurves},
    {"connect", "HOST:PORT  TLS client through the provider; relays stdin/stdout", RunConnect},
    {"serve", "PORT --cert FILE --key FILE  TLS server through the provider", RunServe},
    {"status", "the provider's version, build, key log state, suites and curves", RunStatus},
    {"demo", "handshakes against OpenSSL's libssl for every TLS 1.0-1.2 suite, both roles", RunDemo},
}};

void PrintUsage(std::ostream& out) {
  out << "usage: opensslp <command> [arguments]\n\n"
         "Queries the opensslp CNG SSL protocol provider through its exported Ssl* API.\n\n"
         "commands:\n";
  for (const Command& c : kCommands) {
    out << "  " << c.name;
    for (std::size_t i = c.name.size(); i < 10; ++i) out << ' ';
    out << c.summary << "\n";
  }
  out << "  --help    show this text\n";
}

}  // namespace
}  // namespace opensslp::cli

int main(int argc, char** argv) {
  using namespace opensslp::cli;
  if (argc < 2) {
    PrintUsage(std::cout);
    return kExitOk;
  }
  const std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    PrintUsage(std::cout);
    return kExitOk;
  }
  for (const Command& c : kCommands) {
    if (c.name == name) return c.run(Args(argv + 2, argv + argc));
  }
  std::cerr << "opensslp: unknown command '" << name << "' (try 'opensslp --help')\n";
  return kExitUsage;
}
