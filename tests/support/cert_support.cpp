#include "support/cert_support.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

namespace opensslp::test {

std::vector<std::uint8_t> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::string KeyStoreDir() { return std::string(OPENSSLP_TEST_DATA_DIR) + "/keystore"; }

std::vector<std::uint8_t> FixtureCertDer(const std::string& name) {
  return ReadAll(KeyStoreDir() + "/certs/" + name + ".der");
}

CertContext::CertContext(const std::vector<std::uint8_t>& der) : der_(der) {
#if defined(_WIN32)
  ctx_ = CertCreateCertificateContext(X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, der_.data(),
                                      static_cast<DWORD>(der_.size()));
#else
  plain_ = {X509_ASN_ENCODING, der_.data(), static_cast<DWORD>(der_.size()), nullptr, nullptr};
  ctx_ = &plain_;
#endif
}

CertContext::~CertContext() {
#if defined(_WIN32)
  if (ctx_ != nullptr) CertFreeCertificateContext(ctx_);
#endif
}

}  // namespace opensslp::test
