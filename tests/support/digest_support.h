// digest_support.h - OpenSSL's own one-shot digests, the independent side of transcript tests.
#pragma once

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdint>
#include <vector>

namespace opensslp_test {

// EVP_Digest of `data` with the named algorithm ("MD5", "SHA1", "SHA256", ...).
inline std::vector<std::uint8_t> OneShotDigest(const char* name, const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  EXPECT_NE(md, nullptr);
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr), 1);
  EVP_MD_free(md);
  out.resize(len);
  return out;
}

// The TLS 1.0/1.1 transcript digest: MD5 || SHA-1 (RFC 2246 §7.4.9).
inline std::vector<std::uint8_t> Md5Sha1Digest(const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> out = OneShotDigest("MD5", data);
  std::vector<std::uint8_t> sha1 = OneShotDigest("SHA1", data);
  out.insert(out.end(), sha1.begin(), sha1.end());
  return out;
}

}  // namespace opensslp_test
