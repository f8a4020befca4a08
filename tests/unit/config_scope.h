// config_scope.h - sets the administrator's configuration (core/configuration.h,
// docs/operations.md) for one test, the way an administrator does on each platform: environment
// variables (OPENSSLP_CIPHER_SUITES, ...) outside Windows, values under HKLM\SOFTWARE\OpenSSLP (the
// 64-bit view, as the provider reads it) on Windows, where Wine's prefix lets the test write them.
// The configuration is forgotten on entry and exit (config::ResetForTesting, through the key
// log's reset), so the next call reads it again.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/configuration.h"
#include "core/key_log.h"
#include "support/env_support.h"

#if defined(_WIN32)
#include <windows.h>
#endif

namespace opensslp::test {

class ConfigScope {
 public:
  // name -> value, with the registry's names (CipherSuites, Groups, MinimumVersion, ...). Every
  // setting not named is removed.
  explicit ConfigScope(const std::map<std::string, std::string>& values) { Apply(values); }
  ConfigScope() : ConfigScope(std::map<std::string, std::string>{}) {}  // nothing set: the defaults
  ~ConfigScope() {
    Apply({});
#if defined(_WIN32)
    HKEY key = nullptr;
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE", 0, KEY_ALL_ACCESS | KEY_WOW64_64KEY, &key) == ERROR_SUCCESS) {
      RegDeleteKeyExW(key, L"OpenSSLP", KEY_WOW64_64KEY, 0);  // only if empty (Registration stays)
      RegCloseKey(key);
    }
#endif
  }
  ConfigScope(const ConfigScope&) = delete;
  ConfigScope& operator=(const ConfigScope&) = delete;

  // Changes the settings without forgetting the configuration (as an administrator does while the
  // provider runs): the next SslChangeNotify reload, or the change signal, picks them up.
  static void Write(const std::map<std::string, std::string>& values) {
    for (const config::SettingName& setting : config::kSettings) {
      const std::string name(setting.name);
      const auto it = values.find(name);
      const std::optional<std::string> value = it == values.end() ? std::nullopt : std::optional(it->second);
#if defined(_WIN32)
      HKEY key = nullptr;
      if (RegCreateKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\OpenSSLP", 0, nullptr, 0, KEY_SET_VALUE | KEY_WOW64_64KEY,
                          nullptr, &key, nullptr) != ERROR_SUCCESS) {
        continue;
      }
      const std::wstring wide_name(name.begin(), name.end());
      if (value) {
        const std::wstring wide(value->begin(), value->end());  // test values are ASCII
        RegSetValueExW(key, wide_name.c_str(), 0, REG_SZ, reinterpret_cast<const BYTE*>(wide.c_str()),
                       static_cast<DWORD>((wide.size() + 1) * sizeof(wchar_t)));
      } else {
        RegDeleteValueW(key, wide_name.c_str());
      }
      RegCloseKey(key);
#else
      SetEnv(std::string(setting.environment).c_str(), value ? value->c_str() : nullptr);
#endif
    }
  }

 private:
  static void Apply(const std::map<std::string, std::string>& values) {
    Write(values);
    key_log::ResetForTesting();  // also config::ResetForTesting()
  }
};

}  // namespace opensslp::test
