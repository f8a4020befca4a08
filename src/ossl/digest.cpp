#include "ossl/digest.h"

#include "ossl/fetched_algorithm.h"
#include "ossl/library.h"
#include "ossl/ossl_ptr.h"

namespace opensslp::ossl {
namespace {

// The fetched digests, one per HashAlg, in HashAlg order; each kept from its first successful
// fetch until the process ends, a failed fetch retried at the next use (fetched_algorithm.h).
// "MD5-SHA1" is OpenSSL's 36-byte MD5 || SHA-1 concatenation.
constinit FetchedDigest g_digests[kHashAlgCount] = {
    FetchedDigest("MD5-SHA1"), FetchedDigest("MD5"),    FetchedDigest("SHA1"),
    FetchedDigest("SHA256"),   FetchedDigest("SHA384"), FetchedDigest("SHA512"),
};

static_assert(static_cast<int>(HashAlg::kMd5Sha1) == 0 && static_cast<int>(HashAlg::kSha512) == 5 && kHashAlgCount == 6,
              "g_digests is indexed by HashAlg");

const EVP_MD* DigestFor(HashAlg alg) noexcept {
  const auto index = static_cast<std::size_t>(alg);
  return index < kHashAlgCount ? g_digests[index].Get() : nullptr;
}

}  // namespace

Result<RunningHash> RunningHash::Create(HashAlg alg) {
  if (static_cast<std::size_t>(alg) >= kHashAlgCount) return Error::kInternal;
  const EVP_MD* md = DigestFor(alg);
  // A failed fetch is an allocation failure on first use (kNoMemory) or, if OpenSSL did not say
  // so, kInternal; either way the next Create fetches again.
  if (md == nullptr) return ConsumeErrorQueue(Error::kInternal);
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return Error::kNoMemory;
  if (EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1) return Error::kInternal;
  return RunningHash(ctx.release(), alg);
}

RunningHash& RunningHash::operator=(RunningHash&& other) noexcept {
  if (this != &other) {
    EvpMdCtxPtr discard(std::exchange(ctx_, std::exchange(other.ctx_, nullptr)));
    alg_ = other.alg_;
  }
  return *this;
}

RunningHash::~RunningHash() { EvpMdCtxPtr discard(ctx_); }

Status RunningHash::Update(Bytes data) {
  if (ctx_ == nullptr) return Error::kInternal;
  if (data.empty()) return Status::Ok();
  if (EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1) return Error::kInternal;
  return Status::Ok();
}

Result<RunningHash> RunningHash::Copy() const {
  if (ctx_ == nullptr) return Error::kInternal;
  EvpMdCtxPtr copy(EVP_MD_CTX_new());
  if (!copy) return Error::kNoMemory;
  if (EVP_MD_CTX_copy_ex(copy.get(), ctx_) != 1) return Error::kInternal;
  return RunningHash(copy.release(), alg_);
}

Status RunningHash::Snapshot(MutBytes out) const {
  ASSIGN_OR_RETURN(RunningHash copy, Copy());
  return copy.Final(out);
}

Status RunningHash::Final(MutBytes out) {
  if (ctx_ == nullptr) return Error::kInternal;
  if (out.size() < size()) return Error::kInvalidParameter;
  unsigned int written = 0;
  const int rc = EVP_DigestFinal_ex(ctx_, out.data(), &written);
  EvpMdCtxPtr discard(std::exchange(ctx_, nullptr));  // finalised: nothing more can be hashed
  if (rc != 1 || written != size()) return Error::kInternal;
  return Status::Ok();
}

}  // namespace opensslp::ossl
