// hmac.cpp - see hmac.h.
#include "ossl/hmac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <atomic>
#include <mutex>
#include <new>

#include "ossl/library.h"
#include "ossl/ossl_ptr.h"

namespace opensslp::ossl {
namespace {

// The hashes with an HMAC template, by index.
enum HmacIndex : int { kHmacMd5, kHmacSha1, kHmacSha256, kHmacSha384, kHmacCount };
const char* const kHmacDigestNames[kHmacCount] = {"MD5", "SHA1", "SHA256", "SHA384"};

int IndexOf(HashAlg hash) noexcept {
  switch (hash) {
    case HashAlg::kMd5: return kHmacMd5;
    case HashAlg::kSha1: return kHmacSha1;
    case HashAlg::kSha256: return kHmacSha256;
    case HashAlg::kSha384: return kHmacSha384;
    case HashAlg::kMd5Sha1:
    case HashAlg::kSha512: break;
  }
  return -1;
}

struct HmacTemplates {
  EVP_MAC* hmac = nullptr;
  EVP_MAC_CTX* ctx[kHmacCount] = {};
  bool duplicable = false;
};

// An unkeyed HMAC context for one digest.
EVP_MAC_CTX* NewUnkeyedContext(EVP_MAC* hmac, int index) noexcept {
  EvpMacCtxPtr ctx(EVP_MAC_CTX_new(hmac));
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(kHmacDigestNames[index]), 0),
      OSSL_PARAM_construct_end(),
  };
  if (ctx == nullptr || EVP_MAC_CTX_set_params(ctx.get(), params) != 1) return nullptr;
  return ctx.release();
}

HmacTemplates* BuildHmacTemplates() noexcept {
  auto* t = new (std::nothrow) HmacTemplates();
  if (t == nullptr) return nullptr;
  t->hmac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  bool ok = t->hmac != nullptr;
  for (int i = 0; ok && i < kHmacCount; ++i) {
    t->ctx[i] = NewUnkeyedContext(t->hmac, i);
    ok = t->ctx[i] != nullptr;
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

}  // namespace

Result<HmacKey> HmacKey::Create(HashAlg hash, Bytes key) {
  const int index = IndexOf(hash);
  if (index < 0) return Error::kInvalidParameter;
  const HmacTemplates* t = GetHmacTemplates();
  if (t == nullptr) return Error::kNoMemory;
  EvpMacCtxPtr ctx(t->duplicable && !g_force_fresh_contexts.load(std::memory_order_relaxed)
                       ? EVP_MAC_CTX_dup(t->ctx[index])
                       : NewUnkeyedContext(t->hmac, index));
  if (ctx == nullptr) return Error::kNoMemory;
  static const unsigned char kEmpty = 0;  // HMAC accepts an empty key, but not a NULL one here
  if (EVP_MAC_init(ctx.get(), key.empty() ? &kEmpty : key.data(), key.size(), nullptr) != 1) return Error::kInternal;
  const std::size_t size = EVP_MAC_CTX_get_mac_size(ctx.get());
  if (size == 0 || size > EVP_MAX_MD_SIZE || size != HashLength(hash)) return Error::kInternal;
  return HmacKey(ctx.release(), size);
}

HmacKey& HmacKey::operator=(HmacKey&& other) noexcept {
  if (this != &other) {
    EvpMacCtxPtr discard(std::exchange(ctx_, std::exchange(other.ctx_, nullptr)));
    size_ = other.size_;
  }
  return *this;
}

HmacKey::~HmacKey() { EvpMacCtxPtr discard(ctx_); }

Status HmacKey::Restart() noexcept {
  if (ctx_ == nullptr) return Error::kInternal;
  return EVP_MAC_init(ctx_, nullptr, 0, nullptr) == 1 ? Status::Ok() : Status(Error::kInternal);
}

Status HmacKey::Update(Bytes data) noexcept {
  if (ctx_ == nullptr) return Error::kInternal;
  if (data.empty()) return Status::Ok();
  return EVP_MAC_update(ctx_, data.data(), data.size()) == 1 ? Status::Ok() : Status(Error::kInternal);
}

Status HmacKey::Final(MutBytes out) noexcept {
  if (ctx_ == nullptr) return Error::kInternal;
  if (out.size() < size_) return Error::kInvalidParameter;
  std::size_t len = 0;
  if (EVP_MAC_final(ctx_, out.data(), &len, out.size()) != 1 || len != size_) return Error::kInternal;
  return Status::Ok();
}

void ForceFreshHmacContextsForTesting(bool enabled) { g_force_fresh_contexts.store(enabled); }

}  // namespace opensslp::ossl
