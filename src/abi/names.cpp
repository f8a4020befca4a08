#include "abi/names.h"

#include "core/provider.h"

namespace opensslp::abi {
namespace {

bool EqualsIgnoringAsciiCase(std::u16string_view a, std::u16string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char16_t x = a[i], y = b[i];
    if (x >= u'A' && x <= u'Z') x = static_cast<char16_t>(x - u'A' + u'a');
    if (y >= u'A' && y <= u'Z') y = static_cast<char16_t>(y - u'A' + u'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

bool IsOurProviderName(std::u16string_view name) noexcept {
  return EqualsIgnoringAsciiCase(name, kProviderName);
}

bool IsMicrosoftProviderName(std::u16string_view name) noexcept {
  return EqualsIgnoringAsciiCase(name, kMicrosoftProviderName);
}

}  // namespace opensslp::abi
