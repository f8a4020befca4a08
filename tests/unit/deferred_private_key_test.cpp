// deferred_private_key_test.cpp - SslOpenPrivateKey's deferred failures (docs/windows.md#deferred-
// private-keys) seen from inside: the open of a certificate whose key opensslp cannot use puts one
// DeferredPrivateKey in the handle table, every use opens the key again and returns the status of
// that attempt (and, in debug builds, names the check that failed), a key that can be opened later
// (the key store gained it) serves from then on and is kept, SslFreeObject returns the table to its
// size and destroys the object, and argument errors stay eager without creating a handle.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <memory>
#include <string>
#include <vector>

#include "core/private_key.h"
#include "handles/handle_table.h"
#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/cert_support.h"
#include "support/env_support.h"
#include "support/wide.h"
#include "util/status.h"

namespace opensslp {
namespace {

using test::CertContext;
using test::FixtureCertDer;

class DeferredPrivateKeyTest : public testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<test::ScopedEnv>(OPENSSLP_KEY_STORE_ENV, test::KeyStoreDir() + "/dir");
    ASSERT_EQ(SslOpenProvider(&provider_, W(u"OpenSSLP Protocol Provider"), 0), 0);
  }
  void TearDown() override {
    SslFreeObject(provider_, 0);
    store_.reset();
  }

  NCRYPT_PROV_HANDLE provider_ = 0;
  std::unique_ptr<test::ScopedEnv> store_;
};

TEST_F(DeferredPrivateKeyTest, OneObjectPerOpenFreedWithItsHandle) {
  const std::size_t live_before = HandleTable::Global().LiveCount();
  CertContext cert(FixtureCertDer("orphan"));
  NCRYPT_KEY_HANDLE key = 0;
  ASSERT_EQ(SslOpenPrivateKey(provider_, &key, cert.get(), NCRYPT_SILENT_FLAG), 0);
  EXPECT_EQ(HandleTable::Global().LiveCount(), live_before + 1);
  std::weak_ptr<DeferredPrivateKey> watch;
  {
    auto object = HandleTable::Global().Lookup<DeferredPrivateKey>(static_cast<Handle>(key));
    ASSERT_TRUE(object.ok()) << "a certificate without a key opens as a deferred key";
    watch = object.value();
    EXPECT_FALSE(HandleTable::Global().Lookup<PrivateKey>(static_cast<Handle>(key)).ok());
  }
  std::vector<std::uint8_t> digest(32, 1);
  DWORD len = 0;
  EXPECT_EQ(SslSignHash(provider_, key, digest.data(), 32, nullptr, 0, &len, 0), NTE_NOT_FOUND);
  EXPECT_EQ(SslFreeObject(key, 0), 0);
  EXPECT_EQ(HandleTable::Global().LiveCount(), live_before);
  EXPECT_TRUE(watch.expired()) << "the deferred key is destroyed with its handle";
}

TEST_F(DeferredPrivateKeyTest, RepeatedOpensLeaveTheTableAsItWas) {
  const std::size_t live_before = HandleTable::Global().LiveCount();
  const std::vector<std::uint8_t> der = FixtureCertDer("rsa512");
  for (int i = 0; i < 500; ++i) {
    CertContext cert(der);
    NCRYPT_KEY_HANDLE key = 0;
    ASSERT_EQ(SslOpenPrivateKey(provider_, &key, cert.get(), NCRYPT_SILENT_FLAG), 0);
    std::vector<std::uint8_t> digest(32, 1);
    DWORD len = 0;
    ASSERT_EQ(SslSignHash(provider_, key, digest.data(), 32, nullptr, 0, &len, 0), NTE_NOT_SUPPORTED);
    ASSERT_EQ(SslFreeObject(key, 0), 0);
  }
  EXPECT_EQ(HandleTable::Global().LiveCount(), live_before);
}

TEST_F(DeferredPrivateKeyTest, ArgumentErrorsCreateNoHandle) {
  const std::size_t live_before = HandleTable::Global().LiveCount();
  CertContext cert(FixtureCertDer("orphan"));
  NCRYPT_KEY_HANDLE key = 0;
  EXPECT_EQ(SslOpenPrivateKey(provider_, nullptr, cert.get(), NCRYPT_SILENT_FLAG), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslOpenPrivateKey(provider_, &key, nullptr, NCRYPT_SILENT_FLAG), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslOpenPrivateKey(provider_, &key, cert.get(), 2), NTE_BAD_FLAGS);
  EXPECT_EQ(SslOpenPrivateKey(0, &key, cert.get(), NCRYPT_SILENT_FLAG), NTE_INVALID_HANDLE);
  EXPECT_EQ(key, 0u);
  EXPECT_EQ(HandleTable::Global().LiveCount(), live_before);
}

// A successful (deferred) open leaves no error origin; the first use reports the check that
// failed during the open: for a 512-bit RSA certificate, the key inspection that
// core/private_key.cpp's ParseCertificateKey passes on -- not the export's own handle check.
TEST_F(DeferredPrivateKeyTest, FirstUseNamesTheCheckThatFailedDuringTheOpen) {
  CertContext cert(FixtureCertDer("rsa512"));
  NCRYPT_KEY_HANDLE key = 0;
  ASSERT_EQ(SslOpenPrivateKey(provider_, &key, cert.get(), NCRYPT_SILENT_FLAG), 0);
  EXPECT_FALSE(LastErrorOrigin()) << "a successful call leaves no origin";
  std::vector<std::uint8_t> digest(32, 1);
  DWORD len = 0;
  EXPECT_EQ(SslSignHash(provider_, key, digest.data(), 32, nullptr, 0, &len, 0), NTE_NOT_SUPPORTED);
  const ErrorOrigin origin = LastErrorOrigin();
  ASSERT_TRUE(origin);
  EXPECT_NE(std::strstr(origin.file, "private_key.cpp"), nullptr) << origin.file << ":" << origin.line;
  EXPECT_EQ(SslFreeObject(key, 0), 0);
}


// The certificate's public key (OpenSSL, not opensslp) verifies a raw r||s ECDSA P-256 signature.
bool VerifiesWithCertificate(const std::vector<std::uint8_t>& cert_der, const std::vector<std::uint8_t>& digest,
                             const std::vector<std::uint8_t>& raw_signature) {
  const unsigned char* p = cert_der.data();
  X509* x509 = d2i_X509(nullptr, &p, static_cast<long>(cert_der.size()));
  if (x509 == nullptr || raw_signature.size() != 64) return false;
  EVP_PKEY* pub = X509_get_pubkey(x509);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(raw_signature.data(), 32, nullptr), BN_bin2bn(raw_signature.data() + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig, &der);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pub, nullptr);
  const bool ok = ctx != nullptr && der_len > 0 && EVP_PKEY_verify_init(ctx) == 1 &&
                  EVP_PKEY_verify(ctx, der, static_cast<std::size_t>(der_len), digest.data(), digest.size()) == 1;
  EVP_PKEY_CTX_free(ctx);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  EVP_PKEY_free(pub);
  X509_free(x509);
  return ok;
}

// A deferred key whose key the store gains after the open serves its first use after that (once
// the retry interval has passed), and keeps serving once the store loses it again: the first
// successful reopen is kept.
TEST_F(DeferredPrivateKeyTest, KeyAddedToTheStoreLaterServesFromThen) {
  const std::vector<std::uint8_t> der = FixtureCertDer("p256");
  CertContext cert(der);
  NCRYPT_KEY_HANDLE key = 0;
  {
    test::ScopedEnv empty(OPENSSLP_KEY_STORE_ENV, test::KeyStoreDir() + "/no-such-store");
    ASSERT_EQ(SslOpenPrivateKey(provider_, &key, cert.get(), NCRYPT_SILENT_FLAG), 0);
    ASSERT_TRUE(HandleTable::Global().Lookup<DeferredPrivateKey>(static_cast<Handle>(key)).ok());
    std::vector<std::uint8_t> digest(32, 1);
    DWORD len = 0;
    EXPECT_EQ(SslSignHash(provider_, key, digest.data(), 32, nullptr, 0, &len, 0), NTE_NOT_FOUND);
    EXPECT_EQ(SslSignHash(provider_, key, digest.data(), 32, nullptr, 0, &len, 0), NTE_NOT_FOUND) << "and again";
  }
  // Within the retry interval the store is not looked at again: the last error comes back.
  EXPECT_EQ(SslSignHash(provider_, key, nullptr, 32, nullptr, 0, nullptr, 0), NTE_NOT_FOUND)
      << "the deferred key's error comes before any other check";
  // The store (SetUp's) now has it; a deferred key looks again at most once a second.
  std::this_thread::sleep_for(DeferredPrivateKey::kRetryInterval + std::chrono::milliseconds(100));
  std::vector<std::uint8_t> digest(32, 0x42), signature(64);
  DWORD len = 0;
  ASSERT_EQ(SslSignHash(provider_, key, digest.data(), 32, signature.data(), 64, &len, 0), 0);
  ASSERT_EQ(len, 64u);
  EXPECT_TRUE(VerifiesWithCertificate(der, digest, signature));
  {
    test::ScopedEnv empty(OPENSSLP_KEY_STORE_ENV, test::KeyStoreDir() + "/no-such-store");
    std::fill(signature.begin(), signature.end(), 0);
    ASSERT_EQ(SslSignHash(provider_, key, digest.data(), 32, signature.data(), 64, &len, 0), 0) << "the key is kept";
    EXPECT_TRUE(VerifiesWithCertificate(der, digest, signature));
    NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
    PVOID state = nullptr;
    EXPECT_EQ(SslEnumCipherSuites(provider_, key, &suite, &state, 0), 0) << "an ECDSA key serves suites";
    if (suite != nullptr) SslFreeBuffer(suite);
    if (state != nullptr) SslFreeBuffer(state);
  }
  EXPECT_EQ(SslFreeObject(key, 0), 0);
}

// Before the key is found, enumerating suites for the handle lists none; once found, it does.
TEST_F(DeferredPrivateKeyTest, SuitesFollowTheReopenedKey) {
  CertContext cert(FixtureCertDer("p256"));
  NCRYPT_KEY_HANDLE key = 0;
  NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
  PVOID state = nullptr;
  {
    test::ScopedEnv empty(OPENSSLP_KEY_STORE_ENV, test::KeyStoreDir() + "/no-such-store");
    ASSERT_EQ(SslOpenPrivateKey(provider_, &key, cert.get(), NCRYPT_SILENT_FLAG), 0);
    EXPECT_EQ(SslEnumCipherSuites(provider_, key, &suite, &state, 0), NTE_NO_MORE_ITEMS);
    EXPECT_EQ(suite, nullptr);
  }
  std::this_thread::sleep_for(DeferredPrivateKey::kRetryInterval + std::chrono::milliseconds(100));
  ASSERT_EQ(SslEnumCipherSuites(provider_, key, &suite, &state, 0), 0);
  ASSERT_NE(suite, nullptr);
  SslFreeBuffer(suite);
  if (state != nullptr) SslFreeBuffer(state);
  EXPECT_EQ(SslFreeObject(key, 0), 0);
}

}  // namespace
}  // namespace opensslp
