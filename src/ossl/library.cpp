#include "ossl/library.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
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
