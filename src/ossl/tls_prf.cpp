// tls_prf.cpp - the TLS 1.0-1.2 PRF on OpenSSL's HMAC (see tls_prf.h).
#include "ossl/tls_prf.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>

#include "ossl/library.h"
#include "ossl/ossl_ptr.h"

namespace opensslp::ossl {
namespace {

// (Local alias; candidate for ossl_ptr.h.)
using EvpMacCtxPtr = std::unique_ptr<EVP_MAC_CTX, FreeWith<EVP_MAC_CTX_free>>;

enum HmacIndex : int { kHmacMd5, kHmacSha1, kHmacSha256, kHmacSha384, kHmacCount };

const char* const kHmacDigestNames[kHmacCount] = {"MD5", "SHA1", "SHA256", "SHA384"};

// One unkeyed HMAC context per digest, made once per process: HMAC and the digest are fetched
// here and never again (the per-call path only duplicates a template, OpenSSL 3 "Performance"
// guide). The templates are only ever read (EVP_MAC_CTX_dup), so concurrent calls share nothing
// mutable. Never freed: the process keeps them as long as libcrypto itself (DllMain stays
// trivial, house style §10).
//
// Two robustness rules (review findings): a failed build is not cached (a transient allocation
// failure must not disable the PRF for the life of the process), and the templates are only
// duplicated where that works — OpenSSL 3.0.0 refuses to copy an unkeyed HMAC context
// (EVP_MD_CTX_copy_ex on an uninitialised context; fixed in 3.0.1, openssl/openssl#17118). There
// each call makes a fresh context instead, which fetches the digest again: slower, still right.
struct HmacTemplates {
  EVP_MAC* hmac = nullptr;
  EVP_MAC_CTX* ctx[kHmacCount] = {};
  bool duplicable = false;
};

HmacTemplates* BuildHmacTemplates() noexcept {
  auto* t = new (std::nothrow) HmacTemplates();
  if (t == nullptr) return nullptr;
  t->hmac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  bool ok = t->hmac != nullptr;
  for (int i = 0; ok && i < kHmacCount; ++i) {
    t->ctx[i] = EVP_MAC_CTX_new(t->hmac);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(kHmacDigestNames[i]), 0),
        OSSL_PARAM_construct_end(),
    };
    ok = t->ctx[i] != nullptr && EVP_MAC_CTX_set_params(t->ctx[i], params) == 1;
  }
  if (ok) {
    EvpMacCtxPtr probe(EVP_MAC_CTX_dup(t->ctx[kHmacSha256]));
    t->duplicable = probe != nullptr;
  }
  ClearErrorQueue();
  if (!ok) {
    for (EVP_MAC_CTX* c : t->ctx) EVP_MAC_CTX_free(c);
    EVP_MAC_free(t->hmac);
    delete t;
    return nullptr;
  }
  return t;
}

const HmacTemplates* GetHmacTemplates() noexcept {
  static std::atomic<const HmacTemplates*> cached{nullptr};
  static std::mutex build_mutex;
  if (const HmacTemplates* t = cached.load(std::memory_order_acquire)) return t;
  std::lock_guard<std::mutex> lock(build_mutex);
  if (const HmacTemplates* t = cached.load(std::memory_order_relaxed)) return t;
  InitializeOnce();
  const HmacTemplates* t = BuildHmacTemplates();
  if (t != nullptr) cached.store(t, std::memory_order_release);
  return t;
}

std::atomic<bool> g_force_fresh_contexts{false};

// A fresh, unkeyed HMAC context for one PRF call (see above).
EVP_MAC_CTX* NewHmacContext(int index) noexcept {
  const HmacTemplates* t = GetHmacTemplates();
  if (t == nullptr) return nullptr;
  if (t->duplicable && !g_force_fresh_contexts.load(std::memory_order_relaxed)) return EVP_MAC_CTX_dup(t->ctx[index]);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(t->hmac);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(kHmacDigestNames[index]), 0),
      OSSL_PARAM_construct_end(),
  };
  if (ctx != nullptr && EVP_MAC_CTX_set_params(ctx, params) != 1) {
    EVP_MAC_CTX_free(ctx);
    ctx = nullptr;
  }
  return ctx;
}

// out (XOR)= P_hash(secret, label || seeds), RFC 5246 §5:
//   A(0) = seed, A(i) = HMAC(secret, A(i-1)),
//   P_hash = HMAC(secret, A(1) || seed) || HMAC(secret, A(2) || seed) || ...
// The label and seed parts are fed to HMAC one after the other: no concatenated copy is made.
// One keyed context per call; EVP_MAC_init with a NULL key restarts it with the same key (the
// HMAC provider copies its prepared inner state), so the loop allocates nothing.
Status PHash(int index, Bytes secret, std::string_view label, std::initializer_list<Bytes> seeds, MutBytes out,
             bool xor_into) noexcept {
  EvpMacCtxPtr ctx(NewHmacContext(index));
  if (ctx == nullptr) return Error::kNoMemory;
  static const unsigned char kEmpty = 0;  // HMAC accepts an empty key, but not a NULL one here
  EVP_MAC_CTX* c = ctx.get();
  if (EVP_MAC_init(c, secret.empty() ? &kEmpty : secret.data(), secret.size(), nullptr) != 1) return Error::kInternal;
  const std::size_t md_len = EVP_MAC_CTX_get_mac_size(c);
  if (md_len == 0 || md_len > EVP_MAX_MD_SIZE) return Error::kInternal;
  auto absorb_seed = [&]() {
    bool ok = label.empty() ||
              EVP_MAC_update(c, reinterpret_cast<const unsigned char*>(label.data()), label.size()) == 1;
    for (Bytes s : seeds) ok = ok && (s.empty() || EVP_MAC_update(c, s.data(), s.size()) == 1);
    return ok;
  };
  unsigned char a[EVP_MAX_MD_SIZE];
  unsigned char chunk[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  // A(1) = HMAC(secret, seed).
  bool ok = absorb_seed() && EVP_MAC_final(c, a, &len, sizeof a) == 1 && len == md_len;
  for (std::size_t done = 0; ok && done < out.size();) {
    ok = EVP_MAC_init(c, nullptr, 0, nullptr) == 1 && EVP_MAC_update(c, a, md_len) == 1 && absorb_seed() &&
         EVP_MAC_final(c, chunk, &len, sizeof chunk) == 1 && len == md_len;
    if (!ok) break;
    const std::size_t n = std::min(md_len, out.size() - done);
    if (xor_into) {
      for (std::size_t i = 0; i < n; ++i) out[done + i] ^= chunk[i];
    } else {
      std::memcpy(out.data() + done, chunk, n);
    }
    done += n;
    if (done < out.size()) {  // A(i+1) = HMAC(secret, A(i))
      ok = EVP_MAC_init(c, nullptr, 0, nullptr) == 1 && EVP_MAC_update(c, a, md_len) == 1 &&
           EVP_MAC_final(c, a, &len, sizeof a) == 1 && len == md_len;
    }
  }
  OPENSSL_cleanse(a, sizeof a);
  OPENSSL_cleanse(chunk, sizeof chunk);
  return ok ? Status::Ok() : Status(Error::kInternal);
}

}  // namespace

Status TlsPrf(HashAlg digest, Bytes secret, std::string_view label, std::initializer_list<Bytes> seeds,
              MutBytes out) {
  ENSURE(!out.empty() && IsPrfHash(digest), Error::kInvalidParameter);
  // Kept from the EVP_KDF implementation (OpenSSL's TLS1_PRF_MAXBUF), so the documented limit of
  // SslExportKeyingMaterial & co. does not depend on how the PRF is computed.
  std::size_t seed_len = label.size();
  for (Bytes s : seeds) seed_len += s.size();
  ENSURE(seed_len <= kMaxPrfSeedLength, Error::kInvalidParameter);

  Status status = Status::Ok();
  switch (digest) {
    case HashAlg::kMd5Sha1: {
      // RFC 2246 §5: S1 and S2 are the two halves of the secret, each ceil(len/2) bytes (they share
      // the middle byte when the length is odd); PRF = P_MD5(S1, seed) XOR P_SHA-1(S2, seed).
      const std::size_t half = (secret.size() + 1) / 2;
      status = PHash(kHmacMd5, secret.first(half), label, seeds, out, false);
      if (status.ok()) status = PHash(kHmacSha1, secret.last(half), label, seeds, out, true);
      break;
    }
    case HashAlg::kSha256: status = PHash(kHmacSha256, secret, label, seeds, out, false); break;
    case HashAlg::kSha384: status = PHash(kHmacSha384, secret, label, seeds, out, false); break;
    default: status = Error::kInvalidParameter; break;  // not a PRF hash (checked above)
  }
  if (!status.ok()) {
    OPENSSL_cleanse(out.data(), out.size());
    ClearErrorQueue();
  }
  return status;
}

void ForceFreshHmacContextsForTesting(bool enabled) { g_force_fresh_contexts.store(enabled); }

}  // namespace opensslp::ossl
