// fuzz_support.cpp - see fuzz_support.h.
#include "fuzz_support.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "handles/handle_table.h"
#include "opensslp/opensslp.h"

namespace opensslp::fuzz {

SECURITY_STATUS CheckStatus(SECURITY_STATUS status, const char* what) {
  switch (static_cast<std::uint32_t>(status)) {
    case 0:
    case static_cast<std::uint32_t>(NTE_INVALID_HANDLE):
    case static_cast<std::uint32_t>(NTE_INVALID_PARAMETER):
    case static_cast<std::uint32_t>(NTE_BAD_FLAGS):
    case static_cast<std::uint32_t>(NTE_BUFFER_TOO_SMALL):
    case static_cast<std::uint32_t>(NTE_NO_MEMORY):
    case static_cast<std::uint32_t>(NTE_NOT_SUPPORTED):
    case static_cast<std::uint32_t>(NTE_NO_MORE_ITEMS):
    case static_cast<std::uint32_t>(NTE_BAD_DATA):
    case static_cast<std::uint32_t>(NTE_BAD_KEY):
    case static_cast<std::uint32_t>(NTE_BAD_KEY_STATE):
    case static_cast<std::uint32_t>(NTE_BAD_SIGNATURE):
    case static_cast<std::uint32_t>(NTE_DECRYPTION_FAILURE):
    case static_cast<std::uint32_t>(NTE_BUFFERS_OVERLAP):
    case static_cast<std::uint32_t>(NTE_NOT_FOUND):
    case static_cast<std::uint32_t>(NTE_BAD_TYPE): return status;
    default:
      std::fprintf(stderr, "fuzz oracle: %s returned 0x%08X, not a documented status\n", what,
                   static_cast<unsigned>(status));
      std::abort();
  }
}

void Require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz oracle: %s\n", what);
    std::abort();
  }
}

void ExpectEqual(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b, const char* what) {
  if (a.size() != b.size() || (!a.empty() && std::memcmp(a.data(), b.data(), a.size()) != 0)) {
    std::fprintf(stderr, "fuzz oracle: round trip not exact: %s (%zu vs %zu bytes)\n", what, a.size(), b.size());
    std::abort();
  }
}

std::size_t LiveHandles() { return HandleTable::Global().LiveCount(); }

// The run-long provider handle exists before the first scope opens.
HandleScope::HandleScope() : before_((static_cast<void>(Provider()), LiveHandles())) {}
HandleScope::~HandleScope() {
  const std::size_t after = LiveHandles();
  if (after != before_) {
    std::fprintf(stderr, "fuzz oracle: %zu live handles before the input, %zu after\n", before_, after);
    std::abort();
  }
}

NCRYPT_PROV_HANDLE Provider() {
  static const NCRYPT_PROV_HANDLE provider = [] {
    NCRYPT_PROV_HANDLE h = 0;
    Require(SslOpenProvider(&h, OPENSSLP_PROVIDER_NAME, 0) == 0, "SslOpenProvider");
    return h;
  }();
  return provider;
}

void Free(NCRYPT_HANDLE handle) {
  if (handle != 0) Require(SslFreeObject(handle, 0) == 0, "SslFreeObject of a live handle");
}

}  // namespace opensslp::fuzz
