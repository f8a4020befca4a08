// registration_report.cpp - see registration_report.h.
#include "registration_report.h"

#include <windows.h>

#include <algorithm>
#include <sstream>

#include "checks.h"
#include "registry_common.h"

namespace opensslp::registry {

namespace {

// Provider names are case-insensitive for CNG (ncrypt opens 'openssLP protocol PROVIDER' too).
bool SameName(const std::wstring& a, const std::wstring& b) {
  return CompareStringOrdinal(a.c_str(), static_cast<int>(a.size()), b.c_str(), static_cast<int>(b.size()), TRUE) ==
         CSTR_EQUAL;
}

// In a 32-bit process on 64-bit Windows, <system directory> is redirected to SysWOW64: turn the
// redirection off while the DLL copies are looked at, so that System32 means System32.
class NoFsRedirection {
 public:
  NoFsRedirection() {
    BOOL wow64 = FALSE;
    if (IsWow64Process(GetCurrentProcess(), &wow64) && wow64) active_ = Wow64DisableWow64FsRedirection(&old_) != 0;
  }
  NoFsRedirection(const NoFsRedirection&) = delete;
  NoFsRedirection& operator=(const NoFsRedirection&) = delete;
  ~NoFsRedirection() {
    if (active_) Wow64RevertWow64FsRedirection(old_);
  }

 private:
  PVOID old_ = nullptr;
  bool active_ = false;
};

}  // namespace

std::wstring SystemDll() {
  wchar_t dir[MAX_PATH] = {};
  GetSystemDirectoryW(dir, MAX_PATH);
  return std::wstring(dir) + L"\\" + kImageName;
}

std::wstring Wow64Dll() {
  wchar_t dir[MAX_PATH] = {};
  if (GetSystemWow64DirectoryW(dir, MAX_PATH) == 0) return L"";
  return std::wstring(dir) + L"\\" + kImageName;
}

bool FileExists(const std::wstring& path) {
  const DWORD attributes = GetFileAttributesW(path.c_str());
  return attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY) == 0;
}

std::vector<std::wstring> SplitList(const std::wstring& list) {
  std::vector<std::wstring> out;
  std::wstringstream in(list);
  std::wstring item;
  while (std::getline(in, item, L',')) {
    item.erase(0, item.find_first_not_of(L" \t"));
    item.erase(item.find_last_not_of(L" \t") + 1);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::size_t RegistrationReport::RoutedToUsCount() const {
  return static_cast<std::size_t>(
      std::count_if(suites.begin(), suites.end(), [](const SuiteRoute& s) { return s.RoutedToUs(); }));
}

std::size_t RegistrationReport::ListedBehindCount() const {
  return static_cast<std::size_t>(
      std::count_if(suites.begin(), suites.end(), [](const SuiteRoute& s) { return s.our_position > 1; }));
}

std::optional<RegistrationReport> ReadRegistrationReport(ConfigStore& store, bool wine, std::wstring& error) {
  error.clear();
  RegistrationReport report;
  report.wine = wine;
  report.state = store.Read({}, error);
  if (!error.empty()) return std::nullopt;
  const State& state = report.state;

  {
    const NoFsRedirection no_redirection;
    for (const std::wstring& dll : {SystemDll(), Wow64Dll()}) {
      if (dll.empty()) continue;
      DllPresence presence;
      presence.path = dll;
      presence.present = FileExists(dll);
      if (presence.present) presence.machine = PeMachine(dll);
      report.dlls.push_back(presence);
    }
  }

  std::vector<std::wstring> ours = state.provider_functions;
  if (state.record) {
    for (const auto& s : state.record->routed_suites) {
      if (std::find(ours.begin(), ours.end(), s) == ours.end()) ours.push_back(s);
    }
  }
  for (const auto& suite : ours) {
    SuiteRoute route;
    route.suite = suite;
    const auto position = std::find(state.order.begin(), state.order.end(), suite);
    if (position != state.order.end()) route.order = static_cast<std::size_t>(position - state.order.begin()) + 1;
    if (const auto listed = state.routes.find(suite); listed != state.routes.end()) {
      route.providers = listed->second;
      for (std::size_t i = 0; i < route.providers.size(); ++i) {
        if (SameName(route.providers[i], kProviderName)) {
          route.our_position = i + 1;
          break;
        }
      }
    }
    report.suites.push_back(route);
  }

  if (state.policy_order) {
    report.policy_suites = SplitList(*state.policy_order);
    for (const auto& suite : ours) {
      if (std::find(report.policy_suites->begin(), report.policy_suites->end(), suite) == report.policy_suites->end())
        report.not_in_policy.push_back(suite);
    }
  }
  return report;
}

std::optional<RegistrationReport> ReadRegistrationReport(std::wstring& error) {
  // Under Wine the enumerating configuration functions abort the process: read the registry.
  const bool wine = RunningUnderWine();
  auto store = wine ? MakeDirectStore() : MakeApiStore();
  return ReadRegistrationReport(*store, wine, error);
}

}  // namespace opensslp::registry
