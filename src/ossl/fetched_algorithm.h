// fetched_algorithm.h - one explicitly fetched OpenSSL algorithm (EVP_MD, EVP_CIPHER), kept for the
// life of the process once a fetch has succeeded.
//
// Why explicit fetches at all: the implicit fetch of EVP_sha256() & co. costs a lookup on every
// context initialisation (OpenSSL 3 "Performance" guide, man 7 ossl-guide-libcrypto-introduction /
// migration_guide "Fetching algorithms"); the hot path fetches nothing.
//
// Why this class rather than a function-local static: a static initialised with the result of a
// fetch caches a *failed* fetch (NULL) for the life of the process, so one allocation failure in
// the first use of an algorithm broke that algorithm until the process restarted -- in lsass, until
// the machine rebooted -- and the FetchedDigests table was made with `new` inside a noexcept
// function, where std::bad_alloc terminated the process. Here only a success is cached; a failed
// fetch returns NULL, leaves OpenSSL's error queue to the caller (ConsumeErrorQueue turns an
// allocation failure into kNoMemory) and is retried by the next call. docs/robustness.md#first-use.
//
// constinit: the object is constant-initialised (no static initialiser runs at load, which the
// DLL must not have: tests/exports, opensslp_no_static_initializers), and it is never destroyed
// on purpose (a trivially destructible holder of a pointer that is never freed): contexts made
// from the algorithm may outlive any static destructor order, and OpenSSL frees its own store at
// exit.
#pragma once

#include <openssl/evp.h>

#include <atomic>

#include "ossl/library.h"

namespace opensslp::ossl {

struct DigestFetchTraits {
  using Algorithm = EVP_MD;
  static EVP_MD* Fetch(const char* name) noexcept { return EVP_MD_fetch(nullptr, name, nullptr); }
  static void Free(EVP_MD* md) noexcept { EVP_MD_free(md); }
};

struct CipherFetchTraits {
  using Algorithm = EVP_CIPHER;
  static EVP_CIPHER* Fetch(const char* name) noexcept { return EVP_CIPHER_fetch(nullptr, name, nullptr); }
  static void Free(EVP_CIPHER* cipher) noexcept { EVP_CIPHER_free(cipher); }
};

template <typename Traits>
class FetchedAlgorithm {
 public:
  using Algorithm = typename Traits::Algorithm;

  // `name` must outlive the object (a string literal).
  explicit constexpr FetchedAlgorithm(const char* name) noexcept : name_(name) {}
  FetchedAlgorithm(const FetchedAlgorithm&) = delete;
  FetchedAlgorithm& operator=(const FetchedAlgorithm&) = delete;

  // The algorithm, or NULL when this attempt to fetch it failed (errors left queued; the next call
  // tries again). Thread-safe: two first calls may both fetch; one result is kept and the other
  // freed, so every caller sees the same object from then on.
  const Algorithm* Get() noexcept {
    if (const Algorithm* cached = cached_.load(std::memory_order_acquire)) return cached;
    InitializeOnce();
    Algorithm* fetched = Traits::Fetch(name_);
    if (fetched == nullptr) return nullptr;
    Algorithm* expected = nullptr;
    if (cached_.compare_exchange_strong(expected, fetched, std::memory_order_acq_rel, std::memory_order_acquire)) {
      return fetched;
    }
    Traits::Free(fetched);  // another thread's fetch won
    return expected;
  }

 private:
  const char* name_;
  std::atomic<Algorithm*> cached_{nullptr};
};

using FetchedDigest = FetchedAlgorithm<DigestFetchTraits>;
using FetchedCipher = FetchedAlgorithm<CipherFetchTraits>;

}  // namespace opensslp::ossl
