// master_keys_exports_test.cpp - SslGenerateMasterKey, SslImportMasterKey, SslGeneratePreMasterKey,
// SslComputeEapKeyBlock and SslExportKeyingMaterial through the exported API only.
//
// Independent expectations: the test holds the peer's private key (OpenSSL), computes the
// pre-master secret itself (EVP_PKEY_derive, RSA decrypt/encrypt) and the master secret and
// exporter output with OpenSSL's own EVP_KDF "TLS1-PRF"; the provider's master key is then
// checked through SslExportKeyingMaterial / SslComputeEapKeyBlock. Also here: EAP-FAST key blocks
// (RFC 4851 §5.1), the single use of DHE ephemeral keys (Raccoon), and (Windows only) raw NCrypt
// key handles as the server's RSA key (docs/reference/functions.md#master-keys).
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/cert_support.h"
#include "support/env_support.h"
#include "support/ossl_reference.h"
#include "support/provider_support.h"
#include "support/wide.h"

namespace {

using opensslp::test::AeadOpen;
using opensslp::test::AeadSeal;
using opensslp::test::ByteVec;
using opensslp::test::ByteView;
using opensslp::test::Concat;
using opensslp::test::DhWithPublicValue;
using opensslp::test::Digest;
using opensslp::test::EcdhWithPublicPoint;
using opensslp::test::PkeyPtr;
using opensslp::test::PointFromEccPublicBlob;
using opensslp::test::RsaPkcs1Decrypt;
using opensslp::test::RsaPkcs1Encrypt;
using opensslp::test::Tls1ExtendedMasterSecret;
using opensslp::test::Tls1KeyBlock;
using opensslp::test::Tls1MasterSecret;
using opensslp::test::Tls1Prf;
using opensslp_test::MakeEphemeralP256;
using opensslp_test::OpenProvider;
using opensslp_test::StaleProvider;

constexpr DWORD kTls12 = TLS1_2_PROTOCOL_VERSION;
constexpr DWORD kTls10 = TLS1_0_PROTOCOL_VERSION;
constexpr DWORD kEcdheGcm = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;  // 0xC02F
constexpr DWORD kEcdheGcm384 = 0xC030;
constexpr DWORD kRsaGcm = TLS_RSA_WITH_AES_128_GCM_SHA256;  // 0x009C
constexpr DWORD kRsaCbc = 0x002F;                           // TLS_RSA_WITH_AES_128_CBC_SHA
constexpr NCRYPT_KEY_HANDLE kSentinel = 0x5a5a;
const std::string kStoreDir = opensslp::test::KeyStoreDir();

void PutLe32(ByteVec& v, std::uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}

// A parameter list built from owned buffers.
struct Params {
  ByteVec cr = ByteVec(32), sr = ByteVec(32), session_hash;
  DWORD version = 0x0303;
  bool with_cr = true, with_sr = true, with_version = false, with_hash = false;
  std::vector<NCryptBuffer> buffers;
  NCryptBufferDesc desc{};
  Params() {
    for (int i = 0; i < 32; ++i)
      cr[i] = static_cast<std::uint8_t>(0x10 + i), sr[i] = static_cast<std::uint8_t>(0x80 + i);
  }
  NCryptBufferDesc* get() {
    buffers.clear();
    if (with_cr) buffers.push_back({32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr.data()});
    if (with_sr) buffers.push_back({32, NCRYPTBUFFER_SSL_SERVER_RANDOM, sr.data()});
    if (with_version) buffers.push_back({4, NCRYPTBUFFER_SSL_HIGHEST_VERSION, &version});
    if (with_hash)
      buffers.push_back({static_cast<ULONG>(session_hash.size()), NCRYPTBUFFER_SSL_SESSION_HASH, session_hash.data()});
    desc = {NCRYPTBUFFER_VERSION, static_cast<ULONG>(buffers.size()), buffers.data()};
    return &desc;
  }
  ByteVec randoms() const { return Concat({cr, sr}); }
};

// RFC 5705 exporter output of a provider master key.
ByteVec Export(NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE master, const ByteVec& randoms, std::size_t n = 32) {
  ByteVec out(n);
  char label[] = "EXPORTER-opensslp-test";
  EXPECT_EQ(SslExportKeyingMaterial(prov, master, label, const_cast<std::uint8_t*>(randoms.data()), 64, nullptr, 0,
                                    out.data(), static_cast<DWORD>(n), 0),
            0);
  return out;
}
ByteVec ExpectedExport(const char* digest, const ByteVec& master, const ByteVec& randoms, std::size_t n = 32) {
  return Tls1Prf(digest, master, "EXPORTER-opensslp-test", randoms, n);
}

// ---- key helpers -----------------------------------------------------------------------------

EVP_PKEY* LoadRsa2048() {
  BIO* bio = BIO_new_file((kStoreDir + "/keys/rsa2048.key").c_str(), "r");
  EXPECT_NE(bio, nullptr);
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  EXPECT_NE(k, nullptr);
  return k;
}

ByteVec BnBytes(EVP_PKEY* k, const char* name) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(k, name, &bn), 1);
  ByteVec out(BN_num_bytes(bn));
  BN_bn2bin(bn, out.data());
  BN_free(bn);
  return out;
}

// BCRYPT_RSAPUBLIC_BLOB of an OpenSSL RSA key.
ByteVec RsaPublicBlob(EVP_PKEY* k) {
  const ByteVec n = BnBytes(k, OSSL_PKEY_PARAM_RSA_N), e = BnBytes(k, OSSL_PKEY_PARAM_RSA_E);
  ByteVec blob;
  PutLe32(blob, 0x31415352);  // BCRYPT_RSAPUBLIC_MAGIC
  PutLe32(blob, static_cast<std::uint32_t>(n.size() * 8));
  PutLe32(blob, static_cast<std::uint32_t>(e.size()));
  PutLe32(blob, static_cast<std::uint32_t>(n.size()));
  PutLe32(blob, 0);
  PutLe32(blob, 0);
  return Concat({blob, e, n});
}

// BCRYPT_ECCPUBLIC_BLOB (ECDH P-256) of an OpenSSL EC key.
ByteVec P256PublicBlob(EVP_PKEY* k) {
  ByteVec point(65);
  std::size_t len = 0;
  EXPECT_EQ(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size(), &len), 1);
  EXPECT_EQ(len, 65u);
  ByteVec blob;
  PutLe32(blob, 0x314B4345);  // BCRYPT_ECDH_PUBLIC_P256_MAGIC
  PutLe32(blob, 32);
  blob.insert(blob.end(), point.begin() + 1, point.end());
  return blob;
}

NCRYPT_KEY_HANDLE Import(NCRYPT_PROV_HANDLE prov, const char16_t* type, ByteVec blob) {
  NCRYPT_KEY_HANDLE key = 0;
  EXPECT_EQ(SslImportKey(prov, &key, W(type), blob.data(), static_cast<DWORD>(blob.size()), 0), 0);
  return key;
}

// The ECDH shared secret between an OpenSSL key and a provider ephemeral key (exported).
ByteVec EcdhWithProviderKey(NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE eph, EVP_PKEY* mine) {
  DWORD len = 0;
  EXPECT_EQ(SslExportKey(prov, eph, W(u"ECCPUBLICBLOB"), nullptr, 0, &len, 0), 0);
  ByteVec blob(len);
  EXPECT_EQ(SslExportKey(prov, eph, W(u"ECCPUBLICBLOB"), blob.data(), len, &len, 0), 0);
  EXPECT_EQ(len, 72u);
  return EcdhWithPublicPoint(mine, "P-256", PointFromEccPublicBlob(blob));
}

class MasterKeys : public testing::Test {
 protected:
  void SetUp() override {
    prov_ = OpenProvider();
    peer_ = EVP_EC_gen("P-256");
    ASSERT_NE(peer_, nullptr);
    rsa_ = LoadRsa2048();
  }
  void TearDown() override {
    for (auto h : handles_) SslFreeObject(h, 0);
    SslFreeObject(prov_, 0);
    EVP_PKEY_free(peer_);
    EVP_PKEY_free(rsa_);
  }
  NCRYPT_KEY_HANDLE Keep(NCRYPT_KEY_HANDLE h) {
    handles_.push_back(h);
    return h;
  }
  NCRYPT_KEY_HANDLE Eph() { return Keep(MakeEphemeralP256(prov_)); }
  NCRYPT_KEY_HANDLE PeerPub() { return Keep(Import(prov_, u"ECCPUBLICBLOB", P256PublicBlob(peer_))); }
  NCRYPT_KEY_HANDLE RsaPub() { return Keep(Import(prov_, u"RSAPUBLICBLOB", RsaPublicBlob(rsa_))); }
  NCRYPT_KEY_HANDLE ServerPrivateKey() {
    opensslp::test::ScopedEnv store(OPENSSLP_KEY_STORE_ENV, kStoreDir + "/dir");
    opensslp::test::CertContext ctx(opensslp::test::FixtureCertDer("rsa2048"));
    NCRYPT_KEY_HANDLE key = 0;
    EXPECT_EQ(SslOpenPrivateKey(prov_, &key, ctx.get(), 0), 0);
    return Keep(key);
  }

  NCRYPT_PROV_HANDLE prov_ = 0;
  EVP_PKEY* peer_ = nullptr;
  EVP_PKEY* rsa_ = nullptr;
  std::vector<NCRYPT_KEY_HANDLE> handles_;
};

// ---- (EC)DHE ---------------------------------------------------------------------------------

TEST_F(MasterKeys, EcdheBothRolesMatchOpenssl) {
  for (DWORD flag : {DWORD{NCRYPT_SSL_CLIENT_FLAG}, DWORD{NCRYPT_SSL_SERVER_FLAG}}) {
    Params p;
    const NCRYPT_KEY_HANDLE eph = Eph(), pub = PeerPub();
    NCRYPT_KEY_HANDLE master = 0;
    // Schannel passes pbOutput = NULL, cbOutput = 0, pcbResult = NULL for ECDHE
    // (docs/reference/functions.md#master-keys).
    ASSERT_EQ(SslGenerateMasterKey(prov_, eph, pub, &master, kTls12, kEcdheGcm, p.get(), nullptr, 0, nullptr, flag), 0);
    Keep(master);
    const ByteVec pms = EcdhWithProviderKey(prov_, eph, peer_);
    const ByteVec ms = Tls1MasterSecret("SHA256", pms, p.cr, p.sr);
    EXPECT_EQ(Export(prov_, master, p.randoms()), ExpectedExport("SHA256", ms, p.randoms()));
    // A non-NULL pcbResult is set to 0 (no output).
    DWORD result = 77;
    NCRYPT_KEY_HANDLE m2 = 0;
    ASSERT_EQ(SslGenerateMasterKey(prov_, eph, pub, &m2, kTls12, kEcdheGcm, p.get(), nullptr, 0, &result, flag), 0);
    Keep(m2);
    EXPECT_EQ(result, 0u);
  }
}

TEST_F(MasterKeys, EcdheSha384SuiteAndTls10) {
  Params p;
  const NCRYPT_KEY_HANDLE eph = Eph(), pub = PeerPub();
  NCRYPT_KEY_HANDLE m384 = 0, m10 = 0;
  ASSERT_EQ(SslGenerateMasterKey(prov_, eph, pub, &m384, kTls12, kEcdheGcm384, p.get(), nullptr, 0, nullptr,
                                 NCRYPT_SSL_CLIENT_FLAG),
            0);
  Keep(m384);
  ASSERT_EQ(
      SslGenerateMasterKey(prov_, eph, pub, &m10, kTls10, 0xC013, p.get(), nullptr, 0, nullptr, NCRYPT_SSL_SERVER_FLAG),
      0);
  Keep(m10);
  const ByteVec pms = EcdhWithProviderKey(prov_, eph, peer_);
  EXPECT_EQ(Export(prov_, m384, p.randoms()),
            ExpectedExport("SHA384", Tls1MasterSecret("SHA384", pms, p.cr, p.sr), p.randoms()));
  EXPECT_EQ(Export(prov_, m10, p.randoms()),
            ExpectedExport("MD5-SHA1", Tls1MasterSecret("MD5-SHA1", pms, p.cr, p.sr), p.randoms()));
}

TEST_F(MasterKeys, ExtendedMasterSecretWithSessionHash) {
  Params p;
  p.session_hash = ByteVec(32, 0xe5);
  p.with_hash = true;
  p.with_cr = false;  // no randoms for EMS: docs/reference/caller-semantics.md#parameter-lists
  p.with_sr = false;
  const NCRYPT_KEY_HANDLE eph = Eph(), pub = PeerPub();
  NCRYPT_KEY_HANDLE master = 0;
  ASSERT_EQ(SslGenerateMasterKey(prov_, eph, pub, &master, kTls12, kEcdheGcm, p.get(), nullptr, 0, nullptr,
                                 NCRYPT_SSL_CLIENT_FLAG),
            0);
  Keep(master);
  const ByteVec pms = EcdhWithProviderKey(prov_, eph, peer_);
  const ByteVec ms = Tls1ExtendedMasterSecret("SHA256", pms, p.session_hash);
  EXPECT_EQ(Export(prov_, master, p.randoms()), ExpectedExport("SHA256", ms, p.randoms()));
}

// ---- RSA key transport -------------------------------------------------------------------------

TEST_F(MasterKeys, RsaClientEncryptsAPremasterOpensslCanDecrypt) {
  Params p;
  p.with_version = true;
  const NCRYPT_KEY_HANDLE pub = RsaPub();
  NCRYPT_KEY_HANDLE master = kSentinel;
  DWORD len = 0;
  // Size query: no handle.
  ASSERT_EQ(
      SslGenerateMasterKey(prov_, 0, pub, &master, kTls12, kRsaGcm, p.get(), nullptr, 0, &len, NCRYPT_SSL_CLIENT_FLAG),
      0);
  EXPECT_EQ(len, 256u);
  EXPECT_EQ(master, kSentinel);
  ByteVec small(255, 0xcc);
  ASSERT_EQ(SslGenerateMasterKey(prov_, 0, pub, &master, kTls12, kRsaGcm, p.get(), small.data(), 255, &len,
                                 NCRYPT_SSL_CLIENT_FLAG),
            NTE_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, 256u);
  EXPECT_EQ(master, kSentinel);
  EXPECT_EQ(small, ByteVec(255, 0xcc));
  ByteVec ct(300);
  ASSERT_EQ(SslGenerateMasterKey(prov_, 0, pub, &master, kTls12, kRsaGcm, p.get(), ct.data(), 300, &len,
                                 NCRYPT_SSL_CLIENT_FLAG),
            0);
  Keep(master);
  ASSERT_EQ(len, 256u);
  ct.resize(len);
  const ByteVec pms = RsaPkcs1Decrypt(rsa_, ct);
  ASSERT_EQ(pms.size(), 48u);
  EXPECT_EQ(pms[0], 0x03);
  EXPECT_EQ(pms[1], 0x03);
  const ByteVec ms = Tls1MasterSecret("SHA256", pms, p.cr, p.sr);
  EXPECT_EQ(Export(prov_, master, p.randoms()), ExpectedExport("SHA256", ms, p.randoms()));
}

TEST_F(MasterKeys, RsaSplitFlowWithPreMasterKey) {
  Params p;
  p.with_version = true;
  p.version = 0x0301;
  const NCRYPT_KEY_HANDLE pub = RsaPub();
  NCRYPT_KEY_HANDLE pre = kSentinel;
  DWORD len = 0;
  ASSERT_EQ(SslGeneratePreMasterKey(prov_, pub, &pre, kTls10, kRsaCbc, p.get(), nullptr, 0, &len, 0), 0);
  EXPECT_EQ(len, 256u);
  EXPECT_EQ(pre, kSentinel);
  ByteVec ct(256);
  ASSERT_EQ(
      SslGeneratePreMasterKey(prov_, pub, &pre, kTls10, kRsaCbc, p.get(), ct.data(), 256, &len, NCRYPT_SSL_CLIENT_FLAG),
      0);
  Keep(pre);
  const ByteVec pms = RsaPkcs1Decrypt(rsa_, ct);
  ASSERT_EQ(pms.size(), 48u);
  EXPECT_EQ(pms[0], 0x03);
  EXPECT_EQ(pms[1], 0x01);
  NCRYPT_KEY_HANDLE master = 0;
  ASSERT_EQ(SslGenerateMasterKey(prov_, pre, 0, &master, kTls10, kRsaCbc, p.get(), nullptr, 0, nullptr,
                                 NCRYPT_SSL_CLIENT_FLAG),
            0);
  Keep(master);
  const ByteVec ms = Tls1MasterSecret("MD5-SHA1", pms, p.cr, p.sr);
  EXPECT_EQ(Export(prov_, master, p.randoms()), ExpectedExport("MD5-SHA1", ms, p.randoms()));
  // The pre-master key is for an RSA suite, this protocol and suite only, and the client role.
  NCRYPT_KEY_HANDLE other = kSentinel;
  EXPECT_EQ(SslGenerateMasterKey(prov_, pre, 0, &other, kTls12, kRsaCbc, p.get(), nullptr, 0, nullptr,
                                 NCRYPT_SSL_CLIENT_FLAG),
            NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslGenerateMasterKey(prov_, pre, 0, &other, kTls10, kRsaCbc, p.get(), nullptr, 0, nullptr,
                                 NCRYPT_SSL_SERVER_FLAG),
            NTE_INVALID_PARAMETER);
  EXPECT_EQ(other, kSentinel);
}

// RSA key transport with a deferred private key (docs/windows.md#deferred-private-keys): the
// status the open recorded, never a random (implicitly rejected) master secret -- the failure
// depends on the key, not on the ciphertext, so reporting it reveals nothing about the padding.
TEST_F(MasterKeys, RsaServerWithDeferredKeyFailsWithTheRecordedStatus) {
  Params p;
  p.with_version = true;
  opensslp::test::ScopedEnv store(OPENSSLP_KEY_STORE_ENV, kStoreDir + "/dir");
  struct Case {
    const char* cert;
    SECURITY_STATUS status;
  };
  for (const Case& c :
       {Case{"orphan", NTE_NOT_FOUND}, Case{"mismatch", NTE_BAD_KEY}, Case{"rsa512", NTE_NOT_SUPPORTED}}) {
    SCOPED_TRACE(c.cert);
    opensslp::test::CertContext ctx(opensslp::test::FixtureCertDer(c.cert));
    NCRYPT_KEY_HANDLE key = 0;
    ASSERT_EQ(SslOpenPrivateKey(prov_, &key, ctx.get(), NCRYPT_SILENT_FLAG), 0);
    ByteVec ct(256, 0x42);
    NCRYPT_KEY_HANDLE master = kSentinel;
    EXPECT_EQ(SslImportMasterKey(prov_, key, &master, kTls12, kRsaGcm, p.get(), ct.data(), 256, NCRYPT_SSL_SERVER_FLAG),
              c.status);
    EXPECT_EQ(master, kSentinel);
    EXPECT_EQ(SslFreeObject(key, 0), 0);
  }
}

TEST_F(MasterKeys, RsaServerImportsAndRejectsImplicitly) {
  Params p;
  p.with_version = true;
  const NCRYPT_KEY_HANDLE priv = ServerPrivateKey();
  ByteVec pms(48);
  for (int i = 0; i < 48; ++i) pms[i] = static_cast<std::uint8_t>(i * 5);
  pms[0] = 0x03;
  pms[1] = 0x03;
  ByteVec ct = RsaPkcs1Encrypt(rsa_, pms);
  const ByteVec expected = ExpectedExport("SHA256", Tls1MasterSecret("SHA256", pms, p.cr, p.sr), p.randoms());
  NCRYPT_KEY_HANDLE master = 0;
  ASSERT_EQ(SslImportMasterKey(prov_, priv, &master, kTls12, kRsaGcm, p.get(), ct.data(), 256, NCRYPT_SSL_SERVER_FLAG),
            0);
  Keep(master);
  EXPECT_EQ(Export(prov_, master, p.randoms()), expected);
  // With the TLS 1.0+ two-byte length prefix (inference: both framings accepted).
  ByteVec framed = Concat({ByteVec{0x01, 0x00}, ct});
  ASSERT_EQ(
      SslImportMasterKey(prov_, priv, &master, kTls12, kRsaGcm, p.get(), framed.data(), 258, NCRYPT_SSL_SERVER_FLAG),
      0);
  Keep(master);
  EXPECT_EQ(Export(prov_, master, p.randoms()), expected);

  // Corrupted ciphertext, wrong version, wrong length: success with a different master secret.
  std::vector<ByteVec> bad;
  bad.push_back(ct);
  bad.back()[17] ^= 0x40;
  ByteVec wrong_version = pms;
  wrong_version[1] = 0x02;
  bad.push_back(RsaPkcs1Encrypt(rsa_, wrong_version));
  bad.push_back(RsaPkcs1Encrypt(rsa_, ByteVec(pms.begin(), pms.end() - 1)));
  bad.push_back(ByteVec(ct.begin(), ct.end() - 1));
  for (auto& c : bad) {
    NCRYPT_KEY_HANDLE m = 0;
    ASSERT_EQ(SslImportMasterKey(prov_, priv, &m, kTls12, kRsaGcm, p.get(), c.data(), static_cast<DWORD>(c.size()),
                                 NCRYPT_SSL_SERVER_FLAG),
              0);
    Keep(m);
    EXPECT_NE(Export(prov_, m, p.randoms()), expected);
  }
  // The good ciphertext checked against another highest version fails silently as well.
  p.version = 0x0302;
  NCRYPT_KEY_HANDLE m = 0;
  ASSERT_EQ(SslImportMasterKey(prov_, priv, &m, kTls12, kRsaGcm, p.get(), ct.data(), 256, NCRYPT_SSL_SERVER_FLAG), 0);
  Keep(m);
  EXPECT_NE(Export(prov_, m, p.randoms()), expected);
}

// ---- EAP and exporter ---------------------------------------------------------------------------

TEST_F(MasterKeys, EapKeyBlockAndExporterContexts) {
  Params p;
  const NCRYPT_KEY_HANDLE eph = Eph(), pub = PeerPub();
  NCRYPT_KEY_HANDLE master = 0;
  ASSERT_EQ(SslGenerateMasterKey(prov_, eph, pub, &master, kTls12, kEcdheGcm, p.get(), nullptr, 0, nullptr,
                                 NCRYPT_SSL_CLIENT_FLAG),
            0);
  Keep(master);
  const ByteVec ms = Tls1MasterSecret("SHA256", EcdhWithProviderKey(prov_, eph, peer_), p.cr, p.sr);
  ByteVec randoms = p.randoms();
  const std::pair<DWORD, const char*> methods[] = {{NCRYPT_SSL_EAP_ID, "client EAP encryption"},
                                                   {NCRYPT_SSL_EAP_TTLSV0_ID, "ttls keying material"},
                                                   {NCRYPT_SSL_EAP_TTLSV0_CHLNG_ID, "ttls challenge"}};
  for (auto [flag, label] : methods) {
    DWORD len = 0;
    ASSERT_EQ(SslComputeEapKeyBlock(prov_, master, randoms.data(), 64, nullptr, 0, &len, flag), 0);
    ASSERT_EQ(len, 128u);
    ByteVec out(len);
    ASSERT_EQ(SslComputeEapKeyBlock(prov_, master, randoms.data(), 64, out.data(), len, &len, flag), 0);
    EXPECT_EQ(out, Tls1Prf("SHA256", ms, label, randoms, 128)) << label;
  }
  DWORD len = 0;
  ByteVec out(128);
  EXPECT_EQ(SslComputeEapKeyBlock(prov_, master, randoms.data(), 64, out.data(), 128, &len, NCRYPT_SSL_EAP_FAST_ID),
            NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslComputeEapKeyBlock(prov_, master, randoms.data(), 64, out.data(), 127, &len, 0), NTE_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, 128u);

  // Exporter: NULL context, empty context and a context differ, each as RFC 5705 defines it.
  char label[] = "EXPORTER-ctx";
  ByteVec none(20), empty(20), some(20);
  std::uint8_t ctx[3] = {7, 8, 9};
  ASSERT_EQ(SslExportKeyingMaterial(prov_, master, label, randoms.data(), 64, nullptr, 0, none.data(), 20, 0), 0);
  ASSERT_EQ(SslExportKeyingMaterial(prov_, master, label, randoms.data(), 64, ctx, 0, empty.data(), 20, 0), 0);
  ASSERT_EQ(SslExportKeyingMaterial(prov_, master, label, randoms.data(), 64, ctx, 3, some.data(), 20, 0), 0);
  EXPECT_EQ(none, Tls1Prf("SHA256", ms, label, randoms, 20));
  EXPECT_EQ(empty, Tls1Prf("SHA256", ms, label, Concat({randoms, ByteVec{0, 0}}), 20));
  EXPECT_EQ(some, Tls1Prf("SHA256", ms, label, Concat({randoms, ByteVec{0, 3, 7, 8, 9}}), 20));
}

// EAP-FAST (RFC 4851 §5.1): the key block extended past the suite's MAC keys, write keys and
// IVs; the session_key_seed is its first 40 bytes. The master secret comes from OpenSSL's own
// ECDH and TLS1-PRF; the skipped length from OpenSSL's EVP sizes (hostapd's formula:
// 2 * (MD size + key length + IV length)).
TEST_F(MasterKeys, EapFastKeyBlockMatchesOpenssl) {
  struct Case {
    DWORD protocol, suite;
    const char* prf;
    const EVP_MD* mac;
    const EVP_CIPHER* cipher;
  };
  const Case cases[] = {{kTls10, 0xC013, "MD5-SHA1", EVP_sha1(), EVP_aes_128_cbc()},
                        {kTls12, 0xC027, "SHA256", EVP_sha256(), EVP_aes_128_cbc()},
                        {kTls12, 0xC028, "SHA384", EVP_sha384(), EVP_aes_256_cbc()}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.suite);
    Params p;
    const NCRYPT_KEY_HANDLE eph = Eph(), pub = PeerPub();
    NCRYPT_KEY_HANDLE master = 0;
    ASSERT_EQ(SslGenerateMasterKey(prov_, eph, pub, &master, c.protocol, c.suite, p.get(), nullptr, 0, nullptr,
                                   NCRYPT_SSL_SERVER_FLAG),
              0);
    Keep(master);
    const ByteVec ms = Tls1MasterSecret(c.prf, EcdhWithProviderKey(prov_, eph, peer_), p.cr, p.sr);
    const std::size_t skip =
        2u * static_cast<std::size_t>(EVP_MD_get_size(c.mac) + EVP_CIPHER_get_key_length(c.cipher) +
                                      EVP_CIPHER_get_iv_length(c.cipher));
    const ByteVec block = Tls1KeyBlock(c.prf, ms, p.cr, p.sr, skip + 128);
    ByteVec randoms = p.randoms();
    DWORD len = 0;
    ASSERT_EQ(SslComputeEapKeyBlock(prov_, master, randoms.data(), 64, nullptr, 0, &len, NCRYPT_SSL_EAP_FAST_ID), 0);
    ASSERT_EQ(len, 128u);
    ByteVec out(128);
    ASSERT_EQ(SslComputeEapKeyBlock(prov_, master, randoms.data(), 64, out.data(), 128, &len, NCRYPT_SSL_EAP_FAST_ID),
              0);
    EXPECT_EQ(len, 128u);
    EXPECT_EQ(out, ByteVec(block.begin() + static_cast<std::ptrdiff_t>(skip), block.end()));
    // The FAST method's arguments: short buffer, bad randoms, reserved flag bits.
    ByteVec small(127, 0xcc);
    len = 0;
    EXPECT_EQ(SslComputeEapKeyBlock(prov_, master, randoms.data(), 64, small.data(), 127, &len, NCRYPT_SSL_EAP_FAST_ID),
              NTE_BUFFER_TOO_SMALL);
    EXPECT_EQ(len, 128u);
    EXPECT_EQ(small, ByteVec(127, 0xcc));
    EXPECT_EQ(SslComputeEapKeyBlock(prov_, master, randoms.data(), 63, out.data(), 128, &len, NCRYPT_SSL_EAP_FAST_ID),
              NTE_INVALID_PARAMETER);
    EXPECT_EQ(SslComputeEapKeyBlock(prov_, master, nullptr, 64, out.data(), 128, &len, NCRYPT_SSL_EAP_FAST_ID),
              NTE_INVALID_PARAMETER);
    EXPECT_EQ(SslComputeEapKeyBlock(prov_, master, randoms.data(), 64, out.data(), 128, &len,
                                    NCRYPT_SSL_EAP_FAST_ID | NCRYPT_SSL_SERVER_FLAG << 8),
              NTE_BAD_FLAGS);
    EXPECT_EQ(
        SslComputeEapKeyBlock(prov_, master, randoms.data(), 64, out.data(), 128, nullptr, NCRYPT_SSL_EAP_FAST_ID),
        NTE_INVALID_PARAMETER);
  }
}

TEST_F(MasterKeys, EapFastRefusesAeadSuites) {
  Params p;
  NCRYPT_KEY_HANDLE gcm = 0, chacha = 0;
  ASSERT_EQ(SslGenerateMasterKey(prov_, Eph(), PeerPub(), &gcm, kTls12, kEcdheGcm, p.get(), nullptr, 0, nullptr,
                                 NCRYPT_SSL_CLIENT_FLAG),
            0);
  Keep(gcm);
  ASSERT_EQ(SslGenerateMasterKey(prov_, Eph(), PeerPub(), &chacha, kTls12, 0xCCA8, p.get(), nullptr, 0, nullptr,
                                 NCRYPT_SSL_CLIENT_FLAG),
            0);
  Keep(chacha);
  ByteVec randoms = p.randoms(), out(128, 0xcc);
  for (NCRYPT_KEY_HANDLE master : {gcm, chacha}) {
    DWORD len = 77;
    EXPECT_EQ(SslComputeEapKeyBlock(prov_, master, randoms.data(), 64, nullptr, 0, &len, NCRYPT_SSL_EAP_FAST_ID),
              NTE_NOT_SUPPORTED)
        << "refused before the size is reported";
    EXPECT_EQ(len, 77u);
    EXPECT_EQ(SslComputeEapKeyBlock(prov_, master, randoms.data(), 64, out.data(), 128, &len, NCRYPT_SSL_EAP_FAST_ID),
              NTE_NOT_SUPPORTED);
    EXPECT_EQ(out, ByteVec(128, 0xcc));
    EXPECT_EQ(len, 77u);
  }
}

// ---- DHE: one pre-master secret per ephemeral key (Raccoon) ---------------------------------------

namespace {

ByteVec DhParam(EVP_PKEY* k, const char* name, std::size_t width) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(k, name, &bn), 1);
  ByteVec out(width);
  EXPECT_EQ(BN_bn2binpad(bn, out.data(), static_cast<int>(width)), static_cast<int>(width));
  BN_free(bn);
  return out;
}

// BCRYPT_DH_PUBLIC_BLOB{BCRYPT_DH_PUBLIC_MAGIC, cbKey} || p || g || Y of an OpenSSL DH key.
ByteVec DhPublicBlob(EVP_PKEY* k) {
  const std::size_t width = static_cast<std::size_t>(EVP_PKEY_get_size(k));
  ByteVec blob;
  PutLe32(blob, 0x42504844);  // BCRYPT_DH_PUBLIC_MAGIC
  PutLe32(blob, static_cast<std::uint32_t>(width));
  return Concat({blob, DhParam(k, OSSL_PKEY_PARAM_FFC_P, width), DhParam(k, OSSL_PKEY_PARAM_FFC_G, width),
                 DhParam(k, OSSL_PKEY_PARAM_PUB_KEY, width)});
}

EVP_PKEY* NewFfdhe(const char* group) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr);
  EVP_PKEY* key = nullptr;
  EXPECT_EQ(EVP_PKEY_keygen_init(ctx), 1);
  EXPECT_EQ(EVP_PKEY_CTX_set_group_name(ctx, group), 1);
  EXPECT_EQ(EVP_PKEY_generate(ctx, &key), 1);
  EVP_PKEY_CTX_free(ctx);
  return key;
}

// The TLS 1.2 DH pre-master secret as OpenSSL computes it between `mine` and the provider's
// ephemeral key: Z with its leading zero bytes stripped (OpenSSL's default, no padding; RFC 5246
// §8.1.2).
ByteVec DhWithProviderKey(NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE eph, EVP_PKEY* mine) {
  DWORD len = 0;
  EXPECT_EQ(SslExportKey(prov, eph, W(u"DHPUBLICBLOB"), nullptr, 0, &len, 0), 0);
  ByteVec blob(len);
  EXPECT_EQ(SslExportKey(prov, eph, W(u"DHPUBLICBLOB"), blob.data(), len, &len, 0), 0);
  const std::size_t width = (blob.size() - 8) / 3;
  ByteVec y(blob.begin() + 8 + 2 * static_cast<std::ptrdiff_t>(width), blob.end());
  return DhWithPublicValue(mine, y);
}

}  // namespace

TEST_F(MasterKeys, DheEphemeralKeyDerivesOneMasterSecretOnly) {
  constexpr DWORD kDheGcm = 0x009E;  // TLS_DHE_RSA_WITH_AES_128_GCM_SHA256
  const PkeyPtr peer_owner(NewFfdhe("ffdhe2048")), other_group_owner(NewFfdhe("ffdhe3072"));
  EVP_PKEY* const peer = peer_owner.get();
  EVP_PKEY* const other_group = other_group_owner.get();
  ASSERT_NE(peer, nullptr);
  ASSERT_NE(other_group, nullptr);
  for (DWORD role : {DWORD{NCRYPT_SSL_CLIENT_FLAG}, DWORD{NCRYPT_SSL_SERVER_FLAG}}) {
    SCOPED_TRACE(role);
    Params p;
    NCRYPT_KEY_HANDLE eph = 0;
    ASSERT_EQ(SslCreateEphemeralKey(prov_, &eph, kTls12, kDheGcm, 256, 0, nullptr, 0, 0), 0);  // ffdhe2048
    Keep(eph);
    const NCRYPT_KEY_HANDLE peer_pub = Keep(Import(prov_, u"DHPUBLICBLOB", DhPublicBlob(peer)));
    const NCRYPT_KEY_HANDLE wrong_pub = Keep(Import(prov_, u"DHPUBLICBLOB", DhPublicBlob(other_group)));
    NCRYPT_KEY_HANDLE master = kSentinel;
    // A failed call does not use the key up: a peer on another group is refused first.
    EXPECT_EQ(SslGenerateMasterKey(prov_, eph, wrong_pub, &master, kTls12, kDheGcm, p.get(), nullptr, 0, nullptr, role),
              NTE_BAD_KEY);
    EXPECT_EQ(SslGenerateMasterKey(prov_, eph, peer_pub, &master, kTls12, kDheGcm, nullptr, nullptr, 0, nullptr, role),
              NTE_INVALID_PARAMETER);
    EXPECT_EQ(master, kSentinel);
    // The one use.
    ASSERT_EQ(SslGenerateMasterKey(prov_, eph, peer_pub, &master, kTls12, kDheGcm, p.get(), nullptr, 0, nullptr, role),
              0);
    Keep(master);
    const ByteVec ms = Tls1MasterSecret("SHA256", DhWithProviderKey(prov_, eph, peer), p.cr, p.sr);
    EXPECT_EQ(Export(prov_, master, p.randoms()), ExpectedExport("SHA256", ms, p.randoms()));
    // Any further use -- same peer, another peer, other randoms -- is NTE_BAD_KEY_STATE, no handle.
    NCRYPT_KEY_HANDLE again = kSentinel;
    DWORD result = 99;
    EXPECT_EQ(SslGenerateMasterKey(prov_, eph, peer_pub, &again, kTls12, kDheGcm, p.get(), nullptr, 0, &result, role),
              NTE_BAD_KEY_STATE);
    Params other;
    other.cr[0] ^= 1;
    EXPECT_EQ(SslGenerateMasterKey(prov_, eph, peer_pub, &again, kTls12, kDheGcm, other.get(), nullptr, 0, nullptr,
                                   role ^ 3u),
              NTE_BAD_KEY_STATE);
    EXPECT_EQ(again, kSentinel);
    EXPECT_EQ(result, 99u);
    // The key itself stays usable for what does not derive a secret (its public half).
    DWORD len = 0;
    EXPECT_EQ(SslExportKey(prov_, eph, W(u"DHPUBLICBLOB"), nullptr, 0, &len, 0), 0);
  }
}

TEST_F(MasterKeys, EcdheEphemeralKeyMayBeUsedAgain) {
  // ECDHE secrets are fixed-length (RFC 8422 §5.10): no Raccoon timing, so no single-use rule.
  Params p;
  const NCRYPT_KEY_HANDLE eph = Eph(), pub = PeerPub();
  const ByteVec ms = Tls1MasterSecret("SHA256", EcdhWithProviderKey(prov_, eph, peer_), p.cr, p.sr);
  for (int i = 0; i < 3; ++i) {
    NCRYPT_KEY_HANDLE master = 0;
    ASSERT_EQ(SslGenerateMasterKey(prov_, eph, pub, &master, kTls12, kEcdheGcm, p.get(), nullptr, 0, nullptr,
                                   NCRYPT_SSL_SERVER_FLAG),
              0);
    Keep(master);
    EXPECT_EQ(Export(prov_, master, p.randoms()), ExpectedExport("SHA256", ms, p.randoms()));
  }
}

#if defined(_WIN32)
// ---- Windows: a raw NCrypt key handle as the server's RSA key ----------------------------------
// Schannel may pass SslGenerateMasterKey (RSA key transport, client) an NCRYPT_KEY_HANDLE from
// NCryptImportKey of the server certificate's public key instead of an SslImportKey handle
// (docs/reference/functions.md#foreign-public-key). The test makes such a handle with the Microsoft
// Software KSP (Wine supports importing and exporting RSA public blobs) and checks the ciphertext
// with OpenSSL and the fixture's private key. ncrypt.dll is loaded at run time: this executable
// links only the provider's DLL.

namespace {

struct NcryptApi {
  HMODULE dll = nullptr;
  decltype(&NCryptOpenStorageProvider) open_provider = nullptr;
  decltype(&NCryptImportKey) import_key = nullptr;
  decltype(&NCryptFreeObject) free_object = nullptr;
  bool Load() {
    dll = LoadLibraryW(L"ncrypt.dll");
    if (dll == nullptr) return false;
    // Through void* (as dynamic_load_test does): FARPROC's type differs from the real ones.
    open_provider = reinterpret_cast<decltype(open_provider)>(Symbol("NCryptOpenStorageProvider"));
    import_key = reinterpret_cast<decltype(import_key)>(Symbol("NCryptImportKey"));
    free_object = reinterpret_cast<decltype(free_object)>(Symbol("NCryptFreeObject"));
    return open_provider != nullptr && import_key != nullptr && free_object != nullptr;
  }
  void* Symbol(const char* name) const { return reinterpret_cast<void*>(GetProcAddress(dll, name)); }
};

}  // namespace

class WindowsNcryptPublicKey : public MasterKeys {
 protected:
  void SetUp() override {
    MasterKeys::SetUp();
    if (!api_.Load()) GTEST_SKIP() << "ncrypt.dll or its exports not found";
    const SECURITY_STATUS st = api_.open_provider(&ksp_, MS_KEY_STORAGE_PROVIDER, 0);
    if (st != ERROR_SUCCESS) GTEST_SKIP() << "NCryptOpenStorageProvider: 0x" << std::hex << st;
  }
  void TearDown() override {
    for (NCRYPT_KEY_HANDLE k : ncrypt_keys_) EXPECT_EQ(api_.free_object(k), ERROR_SUCCESS) << "still the caller's";
    if (ksp_ != 0) api_.free_object(ksp_);
    MasterKeys::TearDown();
  }
  // NCryptImportKey of a public blob; 0 (with the status in *status) if the KSP refuses it.
  NCRYPT_KEY_HANDLE NcryptImport(LPCWSTR type, ByteVec blob, SECURITY_STATUS* status = nullptr) {
    NCRYPT_KEY_HANDLE key = 0;
    const SECURITY_STATUS st =
        api_.import_key(ksp_, 0, type, nullptr, &key, blob.data(), static_cast<DWORD>(blob.size()), 0);
    if (status != nullptr) *status = st;
    if (st != ERROR_SUCCESS) return 0;
    ncrypt_keys_.push_back(key);
    return key;
  }
  NcryptApi api_;
  NCRYPT_PROV_HANDLE ksp_ = 0;
  std::vector<NCRYPT_KEY_HANDLE> ncrypt_keys_;
};

TEST_F(WindowsNcryptPublicKey, RsaKeyTransportWithARawNcryptHandle) {
  SECURITY_STATUS st = 0;
  const NCRYPT_KEY_HANDLE raw = NcryptImport(BCRYPT_RSAPUBLIC_BLOB, RsaPublicBlob(rsa_), &st);
  ASSERT_NE(raw, 0u) << "NCryptImportKey(BCRYPT_RSAPUBLIC_BLOB): 0x" << std::hex << st;
  Params p;
  p.with_version = true;
  // Size query, then the real call: OpenSSL decrypts the ClientKeyExchange with the private key.
  NCRYPT_KEY_HANDLE master = kSentinel;
  DWORD len = 0;
  ASSERT_EQ(
      SslGenerateMasterKey(prov_, 0, raw, &master, kTls12, kRsaGcm, p.get(), nullptr, 0, &len, NCRYPT_SSL_CLIENT_FLAG),
      0);
  EXPECT_EQ(len, 256u);
  EXPECT_EQ(master, kSentinel);
  ByteVec ct(256);
  ASSERT_EQ(SslGenerateMasterKey(prov_, 0, raw, &master, kTls12, kRsaGcm, p.get(), ct.data(), 256, &len,
                                 NCRYPT_SSL_CLIENT_FLAG),
            0);
  Keep(master);
  ASSERT_EQ(len, 256u);
  const ByteVec pms = RsaPkcs1Decrypt(rsa_, ct);
  ASSERT_EQ(pms.size(), 48u);
  EXPECT_EQ(pms[0], 0x03);
  EXPECT_EQ(pms[1], 0x03);
  EXPECT_EQ(Export(prov_, master, p.randoms()),
            ExpectedExport("SHA256", Tls1MasterSecret("SHA256", pms, p.cr, p.sr), p.randoms()));
  // The split flow takes the same handle (inference: same client step).
  NCRYPT_KEY_HANDLE pre = 0;
  ASSERT_EQ(SslGeneratePreMasterKey(prov_, raw, &pre, kTls12, kRsaGcm, p.get(), ct.data(), 256, &len, 0), 0);
  Keep(pre);
  const ByteVec pms2 = RsaPkcs1Decrypt(rsa_, ct);
  NCRYPT_KEY_HANDLE master2 = 0;
  ASSERT_EQ(SslGenerateMasterKey(prov_, pre, 0, &master2, kTls12, kRsaGcm, p.get(), nullptr, 0, nullptr,
                                 NCRYPT_SSL_CLIENT_FLAG),
            0);
  Keep(master2);
  EXPECT_EQ(Export(prov_, master2, p.randoms()),
            ExpectedExport("SHA256", Tls1MasterSecret("SHA256", pms2, p.cr, p.sr), p.randoms()));
}

TEST_F(WindowsNcryptPublicKey, Safety) {
  Params p;
  p.with_version = true;
  NCRYPT_KEY_HANDLE out = kSentinel;
  ByteVec ct(256, 0xcc);
  DWORD len = 0;
  auto master_call = [&](NCRYPT_KEY_HANDLE key) {
    return SslGenerateMasterKey(prov_, 0, key, &out, kTls12, kRsaGcm, p.get(), ct.data(), 256, &len,
                                NCRYPT_SSL_CLIENT_FLAG);
  };
  auto pre_call = [&](NCRYPT_KEY_HANDLE key) {
    return SslGeneratePreMasterKey(prov_, key, &out, kTls12, kRsaGcm, p.get(), ct.data(), 256, &len, 0);
  };
  // Values that are not NCrypt keys: never handed to ncrypt unless they are readable memory, and
  // then refused by ncrypt itself (a KSP provider handle, a zeroed buffer).
  const NCRYPT_KEY_HANDLE stale_ours = Import(prov_, u"RSAPUBLICBLOB", RsaPublicBlob(rsa_));
  ASSERT_EQ(SslFreeObject(stale_ours, 0), 0);
  alignas(16) static std::uint8_t zeros[256] = {};
  const NCRYPT_KEY_HANDLE not_keys[] = {0x12345679,  // misaligned
                                        0x10,        // unmapped
                                        stale_ours,  // a freed handle of ours
                                        static_cast<NCRYPT_KEY_HANDLE>(ksp_),
                                        reinterpret_cast<NCRYPT_KEY_HANDLE>(zeros)};
  for (NCRYPT_KEY_HANDLE h : not_keys) {
    EXPECT_EQ(master_call(h), NTE_INVALID_HANDLE) << std::hex << h;
    EXPECT_EQ(pre_call(h), NTE_INVALID_HANDLE) << std::hex << h;
  }
  // A live handle of ours of another kind is never tried as an NCrypt handle.
  EXPECT_EQ(master_call(Eph()), NTE_INVALID_HANDLE);
  // An NCrypt key that is not RSA: NTE_INVALID_PARAMETER, as for an EC key of ours.
  SECURITY_STATUS st = 0;
  NCRYPT_KEY_HANDLE ec = NcryptImport(BCRYPT_ECCPUBLIC_BLOB, P256PublicBlob(peer_), &st);
  if (ec == 0) {  // the KSP may take only the ECDSA magic for a public P-256 key
    ByteVec ecdsa = P256PublicBlob(peer_);
    ecdsa[0] = 0x45, ecdsa[1] = 0x43, ecdsa[2] = 0x53, ecdsa[3] = 0x31;  // BCRYPT_ECDSA_PUBLIC_P256_MAGIC
    ec = NcryptImport(BCRYPT_ECCPUBLIC_BLOB, ecdsa, &st);
  }
  if (ec != 0) {
    EXPECT_EQ(master_call(ec), NTE_INVALID_PARAMETER);
    EXPECT_EQ(pre_call(ec), NTE_INVALID_PARAMETER);
  } else {
    std::cout << "[ WindowsNcryptPublicKey ] Wine limit: NCryptImportKey(BCRYPT_ECCPUBLIC_BLOB) 0x" << std::hex << st
              << std::dec << "; the non-RSA case was not run" << std::endl;
  }
  // An RSA NCrypt key below the 1024-bit floor of SslImportKey: NTE_BAD_KEY.
  EVP_PKEY* small = EVP_RSA_gen(512);
  ASSERT_NE(small, nullptr);
  const NCRYPT_KEY_HANDLE weak = NcryptImport(BCRYPT_RSAPUBLIC_BLOB, RsaPublicBlob(small), &st);
  EVP_PKEY_free(small);
  if (weak != 0) {
    EXPECT_EQ(master_call(weak), NTE_BAD_KEY);
    EXPECT_EQ(pre_call(weak), NTE_BAD_KEY);
  } else {
    std::cout << "[ WindowsNcryptPublicKey ] NCryptImportKey refused a 512-bit RSA key: 0x" << std::hex << st
              << std::dec << std::endl;
  }
  EXPECT_EQ(out, kSentinel);
  EXPECT_EQ(ct, ByteVec(256, 0xcc)) << "no output on failure";
}
#endif  // _WIN32

// ---- safety: SslGenerateMasterKey ------------------------------------------------------------

TEST_F(MasterKeys, GenerateMasterKeySafety) {
  Params p;
  const NCRYPT_KEY_HANDLE eph = Eph(), pub = PeerPub();
  NCRYPT_KEY_HANDLE out = kSentinel;
  auto call = [&](NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE priv, NCRYPT_KEY_HANDLE peer, NCRYPT_KEY_HANDLE* ph,
                  DWORD proto, DWORD suite, NCryptBufferDesc* list, DWORD flags) {
    return SslGenerateMasterKey(prov, priv, peer, ph, proto, suite, list, nullptr, 0, nullptr, flags);
  };
  const DWORD c = NCRYPT_SSL_CLIENT_FLAG;
  EXPECT_EQ(call(0, eph, pub, &out, kTls12, kEcdheGcm, p.get(), c), NTE_INVALID_HANDLE);
  EXPECT_EQ(call(StaleProvider(), eph, pub, &out, kTls12, kEcdheGcm, p.get(), c), NTE_INVALID_HANDLE);
  EXPECT_EQ(call(eph, eph, pub, &out, kTls12, kEcdheGcm, p.get(), c), NTE_INVALID_HANDLE);  // key as provider
  EXPECT_EQ(call(prov_, eph, pub, nullptr, kTls12, kEcdheGcm, p.get(), c), NTE_INVALID_PARAMETER);
  for (DWORD flags : {0u, 3u, 0x100u, 0x80000001u})
    EXPECT_EQ(call(prov_, eph, pub, &out, kTls12, kEcdheGcm, p.get(), flags), NTE_BAD_FLAGS) << flags;
  EXPECT_EQ(call(prov_, eph, pub, &out, 0x0300, kEcdheGcm, p.get(), c), NTE_NOT_SUPPORTED);  // SSL 3
  EXPECT_EQ(call(prov_, eph, pub, &out, kTls10, kEcdheGcm, p.get(), c), NTE_NOT_SUPPORTED);  // GCM on TLS 1.0
  EXPECT_EQ(call(prov_, eph, pub, &out, 0x0304, 0x1301, p.get(), c), NTE_NOT_SUPPORTED);     // TLS 1.3
  EXPECT_EQ(call(prov_, eph, pub, &out, kTls12, 0x0004, p.get(), c), NTE_NOT_SUPPORTED);     // RC4
  EXPECT_EQ(call(prov_, eph, pub, &out, kTls12, 0x00A8, p.get(), c), NTE_NOT_SUPPORTED);     // PSK
  // Parameter list: NULL, missing random, bad sizes, duplicates, bad descriptor.
  EXPECT_EQ(call(prov_, eph, pub, &out, kTls12, kEcdheGcm, nullptr, c), NTE_INVALID_PARAMETER);
  Params no_sr;
  no_sr.with_sr = false;
  EXPECT_EQ(call(prov_, eph, pub, &out, kTls12, kEcdheGcm, no_sr.get(), c), NTE_INVALID_PARAMETER);
  Params short_cr;
  short_cr.cr.resize(31);
  NCryptBufferDesc* d = short_cr.get();
  d->pBuffers[0].cbBuffer = 31;
  EXPECT_EQ(call(prov_, eph, pub, &out, kTls12, kEcdheGcm, d, c), NTE_INVALID_PARAMETER);
  Params dup;
  NCryptBufferDesc* dd = dup.get();
  dd->pBuffers[1].BufferType = NCRYPTBUFFER_SSL_CLIENT_RANDOM;
  EXPECT_EQ(call(prov_, eph, pub, &out, kTls12, kEcdheGcm, dd, c), NTE_INVALID_PARAMETER);
  Params bad_version;
  NCryptBufferDesc* bv = bad_version.get();
  bv->ulVersion = 1;
  EXPECT_EQ(call(prov_, eph, pub, &out, kTls12, kEcdheGcm, bv, c), NTE_INVALID_PARAMETER);
  NCryptBufferDesc null_buffers{0, 2, nullptr};
  EXPECT_EQ(call(prov_, eph, pub, &out, kTls12, kEcdheGcm, &null_buffers, c), NTE_INVALID_PARAMETER);
  Params bad_hash;
  bad_hash.with_hash = true;
  bad_hash.session_hash = ByteVec(65, 1);
  EXPECT_EQ(call(prov_, eph, pub, &out, kTls12, kEcdheGcm, bad_hash.get(), c), NTE_INVALID_PARAMETER);
  // Key handles: wrong kinds, stale, the key exchange not matching the suite.
  EXPECT_EQ(call(prov_, prov_, pub, &out, kTls12, kEcdheGcm, p.get(), c), NTE_INVALID_HANDLE);
  EXPECT_EQ(call(prov_, pub, pub, &out, kTls12, kEcdheGcm, p.get(), c), NTE_INVALID_HANDLE);
  EXPECT_EQ(call(prov_, eph, eph, &out, kTls12, kEcdheGcm, p.get(), c), NTE_INVALID_HANDLE);
  EXPECT_EQ(call(prov_, eph, 0, &out, kTls12, kEcdheGcm, p.get(), c), NTE_INVALID_HANDLE);
  EXPECT_EQ(call(prov_, 0x12345678, pub, &out, kTls12, kEcdheGcm, p.get(), c), NTE_INVALID_HANDLE);
  const NCRYPT_KEY_HANDLE stale = MakeEphemeralP256(prov_);
  ASSERT_EQ(SslFreeObject(stale, 0), 0);
  EXPECT_EQ(call(prov_, stale, pub, &out, kTls12, kEcdheGcm, p.get(), c), NTE_INVALID_HANDLE);
  EXPECT_EQ(call(prov_, eph, pub, &out, kTls12, kRsaGcm, p.get(), c), NTE_INVALID_PARAMETER);  // RSA suite
  EXPECT_EQ(call(prov_, eph, pub, &out, kTls12, 0x009E, p.get(), c), NTE_INVALID_PARAMETER);   // DHE suite, EC key
  EXPECT_EQ(call(prov_, 0, pub, &out, kTls12, kEcdheGcm, p.get(), c), NTE_INVALID_PARAMETER);  // no key, ECDHE
  // RSA transport: server role, missing highest version, non-RSA public key, bad version value.
  Params rp;
  rp.with_version = true;
  const NCRYPT_KEY_HANDLE rsa = RsaPub();
  DWORD len = 0;
  ByteVec ct(256);
  auto rsa_call = [&](NCRYPT_KEY_HANDLE key, NCryptBufferDesc* list, DWORD flags, PBYTE o, DWORD* pcb) {
    return SslGenerateMasterKey(prov_, 0, key, &out, kTls12, kRsaGcm, list, o, 256, pcb, flags);
  };
  EXPECT_EQ(rsa_call(rsa, rp.get(), NCRYPT_SSL_SERVER_FLAG, ct.data(), &len), NTE_INVALID_PARAMETER);
  EXPECT_EQ(rsa_call(rsa, p.get(), c, ct.data(), &len), NTE_INVALID_PARAMETER);   // no HIGHEST_VERSION
  EXPECT_EQ(rsa_call(pub, rp.get(), c, ct.data(), &len), NTE_INVALID_PARAMETER);  // EC key
  EXPECT_EQ(rsa_call(0, rp.get(), c, ct.data(), &len), NTE_INVALID_HANDLE);
  EXPECT_EQ(rsa_call(rsa, rp.get(), c, ct.data(), nullptr), NTE_INVALID_PARAMETER);  // output needs pcbResult
  rp.version = 0x0300;
  EXPECT_EQ(rsa_call(rsa, rp.get(), c, ct.data(), &len), NTE_INVALID_PARAMETER);
  rp.version = 0x10303;
  EXPECT_EQ(rsa_call(rsa, rp.get(), c, ct.data(), &len), NTE_INVALID_PARAMETER);
  EXPECT_EQ(out, kSentinel);  // no handle on any failure
}

// ---- safety: SslImportMasterKey --------------------------------------------------------------

TEST_F(MasterKeys, ImportMasterKeySafety) {
  Params p;
  p.with_version = true;
  const NCRYPT_KEY_HANDLE priv = ServerPrivateKey();
  ByteVec ct(256, 0x42);
  NCRYPT_KEY_HANDLE out = kSentinel;
  const DWORD s = NCRYPT_SSL_SERVER_FLAG;
  EXPECT_EQ(SslImportMasterKey(0, priv, &out, kTls12, kRsaGcm, p.get(), ct.data(), 256, s), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslImportMasterKey(StaleProvider(), priv, &out, kTls12, kRsaGcm, p.get(), ct.data(), 256, s),
            NTE_INVALID_HANDLE);
  EXPECT_EQ(SslImportMasterKey(prov_, priv, nullptr, kTls12, kRsaGcm, p.get(), ct.data(), 256, s),
            NTE_INVALID_PARAMETER);
  for (DWORD flags : {0u, 1u, 3u, 0x102u})
    EXPECT_EQ(SslImportMasterKey(prov_, priv, &out, kTls12, kRsaGcm, p.get(), ct.data(), 256, flags), NTE_BAD_FLAGS);
  EXPECT_EQ(SslImportMasterKey(prov_, priv, &out, 0x0300, kRsaGcm, p.get(), ct.data(), 256, s), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslImportMasterKey(prov_, priv, &out, kTls12, 0x0005, p.get(), ct.data(), 256, s), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslImportMasterKey(prov_, priv, &out, kTls12, kRsaGcm, nullptr, ct.data(), 256, s), NTE_INVALID_PARAMETER);
  Params no_version;
  EXPECT_EQ(SslImportMasterKey(prov_, priv, &out, kTls12, kRsaGcm, no_version.get(), ct.data(), 256, s),
            NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslImportMasterKey(prov_, 0, &out, kTls12, kRsaGcm, p.get(), ct.data(), 256, s), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslImportMasterKey(prov_, prov_, &out, kTls12, kRsaGcm, p.get(), ct.data(), 256, s), NTE_INVALID_HANDLE);
  const NCRYPT_KEY_HANDLE rsa_pub = RsaPub();  // a public key is not a private key
  EXPECT_EQ(SslImportMasterKey(prov_, rsa_pub, &out, kTls12, kRsaGcm, p.get(), ct.data(), 256, s), NTE_INVALID_HANDLE);
  const NCRYPT_KEY_HANDLE stale = ServerPrivateKey();
  ASSERT_EQ(SslFreeObject(stale, 0), 0);
  handles_.pop_back();
  EXPECT_EQ(SslImportMasterKey(prov_, stale, &out, kTls12, kRsaGcm, p.get(), ct.data(), 256, s), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslImportMasterKey(prov_, priv, &out, kTls12, kEcdheGcm, p.get(), ct.data(), 256, s),
            NTE_INVALID_PARAMETER);  // not an RSA key-exchange suite
  EXPECT_EQ(SslImportMasterKey(prov_, priv, &out, kTls12, kRsaGcm, p.get(), nullptr, 256, s), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslImportMasterKey(prov_, priv, &out, kTls12, kRsaGcm, p.get(), ct.data(), 0, s), NTE_INVALID_PARAMETER);
  ByteVec huge(4096);
  EXPECT_EQ(SslImportMasterKey(prov_, priv, &out, kTls12, kRsaGcm, p.get(), huge.data(), 4096, s),
            NTE_INVALID_PARAMETER);
  // Argument errors win over a bad key handle (every export checks its arguments before the
  // handle lookup): the suite, the ciphertext pointer and its length.
  for (NCRYPT_KEY_HANDLE bad : {NCRYPT_KEY_HANDLE{0}, stale, rsa_pub}) {
    EXPECT_EQ(SslImportMasterKey(prov_, bad, &out, kTls12, kEcdheGcm, p.get(), ct.data(), 256, s),
              NTE_INVALID_PARAMETER);
    EXPECT_EQ(SslImportMasterKey(prov_, bad, &out, kTls12, kRsaGcm, p.get(), nullptr, 256, s), NTE_INVALID_PARAMETER);
    EXPECT_EQ(SslImportMasterKey(prov_, bad, &out, kTls12, kRsaGcm, p.get(), ct.data(), 0, s), NTE_INVALID_PARAMETER);
    EXPECT_EQ(SslImportMasterKey(prov_, bad, &out, kTls12, kRsaGcm, p.get(), huge.data(), 4096, s),
              NTE_INVALID_PARAMETER);
  }
  // The longest accepted ciphertext (RSA-16384 plus the length prefix) reaches the key: with a
  // 2048-bit key it decrypts to a random pre-master (implicit rejection), not an error.
  ByteVec longest(16384 / 8 + 2, 0x42);
  NCRYPT_KEY_HANDLE master = 0;
  EXPECT_EQ(SslImportMasterKey(prov_, priv, &master, kTls12, kRsaGcm, p.get(), longest.data(),
                               static_cast<DWORD>(longest.size()), s),
            0);
  if (master != 0) SslFreeObject(master, 0);
  EXPECT_EQ(SslImportMasterKey(prov_, priv, &out, kTls12, kRsaGcm, p.get(), longest.data(),
                               static_cast<DWORD>(longest.size() + 1), s),
            NTE_INVALID_PARAMETER);
  EXPECT_EQ(out, kSentinel);
}

// ---- safety: SslGeneratePreMasterKey -----------------------------------------------------------

TEST_F(MasterKeys, GeneratePreMasterKeySafety) {
  Params p;
  p.with_version = true;
  const NCRYPT_KEY_HANDLE rsa = RsaPub(), ec = PeerPub();
  NCRYPT_KEY_HANDLE out = kSentinel;
  ByteVec ct(256);
  DWORD len = 0;
  auto call = [&](NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE key, NCRYPT_KEY_HANDLE* ph, DWORD proto, DWORD suite,
                  NCryptBufferDesc* list, PBYTE o, DWORD cb, DWORD* pcb, DWORD flags) {
    return SslGeneratePreMasterKey(prov, key, ph, proto, suite, list, o, cb, pcb, flags);
  };
  EXPECT_EQ(call(0, rsa, &out, kTls12, kRsaGcm, p.get(), ct.data(), 256, &len, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(call(StaleProvider(), rsa, &out, kTls12, kRsaGcm, p.get(), ct.data(), 256, &len, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(call(prov_, rsa, nullptr, kTls12, kRsaGcm, p.get(), ct.data(), 256, &len, 0), NTE_INVALID_PARAMETER);
  for (DWORD flags : {2u, 3u, 0x100u})
    EXPECT_EQ(call(prov_, rsa, &out, kTls12, kRsaGcm, p.get(), ct.data(), 256, &len, flags), NTE_BAD_FLAGS);
  EXPECT_EQ(call(prov_, rsa, &out, 0x0002, kRsaGcm, p.get(), ct.data(), 256, &len, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(call(prov_, rsa, &out, kTls12, 0x000A, p.get(), ct.data(), 256, &len, 0), NTE_NOT_SUPPORTED);  // 3DES
  Params no_version;
  EXPECT_EQ(call(prov_, rsa, &out, kTls12, kRsaGcm, no_version.get(), ct.data(), 256, &len, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(call(prov_, rsa, &out, kTls12, kRsaGcm, nullptr, ct.data(), 256, &len, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(call(prov_, 0, &out, kTls12, kRsaGcm, p.get(), ct.data(), 256, &len, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(call(prov_, prov_, &out, kTls12, kRsaGcm, p.get(), ct.data(), 256, &len, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(call(prov_, ec, &out, kTls12, kRsaGcm, p.get(), ct.data(), 256, &len, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(call(prov_, rsa, &out, kTls12, kEcdheGcm, p.get(), ct.data(), 256, &len, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(call(prov_, rsa, &out, kTls12, kRsaGcm, p.get(), ct.data(), 256, nullptr, 0), NTE_INVALID_PARAMETER);
  ByteVec small(255, 0xcc);
  EXPECT_EQ(call(prov_, rsa, &out, kTls12, kRsaGcm, p.get(), small.data(), 255, &len, 0), NTE_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, 256u);
  EXPECT_EQ(small, ByteVec(255, 0xcc));
  const NCRYPT_KEY_HANDLE stale = Import(prov_, u"RSAPUBLICBLOB", RsaPublicBlob(rsa_));
  ASSERT_EQ(SslFreeObject(stale, 0), 0);
  EXPECT_EQ(call(prov_, stale, &out, kTls12, kRsaGcm, p.get(), ct.data(), 256, &len, 0), NTE_INVALID_HANDLE);
  // A suite without RSA key transport is an argument error whatever the handle (arguments are
  // checked before the handle lookup).
  for (NCRYPT_KEY_HANDLE bad : {NCRYPT_KEY_HANDLE{0}, stale, NCRYPT_KEY_HANDLE{prov_}})
    EXPECT_EQ(call(prov_, bad, &out, kTls12, kEcdheGcm, p.get(), ct.data(), 256, &len, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(out, kSentinel);
}

// ---- safety: SslComputeEapKeyBlock and SslExportKeyingMaterial ---------------------------------

class DerivedSafety : public MasterKeys {
 protected:
  void SetUp() override {
    MasterKeys::SetUp();
    Params p;
    ASSERT_EQ(SslGenerateMasterKey(prov_, Eph(), PeerPub(), &master_, kTls12, kEcdheGcm, p.get(), nullptr, 0, nullptr,
                                   NCRYPT_SSL_CLIENT_FLAG),
              0);
    Keep(master_);
    randoms_ = p.randoms();
  }
  NCRYPT_KEY_HANDLE master_ = 0;
  ByteVec randoms_;
};

TEST_F(DerivedSafety, EapKeyBlock) {
  ByteVec out(128, 0xcc);
  DWORD len = 0;
  PBYTE r = randoms_.data();
  EXPECT_EQ(SslComputeEapKeyBlock(0, master_, r, 64, out.data(), 128, &len, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslComputeEapKeyBlock(StaleProvider(), master_, r, 64, out.data(), 128, &len, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslComputeEapKeyBlock(prov_, 0, r, 64, out.data(), 128, &len, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslComputeEapKeyBlock(prov_, prov_, r, 64, out.data(), 128, &len, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslComputeEapKeyBlock(prov_, Eph(), r, 64, out.data(), 128, &len, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslComputeEapKeyBlock(prov_, master_, r, 64, out.data(), 128, nullptr, 0), NTE_INVALID_PARAMETER);
  for (DWORD flags : {4u, 0xffu, 0x100u, 0x102u})
    EXPECT_EQ(SslComputeEapKeyBlock(prov_, master_, r, 64, out.data(), 128, &len, flags), NTE_BAD_FLAGS) << flags;
  EXPECT_EQ(SslComputeEapKeyBlock(prov_, master_, nullptr, 64, out.data(), 128, &len, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslComputeEapKeyBlock(prov_, master_, r, 0, out.data(), 128, &len, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslComputeEapKeyBlock(prov_, master_, r, 63, out.data(), 128, &len, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslComputeEapKeyBlock(prov_, master_, r, 65, out.data(), 128, &len, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(out, ByteVec(128, 0xcc));
  // A freed master key.
  Params p;
  NCRYPT_KEY_HANDLE stale = 0;
  ASSERT_EQ(SslGenerateMasterKey(prov_, Eph(), PeerPub(), &stale, kTls12, kEcdheGcm, p.get(), nullptr, 0, nullptr,
                                 NCRYPT_SSL_CLIENT_FLAG),
            0);
  ASSERT_EQ(SslFreeObject(stale, 0), 0);
  EXPECT_EQ(SslComputeEapKeyBlock(prov_, stale, r, 64, out.data(), 128, &len, 0), NTE_INVALID_HANDLE);
}

TEST_F(DerivedSafety, ExportKeyingMaterial) {
  ByteVec out(32, 0xcc);
  char label[] = "EXPORTER-x";
  PBYTE r = randoms_.data();
  std::uint8_t ctx[4] = {};
  EXPECT_EQ(SslExportKeyingMaterial(0, master_, label, r, 64, nullptr, 0, out.data(), 32, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExportKeyingMaterial(StaleProvider(), master_, label, r, 64, nullptr, 0, out.data(), 32, 0),
            NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExportKeyingMaterial(prov_, 0, label, r, 64, nullptr, 0, out.data(), 32, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExportKeyingMaterial(prov_, PeerPub(), label, r, 64, nullptr, 0, out.data(), 32, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExportKeyingMaterial(prov_, master_, label, r, 64, nullptr, 0, out.data(), 32, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(SslExportKeyingMaterial(prov_, master_, nullptr, r, 64, nullptr, 0, out.data(), 32, 0),
            NTE_INVALID_PARAMETER);
  char empty_label[] = "";
  EXPECT_EQ(SslExportKeyingMaterial(prov_, master_, empty_label, r, 64, nullptr, 0, out.data(), 32, 0),
            NTE_INVALID_PARAMETER);
  char reserved[] = "key expansion";
  EXPECT_EQ(SslExportKeyingMaterial(prov_, master_, reserved, r, 64, nullptr, 0, out.data(), 32, 0),
            NTE_INVALID_PARAMETER);
  std::string long_label(256, 'a');
  EXPECT_EQ(SslExportKeyingMaterial(prov_, master_, long_label.data(), r, 64, nullptr, 0, out.data(), 32, 0),
            NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExportKeyingMaterial(prov_, master_, label, nullptr, 64, nullptr, 0, out.data(), 32, 0),
            NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExportKeyingMaterial(prov_, master_, label, r, 32, nullptr, 0, out.data(), 32, 0),
            NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExportKeyingMaterial(prov_, master_, label, r, 64, nullptr, 4, out.data(), 32, 0),
            NTE_INVALID_PARAMETER);  // length without a context
  EXPECT_EQ(SslExportKeyingMaterial(prov_, master_, label, r, 64, ctx, 4, nullptr, 32, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExportKeyingMaterial(prov_, master_, label, r, 64, ctx, 4, out.data(), 0, 0), NTE_INVALID_PARAMETER);
  ByteVec big(1);
  EXPECT_EQ(SslExportKeyingMaterial(prov_, master_, label, r, 64, ctx, 4, big.data(), (1u << 20) + 1, 0),
            NTE_INVALID_PARAMETER);
  EXPECT_EQ(out, ByteVec(32, 0xcc));
  // The longest context fits the PRF's seed limit? 65535 bytes do not: refused, not truncated.
  ByteVec long_ctx(1000, 1);
  EXPECT_EQ(SslExportKeyingMaterial(prov_, master_, label, r, 64, long_ctx.data(), 1000, out.data(), 32, 0),
            NTE_INVALID_PARAMETER);
  EXPECT_EQ(out, ByteVec(32, 0xcc));
}

}  // namespace

// ---- Session keys and Finished: the provider against OpenSSL's own arithmetic ---------------

namespace {

// AES-128-GCM seal/open of one TLS 1.2 record with OpenSSL's EVP directly (RFC 5288 §3: nonce =
// 4-byte salt || 8-byte explicit nonce; AAD = seq || type || version || plaintext length).
ByteVec GcmRecordAad(std::uint64_t seq, std::uint8_t type, std::size_t length) {
  ByteVec aad(13);
  for (int i = 0; i < 8; ++i) aad[i] = static_cast<std::uint8_t>(seq >> (56 - 8 * i));
  aad[8] = type;
  aad[9] = 3;
  aad[10] = 3;
  aad[11] = static_cast<std::uint8_t>(length >> 8);
  aad[12] = static_cast<std::uint8_t>(length);
  return aad;
}

std::optional<ByteVec> OpensslGcmOpen(const ByteVec& key, const ByteVec& salt, const ByteVec& record,
                                      std::uint64_t seq) {
  if (record.size() < 5 + 8 + 16) return std::nullopt;
  const std::size_t n = record.size() - 5 - 8 - 16;
  ByteVec nonce = salt;
  nonce.insert(nonce.end(), record.begin() + 5, record.begin() + 13);
  const ByteVec aad = GcmRecordAad(seq, record[0], n);
  return AeadOpen("AES-128-GCM", key, nonce, aad, ByteView(record).subspan(13));
}

ByteVec OpensslGcmSeal(const ByteVec& key, const ByteVec& salt, const ByteVec& plaintext, std::uint64_t seq,
                       std::uint8_t type) {
  ByteVec explicit_nonce(8);
  for (int i = 0; i < 8; ++i) explicit_nonce[i] = static_cast<std::uint8_t>(seq >> (56 - 8 * i));
  ByteVec nonce = Concat({salt, explicit_nonce});
  const ByteVec aad = GcmRecordAad(seq, type, plaintext.size());
  ByteVec record = {type, 3, 3, 0, 0};
  const std::size_t body = 8 + plaintext.size() + 16;
  record[3] = static_cast<std::uint8_t>(body >> 8);
  record[4] = static_cast<std::uint8_t>(body);
  record.insert(record.end(), explicit_nonce.begin(), explicit_nonce.end());
  return Concat({record, AeadSeal("AES-128-GCM", key, nonce, aad, plaintext)});
}

ByteVec Sha256(const ByteVec& data) { return Digest("SHA256", data); }

}  // namespace

// The whole TLS 1.2 ECDHE-RSA-AES128-GCM key schedule of a client, end to end through the API:
// master secret, key block, write and read keys, Finished in both directions — every expected
// value computed by OpenSSL from the ECDH secret it derives itself.
TEST_F(MasterKeys, SessionKeysAndFinishedMatchOpenssl) {
  Params p;
  const NCRYPT_KEY_HANDLE eph = Eph(), pub = PeerPub();
  NCRYPT_KEY_HANDLE master = 0;
  ASSERT_EQ(SslGenerateMasterKey(prov_, eph, pub, &master, kTls12, kEcdheGcm, p.get(), nullptr, 0, nullptr,
                                 NCRYPT_SSL_CLIENT_FLAG),
            0);
  Keep(master);
  const ByteVec ms = Tls1MasterSecret("SHA256", EcdhWithProviderKey(prov_, eph, peer_), p.cr, p.sr);
  // RFC 5246 §6.3: key_block = PRF(master, "key expansion", server_random || client_random);
  // AES-128-GCM: client_write_key, server_write_key (16 each), client_write_IV, server_write_IV (4).
  const ByteVec kb = Tls1KeyBlock("SHA256", ms, p.cr, p.sr, 40);
  const ByteVec client_key(kb.begin(), kb.begin() + 16), server_key(kb.begin() + 16, kb.begin() + 32);
  const ByteVec client_iv(kb.begin() + 32, kb.begin() + 36), server_iv(kb.begin() + 36, kb.begin() + 40);

  NCRYPT_KEY_HANDLE read = 0, write = 0;
  ASSERT_EQ(SslGenerateSessionKeys(prov_, master, &read, &write, p.get(), 0), 0);
  Keep(read);
  Keep(write);

  // Our write key (client) -> OpenSSL opens with client_write_*.
  const ByteVec hello = {'h', 'e', 'l', 'l', 'o', ' ', 't', 'l', 's'};
  ByteVec record(5 + 8 + hello.size() + 16 + 64);
  DWORD written = 0;
  ASSERT_EQ(SslEncryptPacket(prov_, write, const_cast<PBYTE>(hello.data()), static_cast<DWORD>(hello.size()),
                             record.data(), static_cast<DWORD>(record.size()), &written, 7, CT_APPLICATIONDATA, 0),
            0);
  record.resize(written);
  auto opened = OpensslGcmOpen(client_key, client_iv, record, 7);
  ASSERT_TRUE(opened.has_value()) << "OpenSSL could not authenticate our record";
  EXPECT_EQ(*opened, hello);
  EXPECT_FALSE(OpensslGcmOpen(client_key, client_iv, record, 8).has_value()) << "the sequence number is bound";

  // OpenSSL seals with server_write_* -> our read key opens it.
  const ByteVec reply = {'o', 'k'};
  ByteVec incoming = OpensslGcmSeal(server_key, server_iv, reply, 3, CT_APPLICATIONDATA);
  ByteVec plain(incoming.size());
  DWORD plain_len = 0;
  ASSERT_EQ(SslDecryptPacket(prov_, read, incoming.data(), static_cast<DWORD>(incoming.size()), plain.data(),
                             static_cast<DWORD>(plain.size()), &plain_len, 3, 0),
            0);
  plain.resize(plain_len);
  EXPECT_EQ(plain, reply);

  // Finished (RFC 5246 §7.4.9) over a transcript, for either sender; the transcript is not consumed.
  NCRYPT_HASH_HANDLE transcript = 0;
  ASSERT_EQ(SslCreateHandshakeHash(prov_, &transcript, kTls12, kEcdheGcm, 0), 0);
  const ByteVec messages = {1, 0, 0, 4, 'a', 'b', 'c', 'd', 2, 0, 0, 2, 'x', 'y'};
  ASSERT_EQ(
      SslHashHandshake(prov_, transcript, const_cast<PBYTE>(messages.data()), static_cast<DWORD>(messages.size()), 0),
      0);
  for (DWORD sender : {DWORD{NCRYPT_SSL_CLIENT_FLAG}, DWORD{NCRYPT_SSL_SERVER_FLAG}}) {
    ByteVec verify(12);
    ASSERT_EQ(SslComputeFinishedHash(prov_, master, transcript, verify.data(), 12, sender), 0);
    const char* label = sender == NCRYPT_SSL_CLIENT_FLAG ? "client finished" : "server finished";
    EXPECT_EQ(verify, Tls1Prf("SHA256", ms, label, Sha256(messages), 12)) << label;
  }
  // The transcript keeps growing after Finished was computed.
  const ByteVec more = {20, 0, 0, 12};
  ASSERT_EQ(SslHashHandshake(prov_, transcript, const_cast<PBYTE>(more.data()), 4, 0), 0);
  ByteVec verify(12);
  ASSERT_EQ(SslComputeFinishedHash(prov_, master, transcript, verify.data(), 12, NCRYPT_SSL_SERVER_FLAG), 0);
  EXPECT_EQ(verify, Tls1Prf("SHA256", ms, "server finished", Sha256(Concat({messages, more})), 12));
  EXPECT_EQ(SslFreeObject(transcript, 0), 0);
}

TEST_F(MasterKeys, ServerRoleSwapsReadAndWriteKeys) {
  Params p;
  const NCRYPT_KEY_HANDLE eph = Eph(), pub = PeerPub();
  NCRYPT_KEY_HANDLE master = 0;
  ASSERT_EQ(SslGenerateMasterKey(prov_, eph, pub, &master, kTls12, kEcdheGcm, p.get(), nullptr, 0, nullptr,
                                 NCRYPT_SSL_SERVER_FLAG),
            0);
  Keep(master);
  const ByteVec ms = Tls1MasterSecret("SHA256", EcdhWithProviderKey(prov_, eph, peer_), p.cr, p.sr);
  const ByteVec kb = Tls1KeyBlock("SHA256", ms, p.cr, p.sr, 40);
  const ByteVec server_key(kb.begin() + 16, kb.begin() + 32), server_iv(kb.begin() + 36, kb.begin() + 40);
  NCRYPT_KEY_HANDLE read = 0, write = 0;
  ASSERT_EQ(SslGenerateSessionKeys(prov_, master, &read, &write, p.get(), 0), 0);
  Keep(read);
  Keep(write);
  const ByteVec data = {1, 2, 3};
  ByteVec record(64);
  DWORD written = 0;
  ASSERT_EQ(SslEncryptPacket(prov_, write, const_cast<PBYTE>(data.data()), 3, record.data(), 64, &written, 0,
                             CT_HANDSHAKE, 0),
            0);
  record.resize(written);
  auto opened = OpensslGcmOpen(server_key, server_iv, record, 0);
  ASSERT_TRUE(opened.has_value()) << "a server writes with server_write_*";
  EXPECT_EQ(*opened, data);
}

TEST_F(MasterKeys, GenerateSessionKeysSafety) {
  Params p;
  const NCRYPT_KEY_HANDLE eph = Eph(), pub = PeerPub();
  NCRYPT_KEY_HANDLE master = 0;
  ASSERT_EQ(SslGenerateMasterKey(prov_, eph, pub, &master, kTls12, kEcdheGcm, p.get(), nullptr, 0, nullptr,
                                 NCRYPT_SSL_CLIENT_FLAG),
            0);
  Keep(master);
  constexpr NCRYPT_KEY_HANDLE kSentinel = 0x5A5A;
  NCRYPT_KEY_HANDLE read = kSentinel, write = kSentinel;
  // The seed document's cases: bad provider or master key handle.
  EXPECT_EQ(SslGenerateSessionKeys(0, master, &read, &write, p.get(), 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslGenerateSessionKeys(StaleProvider(), master, &read, &write, p.get(), 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslGenerateSessionKeys(master, master, &read, &write, p.get(), 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslGenerateSessionKeys(prov_, 0, &read, &write, p.get(), 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslGenerateSessionKeys(prov_, eph, &read, &write, p.get(), 0), NTE_INVALID_HANDLE) << "not a master key";
  EXPECT_EQ(SslGenerateSessionKeys(prov_, prov_, &read, &write, p.get(), 0), NTE_INVALID_HANDLE);
  // NULL phReadKey / phWriteKey, missing randoms.
  EXPECT_EQ(SslGenerateSessionKeys(prov_, master, nullptr, &write, p.get(), 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslGenerateSessionKeys(prov_, master, &read, nullptr, p.get(), 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslGenerateSessionKeys(prov_, master, &read, &write, nullptr, 0), NTE_INVALID_PARAMETER);
  p.with_sr = false;
  EXPECT_EQ(SslGenerateSessionKeys(prov_, master, &read, &write, p.get(), 0), NTE_INVALID_PARAMETER);
  p.with_sr = true;
  p.with_cr = false;
  EXPECT_EQ(SslGenerateSessionKeys(prov_, master, &read, &write, p.get(), 0), NTE_INVALID_PARAMETER);
  p.with_cr = true;
  NCryptBuffer short_random{16, NCRYPTBUFFER_SSL_CLIENT_RANDOM, p.cr.data()};
  NCryptBufferDesc bad{NCRYPTBUFFER_VERSION, 1, &short_random};
  EXPECT_EQ(SslGenerateSessionKeys(prov_, master, &read, &write, &bad, 0), NTE_INVALID_PARAMETER);
  // Reserved flags.
  for (DWORD flags : {DWORD{1}, DWORD{NCRYPT_SSL_SERVER_FLAG}, DWORD{0x80000000u}})
    EXPECT_EQ(SslGenerateSessionKeys(prov_, master, &read, &write, p.get(), flags), NTE_BAD_FLAGS);
  EXPECT_EQ(read, kSentinel);
  EXPECT_EQ(write, kSentinel);
  // A freed master key is stale.
  NCRYPT_KEY_HANDLE doomed = 0;
  ASSERT_EQ(SslGenerateMasterKey(prov_, eph, pub, &doomed, kTls12, kEcdheGcm, p.get(), nullptr, 0, nullptr,
                                 NCRYPT_SSL_CLIENT_FLAG),
            0);
  ASSERT_EQ(SslFreeObject(doomed, 0), 0);
  EXPECT_EQ(SslGenerateSessionKeys(prov_, doomed, &read, &write, p.get(), 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(read, kSentinel);
  EXPECT_EQ(write, kSentinel);
}

TEST_F(MasterKeys, ComputeFinishedHashSafety) {
  Params p;
  const NCRYPT_KEY_HANDLE eph = Eph(), pub = PeerPub();
  NCRYPT_KEY_HANDLE master = 0;
  ASSERT_EQ(SslGenerateMasterKey(prov_, eph, pub, &master, kTls12, kEcdheGcm, p.get(), nullptr, 0, nullptr,
                                 NCRYPT_SSL_CLIENT_FLAG),
            0);
  Keep(master);
  NCRYPT_HASH_HANDLE transcript = 0, client_auth = 0, other_suite = 0, tls10 = 0;
  ASSERT_EQ(SslCreateHandshakeHash(prov_, &transcript, kTls12, kEcdheGcm, 0), 0);
  ASSERT_EQ(SslCreateClientAuthHash(prov_, &client_auth, kTls12, kEcdheGcm, W(u"SHA256"), 0), 0);
  ASSERT_EQ(SslCreateHandshakeHash(prov_, &other_suite, kTls12, kEcdheGcm384, 0), 0);
  ASSERT_EQ(SslCreateHandshakeHash(prov_, &tls10, TLS1_0_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, 0), 0);
  ByteVec out(12, 0xEE);
  const ByteVec untouched(12, 0xEE);
  const DWORD client = NCRYPT_SSL_CLIENT_FLAG;
  EXPECT_EQ(SslComputeFinishedHash(0, master, transcript, out.data(), 12, client), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslComputeFinishedHash(StaleProvider(), master, transcript, out.data(), 12, client), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslComputeFinishedHash(prov_, 0, transcript, out.data(), 12, client), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslComputeFinishedHash(prov_, eph, transcript, out.data(), 12, client), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslComputeFinishedHash(prov_, master, master, out.data(), 12, client), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslComputeFinishedHash(prov_, master, 0, out.data(), 12, client), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslComputeFinishedHash(prov_, master, client_auth, out.data(), 12, client), NTE_INVALID_HANDLE)
      << "a client-auth hash is not the transcript";
  for (DWORD flags : {DWORD{0}, DWORD{3}, DWORD{4}, DWORD{0x80000001u}})
    EXPECT_EQ(SslComputeFinishedHash(prov_, master, transcript, out.data(), 12, flags), NTE_BAD_FLAGS) << flags;
  EXPECT_EQ(SslComputeFinishedHash(prov_, master, transcript, nullptr, 12, client), NTE_INVALID_PARAMETER);
  for (DWORD size : {DWORD{0}, DWORD{11}, DWORD{13}, DWORD{0xFFFFFFFFu}})
    EXPECT_EQ(SslComputeFinishedHash(prov_, master, transcript, out.data(), size, client), NTE_INVALID_PARAMETER)
        << size;
  EXPECT_EQ(SslComputeFinishedHash(prov_, master, other_suite, out.data(), 12, client), NTE_INVALID_PARAMETER)
      << "SHA-384 transcript with a SHA-256 master key";
  EXPECT_EQ(SslComputeFinishedHash(prov_, master, tls10, out.data(), 12, client), NTE_INVALID_PARAMETER)
      << "MD5||SHA1 transcript with a TLS 1.2 master key";
  EXPECT_EQ(out, untouched) << "nothing written on failure";
  for (NCRYPT_HASH_HANDLE h : {transcript, client_auth, other_suite, tls10}) EXPECT_EQ(SslFreeObject(h, 0), 0);
  EXPECT_EQ(SslComputeFinishedHash(prov_, master, transcript, out.data(), 12, client), NTE_INVALID_HANDLE) << "stale";
}
