// ascii.h - ASCII-only case folding and comparison, as CNG compares its identifiers (provider
// names, algorithm ids) and as opensslp compares file extensions and thumbprints. Only A-Z and
// a-z are folded: every other code unit, including every non-ASCII one, compares exactly (no
// locale, no Unicode case mapping, so "I" never matches a Turkish dotless i).
#pragma once

#include <cstddef>
#include <string_view>

namespace opensslp {

constexpr char AsciiLower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr char16_t AsciiLower(char16_t c) noexcept {
  return (c >= u'A' && c <= u'Z') ? static_cast<char16_t>(c - u'A' + u'a') : c;
}

constexpr bool EqualsIgnoringAsciiCase(std::u16string_view a, std::u16string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// A UTF-16 string against a narrow ASCII one (e.g. a caller's hash id against "SHA256"). A
// non-ASCII byte in `b` matches nothing, so a non-ASCII code unit of `a` can never match.
constexpr bool EqualsIgnoringAsciiCase(std::u16string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto byte = static_cast<unsigned char>(b[i]);
    if (byte >= 0x80) return false;
    const auto wide = static_cast<char16_t>(byte);
    if (AsciiLower(a[i]) != AsciiLower(wide)) return false;
  }
  return true;
}

constexpr bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

static_assert(EqualsIgnoringAsciiCase(u"Sha256", "SHA256"));
static_assert(!EqualsIgnoringAsciiCase(u"SHA25\u00b6", "SHA256"));
static_assert(!EqualsIgnoringAsciiCase(std::u16string_view(u"\u0141"), std::u16string_view(u"A")));

}  // namespace opensslp
