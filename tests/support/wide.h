// wide.h - UTF-16 string helpers for tests: LPCWSTR constants are L"..." on Windows and u"..."
// elsewhere; W() gives a pointer of the right type from a u"..." literal on both.
#pragma once

#include <string>

#include "sslprovider.h"

inline LPCWSTR W(const char16_t* s) { return reinterpret_cast<LPCWSTR>(s); }

inline std::u16string ToU16(const WCHAR* s) {
  return s == nullptr ? std::u16string() : std::u16string(reinterpret_cast<const char16_t*>(s));
}

inline std::string ToAscii(const WCHAR* s) {
  std::string out;
  for (const char16_t* p = reinterpret_cast<const char16_t*>(s); p && *p; ++p)
    out.push_back(*p < 0x80 ? static_cast<char>(*p) : '?');
  return out;
}
