#include "ossl/library.h"

#include <openssl/bnerr.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evperr.h>
#include <openssl/rand.h>

#include <limits>
#include <mutex>

namespace opensslp::ossl {

void InitializeOnce() noexcept {
  static std::once_flag once;
  std::call_once(once, [] {
    // Failure here (only under memory exhaustion) leaves libcrypto to initialise lazily, still
    // without a configuration: the no-config choice is recorded before anything can fail.
    (void)OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr);
    ERR_clear_error();
  });
}

void ClearErrorQueue() noexcept { ERR_clear_error(); }

bool ErrorQueueEmpty() noexcept { return ERR_peek_error() == 0; }

namespace {

// Errors that stand for an allocation failure. ERR_R_MALLOC_FAILURE from any library; and three
// that OpenSSL 3.0 raises instead when a provider or BN_CTX allocation returned NULL without a
// word (measured by tests/alloc/, docs/robustness.md), and that nothing else raises for the
// inputs opensslp hands over (algorithms it fetched itself, contexts it initialised itself):
// EVP "initialization error" (a provider's newctx returned NULL), EVP "not able to copy ctx" (its
// dupctx returned NULL), BN "too many temporary variables" (BN_CTX_get could not grow its pool).
bool IsAllocationFailure(unsigned long e) noexcept {
  if (ERR_SYSTEM_ERROR(e)) return false;
  const int reason = ERR_GET_REASON(e);
  if (reason == ERR_R_MALLOC_FAILURE) return true;
  switch (ERR_GET_LIB(e)) {
    case ERR_LIB_EVP: return reason == EVP_R_INITIALIZATION_ERROR || reason == EVP_R_NOT_ABLE_TO_COPY_CTX;
    case ERR_LIB_BN: return reason == BN_R_TOO_MANY_TEMPORARY_VARIABLES;
    default: return false;
  }
}

}  // namespace

Error ConsumeErrorQueue(Error otherwise) noexcept {
  // The whole queue, oldest first: the allocation failure is usually the first error raised, with
  // the failing operation's own errors pushed on top of it.
  bool allocation_failed = false;
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    if (IsAllocationFailure(e)) allocation_failed = true;
  }
  return allocation_failed ? Error::kNoMemory : otherwise;
}

Status RandomBytes(std::span<std::uint8_t> out) noexcept {
  std::size_t done = 0;
  while (done < out.size()) {
    std::size_t chunk = out.size() - done;
    if (chunk > static_cast<std::size_t>(std::numeric_limits<int>::max())) chunk = std::numeric_limits<int>::max();
    if (RAND_bytes(out.data() + done, static_cast<int>(chunk)) != 1) return Error::kInternal;
    done += chunk;
  }
  return Status::Ok();
}

std::string VersionText() { return OpenSSL_version(OPENSSL_VERSION); }

}  // namespace opensslp::ossl
