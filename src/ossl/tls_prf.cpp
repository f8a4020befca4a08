// tls_prf.cpp - TLS1-PRF through EVP_KDF (see tls_prf.h).
#include "ossl/tls_prf.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <array>
#include <cstring>
#include <memory>

#include "ossl/library.h"
#include "ossl/ossl_ptr.h"
#include "util/secret.h"

namespace opensslp::ossl {
namespace {

// (Local aliases; candidates for ossl_ptr.h.)
using EvpKdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, FreeWith<EVP_KDF_CTX_free>>;

// The fetched TLS1-PRF, or nullptr if the default provider lacks it. Fetched once and never
// freed: the process keeps it as long as libcrypto itself (DllMain stays trivial, house style §10).
EVP_KDF* TlsPrfKdf() noexcept {
  static EVP_KDF* const kdf = [] {
    InitializeOnce();
    EVP_KDF* k = EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_TLS1_PRF, nullptr);
    ClearErrorQueue();
    return k;
  }();
  return kdf;
}

const char* DigestName(PrfDigest d) noexcept {
  switch (d) {
    case PrfDigest::kMd5Sha1: return "MD5-SHA1";
    case PrfDigest::kSha256: return "SHA256";
    case PrfDigest::kSha384: return "SHA384";
  }
  return "SHA256";
}

}  // namespace

Status TlsPrf(PrfDigest digest, Bytes secret, std::string_view label, std::initializer_list<Bytes> seeds,
              MutBytes out) {
  ENSURE(!out.empty(), Error::kInvalidParameter);
  // The whole PRF seed is label || seeds (RFC 5246 §5: PRF(secret, label, seed) =
  // P_<hash>(secret, label + seed)); build it here so that the 1024-byte limit is checked once.
  std::size_t seed_len = label.size();
  for (Bytes s : seeds) seed_len += s.size();
  ENSURE(seed_len <= kMaxPrfSeedLength, Error::kInvalidParameter);
  // The seed can hold secret-derived data (a session hash), so it lives in wiped storage.
  SecretArray<kMaxPrfSeedLength> seed;
  std::size_t at = 0;
  if (!label.empty()) std::memcpy(seed.data(), label.data(), label.size());
  at = label.size();
  for (Bytes s : seeds) {
    if (!s.empty()) std::memcpy(seed.data() + at, s.data(), s.size());
    at += s.size();
  }

  EVP_KDF* kdf = TlsPrfKdf();
  ENSURE(kdf != nullptr, Error::kInternal);
  EvpKdfCtxPtr ctx(EVP_KDF_CTX_new(kdf));
  ENSURE(ctx != nullptr, Error::kNoMemory);
  // OSSL_PARAM wants non-const pointers; OpenSSL copies the values in EVP_KDF_derive's
  // set_params (and wipes its copies on EVP_KDF_CTX_free: kdf_tls1_prf_reset uses
  // OPENSSL_clear_free).
  static std::uint8_t empty_secret = 0;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(DigestName(digest)), 0),
      OSSL_PARAM_construct_octet_string(
          OSSL_KDF_PARAM_SECRET, secret.empty() ? &empty_secret : const_cast<std::uint8_t*>(secret.data()),
          secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed.data(), at),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    SecureWipe(out.data(), out.size());
    ERR_clear_error();
    return Error::kInternal;
  }
  return Status::Ok();
}

}  // namespace opensslp::ossl
