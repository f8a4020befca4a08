// ncrypt_params.h - a typed, bounds-checked reader of the NCryptBufferDesc parameter lists that
// SslGenerateMasterKey, SslImportMasterKey, SslGeneratePreMasterKey and SslGenerateSessionKeys take
// (docs/reference/types-and-constants.md#buffer-types,
// docs/reference/caller-semantics.md#parameter-lists).
//
// Rules (each failure is kInvalidParameter unless noted):
//   - a NULL list is an empty list (the caller then lacks whatever it needed);
//   - ulVersion must be NCRYPTBUFFER_VERSION (0);
//   - cBuffers > 0 needs a non-NULL pBuffers; cBuffers above kMaxParameterBuffers is refused
//     before anything is read (no caller needs more than a handful);
//   - a buffer with cbBuffer > 0 needs a non-NULL pvBuffer;
//   - CLIENT_RANDOM / SERVER_RANDOM are exactly 32 bytes, HIGHEST_VERSION a 4-byte DWORD,
//     SESSION_HASH 1..64 bytes;
//   - a known type present twice is refused (which one would win is not defined anywhere);
//   - unknown types (and the SSL 2 CLEAR_KEY / KEY_ARG_DATA, meaningless for TLS) are ignored.
// The values are copied out: nothing here keeps a pointer into the caller's memory.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "sslprovider.h"
#include "util/bytes.h"
#include "util/status.h"

namespace opensslp::abi {

inline constexpr ULONG kMaxParameterBuffers = 64;

struct SslParameters {
  std::optional<std::array<std::uint8_t, 32>> client_random;
  std::optional<std::array<std::uint8_t, 32>> server_random;
  std::optional<std::uint32_t> highest_version;           // e.g. 0x0303
  std::optional<std::vector<std::uint8_t>> session_hash;  // RFC 7627 session_hash (not secret)

  Bytes client_random_bytes() const { return client_random ? Bytes(*client_random) : Bytes(); }
  Bytes server_random_bytes() const { return server_random ? Bytes(*server_random) : Bytes(); }
};

Result<SslParameters> ReadSslParameters(const NCryptBufferDesc* list);

}  // namespace opensslp::abi
