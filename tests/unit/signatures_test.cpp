// signatures_test.cpp - SslSignHash and SslVerifySignature with keys from SslOpenPrivateKey (key
// store fixtures in tests/data/keystore), checked INDEPENDENTLY with OpenSSL: RSA PKCS#1 v1.5 is
// deterministic, so our signatures must equal OpenSSL's own EVP_PKEY_sign output byte for byte;
// raw (no-DigestInfo) signatures must recover to the input with EVP_PKEY_verify_recover; PSS and
// ECDSA (raw r||s converted to DER here with ECDSA_SIG) must pass EVP_PKEY_verify with the
// certificate's public key. Then the "safety" section: every argument of SslOpenPrivateKey,
// SslSignHash and SslVerifySignature, bad and hostile.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/keys.h"
#include "core/private_key.h"
#include "handles/handle_table.h"
#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/bytes.h"
#include "support/cert_support.h"
#include "support/env_support.h"
#include "support/wide.h"

namespace opensslp {
namespace {

using test::ByteVec;
using test::CertContext;
using test::ReadAll;
const std::string kStoreDir = test::KeyStoreDir();

const EVP_MD* Md(const std::string& name) { return EVP_get_digestbyname(name.c_str()); }

ByteVec Digest(const std::string& md_name, const std::string& msg) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EXPECT_EQ(EVP_Digest(msg.data(), msg.size(), out, &len, Md(md_name), nullptr), 1);
  return ByteVec(out, out + len);
}

// "<UTF-16LE CNG id>\0" || digest: the NCRYPT_SSL_SIGN_INCLUDE_HASHOID input.
ByteVec Prefixed(const std::string& id, const ByteVec& digest) {
  ByteVec out;
  for (char c : id) {
    out.push_back(static_cast<std::uint8_t>(c));
    out.push_back(0);
  }
  out.push_back(0);
  out.push_back(0);
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

ByteVec RawToDer(const ByteVec& raw) {
  ECDSA_SIG* s = ECDSA_SIG_new();
  const std::size_t half = raw.size() / 2;
  ECDSA_SIG_set0(s, BN_bin2bn(raw.data(), static_cast<int>(half), nullptr),
                 BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr));
  unsigned char* out = nullptr;
  const int n = i2d_ECDSA_SIG(s, &out);
  ByteVec der(out, out + n);
  OPENSSL_free(out);
  ECDSA_SIG_free(s);
  return der;
}

ByteVec DerToRaw(const ByteVec& der, std::size_t half) {
  const unsigned char* p = der.data();
  ECDSA_SIG* s = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  ByteVec raw(2 * half);
  BN_bn2binpad(ECDSA_SIG_get0_r(s), raw.data(), static_cast<int>(half));
  BN_bn2binpad(ECDSA_SIG_get0_s(s), raw.data() + half, static_cast<int>(half));
  ECDSA_SIG_free(s);
  return raw;
}

struct Fixture {
  std::string name;
  ByteVec cert;
  EVP_PKEY* pub = nullptr;   // from the certificate
  EVP_PKEY* priv = nullptr;  // OpenSSL's own copy of the private key (keys/<name>.key)
  NCRYPT_KEY_HANDLE handle = 0;
  std::size_t sig_size = 0;
};

class SignaturesTest : public testing::Test {
 protected:
  void SetUp() override {
    store_.emplace(OPENSSLP_KEY_STORE_ENV, kStoreDir + "/dir");
    ASSERT_EQ(SslOpenProvider(&provider_, W(u"OpenSSLP Protocol Provider"), 0), 0);
    for (const char* name : {"rsa2048", "rsa3072", "p256", "p384", "p521"}) {
      Fixture f;
      f.name = name;
      f.cert = ReadAll(kStoreDir + "/certs/" + f.name + ".der");
      const unsigned char* p = f.cert.data();
      X509* x = d2i_X509(nullptr, &p, static_cast<long>(f.cert.size()));
      ASSERT_NE(x, nullptr);
      f.pub = X509_get_pubkey(x);
      X509_free(x);
      BIO* bio = BIO_new_file((kStoreDir + "/keys/" + f.name + ".key").c_str(), "r");
      ASSERT_NE(bio, nullptr);
      f.priv = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, const_cast<char*>(""));
      BIO_free(bio);
      ASSERT_NE(f.priv, nullptr);
      f.sig_size = EVP_PKEY_is_a(f.pub, "RSA") ? static_cast<std::size_t>(EVP_PKEY_get_size(f.pub))
                                               : 2 * ((static_cast<std::size_t>(EVP_PKEY_get_bits(f.pub)) + 7) / 8);
      CertContext ctx(f.cert);
      ASSERT_EQ(SslOpenPrivateKey(provider_, &f.handle, ctx.get(), 0), 0) << name;
      keys_[name] = f;
    }
  }
  void TearDown() override {
    for (auto& [name, f] : keys_) {
      SslFreeObject(f.handle, 0);
      EVP_PKEY_free(f.pub);
      EVP_PKEY_free(f.priv);
    }
    for (Handle h : extra_) (void)HandleTable::Global().Erase(h);
    SslFreeObject(provider_, 0);
    store_.reset();
  }

  ByteVec Sign(const Fixture& f, const ByteVec& input, DWORD flags, SECURITY_STATUS expect = 0) {
    ByteVec sig(f.sig_size + 16, 0xcc);
    DWORD len = 0xdeadbeef;
    EXPECT_EQ(SslSignHash(provider_, f.handle, const_cast<BYTE*>(input.data()), static_cast<DWORD>(input.size()),
                          sig.data(), static_cast<DWORD>(sig.size()), &len, flags),
              expect);
    if (expect != 0) {
      EXPECT_EQ(len, 0xdeadbeefu) << "no size reported on a failure";
      EXPECT_EQ(sig, ByteVec(f.sig_size + 16, 0xcc)) << "no partial output";
      return {};
    }
    EXPECT_EQ(len, f.sig_size);
    sig.resize(len);
    return sig;
  }

  SECURITY_STATUS Verify(NCRYPT_KEY_HANDLE key, const ByteVec& input, const ByteVec& sig, DWORD flags) {
    return SslVerifySignature(provider_, key, const_cast<BYTE*>(input.data()), static_cast<DWORD>(input.size()),
                              const_cast<BYTE*>(sig.data()), static_cast<DWORD>(sig.size()), flags);
  }

  // OpenSSL's own signature with the private key (no md = raw PKCS#1 input).
  ByteVec OpensslSign(EVP_PKEY* priv, const EVP_MD* md, const ByteVec& tbs) {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(priv, nullptr);
    EXPECT_EQ(EVP_PKEY_sign_init(ctx), 1);
    if (EVP_PKEY_is_a(priv, "RSA")) {
      EXPECT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
    }
    if (md != nullptr) {
      EXPECT_EQ(EVP_PKEY_CTX_set_signature_md(ctx, md), 1);
    }
    std::size_t len = 0;
    EXPECT_EQ(EVP_PKEY_sign(ctx, nullptr, &len, tbs.data(), tbs.size()), 1);
    ByteVec out(len);
    EXPECT_EQ(EVP_PKEY_sign(ctx, out.data(), &len, tbs.data(), tbs.size()), 1);
    out.resize(len);
    EVP_PKEY_CTX_free(ctx);
    return out;
  }

  int OpensslVerifyPss(EVP_PKEY* pub, const EVP_MD* md, const ByteVec& digest, const ByteVec& sig) {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pub, nullptr);
    EXPECT_EQ(EVP_PKEY_verify_init(ctx), 1);
    EXPECT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING), 1);
    EXPECT_EQ(EVP_PKEY_CTX_set_signature_md(ctx, md), 1);
    EXPECT_EQ(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md), 1);
    // An explicit salt length equal to the hash length (RFC 8446 §4.2.3), checked exactly.
    EXPECT_EQ(EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, EVP_MD_get_size(md)), 1);
    const int rc = EVP_PKEY_verify(ctx, sig.data(), sig.size(), digest.data(), digest.size());
    EVP_PKEY_CTX_free(ctx);
    return rc;
  }

  int OpensslVerifyEcdsa(EVP_PKEY* pub, const ByteVec& digest, const ByteVec& raw) {
    const ByteVec der = RawToDer(raw);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pub, nullptr);
    EXPECT_EQ(EVP_PKEY_verify_init(ctx), 1);
    const int rc = EVP_PKEY_verify(ctx, der.data(), der.size(), digest.data(), digest.size());
    EVP_PKEY_CTX_free(ctx);
    return rc;
  }

  NCRYPT_KEY_HANDLE InsertObject(std::shared_ptr<Object> object) {
    auto h = HandleTable::Global().Insert(std::move(object));
    EXPECT_TRUE(h.ok());
    extra_.push_back(h.value());
    return static_cast<NCRYPT_KEY_HANDLE>(h.value());
  }
  NCRYPT_KEY_HANDLE InsertPublicKey(EVP_PKEY* pkey) {
    EVP_PKEY_up_ref(pkey);
    return InsertObject(std::make_shared<PublicKey>(ossl::PKey(pkey), KeyDescription{u"X", 0, 0}));
  }

  NCRYPT_PROV_HANDLE provider_ = 0;
  std::map<std::string, Fixture> keys_;
  std::vector<Handle> extra_;
  std::optional<test::ScopedEnv> store_;
};

// ---- Signing, checked with OpenSSL -------------------------------------------------------------

TEST_F(SignaturesTest, RsaRawMd5Sha1HasNoDigestInfo) {
  for (const char* name : {"rsa2048", "rsa3072"}) {
    const Fixture& f = keys_[name];
    ByteVec input = Digest("MD5", "handshake messages");
    ByteVec sha1 = Digest("SHA1", "handshake messages");
    input.insert(input.end(), sha1.begin(), sha1.end());
    ASSERT_EQ(input.size(), 36u);
    const ByteVec sig = Sign(f, input, 0);
    // Recovering with the public key must give exactly the 36 bytes: no DigestInfo.
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(f.pub, nullptr);
    ASSERT_EQ(EVP_PKEY_verify_recover_init(ctx), 1);
    ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
    ByteVec recovered(f.sig_size);
    std::size_t len = recovered.size();
    ASSERT_EQ(EVP_PKEY_verify_recover(ctx, recovered.data(), &len, sig.data(), sig.size()), 1);
    EVP_PKEY_CTX_free(ctx);
    recovered.resize(len);
    EXPECT_EQ(recovered, input);
    EXPECT_EQ(sig, OpensslSign(f.priv, nullptr, input));
    EXPECT_EQ(Verify(f.handle, input, sig, 0), 0);
  }
}

TEST_F(SignaturesTest, RsaRawInputUpToKMinus11) {
  const Fixture& f = keys_["rsa2048"];
  const ByteVec longest(f.sig_size - 11, 0x42);
  const ByteVec sig = Sign(f, longest, 0);
  EXPECT_EQ(sig, OpensslSign(f.priv, nullptr, longest));
  Sign(f, ByteVec(f.sig_size - 10, 0x42), 0, NTE_INVALID_PARAMETER);
  Sign(f, ByteVec(1, 0x42), 0);
}

TEST_F(SignaturesTest, RsaPkcs1WithHashOidEqualsOpenssl) {
  // MD5 is refused (RFC 9155; RsaMd5DigestInfoIsRefused below); SHA-1 is still signed for TLS 1.2.
  const std::pair<const char*, const char*> hashes[] = {
      {"SHA1", "SHA1"}, {"SHA256", "SHA256"}, {"SHA384", "SHA384"}, {"SHA512", "SHA512"}};
  for (const char* name : {"rsa2048", "rsa3072"}) {
    const Fixture& f = keys_[name];
    for (const auto& [cng, ossl_name] : hashes) {
      SCOPED_TRACE(std::string(name) + " " + cng);
      const ByteVec digest = Digest(ossl_name, "server key exchange params");
      const ByteVec sig = Sign(f, Prefixed(cng, digest), NCRYPT_SSL_SIGN_INCLUDE_HASHOID);
      EXPECT_EQ(sig, OpensslSign(f.priv, Md(ossl_name), digest));  // deterministic: equal bytes
      EXPECT_EQ(Verify(f.handle, Prefixed(cng, digest), sig, NCRYPT_SSL_SIGN_INCLUDE_HASHOID), 0);
    }
  }
  // CNG compares algorithm ids case-insensitively.
  const Fixture& f = keys_["rsa2048"];
  const ByteVec digest = Digest("SHA256", "x");
  EXPECT_EQ(Sign(f, Prefixed("sha256", digest), NCRYPT_SSL_SIGN_INCLUDE_HASHOID),
            OpensslSign(f.priv, Md("SHA256"), digest));
}

// RFC 9155: no MD5 signature hashes in TLS 1.2. Signing an MD5 DigestInfo is refused, and so is
// verifying one: the expected signature here is OpenSSL's own (valid) PKCS#1 v1.5 MD5 signature,
// which OpenSSL itself verifies, yet SslVerifySignature must not accept it.
TEST_F(SignaturesTest, RsaMd5DigestInfoIsRefused) {
  const DWORD oid = NCRYPT_SSL_SIGN_INCLUDE_HASHOID;
  for (const char* name : {"rsa2048", "rsa3072"}) {
    SCOPED_TRACE(name);
    const Fixture& f = keys_[name];
    const ByteVec digest = Digest("MD5", "server key exchange params");
    ASSERT_EQ(digest.size(), 16u);
    Sign(f, Prefixed("MD5", digest), oid, NTE_NOT_SUPPORTED);
    Sign(f, Prefixed("md5", digest), oid, NTE_NOT_SUPPORTED);          // any case
    Sign(f, Prefixed("MD5", ByteVec(20, 1)), oid, NTE_NOT_SUPPORTED);  // refused before the length check
    Sign(f, Prefixed("MD5", digest), NCRYPT_SSL_SIGN_USE_PSS_PADDING, NTE_NOT_SUPPORTED);
    const ByteVec md5_sig = OpensslSign(f.priv, Md("MD5"), digest);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(f.pub, nullptr);
    ASSERT_EQ(EVP_PKEY_verify_init(ctx), 1);
    ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
    ASSERT_EQ(EVP_PKEY_CTX_set_signature_md(ctx, Md("MD5")), 1);
    EXPECT_EQ(EVP_PKEY_verify(ctx, md5_sig.data(), md5_sig.size(), digest.data(), digest.size()), 1);
    EVP_PKEY_CTX_free(ctx);
    EXPECT_EQ(Verify(f.handle, Prefixed("MD5", digest), md5_sig, oid), NTE_NOT_SUPPORTED);
    const NCRYPT_KEY_HANDLE pub = InsertPublicKey(f.pub);
    EXPECT_EQ(Verify(pub, Prefixed("MD5", digest), md5_sig, oid), NTE_NOT_SUPPORTED);
    // SHA-1 DigestInfo signatures (rsa_pkcs1_sha1, still negotiated by TLS 1.2 peers) remain.
    const ByteVec sha1 = Digest("SHA1", "server key exchange params");
    EXPECT_EQ(Verify(pub, Prefixed("SHA1", sha1), OpensslSign(f.priv, Md("SHA1"), sha1), oid), 0);
  }
}

// Certificate keys: RSA of 1024 to 16384 bits (as RSA public-key import), EC on P-256/384/521.
// The keys here are made by OpenSSL; the 512-bit certificate is a key-store fixture.
TEST(SignaturePolicy, RsaKeySizeBounds) {
  for (const std::size_t bits : {std::size_t{1024}, std::size_t{1023}, std::size_t{1030}}) {
    SCOPED_TRACE(bits);
    EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits);
    ASSERT_NE(pkey, nullptr);
    const auto info = ossl::InspectKey(ossl::PKey(pkey));
    if (bits < 1024) {
      ASSERT_FALSE(info.ok());
      EXPECT_EQ(info.error(), Error::kNotSupported);
    } else {
      ASSERT_TRUE(info.ok());
      EXPECT_EQ(info.value().bits, bits);
      EXPECT_EQ(info.value().signature_size, (bits + 7) / 8);
    }
  }
  const auto rsa512 = ParseCertificateKey(test::FixtureCertDer("rsa512"));
  ASSERT_FALSE(rsa512.ok());
  EXPECT_EQ(rsa512.error(), Error::kNotSupported);
}

// The EC facts come from base/groups.h; OpenSSL's EC_GROUP_order_bits and the curve's NIST name
// are the independent side.
TEST(SignaturePolicy, EcCurvesFromTheGroupTable) {
  const struct {
    const char* curve;
    std::uint32_t iana, bits;
    std::size_t signature_size;
  } cases[] = {{"P-256", 23, 256, 64}, {"P-384", 24, 384, 96}, {"P-521", 25, 521, 132}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.curve);
    EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", c.curve);
    ASSERT_NE(pkey, nullptr);
    const auto info = ossl::InspectKey(ossl::PKey(pkey));
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info.value().family, ossl::KeyFamily::kEc);
    EXPECT_EQ(info.value().group, c.iana);
    EXPECT_EQ(info.value().bits, c.bits);
    EXPECT_EQ(info.value().signature_size, c.signature_size);
  }
  for (const char* other : {"secp256k1", "brainpoolP256r1", "secp224r1"}) {
    SCOPED_TRACE(other);
    EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", other);
    ASSERT_NE(pkey, nullptr);
    const auto info = ossl::InspectKey(ossl::PKey(pkey));
    ASSERT_FALSE(info.ok());
    EXPECT_EQ(info.error(), Error::kNotSupported);
  }
}

TEST_F(SignaturesTest, RsaPssSaltEqualsHashLength) {
  for (const char* name : {"rsa2048", "rsa3072"}) {
    const Fixture& f = keys_[name];
    for (const char* hash : {"SHA256", "SHA384", "SHA512"}) {
      SCOPED_TRACE(std::string(name) + " " + hash);
      const ByteVec digest = Digest(hash, "certificate verify");
      const ByteVec bare = Sign(f, digest, NCRYPT_SSL_SIGN_USE_PSS_PADDING);
      const ByteVec prefixed = Sign(f, Prefixed(hash, digest), NCRYPT_SSL_SIGN_USE_PSS_PADDING);
      EXPECT_EQ(OpensslVerifyPss(f.pub, Md(hash), digest, bare), 1);
      EXPECT_EQ(OpensslVerifyPss(f.pub, Md(hash), digest, prefixed), 1);
      EXPECT_NE(bare, prefixed);  // random salt
      EXPECT_EQ(Verify(f.handle, digest, prefixed, NCRYPT_SSL_SIGN_USE_PSS_PADDING), 0);
      EXPECT_EQ(Verify(f.handle, Prefixed(hash, digest), bare, NCRYPT_SSL_SIGN_USE_PSS_PADDING), 0);
      // A PSS signature is not a PKCS#1 v1.5 one.
      EXPECT_EQ(Verify(f.handle, Prefixed(hash, digest), bare, NCRYPT_SSL_SIGN_INCLUDE_HASHOID), NTE_BAD_SIGNATURE);
    }
  }
}

TEST_F(SignaturesTest, EcdsaRawRS) {
  const std::pair<const char*, const char*> cases[] = {{"p256", "SHA256"}, {"p384", "SHA384"}, {"p521", "SHA512"},
                                                       {"p256", "SHA1"},   {"p521", "SHA256"}, {"p384", "SHA512"}};
  for (const auto& [name, hash] : cases) {
    SCOPED_TRACE(std::string(name) + " " + hash);
    const Fixture& f = keys_[name];
    const ByteVec digest = Digest(hash, "ecdhe params");
    const ByteVec sig = Sign(f, digest, 0);
    ASSERT_EQ(sig.size(), f.sig_size);  // 64 / 96 / 132
    EXPECT_EQ(OpensslVerifyEcdsa(f.pub, digest, sig), 1);
    EXPECT_EQ(Verify(f.handle, digest, sig, 0), 0);
    // An OpenSSL-made signature, converted to raw r||s, verifies; its DER form does not.
    const ByteVec der = OpensslSign(f.priv, nullptr, digest);
    EXPECT_EQ(Verify(f.handle, digest, DerToRaw(der, f.sig_size / 2), 0), 0);
    EXPECT_EQ(Verify(f.handle, digest, der, 0), NTE_BAD_SIGNATURE);
  }
}

TEST_F(SignaturesTest, VerifyWithPublicKeyObjectAndTampering) {
  for (auto& [name, f] : keys_) {
    SCOPED_TRACE(name);
    const bool rsa = EVP_PKEY_is_a(f.pub, "RSA");
    const ByteVec digest = Digest("SHA256", "transcript");
    const ByteVec input = rsa ? Prefixed("SHA256", digest) : digest;
    const DWORD flags = rsa ? NCRYPT_SSL_SIGN_INCLUDE_HASHOID : 0;
    ByteVec sig = Sign(f, input, flags);
    const NCRYPT_KEY_HANDLE pub = InsertPublicKey(f.pub);
    EXPECT_EQ(Verify(pub, input, sig, flags), 0);
    ByteVec other_digest = digest;
    other_digest[0] ^= 1;
    EXPECT_EQ(Verify(pub, rsa ? Prefixed("SHA256", other_digest) : other_digest, sig, flags), NTE_BAD_SIGNATURE);
    for (std::size_t i : {std::size_t{0}, sig.size() / 2, sig.size() - 1}) {
      ByteVec bad = sig;
      bad[i] ^= 0x01;
      EXPECT_EQ(Verify(pub, input, bad, flags), NTE_BAD_SIGNATURE);
      EXPECT_EQ(Verify(f.handle, input, bad, flags), NTE_BAD_SIGNATURE);
    }
  }
}

TEST_F(SignaturesTest, SizeQueryAndBufferTooSmall) {
  for (auto& [name, f] : keys_) {
    SCOPED_TRACE(name);
    const bool rsa = EVP_PKEY_is_a(f.pub, "RSA");
    const ByteVec input(rsa ? 36 : 32, 0x11);
    DWORD len = 0;
    EXPECT_EQ(SslSignHash(provider_, f.handle, const_cast<BYTE*>(input.data()), static_cast<DWORD>(input.size()),
                          nullptr, 0, &len, 0),
              0);
    EXPECT_EQ(len, f.sig_size);
    ByteVec small(f.sig_size - 1, 0xcc);
    len = 0;
    EXPECT_EQ(SslSignHash(provider_, f.handle, const_cast<BYTE*>(input.data()), static_cast<DWORD>(input.size()),
                          small.data(), static_cast<DWORD>(small.size()), &len, 0),
              NTE_BUFFER_TOO_SMALL);
    EXPECT_EQ(len, f.sig_size);
    EXPECT_EQ(small, ByteVec(f.sig_size - 1, 0xcc));
    len = 0;
    EXPECT_EQ(SslSignHash(provider_, f.handle, const_cast<BYTE*>(input.data()), static_cast<DWORD>(input.size()),
                          small.data(), 0, &len, 0),
              NTE_BUFFER_TOO_SMALL);
    EXPECT_EQ(len, f.sig_size);
  }
}

TEST_F(SignaturesTest, KeyPropertiesOfPrivateKeys) {
  const struct {
    const char* name;
    const char16_t* algorithm;
    DWORD bits, key_type;
  } expected[] = {{"rsa2048", u"RSA", 2048, 0},
                  {"rsa3072", u"RSA", 3072, 0},
                  {"p256", u"ECDSA", 256, 23},
                  {"p384", u"ECDSA", 384, 24},
                  {"p521", u"ECDSA", 521, 25}};
  for (const auto& e : expected) {
    SCOPED_TRACE(e.name);
    const NCRYPT_KEY_HANDLE h = keys_[e.name].handle;
    PBYTE out = nullptr;
    DWORD len = 0;
    ASSERT_EQ(SslGetKeyProperty(h, W(u"Algorithm Name"), &out, &len, 0), 0);
    EXPECT_EQ(ToU16(reinterpret_cast<const WCHAR*>(out)), e.algorithm);
    SslFreeBuffer(out);
    ASSERT_EQ(SslGetKeyProperty(h, W(u"KEYTYPE"), &out, &len, 0), 0);
    ASSERT_EQ(len, 4u);
    EXPECT_EQ(*reinterpret_cast<DWORD*>(out), e.key_type);
    SslFreeBuffer(out);
    ASSERT_EQ(SslGetKeyProperty(h, W(u"Length"), &out, &len, 0), 0);
    EXPECT_EQ(*reinterpret_cast<DWORD*>(out), e.bits);
    SslFreeBuffer(out);
  }
}

// ---- Safety: SslOpenPrivateKey -----------------------------------------------------------------

TEST_F(SignaturesTest, SafetyOpenPrivateKeyArguments) {
  Fixture& f = keys_["p256"];
  CertContext real(f.cert);
  // Copies of the fields in plain structs, each made invalid (refused before any crypt32 call).
  const CERT_CONTEXT ctx = *real.get();
  NCRYPT_KEY_HANDLE key = 0;
  EXPECT_EQ(SslOpenPrivateKey(0, &key, real.get(), 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslOpenPrivateKey(f.handle, &key, real.get(), 0), NTE_INVALID_HANDLE);  // a key as provider
  NCRYPT_PROV_HANDLE stale = 0;
  ASSERT_EQ(SslOpenProvider(&stale, nullptr, 0), 0);
  ASSERT_EQ(SslFreeObject(stale, 0), 0);
  EXPECT_EQ(SslOpenPrivateKey(stale, &key, real.get(), 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslOpenPrivateKey(provider_, nullptr, real.get(), 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslOpenPrivateKey(provider_, &key, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslOpenPrivateKey(provider_, &key, real.get(), 1), NTE_BAD_FLAGS);
  EXPECT_EQ(SslOpenPrivateKey(provider_, &key, real.get(), 0x80000000u), NTE_BAD_FLAGS);
  EXPECT_EQ(SslOpenPrivateKey(provider_, &key, real.get(), NCRYPT_SILENT_FLAG | 1), NTE_BAD_FLAGS);
  EXPECT_EQ(SslOpenPrivateKey(provider_, &key, real.get(), 0x20), NTE_BAD_FLAGS);
  // NCRYPT_SILENT_FLAG does not make a bad argument acceptable.
  EXPECT_EQ(SslOpenPrivateKey(provider_, nullptr, real.get(), NCRYPT_SILENT_FLAG), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslOpenPrivateKey(stale, &key, real.get(), NCRYPT_SILENT_FLAG), NTE_INVALID_HANDLE);
  EXPECT_EQ(key, 0u) << "no handle on failure";
  CERT_CONTEXT c = ctx;
  c.dwCertEncodingType = PKCS_7_ASN_ENCODING;
  EXPECT_EQ(SslOpenPrivateKey(provider_, &key, &c, 0), NTE_INVALID_PARAMETER);
  c = ctx;
  c.pbCertEncoded = nullptr;
  EXPECT_EQ(SslOpenPrivateKey(provider_, &key, &c, 0), NTE_INVALID_PARAMETER);
  c = ctx;
  c.cbCertEncoded = 0;
  EXPECT_EQ(SslOpenPrivateKey(provider_, &key, &c, 0), NTE_INVALID_PARAMETER);
  ByteVec huge(2u << 20, 0);  // a real 2 MiB buffer starting with the certificate
  std::copy(f.cert.begin(), f.cert.end(), huge.begin());
  c = ctx;
  c.pbCertEncoded = huge.data();
  c.cbCertEncoded = static_cast<DWORD>(huge.size());
  EXPECT_EQ(SslOpenPrivateKey(provider_, &key, &c, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(key, 0u);
  // Bytes that are not one DER certificate are not an argument error but content: the open
  // succeeds with a deferred key whose first use is NTE_INVALID_PARAMETER
  // (docs/windows.md#deferred-private-keys).
  for (DWORD length : {static_cast<DWORD>(f.cert.size() + 1), DWORD{1}}) {  // trailing zero byte; one byte
    SCOPED_TRACE(length);
    c.cbCertEncoded = length;
    ASSERT_EQ(SslOpenPrivateKey(provider_, &key, &c, 0), 0);
    ByteVec digest(32, 1);
    DWORD len = 0;
    EXPECT_EQ(SslSignHash(provider_, key, digest.data(), 32, nullptr, 0, &len, 0), NTE_INVALID_PARAMETER);
    EXPECT_EQ(SslFreeObject(key, 0), 0);
    key = 0;
  }
}

// ---- Safety: SslSignHash -----------------------------------------------------------------------

TEST_F(SignaturesTest, SafetySignHashHandles) {
  Fixture& f = keys_["rsa2048"];
  ByteVec input(36, 1), sig(512);
  DWORD len = 0;
  auto sign = [&](NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE key) {
    return SslSignHash(prov, key, input.data(), 36, sig.data(), static_cast<DWORD>(sig.size()), &len, 0);
  };
  EXPECT_EQ(sign(provider_, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(sign(provider_, provider_), NTE_INVALID_HANDLE);               // provider as key
  EXPECT_EQ(sign(provider_, InsertPublicKey(f.pub)), NTE_INVALID_HANDLE);  // public key cannot sign
  EVP_PKEY* x25519 = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
  ASSERT_NE(x25519, nullptr);
  const NCRYPT_KEY_HANDLE eph =
      InsertObject(std::make_shared<EphemeralKey>(ossl::PKey(x25519), KeyDescription{u"ECDH", 253, 29}, 0x0303, 0));
  EXPECT_EQ(sign(provider_, eph), NTE_INVALID_HANDLE);
  EXPECT_EQ(sign(0, f.handle), NTE_INVALID_HANDLE);
  EXPECT_EQ(sign(f.handle, f.handle), NTE_INVALID_HANDLE);  // key as provider
  // A freed private key.
  NCRYPT_KEY_HANDLE freed = 0;
  CertContext ctx(f.cert);
  ASSERT_EQ(SslOpenPrivateKey(provider_, &freed, ctx.get(), 0), 0);
  EXPECT_EQ(sign(provider_, freed), 0);
  ASSERT_EQ(SslFreeObject(freed, 0), 0);
  EXPECT_EQ(sign(provider_, freed), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslFreeObject(freed, 0), NTE_INVALID_HANDLE);
}

TEST_F(SignaturesTest, SafetySignHashBuffersAndFlags) {
  Fixture& rsa = keys_["rsa2048"];
  Fixture& ec = keys_["p256"];
  ByteVec input(36, 1), sig(512);
  DWORD len = 0;
  EXPECT_EQ(SslSignHash(provider_, rsa.handle, nullptr, 36, sig.data(), 512, &len, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslSignHash(provider_, rsa.handle, input.data(), 0, sig.data(), 512, &len, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslSignHash(provider_, rsa.handle, nullptr, 0, sig.data(), 512, &len, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslSignHash(provider_, rsa.handle, input.data(), 36, sig.data(), 512, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslSignHash(provider_, rsa.handle, input.data(), 36, nullptr, 0, nullptr, 0), NTE_INVALID_PARAMETER);
  ByteVec oversize(5000, 1);
  Sign(rsa, oversize, 0, NTE_INVALID_PARAMETER);
  Sign(ec, oversize, 0, NTE_INVALID_PARAMETER);
  Sign(ec, ByteVec(65, 1), 0, NTE_INVALID_PARAMETER);
  Sign(ec, ByteVec(64, 1), 0);
  for (DWORD flags : {4u, 8u, 0x100u, 0x80000000u, 0xffffffffu, 3u}) {
    Sign(rsa, Prefixed("SHA256", ByteVec(32, 1)), flags, NTE_BAD_FLAGS);
    Sign(ec, ByteVec(32, 1), flags, NTE_BAD_FLAGS);
  }
  Sign(ec, Prefixed("SHA256", ByteVec(32, 1)), NCRYPT_SSL_SIGN_INCLUDE_HASHOID, NTE_BAD_FLAGS);
  Sign(ec, ByteVec(32, 1), NCRYPT_SSL_SIGN_USE_PSS_PADDING, NTE_BAD_FLAGS);
}

TEST_F(SignaturesTest, SafetyHashIdPrefixes) {
  Fixture& f = keys_["rsa2048"];
  const DWORD oid = NCRYPT_SSL_SIGN_INCLUDE_HASHOID;
  const DWORD pss = NCRYPT_SSL_SIGN_USE_PSS_PADDING;
  const ByteVec d32(32, 7);
  ByteVec unterminated = {'S', 0, 'H', 0, 'A', 0, '2', 0, '5', 0, '6', 0};
  Sign(f, unterminated, oid, NTE_INVALID_PARAMETER);
  Sign(f, ByteVec{'S'}, oid, NTE_INVALID_PARAMETER);
  ByteVec odd = {'S', 0, 'H', 0, 'A'};  // ends inside a code unit
  Sign(f, odd, oid, NTE_INVALID_PARAMETER);
  ByteVec empty_name = {0, 0};
  empty_name.insert(empty_name.end(), d32.begin(), d32.end());
  Sign(f, empty_name, oid, NTE_INVALID_PARAMETER);
  Sign(f, Prefixed(std::string(40, 'A'), d32), oid, NTE_INVALID_PARAMETER);  // absurdly long id
  Sign(f, Prefixed("SHA224", ByteVec(28, 7)), oid, NTE_NOT_SUPPORTED);
  Sign(f, Prefixed("MD4", ByteVec(16, 7)), oid, NTE_NOT_SUPPORTED);
  Sign(f, Prefixed("SHA3-256", d32), oid, NTE_NOT_SUPPORTED);
  ByteVec non_ascii = {0xe9, 0x00, 0, 0};  // U+00E9
  non_ascii.insert(non_ascii.end(), d32.begin(), d32.end());
  Sign(f, non_ascii, oid, NTE_NOT_SUPPORTED);
  Sign(f, Prefixed("SHA256", ByteVec(31, 7)), oid, NTE_INVALID_PARAMETER);
  Sign(f, Prefixed("SHA256", ByteVec(33, 7)), oid, NTE_INVALID_PARAMETER);
  Sign(f, Prefixed("SHA256", {}), oid, NTE_INVALID_PARAMETER);
  Sign(f, Prefixed("SHA1", d32), oid, NTE_INVALID_PARAMETER);
  Sign(f, d32, oid, NTE_INVALID_PARAMETER);  // no prefix at all
  // PSS: only SHA-256/384/512, bare digests only of those lengths.
  Sign(f, Prefixed("SHA1", ByteVec(20, 7)), pss, NTE_NOT_SUPPORTED);
  Sign(f, Prefixed("MD5", ByteVec(16, 7)), pss, NTE_NOT_SUPPORTED);
  Sign(f, ByteVec(20, 7), pss, NTE_INVALID_PARAMETER);
  Sign(f, ByteVec(36, 7), pss, NTE_INVALID_PARAMETER);
  Sign(f, Prefixed("SHA384", d32), pss, NTE_INVALID_PARAMETER);
}

// ---- Safety: SslVerifySignature ----------------------------------------------------------------

TEST_F(SignaturesTest, SafetyVerifyHandlesAndBuffers) {
  Fixture& f = keys_["p256"];
  const ByteVec digest(32, 3);
  const ByteVec sig = Sign(f, digest, 0);
  ByteVec d = digest, s = sig;
  EXPECT_EQ(Verify(f.handle, digest, sig, 0), 0);
  EXPECT_EQ(SslVerifySignature(0, f.handle, d.data(), 32, s.data(), 64, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslVerifySignature(f.handle, f.handle, d.data(), 32, s.data(), 64, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(Verify(0, digest, sig, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(Verify(provider_, digest, sig, 0), NTE_INVALID_HANDLE);
  EVP_PKEY* x25519 = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
  const NCRYPT_KEY_HANDLE eph =
      InsertObject(std::make_shared<EphemeralKey>(ossl::PKey(x25519), KeyDescription{u"ECDH", 253, 29}, 0x0303, 0));
  EXPECT_EQ(Verify(eph, digest, sig, 0), NTE_INVALID_HANDLE);
  EVP_PKEY* x2 = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
  const NCRYPT_KEY_HANDLE x_pub =
      InsertObject(std::make_shared<PublicKey>(ossl::PKey(x2), KeyDescription{u"ECDH", 253, 29}));
  EXPECT_EQ(Verify(x_pub, digest, sig, 0), NTE_NOT_SUPPORTED);  // cannot sign, so cannot verify
  const NCRYPT_KEY_HANDLE pub = InsertPublicKey(f.pub);
  EXPECT_EQ(Verify(pub, digest, sig, 0), 0);
  ASSERT_TRUE(HandleTable::Global().Erase(static_cast<Handle>(pub)).ok());
  EXPECT_EQ(Verify(pub, digest, sig, 0), NTE_INVALID_HANDLE);  // stale
  EXPECT_EQ(SslVerifySignature(provider_, f.handle, nullptr, 32, s.data(), 64, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslVerifySignature(provider_, f.handle, d.data(), 0, s.data(), 64, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslVerifySignature(provider_, f.handle, d.data(), 32, nullptr, 64, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslVerifySignature(provider_, f.handle, d.data(), 32, s.data(), 0, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslVerifySignature(provider_, f.handle, d.data(), 32, nullptr, 0, 0), NTE_INVALID_PARAMETER);
  for (DWORD flags : {1u, 2u, 3u, 4u, 0x80000000u}) EXPECT_EQ(Verify(f.handle, digest, sig, flags), NTE_BAD_FLAGS);
  ByteVec oversize(5000, 1);
  EXPECT_EQ(Verify(f.handle, oversize, sig, 0), NTE_INVALID_PARAMETER);

  // The hash-id prefix rules are the same as SslSignHash's.
  Fixture& rsa = keys_["rsa2048"];
  const DWORD oid = NCRYPT_SSL_SIGN_INCLUDE_HASHOID;
  const ByteVec rsa_sig = Sign(rsa, Prefixed("SHA256", ByteVec(32, 5)), oid);
  EXPECT_EQ(Verify(rsa.handle, Prefixed("SHA256", ByteVec(32, 5)), rsa_sig, oid), 0);
  EXPECT_EQ(Verify(rsa.handle, ByteVec{'S', 0, 'H', 0, 'A', 0}, rsa_sig, oid), NTE_INVALID_PARAMETER);
  EXPECT_EQ(Verify(rsa.handle, ByteVec{'S', 0, 'H'}, rsa_sig, oid), NTE_INVALID_PARAMETER);
  EXPECT_EQ(Verify(rsa.handle, Prefixed("SHA224", ByteVec(28, 5)), rsa_sig, oid), NTE_NOT_SUPPORTED);
  EXPECT_EQ(Verify(rsa.handle, Prefixed("SHA256", ByteVec(31, 5)), rsa_sig, oid), NTE_INVALID_PARAMETER);
  EXPECT_EQ(Verify(rsa.handle, Prefixed("SHA256", ByteVec(32, 5)), rsa_sig, 3), NTE_BAD_FLAGS);
  EXPECT_EQ(Verify(rsa.handle, ByteVec(rsa.sig_size - 10, 5), rsa_sig, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(Verify(rsa.handle, ByteVec(20, 5), rsa_sig, NCRYPT_SSL_SIGN_USE_PSS_PADDING), NTE_INVALID_PARAMETER);
}

TEST_F(SignaturesTest, SafetyVerifyGarbageSignatures) {
  // ECDSA P-256: wrong lengths, r or s zero, r or s = n (the group order), all ones.
  Fixture& ec = keys_["p256"];
  const ByteVec digest(32, 9);
  const ByteVec good = Sign(ec, digest, 0);
  for (std::size_t n : {std::size_t{1}, std::size_t{63}, std::size_t{65}, std::size_t{128}, std::size_t{70000}}) {
    ByteVec bad(n, 0x01);
    std::copy(good.begin(), good.begin() + std::min(n, good.size()), bad.begin());
    EXPECT_EQ(Verify(ec.handle, digest, bad, 0), NTE_BAD_SIGNATURE) << n;
  }
  const ByteVec order = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
                         0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
                         0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
  auto join = [](const ByteVec& r, const ByteVec& s) {
    ByteVec out = r;
    out.insert(out.end(), s.begin(), s.end());
    return out;
  };
  const ByteVec r(good.begin(), good.begin() + 32), s(good.begin() + 32, good.end()), zero(32, 0), ones(32, 0xff);
  EXPECT_EQ(Verify(ec.handle, digest, join(zero, s), 0), NTE_BAD_SIGNATURE);
  EXPECT_EQ(Verify(ec.handle, digest, join(r, zero), 0), NTE_BAD_SIGNATURE);
  EXPECT_EQ(Verify(ec.handle, digest, join(zero, zero), 0), NTE_BAD_SIGNATURE);
  EXPECT_EQ(Verify(ec.handle, digest, join(order, s), 0), NTE_BAD_SIGNATURE);
  EXPECT_EQ(Verify(ec.handle, digest, join(r, order), 0), NTE_BAD_SIGNATURE);
  EXPECT_EQ(Verify(ec.handle, digest, join(ones, ones), 0), NTE_BAD_SIGNATURE);
  EXPECT_EQ(Verify(ec.handle, digest, join(s, r), 0), NTE_BAD_SIGNATURE);

  // RSA: wrong lengths, zero, >= n, all ones; for every scheme.
  Fixture& rsa = keys_["rsa2048"];
  const ByteVec d256(32, 9);
  const std::pair<ByteVec, DWORD> inputs[] = {{ByteVec(36, 9), 0},
                                              {Prefixed("SHA256", d256), NCRYPT_SSL_SIGN_INCLUDE_HASHOID},
                                              {d256, NCRYPT_SSL_SIGN_USE_PSS_PADDING}};
  for (const auto& [input, flags] : inputs) {
    const ByteVec sig = Sign(rsa, input, flags);
    EXPECT_EQ(Verify(rsa.handle, input, sig, flags), 0);
    for (std::size_t n : {std::size_t{1}, std::size_t{255}, std::size_t{257}, std::size_t{512}}) {
      ByteVec bad(n, 0);
      std::copy(sig.begin(), sig.begin() + std::min(n, sig.size()), bad.begin());
      EXPECT_EQ(Verify(rsa.handle, input, bad, flags), NTE_BAD_SIGNATURE) << n;
    }
    ByteVec leading_zero = {0};
    leading_zero.insert(leading_zero.end(), sig.begin(), sig.end());
    EXPECT_EQ(Verify(rsa.handle, input, leading_zero, flags), NTE_BAD_SIGNATURE);
    EXPECT_EQ(Verify(rsa.handle, input, ByteVec(256, 0), flags), NTE_BAD_SIGNATURE);
    EXPECT_EQ(Verify(rsa.handle, input, ByteVec(256, 0xff), flags), NTE_BAD_SIGNATURE);
    ByteVec one(256, 0);
    one.back() = 1;
    EXPECT_EQ(Verify(rsa.handle, input, one, flags), NTE_BAD_SIGNATURE);
  }
}

}  // namespace
}  // namespace opensslp
