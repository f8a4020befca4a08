// tls_prf_test.cpp - ossl::TlsPrf (P_hash over EVP_MAC HMAC, src/ossl/tls_prf.h) against
// OpenSSL's own EVP_KDF "TLS1-PRF", which the implementation no longer uses: every digest, odd and
// even (and empty) secret lengths -- TLS 1.0/1.1 split an odd-length secret into two halves that
// share the middle byte (RFC 2246 §5) -- output lengths across hash-block boundaries, several seed
// parts, and the 1024-byte label+seed limit. (NIST CAVP vectors: tls12_key_schedule_test.cpp.)
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "ossl/tls_prf.h"
#include "support/ossl_reference.h"

namespace opensslp {
namespace {

using test::ByteVec;

ByteVec Pattern(std::size_t n, std::uint8_t seed) {
  ByteVec v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed * 31 + i * 7);
  return v;
}

void ExpectMatchesOpensslTls1Prf() {
  const std::pair<HashAlg, const char*> digests[] = {
      {HashAlg::kMd5Sha1, "MD5-SHA1"}, {HashAlg::kSha256, "SHA256"}, {HashAlg::kSha384, "SHA384"}};
  for (auto [digest, name] : digests) {
    for (std::size_t secret_len : {std::size_t{0}, std::size_t{1}, std::size_t{31}, std::size_t{32}, std::size_t{47},
                                   std::size_t{48}, std::size_t{129}, std::size_t{200}}) {
      for (std::size_t out_len : {std::size_t{1}, std::size_t{12}, std::size_t{16}, std::size_t{20}, std::size_t{40},
                                  std::size_t{48}, std::size_t{104}, std::size_t{193}}) {
        const ByteVec secret = Pattern(secret_len, 3), a = Pattern(32, 5), b = Pattern(17, 9);
        ByteVec seed = a;
        seed.insert(seed.end(), b.begin(), b.end());
        ByteVec out(out_len, 0xEE);
        ASSERT_TRUE(ossl::TlsPrf(digest, secret, "key expansion", {a, b}, out).ok());
        EXPECT_EQ(out, test::Tls1Prf(name, secret, "key expansion", seed, out_len))
            << name << " secret " << secret_len << " out " << out_len;
      }
    }
  }
}

TEST(TlsPrfHmac, MatchesOpensslTls1Prf) { ExpectMatchesOpensslTls1Prf(); }

// The path for libcrypto builds whose HMAC templates cannot be duplicated (OpenSSL 3.0.0): a
// fresh context per call must give the same bytes.
TEST(TlsPrfHmac, FreshContextPathMatchesOpensslTls1Prf) {
  ossl::ForceFreshHmacContextsForTesting(true);
  ExpectMatchesOpensslTls1Prf();
  ossl::ForceFreshHmacContextsForTesting(false);
}

TEST(TlsPrfHmac, SeedLimitAndEmptyParts) {
  const ByteVec secret = Pattern(48, 1);
  ByteVec out(32);
  // label (13) + 1011 = 1024 bytes: accepted; one more: refused.
  const ByteVec big = Pattern(1011, 2);
  ASSERT_TRUE(ossl::TlsPrf(HashAlg::kSha256, secret, "key expansion", {big}, out).ok());
  EXPECT_EQ(out, test::Tls1Prf("SHA256", secret, "key expansion", big, 32));
  const ByteVec bigger = Pattern(1012, 2);
  auto r = ossl::TlsPrf(HashAlg::kSha256, secret, "key expansion", {bigger}, out);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Error::kInvalidParameter);
  // Empty seed parts and an empty label contribute nothing.
  const ByteVec s = Pattern(64, 4);
  ASSERT_TRUE(ossl::TlsPrf(HashAlg::kSha384, secret, "", {ByteVec(), s, ByteVec()}, out).ok());
  EXPECT_EQ(out, test::Tls1Prf("SHA384", secret, "", s, 32));
  // An empty output is refused.
  auto e = ossl::TlsPrf(HashAlg::kSha256, secret, "x", {s}, MutBytes());
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error(), Error::kInvalidParameter);
}

}  // namespace
}  // namespace opensslp
