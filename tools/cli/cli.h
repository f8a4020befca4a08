// cli.h - the opensslp command-line tool: its subcommand table and the helpers subcommands share.
//
// The tool calls only the provider's exported API (sslprovider.h, opensslp/opensslp.h), the same
// way Schannel or any other caller does. A subcommand is one entry in kCommands (main.cpp): a name,
// a one-line summary for the usage text and a function that takes the remaining arguments and
// returns the process exit code.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sslprovider.h"

namespace opensslp::cli {

// Exit codes: 0 success, 1 the provider reported an error, 2 bad command line.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

using Args = std::vector<std::string>;

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(const Args& args);
};

int RunSuites(const Args& args);
int RunCurves(const Args& args);
int RunConnect(const Args& args);
int RunServe(const Args& args);
int RunDemo(const Args& args);
int RunStatus(const Args& args);

// UTF-16 (WCHAR: char16_t off Windows, wchar_t on Windows) to UTF-8 for printing.
std::string ToUtf8(const WCHAR* text, std::size_t max_chars);

// "0x80090026 (NTE_INVALID_HANDLE)" for the codes opensslp returns.
std::string StatusText(SECURITY_STATUS status);

// "TLS 1.2" for 0x0303, and so on.
std::string ProtocolName(DWORD protocol);

// An open provider handle, freed on scope exit.
class ProviderHandle {
 public:
  ProviderHandle() = default;
  ProviderHandle(const ProviderHandle&) = delete;
  ProviderHandle& operator=(const ProviderHandle&) = delete;
  ~ProviderHandle();

  // Opens opensslp by name; prints the failure to stderr and returns false on error.
  bool Open();
  NCRYPT_PROV_HANDLE get() const { return handle_; }

 private:
  NCRYPT_PROV_HANDLE handle_ = 0;
};

// Calls `visit` with every entry of SslEnumCipherSuites(provider), in order (each freed after the
// call). On failure prints "opensslp <command>: SslEnumCipherSuites failed: ..." to stderr and
// returns false.
bool ForEachCipherSuite(NCRYPT_PROV_HANDLE provider, std::string_view command,
                        const std::function<void(const NCRYPT_SSL_CIPHER_SUITE&)>& visit);

// Refuses extra arguments to a subcommand that takes none (prints a line to stderr).
bool NoArguments(std::string_view command, const Args& args);

}  // namespace opensslp::cli
