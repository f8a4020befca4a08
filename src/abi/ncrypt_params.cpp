// ncrypt_params.cpp - see ncrypt_params.h.
#include "abi/ncrypt_params.h"

#include <cstring>

namespace opensslp::abi {

Result<SslParameters> ReadSslParameters(const NCryptBufferDesc* list) {
  SslParameters out;
  if (list == nullptr) return out;
  ENSURE(list->ulVersion == NCRYPTBUFFER_VERSION, Error::kInvalidParameter);
  ENSURE(list->cBuffers <= kMaxParameterBuffers, Error::kInvalidParameter);
  if (list->cBuffers == 0) return out;
  ENSURE(list->pBuffers != nullptr, Error::kInvalidParameter);
  for (ULONG i = 0; i < list->cBuffers; ++i) {
    const NCryptBuffer& b = list->pBuffers[i];
    ENSURE(b.cbBuffer == 0 || b.pvBuffer != nullptr, Error::kInvalidParameter);
    const auto* data = static_cast<const std::uint8_t*>(b.pvBuffer);
    switch (b.BufferType) {
      case NCRYPTBUFFER_SSL_CLIENT_RANDOM:
      case NCRYPTBUFFER_SSL_SERVER_RANDOM: {
        auto& slot = b.BufferType == NCRYPTBUFFER_SSL_CLIENT_RANDOM ? out.client_random : out.server_random;
        ENSURE(!slot.has_value(), Error::kInvalidParameter);
        ENSURE(b.cbBuffer == 32, Error::kInvalidParameter);
        slot.emplace();
        std::memcpy(slot->data(), data, 32);
        break;
      }
      case NCRYPTBUFFER_SSL_HIGHEST_VERSION: {
        ENSURE(!out.highest_version.has_value(), Error::kInvalidParameter);
        ENSURE(b.cbBuffer == sizeof(DWORD), Error::kInvalidParameter);
        DWORD v;
        std::memcpy(&v, data, sizeof v);  // native DWORD (little-endian on every Windows target)
        out.highest_version = v;
        break;
      }
      case NCRYPTBUFFER_SSL_SESSION_HASH: {
        ENSURE(!out.session_hash.has_value(), Error::kInvalidParameter);
        ENSURE(b.cbBuffer >= 1 && b.cbBuffer <= 64, Error::kInvalidParameter);
        out.session_hash.emplace(data, data + b.cbBuffer);
        break;
      }
      default:
        break;  // unknown or irrelevant (docs/reference/caller-semantics.md#parameter-lists: ignore unknown types)
    }
  }
  return out;
}

}  // namespace opensslp::abi
