// config_store.cpp - see config_store.h.
#include "config_store.h"

#include <windows.h>
// windows.h first: bcrypt.h needs its types.
#include <bcrypt.h>

#include <algorithm>
#include <cstdio>

#include "registry_common.h"

// The CPDK registration functions: exported by bcrypt.dll (and mingw-w64's libbcrypt.a) but not
// declared by bcrypt.h (docs/reference/registration.md).
extern "C" {
NTSTATUS WINAPI BCryptRegisterProvider(LPCWSTR pszProvider, ULONG dwFlags, PCRYPT_PROVIDER_REG pReg);
NTSTATUS WINAPI BCryptUnregisterProvider(LPCWSTR pszProvider);
NTSTATUS WINAPI BCryptAddContextFunctionProvider(ULONG dwTable, LPCWSTR pszContext, ULONG dwInterface,
                                                 LPCWSTR pszFunction, LPCWSTR pszProvider, ULONG dwPosition);
NTSTATUS WINAPI BCryptRemoveContextFunctionProvider(ULONG dwTable, LPCWSTR pszContext, ULONG dwInterface,
                                                    LPCWSTR pszFunction, LPCWSTR pszProvider);
}

namespace opensslp::registry {

namespace {

constexpr ULONG kCryptLocal = 1;      // CRYPT_LOCAL (table; also the interface flags the CPDK sample uses)
constexpr ULONG kCryptOverwrite = 1;  // CRYPT_OVERWRITE
constexpr ULONG kCryptUm = 1;         // CRYPT_UM
constexpr NTSTATUS kStatusNotFound = static_cast<NTSTATUS>(0xC0000225);
constexpr NTSTATUS kStatusNoMoreEntries = static_cast<NTSTATUS>(0x8000001A);

std::wstring Hex(unsigned long value) {
  wchar_t text[16];
  std::swprintf(text, 16, L"0x%08lX", value);
  return text;
}

std::wstring Win32Error(const wchar_t* what, LONG rc) {
  return std::wstring(what) + L": Win32 error " + std::to_wstring(rc);
}

ULONG Position(Priority priority) { return priority == Priority::kTop ? 0x00000000u : 0xFFFFFFFFu; }

// After a key was deleted: its parents that are empty now, up to (not including)
// Control\Cryptography. On Windows these always hold Microsoft's entries; in a fresh Wine prefix
// they were created by the install and go again with it.
LONG DeleteEmptyParents(std::wstring key) {
  const std::wstring stop = L"SYSTEM\\CurrentControlSet\\Control\\Cryptography";
  for (;;) {
    const size_t cut = key.find_last_of(L'\\');
    if (cut == std::wstring::npos) return ERROR_SUCCESS;
    key.resize(cut);
    if (key.size() <= stop.size()) return ERROR_SUCCESS;
    if (const LONG rc = DeleteKeyIfEmpty(HKEY_LOCAL_MACHINE, key); rc != ERROR_SUCCESS) return rc;
  }
}

std::wstring SuiteKey(const std::wstring& suite) { return std::wstring(kSslConfigKey) + L"\\" + suite; }
std::wstring ProviderKey() { return std::wstring(kProvidersKey) + L"\\" + kProviderName; }

// The install record and the Group Policy order: registry values in both stores.
void ReadRegistryParts(State& state) {
  if (KeyExists(HKEY_LOCAL_MACHINE, kRecordKey)) {
    Record record;
    record.routed_suites =
        ReadMultiString(HKEY_LOCAL_MACHINE, kRecordKey, L"RoutedSuites").value_or(std::vector<std::wstring>{});
    record.added_suites =
        ReadMultiString(HKEY_LOCAL_MACHINE, kRecordKey, L"AddedSuites").value_or(std::vector<std::wstring>{});
    record.priority = ReadString(HKEY_LOCAL_MACHINE, kRecordKey, L"Priority").value_or(L"bottom") == L"top"
                          ? Priority::kTop
                          : Priority::kBottom;
    state.record = record;
  }
  state.policy_order = ReadString(HKEY_LOCAL_MACHINE, kPolicyOrderKey, L"Functions");
}

std::wstring ApplyRecord(const Change& change) {
  if (change.op == Op::kWriteRecord) {
    if (LONG rc = WriteMultiString(HKEY_LOCAL_MACHINE, kRecordKey, L"RoutedSuites", change.record.routed_suites); rc) {
      return Win32Error(L"writing RoutedSuites", rc);
    }
    if (LONG rc = WriteMultiString(HKEY_LOCAL_MACHINE, kRecordKey, L"AddedSuites", change.record.added_suites); rc) {
      return Win32Error(L"writing AddedSuites", rc);
    }
    if (LONG rc = WriteString(HKEY_LOCAL_MACHINE, kRecordKey, L"Priority", PriorityName(change.record.priority)); rc) {
      return Win32Error(L"writing Priority", rc);
    }
    return L"";
  }
  if (LONG rc = DeleteTree(HKEY_LOCAL_MACHINE, kRecordParentKey); rc) return Win32Error(L"deleting the record", rc);
  return L"";
}

std::vector<std::wstring> Interesting(const State& state, const std::vector<std::wstring>& suites) {
  std::vector<std::wstring> all = state.order;
  auto add = [&](const std::vector<std::wstring>& more) {
    for (const auto& s : more) {
      if (std::find(all.begin(), all.end(), s) == all.end()) all.push_back(s);
    }
  };
  add(suites);
  add(state.provider_functions);
  if (state.record) add(state.record->routed_suites);
  return all;
}

// ---- The CNG configuration functions --------------------------------------------------------------
class ApiStore final : public ConfigStore {
 public:
  State Read(const std::vector<std::wstring>& suites, std::wstring& error) override {
    State state;
    ReadRegistryParts(state);
    ULONG size = 0;
    PCRYPT_PROVIDER_REG reg = nullptr;
    NTSTATUS status = BCryptQueryProviderRegistration(kProviderName, kCryptUm, kSchannelInterface, &size, &reg);
    if (status == 0 && reg != nullptr) {
      state.provider_registered = true;
      if (reg->pUM != nullptr) {
        state.image = reg->pUM->pszImage != nullptr ? reg->pUM->pszImage : L"";
        for (ULONG i = 0; i < reg->pUM->cInterfaces; ++i) {
          const CRYPT_INTERFACE_REG* iface = reg->pUM->rgpInterfaces[i];
          if (iface->dwInterface != kSchannelInterface) continue;
          for (ULONG f = 0; f < iface->cFunctions; ++f) state.provider_functions.emplace_back(iface->rgpszFunctions[f]);
        }
      }
      BCryptFreeBuffer(reg);
    } else if (status != kStatusNotFound) {
      error = L"BCryptQueryProviderRegistration returned " + Hex(static_cast<unsigned long>(status));
      return state;
    }
    PCRYPT_CONTEXT_FUNCTIONS functions = nullptr;
    size = 0;
    status = BCryptEnumContextFunctions(kCryptLocal, kSslContext, kSchannelInterface, &size, &functions);
    if (status == 0 && functions != nullptr) {
      for (ULONG i = 0; i < functions->cFunctions; ++i) state.order.emplace_back(functions->rgpszFunctions[i]);
      BCryptFreeBuffer(functions);
    } else if (status != kStatusNotFound) {
      error = L"BCryptEnumContextFunctions returned " + Hex(static_cast<unsigned long>(status));
      return state;
    }
    for (const auto& suite : Interesting(state, suites)) {
      PCRYPT_CONTEXT_FUNCTION_PROVIDERS providers = nullptr;
      size = 0;
      status = BCryptEnumContextFunctionProviders(kCryptLocal, kSslContext, kSchannelInterface, suite.c_str(), &size,
                                                  &providers);
      if (status == 0 && providers != nullptr) {
        std::vector<std::wstring> list;
        for (ULONG i = 0; i < providers->cProviders; ++i) list.emplace_back(providers->rgpszProviders[i]);
        if (!list.empty()) state.routes[suite] = list;
        BCryptFreeBuffer(providers);
      } else if (status != kStatusNotFound && status != kStatusNoMoreEntries) {
        error =
            L"BCryptEnumContextFunctionProviders(" + suite + L") returned " + Hex(static_cast<unsigned long>(status));
        return state;
      }
    }
    return state;
  }

  std::wstring Apply(const Change& change) override {
    NTSTATUS status = 0;
    const wchar_t* call = L"";
    switch (change.op) {
      case Op::kRegisterProvider: {
        std::vector<PWSTR> names;
        for (const auto& s : change.suites) names.push_back(const_cast<PWSTR>(s.c_str()));
        CRYPT_INTERFACE_REG iface{kSchannelInterface, kCryptLocal, static_cast<ULONG>(names.size()), names.data()};
        PCRYPT_INTERFACE_REG interfaces[] = {&iface};
        CRYPT_IMAGE_REG image{const_cast<PWSTR>(kImageName), 1, interfaces};
        CRYPT_PROVIDER_REG reg{0, nullptr, &image, nullptr};
        call = L"BCryptRegisterProvider";
        status = BCryptRegisterProvider(kProviderName, kCryptOverwrite, &reg);
        break;
      }
      case Op::kUnregisterProvider:
        call = L"BCryptUnregisterProvider";
        status = BCryptUnregisterProvider(kProviderName);
        break;
      case Op::kAddContextFunction:
        call = L"BCryptAddContextFunction";
        status = BCryptAddContextFunction(kCryptLocal, kSslContext, kSchannelInterface, change.suite.c_str(),
                                          Position(change.priority));
        break;
      case Op::kRemoveContextFunction:
        call = L"BCryptRemoveContextFunction";
        status = BCryptRemoveContextFunction(kCryptLocal, kSslContext, kSchannelInterface, change.suite.c_str());
        break;
      case Op::kAddContextFunctionProvider:
        call = L"BCryptAddContextFunctionProvider";
        status = BCryptAddContextFunctionProvider(kCryptLocal, kSslContext, kSchannelInterface, change.suite.c_str(),
                                                  kProviderName, Position(change.priority));
        break;
      case Op::kRemoveContextFunctionProvider:
        call = L"BCryptRemoveContextFunctionProvider";
        status = BCryptRemoveContextFunctionProvider(kCryptLocal, kSslContext, kSchannelInterface, change.suite.c_str(),
                                                     kProviderName);
        break;
      case Op::kWriteRecord:
      case Op::kDeleteRecord: return ApplyRecord(change);
    }
    if (status != 0) return std::wstring(call) + L" returned " + Hex(static_cast<unsigned long>(status));
    return L"";
  }
};

// ---- The same keys, written directly (Wine only) ---------------------------------------------------
class DirectStore final : public ConfigStore {
 public:
  State Read(const std::vector<std::wstring>& suites, std::wstring& error) override {
    State state;
    ReadRegistryParts(state);
    const std::wstring um = ProviderKey() + L"\\UM";
    if (auto image = ReadString(HKEY_LOCAL_MACHINE, um, L"Image")) {
      state.provider_registered = true;
      state.image = *image;
      state.provider_functions =
          ReadMultiString(HKEY_LOCAL_MACHINE, um + L"\\00010002", L"Functions").value_or(std::vector<std::wstring>{});
    }
    state.order =
        ReadMultiString(HKEY_LOCAL_MACHINE, kSslConfigKey, L"Functions").value_or(std::vector<std::wstring>{});
    for (const auto& suite : Interesting(state, suites)) {
      auto providers = ReadMultiString(HKEY_LOCAL_MACHINE, SuiteKey(suite), L"Providers");
      if (providers && !providers->empty()) state.routes[suite] = *providers;
    }
    error.clear();
    return state;
  }

  std::wstring Apply(const Change& change) override {
    std::wstring error;
    State state = Read({change.suite}, error);
    registry::Apply(state, change);
    LONG rc = ERROR_SUCCESS;
    switch (change.op) {
      case Op::kRegisterProvider:
        // CRYPT_OVERWRITE: the new registration replaces any old one.
        if ((rc = DeleteTree(HKEY_LOCAL_MACHINE, ProviderKey())) != 0)
          return Win32Error(L"deleting the old provider key", rc);
        if ((rc = WriteString(HKEY_LOCAL_MACHINE, ProviderKey() + L"\\UM", L"Image", kImageName)) != 0) {
          return Win32Error(L"writing UM\\Image", rc);
        }
        if ((rc = WriteMultiString(HKEY_LOCAL_MACHINE, ProviderKey() + L"\\UM\\00010002", L"Functions",
                                   change.suites)) != 0) {
          return Win32Error(L"writing UM\\00010002\\Functions", rc);
        }
        if ((rc = WriteDword(HKEY_LOCAL_MACHINE, ProviderKey() + L"\\UM\\00010002", L"Flags", kCryptLocal)) != 0) {
          return Win32Error(L"writing UM\\00010002\\Flags", rc);
        }
        return L"";
      case Op::kUnregisterProvider:
        if ((rc = DeleteTree(HKEY_LOCAL_MACHINE, ProviderKey())) != 0)
          return Win32Error(L"deleting the provider key", rc);
        if ((rc = DeleteEmptyParents(ProviderKey())) != 0) return Win32Error(L"deleting empty parent keys", rc);
        return L"";
      case Op::kAddContextFunction:
      case Op::kRemoveContextFunction:
        if (state.order.empty()) {
          if ((rc = DeleteValue(HKEY_LOCAL_MACHINE, kSslConfigKey, L"Functions")) != 0)
            return Win32Error(L"deleting Functions", rc);
          if ((rc = DeleteKeyIfEmpty(HKEY_LOCAL_MACHINE, kSslConfigKey)) != 0)
            return Win32Error(L"deleting the SSL key", rc);
          if ((rc = DeleteEmptyParents(kSslConfigKey)) != 0) return Win32Error(L"deleting empty parent keys", rc);
          return L"";
        }
        if ((rc = WriteMultiString(HKEY_LOCAL_MACHINE, kSslConfigKey, L"Functions", state.order)) != 0) {
          return Win32Error(L"writing Configuration\\Local\\SSL\\00010002\\Functions", rc);
        }
        return L"";
      case Op::kAddContextFunctionProvider:
      case Op::kRemoveContextFunctionProvider: {
        auto route = state.routes.find(change.suite);
        if (route == state.routes.end()) {
          // The last provider left the suite: its Providers value goes, and the suite's key when
          // nothing else is in it (as it was before the suite was routed).
          if ((rc = DeleteValue(HKEY_LOCAL_MACHINE, SuiteKey(change.suite), L"Providers")) != 0) {
            return Win32Error(L"deleting Providers", rc);
          }
          if ((rc = DeleteKeyIfEmpty(HKEY_LOCAL_MACHINE, SuiteKey(change.suite))) != 0) {
            return Win32Error(L"deleting the suite's key", rc);
          }
          if ((rc = DeleteEmptyParents(SuiteKey(change.suite))) != 0)
            return Win32Error(L"deleting empty parent keys", rc);
          return L"";
        }
        if ((rc = WriteMultiString(HKEY_LOCAL_MACHINE, SuiteKey(change.suite), L"Providers", route->second)) != 0) {
          return Win32Error(L"writing Providers", rc);
        }
        return L"";
      }
      case Op::kWriteRecord:
      case Op::kDeleteRecord: return ApplyRecord(change);
    }
    return L"";
  }
};

}  // namespace

std::unique_ptr<ConfigStore> MakeApiStore() { return std::make_unique<ApiStore>(); }
std::unique_ptr<ConfigStore> MakeDirectStore() { return std::make_unique<DirectStore>(); }

bool RunningUnderWine() {
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  return ntdll != nullptr && GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

}  // namespace opensslp::registry
