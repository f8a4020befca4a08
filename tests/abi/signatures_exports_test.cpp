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

#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/bytes.h"
#include "support/cert_support.h"
#include "support/env_support.h"
#include "support/ossl_test_ptr.h"
#include "support/wide.h"

namespace {

using opensslp::test::ByteVec;
using opensslp::test::CertContext;
using opensslp::test::ReadAll;
const std::string kStoreDir = opensslp::test::KeyStoreDir();

class SignatureExports : public testing::Test {
 protected:
  void SetUp() override {
    store_.emplace(OPENSSLP_KEY_STORE_ENV, kStoreDir + "/dir");
    ASSERT_EQ(GetSChannelInterface(W(u"OpenSSLP Protocol Provider"), &table_, 0), 0);
    ASSERT_NE(table_, nullptr);
    ASSERT_EQ(table_->OpenProvider(&provider_, W(u"OpenSSLP Protocol Provider"), 0), 0);
  }
  void TearDown() override {
    table_->FreeObject(provider_, 0);
    store_.reset();
  }

  SECURITY_STATUS Open(const ByteVec& der, NCRYPT_KEY_HANDLE* key, DWORD flags = 0) {
    CertContext ctx(der);
    EXPECT_NE(ctx.get(), nullptr);
    return table_->OpenPrivateKey(provider_, key, ctx.get(), flags);
  }
  SECURITY_STATUS OpenPlain(const ByteVec& der, NCRYPT_KEY_HANDLE* key) {
    CERT_CONTEXT ctx = {X509_ASN_ENCODING, const_cast<BYTE*>(der.data()), static_cast<DWORD>(der.size()), nullptr,
                        nullptr};
    return table_->OpenPrivateKey(provider_, key, &ctx, 0);
  }

  // Opens the certificate's key (which must succeed: opensslp defers every failure that depends
  // on the certificate or its key, docs/windows.md#deferred-private-keys), returns the status of
  // its first use -- a signature size query -- and frees the handle.
  SECURITY_STATUS DeferredStatus(const ByteVec& der, DWORD flags) {
    NCRYPT_KEY_HANDLE key = 0;
    const SECURITY_STATUS open = Open(der, &key, flags);
    EXPECT_EQ(open, 0) << "SslOpenPrivateKey must not fail for a key it cannot use";
    if (open != 0) return open;
    EXPECT_NE(key, 0u);
    ByteVec digest(32, 3);
    DWORD len = 0;
    const SECURITY_STATUS use = table_->SignHash(provider_, key, digest.data(), 32, nullptr, 0, &len, 0);
    EXPECT_EQ(table_->FreeObject(key, 0), 0);
    return use;
  }

  NCRYPT_SSL_FUNCTION_TABLE* table_ = nullptr;
  NCRYPT_PROV_HANDLE provider_ = 0;
  std::optional<opensslp::test::ScopedEnv> store_;
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

// SslSignHash's TLS 1.2 RSA input with NCRYPT_SSL_SIGN_INCLUDE_HASHOID: the UTF-16 hash id
// "SHA256" with its NUL, then the SHA-256 digest of `message` (also returned in *digest).
ByteVec Sha256HashOidInput(std::string_view message, ByteVec* digest) {
  ByteVec input;
  for (char c : std::string("SHA256")) {
    input.push_back(static_cast<std::uint8_t>(c));
    input.push_back(0);
  }
  input.push_back(0);
  input.push_back(0);
  *digest = ByteVec(32);
  unsigned int n = 0;
  EXPECT_EQ(EVP_Digest(message.data(), message.size(), digest->data(), &n, EVP_sha256(), nullptr), 1);
  input.insert(input.end(), digest->begin(), digest->end());
  return input;
}

// OpenSSL's verdict on an RSA PKCS#1 v1.5 SHA-256 signature by the certificate's key.
bool OpensslVerifiesPkcs1Sha256(const ByteVec& cert, const ByteVec& sig, const ByteVec& digest) {
  opensslp::test::PkeyPtr pub(CertKey(cert));
  opensslp::test::PkeyCtxPtr ctx(EVP_PKEY_CTX_new(pub.get(), nullptr));
  return ctx != nullptr && EVP_PKEY_verify_init(ctx.get()) == 1 &&
         EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1 &&
         EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) == 1 &&
         EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), digest.data(), digest.size()) == 1;
}

TEST_F(SignatureExports, RsaTls12HashOidThroughExports) {
  const ByteVec cert = ReadAll(kStoreDir + "/certs/rsa2048.der");
  NCRYPT_KEY_HANDLE key = 0;
  ASSERT_EQ(Open(cert, &key), 0);
  ByteVec digest;
  ByteVec input = Sha256HashOidInput("abc", &digest);
  ByteVec sig(256);
  DWORD len = 0;
  ASSERT_EQ(SslSignHash(provider_, key, input.data(), static_cast<DWORD>(input.size()), sig.data(), 256, &len,
                        NCRYPT_SSL_SIGN_INCLUDE_HASHOID),
            0);
  EXPECT_TRUE(OpensslVerifiesPkcs1Sha256(cert, sig, digest));
  EXPECT_EQ(SslVerifySignature(provider_, key, input.data(), static_cast<DWORD>(input.size()), sig.data(), 256,
                               NCRYPT_SSL_SIGN_INCLUDE_HASHOID),
            0);
  EXPECT_EQ(SslFreeObject(key, 0), 0);
}

// Schannel opens every server certificate's key on every registered provider with
// NCRYPT_SILENT_FLAG (0x40) and fails the credential if one provider refuses
// (docs/reference/windows-loader.md): the flag opens the same key as 0, and the key signs. Before
// the fix this call returned NTE_BAD_FLAGS.
TEST_F(SignatureExports, OpenPrivateKeyAcceptsSchannelsSilentFlag) {
  // An RSA key opened with the flag signs a TLS 1.2 digest that OpenSSL verifies.
  const ByteVec cert = ReadAll(kStoreDir + "/certs/rsa2048.der");
  NCRYPT_KEY_HANDLE key = 0;
  ASSERT_EQ(Open(cert, &key, NCRYPT_SILENT_FLAG), 0);
  ASSERT_NE(key, 0u);
  ByteVec digest;
  ByteVec input = Sha256HashOidInput("silent", &digest);
  ByteVec sig(256);
  DWORD len = 0;
  ASSERT_EQ(SslSignHash(provider_, key, input.data(), static_cast<DWORD>(input.size()), sig.data(), 256, &len,
                        NCRYPT_SSL_SIGN_INCLUDE_HASHOID),
            0);
  ASSERT_EQ(len, 256u);
  EXPECT_TRUE(OpensslVerifiesPkcs1Sha256(cert, sig, digest));
  EXPECT_EQ(SslFreeObject(key, 0), 0);

  // An EC key opens with the flag as well.
  key = 0;
  ASSERT_EQ(Open(ReadAll(kStoreDir + "/certs/p256.der"), &key, NCRYPT_SILENT_FLAG), 0);
  EXPECT_EQ(SslFreeObject(key, 0), 0);

  // The same outcome with the flag as without it: the flag never changes which key is found. Keys
  // opensslp cannot use open as deferred keys whose first use fails (docs/windows.md).
  EXPECT_EQ(DeferredStatus(ReadAll(kStoreDir + "/certs/orphan.der"), NCRYPT_SILENT_FLAG), NTE_NOT_FOUND);
  EXPECT_EQ(DeferredStatus(ReadAll(kStoreDir + "/certs/mismatch.der"), NCRYPT_SILENT_FLAG), NTE_BAD_KEY);
  EXPECT_EQ(DeferredStatus(ReadAll(kStoreDir + "/certs/orphan.der"), 0), NTE_NOT_FOUND);
  EXPECT_EQ(DeferredStatus(ReadAll(kStoreDir + "/certs/mismatch.der"), 0), NTE_BAD_KEY);
}

TEST_F(SignatureExports, SafetyThroughExports) {
  const ByteVec cert = ReadAll(kStoreDir + "/certs/p256.der");
  NCRYPT_KEY_HANDLE key = 0;
  EXPECT_EQ(DeferredStatus(ReadAll(kStoreDir + "/certs/orphan.der"), 0), NTE_NOT_FOUND);
  EXPECT_EQ(DeferredStatus(ReadAll(kStoreDir + "/certs/mismatch.der"), 0), NTE_BAD_KEY);
  // Bytes that are not a certificate: deferred too (the failure depends on the content).
  ASSERT_EQ(OpenPlain(ByteVec(100, 0x30), &key), 0);
  ByteVec probe(32, 1);
  DWORD probe_len = 0;
  EXPECT_EQ(SslSignHash(provider_, key, probe.data(), 32, nullptr, 0, &probe_len, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslFreeObject(key, 0), 0);
  key = 0;
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

// Handles a caller can get wrong without internal APIs: a freed provider, a key of the wrong kind
// (an ephemeral ECDHE key, a provider handle), for all three exports.
TEST_F(SignatureExports, SafetyStaleProviderAndWrongKindKeys) {
  const ByteVec cert = ReadAll(kStoreDir + "/certs/p256.der");
  NCRYPT_KEY_HANDLE key = 0;
  ASSERT_EQ(Open(cert, &key), 0);
  ByteVec digest(32, 1), sig(64);
  DWORD len = 0;
  ASSERT_EQ(SslSignHash(provider_, key, digest.data(), 32, sig.data(), 64, &len, 0), 0);

  NCRYPT_PROV_HANDLE stale = 0;
  ASSERT_EQ(table_->OpenProvider(&stale, W(u"OpenSSLP Protocol Provider"), 0), 0);
  ASSERT_EQ(table_->FreeObject(stale, 0), 0);
  len = 0xdeadbeef;
  EXPECT_EQ(SslSignHash(stale, key, digest.data(), 32, sig.data(), 64, &len, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(len, 0xdeadbeefu);
  EXPECT_EQ(SslVerifySignature(stale, key, digest.data(), 32, sig.data(), 64, 0), NTE_INVALID_HANDLE);
  {
    CertContext ctx(cert);
    NCRYPT_KEY_HANDLE opened = 0;
    EXPECT_EQ(table_->OpenPrivateKey(stale, &opened, ctx.get(), 0), NTE_INVALID_HANDLE);
    EXPECT_EQ(SslOpenPrivateKey(stale, &opened, ctx.get(), 0), NTE_INVALID_HANDLE);
    EXPECT_EQ(opened, 0u);
  }

  // An ECDHE key on secp256r1 (key type 23) is a key, but not one that signs or verifies.
  NCRYPT_KEY_HANDLE eph = 0;
  ASSERT_EQ(SslCreateEphemeralKey(provider_, &eph, TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 23,
                                  256, nullptr, 0, 0),
            0);
  ByteVec untouched(64, 0xcc);
  len = 0xdeadbeef;
  EXPECT_EQ(SslSignHash(provider_, eph, digest.data(), 32, untouched.data(), 64, &len, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(untouched, ByteVec(64, 0xcc));
  EXPECT_EQ(len, 0xdeadbeefu);
  EXPECT_EQ(table_->SignHash(provider_, eph, digest.data(), 32, nullptr, 0, &len, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslVerifySignature(provider_, eph, digest.data(), 32, sig.data(), 64, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(table_->VerifySignature(provider_, eph, digest.data(), 32, sig.data(), 64, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslFreeObject(eph, 0), 0);

  // The provider handle where a key belongs; a private key where the provider belongs.
  EXPECT_EQ(table_->SignHash(provider_, provider_, digest.data(), 32, sig.data(), 64, &len, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(table_->VerifySignature(provider_, provider_, digest.data(), 32, sig.data(), 64, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslVerifySignature(key, key, digest.data(), 32, sig.data(), 64, 0), NTE_INVALID_HANDLE);

  EXPECT_EQ(SslVerifySignature(provider_, key, digest.data(), 32, sig.data(), 64, 0), 0);
  EXPECT_EQ(SslFreeObject(key, 0), 0);
}

// Lengths that overstate the caller's buffers must be refused from the length alone, before a
// byte is read (the sanitizer builds would report any read past these small buffers).
TEST_F(SignatureExports, SafetyOversizeLengthsAreRefusedBeforeReading) {
  for (const char* name : {"p256", "rsa2048"}) {
    SCOPED_TRACE(name);
    const bool rsa = std::string(name) == "rsa2048";
    NCRYPT_KEY_HANDLE key = 0;
    ASSERT_EQ(Open(ReadAll(kStoreDir + "/certs/" + name + ".der"), &key), 0);
    const DWORD sig_size = rsa ? 256 : 64;
    ByteVec small(36, 1), sig(sig_size, 0xcc);
    DWORD len = 0xdeadbeef;
    for (DWORD huge : {DWORD{0x7FFFFFFF}, DWORD{0xFFFFFFFF}, DWORD{0x80000000}, DWORD{4097}}) {
      SCOPED_TRACE(huge);
      EXPECT_EQ(SslSignHash(provider_, key, small.data(), huge, sig.data(), sig_size, &len, 0), NTE_INVALID_PARAMETER);
      EXPECT_EQ(SslSignHash(provider_, key, small.data(), huge, nullptr, 0, &len, 0), NTE_INVALID_PARAMETER);
      EXPECT_EQ(SslVerifySignature(provider_, key, small.data(), huge, sig.data(), sig_size, 0), NTE_INVALID_PARAMETER);
    }
    EXPECT_EQ(len, 0xdeadbeefu);
    EXPECT_EQ(sig, ByteVec(sig_size, 0xcc));

    // A real signature in a buffer of its own size, with cbSignature overstated.
    ByteVec digest(32, 7);
    ASSERT_EQ(SslSignHash(provider_, key, digest.data(), 32, sig.data(), sig_size, &len, 0), 0);
    ASSERT_EQ(len, sig_size);
    EXPECT_EQ(SslVerifySignature(provider_, key, digest.data(), 32, sig.data(), sig_size, 0), 0);
    for (DWORD huge : {DWORD{0x7FFFFFFF}, DWORD{0xFFFFFFFF}, DWORD{0x80000000}, sig_size + 1, DWORD{4097}}) {
      SCOPED_TRACE(huge);
      EXPECT_EQ(SslVerifySignature(provider_, key, digest.data(), 32, sig.data(), huge, 0), NTE_BAD_SIGNATURE);
    }
    EXPECT_EQ(SslFreeObject(key, 0), 0);
  }
}

// docs/key-store.md §4 ("Which public keys verify"): SslVerifySignature takes any P-256/384/521
// public key, whether its BCRYPT_ECCPUBLIC_BLOB magic said ECDH or ECDSA: a point is a point.
// (The reverse is refused: an ECDSA-tagged key is not used for key agreement.)
TEST_F(SignatureExports, EcdhTaggedPublicKeyVerifiesEcdsa) {
  const ByteVec cert = ReadAll(kStoreDir + "/certs/p256.der");
  NCRYPT_KEY_HANDLE key = 0;
  ASSERT_EQ(Open(cert, &key), 0);
  ByteVec digest(32, 9), sig(64);
  DWORD len = 0;
  ASSERT_EQ(SslSignHash(provider_, key, digest.data(), 32, sig.data(), 64, &len, 0), 0);
  EXPECT_EQ(SslFreeObject(key, 0), 0);

  // BCRYPT_ECCKEY_BLOB{BCRYPT_ECDH_PUBLIC_P256_MAGIC, 32} || X || Y of the certificate's key,
  // the point taken from OpenSSL.
  EVP_PKEY* pub = CertKey(cert);
  ASSERT_NE(pub, nullptr);
  unsigned char point[65];
  std::size_t point_len = 0;
  ASSERT_EQ(EVP_PKEY_get_octet_string_param(pub, "pub", point, sizeof(point), &point_len), 1);
  EVP_PKEY_free(pub);
  ASSERT_EQ(point_len, 65u);
  const BCRYPT_ECCKEY_BLOB header = {BCRYPT_ECDH_PUBLIC_P256_MAGIC, 32};
  ByteVec blob(sizeof(header) + 64);
  std::memcpy(blob.data(), &header, sizeof(header));
  std::memcpy(blob.data() + sizeof(header), point + 1, 64);
  NCRYPT_KEY_HANDLE ecdh = 0;
  ASSERT_EQ(SslImportKey(provider_, &ecdh, BCRYPT_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0), 0);
  EXPECT_EQ(SslVerifySignature(provider_, ecdh, digest.data(), 32, sig.data(), 64, 0), 0);
  sig[0] ^= 1;
  EXPECT_EQ(SslVerifySignature(provider_, ecdh, digest.data(), 32, sig.data(), 64, 0), NTE_BAD_SIGNATURE);
  EXPECT_EQ(SslFreeObject(ecdh, 0), 0);
}

// A certificate whose RSA key is under 1024 bits: not used even though the store holds its key.
// The open succeeds (deferred) and the first use is NTE_NOT_SUPPORTED.
TEST_F(SignatureExports, Rsa512CertificateIsNotSupported) {
  EXPECT_EQ(DeferredStatus(ReadAll(kStoreDir + "/certs/rsa512.der"), NCRYPT_SILENT_FLAG), NTE_NOT_SUPPORTED);
}

// docs/windows.md#deferred-private-keys, the way Schannel calls: SslOpenPrivateKey(0x40) on a
// certificate opensslp cannot use succeeds; every use of the handle through the table returns the
// status the open would have returned; SslEnumCipherSuites lists no suite for it; SslFreeObject
// frees it once.
TEST_F(SignatureExports, DeferredKeyEveryUseFailsWithTheRecordedStatus) {
  struct Case {
    const char* cert;
    SECURITY_STATUS status;
  };
  for (const Case& c : {Case{"orphan", NTE_NOT_FOUND}, Case{"mismatch", NTE_BAD_KEY}, Case{"corrupt", NTE_BAD_KEY},
                        Case{"nopass", NTE_BAD_KEY}, Case{"rsa512", NTE_NOT_SUPPORTED},
                        Case{"ed25519", NTE_NOT_SUPPORTED}, Case{"brainpool", NTE_NOT_SUPPORTED}}) {
    SCOPED_TRACE(c.cert);
    CertContext ctx(ReadAll(kStoreDir + "/certs/" + c.cert + ".der"));
    NCRYPT_KEY_HANDLE key = 0;
    ASSERT_EQ(table_->OpenPrivateKey(provider_, &key, ctx.get(), NCRYPT_SILENT_FLAG), 0);
    ASSERT_NE(key, 0u);
    ByteVec digest(32, 5), sig(512, 0xcc);
    DWORD len = 0xdeadbeef;
    EXPECT_EQ(table_->SignHash(provider_, key, digest.data(), 32, nullptr, 0, &len, 0), c.status);
    EXPECT_EQ(table_->SignHash(provider_, key, digest.data(), 32, sig.data(), 512, &len, 0), c.status);
    EXPECT_EQ(
        table_->SignHash(provider_, key, digest.data(), 32, sig.data(), 512, &len, NCRYPT_SSL_SIGN_USE_PSS_PADDING),
        c.status);
    EXPECT_EQ(len, 0xdeadbeefu);
    EXPECT_EQ(sig, ByteVec(512, 0xcc));
    EXPECT_EQ(table_->VerifySignature(provider_, key, digest.data(), 32, sig.data(), 64, 0), c.status);
    PBYTE property = nullptr;
    DWORD property_len = 0;
    EXPECT_EQ(table_->GetKeyProperty(key, W(u"Algorithm Name"), &property, &property_len, 0), c.status);
    EXPECT_EQ(property, nullptr);
    EXPECT_EQ(table_->ExportKey(provider_, key, BCRYPT_RSAPUBLIC_BLOB, nullptr, 0, &len, 0), c.status);
    // No suite serves a key opensslp cannot use: the enumeration is empty, no state handed out.
    NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
    PVOID state = nullptr;
    EXPECT_EQ(table_->EnumCipherSuites(provider_, key, &suite, &state, 0), NTE_NO_MORE_ITEMS);
    EXPECT_EQ(suite, nullptr);
    EXPECT_EQ(state, nullptr);
    NCRYPT_SSL_CIPHER_SUITE_EX* suite_ex = nullptr;
    EXPECT_EQ(table_->EnumCipherSuitesEx(provider_, key, &suite_ex, &state, 0), NTE_NO_MORE_ITEMS);
    EXPECT_EQ(state, nullptr);
    // Where no private key is accepted, a deferred one is refused the same way.
    ByteVec client_random(32, 1), server_random(32, 2);
    NCryptBuffer buffers[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random.data()},
                               {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random.data()}};
    NCryptBufferDesc params = {NCRYPTBUFFER_VERSION, 2, buffers};
    NCRYPT_KEY_HANDLE master = 0;
    EXPECT_EQ(table_->GenerateMasterKey(provider_, key, key, &master, TLS1_2_PROTOCOL_VERSION,
                                        TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, &params, nullptr, 0, &len,
                                        NCRYPT_SSL_SERVER_FLAG),
              NTE_INVALID_HANDLE);
    EXPECT_EQ(master, 0u);
    // Provider checks still come first.
    EXPECT_EQ(table_->SignHash(0, key, digest.data(), 32, nullptr, 0, &len, 0), NTE_INVALID_HANDLE);
    EXPECT_EQ(table_->FreeObject(key, 0), 0);
    EXPECT_EQ(table_->FreeObject(key, 0), NTE_INVALID_HANDLE);
    EXPECT_EQ(table_->SignHash(provider_, key, digest.data(), 32, nullptr, 0, &len, 0), NTE_INVALID_HANDLE);
  }
}

// Mistakes in the call itself stay eager errors, and nothing is written to *phPrivateKey.
TEST_F(SignatureExports, OpenPrivateKeyArgumentErrorsStayEager) {
  const ByteVec der = ReadAll(kStoreDir + "/certs/orphan.der");
  CertContext ctx(der);
  NCRYPT_KEY_HANDLE key = 0x5a5a;
  EXPECT_EQ(table_->OpenPrivateKey(provider_, nullptr, ctx.get(), NCRYPT_SILENT_FLAG), NTE_INVALID_PARAMETER);
  EXPECT_EQ(table_->OpenPrivateKey(provider_, &key, nullptr, NCRYPT_SILENT_FLAG), NTE_INVALID_PARAMETER);
  EXPECT_EQ(table_->OpenPrivateKey(provider_, &key, ctx.get(), NCRYPT_SILENT_FLAG | 1), NTE_BAD_FLAGS);
  EXPECT_EQ(table_->OpenPrivateKey(provider_, &key, ctx.get(), 0x80000000), NTE_BAD_FLAGS);
  EXPECT_EQ(table_->OpenPrivateKey(0, &key, ctx.get(), NCRYPT_SILENT_FLAG), NTE_INVALID_HANDLE);
  EXPECT_EQ(table_->OpenPrivateKey(0x1234, &key, ctx.get(), NCRYPT_SILENT_FLAG), NTE_INVALID_HANDLE);
  CERT_CONTEXT plain = {X509_ASN_ENCODING, const_cast<BYTE*>(der.data()), static_cast<DWORD>(der.size()), nullptr,
                        nullptr};
  plain.dwCertEncodingType = PKCS_7_ASN_ENCODING;  // no X509_ASN_ENCODING
  EXPECT_EQ(table_->OpenPrivateKey(provider_, &key, &plain, NCRYPT_SILENT_FLAG), NTE_INVALID_PARAMETER);
  plain.dwCertEncodingType = X509_ASN_ENCODING;
  plain.cbCertEncoded = 0;
  EXPECT_EQ(table_->OpenPrivateKey(provider_, &key, &plain, NCRYPT_SILENT_FLAG), NTE_INVALID_PARAMETER);
  plain.cbCertEncoded = static_cast<DWORD>(der.size());
  plain.pbCertEncoded = nullptr;
  EXPECT_EQ(table_->OpenPrivateKey(provider_, &key, &plain, NCRYPT_SILENT_FLAG), NTE_INVALID_PARAMETER);
  plain.pbCertEncoded = const_cast<BYTE*>(der.data());
  plain.cbCertEncoded = (1u << 20) + 1;  // over 1 MiB: refused from the length, nothing read
  EXPECT_EQ(table_->OpenPrivateKey(provider_, &key, &plain, NCRYPT_SILENT_FLAG), NTE_INVALID_PARAMETER);
  EXPECT_EQ(key, 0x5a5au);
}

}  // namespace
