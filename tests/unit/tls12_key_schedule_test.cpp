// tls12_key_schedule_test.cpp - the TLS 1.0-1.2 PRF, master secret, key-block split, Finished,
// exporter and EAP key blocks (core/tls12_key_schedule.h), and RSA pre-master decryption with
// implicit rejection (ossl/rsa_transport.h, OsslPrivateKeyBackend::DecryptPkcs1).
//
// Expected values come from NIST CAVP vectors (via OpenSSL's test data), the IETF TLS 1.2 PRF
// vector, Wycheproof, or OpenSSL's own EVP_KDF "TLS1-PRF" / RSA encryption called here directly.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "core/cipher_suites.h"
#include "core/master_key.h"
#include "core/private_key.h"
#include "core/tls12_key_schedule.h"
#include "ossl/rsa_transport.h"
#include "ossl/signing.h"
#include "ossl/tls_prf.h"
#include "support/ossl_reference.h"
#include "support/vector_file.h"

namespace opensslp {
namespace {

using test::ByteVec;
using test::VectorFile;
using test::VectorPath;

ByteVec ToVec(Bytes b) { return ByteVec(b.begin(), b.end()); }
ByteVec Cat(std::initializer_list<Bytes> parts) {
  ByteVec out;
  for (Bytes p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

HashAlg HashByName(const std::string& name) {
  if (name == "MD5-SHA1") return HashAlg::kMd5Sha1;
  if (name == "SHA384") return HashAlg::kSha384;
  EXPECT_EQ(name, "SHA256");
  return HashAlg::kSha256;
}

SecretArray<48> Secret48(Bytes b) {
  SecretArray<48> s;
  EXPECT_EQ(b.size(), 48u);
  std::memcpy(s.data(), b.data(), 48);
  return s;
}

// ---- PRF ---------------------------------------------------------------------------------------

void RunNistFile(const char* name, int* count) {
  VectorFile file;
  std::string error;
  ASSERT_TRUE(VectorFile::Load(VectorPath(name), &file, &error)) << error;
  for (const auto& r : file.records()) {
    SCOPED_TRACE(r.Where());
    const HashAlg hash = HashByName(r.Text("digest"));
    const ByteVec secret = r.Hex("secret"), cr = r.Hex("client_random"), sr = r.Hex("server_random");
    const std::string label = r.Text("label");
    const ByteVec expected = r.Hex("output");
    ByteVec out(expected.size());
    if (label == "master secret") {
      auto ms = DeriveMasterSecret(hash, secret, cr, sr);
      ASSERT_TRUE(ms.ok());
      EXPECT_EQ(ToVec(ms->span()), expected);
      ASSERT_TRUE(Tls12Prf(hash, secret, label, {cr, sr}, out).ok());
    } else {
      ASSERT_EQ(label, "key expansion");
      ASSERT_TRUE(ComputeKeyBlock(hash, secret, cr, sr, out).ok());
    }
    EXPECT_EQ(out, expected);
    r.ExpectAllConsumed();
    ++*count;
  }
}

TEST(TlsPrf, NistTls10And11Vectors) {
  int n = 0;
  RunNistFile("tls11_prf_nist.txt", &n);
  EXPECT_EQ(n, 2);
}

TEST(TlsPrf, NistTls12Vectors) {
  int n = 0;
  RunNistFile("tls12_prf_nist.txt", &n);
  EXPECT_EQ(n, 2);
}

TEST(TlsPrf, IetfTls12Vector) {
  VectorFile file;
  std::string error;
  ASSERT_TRUE(VectorFile::Load(VectorPath("tls12_prf_ietf.txt"), &file, &error)) << error;
  ASSERT_EQ(file.records().size(), 1u);
  const auto& r = file.records()[0];
  const ByteVec expected = r.Hex("output");
  ByteVec out(expected.size());
  ASSERT_TRUE(Tls12Prf(HashByName(r.Text("digest")), r.Hex("secret"), r.Text("label"), {r.Hex("seed")}, out).ok());
  EXPECT_EQ(out, expected);
  r.ExpectAllConsumed();
}

TEST(TlsPrf, SeedLimitIsCheckedExplicitly) {
  const ByteVec secret(48, 0x11);
  const std::string label = "test label";  // 10 bytes
  ByteVec seed(1024 - label.size(), 0x22);
  ByteVec out(32);
  ASSERT_TRUE(Tls12Prf(HashAlg::kSha256, secret, label, {seed}, out).ok());
  EXPECT_EQ(out, test::Tls1Prf("SHA256", secret, label, seed, 32));
  seed.push_back(0x22);  // 1025 bytes in all
  EXPECT_EQ(Status(Tls12Prf(HashAlg::kSha256, secret, label, {seed}, out)).error(), Error::kInvalidParameter);
  // Split seeds count together.
  seed.pop_back();
  const ByteVec one(1, 0);
  EXPECT_EQ(Status(Tls12Prf(HashAlg::kSha256, secret, label, {seed, one}, out)).error(), Error::kInvalidParameter);
  EXPECT_EQ(Status(Tls12Prf(HashAlg::kSha256, secret, label, {seed}, MutBytes())).error(), Error::kInvalidParameter);
}

TEST(TlsPrf, Sha384AndMd5Sha1MatchOpenssl) {
  const ByteVec secret(48, 0x5a), seed(64, 0xa5);
  for (auto [hash, name] : {std::pair{HashAlg::kSha384, "SHA384"}, std::pair{HashAlg::kMd5Sha1, "MD5-SHA1"}}) {
    ByteVec out(77);
    ASSERT_TRUE(Tls12Prf(hash, secret, "some label", {seed}, out).ok());
    EXPECT_EQ(out, test::Tls1Prf(name, secret, "some label", seed, 77));
  }
}

// The KDF is fetched once, lazily, by whichever thread comes first; concurrent first use and
// concurrent derivations must all give the right answer.
TEST(TlsPrf, ConcurrentUseFromManyThreads) {
  const ByteVec secret(48, 0x61), seed(64, 0x62);
  const ByteVec expected = test::Tls1Prf("SHA256", secret, "threads", seed, 48);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        ByteVec out(48);
        if (!Tls12Prf(HashAlg::kSha256, secret, "threads", {seed}, out).ok() || out != expected) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

// ---- master secret -----------------------------------------------------------------------------

TEST(MasterSecret, ExtendedMasterSecretMatchesOpenssl) {
  const ByteVec pms(48, 0x03), hash32(32, 0x44), hash36(36, 0x45);
  auto ems = DeriveExtendedMasterSecret(HashAlg::kSha256, pms, hash32);
  ASSERT_TRUE(ems.ok());
  EXPECT_EQ(ToVec(ems->span()), test::Tls1Prf("SHA256", pms, "extended master secret", hash32, 48));
  auto ems10 = DeriveExtendedMasterSecret(HashAlg::kMd5Sha1, pms, hash36);
  ASSERT_TRUE(ems10.ok());
  EXPECT_EQ(ToVec(ems10->span()), test::Tls1Prf("MD5-SHA1", pms, "extended master secret", hash36, 48));
  EXPECT_EQ(DeriveExtendedMasterSecret(HashAlg::kSha256, pms, ByteVec()).error(), Error::kInvalidParameter);
  EXPECT_EQ(DeriveExtendedMasterSecret(HashAlg::kSha256, pms, ByteVec(65)).error(), Error::kInvalidParameter);
  EXPECT_EQ(DeriveExtendedMasterSecret(HashAlg::kSha256, ByteVec(), hash32).error(), Error::kInvalidParameter);
}

TEST(MasterSecret, RandomsMustBe32Bytes) {
  const ByteVec pms(48, 1), r32(32, 2), r31(31, 2), r33(33, 2);
  EXPECT_EQ(DeriveMasterSecret(HashAlg::kSha256, pms, r31, r32).error(), Error::kInvalidParameter);
  EXPECT_EQ(DeriveMasterSecret(HashAlg::kSha256, pms, r32, r33).error(), Error::kInvalidParameter);
  EXPECT_EQ(DeriveMasterSecret(HashAlg::kSha256, ByteVec(), r32, r32).error(), Error::kInvalidParameter);
}

TEST(MasterKeyObject, RecordsRolePrfAndDescription) {
  const CipherSuite* s = FindCipherSuite(0xC030);
  ASSERT_NE(s, nullptr);
  MasterKey m(TlsRole::kServer, ProtocolVersion::kTls12, *s, true, SecretArray<48>());
  EXPECT_EQ(m.kind(), ObjectKind::kMasterKey);
  EXPECT_EQ(m.prf_hash(), HashAlg::kSha384);
  EXPECT_EQ(m.role(), TlsRole::kServer);
  EXPECT_TRUE(m.extended());
  const KeyDescription d = m.Describe();
  EXPECT_EQ(d.algorithm, u"TLS12_MASTER");
  EXPECT_EQ(d.bits, 384u);
  EXPECT_EQ(d.key_type, 0u);
  const CipherSuite* cbc = FindCipherSuite(0x002F);
  MasterKey m10(TlsRole::kClient, ProtocolVersion::kTls10, *cbc, false, SecretArray<48>());
  EXPECT_EQ(m10.prf_hash(), HashAlg::kMd5Sha1);
}

// ---- key block split ----------------------------------------------------------------------------

// The NIST key-expansion vectors are exactly the key blocks of real suites: 128 bytes = TLS 1.2
// AES-256-CBC-SHA256 (2 * (32 + 32)), 104 bytes = TLS 1.1 AES-256-CBC-SHA (2 * (20 + 32)).
void CheckNistSplit(const char* file_name, std::uint16_t suite_id, ProtocolVersion version) {
  VectorFile file;
  std::string error;
  ASSERT_TRUE(VectorFile::Load(VectorPath(file_name), &file, &error)) << error;
  const CipherSuite* suite = FindCipherSuite(suite_id);
  ASSERT_NE(suite, nullptr);
  int checked = 0;
  for (const auto& r : file.records()) {
    if (r.Text("label") != "key expansion") continue;
    const ByteVec secret = r.Hex("secret"), cr = r.Hex("client_random"), sr = r.Hex("server_random");
    const ByteVec block = r.Hex("output");
    ASSERT_EQ(block.size(), KeyBlockLength(*suite, version));
    const std::size_t mac = MacLength(suite->mac), key = CipherKeyLength(suite->cipher);
    for (TlsRole role : {TlsRole::kClient, TlsRole::kServer}) {
      MasterKey master(role, version, *suite, false, Secret48(secret));
      auto keys = DeriveSessionKeys(master, cr, sr);
      ASSERT_TRUE(keys.ok());
      const bool client = role == TlsRole::kClient;
      const SessionKeyMaterial& client_keys = client ? keys->write : keys->read;
      const SessionKeyMaterial& server_keys = client ? keys->read : keys->write;
      EXPECT_EQ(ToVec(client_keys.mac_key.span()), ByteVec(block.begin(), block.begin() + mac));
      EXPECT_EQ(ToVec(server_keys.mac_key.span()), ByteVec(block.begin() + mac, block.begin() + 2 * mac));
      EXPECT_EQ(ToVec(client_keys.enc_key.span()), ByteVec(block.begin() + 2 * mac, block.begin() + 2 * mac + key));
      EXPECT_EQ(ToVec(server_keys.enc_key.span()),
                ByteVec(block.begin() + 2 * mac + key, block.begin() + 2 * mac + 2 * key));
      EXPECT_TRUE(client_keys.iv.empty());
      EXPECT_EQ(keys->write.direction, RecordDirection::kWrite);
      EXPECT_EQ(keys->read.direction, RecordDirection::kRead);
      EXPECT_EQ(keys->write.suite, suite);
      EXPECT_EQ(keys->read.version, version);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 1);
}

TEST(SessionKeys, NistTls12KeyBlockSplit) { CheckNistSplit("tls12_prf_nist.txt", 0x003D, ProtocolVersion::kTls12); }
TEST(SessionKeys, NistTls11KeyBlockSplit) { CheckNistSplit("tls11_prf_nist.txt", 0x0035, ProtocolVersion::kTls11); }

// Every TLS <= 1.2 suite of the catalog at every version it supports: the slices equal OpenSSL's
// key block cut at the RFC 5246 §6.3 offsets.
TEST(SessionKeys, EverySuiteAndVersionAgainstOpensslKeyBlock) {
  ByteVec master_bytes(48), cr(32), sr(32);
  for (std::size_t i = 0; i < 48; ++i) master_bytes[i] = static_cast<std::uint8_t>(i * 7 + 1);
  for (std::size_t i = 0; i < 32; ++i) cr[i] = static_cast<std::uint8_t>(i), sr[i] = static_cast<std::uint8_t>(200 - i);
  int checked = 0;
  for (const CipherSuite& s : kCipherSuites) {
    if (IsTls13Suite(s)) continue;
    for (ProtocolVersion v : {ProtocolVersion::kTls10, ProtocolVersion::kTls11, ProtocolVersion::kTls12}) {
      if (!SupportsVersion(s, v)) continue;
      SCOPED_TRACE(std::string(s.name) + " " + std::string(ProtocolVersionName(v)));
      const std::size_t mac = MacLength(s.mac), key = CipherKeyLength(s.cipher), iv = KeyBlockIvLength(s, v);
      const char* digest =
          v == ProtocolVersion::kTls12 ? (s.prf == HashAlg::kSha384 ? "SHA384" : "SHA256") : "MD5-SHA1";
      const ByteVec block = test::Tls1KeyBlock(digest, master_bytes, cr, sr, 2 * (mac + key + iv));
      MasterKey master(TlsRole::kServer, v, s, false, Secret48(master_bytes));
      auto keys = DeriveSessionKeys(master, cr, sr);
      ASSERT_TRUE(keys.ok());
      // Server: write = server_write_*, read = client_write_*.
      auto slice = [&](std::size_t at, std::size_t n) { return ByteVec(block.begin() + at, block.begin() + at + n); };
      EXPECT_EQ(ToVec(keys->read.mac_key.span()), slice(0, mac));
      EXPECT_EQ(ToVec(keys->write.mac_key.span()), slice(mac, mac));
      EXPECT_EQ(ToVec(keys->read.enc_key.span()), slice(2 * mac, key));
      EXPECT_EQ(ToVec(keys->write.enc_key.span()), slice(2 * mac + key, key));
      EXPECT_EQ(ToVec(keys->read.iv.span()), slice(2 * mac + 2 * key, iv));
      EXPECT_EQ(ToVec(keys->write.iv.span()), slice(2 * mac + 2 * key + iv, iv));
      ++checked;
    }
  }
  EXPECT_GE(checked, 30);
}

TEST(SessionKeys, BadRandomsRefused) {
  MasterKey master(TlsRole::kClient, ProtocolVersion::kTls12, *FindCipherSuite(0xC02F), false, SecretArray<48>());
  EXPECT_EQ(DeriveSessionKeys(master, ByteVec(31), ByteVec(32)).error(), Error::kInvalidParameter);
  EXPECT_EQ(DeriveSessionKeys(master, ByteVec(32), ByteVec()).error(), Error::kInvalidParameter);
}

// ---- Finished, exporter, EAP -------------------------------------------------------------------

TEST(Finished, VerifyDataMatchesOpenssl) {
  ByteVec ms(48, 0x31), hash(32, 0x77), hash36(36, 0x78);
  MasterKey m12(TlsRole::kClient, ProtocolVersion::kTls12, *FindCipherSuite(0xC02F), false, Secret48(ms));
  ByteVec out(12);
  ASSERT_TRUE(ComputeTls12FinishedVerifyData(m12, hash, true, out).ok());
  EXPECT_EQ(out, test::Tls1Prf("SHA256", ms, "client finished", hash, 12));
  ASSERT_TRUE(ComputeTls12FinishedVerifyData(m12, hash, false, out).ok());
  EXPECT_EQ(out, test::Tls1Prf("SHA256", ms, "server finished", hash, 12));
  MasterKey m10(TlsRole::kServer, ProtocolVersion::kTls10, *FindCipherSuite(0xC013), false, Secret48(ms));
  ASSERT_TRUE(ComputeTls12FinishedVerifyData(m10, hash36, false, out).ok());
  EXPECT_EQ(out, test::Tls1Prf("MD5-SHA1", ms, "server finished", hash36, 12));
  ByteVec wrong(13);
  EXPECT_EQ(Status(ComputeTls12FinishedVerifyData(m12, hash, true, wrong)).error(), Error::kInvalidParameter);
  EXPECT_EQ(Status(ComputeTls12FinishedVerifyData(m12, ByteVec(), true, out)).error(), Error::kInvalidParameter);
}

TEST(Exporter, ContextAbsentDiffersFromEmptyAndMatchesOpenssl) {
  ByteVec ms(48, 0x09), cr(32, 0x0c), sr(32, 0x05), ctx = {1, 2, 3};
  MasterKey m(TlsRole::kClient, ProtocolVersion::kTls12, *FindCipherSuite(0xC030), false, Secret48(ms));
  ByteVec none(40), empty(40), some(40);
  ASSERT_TRUE(ExportKeyingMaterial(m, "EXPORTER-test", cr, sr, std::nullopt, none).ok());
  ASSERT_TRUE(ExportKeyingMaterial(m, "EXPORTER-test", cr, sr, Bytes(), empty).ok());
  ASSERT_TRUE(ExportKeyingMaterial(m, "EXPORTER-test", cr, sr, Bytes(ctx), some).ok());
  EXPECT_EQ(none, test::Tls1Prf("SHA384", ms, "EXPORTER-test", Cat({cr, sr}), 40));
  const ByteVec zero_len = {0, 0}, three_len = {0, 3};
  EXPECT_EQ(empty, test::Tls1Prf("SHA384", ms, "EXPORTER-test", Cat({cr, sr, zero_len}), 40));
  EXPECT_EQ(some, test::Tls1Prf("SHA384", ms, "EXPORTER-test", Cat({cr, sr, three_len, ctx}), 40));
  EXPECT_NE(none, empty);
  for (const char* reserved :
       {"client finished", "server finished", "master secret", "key expansion", "extended master secret"}) {
    EXPECT_EQ(Status(ExportKeyingMaterial(m, reserved, cr, sr, std::nullopt, none)).error(), Error::kInvalidParameter);
  }
  EXPECT_EQ(Status(ExportKeyingMaterial(m, "", cr, sr, std::nullopt, none)).error(), Error::kInvalidParameter);
  EXPECT_EQ(Status(ExportKeyingMaterial(m, "x", cr, ByteVec(31), std::nullopt, none)).error(),
            Error::kInvalidParameter);
}

TEST(EapKeyBlock, LabelsPerMethod) {
  ByteVec ms(48, 0x99), randoms(64);
  for (std::size_t i = 0; i < 64; ++i) randoms[i] = static_cast<std::uint8_t>(i);
  MasterKey m(TlsRole::kClient, ProtocolVersion::kTls12, *FindCipherSuite(0xC02F), false, Secret48(ms));
  const std::pair<EapMethod, const char*> cases[] = {{EapMethod::kEapTls, "client EAP encryption"},
                                                     {EapMethod::kTtlsV0, "ttls keying material"},
                                                     {EapMethod::kTtlsV0Challenge, "ttls challenge"}};
  for (auto [method, label] : cases) {
    ByteVec out(kEapKeyBlockLength);
    ASSERT_TRUE(ComputeEapKeyBlock(m, method, randoms, out).ok());
    EXPECT_EQ(out, test::Tls1Prf("SHA256", ms, label, randoms, kEapKeyBlockLength)) << label;
  }
  ByteVec out(kEapKeyBlockLength);
  EXPECT_EQ(Status(ComputeEapKeyBlock(m, EapMethod::kFast, randoms, out)).error(), Error::kNotSupported);
  EXPECT_EQ(Status(ComputeEapKeyBlock(m, EapMethod::kEapTls, ByteVec(63), out)).error(), Error::kInvalidParameter);
}

// RFC 4851 §5.1: EAP-FAST extends the "key expansion" key block; session_key_seed is the 40
// bytes after client/server MAC keys, write keys and IVs. The expected block is OpenSSL's
// TLS1-PRF over server_random || client_random, and the skipped length is computed the way
// hostapd's tls_connection_get_eap_fast_key does it, from OpenSSL's own EVP sizes:
// 2 * (EVP_MD_get_size + EVP_CIPHER_get_key_length + EVP_CIPHER_get_iv_length).
TEST(EapKeyBlock, FastSessionKeySeedFollowsTheKeyBlock) {
  ByteVec ms(48), randoms(64);
  for (std::size_t i = 0; i < 48; ++i) ms[i] = static_cast<std::uint8_t>(0xA0 ^ i);
  for (std::size_t i = 0; i < 64; ++i) randoms[i] = static_cast<std::uint8_t>(3 * i + 1);
  const Bytes cr = Bytes(randoms).first(32), sr = Bytes(randoms).subspan(32);
  struct Case {
    std::uint16_t suite;
    ProtocolVersion version;
    const char* prf;
    const EVP_MD* mac;
    const EVP_CIPHER* cipher;
  };
  const Case cases[] = {
      {0x002F, ProtocolVersion::kTls10, "MD5-SHA1", EVP_sha1(), EVP_aes_128_cbc()},
      {0xC014, ProtocolVersion::kTls11, "MD5-SHA1", EVP_sha1(), EVP_aes_256_cbc()},
      {0x003C, ProtocolVersion::kTls12, "SHA256", EVP_sha256(), EVP_aes_128_cbc()},
      {0xC028, ProtocolVersion::kTls12, "SHA384", EVP_sha384(), EVP_aes_256_cbc()},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.suite);
    const std::size_t skip =
        2u * static_cast<std::size_t>(EVP_MD_get_size(c.mac) + EVP_CIPHER_get_key_length(c.cipher) +
                                      EVP_CIPHER_get_iv_length(c.cipher));
    MasterKey m(TlsRole::kServer, c.version, *FindCipherSuite(c.suite), false, Secret48(ms));
    auto offset = EapFastKeyBlockOffset(m.suite(), m.version());
    ASSERT_TRUE(offset.ok());
    EXPECT_EQ(offset.value(), skip);
    ByteVec out(kEapKeyBlockLength);
    ASSERT_TRUE(ComputeEapKeyBlock(m, EapMethod::kFast, randoms, out).ok());
    const ByteVec block = test::Tls1KeyBlock(c.prf, ms, cr, sr, skip + kEapKeyBlockLength);
    EXPECT_EQ(out, ByteVec(block.begin() + static_cast<std::ptrdiff_t>(skip), block.end()));
    // The session_key_seed (40 bytes) is the prefix; a shorter request is that prefix.
    ByteVec seed(kEapFastSessionKeySeedLength);
    ASSERT_TRUE(ComputeEapKeyBlock(m, EapMethod::kFast, randoms, seed).ok());
    EXPECT_EQ(seed, ByteVec(out.begin(), out.begin() + 40));
  }
}

TEST(EapKeyBlock, FastRefusesAeadSuites) {
  ByteVec ms(48, 1), randoms(64, 2), out(kEapKeyBlockLength, 0xCC);
  for (std::uint16_t id : {0x009C, 0xC030, 0xCCA8}) {
    MasterKey m(TlsRole::kClient, ProtocolVersion::kTls12, *FindCipherSuite(id), false, Secret48(ms));
    EXPECT_EQ(EapFastKeyBlockOffset(m.suite(), m.version()).error(), Error::kNotSupported) << id;
    EXPECT_EQ(Status(ComputeEapKeyBlock(m, EapMethod::kFast, randoms, out)).error(), Error::kNotSupported) << id;
  }
  EXPECT_EQ(out, ByteVec(kEapKeyBlockLength, 0xCC));
  MasterKey cbc(TlsRole::kClient, ProtocolVersion::kTls12, *FindCipherSuite(0x003C), false, Secret48(ms));
  EXPECT_EQ(Status(ComputeEapKeyBlock(cbc, EapMethod::kFast, ByteVec(63), out)).error(), Error::kInvalidParameter);
  EXPECT_EQ(Status(ComputeEapKeyBlock(cbc, EapMethod::kFast, randoms, MutBytes())).error(), Error::kInvalidParameter);
}

// ---- RSA key transport ---------------------------------------------------------------------------

ossl::PKey NewRsaKey(unsigned bits = 2048) {
  EVP_PKEY* k = EVP_RSA_gen(bits);
  EXPECT_NE(k, nullptr);
  return ossl::PKey(k);
}

class RsaTransport : public testing::Test {
 protected:
  static void SetUpTestSuite() { key_ = new ossl::PKey(NewRsaKey()); }
  static void TearDownTestSuite() { delete key_; }
  static ossl::PKey* key_;
  OsslPrivateKeyBackend Backend() {
    EVP_PKEY_up_ref(key_->get());
    return OsslPrivateKeyBackend(ossl::PKey(key_->get()));
  }
  static ByteVec Pms(std::uint16_t version) {
    ByteVec pms(48);
    for (std::size_t i = 0; i < 48; ++i) pms[i] = static_cast<std::uint8_t>(0xA0 + i);
    pms[0] = static_cast<std::uint8_t>(version >> 8);
    pms[1] = static_cast<std::uint8_t>(version);
    return pms;
  }
};
ossl::PKey* RsaTransport::key_ = nullptr;

TEST_F(RsaTransport, ValidCiphertextDecryptsToThePremaster) {
  auto backend = Backend();
  const ByteVec pms = Pms(0x0303);
  const ByteVec ct = test::RsaPkcs1Encrypt(key_->get(), pms);
  auto out = backend.DecryptPkcs1(ct, 0x0303);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(ToVec(out->span()), pms);
}

TEST_F(RsaTransport, EncryptRoundTripsThroughOpenssl) {
  const ByteVec pms = Pms(0x0302);
  auto ct = ossl::RsaPkcs1Encrypt(*key_, pms);
  ASSERT_TRUE(ct.ok());
  EXPECT_EQ(ct->size(), 256u);
  EXPECT_EQ(test::RsaPkcs1Decrypt(key_->get(), *ct), pms);
  EXPECT_EQ(ossl::RsaPkcs1Encrypt(*key_, ByteVec(246)).error(), Error::kBadKey);  // > k - 11
}

// RFC 5246 §7.4.7.1: wrong version, corrupted ciphertext, wrong length, wrong plaintext length:
// success with a random secret, different each time, never an error.
TEST_F(RsaTransport, FailuresGiveARandomSecretSilently) {
  auto backend = Backend();
  const ByteVec pms = Pms(0x0303);
  const ByteVec ct = test::RsaPkcs1Encrypt(key_->get(), pms);
  std::vector<ByteVec> bad = {ct};
  bad.back()[100] ^= 1;                                               // corrupted
  bad.push_back(ByteVec(ct.begin(), ct.end() - 1));                   // short
  bad.push_back(ByteVec(256, 0xff));                                  // >= modulus
  bad.push_back(test::RsaPkcs1Encrypt(key_->get(), ByteVec(47, 3)));  // 47-byte plaintext
  bad.push_back(test::RsaPkcs1Encrypt(key_->get(), Pms(0x0301)));     // wrong version
  for (const ByteVec& c : bad) {
    auto a = backend.DecryptPkcs1(c, 0x0303);
    auto b = backend.DecryptPkcs1(c, 0x0303);
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(b.ok());
    EXPECT_NE(ToVec(a->span()), pms);
    EXPECT_NE(ToVec(a->span()), ToVec(b->span()));
  }
  // The right ciphertext with the wrong expected version is a failure too.
  auto v = backend.DecryptPkcs1(ct, 0x0302);
  ASSERT_TRUE(v.ok());
  EXPECT_NE(ToVec(v->span()), pms);
}

// Each defect of the PKCS#1 type 2 block (RFC 8017 §7.2.2 step 3) and of the version, in an
// encryption block made by hand and encrypted raw (RSA_NO_PADDING) by OpenSSL: the separator stays
// at k - 49, so only the check of that one defect can refuse the block, and a random secret must
// come back. The valid block is the control.
TEST_F(RsaTransport, EachPaddingDefectGivesARandomSecret) {
  auto backend = Backend();
  const ByteVec pms = Pms(0x0303);
  auto raw_encrypt = [&](const ByteVec& em) {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, key_->get(), nullptr);
    ByteVec out(256);
    std::size_t len = out.size();
    EXPECT_EQ(EVP_PKEY_encrypt_init(ctx), 1);
    EXPECT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING), 1);
    EXPECT_EQ(EVP_PKEY_encrypt(ctx, out.data(), &len, em.data(), em.size()), 1);
    EVP_PKEY_CTX_free(ctx);
    return out;
  };
  ByteVec good(256, 0x5a);  // 00 02 PS(205 non-zero bytes) 00 PMS(48)
  good[0] = 0x00;
  good[1] = 0x02;
  good[256 - 49] = 0x00;
  std::copy(pms.begin(), pms.end(), good.end() - 48);
  auto control = backend.DecryptPkcs1(raw_encrypt(good), 0x0303);
  ASSERT_TRUE(control.ok());
  EXPECT_EQ(ToVec(control->span()), pms) << "the hand-made valid block";
  const std::pair<std::size_t, std::uint8_t> defects[] = {
      {0, 0x01},         // first byte not 0x00
      {1, 0x01},         // block type 1, not 2
      {2, 0x00},         // a zero in PS: the message would be longer than 48 bytes
      {150, 0x00},       // ... anywhere in PS
      {256 - 50, 0x00},  // ... also its last byte
      {256 - 49, 0x07},  // no separator where a 48-byte message needs it
      {256 - 48, 0x02},  // client_version's major byte
      {256 - 47, 0x01},  // client_version's minor byte
  };
  for (const auto& [offset, value] : defects) {
    SCOPED_TRACE(offset);
    ByteVec em = good;
    em[offset] = value;
    auto a = backend.DecryptPkcs1(raw_encrypt(em), 0x0303);
    ASSERT_TRUE(a.ok());
    EXPECT_NE(ToVec(a->span()), ByteVec(em.end() - 48, em.end()));
    EXPECT_NE(ToVec(a->span()), pms);
  }
}

TEST_F(RsaTransport, NonRsaKeyIsRefused) {
  EVP_PKEY* ec = EVP_EC_gen("P-256");
  OsslPrivateKeyBackend backend{ossl::PKey(ec)};
  EXPECT_EQ(backend.DecryptPkcs1(ByteVec(64), 0x0303).error(), Error::kBadKey);
}

// Wycheproof RSAES-PKCS1-v1_5 (2048): none of these plaintexts is a 48-byte TLS pre-master, so
// every ciphertext, valid PKCS#1 or not, must decrypt to a fresh random secret without error.
TEST(RsaTransportWycheproof, EveryCiphertextGivesARandomSecret) {
  VectorFile file;
  std::string error;
  ASSERT_TRUE(VectorFile::Load(VectorPath("rsa_pkcs1_2048_decrypt.txt"), &file, &error)) << error;
  ASSERT_FALSE(file.records().empty());
  ByteVec der;
  ASSERT_TRUE(test::DecodeHex(file.records()[0].Instruction("private_key_pkcs8"), &der));
  const unsigned char* p = der.data();
  EVP_PKEY* key = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size()));
  ASSERT_NE(key, nullptr);
  OsslPrivateKeyBackend backend{ossl::PKey(key)};
  int n = 0;
  for (const auto& r : file.records()) {
    SCOPED_TRACE(r.Where());
    r.Number("tc_id");
    r.Text("result");
    const ByteVec msg = r.Hex("msg");
    ASSERT_NE(msg.size(), 48u);
    const ByteVec ct = r.Hex("ct");
    auto a = backend.DecryptPkcs1(ct, 0x0303);
    auto b = backend.DecryptPkcs1(ct, 0x0303);
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(b.ok());
    EXPECT_NE(ToVec(a->span()), ToVec(b->span()));
    r.ExpectAllConsumed();
    ++n;
  }
  EXPECT_EQ(n, 33);
}

}  // namespace
}  // namespace opensslp
