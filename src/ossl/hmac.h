// hmac.h - a keyed HMAC on OpenSSL's EVP_MAC, made from a per-process template so that creating
// one fetches nothing: the one HMAC the TLS 1.0-1.2 PRF (tls_prf.h) and TLS 1.3's HKDF share.
//
// One unkeyed HMAC context per hash is built once per process: HMAC and the digest are fetched
// there and never again; each HmacKey duplicates a template (OpenSSL 3 "Performance" guide:
// explicit fetches, no per-call fetch). The templates are only ever read, so concurrent users share
// nothing mutable. They are never freed: the process keeps them as long as libcrypto itself, and
// DllMain stays trivial (docs/style.md#loader-lock).
//
// Two robustness rules: a failed template build is not cached (a transient allocation failure
// must not disable HMAC for the life of the process), and templates are only duplicated where that
// works -- OpenSSL 3.0.0 refuses to copy an unkeyed HMAC context (EVP_MD_CTX_copy_ex on an
// uninitialised context; fixed in 3.0.1, openssl/openssl#17118). There each key makes a fresh
// context instead, which fetches the digest again: slower, still right.
//
// Only src/ossl/ includes OpenSSL headers: the EVP_MAC_CTX lives behind an opaque pointer.
#pragma once

#include <cstddef>
#include <utility>

#include "base/algorithms.h"
#include "util/bytes.h"
#include "util/status.h"

struct evp_mac_ctx_st;  // OpenSSL's EVP_MAC_CTX

namespace opensslp::ossl {

// An HMAC keyed once and used for any number of MACs with that key: Restart() begins the next MAC
// without re-deriving the key's inner and outer pads (EVP_MAC_init with a NULL key keeps the key),
// so a loop of MACs allocates nothing. Move-only; not thread-safe (one owner at a time). The
// context holds the key; it is wiped when the HmacKey is destroyed.
class HmacKey {
 public:
  // kInvalidParameter for MD5-SHA1 or SHA-512 (no template: not a hash any TLS HMAC here uses);
  // kNoMemory / kInternal if OpenSSL fails. An empty key is allowed (HMAC pads it with zeros).
  static Result<HmacKey> Create(HashAlg hash, Bytes key);

  HmacKey(HmacKey&& other) noexcept : ctx_(std::exchange(other.ctx_, nullptr)), size_(other.size_) {}
  HmacKey& operator=(HmacKey&& other) noexcept;
  HmacKey(const HmacKey&) = delete;
  HmacKey& operator=(const HmacKey&) = delete;
  ~HmacKey();

  // The MAC length in bytes (the hash's output length).
  std::size_t size() const noexcept { return size_; }

  // Begins a new MAC with the same key (a fresh HmacKey has already begun one).
  Status Restart() noexcept;
  // Appends bytes (an empty span is a no-op).
  Status Update(Bytes data) noexcept;
  // Finishes the MAC into out[0..size()); kInvalidParameter if out is shorter. Restart() before the
  // next MAC.
  Status Final(MutBytes out) noexcept;

 private:
  HmacKey(evp_mac_ctx_st* ctx, std::size_t size) noexcept : ctx_(ctx), size_(size) {}
  evp_mac_ctx_st* ctx_ = nullptr;
  std::size_t size_ = 0;
};

// Test support: makes every HmacKey take the path used where templates cannot be duplicated
// (OpenSSL 3.0.0; see above), so that path is tested on every libcrypto.
void ForceFreshHmacContextsForTesting(bool enabled);

}  // namespace opensslp::ossl
