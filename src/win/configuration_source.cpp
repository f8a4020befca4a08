// configuration_source.cpp - the configuration on Windows (core/configuration_source.h,
// docs/operations.md#windows): the values under HKEY_LOCAL_MACHINE\SOFTWARE\OpenSSLP.
//
// HKLM\SOFTWARE is writable by SYSTEM and administrators only, so no other account can change
// what lsass's provider offers or switch its key log on; the environment would not do (every user
// sets their own, and lsass's is the system's). The 32-bit DLL (SysWOW64) reads the 64-bit view
// (KEY_WOW64_64KEY), not the WOW6432Node copy the registry would redirect it to: one place for
// both. Every value under the key is read, so a misspelt name is reported, not ignored; the
// subkey Registration belongs to opensslp-register.exe and is not a setting.
//
// A change is noticed through the key's last-write time, which every RegSetValueEx /
// RegDeleteValue moves (RegQueryInfoKeyW, at most once a second: core/configuration.cpp). A
// polled time stamp rather than RegNotifyChangeKeyValue: a notification is tied to a registered
// event and, without REG_NOTIFY_THREAD_AGNOSTIC (Windows 8+), to the thread that asked, and it
// must be re-armed after every change; the stamp needs no thread, no handle kept open and no
// re-arming, and costs one registry query per second at most.
#if defined(_WIN32)
#include <windows.h>

#include <string>
#include <vector>

#include "core/configuration_source.h"
#include "win/win_text.h"

namespace opensslp::config::source {
namespace {

constexpr wchar_t kKey[] = L"SOFTWARE\\OpenSSLP";
constexpr char kKeyText[] = "registry HKLM\\SOFTWARE\\OpenSSLP";
constexpr REGSAM kAccess = KEY_QUERY_VALUE | KEY_WOW64_64KEY;
constexpr DWORD kMaxValues = 64;  // far more than there are settings: a key with more is refused

// The text of one value: REG_SZ as it is; REG_MULTI_SZ's strings joined with ','; REG_DWORD in
// decimal. Any other type is a problem.
bool ValueText(DWORD type, const std::vector<BYTE>& data, DWORD size, std::wstring& out) {
  const auto* chars = reinterpret_cast<const wchar_t*>(data.data());
  std::size_t count = size / sizeof(wchar_t);
  switch (type) {
    case REG_SZ:
      while (count > 0 && chars[count - 1] == L'\0') --count;  // the stored terminator(s)
      out.assign(chars, count);
      return true;
    case REG_MULTI_SZ:
      out.clear();
      for (std::size_t i = 0; i < count;) {
        std::size_t end = i;
        while (end < count && chars[end] != L'\0') ++end;
        if (end > i) out += (out.empty() ? L"" : L",") + std::wstring(chars + i, end - i);
        i = end + 1;
      }
      return true;
    case REG_DWORD:
      if (size != sizeof(DWORD)) return false;
      out = std::to_wstring(*reinterpret_cast<const DWORD*>(data.data()));
      return true;
    default: return false;
  }
}

}  // namespace

RawConfiguration Read() {
  RawConfiguration raw;
  raw.origin = kKeyText;
  HKEY key = nullptr;
  LSTATUS rc = RegOpenKeyExW(HKEY_LOCAL_MACHINE, kKey, 0, kAccess, &key);
  if (rc == ERROR_FILE_NOT_FOUND) {
    raw.origin += " (absent: built-in defaults)";
    return raw;
  }
  if (rc != ERROR_SUCCESS) {
    raw.problems.push_back("cannot open " + std::string(kKeyText) + ": " +
                           win::Win32Error("RegOpenKeyExW", static_cast<DWORD>(rc)));
    return raw;
  }
  DWORD value_count = 0, max_name = 0, max_data = 0;
  rc = RegQueryInfoKeyW(key, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, &value_count, &max_name, &max_data,
                        nullptr, nullptr);
  if (rc != ERROR_SUCCESS || value_count > kMaxValues || max_data > 64 * 1024) {
    RegCloseKey(key);
    raw.problems.push_back(rc != ERROR_SUCCESS
                               ? "cannot read " + std::string(kKeyText) + ": " +
                                     win::Win32Error("RegQueryInfoKeyW", static_cast<DWORD>(rc))
                               : std::string(kKeyText) + " holds more values or larger data than any configuration");
    return raw;
  }
  std::vector<wchar_t> name(max_name + 1);
  std::vector<BYTE> data(max_data + sizeof(wchar_t));
  for (DWORD i = 0; i < value_count; ++i) {
    DWORD name_chars = static_cast<DWORD>(name.size());
    DWORD size = static_cast<DWORD>(data.size());
    DWORD type = 0;
    rc = RegEnumValueW(key, i, name.data(), &name_chars, nullptr, &type, data.data(), &size);
    if (rc == ERROR_NO_MORE_ITEMS) break;  // deleted meanwhile
    const std::string value_name = win::ToUtf8(std::wstring(name.data(), name_chars));
    const std::string where = std::string(kKeyText) + " " + (value_name.empty() ? "(Default)" : value_name);
    if (rc != ERROR_SUCCESS) {
      raw.problems.push_back("cannot read " + where + ": " + win::Win32Error("RegEnumValueW", static_cast<DWORD>(rc)));
      continue;
    }
    if (value_name.empty()) continue;  // the key's unnamed default value: not a setting (regedit shows it always)
    std::wstring text;
    if (!ValueText(type, data, size, text)) {
      raw.problems.push_back(where + " has registry type " + std::to_string(type) +
                             ": use REG_SZ (REG_MULTI_SZ for lists, REG_DWORD for Trace)");
      continue;
    }
    const std::string utf8 = win::ToUtf8(text);
    if (utf8.empty() && !text.empty()) {
      raw.problems.push_back(where + " is not valid text");
      continue;
    }
    raw.values.push_back({value_name, utf8, where});
  }
  RegCloseKey(key);
  return raw;
}

std::uint64_t ChangeStamp() noexcept {
  HKEY key = nullptr;
  if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, kKey, 0, kAccess, &key) != ERROR_SUCCESS) return 0;
  FILETIME written{};
  const LSTATUS rc = RegQueryInfoKeyW(key, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                                      nullptr, nullptr, &written);
  RegCloseKey(key);
  if (rc != ERROR_SUCCESS) return 1;
  const std::uint64_t stamp = (static_cast<std::uint64_t>(written.dwHighDateTime) << 32) | written.dwLowDateTime;
  return stamp < 2 ? stamp + 2 : stamp;
}

void AnnounceProblems(const std::string& origin, const std::vector<std::string>& problems) noexcept {
  try {
    std::string text = "The opensslp configuration in " + origin +
                       " was not applied; the configuration in force before stays in force. Problems:";
    for (const std::string& problem : problems) text += "\r\n- " + problem;
    text += "\r\nSee docs/operations.md.";
    win::ReportWarningEvent(win::kEventConfigurationRefused, win::ToWide(text));
  } catch (...) {
    // Out of memory: `opensslp status` still shows the problems.
  }
}

}  // namespace opensslp::config::source
#endif
