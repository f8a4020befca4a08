// signatures_exports_test.cpp - SslOpenPrivateKey / SslSignHash / SslVerifySignature through the
// shared library's exports and through GetSChannelInterface's function table, the way Schannel
// calls them: key-store keys (tests/data/keystore), signatures checked with OpenSSL, and the
// argument-safety cases a caller can reach without internal APIs.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/wide.h"

namespace {

using ByteVec = std::vector<std::uint8_t>;
const std::string kStoreDir = std::string(OPENSSLP_TEST_DATA_DIR) + "/keystore";

ByteVec ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  return ByteVec(std::istreambuf_iterator<char>(in), {});
}

// A certificate context for SslOpenPrivateKey. On Windows it must be a real crypt32 context:
// CryptAcquireCertificatePrivateKey reads crypt32's hidden per-context data (a stack-made
// CERT_CONTEXT crashes inside crypt32), so it comes from CertCreateCertificateContext. Elsewhere
// a plain struct is all there is. Invalid-certificate cases use plain structs on every platform:
// SslOpenPrivateKey rejects them before any crypt32 call.
class CertContext {
 public:
  explicit CertContext(const std::vector<std::uint8_t>& der) : der_(der) {
#if defined(_WIN32)
    ctx_ = CertCreateCertificateContext(X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, der_.data(),
                                        static_cast<DWORD>(der_.size()));
#else
    plain_ = {X509_ASN_ENCODING, der_.data(), static_cast<DWORD>(der_.size()), nullptr, nullptr};
    ctx_ = &plain_;
#endif
  }
  ~CertContext() {
#if defined(_WIN32)
    if (ctx_ != nullptr) CertFreeCertificateContext(ctx_);
#endif
  }
  CertContext(const CertContext&) = delete;
  CertContext& operator=(const CertContext&) = delete;
  PCCERT_CONTEXT get() const { return ctx_; }

 private:
  std::vector<std::uint8_t> der_;
  CERT_CONTEXT plain_ = {};
  PCCERT_CONTEXT ctx_ = nullptr;
};

void SetEnv(const char* value) {
#if defined(_WIN32)
  _putenv_s(OPENSSLP_KEY_STORE_ENV, value == nullptr ? "" : value);
#else
  if (value == nullptr) unsetenv(OPENSSLP_KEY_STORE_ENV);
  else setenv(OPENSSLP_KEY_STORE_ENV, value, 1);
#endif
}

class SignatureExports : public testing::Test {
 protected:
  void SetUp() override {
    if (const char* old = std::getenv(OPENSSLP_KEY_STORE_ENV)) old_env_ = old;
    SetEnv((kStoreDir + "/dir").c_str());
    ASSERT_EQ(GetSChannelInterface(W(u"OpenSSLP Protocol Provider"), &table_, 0), 0);
    ASSERT_NE(table_, nullptr);
    ASSERT_EQ(table_->OpenProvider(&provider_, W(u"OpenSSLP Protocol Provider"), 0), 0);
  }
  void TearDown() override {
    table_->FreeObject(provider_, 0);
    SetEnv(old_env_ ? old_env_->c_str() : nullptr);
  }

  SECURITY_STATUS Open(const ByteVec& der, NCRYPT_KEY_HANDLE* key) {
    CertContext ctx(der);
    EXPECT_NE(ctx.get(), nullptr);
    return table_->OpenPrivateKey(provider_, key, ctx.get(), 0);
  }
  SECURITY_STATUS OpenPlain(const ByteVec& der, NCRYPT_KEY_HANDLE* key) {
    CERT_CONTEXT ctx = {X509_ASN_ENCODING, const_cast<BYTE*>(der.data()), static_cast<DWORD>(der.size()), nullptr,
                        nullptr};
    return table_->OpenPrivateKey(provider_, key, &ctx, 0);
  }

  NCRYPT_SSL_FUNCTION_TABLE* table_ = nullptr;
  NCRYPT_PROV_HANDLE provider_ = 0;
  std::optional<std::string> old_env_;
};

EVP_PKEY* CertKey(const ByteVec& der) {
  const unsigned char* p = der.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  EVP_PKEY* k = X509_get_pubkey(x);
  X509_free(x);
  return k;
}

TEST_F(SignatureExports, EcdsaThroughFunctionTable) {
  const ByteVec cert = ReadAll(kStoreDir + "/certs/p384.der");
  NCRYPT_KEY_HANDLE key = 0;
  ASSERT_EQ(Open(cert, &key), 0);
  ByteVec digest(48);
  unsigned int n = 0;
  ASSERT_EQ(EVP_Digest("abc", 3, digest.data(), &n, EVP_sha384(), nullptr), 1);
  DWORD len = 0;
  ASSERT_EQ(table_->SignHash(provider_, key, digest.data(), 48, nullptr, 0, &len, 0), 0);
  ASSERT_EQ(len, 96u);
  ByteVec sig(len);
  ASSERT_EQ(table_->SignHash(provider_, key, digest.data(), 48, sig.data(), len, &len, 0), 0);
  // OpenSSL checks the raw r||s signature (converted to DER here) with the certificate's key.
  ECDSA_SIG* s = ECDSA_SIG_new();
  ECDSA_SIG_set0(s, BN_bin2bn(sig.data(), 48, nullptr), BN_bin2bn(sig.data() + 48, 48, nullptr));
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(s, &der);
  EVP_PKEY* pub = CertKey(cert);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pub, nullptr);
  ASSERT_EQ(EVP_PKEY_verify_init(ctx), 1);
  EXPECT_EQ(EVP_PKEY_verify(ctx, der, der_len, digest.data(), digest.size()), 1);
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(pub);
  OPENSSL_free(der);
  ECDSA_SIG_free(s);
  EXPECT_EQ(table_->VerifySignature(provider_, key, digest.data(), 48, sig.data(), 96, 0), 0);
  sig[10] ^= 0x80;
  EXPECT_EQ(table_->VerifySignature(provider_, key, digest.data(), 48, sig.data(), 96, 0), NTE_BAD_SIGNATURE);
  EXPECT_EQ(table_->FreeObject(key, 0), 0);
  EXPECT_EQ(table_->SignHash(provider_, key, digest.data(), 48, nullptr, 0, &len, 0), NTE_INVALID_HANDLE);
}

TEST_F(SignatureExports, RsaTls12HashOidThroughExports) {
  const ByteVec cert = ReadAll(kStoreDir + "/certs/rsa2048.der");
  NCRYPT_KEY_HANDLE key = 0;
  ASSERT_EQ(Open(cert, &key), 0);
  ByteVec input;
  for (char c : std::string("SHA256")) {
    input.push_back(static_cast<std::uint8_t>(c));
    input.push_back(0);
  }
  input.push_back(0);
  input.push_back(0);
  ByteVec digest(32);
  unsigned int n = 0;
  ASSERT_EQ(EVP_Digest("abc", 3, digest.data(), &n, EVP_sha256(), nullptr), 1);
  input.insert(input.end(), digest.begin(), digest.end());
  ByteVec sig(256);
  DWORD len = 0;
  ASSERT_EQ(SslSignHash(provider_, key, input.data(), static_cast<DWORD>(input.size()), sig.data(), 256, &len,
                        NCRYPT_SSL_SIGN_INCLUDE_HASHOID),
            0);
  EVP_PKEY* pub = CertKey(cert);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pub, nullptr);
  ASSERT_EQ(EVP_PKEY_verify_init(ctx), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()), 1);
  EXPECT_EQ(EVP_PKEY_verify(ctx, sig.data(), sig.size(), digest.data(), digest.size()), 1);
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(pub);
  EXPECT_EQ(SslVerifySignature(provider_, key, input.data(), static_cast<DWORD>(input.size()), sig.data(), 256,
                               NCRYPT_SSL_SIGN_INCLUDE_HASHOID),
            0);
  EXPECT_EQ(SslFreeObject(key, 0), 0);
}

TEST_F(SignatureExports, SafetyThroughExports) {
  const ByteVec cert = ReadAll(kStoreDir + "/certs/p256.der");
  NCRYPT_KEY_HANDLE key = 0;
  EXPECT_EQ(Open(ReadAll(kStoreDir + "/certs/orphan.der"), &key), NTE_NOT_FOUND);
  EXPECT_EQ(Open(ReadAll(kStoreDir + "/certs/mismatch.der"), &key), NTE_BAD_KEY);
  EXPECT_EQ(OpenPlain(ByteVec(100, 0x30), &key), NTE_INVALID_PARAMETER);
  EXPECT_EQ(key, 0u);
  ASSERT_EQ(Open(cert, &key), 0);
  ByteVec digest(32, 1), sig(64);
  DWORD len = 0;
  EXPECT_EQ(SslSignHash(provider_, provider_, digest.data(), 32, sig.data(), 64, &len, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslSignHash(key, key, digest.data(), 32, sig.data(), 64, &len, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslSignHash(provider_, key, nullptr, 32, sig.data(), 64, &len, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslSignHash(provider_, key, digest.data(), 32, sig.data(), 64, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslSignHash(provider_, key, digest.data(), 32, sig.data(), 64, &len, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(SslSignHash(provider_, key, digest.data(), 32, sig.data(), 63, &len, 0), NTE_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, 64u);
  EXPECT_EQ(SslSignHash(provider_, key, digest.data(), 32, sig.data(), 64, &len, 0), 0);
  EXPECT_EQ(SslVerifySignature(provider_, provider_, digest.data(), 32, sig.data(), 64, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslVerifySignature(provider_, key, digest.data(), 32, sig.data(), 63, 0), NTE_BAD_SIGNATURE);
  EXPECT_EQ(SslVerifySignature(provider_, key, digest.data(), 32, nullptr, 64, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslVerifySignature(provider_, key, digest.data(), 32, sig.data(), 64, 2), NTE_BAD_FLAGS);
  EXPECT_EQ(SslVerifySignature(provider_, key, digest.data(), 32, sig.data(), 64, 0), 0);
  EXPECT_EQ(SslFreeObject(key, 0), 0);
  EXPECT_EQ(SslVerifySignature(provider_, key, digest.data(), 32, sig.data(), 64, 0), NTE_INVALID_HANDLE);
}

}  // namespace
