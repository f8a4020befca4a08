// key_store_test.cpp - SslOpenPrivateKey over the key store (docs/key-store.md): directory and
// index forms, PEM / DER / PKCS#8 / PKCS#1 / SEC1 / encrypted PKCS#8 / PKCS#12, OSSL_STORE file:
// URIs, and every documented failure (missing, mismatched, corrupt, unsupported, unset store).
//
// Fixtures: tests/data/keystore (made by generate.sh there). Each opened key is checked against
// OpenSSL directly: the PrivateKey's public key must equal the certificate's, and a signature it
// makes must verify with OpenSSL (signatures_test.cpp covers signing in depth).
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/key_store.h"
#include "core/private_key.h"
#include "handles/handle_table.h"
#include "opensslp/opensslp.h"
#include "ossl/library.h"
#include "sslprovider.h"
#include "support/cert_support.h"
#include "support/env_support.h"
#include "support/wide.h"
#include "util/bytes.h"

#if defined(_WIN32)
#include "win/ksp_private_key.h"
#endif

namespace opensslp {
namespace {

namespace fs = std::filesystem;

using test::CertContext;
const std::string kStoreDir = test::KeyStoreDir();

std::vector<std::uint8_t> CertDer(const std::string& name) { return test::FixtureCertDer(name); }

// SHA-1 thumbprint computed independently with OpenSSL's EVP_Digest.
std::string Thumbprint(const std::vector<std::uint8_t>& der) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EXPECT_EQ(EVP_Digest(der.data(), der.size(), md, &len, EVP_sha1(), nullptr), 1);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

// Points OPENSSLP_KEY_STORE somewhere for one test and restores the previous value after it.
class ScopedKeyStore : public test::ScopedEnv {
 public:
  explicit ScopedKeyStore(const std::optional<std::string>& location)
      : test::ScopedEnv(OPENSSLP_KEY_STORE_ENV, location) {}
};

// A fresh temporary directory, removed afterwards.
class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("opensslp-keystore-" + std::to_string(std::rand()) + "-" +
                                         std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// An OSSL_STORE "file:" URI for an absolute path: file:/path, or on Windows file:///C:/path (the
// form OpenSSL's file store accepts for drive letters).
std::string FileUri(std::string path) {
#if defined(_WIN32)
  for (char& c : path) {
    if (c == '\\') c = '/';
  }
  return "file:///" + path;
#else
  return "file:" + path;
#endif
}

// Builds a key of `type` ("EC", "RSA") from the numbers pushed into `builder` (no check that they
// belong together: that is what the tests using this are about) and writes it as PEM to `file`.
bool WriteKeyFromParams(const char* type, OSSL_PARAM_BLD* builder, const std::filesystem::path& file) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(builder);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  bool ok = params != nullptr && ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1 &&
            EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) == 1;
  BIO* out = ok ? BIO_new_file(file.string().c_str(), "w") : nullptr;
  ok = out != nullptr && PEM_write_bio_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  BIO_free(out);
  EVP_PKEY_free(key);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return ok;
}

class KeyStoreTest : public testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(SslOpenProvider(&provider_, W(u"OpenSSLP Protocol Provider"), 0), 0); }
  void TearDown() override { SslFreeObject(provider_, 0); }

  SECURITY_STATUS Open(const std::vector<std::uint8_t>& der, NCRYPT_KEY_HANDLE* key) {
    CertContext cert(der);
    EXPECT_NE(cert.get(), nullptr);
    return SslOpenPrivateKey(provider_, key, cert.get(), 0);
  }

  // A plain CERT_CONTEXT struct around arbitrary bytes (only for certificates that must be refused).
  SECURITY_STATUS OpenPlain(const std::vector<std::uint8_t>& der, NCRYPT_KEY_HANDLE* key) {
    CERT_CONTEXT cert = {};
    cert.dwCertEncodingType = X509_ASN_ENCODING | PKCS_7_ASN_ENCODING;
    cert.pbCertEncoded = const_cast<BYTE*>(der.data());
    cert.cbCertEncoded = static_cast<DWORD>(der.size());
    return SslOpenPrivateKey(provider_, key, &cert, 0);
  }

  // Opens the named fixture's key, checks it against the certificate with OpenSSL, frees it.
  void ExpectOpens(const std::string& name, const char16_t* algorithm, std::uint32_t bits, std::uint32_t key_type) {
    SCOPED_TRACE(name);
    const std::vector<std::uint8_t> der = CertDer(name);
    NCRYPT_KEY_HANDLE key = 0;
    ASSERT_EQ(Open(der, &key), 0);
    ASSERT_NE(key, 0u);
    auto object = HandleTable::Global().Lookup<PrivateKey>(static_cast<Handle>(key));
    ASSERT_TRUE(object.ok());
    const KeyDescription d = object.value()->Describe();
    EXPECT_EQ(d.algorithm, algorithm);
    EXPECT_EQ(d.bits, bits);
    EXPECT_EQ(d.key_type, key_type);
    EXPECT_STREQ(object.value()->backend().Name(), "openssl");

    // Independent check: sign a SHA-256 digest and verify it with the certificate's key in OpenSSL.
    const unsigned char* p = der.data();
    X509* x509 = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    ASSERT_NE(x509, nullptr);
    EVP_PKEY* pub = X509_get0_pubkey(x509);
    std::vector<std::uint8_t> digest(32, 0x5a);
    const bool rsa = algorithm == std::u16string(u"RSA");
    std::vector<std::uint8_t> input = digest;
    DWORD flags = 0;
    if (rsa) {
      const char16_t id[] = u"SHA256";
      input.assign(reinterpret_cast<const std::uint8_t*>(id), reinterpret_cast<const std::uint8_t*>(id) + sizeof(id));
      input.insert(input.end(), digest.begin(), digest.end());
      flags = NCRYPT_SSL_SIGN_INCLUDE_HASHOID;
    }
    std::vector<std::uint8_t> sig(1024);
    DWORD sig_len = 0;
    ASSERT_EQ(SslSignHash(provider_, key, input.data(), static_cast<DWORD>(input.size()), sig.data(),
                          static_cast<DWORD>(sig.size()), &sig_len, flags),
              0);
    sig.resize(sig_len);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pub, nullptr);
    ASSERT_EQ(EVP_PKEY_verify_init(ctx), 1);
    std::vector<std::uint8_t> to_verify = sig;
    if (rsa) {
      ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
      ASSERT_EQ(EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()), 1);
    } else {
      ECDSA_SIG* s = ECDSA_SIG_new();
      const std::size_t half = sig.size() / 2;
      ECDSA_SIG_set0(s, BN_bin2bn(sig.data(), static_cast<int>(half), nullptr),
                     BN_bin2bn(sig.data() + half, static_cast<int>(half), nullptr));
      unsigned char* out = nullptr;
      const int n = i2d_ECDSA_SIG(s, &out);
      to_verify.assign(out, out + n);
      OPENSSL_free(out);
      ECDSA_SIG_free(s);
    }
    EXPECT_EQ(EVP_PKEY_verify(ctx, to_verify.data(), to_verify.size(), digest.data(), digest.size()), 1);
    EVP_PKEY_CTX_free(ctx);
    X509_free(x509);
    EXPECT_EQ(SslFreeObject(key, 0), 0);
  }

  // The status of the named fixture's key: 0 if it opens as a usable key, else the error the open
  // recorded. SslOpenPrivateKey itself always succeeds for these (a key opensslp cannot use opens
  // as a deferred key: docs/windows.md#deferred-private-keys); the error surfaces at the first
  // use, here a signature size query.
  SECURITY_STATUS OpenNamed(const std::string& name) { return UseStatus(Open(CertDer(name), &key_)); }
  SECURITY_STATUS OpenPlainStatus(const std::vector<std::uint8_t>& der) { return UseStatus(OpenPlain(der, &key_)); }

  SECURITY_STATUS UseStatus(SECURITY_STATUS open) {
    NCRYPT_KEY_HANDLE key = std::exchange(key_, 0);
    EXPECT_EQ(open, 0) << "SslOpenPrivateKey must defer failures that depend on the certificate or its key";
    if (open != 0) return open;
    EXPECT_NE(key, 0u);
    std::vector<std::uint8_t> digest(32, 1);
    DWORD len = 0;
    const SECURITY_STATUS use = SslSignHash(provider_, key, digest.data(), 32, nullptr, 0, &len, 0);
    EXPECT_EQ(SslFreeObject(key, 0), 0);
    return use;
  }

  NCRYPT_KEY_HANDLE key_ = 0;

  NCRYPT_PROV_HANDLE provider_ = 0;
};

TEST_F(KeyStoreTest, EnvironmentVariableNameMatchesHeader) {
  ScopedKeyStore store(std::string("/some/where"));
  EXPECT_EQ(KeyStore::FromEnvironment().location(), "/some/where");
}

TEST_F(KeyStoreTest, DirectoryFormEveryEncoding) {
  ScopedKeyStore store(kStoreDir + "/dir");
  ExpectOpens("rsa2048", u"RSA", 2048, 0);  // <thumbprint>.pem, PKCS#8 PEM
  ExpectOpens("p256", u"ECDSA", 256, 23);   // <thumbprint>.key, SEC1 PEM
  ExpectOpens("p384", u"ECDSA", 384, 24);   // <thumbprint>.p8, PKCS#8 DER
  ExpectOpens("p521", u"ECDSA", 521, 25);   // <thumbprint>.p12 + .pass (CRLF-terminated)
  ExpectOpens("rsa3072", u"RSA", 3072, 0);  // <thumbprint>.p12 without a password
}

TEST_F(KeyStoreTest, DirectoryFormFailures) {
  ScopedKeyStore store(kStoreDir + "/dir");
  EXPECT_EQ(OpenNamed("orphan"), NTE_NOT_FOUND);         // no file for the thumbprint
  EXPECT_EQ(OpenNamed("mismatch"), NTE_BAD_KEY);         // another certificate's key
  EXPECT_EQ(OpenNamed("corrupt"), NTE_BAD_KEY);          // not a key at all
  EXPECT_EQ(OpenNamed("pubonly"), NTE_BAD_KEY);          // a public key only
  EXPECT_EQ(OpenNamed("nopass"), NTE_BAD_KEY);           // encrypted, no password: fails, never prompts
  EXPECT_EQ(OpenNamed("ed25519"), NTE_NOT_SUPPORTED);    // neither RSA nor EC
  EXPECT_EQ(OpenNamed("brainpool"), NTE_NOT_SUPPORTED);  // EC, but not P-256/384/521
  // RSA-512: the store holds its (matching) key, but a certificate key under 1024 bits is refused.
  ASSERT_TRUE(KeyStore(kStoreDir + "/dir").FindPrivateKey(Thumbprint(CertDer("rsa512"))).ok());
  EXPECT_EQ(OpenNamed("rsa512"), NTE_NOT_SUPPORTED);
}

// A key file whose public half is the certificate's but whose private half is another key's (found
// by fuzz/fuzz_key_store.cpp: one altered base64 character in a PKCS#8 file changed only the EC
// scalar, and the key signed with a key no peer could verify). Refused as NTE_BAD_KEY.
TEST_F(KeyStoreTest, ForgedPrivateHalfIsBadKey) {
  const std::vector<std::uint8_t> cert = CertDer("p256");
  const unsigned char* p = cert.data();
  X509* x509 = d2i_X509(nullptr, &p, static_cast<long>(cert.size()));
  ASSERT_NE(x509, nullptr);
  unsigned char point[133];
  std::size_t point_len = 0;
  ASSERT_EQ(
      EVP_PKEY_get_octet_string_param(X509_get0_pubkey(x509), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &point_len),
      1);
  EVP_PKEY* other = EVP_EC_gen("P-256");
  ASSERT_NE(other, nullptr);
  BIGNUM* scalar = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(other, OSSL_PKEY_PARAM_PRIV_KEY, &scalar), 1);
  OSSL_PARAM_BLD* builder = OSSL_PARAM_BLD_new();
  ASSERT_EQ(OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0), 1);
  ASSERT_EQ(OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, point, point_len), 1);
  ASSERT_EQ(OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_PRIV_KEY, scalar), 1);
  TempDir dir;
  ASSERT_TRUE(WriteKeyFromParams("EC", builder, dir.path() / (Thumbprint(cert) + ".pem")));
  {
    ScopedKeyStore store(dir.path().string());
    EXPECT_EQ(OpenNamed("p256"), NTE_BAD_KEY);
  }
  OSSL_PARAM_BLD_free(builder);
  BN_free(scalar);
  EVP_PKEY_free(other);
  X509_free(x509);
}

// The RSA counterpart: a key file whose public numbers (n, e) are the certificate's but whose
// private numbers do not belong to them. opensslp checks RSA keys itself (ossl/signing.cpp:
// OpenSSL's pairwise check also runs prime tests on p and q, 100 times the cost of a signature),
// and every damaged number must still be refused; the unmodified numbers, rebuilt the same way,
// open and sign (the control that makes the refusals mean something).
TEST_F(KeyStoreTest, DamagedRsaPrivateNumbersAreBadKey) {
  const std::vector<std::uint8_t> cert = CertDer("rsa2048");
  BIO* in = BIO_new_file((kStoreDir + "/keys/rsa2048.key").c_str(), "r");
  ASSERT_NE(in, nullptr);
  EVP_PKEY* original = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
  BIO_free(in);
  ASSERT_NE(original, nullptr);
  const char* const names[] = {OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
                               OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
                               OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
                               OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
  std::map<std::string, BIGNUM*> numbers;
  for (const char* name : names) {
    BIGNUM* value = nullptr;
    ASSERT_EQ(EVP_PKEY_get_bn_param(original, name, &value), 1) << name;
    numbers[name] = value;
  }
  EVP_PKEY_free(original);

  // Writes a key of `numbers` with `changed` replacing some as <thumbprint>.pem and returns the
  // first use's status.
  auto status_with = [&](const std::map<std::string, const BIGNUM*>& changed) -> SECURITY_STATUS {
    OSSL_PARAM_BLD* builder = OSSL_PARAM_BLD_new();
    for (const char* name : names) {
      auto it = changed.find(name);
      EXPECT_EQ(OSSL_PARAM_BLD_push_BN(builder, name, it == changed.end() ? numbers[name] : it->second), 1);
    }
    TempDir dir;
    EXPECT_TRUE(WriteKeyFromParams("RSA", builder, dir.path() / (Thumbprint(cert) + ".pem")));
    OSSL_PARAM_BLD_free(builder);
    ScopedKeyStore store(dir.path().string());
    NCRYPT_KEY_HANDLE handle = 0;
    EXPECT_EQ(Open(cert, &handle), 0);
    std::vector<std::uint8_t> digest(32, 1);
    std::vector<std::uint8_t> signature(256);
    DWORD len = 0;
    const SECURITY_STATUS use = SslSignHash(provider_, handle, digest.data(), 32, signature.data(),
                                            static_cast<DWORD>(signature.size()), &len, 0);
    EXPECT_EQ(SslFreeObject(handle, 0), 0);
    return use;
  };
  auto plus = [](const BIGNUM* a, BN_ULONG w) {
    BIGNUM* r = BN_dup(a);
    BN_add_word(r, w);
    return r;
  };
  BIGNUM* d2 = plus(numbers[OSSL_PKEY_PARAM_RSA_D], 2);
  BIGNUM* p2 = plus(numbers[OSSL_PKEY_PARAM_RSA_FACTOR1], 2);
  BIGNUM* dp2 = plus(numbers[OSSL_PKEY_PARAM_RSA_EXPONENT1], 2);
  BIGNUM* dq2 = plus(numbers[OSSL_PKEY_PARAM_RSA_EXPONENT2], 2);
  BIGNUM* qinv1 = plus(numbers[OSSL_PKEY_PARAM_RSA_COEFFICIENT1], 1);
  BIGNUM* qinv_p = BN_dup(numbers[OSSL_PKEY_PARAM_RSA_COEFFICIENT1]);  // qInv + p: still an inverse mod p
  BN_add(qinv_p, qinv_p, numbers[OSSL_PKEY_PARAM_RSA_FACTOR1]);

  EXPECT_EQ(status_with({}), 0) << "the fixture's own numbers, rebuilt";
  EXPECT_EQ(status_with({{OSSL_PKEY_PARAM_RSA_D, d2}}), NTE_BAD_KEY) << "d + 2";
  EXPECT_EQ(status_with({{OSSL_PKEY_PARAM_RSA_FACTOR1, p2}}), NTE_BAD_KEY) << "p + 2: n != pq";
  EXPECT_EQ(status_with({{OSSL_PKEY_PARAM_RSA_FACTOR1, numbers[OSSL_PKEY_PARAM_RSA_FACTOR2]},
                         {OSSL_PKEY_PARAM_RSA_FACTOR2, numbers[OSSL_PKEY_PARAM_RSA_FACTOR1]}}),
            NTE_BAD_KEY)
      << "p and q swapped: the CRT values are the other order's";
  EXPECT_EQ(status_with({{OSSL_PKEY_PARAM_RSA_EXPONENT1, dp2}}), NTE_BAD_KEY) << "dP + 2";
  EXPECT_EQ(status_with({{OSSL_PKEY_PARAM_RSA_EXPONENT2, dq2}}), NTE_BAD_KEY) << "dQ + 2";
  EXPECT_EQ(status_with({{OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv1}}), NTE_BAD_KEY) << "qInv + 1";
  EXPECT_EQ(status_with({{OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv_p}}), NTE_BAD_KEY)
      << "qInv + p: an inverse of q mod p, but not the reduced one OpenSSL's CRT code assumes";
  // (A key without its factors cannot be written to a key file: PKCS#8 holds an RSAPrivateKey,
  // whose every number is mandatory, RFC 8017 Appendix A.1.2.)
  for (BIGNUM* b : {d2, p2, dp2, dq2, qinv1, qinv_p}) BN_clear_free(b);
  for (auto& [name, value] : numbers) BN_clear_free(value);
}

TEST_F(KeyStoreTest, IndexFormEveryEncoding) {
  ScopedKeyStore store(kStoreDir + "/index.txt");
  ExpectOpens("rsa2048", u"RSA", 2048, 0);  // PKCS#1 "RSA PRIVATE KEY" PEM
  ExpectOpens("p256", u"ECDSA", 256, 23);   // upper-case thumbprint, tab, trailing blanks
  ExpectOpens("p384", u"ECDSA", 384, 24);   // PKCS#8 DER
  ExpectOpens("p521", u"ECDSA", 521, 25);   // PKCS#12 + <path>.pass
  ExpectOpens("rsa3072", u"RSA", 3072, 0);  // encrypted PKCS#8 PEM + <path>.pass
}

TEST_F(KeyStoreTest, IndexFormFailures) {
  ScopedKeyStore store(kStoreDir + "/index.txt");
  EXPECT_EQ(OpenNamed("mismatch"), NTE_BAD_KEY);   // entry names another certificate's key
  EXPECT_EQ(OpenNamed("orphan"), NTE_NOT_FOUND);   // entry's file does not exist
  EXPECT_EQ(OpenNamed("corrupt"), NTE_NOT_FOUND);  // entry without a location is ignored
  EXPECT_EQ(OpenNamed("pubonly"), NTE_NOT_FOUND);  // no entry
}

TEST_F(KeyStoreTest, IndexWithOsslStoreUriAndAbsolutePath) {
  TempDir dir;
  const std::string p256_key = fs::absolute(kStoreDir + "/keys/p256.key").string();
  const std::string p384_key = fs::absolute(kStoreDir + "/keys/p384.key").string();
  {
    std::ofstream index(dir.path() / "index");
    index << "# OSSL_STORE URI and an absolute path\r\n";
    index << Thumbprint(CertDer("p256")) << " " << FileUri(p256_key) << "\r\n";
    index << Thumbprint(CertDer("p384")) << " " << p384_key << "\n";
    index << Thumbprint(CertDer("orphan")) << " " << FileUri(dir.path().string() + "/missing.pem") << "\n";
    index << Thumbprint(CertDer("rsa2048")) << " " << FileUri(p256_key) << "\n";  // URI to the wrong key
  }
  ScopedKeyStore store((dir.path() / "index").string());
  ExpectOpens("p256", u"ECDSA", 256, 23);
  ExpectOpens("p384", u"ECDSA", 384, 24);
  EXPECT_EQ(OpenNamed("orphan"), NTE_NOT_FOUND);
  EXPECT_EQ(OpenNamed("rsa2048"), NTE_BAD_KEY);
}

TEST_F(KeyStoreTest, StoreIsReadAtEveryOpen) {
  TempDir dir;
  ScopedKeyStore store(dir.path().string());
  EXPECT_EQ(OpenNamed("p256"), NTE_NOT_FOUND);
  fs::copy_file(kStoreDir + "/keys/p256.key", dir.path() / (Thumbprint(CertDer("p256")) + ".pem"));
  ExpectOpens("p256", u"ECDSA", 256, 23);
  fs::remove(dir.path() / (Thumbprint(CertDer("p256")) + ".pem"));
  EXPECT_EQ(OpenNamed("p256"), NTE_NOT_FOUND);
}

TEST_F(KeyStoreTest, OversizedIndexIsBadData) {
  TempDir dir;
  {
    std::ofstream index(dir.path() / "index");
    std::string line(1023, '#');
    for (int i = 0; i < 1100; ++i) index << line << "\n";
  }
  ScopedKeyStore store((dir.path() / "index").string());
  EXPECT_EQ(OpenNamed("p256"), NTE_BAD_DATA);
}

TEST_F(KeyStoreTest, UnsetEmptyOrMissingStoreIsNotFound) {
  {
    ScopedKeyStore store(std::nullopt);
    EXPECT_EQ(OpenNamed("p256"), NTE_NOT_FOUND);
  }
  {
    ScopedKeyStore store(std::string(""));
    EXPECT_EQ(OpenNamed("p256"), NTE_NOT_FOUND);
  }
  {
    ScopedKeyStore store(kStoreDir + "/no-such-directory");
    EXPECT_EQ(OpenNamed("p256"), NTE_NOT_FOUND);
  }
}

TEST_F(KeyStoreTest, GarbageCertificatesAreInvalidParameter) {
  ScopedKeyStore store(kStoreDir + "/dir");
  // The content of the certificate is not an argument error: the open succeeds with a deferred
  // key whose first use is NTE_INVALID_PARAMETER (docs/windows.md#deferred-private-keys).
  std::vector<std::uint8_t> der = CertDer("p256");
  std::vector<std::uint8_t> trailing = der;
  trailing.push_back(0);
  EXPECT_EQ(OpenPlainStatus(trailing), NTE_INVALID_PARAMETER);
  std::vector<std::uint8_t> truncated(der.begin(), der.end() - 1);
  EXPECT_EQ(OpenPlainStatus(truncated), NTE_INVALID_PARAMETER);
  std::vector<std::uint8_t> garbage(300, 0xab);
  EXPECT_EQ(OpenPlainStatus(garbage), NTE_INVALID_PARAMETER);
  std::vector<std::uint8_t> flipped = der;
  flipped[1] ^= 0x40;  // the outer SEQUENCE length
  EXPECT_EQ(OpenPlainStatus(flipped), NTE_INVALID_PARAMETER);
}

TEST(KeyStoreInternal, FindPrivateKeyArguments) {
  KeyStore store(kStoreDir + "/dir");
  EXPECT_EQ(store.FindPrivateKey("not a thumbprint").error(), Error::kInvalidParameter);
  EXPECT_EQ(store.FindPrivateKey(std::string(40, 'A')).error(), Error::kInvalidParameter);  // upper case
  EXPECT_EQ(store.FindPrivateKey(std::string(40, 'a')).error(), Error::kNotFound);
  EXPECT_TRUE(store.FindPrivateKey(Thumbprint(CertDer("p256"))).ok());
  EXPECT_EQ(KeyStore("").FindPrivateKey(std::string(40, 'a')).error(), Error::kNotFound);
  ossl::ClearErrorQueue();
}

#if defined(_WIN32)
// ---- WindowsKsp: Windows-only (the key-storage-provider backend, src/win/) ---------------------
// Under Wine (8.0) the certificate has no usable NCrypt key, so SslOpenPrivateKey must fall back
// to the key store; KspImportedKey tries to put a key into the Microsoft Software KSP and attach
// it to the certificate context, and skips (with the reason) where Wine cannot (docs/key-store.md).

PCCERT_CONTEXT CreateContext(const std::vector<std::uint8_t>& der) {
  return CertCreateCertificateContext(X509_ASN_ENCODING, der.data(), static_cast<DWORD>(der.size()));
}

TEST(WindowsKsp, CertificateWithoutNcryptKeyFallsBackToKeyStore) {
  ScopedKeyStore store(kStoreDir + "/dir");
  NCRYPT_PROV_HANDLE provider = 0;
  ASSERT_EQ(SslOpenProvider(&provider, W(u"OpenSSLP Protocol Provider"), 0), 0);
  for (const char* name : {"rsa2048", "p256"}) {
    SCOPED_TRACE(name);
    const std::vector<std::uint8_t> der = CertDer(name);
    PCCERT_CONTEXT ctx = CreateContext(der);
    ASSERT_NE(ctx, nullptr) << GetLastError();
    NCRYPT_KEY_HANDLE key = 0;
    ASSERT_EQ(SslOpenPrivateKey(provider, &key, ctx, 0), 0);
    auto object = HandleTable::Global().Lookup<PrivateKey>(static_cast<Handle>(key));
    ASSERT_TRUE(object.ok());
    EXPECT_STREQ(object.value()->backend().Name(), "openssl");
    std::vector<std::uint8_t> digest(32, 1), sig(512);
    DWORD len = 0;
    const DWORD flags = std::string(name) == "p256" ? 0 : NCRYPT_SSL_SIGN_USE_PSS_PADDING;
    EXPECT_EQ(SslSignHash(provider, key, digest.data(), 32, sig.data(), 512, &len, flags), 0);
    EXPECT_EQ(SslVerifySignature(provider, key, digest.data(), 32, sig.data(), len, flags), 0);
    EXPECT_EQ(SslFreeObject(key, 0), 0);
    CertFreeCertificateContext(ctx);
  }
  // Without a key store there is nowhere else to look: the open succeeds with a deferred key
  // whose first use is NTE_NOT_FOUND (docs/windows.md#deferred-private-keys).
  ScopedKeyStore none(std::nullopt);
  PCCERT_CONTEXT ctx = CreateContext(CertDer("p256"));
  NCRYPT_KEY_HANDLE key = 0;
  ASSERT_EQ(SslOpenPrivateKey(provider, &key, ctx, NCRYPT_SILENT_FLAG), 0);
  std::vector<std::uint8_t> digest(32, 1);
  DWORD len = 0;
  EXPECT_EQ(SslSignHash(provider, key, digest.data(), 32, nullptr, 0, &len, 0), NTE_NOT_FOUND);
  EXPECT_EQ(SslFreeObject(key, 0), 0);
  CertFreeCertificateContext(ctx);
  SslFreeObject(provider, 0);
}

// BCRYPT_RSAPRIVATE_BLOB of an OpenSSL RSA key: header, e, n, p, q (big-endian).
std::vector<std::uint8_t> RsaPrivateBlob(EVP_PKEY* pkey) {
  BIGNUM *n = nullptr, *e = nullptr, *p = nullptr, *q = nullptr;
  EVP_PKEY_get_bn_param(pkey, "n", &n);
  EVP_PKEY_get_bn_param(pkey, "e", &e);
  EVP_PKEY_get_bn_param(pkey, "rsa-factor1", &p);
  EVP_PKEY_get_bn_param(pkey, "rsa-factor2", &q);
  BCRYPT_RSAKEY_BLOB h = {};
  h.Magic = BCRYPT_RSAPRIVATE_MAGIC;
  h.BitLength = static_cast<ULONG>(BN_num_bits(n));
  h.cbPublicExp = static_cast<ULONG>(BN_num_bytes(e));
  h.cbModulus = static_cast<ULONG>(BN_num_bytes(n));
  h.cbPrime1 = static_cast<ULONG>(BN_num_bytes(p));
  h.cbPrime2 = static_cast<ULONG>(BN_num_bytes(q));
  std::vector<std::uint8_t> blob(sizeof(h) + h.cbPublicExp + h.cbModulus + h.cbPrime1 + h.cbPrime2);
  std::memcpy(blob.data(), &h, sizeof(h));
  std::uint8_t* out = blob.data() + sizeof(h);
  out += BN_bn2bin(e, out);
  out += BN_bn2bin(n, out);
  out += BN_bn2bin(p, out);
  BN_bn2bin(q, out);
  BN_free(n);
  BN_free(e);
  BN_clear_free(p);
  BN_clear_free(q);
  return blob;
}

// BCRYPT_ECCPRIVATE_BLOB of an OpenSSL P-256 key: header, X, Y, d (32 bytes each).
std::vector<std::uint8_t> EcP256PrivateBlob(EVP_PKEY* pkey) {
  unsigned char point[65];
  std::size_t point_len = 0;
  EVP_PKEY_get_octet_string_param(pkey, "pub", point, sizeof(point), &point_len);
  BIGNUM* d = nullptr;
  EVP_PKEY_get_bn_param(pkey, "priv", &d);
  BCRYPT_ECCKEY_BLOB h = {BCRYPT_ECDSA_PRIVATE_P256_MAGIC, 32};
  std::vector<std::uint8_t> blob(sizeof(h) + 96);
  std::memcpy(blob.data(), &h, sizeof(h));
  std::memcpy(blob.data() + sizeof(h), point + 1, 64);
  BN_bn2binpad(d, blob.data() + sizeof(h) + 64, 32);
  BN_clear_free(d);
  return blob;
}

TEST(WindowsKsp, KspImportedKey) {
  NCRYPT_PROV_HANDLE ksp = 0;
  SECURITY_STATUS st = NCryptOpenStorageProvider(&ksp, MS_KEY_STORAGE_PROVIDER, 0);
  if (st != ERROR_SUCCESS) GTEST_SKIP() << "NCryptOpenStorageProvider(MS_KEY_STORAGE_PROVIDER): 0x" << std::hex << st;
  std::string skipped;
  int exercised = 0;
  for (const char* name : {"rsa2048", "p256"}) {
    const bool rsa = std::string(name) == "rsa2048";
    BIO* bio = BIO_new_file((kStoreDir + "/keys/" + name + ".key").c_str(), "r");
    EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, const_cast<char*>(""));
    BIO_free(bio);
    ASSERT_NE(pkey, nullptr);
    std::vector<std::uint8_t> blob = rsa ? RsaPrivateBlob(pkey) : EcP256PrivateBlob(pkey);
    EVP_PKEY_free(pkey);
    NCRYPT_KEY_HANDLE hkey = 0;
    st = NCryptImportKey(ksp, 0, rsa ? BCRYPT_RSAPRIVATE_BLOB : BCRYPT_ECCPRIVATE_BLOB, nullptr, &hkey, blob.data(),
                         static_cast<DWORD>(blob.size()), 0);
    if (st != ERROR_SUCCESS) {
      skipped += std::string(name) + ": NCryptImportKey failed; ";
      continue;
    }
    PCCERT_CONTEXT ctx = CreateContext(CertDer(name));
    ASSERT_NE(ctx, nullptr);
    if (!CertSetCertificateContextProperty(ctx, CERT_NCRYPT_KEY_HANDLE_PROP_ID, 0, &hkey)) {
      skipped += std::string(name) + ": CertSetCertificateContextProperty(CERT_NCRYPT_KEY_HANDLE_PROP_ID) failed; ";
      NCryptFreeObject(hkey);
      CertFreeCertificateContext(ctx);
      continue;
    }
    ScopedKeyStore none(std::nullopt);  // the KSP is the only possible source
    NCRYPT_PROV_HANDLE provider = 0;
    ASSERT_EQ(SslOpenProvider(&provider, W(u"OpenSSLP Protocol Provider"), 0), 0);
    NCRYPT_KEY_HANDLE key = 0;
    ASSERT_EQ(SslOpenPrivateKey(provider, &key, ctx, NCRYPT_SILENT_FLAG), 0);
    if (HandleTable::Global().Lookup<DeferredPrivateKey>(static_cast<Handle>(key)).ok()) {
      skipped += std::string(name) + ": CryptAcquireCertificatePrivateKey did not return the NCrypt key; ";
      SslFreeObject(key, 0);
    } else {
      auto object = HandleTable::Global().Lookup<PrivateKey>(static_cast<Handle>(key));
      ASSERT_TRUE(object.ok());
      EXPECT_STREQ(object.value()->backend().Name(), "ksp");
      std::vector<std::uint8_t> digest(32, 1), sig(512);
      DWORD len = 0;
      st = SslSignHash(provider, key, digest.data(), 32, sig.data(), 512, &len,
                       rsa ? NCRYPT_SSL_SIGN_USE_PSS_PADDING : 0);
      if (st == 0) {
        // Verified by the OpenSSL side with the certificate's public key.
        EXPECT_EQ(SslVerifySignature(provider, key, digest.data(), 32, sig.data(), len,
                                     rsa ? NCRYPT_SSL_SIGN_USE_PSS_PADDING : 0),
                  0);
        ++exercised;
      } else {
        skipped += std::string(name) + ": NCryptSignHash failed 0x" + std::to_string(st) + "; ";
      }
      SslFreeObject(key, 0);
    }
    SslFreeObject(provider, 0);
    CertFreeCertificateContext(ctx);  // frees the property's key handle with the context
  }
  NCryptFreeObject(ksp);
  if (exercised == 0) GTEST_SKIP() << "Wine limits: " << skipped;
  if (!skipped.empty()) std::cout << "[ WindowsKsp ] partly skipped: " << skipped << std::endl;
}
// The KSP key check of src/win/ksp_private_key.cpp: a certificate's KSP key is used only if its
// exported public key equals the certificate's. Wine's Microsoft Software KSP imports RSA private
// blobs (not ECC ones), so the RSA comparison runs against the certificate fixtures; the EC blob
// path is exercised with a KSP-generated P-256 key, whose exported public key must verify the
// KSP's own NCryptSignHash signature (OpenSSL verifies) and must not match the p256 certificate.
TEST(WindowsKsp, KspKeyMustMatchTheCertificate) {
  NCRYPT_PROV_HANDLE ksp = 0;
  SECURITY_STATUS st = NCryptOpenStorageProvider(&ksp, MS_KEY_STORAGE_PROVIDER, 0);
  if (st != ERROR_SUCCESS) GTEST_SKIP() << "NCryptOpenStorageProvider(MS_KEY_STORAGE_PROVIDER): 0x" << std::hex << st;
  auto rsa2048 = ParseCertificateKey(CertDer("rsa2048"));
  auto mismatch = ParseCertificateKey(CertDer("mismatch"));
  auto p256 = ParseCertificateKey(CertDer("p256"));
  ASSERT_TRUE(rsa2048.ok() && mismatch.ok() && p256.ok());
  std::string skipped;
  int exercised = 0;

  BIO* bio = BIO_new_file((kStoreDir + "/keys/rsa2048.key").c_str(), "r");
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, const_cast<char*>(""));
  BIO_free(bio);
  ASSERT_NE(pkey, nullptr);
  std::vector<std::uint8_t> blob = RsaPrivateBlob(pkey);
  EVP_PKEY_free(pkey);
  NCRYPT_KEY_HANDLE rsa_key = 0;
  st = NCryptImportKey(ksp, 0, BCRYPT_RSAPRIVATE_BLOB, nullptr, &rsa_key, blob.data(), static_cast<DWORD>(blob.size()),
                       0);
  if (st != ERROR_SUCCESS) {
    skipped += "RSA: NCryptImportKey failed; ";
  } else {
    auto pub = win::KspPublicKey(rsa_key, rsa2048.value().info);
    if (!pub.ok()) {
      skipped += "RSA: NCryptExportKey(BCRYPT_RSAPUBLIC_BLOB) failed; ";
    } else {
      EXPECT_TRUE(ossl::SamePublicKey(pub.value(), rsa2048.value().public_key));
      EXPECT_TRUE(win::KspKeyMatchesCertificate(rsa_key, rsa2048.value().public_key, rsa2048.value().info));
      // Another RSA-2048 certificate: same algorithm group, different key -> not used.
      EXPECT_FALSE(win::KspKeyMatchesCertificate(rsa_key, mismatch.value().public_key, mismatch.value().info));
      EXPECT_FALSE(win::KspKeyMatchesCertificate(rsa_key, p256.value().public_key, p256.value().info));
      ++exercised;
    }
    NCryptFreeObject(rsa_key);
  }

  NCRYPT_KEY_HANDLE ec_key = 0;
  st = NCryptCreatePersistedKey(ksp, &ec_key, NCRYPT_ECDSA_P256_ALGORITHM, nullptr, 0, 0);
  if (st == ERROR_SUCCESS) st = NCryptFinalizeKey(ec_key, NCRYPT_SILENT_FLAG);
  if (st != ERROR_SUCCESS) {
    skipped += "EC: NCryptCreatePersistedKey/NCryptFinalizeKey(ECDSA_P256) failed; ";
  } else {
    const ossl::KeyInfo& info = p256.value().info;
    auto pub = win::KspPublicKey(ec_key, info);
    std::vector<std::uint8_t> digest(32, 0x42), sig(64);
    DWORD len = 0;
    if (!pub.ok()) {
      skipped += "EC: NCryptExportKey(BCRYPT_ECCPUBLIC_BLOB) failed; ";
    } else if (NCryptSignHash(ec_key, nullptr, digest.data(), 32, sig.data(), 64, &len, NCRYPT_SILENT_FLAG) !=
                   ERROR_SUCCESS ||
               len != 64) {
      skipped += "EC: NCryptSignHash failed; ";
    } else {
      ossl::SignatureSpec spec;
      spec.padding = ossl::SigPadding::kEcdsa;
      EXPECT_TRUE(ossl::VerifyDigest(pub.value(), info, spec, digest, sig).ok());
      EXPECT_FALSE(win::KspKeyMatchesCertificate(ec_key, p256.value().public_key, info));
      ++exercised;
    }
    NCryptFreeObject(ec_key);
  }
  NCryptFreeObject(ksp);
  ossl::ClearErrorQueue();
  if (exercised == 0) GTEST_SKIP() << "Wine limits: " << skipped;
  if (!skipped.empty()) std::cout << "[ WindowsKsp ] partly skipped: " << skipped << std::endl;
}

// ---- Schannel's open of every server key (docs/windows.md#deferred-private-keys) --------------
// Schannel calls SslOpenPrivateKey(..., NCRYPT_SILENT_FLAG) on every registered provider for every
// server certificate and fails the credential if one fails. These run with real crypt32 contexts
// and no key store, so the KSP is the only place a key can come from.

// The status of the first use of an opened key (a signature size query); frees it.
SECURITY_STATUS FirstUse(NCRYPT_PROV_HANDLE provider, NCRYPT_KEY_HANDLE key) {
  std::vector<std::uint8_t> digest(32, 1);
  DWORD len = 0;
  const SECURITY_STATUS rc = SslSignHash(provider, key, digest.data(), 32, nullptr, 0, &len, 0);
  EXPECT_EQ(SslFreeObject(key, 0), 0);
  return rc;
}

// Certificates with no key at all (no key property, nothing in any store).
TEST(WindowsKsp, SchannelOpenNeverFailsWithoutAKey) {
  ScopedKeyStore none(std::nullopt);
  NCRYPT_PROV_HANDLE provider = 0;
  ASSERT_EQ(SslOpenProvider(&provider, W(u"OpenSSLP Protocol Provider"), 0), 0);
  const std::size_t live_before = HandleTable::Global().LiveCount();
  struct Case {
    const char* name;
    SECURITY_STATUS status;
  };
  std::string skipped;
  for (const Case& c :
       {Case{"rsa2048", NTE_NOT_FOUND}, Case{"rsa3072", NTE_NOT_FOUND}, Case{"p256", NTE_NOT_FOUND},
        Case{"p384", NTE_NOT_FOUND}, Case{"p521", NTE_NOT_FOUND}, Case{"mismatch", NTE_NOT_FOUND},
        Case{"rsa512", NTE_NOT_SUPPORTED}, Case{"ed25519", NTE_NOT_SUPPORTED}, Case{"brainpool", NTE_NOT_SUPPORTED}}) {
    SCOPED_TRACE(c.name);
    PCCERT_CONTEXT ctx = CreateContext(CertDer(c.name));
    if (ctx == nullptr) {  // crypt32 itself cannot parse it: Schannel would never get this far
      skipped += std::string(c.name) + ": CertCreateCertificateContext failed; ";
      continue;
    }
    NCRYPT_KEY_HANDLE key = 0;
    EXPECT_EQ(SslOpenPrivateKey(provider, &key, ctx, NCRYPT_SILENT_FLAG), 0);
    EXPECT_TRUE(HandleTable::Global().Lookup<DeferredPrivateKey>(static_cast<Handle>(key)).ok());
    EXPECT_EQ(FirstUse(provider, key), c.status);
    CertFreeCertificateContext(ctx);
  }
  EXPECT_EQ(HandleTable::Global().LiveCount(), live_before);
  SslFreeObject(provider, 0);
  if (!skipped.empty()) std::cout << "[ WindowsKsp ] partly skipped: " << skipped << std::endl;
}

// Certificates whose CERT_KEY_PROV_INFO names a key in the Microsoft Software KSP: the
// certificate's own key (imported under a name), another RSA key the KSP generated, a key name
// the KSP does not have, and a KSP that does not exist. The open never fails. Only the
// certificate's own key may be used (KSP backend, signs); where crypt32 does not hand it over
// (Wine 8 follows the CAPI path for CERT_KEY_PROV_INFO), it is a deferred NTE_NOT_FOUND like the
// others. A 512-bit RSA certificate pointing at a KSP key is NTE_NOT_SUPPORTED before any KSP call.
TEST(WindowsKsp, SchannelOpenNeverFailsWithKspKeys) {
  NCRYPT_PROV_HANDLE ksp = 0;
  SECURITY_STATUS st = NCryptOpenStorageProvider(&ksp, MS_KEY_STORAGE_PROVIDER, 0);
  if (st != ERROR_SUCCESS) GTEST_SKIP() << "NCryptOpenStorageProvider(MS_KEY_STORAGE_PROVIDER): 0x" << std::hex << st;
  std::string notes;
  const std::wstring own_name = L"opensslp-test-rsa2048-" + std::to_wstring(GetCurrentProcessId());
  const std::wstring other_name = L"opensslp-test-other-" + std::to_wstring(GetCurrentProcessId());

  // The rsa2048 certificate's own key, persisted under own_name.
  NCRYPT_KEY_HANDLE own = 0;
  {
    BIO* bio = BIO_new_file((kStoreDir + "/keys/rsa2048.key").c_str(), "r");
    EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, const_cast<char*>(""));
    BIO_free(bio);
    ASSERT_NE(pkey, nullptr);
    std::vector<std::uint8_t> blob = RsaPrivateBlob(pkey);
    EVP_PKEY_free(pkey);
    NCryptBuffer name_buffer = {static_cast<ULONG>((own_name.size() + 1) * sizeof(wchar_t)), NCRYPTBUFFER_PKCS_KEY_NAME,
                                const_cast<wchar_t*>(own_name.c_str())};
    NCryptBufferDesc params = {NCRYPTBUFFER_VERSION, 1, &name_buffer};
    st = NCryptImportKey(ksp, 0, BCRYPT_RSAPRIVATE_BLOB, &params, &own, blob.data(), static_cast<DWORD>(blob.size()),
                         NCRYPT_OVERWRITE_KEY_FLAG | NCRYPT_SILENT_FLAG);
    if (st != ERROR_SUCCESS) {
      notes += "named NCryptImportKey failed; ";
      own = 0;
    }
  }
  // Another RSA key, generated by the KSP under other_name.
  NCRYPT_KEY_HANDLE other = 0;
  st = NCryptCreatePersistedKey(ksp, &other, NCRYPT_RSA_ALGORITHM, other_name.c_str(), 0, NCRYPT_OVERWRITE_KEY_FLAG);
  if (st == ERROR_SUCCESS) st = NCryptFinalizeKey(other, NCRYPT_SILENT_FLAG);
  if (st != ERROR_SUCCESS) {
    notes += "NCryptCreatePersistedKey/NCryptFinalizeKey(RSA) failed; ";
    if (other != 0) NCryptFreeObject(other);
    other = 0;
  }

  ScopedKeyStore none(std::nullopt);  // the KSP is the only possible source
  NCRYPT_PROV_HANDLE provider = 0;
  ASSERT_EQ(SslOpenProvider(&provider, W(u"OpenSSLP Protocol Provider"), 0), 0);
  const std::size_t live_before = HandleTable::Global().LiveCount();
  struct Case {
    const char* cert;
    std::wstring container;
    const wchar_t* ksp_name;
    bool may_sign;  // the certificate's own key: the KSP backend may use it
    SECURITY_STATUS deferred;
  };
  const Case cases[] = {
      {"rsa2048", own_name, MS_KEY_STORAGE_PROVIDER, true, NTE_NOT_FOUND},
      {"rsa2048", other_name, MS_KEY_STORAGE_PROVIDER, false, NTE_NOT_FOUND},
      {"rsa3072", own_name, MS_KEY_STORAGE_PROVIDER, false, NTE_NOT_FOUND},
      {"p256", own_name, MS_KEY_STORAGE_PROVIDER, false, NTE_NOT_FOUND},
      {"rsa2048", L"opensslp-test-no-such-key", MS_KEY_STORAGE_PROVIDER, false, NTE_NOT_FOUND},
      {"rsa2048", own_name, L"opensslp test: no such key storage provider", false, NTE_NOT_FOUND},
      {"rsa512", own_name, MS_KEY_STORAGE_PROVIDER, false, NTE_NOT_SUPPORTED},
  };
  int signed_through_ksp = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.cert) + " -> " + Utf16ToAscii(std::u16string(c.container.begin(), c.container.end())));
    PCCERT_CONTEXT ctx = CreateContext(CertDer(c.cert));
    ASSERT_NE(ctx, nullptr);
    CRYPT_KEY_PROV_INFO info = {};
    info.pwszContainerName = const_cast<wchar_t*>(c.container.c_str());
    info.pwszProvName = const_cast<wchar_t*>(c.ksp_name);
    info.dwProvType = 0;  // 0 = a CNG key storage provider
    info.dwKeySpec = 0;
    ASSERT_TRUE(CertSetCertificateContextProperty(ctx, CERT_KEY_PROV_INFO_PROP_ID, 0, &info)) << GetLastError();
    NCRYPT_KEY_HANDLE key = 0;
    ASSERT_EQ(SslOpenPrivateKey(provider, &key, ctx, NCRYPT_SILENT_FLAG), 0) << "the open must never fail";
    bool usable = false;
    {
      auto object = HandleTable::Global().Lookup<PrivateKey>(static_cast<Handle>(key));
      if (object.ok()) {
        usable = true;
        EXPECT_STREQ(object.value()->backend().Name(), "ksp");
      }
    }
    if (usable) {
      EXPECT_TRUE(c.may_sign) << "only the certificate's own KSP key may be used";
      std::vector<std::uint8_t> digest(32, 1), sig(512);
      DWORD len = 0;
      EXPECT_EQ(SslSignHash(provider, key, digest.data(), 32, sig.data(), 512, &len, NCRYPT_SSL_SIGN_USE_PSS_PADDING),
                0);
      EXPECT_EQ(SslVerifySignature(provider, key, digest.data(), 32, sig.data(), len, NCRYPT_SSL_SIGN_USE_PSS_PADDING),
                0);
      EXPECT_EQ(SslFreeObject(key, 0), 0);
      ++signed_through_ksp;
    } else {
      EXPECT_TRUE(HandleTable::Global().Lookup<DeferredPrivateKey>(static_cast<Handle>(key)).ok());
      EXPECT_EQ(FirstUse(provider, key), c.deferred);
    }
    CertFreeCertificateContext(ctx);
  }
  EXPECT_EQ(HandleTable::Global().LiveCount(), live_before);
  SslFreeObject(provider, 0);
  if (own != 0) NCryptDeleteKey(own, 0);
  if (other != 0) NCryptDeleteKey(other, 0);
  NCryptFreeObject(ksp);
  ossl::ClearErrorQueue();
  if (signed_through_ksp == 0) notes += "the certificate's own KSP key was not handed over by crypt32 (deferred); ";
  if (!notes.empty()) std::cout << "[ WindowsKsp ] notes: " << notes << std::endl;
}
#endif  // _WIN32

}  // namespace
}  // namespace opensslp
