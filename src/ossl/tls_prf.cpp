// tls_prf.cpp - the TLS 1.0-1.2 PRF on OpenSSL's HMAC (see tls_prf.h).
#include "ossl/tls_prf.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "ossl/library.h"
#include "ossl/ossl_ptr.h"

namespace opensslp::ossl {
namespace {

// (Local alias; candidate for ossl_ptr.h.)
using EvpMacCtxPtr = std::unique_ptr<EVP_MAC_CTX, FreeWith<EVP_MAC_CTX_free>>;

enum HmacIndex : int { kHmacMd5, kHmacSha1, kHmacSha256, kHmacSha384, kHmacCount };

// One unkeyed HMAC context per digest, made once per process: HMAC and the digest are fetched
// here and never again (the per-call path only duplicates a template, OpenSSL 3 "Performance"
// guide). The templates are only ever read (EVP_MAC_CTX_dup), so concurrent calls share nothing
// mutable. Never freed: the process keeps them as long as libcrypto itself (DllMain stays
// trivial, house style §10).
EVP_MAC_CTX* HmacTemplate(int index) noexcept {
  struct Templates {
    EVP_MAC_CTX* ctx[kHmacCount] = {};
  };
  static const Templates templates = [] {
    InitializeOnce();
    Templates t;
    EVP_MAC* hmac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
    const char* const names[kHmacCount] = {"MD5", "SHA1", "SHA256", "SHA384"};
    for (int i = 0; hmac != nullptr && i < kHmacCount; ++i) {
      EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(hmac);
      OSSL_PARAM params[] = {
          OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(names[i]), 0),
          OSSL_PARAM_construct_end(),
      };
      if (ctx != nullptr && EVP_MAC_CTX_set_params(ctx, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        ctx = nullptr;
      }
      t.ctx[i] = ctx;
    }
    EVP_MAC_free(hmac);  // each context holds its own reference
    ClearErrorQueue();
    return t;
  }();
  return templates.ctx[index];
}

// out (XOR)= P_hash(secret, label || seeds), RFC 5246 §5:
//   A(0) = seed, A(i) = HMAC(secret, A(i-1)),
//   P_hash = HMAC(secret, A(1) || seed) || HMAC(secret, A(2) || seed) || ...
// The label and seed parts are fed to HMAC one after the other: no concatenated copy is made.
// One keyed context per call; EVP_MAC_init with a NULL key restarts it with the same key (the
// HMAC provider copies its prepared inner state), so the loop allocates nothing.
Status PHash(int index, Bytes secret, std::string_view label, std::initializer_list<Bytes> seeds, MutBytes out,
             bool xor_into) noexcept {
  EVP_MAC_CTX* tmpl = HmacTemplate(index);
  if (tmpl == nullptr) return Error::kInternal;
  EvpMacCtxPtr ctx(EVP_MAC_CTX_dup(tmpl));
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

Status TlsPrf(PrfDigest digest, Bytes secret, std::string_view label, std::initializer_list<Bytes> seeds,
              MutBytes out) {
  ENSURE(!out.empty(), Error::kInvalidParameter);
  // Kept from the EVP_KDF implementation (OpenSSL's TLS1_PRF_MAXBUF), so the documented limit of
  // SslExportKeyingMaterial & co. does not depend on how the PRF is computed.
  std::size_t seed_len = label.size();
  for (Bytes s : seeds) seed_len += s.size();
  ENSURE(seed_len <= kMaxPrfSeedLength, Error::kInvalidParameter);

  Status status = Status::Ok();
  switch (digest) {
    case PrfDigest::kMd5Sha1: {
      // RFC 2246 §5: S1 and S2 are the two halves of the secret, each ceil(len/2) bytes (they share
      // the middle byte when the length is odd); PRF = P_MD5(S1, seed) XOR P_SHA-1(S2, seed).
      const std::size_t half = (secret.size() + 1) / 2;
      status = PHash(kHmacMd5, secret.first(half), label, seeds, out, false);
      if (status.ok()) status = PHash(kHmacSha1, secret.last(half), label, seeds, out, true);
      break;
    }
    case PrfDigest::kSha256: status = PHash(kHmacSha256, secret, label, seeds, out, false); break;
    case PrfDigest::kSha384: status = PHash(kHmacSha384, secret, label, seeds, out, false); break;
  }
  if (!status.ok()) {
    OPENSSL_cleanse(out.data(), out.size());
    ClearErrorQueue();
  }
  return status;
}

}  // namespace opensslp::ossl
