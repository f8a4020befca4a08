// aead.cpp - AES-GCM and ChaCha20-Poly1305 through OpenSSL 3's EVP cipher API.
#include "ossl/aead.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <climits>
#include <cstring>
#include <memory>
#include <utility>

#include "ossl/fetched_algorithm.h"
#include "ossl/library.h"
#include "ossl/ossl_ptr.h"

namespace opensslp::ossl {

struct AeadContext::Ctx {
  EvpCipherCtxPtr owner;
  EVP_CIPHER_CTX* evp;
};

namespace {

// The fetched algorithm for each AEAD cipher, kept from its first successful fetch for the life
// of the process (explicit fetch, never the implicit per-call fetch of EVP_aes_128_gcm() & co.:
// OpenSSL 3 "Performance" guide); a failed fetch is retried at the next use (fetched_algorithm.h).
constinit FetchedCipher g_aes128gcm("AES-128-GCM");
constinit FetchedCipher g_aes256gcm("AES-256-GCM");
constinit FetchedCipher g_chacha20poly1305("ChaCha20-Poly1305");

FetchedCipher* FetchedAead(BulkCipher cipher) noexcept {
  switch (cipher) {
    case BulkCipher::kAes128Gcm: return &g_aes128gcm;
    case BulkCipher::kAes256Gcm: return &g_aes256gcm;
    case BulkCipher::kChaCha20Poly1305: return &g_chacha20poly1305;
    default: return nullptr;
  }
}

// Input and output either coincide exactly or do not overlap at all: OpenSSL refuses partial
// overlap itself, but we want our own error code and no half-written output.
bool AliasingAllowed(Bytes in, MutBytes out) noexcept {
  return in.data() == out.data() || !RangesOverlap(in.data(), in.size(), out.data(), out.size());
}

}  // namespace

Result<AeadContext> AeadContext::Create(BulkCipher cipher, Bytes key, Direction direction) {
  if (ModeOf(cipher) == CipherMode::kCbc) return Error::kNotSupported;
  if (key.size() != CipherKeyLength(cipher)) return Error::kInvalidParameter;
  FetchedCipher* fetched = FetchedAead(cipher);
  if (fetched == nullptr) return Error::kNotSupported;
  const EVP_CIPHER* algorithm = fetched->Get();
  // Memory ran out in the first fetch (kNoMemory; the next Create fetches again), or the library
  // has no such cipher (kNotSupported).
  if (algorithm == nullptr) return ConsumeErrorQueue(Error::kNotSupported);

  AeadContext out;
  out.direction_ = direction;
  EvpCipherCtxPtr evp(EVP_CIPHER_CTX_new());
  if (evp == nullptr) return Error::kNoMemory;
  EVP_CIPHER_CTX* raw = evp.get();
  out.ctx_ = new Ctx{std::move(evp), raw};
  const int enc = direction == Direction::kSeal ? 1 : 0;
  // Both ciphers default to a 12-byte nonce and a 16-byte tag, the sizes TLS uses.
  if (EVP_CipherInit_ex2(out.ctx_->evp, algorithm, key.data(), nullptr, enc, nullptr) != 1 ||
      EVP_CIPHER_CTX_get_iv_length(out.ctx_->evp) != static_cast<int>(kAeadNonceLength)) {
    return Error::kInternal;
  }
  return out;
}

AeadContext::AeadContext(AeadContext&& other) noexcept : ctx_(other.ctx_), direction_(other.direction_) {
  other.ctx_ = nullptr;
}

AeadContext& AeadContext::operator=(AeadContext&& other) noexcept {
  if (this != &other) {
    Reset();
    ctx_ = other.ctx_;
    direction_ = other.direction_;
    other.ctx_ = nullptr;
  }
  return *this;
}

AeadContext::~AeadContext() { Reset(); }

void AeadContext::Reset() noexcept {
  if (ctx_ != nullptr) {
    delete ctx_;  // EVP_CIPHER_CTX_free wipes the key schedule (the providers' freectx cleanses)
    ctx_ = nullptr;
  }
}

// Sets the nonce, absorbs the AAD and runs the cipher over `in`. Re-initialising with a NULL
// cipher and NULL key keeps the expanded key and only installs the new IV: no allocation, no fetch.
Status AeadContext::Run(Bytes nonce, Bytes aad, Bytes in, MutBytes out) noexcept {
  if (ctx_ == nullptr) return Error::kInvalidHandle;
  if (nonce.size() != kAeadNonceLength || out.size() != in.size()) return Error::kInvalidParameter;
  if (in.size() > INT_MAX || aad.size() > INT_MAX) return Error::kInvalidParameter;
  if (!AliasingAllowed(in, out)) return Error::kBuffersOverlap;
  EVP_CIPHER_CTX* c = ctx_->evp;
  if (EVP_CipherInit_ex2(c, nullptr, nullptr, nonce.data(), -1, nullptr) != 1) return Error::kInternal;
  int len = 0;
  if (!aad.empty() && EVP_CipherUpdate(c, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return Error::kInternal;
  }
  if (!in.empty()) {
    if (EVP_CipherUpdate(c, out.data(), &len, in.data(), static_cast<int>(in.size())) != 1 ||
        static_cast<std::size_t>(len) != in.size()) {
      return Error::kInternal;
    }
  }
  return Status::Ok();
}

Status AeadContext::Seal(Bytes nonce, Bytes aad, Bytes in, MutBytes out, MutBytes tag) noexcept {
  if (direction_ != Direction::kSeal) return Error::kBadKeyState;
  if (tag.size() != kAeadTagLength) return Error::kInvalidParameter;
  TRY(Run(nonce, aad, in, out));
  int len = 0;
  unsigned char scratch[16];
  if (EVP_CipherFinal_ex(ctx_->evp, scratch, &len) != 1 || len != 0 ||
      EVP_CIPHER_CTX_ctrl(ctx_->evp, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kAeadTagLength), tag.data()) != 1) {
    if (!out.empty()) OPENSSL_cleanse(out.data(), out.size());
    return Error::kInternal;
  }
  return Status::Ok();
}

Status AeadContext::SealWithTrailer(Bytes nonce, Bytes aad, Bytes in, std::uint8_t trailer, MutBytes out,
                                    MutBytes tag) noexcept {
  if (direction_ != Direction::kSeal) return Error::kBadKeyState;
  if (tag.size() != kAeadTagLength || out.size() != in.size() + 1) return Error::kInvalidParameter;
  // The trailer's output byte must not be an input byte still to be read.
  if (RangesOverlap(in.data(), in.size(), out.data() + in.size(), 1)) return Error::kBuffersOverlap;
  TRY(Run(nonce, aad, in, out.first(in.size())));
  int len = 0;
  unsigned char scratch[16];
  if (EVP_CipherUpdate(ctx_->evp, out.data() + in.size(), &len, &trailer, 1) != 1 || len != 1 ||
      EVP_CipherFinal_ex(ctx_->evp, scratch, &len) != 1 || len != 0 ||
      EVP_CIPHER_CTX_ctrl(ctx_->evp, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kAeadTagLength), tag.data()) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return Error::kInternal;
  }
  return Status::Ok();
}

Status AeadContext::Open(Bytes nonce, Bytes aad, Bytes in, Bytes tag, MutBytes out) noexcept {
  if (direction_ != Direction::kOpen) return Error::kBadKeyState;
  if (tag.size() != kAeadTagLength) return Error::kInvalidParameter;
  // The tag is copied first: with in-place operation it may sit right after `out`.
  unsigned char expected[kAeadTagLength];
  std::memcpy(expected, tag.data(), kAeadTagLength);
  Status run = Run(nonce, aad, in, out);
  if (!run.ok()) return run;
  // OpenSSL compares the tag in constant time (CRYPTO_memcmp in the GCM and ChaCha20-Poly1305
  // providers) inside EVP_CipherFinal_ex; a mismatch is the only way Final fails here.
  // ---- begin constant-time region: the verdict is one bit, the wipe does not depend on where
  // the tag differed.
  int len = 0;
  unsigned char scratch[16];
  const bool ok =
      EVP_CIPHER_CTX_ctrl(ctx_->evp, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kAeadTagLength), expected) == 1 &&
      EVP_CipherFinal_ex(ctx_->evp, scratch, &len) == 1 && len == 0;
  // ---- end constant-time region
  if (!ok) {
    if (!out.empty()) OPENSSL_cleanse(out.data(), out.size());
    ClearErrorQueue();
    return Error::kBadRecord;
  }
  return Status::Ok();
}

}  // namespace opensslp::ossl
