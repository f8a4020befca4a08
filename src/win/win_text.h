// win_text.h - UTF-8 <-> UTF-16 for the Windows-only sources (the core speaks UTF-8), Win32 error
// text, and the provider's Application event-log warnings (event source "OpenSSLP Protocol
// Provider": 1000 key log on, 1001 configuration refused; docs/operations.md#events).
#pragma once
#if defined(_WIN32)
#include <windows.h>

#include <string>

namespace opensslp::win {

inline constexpr wchar_t kEventSource[] = L"OpenSSLP Protocol Provider";
inline constexpr DWORD kEventKeyLogOn = 1000;
inline constexpr DWORD kEventConfigurationRefused = 1001;

inline std::string ToUtf8(const std::wstring& wide) {
  if (wide.empty()) return {};
  const int n =
      WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()), nullptr, 0, nullptr, nullptr);
  std::string out(n > 0 ? static_cast<std::size_t>(n) : 0, '\0');
  if (n > 0)
    WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()), out.data(), n, nullptr, nullptr);
  return out;
}

// Empty for text that is not valid UTF-8.
inline std::wstring ToWide(const std::string& utf8) {
  if (utf8.empty()) return {};
  const int n =
      MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  std::wstring out(n > 0 ? static_cast<std::size_t>(n) : 0, L'\0');
  if (n > 0)
    MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8.data(), static_cast<int>(utf8.size()), out.data(), n);
  return out;
}

inline std::string Win32Error(const char* what, DWORD code) {
  return std::string(what) + " failed (Win32 error " + std::to_string(code) + ")";
}

// Writes one warning to the Application event log. Never fails a caller.
inline void ReportWarningEvent(DWORD event_id, const std::wstring& text) noexcept {
  HANDLE source = RegisterEventSourceW(nullptr, kEventSource);
  if (source == nullptr) return;
  LPCWSTR strings[] = {text.c_str()};
  ReportEventW(source, EVENTLOG_WARNING_TYPE, 0, event_id, nullptr, 1, 0, strings, nullptr);
  DeregisterEventSource(source);
}

}  // namespace opensslp::win
#endif
