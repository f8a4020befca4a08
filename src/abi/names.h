// names.h - provider-name matching shared by SslOpenProvider and GetSChannelInterface.
#pragma once

#include <string_view>

#include "sslprovider.h"

namespace opensslp::abi {

// CNG names are short; anything longer than this is refused before it is compared.
inline constexpr std::size_t kMaxProviderNameChars = 256;

// Case-insensitive (ASCII) match against "OpenSSLP Protocol Provider".
bool IsOurProviderName(std::u16string_view name) noexcept;

// Case-insensitive (ASCII) match against MS_SCHANNEL_PROVIDER, which SslOpenProvider also accepts
// so that code written against ncrypt's default provider runs unchanged.
bool IsMicrosoftProviderName(std::u16string_view name) noexcept;

const NCRYPT_SSL_FUNCTION_TABLE& FunctionTable() noexcept;

}  // namespace opensslp::abi
