#include "abi/names.h"

#include "core/provider.h"
#include "util/ascii.h"

namespace opensslp::abi {

bool IsOurProviderName(std::u16string_view name) noexcept { return EqualsIgnoringAsciiCase(name, kProviderName); }

bool IsMicrosoftProviderName(std::u16string_view name) noexcept {
  return EqualsIgnoringAsciiCase(name, kMicrosoftProviderName);
}

}  // namespace opensslp::abi
