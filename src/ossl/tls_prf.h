// tls_prf.h - the TLS 1.0-1.2 PRF (RFC 2246 §5, RFC 4346 §5, RFC 5246 §5): P_hash over OpenSSL's
// HMAC (EVP_MAC), with TLS 1.0/1.1's P_MD5 XOR P_SHA-1.
//
// Why not OpenSSL's EVP_KDF "TLS1-PRF"? In OpenSSL 3.0 a TLS1-PRF context can be neither
// duplicated (no dupctx) nor reused without EVP_KDF_CTX_reset (SEED parameters accumulate), and
// every new or reset context sets its digest again, which fetches HMAC and the digest through the
// method store on each PRF call -- the largest fixed cost of SslGenerateSessionKeys
// (bench/README.md). Here HMAC and the digests are fetched once per process into unkeyed template
// contexts; a call duplicates one template, keys it and runs the RFC 5246 §5 iteration. The
// result is checked against the NIST CAVP TLS PRF vectors and against OpenSSL's own TLS1-PRF in
// the tests (tests/unit/tls12_key_schedule_test.cpp, tests/unit/tls_prf_test.cpp).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string_view>

#include "base/algorithms.h"
#include "ossl/hmac.h"
#include "util/bytes.h"
#include "util/status.h"

namespace opensslp::ossl {

// The PRF's hash (base/algorithms.h): kMd5Sha1 is the TLS 1.0/1.1 P_MD5 xor P_SHA1 construction,
// kSha256/kSha384 the TLS 1.2 P_hash. Any other hash is kInvalidParameter.

// OpenSSL's TLS1-PRF refuses (in 3.0: silently fails) a combined label+seed longer than
// TLS1_PRF_MAXBUF = 1024 bytes (providers/implementations/kdfs/tls1_prf.c; s2n_prf_libcrypto.c
// documents the same). We check it ourselves and fail with kInvalidParameter (docs/style.md#loader-lock).
inline constexpr std::size_t kMaxPrfSeedLength = 1024;

// out = PRF(secret, label, seed[0] || seed[1] || ...), out.size() bytes (1..any).
// The secret may be empty (RFC 5705 allows no secret only for TLS 1.3's exporter; the PRF itself
// does not mind). Errors: kInvalidParameter for an empty output or a label+seed over the limit,
// kInternal if OpenSSL fails.
Status TlsPrf(HashAlg digest, Bytes secret, std::string_view label, std::initializer_list<Bytes> seeds, MutBytes out);

// ForceFreshHmacContextsForTesting (ossl/hmac.h) switches the PRF's HMAC to the path used where
// HMAC templates cannot be duplicated (OpenSSL 3.0.0).

}  // namespace opensslp::ossl
