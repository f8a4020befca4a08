// digest.h - running message digests (MD5, SHA-1, SHA-256, SHA-384, SHA-512) on OpenSSL's EVP_MD,
// for the handshake transcript (core/transcript.h), usable without OpenSSL headers.
//
// Each algorithm is fetched once per process (EVP_MD_fetch from the default library context) and
// the fetched EVP_MD is kept for the life of the process: a per-call fetch costs a lock and a
// lookup in OpenSSL 3 ("Performance" in OpenSSL's crypto(7)), and freeing it at exit would race
// with libcrypto's own atexit cleanup. A fetch that fails (memory ran out on first use) is not
// kept: the next Create fetches again (ossl/fetched_algorithm.h). MD5 exists only because the TLS 1.0/1.1 transcript is
// MD5 || SHA-1 (RFC 2246 §7.4.9, RFC 4346 §7.4.9).
#pragma once

#include <cstddef>
#include <utility>

#include "base/algorithms.h"
#include "util/bytes.h"
#include "util/status.h"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace opensslp::ossl {

// The longest digest any HashAlg produces (SHA-512).
inline constexpr std::size_t kMaxDigestLength = kMaxHashLength;

// An owning, move-only running hash. Not thread-safe: the owner serialises access
// (core/transcript.h holds a mutex). A moved-from RunningHash is empty and fails every call with
// kInternal.
class RunningHash {
 public:
  // A fresh hash of `alg`. kNoMemory if an allocation failed (also in the first fetch of the
  // algorithm, which the next call retries); kInternal if OpenSSL cannot provide the algorithm.
  static Result<RunningHash> Create(HashAlg alg);

  RunningHash(const RunningHash&) = delete;
  RunningHash& operator=(const RunningHash&) = delete;
  RunningHash(RunningHash&& other) noexcept : ctx_(std::exchange(other.ctx_, nullptr)), alg_(other.alg_) {}
  RunningHash& operator=(RunningHash&& other) noexcept;
  ~RunningHash();

  HashAlg alg() const noexcept { return alg_; }
  std::size_t size() const noexcept { return HashLength(alg_); }

  // Appends bytes (an empty span is a no-op).
  Status Update(Bytes data);

  // An independent copy of the current state (EVP_MD_CTX_copy_ex): updating either afterwards
  // does not affect the other.
  Result<RunningHash> Copy() const;

  // Writes the digest of everything hashed so far into out[0..size()) WITHOUT finalising this
  // hash (it finalises a temporary copy), so more data can be appended afterwards.
  // kInvalidParameter if out.size() < size().
  Status Snapshot(MutBytes out) const;

  // Finalises this hash into out[0..size()); the hash is empty afterwards.
  Status Final(MutBytes out);

 private:
  RunningHash(evp_md_ctx_st* ctx, HashAlg alg) noexcept : ctx_(ctx), alg_(alg) {}
  evp_md_ctx_st* ctx_ = nullptr;
  HashAlg alg_ = HashAlg::kSha256;
};

}  // namespace opensslp::ossl
