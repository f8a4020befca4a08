// status_command.cpp - `opensslp status`: what the provider is and what it is doing, read through
// its exported API (SslGetProviderProperty, SslEnumCipherSuites, SslEnumEccCurves): version, build
// (crypto library, architecture, interface version), the key log's and the trace's state
// (docs/key-log.md, docs/diagnostics.md), where the configuration came from and what it says
// (docs/operations.md), and the suites and curves it offers. Whether the key log is on is the line
// an administrator looks for: it is printed first after the version when it is on. Exit status 1
// when the last read of the configuration was refused (its problems are printed).
#include <cstdint>
#include <cstring>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "cli.h"
#include "opensslp/opensslp.h"
#include "registration_status.h"

namespace opensslp::cli {
namespace {

// A UTF-16 property as UTF-8, or "(unavailable: STATUS)".
std::string TextProperty(NCRYPT_PROV_HANDLE provider, LPCWSTR name) {
  PBYTE out = nullptr;
  DWORD len = 0;
  const SECURITY_STATUS rc = SslGetProviderProperty(provider, name, &out, &len, nullptr, 0);
  if (rc != 0) return "(unavailable: " + StatusText(rc) + ")";
  std::string text = ToUtf8(reinterpret_cast<const WCHAR*>(out), len / sizeof(WCHAR));
  SslFreeBuffer(out);
  return text;
}

std::string InterfaceVersion(NCRYPT_PROV_HANDLE provider) {
  PBYTE out = nullptr;
  DWORD len = 0;
  if (SslGetProviderProperty(provider, OPENSSLP_PROPERTY_INTERFACE_VERSION, &out, &len, nullptr, 0) != 0) {
    return "(unavailable)";
  }
  BCRYPT_INTERFACE_VERSION version{};
  if (len == sizeof version) std::memcpy(&version, out, sizeof version);
  SslFreeBuffer(out);
  return std::to_string(version.MajorVersion) + "." + std::to_string(version.MinorVersion);
}

const char* Architecture() {
#if defined(_WIN32)
  return sizeof(void*) == 8 ? "Windows x64" : "Windows x86";
#else
  return sizeof(void*) == 8 ? "Linux 64-bit" : "Linux 32-bit";
#endif
}

void Line(std::string_view name, const std::string& value) {
  std::cout << name << ':';
  for (std::size_t i = name.size(); i < 18; ++i) std::cout << ' ';
  std::cout << value << "\n";
}

}  // namespace

int RunStatus(const Args& args) {
  if (!NoArguments("status", args)) return kExitUsage;
  ProviderHandle provider;
  if (!provider.Open()) return kExitFailure;

  Line("provider", TextProperty(provider.get(), OPENSSLP_PROPERTY_NAME) + " " +
                       TextProperty(provider.get(), OPENSSLP_PROPERTY_VERSION_STRING));
  const std::string key_log = TextProperty(provider.get(), OPENSSLP_PROPERTY_KEY_LOG);
  Line("key log", key_log);
  if (key_log.rfind("on:", 0) == 0) {
    std::cout << "                   WARNING: the key log holds the secrets of every TLS connection made\n"
                 "                   through this provider; anyone who can read it can decrypt them.\n";
  }
  Line("trace", TextProperty(provider.get(), OPENSSLP_PROPERTY_TRACE));
  Line("crypto library", TextProperty(provider.get(), OPENSSLP_PROPERTY_CRYPTO_LIBRARY));
  Line("architecture", Architecture());
  Line("interface", InterfaceVersion(provider.get()));

  // The configuration: "origin: ..." then "Name: value (source)" lines.
  const std::string configuration = TextProperty(provider.get(), OPENSSLP_PROPERTY_CONFIGURATION);
  std::size_t start = 0;
  while (start < configuration.size()) {
    const std::size_t end = configuration.find('\n', start);
    const std::string line = configuration.substr(start, end == std::string::npos ? std::string::npos : end - start);
    start = end == std::string::npos ? configuration.size() : end + 1;
    const std::size_t colon = line.find(": ");
    if (colon == std::string::npos) continue;
    const std::string name = line.substr(0, colon);
    Line(name == "origin" ? "configuration" : "  " + name, line.substr(colon + 2));
  }
  const std::string problems = TextProperty(provider.get(), OPENSSLP_PROPERTY_CONFIGURATION_PROBLEMS);
  if (!problems.empty()) {
    std::cout << "                   WARNING: the last read of the configuration was refused; the configuration\n"
                 "                   above stays in force. Problems:\n";
    start = 0;
    while (start < problems.size()) {
      const std::size_t end = problems.find('\n', start);
      std::cout << "                   - " << problems.substr(start, end - start) << "\n";
      start = end == std::string::npos ? problems.size() : end + 1;
    }
  }

  std::set<DWORD> suites, versions;
  std::vector<std::string> suite_names;
  if (!ForEachCipherSuite(provider.get(), "status", [&](const NCRYPT_SSL_CIPHER_SUITE& s) {
        if (suites.insert(s.dwCipherSuite).second)
          suite_names.push_back(ToUtf8(s.szCipherSuite, NCRYPT_SSL_MAX_NAME_SIZE));
        versions.insert(s.dwProtocol);
      })) {
    return kExitFailure;
  }
  std::string version_text;
  for (DWORD v : versions) version_text += (version_text.empty() ? "" : ", ") + ProtocolName(v);
  Line("cipher suites", std::to_string(suites.size()) + " (" + version_text + ")");
  for (const std::string& name : suite_names) std::cout << "                     " << name << "\n";

  DWORD curve_count = 0;
  NCRYPT_SSL_ECC_CURVE* curves = nullptr;
  const SECURITY_STATUS rc = SslEnumEccCurves(provider.get(), &curve_count, &curves, 0);
  if (rc == 0) {
    std::string names;
    for (DWORD i = 0; i < curve_count; ++i) {
      names += (i ? ", " : "") + ToUtf8(curves[i].szCurveName, MSCRYPT_ECC_MAX_CURVE_NAME_LENGTH);
    }
    SslFreeBuffer(curves);
    Line("curves", std::to_string(curve_count) + " (" + names + ")");
  } else {
    Line("curves", "(unavailable: " + StatusText(rc) + ")");
  }
  // Windows: what opensslp-register.exe registered (registry/src/registration_report.h).
  for (const auto& [name, value] : RegistrationLines()) Line(name, value);
  return problems.empty() ? kExitOk : kExitFailure;
}

}  // namespace opensslp::cli
