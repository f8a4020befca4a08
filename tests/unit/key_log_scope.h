// key_log_scope.h - switches the key log (core/key_log.h) on for one test, into a fresh file, the
// way an administrator does on each platform: the environment variable OPENSSLP_KEYLOGFILE, or on
// Windows the registry value HKLM\SOFTWARE\OpenSSLP KeyLogFile (Wine's prefix lets the test write
// it). The key log reads its setting once per process, so the scope resets it on entry and exit.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/key_log.h"
#include "opensslp/opensslp.h"
#include "support/env_support.h"

#if defined(_WIN32)
#include <windows.h>
#endif

namespace opensslp::test {

class KeyLogScope {
 public:
  // `file` empty: the key log configured off.
  explicit KeyLogScope(const std::string& file) {
#if defined(_WIN32)
    // The 64-bit registry view, as the provider reads it (also from a 32-bit test under WoW64).
    HKEY key = nullptr;
    if (RegCreateKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\OpenSSLP", 0, nullptr, 0,
                        KEY_SET_VALUE | KEY_WOW64_64KEY, nullptr, &key, nullptr) == ERROR_SUCCESS) {
      if (file.empty()) {
        RegDeleteValueW(key, L"KeyLogFile");
      } else {
        const std::wstring wide(file.begin(), file.end());  // test paths are ASCII
        RegSetValueExW(key, L"KeyLogFile", 0, REG_SZ, reinterpret_cast<const BYTE*>(wide.c_str()),
                       static_cast<DWORD>((wide.size() + 1) * sizeof(wchar_t)));
      }
      RegCloseKey(key);
    }
#else
    env_ = std::make_unique<ScopedEnv>(OPENSSLP_KEY_LOG_ENV,
                                       file.empty() ? std::nullopt : std::optional<std::string>(file));
#endif
    key_log::ResetForTesting();
  }
  ~KeyLogScope() {
#if defined(_WIN32)
    HKEY key = nullptr;
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\OpenSSLP", 0, KEY_SET_VALUE | KEY_WOW64_64KEY, &key) ==
        ERROR_SUCCESS) {
      RegDeleteValueW(key, L"KeyLogFile");
      RegCloseKey(key);
    }
#endif
    env_.reset();
    key_log::ResetForTesting();
  }
  KeyLogScope(const KeyLogScope&) = delete;
  KeyLogScope& operator=(const KeyLogScope&) = delete;

 private:
  std::unique_ptr<ScopedEnv> env_;
};

// A file name in the temporary directory that does not exist yet; removed when destroyed.
class TempFile {
 public:
  TempFile() {
    path_ = (std::filesystem::temp_directory_path() /
             ("opensslp-keylog-" + std::to_string(std::rand()) + "-" +
              std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".txt"))
                .string();
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The lines of a file (without their '\n'); empty if it does not exist.
inline std::vector<std::string> ReadLines(const std::string& file) {
  std::vector<std::string> lines;
  std::ifstream in(file, std::ios::binary);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace opensslp::test
