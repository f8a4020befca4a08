#include "ossl/digest.h"

#include <openssl/err.h>

#include "ossl/ossl_ptr.h"

namespace opensslp::ossl {
namespace {

// The fetched digests, one per HashAlg, fetched on first use and kept until the process ends
// (see digest.h). A failed fetch stays nullptr and makes Create() fail with kInternal.
struct FetchedDigests {
  EVP_MD* md[kHashAlgCount] = {};
  FetchedDigests() {
    // In HashAlg order. "MD5-SHA1" is OpenSSL's 36-byte MD5 ‖ SHA-1 concatenation.
    static constexpr const char* kNames[kHashAlgCount] = {"MD5-SHA1", "MD5", "SHA1", "SHA256", "SHA384", "SHA512"};
    for (std::size_t i = 0; i < kHashAlgCount; ++i) md[i] = EVP_MD_fetch(nullptr, kNames[i], nullptr);
    // A failed fetch leaves errors queued; they must not leak into the caller's queue.
    ERR_clear_error();
  }
};

static_assert(static_cast<int>(HashAlg::kMd5Sha1) == 0 && static_cast<int>(HashAlg::kSha512) == 5 && kHashAlgCount == 6,
              "FetchedDigests indexes md[] by HashAlg");

const EVP_MD* DigestFor(HashAlg alg) noexcept {
  // A function-local static: initialised once, thread-safely (C++11 "magic statics"), and never
  // destroyed (allocated with new on purpose; see digest.h).
  static const FetchedDigests* const digests = new FetchedDigests();
  const auto index = static_cast<std::size_t>(alg);
  return index < kHashAlgCount ? digests->md[index] : nullptr;
}

}  // namespace

Result<RunningHash> RunningHash::Create(HashAlg alg) {
  const EVP_MD* md = DigestFor(alg);
  if (md == nullptr) return Error::kInternal;
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
