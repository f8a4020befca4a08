// names.h - provider-name matching shared by SslOpenProvider and GetSChannelInterface.
#pragma once

#include <string_view>

#include <cstddef>

#include "opensslp/opensslp.h"
#include "sslprovider.h"

namespace opensslp::abi {

// CNG names are short; anything longer than this is refused before it is compared.
inline constexpr std::size_t kMaxProviderNameChars = 256;

// Case-insensitive (ASCII) match against "OpenSSLP Protocol Provider".
bool IsOurProviderName(std::u16string_view name) noexcept;

// Case-insensitive (ASCII) match against MS_SCHANNEL_PROVIDER, which SslOpenProvider also accepts
// so that code written against ncrypt's default provider runs unchanged.
bool IsMicrosoftProviderName(std::u16string_view name) noexcept;

// Members of the version-5 table, and the pointer slots after Version that ncrypt.dll copies
// (include/opensslp/opensslp.h).
inline constexpr std::size_t kVersion5TableMembers = OPENSSLP_TABLE_MEMBERS;
inline constexpr std::size_t kRouterTableSlots = OPENSSLP_ROUTER_TABLE_SLOTS;

const NCRYPT_SSL_FUNCTION_TABLE& FunctionTable() noexcept;

}  // namespace opensslp::abi
