// registration_report.h - what is registered: the provider's registration, the two DLL copies, where
// each of opensslp's suites is routed and whether a Group Policy suite order is in force, read from
// the CNG configuration (registry/README.md). One reading, two printers:
// `opensslp-register.exe status` (register_main.cpp) and `opensslp status` (tools/cli).
// Part of the opensslp_registration library; Windows only. No <windows.h> here.
#ifndef OPENSSLP_REGISTRY_REGISTRATION_REPORT_H
#define OPENSSLP_REGISTRY_REGISTRATION_REPORT_H

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "config_store.h"
#include "plan.h"

namespace opensslp::registry {

// <system directory>\opensslp.dll: the copy ncrypt.dll loads into native (64-bit) processes.
std::wstring SystemDll();
// <SysWOW64>\opensslp.dll: the copy 32-bit processes load; empty when this Windows has no WoW64
// (32-bit Windows).
std::wstring Wow64Dll();
// A file (not a directory) exists at `path`.
bool FileExists(const std::wstring& path);

struct DllPresence {
  std::wstring path;     // as SystemDll() / Wow64Dll() name it
  bool present = false;  // the file exists (checked without WoW64 file system redirection)
  std::wstring machine;  // PeMachine(): x64, x86, ...; empty when present but not a PE file
};

struct SuiteRoute {
  std::wstring suite;
  std::size_t order = 0;                 // 1-based position in the local suite order; 0 = not in it
  std::vector<std::wstring> providers;   // the suite's Providers list; first = the one Schannel uses
  std::size_t our_position = 0;          // 1-based position of opensslp in `providers`; 0 = not listed
  bool RoutedToUs() const { return our_position == 1; }
};

struct RegistrationReport {
  bool wine = false;  // read from the registry directly (Wine's bcrypt has no configuration functions)
  State state;        // as read: registration, image, functions, local order, install record, policy
  std::vector<DllPresence> dlls;  // System32, then SysWOW64 when this Windows has it
  // opensslp's suites: the registration's functions, then the record's routed suites not among them.
  std::vector<SuiteRoute> suites;
  std::optional<std::vector<std::wstring>> policy_suites;  // the Group Policy order's names, when set
  std::vector<std::wstring> not_in_policy;                 // our suites that policy order leaves out

  std::size_t RoutedToUsCount() const;    // suites whose first provider is opensslp
  std::size_t ListedBehindCount() const;  // suites listing opensslp after another provider
};

// Reads the report through `store` (the API store on Windows, the direct one under Wine).
// On failure returns nullopt and sets `error`.
std::optional<RegistrationReport> ReadRegistrationReport(ConfigStore& store, bool wine, std::wstring& error);
// The same with the store this process should read: direct under Wine, the CNG functions otherwise.
std::optional<RegistrationReport> ReadRegistrationReport(std::wstring& error);

// Comma-separated list, as the Group Policy order holds it; blanks around names are dropped.
std::vector<std::wstring> SplitList(const std::wstring& list);

}  // namespace opensslp::registry

#endif  // OPENSSLP_REGISTRY_REGISTRATION_REPORT_H
