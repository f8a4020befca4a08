// session_key_blob_exports_test.cpp - SslExportKey / SslImportKey of session keys as
// BCRYPT_OPAQUE_KEY_BLOB, through the shared library's exported API only.
//
// Independent expectations: the test holds the peer's private key, derives the ECDH secret, the
// master secret and the key block with OpenSSL (EVP_PKEY_derive, EVP_KDF "TLS1-PRF", through
// support/ossl_reference.h), and seals / opens records with EVP AEAD, raw EVP ciphers and HMAC. A stream continued by
// an imported key is proved by OpenSSL opening its records (and sealing the records it opens) with the key block it
// computed itself. The two-process tests hand the blob to opensslp_opaque_blob_child
// (tests/child/opaque_blob_child.cpp), a separate process (under Wine: a separate Windows process).
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/blob_child.h"
#include "support/ossl_reference.h"
#include "support/provider_support.h"
#include "support/wide.h"

namespace {

using opensslp::test::AeadOpen;
using opensslp::test::AeadSeal;
using opensslp::test::ByteVec;
using opensslp::test::ByteView;
using opensslp::test::EcdhWithPublicPoint;
using opensslp::test::PointFromEccPublicBlob;
using opensslp::test::Tls1KeyBlock;
using opensslp::test::Tls1MasterSecret;
using opensslp_test::OpenProvider;
using opensslp_test::ReadFile;
using opensslp_test::RunChild;
using opensslp_test::ScratchPath;
using opensslp_test::SplitRecords;
using opensslp_test::StaleProvider;
using opensslp_test::WriteFile;

constexpr DWORD kTls12 = TLS1_2_PROTOCOL_VERSION;
constexpr DWORD kTls10 = TLS1_0_PROTOCOL_VERSION;
constexpr DWORD kEcdheGcm = 0xC02F;  // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
constexpr DWORD kEcdheCbc = 0xC013;  // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
constexpr NCRYPT_KEY_HANDLE kSentinel = 0x5a5a;
const char16_t* const kOpaque = u"OpaqueKeyBlob";

ByteVec Cat(std::initializer_list<ByteVec> parts) {
  ByteVec out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

ByteVec Slice(const ByteVec& v, std::size_t at, std::size_t n) { return ByteVec(v.begin() + at, v.begin() + at + n); }

ByteVec Be64(std::uint64_t x) {
  ByteVec out(8);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(x >> (56 - 8 * i));
  return out;
}

// BCRYPT_ECCPUBLIC_BLOB (ECDH P-256) of an OpenSSL EC key.
ByteVec P256PublicBlob(EVP_PKEY* k) {
  ByteVec point(65);
  std::size_t len = 0;
  EXPECT_EQ(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size(), &len), 1);
  ByteVec blob = {0x45, 0x43, 0x4B, 0x31, 32, 0, 0, 0};  // BCRYPT_ECDH_PUBLIC_P256_MAGIC, cbKey 32 (LE)
  blob.insert(blob.end(), point.begin() + 1, point.end());
  return blob;
}

// The ECDH shared secret between an OpenSSL key and a provider ephemeral key (exported).
ByteVec EcdhWithProviderKey(NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE eph, EVP_PKEY* mine) {
  DWORD len = 0;
  ByteVec blob(72);
  EXPECT_EQ(SslExportKey(prov, eph, W(u"ECCPUBLICBLOB"), blob.data(), 72, &len, 0), 0);
  return EcdhWithPublicPoint(mine, "P-256", PointFromEccPublicBlob(blob));
}

// ---- OpenSSL's side of the records -------------------------------------------------------------

// One direction's key-block slices (RFC 5246 §6.3), as OpenSSL computed them.
struct Direction {
  ByteVec mac, key, iv;
};

ByteVec Aad(std::uint64_t seq, std::uint8_t type, std::uint16_t version, std::size_t length) {
  ByteVec aad = Be64(seq);
  aad.push_back(type);
  aad.push_back(static_cast<std::uint8_t>(version >> 8));
  aad.push_back(static_cast<std::uint8_t>(version));
  aad.push_back(static_cast<std::uint8_t>(length >> 8));
  aad.push_back(static_cast<std::uint8_t>(length));
  return aad;
}

// AES-128-GCM TLS 1.2 record (RFC 5288 §3).
std::optional<ByteVec> GcmOpen(const Direction& d, const ByteVec& record, std::uint64_t seq) {
  if (record.size() < 5 + 8 + 16) return std::nullopt;
  const std::size_t n = record.size() - 5 - 8 - 16;
  const ByteVec nonce = Cat({d.iv, Slice(record, 5, 8)});
  const ByteVec aad = Aad(seq, record[0], 0x0303, n);
  return AeadOpen("AES-128-GCM", d.key, nonce, aad, ByteView(record).subspan(13));
}

ByteVec GcmSeal(const Direction& d, const ByteVec& plaintext, std::uint64_t seq) {
  const ByteVec explicit_nonce = Be64(seq);
  const ByteVec nonce = Cat({d.iv, explicit_nonce});
  const ByteVec aad = Aad(seq, CT_APPLICATIONDATA, 0x0303, plaintext.size());
  const std::size_t body = 8 + plaintext.size() + 16;
  ByteVec record = {CT_APPLICATIONDATA, 3, 3, static_cast<std::uint8_t>(body >> 8), static_cast<std::uint8_t>(body)};
  record.insert(record.end(), explicit_nonce.begin(), explicit_nonce.end());
  return Cat({record, AeadSeal("AES-128-GCM", d.key, nonce, aad, plaintext)});
}

ByteVec HmacSha1(const ByteVec& key, const ByteVec& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EXPECT_NE(HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out, &len), nullptr);
  return ByteVec(out, out + len);
}

ByteVec AesCbc(bool encrypt, const ByteVec& key, const ByteVec& iv, const ByteVec& in) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ByteVec out(in.size() + 16);
  int len = 0, fin = 0;
  EXPECT_EQ(EVP_CipherInit_ex(ctx, EVP_aes_128_cbc(), nullptr, key.data(), iv.data(), encrypt ? 1 : 0), 1);
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  EXPECT_EQ(EVP_CipherUpdate(ctx, out.data(), &len, in.data(), static_cast<int>(in.size())), 1);
  EXPECT_EQ(EVP_CipherFinal_ex(ctx, out.data() + len, &fin), 1);
  EVP_CIPHER_CTX_free(ctx);
  out.resize(static_cast<std::size_t>(len + fin));
  return out;
}

// TLS 1.0 AES-128-CBC + HMAC-SHA1 record (RFC 2246 §6.2.3.2): `iv` is the chained IV; it becomes
// the record's last ciphertext block.
std::optional<ByteVec> Tls10CbcOpen(const Direction& d, ByteVec& iv, const ByteVec& record, std::uint64_t seq) {
  if (record.size() < 5 + 32 || (record.size() - 5) % 16 != 0) return std::nullopt;
  const ByteVec ct(record.begin() + 5, record.end());
  const ByteVec pt = AesCbc(false, d.key, iv, ct);
  const std::size_t pad = pt.back();
  if (pad + 1 + 20 > pt.size()) return std::nullopt;
  for (std::size_t i = pt.size() - 1 - pad; i < pt.size(); ++i)
    if (pt[i] != pad) return std::nullopt;
  const std::size_t n = pt.size() - 1 - pad - 20;
  const ByteVec data(pt.begin(), pt.begin() + n);
  if (HmacSha1(d.mac, Cat({Aad(seq, record[0], 0x0301, n), data})) != Slice(pt, n, 20)) return std::nullopt;
  iv.assign(record.end() - 16, record.end());
  return data;
}

ByteVec Tls10CbcSeal(const Direction& d, ByteVec& iv, const ByteVec& data, std::uint64_t seq) {
  ByteVec pt = Cat({data, HmacSha1(d.mac, Cat({Aad(seq, CT_APPLICATIONDATA, 0x0301, data.size()), data}))});
  const std::size_t pad = 15 - pt.size() % 16;
  pt.insert(pt.end(), pad + 1, static_cast<std::uint8_t>(pad));
  const ByteVec ct = AesCbc(true, d.key, iv, pt);
  iv.assign(ct.end() - 16, ct.end());
  return Cat(
      {{CT_APPLICATIONDATA, 3, 1, static_cast<std::uint8_t>(ct.size() >> 8), static_cast<std::uint8_t>(ct.size())},
       ct});
}

// ---- fixture -------------------------------------------------------------------------------------

// A client's read and write keys for (protocol, suite) made through the API, and the key block
// OpenSSL derived independently: client_write_* (what our write key uses) and server_write_*
// (what our read key opens).
class OpaqueBlob : public testing::Test {
 protected:
  void SetUp() override {
    prov_ = OpenProvider();
    peer_ = EVP_EC_gen("P-256");
    ASSERT_NE(peer_, nullptr);
  }
  void TearDown() override {
    for (auto h : handles_) SslFreeObject(h, 0);
    SslFreeObject(prov_, 0);
    EVP_PKEY_free(peer_);
  }
  NCRYPT_KEY_HANDLE Keep(NCRYPT_KEY_HANDLE h) {
    handles_.push_back(h);
    return h;
  }

  void MakeSession(DWORD protocol, DWORD suite) {
    protocol_ = protocol;
    NCRYPT_KEY_HANDLE eph = 0, pub = 0;
    ASSERT_EQ(SslCreateEphemeralKey(prov_, &eph, protocol, suite, TLS_ECC_P256_CURVE_KEY_TYPE, 256, nullptr, 0, 0), 0);
    Keep(eph);
    ByteVec peer_blob = P256PublicBlob(peer_);
    ASSERT_EQ(SslImportKey(prov_, &pub, W(u"ECCPUBLICBLOB"), peer_blob.data(), static_cast<DWORD>(peer_blob.size()), 0),
              0);
    Keep(pub);
    ByteVec cr(32), sr(32);
    for (int i = 0; i < 32; ++i) cr[i] = static_cast<std::uint8_t>(i), sr[i] = static_cast<std::uint8_t>(0xA0 + i);
    NCryptBuffer buffers[] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr.data()},
                              {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, sr.data()}};
    NCryptBufferDesc desc = {NCRYPTBUFFER_VERSION, 2, buffers};
    ASSERT_EQ(SslGenerateMasterKey(prov_, eph, pub, &master_, protocol, suite, &desc, nullptr, 0, nullptr,
                                   NCRYPT_SSL_CLIENT_FLAG),
              0);
    Keep(master_);
    ASSERT_EQ(SslGenerateSessionKeys(prov_, master_, &read_, &write_, &desc, 0), 0);
    Keep(read_);
    Keep(write_);
    const char* digest = protocol == kTls12 ? "SHA256" : "MD5-SHA1";
    const ByteVec ms = Tls1MasterSecret(digest, EcdhWithProviderKey(prov_, eph, peer_), cr, sr);
    // RFC 5246 §6.3 key block: client MAC, server MAC, client key, server key, client IV, server IV.
    const std::size_t mac = suite == kEcdheCbc ? 20 : 0, key = 16;
    const std::size_t iv = suite == kEcdheCbc ? (protocol == kTls10 ? 16 : 0) : 4;
    const ByteVec kb = Tls1KeyBlock(digest, ms, cr, sr, 2 * (mac + key + iv));
    client_ = {Slice(kb, 0, mac), Slice(kb, 2 * mac, key), Slice(kb, 2 * mac + 2 * key, iv)};
    server_ = {Slice(kb, mac, mac), Slice(kb, 2 * mac + key, key), Slice(kb, 2 * mac + 2 * key + iv, iv)};
    client_chain_ = client_.iv;
    server_chain_ = server_.iv;
  }

  ByteVec Export(NCRYPT_KEY_HANDLE key) {
    DWORD size = 0;
    EXPECT_EQ(SslExportKey(prov_, key, W(kOpaque), nullptr, 0, &size, 0), 0);
    ByteVec blob(size);
    DWORD written = 0;
    EXPECT_EQ(SslExportKey(prov_, key, W(kOpaque), blob.data(), size, &written, 0), 0);
    EXPECT_EQ(written, size);
    return blob;
  }
  NCRYPT_KEY_HANDLE Import(ByteVec blob) {
    NCRYPT_KEY_HANDLE key = 0;
    EXPECT_EQ(SslImportKey(prov_, &key, W(kOpaque), blob.data(), static_cast<DWORD>(blob.size()), 0), 0);
    return Keep(key);
  }
  SECURITY_STATUS ImportStatus(ByteVec blob) {
    NCRYPT_KEY_HANDLE key = kSentinel;
    SECURITY_STATUS rc = SslImportKey(prov_, &key, W(kOpaque), blob.data(), static_cast<DWORD>(blob.size()), 0);
    if (rc == 0)
      Keep(key);
    else
      EXPECT_EQ(key, kSentinel) << "no handle on failure";
    return rc;
  }

  // Our side: one application-data record "record <seq>".
  static ByteVec Text(std::uint64_t seq) {
    const std::string s = "record " + std::to_string(seq);
    return ByteVec(s.begin(), s.end());
  }
  SECURITY_STATUS Seal(NCRYPT_KEY_HANDLE key, std::uint64_t seq, ByteVec* record) {
    ByteVec text = Text(seq);
    record->assign(256, 0);
    DWORD written = 0;
    SECURITY_STATUS rc = SslEncryptPacket(prov_, key, text.data(), static_cast<DWORD>(text.size()), record->data(), 256,
                                          &written, seq, CT_APPLICATIONDATA, 0);
    record->resize(rc == 0 ? written : 0);
    return rc;
  }
  SECURITY_STATUS Open(NCRYPT_KEY_HANDLE key, std::uint64_t seq, ByteVec record, ByteVec* plain) {
    plain->assign(record.size(), 0);
    DWORD got = 0;
    SECURITY_STATUS rc = SslDecryptPacket(prov_, key, record.data(), static_cast<DWORD>(record.size()), plain->data(),
                                          static_cast<DWORD>(plain->size()), &got, seq, 0);
    plain->resize(rc == 0 ? got : 0);
    return rc;
  }
  // OpenSSL's side: opens what our write key (client_write_*) sealed / seals for our read key.
  std::optional<ByteVec> PeerOpen(const ByteVec& record, std::uint64_t seq) {
    return protocol_ == kTls12 ? GcmOpen(client_, record, seq) : Tls10CbcOpen(client_, client_chain_, record, seq);
  }
  ByteVec PeerSeal(std::uint64_t seq) {
    return protocol_ == kTls12 ? GcmSeal(server_, Text(seq), seq)
                               : Tls10CbcSeal(server_, server_chain_, Text(seq), seq);
  }

  NCRYPT_PROV_HANDLE prov_ = 0;
  EVP_PKEY* peer_ = nullptr;
  std::vector<NCRYPT_KEY_HANDLE> handles_;
  DWORD protocol_ = kTls12;
  NCRYPT_KEY_HANDLE master_ = 0, read_ = 0, write_ = 0;
  Direction client_, server_;
  ByteVec client_chain_, server_chain_;  // TLS 1.0 CBC: OpenSSL's running IVs
};

// ---- layout ------------------------------------------------------------------------------------

// The documented layout (src/record/session_key_blob.h), with the keys OpenSSL derived.
TEST_F(OpaqueBlob, LayoutCarriesTheKeyBlockSlices) {
  MakeSession(kTls12, kEcdheGcm);
  ByteVec record;
  ASSERT_EQ(Seal(write_, 41, &record), 0);
  const ByteVec w = Export(write_);
  const ByteVec expected_w =
      Cat({{'O', 'P', 'S', 'K', 0, 1, 0x03, 0x03, 0xC0, 0x2F, 1, 0}, Be64(42), {0, 16, 4, 0}, client_.key, client_.iv});
  EXPECT_EQ(w, expected_w);
  const ByteVec r = Export(read_);
  const ByteVec expected_r =
      Cat({{'O', 'P', 'S', 'K', 0, 1, 0x03, 0x03, 0xC0, 0x2F, 0, 0}, Be64(0), {0, 16, 4, 0}, server_.key, server_.iv});
  EXPECT_EQ(r, expected_r);
}

TEST_F(OpaqueBlob, LayoutTls10CbcCarriesTheChainedIv) {
  MakeSession(kTls10, kEcdheCbc);
  ByteVec record;
  ASSERT_EQ(Seal(write_, 0, &record), 0);
  ASSERT_TRUE(PeerOpen(record, 0).has_value());  // advances client_chain_ to the last block
  const ByteVec w = Export(write_);
  EXPECT_EQ(w, Cat({{'O', 'P', 'S', 'K', 0, 1, 0x03, 0x01, 0xC0, 0x13, 1, 0},
                    Be64(1),
                    {20, 16, 16, 16},
                    client_.mac,
                    client_.key,
                    client_.iv,
                    client_chain_}));
}

// ---- the stream continues: in this process --------------------------------------------------------

TEST_F(OpaqueBlob, WriteKeyContinuesAfterImport) {
  for (auto [protocol, suite] : {std::pair{kTls12, kEcdheGcm}, std::pair{kTls10, kEcdheCbc}}) {
    SCOPED_TRACE(protocol);
    MakeSession(protocol, suite);
    ByteVec record;
    for (std::uint64_t seq = 0; seq < 3; ++seq) {
      ASSERT_EQ(Seal(write_, seq, &record), 0);
      ASSERT_EQ(PeerOpen(record, seq), Text(seq));
    }
    const NCRYPT_KEY_HANDLE moved = Import(Export(write_));
    // The importer inherits the floor: 0..2 were sealed by the exporter.
    EXPECT_EQ(Seal(moved, 2, &record), NTE_INVALID_PARAMETER);
    EXPECT_EQ(Seal(moved, 0, &record), NTE_INVALID_PARAMETER);
    for (std::uint64_t seq = 3; seq < 5; ++seq) {
      ASSERT_EQ(Seal(moved, seq, &record), 0);
      EXPECT_EQ(PeerOpen(record, seq), Text(seq)) << "OpenSSL opens the imported key's record " << seq;
    }
  }
}

TEST_F(OpaqueBlob, ReadKeyContinuesAfterImport) {
  for (auto [protocol, suite] : {std::pair{kTls12, kEcdheGcm}, std::pair{kTls10, kEcdheCbc}}) {
    SCOPED_TRACE(protocol);
    MakeSession(protocol, suite);
    std::vector<ByteVec> records;
    for (std::uint64_t seq = 0; seq < 4; ++seq) records.push_back(PeerSeal(seq));
    ByteVec plain;
    for (std::uint64_t seq = 0; seq < 3; ++seq) {
      ASSERT_EQ(Open(read_, seq, records[seq], &plain), 0);
      EXPECT_EQ(plain, Text(seq));
    }
    const NCRYPT_KEY_HANDLE moved = Import(Export(read_));
    ASSERT_EQ(Open(moved, 3, records[3], &plain), 0);
    EXPECT_EQ(plain, Text(3));
  }
}

// TLS 1.0 CBC state is part of the blob: a read key exported one record early cannot open the
// record after the next one (its chained IV is stale), proving the import is not a fresh key.
TEST_F(OpaqueBlob, Tls10ChainedIvIsState) {
  MakeSession(kTls10, kEcdheCbc);
  const ByteVec r0 = PeerSeal(0), r1 = PeerSeal(1);
  const NCRYPT_KEY_HANDLE fresh = Import(Export(read_));
  ByteVec plain;
  ASSERT_EQ(Open(read_, 0, r0, &plain), 0);
  EXPECT_EQ(Open(fresh, 1, r1, &plain), NTE_DECRYPTION_FAILURE);
  const NCRYPT_KEY_HANDLE moved = Import(Export(read_));
  ASSERT_EQ(Open(moved, 1, r1, &plain), 0);
  EXPECT_EQ(plain, Text(1));
}

// ---- the stream continues: in another process ---------------------------------------------------

TEST_F(OpaqueBlob, TwoProcessesWriteKey) {
  for (auto [protocol, suite] : {std::pair{kTls12, kEcdheGcm}, std::pair{kTls10, kEcdheCbc}}) {
    SCOPED_TRACE(protocol);
    MakeSession(protocol, suite);
    ByteVec record;
    for (std::uint64_t seq = 0; seq < 5; ++seq) {
      ASSERT_EQ(Seal(write_, seq, &record), 0);
      ASSERT_EQ(PeerOpen(record, seq), Text(seq));
    }
    const std::string blob_path = ScratchPath("write.blob"), out_path = ScratchPath("write.records");
    WriteFile(blob_path, Export(write_));
    // The child checks that 4 is refused, then seals 5, 6, 7.
    ASSERT_EQ(RunChild({"seal", blob_path, out_path, "5", "3"}), 0);
    const ByteVec out = ReadFile(out_path);
    std::remove(blob_path.c_str());
    std::remove(out_path.c_str());
    const std::vector<ByteVec> records = SplitRecords(out);
    ASSERT_EQ(records.size(), 3u);
    for (std::uint64_t seq = 5; seq < 8; ++seq)
      EXPECT_EQ(PeerOpen(records[seq - 5], seq), Text(seq)) << "OpenSSL opens the child's record " << seq;
  }
}

TEST_F(OpaqueBlob, TwoProcessesReadKey) {
  for (auto [protocol, suite] : {std::pair{kTls12, kEcdheGcm}, std::pair{kTls10, kEcdheCbc}}) {
    SCOPED_TRACE(protocol);
    MakeSession(protocol, suite);
    ByteVec plain;
    for (std::uint64_t seq = 0; seq < 3; ++seq) {
      ASSERT_EQ(Open(read_, seq, PeerSeal(seq), &plain), 0);
      ASSERT_EQ(plain, Text(seq));
    }
    const std::string blob_path = ScratchPath("read.blob"), in_path = ScratchPath("read.record"),
                      out_path = ScratchPath("read.plain");
    WriteFile(blob_path, Export(read_));
    WriteFile(in_path, PeerSeal(3));
    ASSERT_EQ(RunChild({"open", blob_path, in_path, out_path, "3"}), 0);
    EXPECT_EQ(ReadFile(out_path), Text(3)) << "the child opened OpenSSL's record 3";
    std::remove(blob_path.c_str());
    std::remove(in_path.c_str());
    std::remove(out_path.c_str());
  }
}

// ---- argument safety ---------------------------------------------------------------------------

TEST_F(OpaqueBlob, ExportEveryArgument) {
  MakeSession(kTls12, kEcdheGcm);
  ByteVec record;
  ASSERT_EQ(Seal(write_, 0, &record), 0);
  std::uint8_t buf[128];
  std::memset(buf, 0xEE, sizeof buf);
  DWORD size = 77;
  const LPCWSTR opaque = W(kOpaque);
  // Provider handle: NULL, stale, a key.
  EXPECT_EQ(SslExportKey(0, write_, opaque, buf, sizeof buf, &size, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExportKey(StaleProvider(), write_, opaque, buf, sizeof buf, &size, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExportKey(write_, write_, opaque, buf, sizeof buf, &size, 0), NTE_INVALID_HANDLE);
  // Key handle: NULL, the provider, garbage, a stale session key.
  EXPECT_EQ(SslExportKey(prov_, 0, opaque, buf, sizeof buf, &size, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExportKey(prov_, prov_, opaque, buf, sizeof buf, &size, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExportKey(prov_, 0x7fff1234, opaque, buf, sizeof buf, &size, 0), NTE_INVALID_HANDLE);
  NCRYPT_KEY_HANDLE stale = 0;
  {
    ByteVec blob = Export(write_);
    ASSERT_EQ(SslImportKey(prov_, &stale, opaque, blob.data(), static_cast<DWORD>(blob.size()), 0), 0);
    ASSERT_EQ(SslFreeObject(stale, 0), 0);
  }
  EXPECT_EQ(SslExportKey(prov_, stale, opaque, buf, sizeof buf, &size, 0), NTE_INVALID_HANDLE);
  // Other key kinds with the opaque name, a session key with a public-key name.
  EXPECT_EQ(SslExportKey(prov_, master_, opaque, buf, sizeof buf, &size, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslExportKey(prov_, handles_[0], opaque, buf, sizeof buf, &size, 0), NTE_NOT_SUPPORTED) << "ephemeral";
  for (const char16_t* type : {u"ECCPUBLICBLOB", u"RSAPUBLICBLOB", u"ECCPRIVATEBLOB"})
    EXPECT_EQ(SslExportKey(prov_, write_, W(type), buf, sizeof buf, &size, 0), NTE_NOT_SUPPORTED) << ToAscii(W(type));
  // pcbResult, flags, blob type.
  EXPECT_EQ(SslExportKey(prov_, write_, opaque, buf, sizeof buf, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExportKey(prov_, write_, opaque, nullptr, 0, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExportKey(prov_, write_, opaque, buf, sizeof buf, &size, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(SslExportKey(prov_, write_, opaque, buf, sizeof buf, &size, 0x80000000u), NTE_BAD_FLAGS);
  EXPECT_EQ(SslExportKey(prov_, write_, nullptr, buf, sizeof buf, &size, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExportKey(prov_, write_, W(u"opaquekeyblob"), buf, sizeof buf, &size, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(size, 77u) << "no size written on failure";
  // Output: too small (zero, one short) reports the size and writes nothing.
  for (DWORD cb : {DWORD{0}, DWORD{43}}) {
    EXPECT_EQ(SslExportKey(prov_, write_, opaque, buf, cb, &size, 0), NTE_BUFFER_TOO_SMALL) << cb;
    EXPECT_EQ(size, 44u);
  }
  for (std::uint8_t b : buf) ASSERT_EQ(b, 0xEE) << "nothing written";
  // Size query; an oversize buffer gets exactly the blob.
  size = 0;
  EXPECT_EQ(SslExportKey(prov_, write_, opaque, nullptr, 0, &size, 0), 0);
  EXPECT_EQ(size, 44u);
  EXPECT_EQ(SslExportKey(prov_, write_, opaque, buf, sizeof buf, &size, 0), 0);
  EXPECT_EQ(size, 44u);
  EXPECT_EQ(buf[44], 0xEE);
  // Exporting changes nothing: the exporter still seals 1 and refuses 0.
  EXPECT_EQ(Seal(write_, 0, &record), NTE_INVALID_PARAMETER);
  EXPECT_EQ(Seal(write_, 1, &record), 0);
  EXPECT_EQ(PeerOpen(record, 1), Text(1));
}

TEST_F(OpaqueBlob, ImportEveryArgument) {
  MakeSession(kTls12, kEcdheGcm);
  ByteVec record;
  ASSERT_EQ(Seal(write_, 0, &record), 0);  // the floor becomes 1
  ByteVec good = Export(write_);
  ASSERT_EQ(good.size(), 44u);
  const LPCWSTR opaque = W(kOpaque);
  NCRYPT_KEY_HANDLE key = kSentinel;
  const DWORD len = static_cast<DWORD>(good.size());
  EXPECT_EQ(SslImportKey(0, &key, opaque, good.data(), len, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslImportKey(StaleProvider(), &key, opaque, good.data(), len, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslImportKey(write_, &key, opaque, good.data(), len, 0), NTE_INVALID_HANDLE) << "a key as provider";
  EXPECT_EQ(SslImportKey(prov_, nullptr, opaque, good.data(), len, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslImportKey(prov_, &key, opaque, good.data(), len, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(SslImportKey(prov_, &key, opaque, good.data(), len, 0xFFFFFFFFu), NTE_BAD_FLAGS);
  EXPECT_EQ(SslImportKey(prov_, &key, opaque, nullptr, len, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslImportKey(prov_, &key, opaque, good.data(), 0, 0), NTE_INVALID_PARAMETER);
  // Oversize lengths are refused before the buffer is read.
  EXPECT_EQ(SslImportKey(prov_, &key, opaque, good.data(), 0x7FFFFFFFu, 0), NTE_BAD_DATA);
  EXPECT_EQ(SslImportKey(prov_, &key, opaque, good.data(), 0xFFFFFFFFu, 0), NTE_BAD_DATA);
  EXPECT_EQ(key, kSentinel);

  // Content: truncated anywhere, trailing bytes.
  for (std::size_t cut = 1; cut < good.size(); ++cut)
    EXPECT_EQ(ImportStatus(ByteVec(good.begin(), good.begin() + cut)), NTE_BAD_DATA) << cut;
  EXPECT_EQ(ImportStatus(Cat({good, {0}})), NTE_BAD_DATA);
  EXPECT_EQ(ImportStatus(Cat({good, ByteVec(300, 0)})), NTE_BAD_DATA);
  // A public-key blob under the opaque name.
  EXPECT_EQ(ImportStatus(P256PublicBlob(peer_)), NTE_BAD_DATA);
  // One field at a time: {offset, value}.
  struct Corruption {
    std::size_t at;
    std::uint8_t value;
    const char* what;
  };
  const Corruption corruptions[] = {
      {0, 'X', "magic"},
      {3, 'L', "magic"},
      {5, 0, "format version 0"},
      {5, 2, "format version 2"},
      {4, 1, "format version 0x0101"},
      {7, 0x00, "protocol 0x0300 (SSL 3)"},
      {7, 0x02, "protocol 0x0302: GCM is not a TLS 1.1 suite"},
      {7, 0x04, "protocol 0x0304 (TLS 1.3)"},
      {6, 0xFE, "protocol 0xFE03 (not a version)"},
      {9, 0x05, "suite 0xC005 (not offered)"},
      {8, 0x00, "suite 0x002F (CBC: lengths differ)"},
      {8, 0x13, "suite 0x132F (unknown)"},
      {10, 2, "direction 2"},
      {10, 0, "a read key with sequence state"},
      {11, 1, "reserved byte"},
      {20, 1, "MAC key length (AEAD has none)"},
      {21, 32, "cipher key length"},
      {21, 15, "cipher key length"},
      {22, 12, "IV length"},
      {22, 0, "IV length"},
      {23, 16, "chained IV length (not TLS 1.0 CBC)"},
  };
  for (const Corruption& c : corruptions) {
    ByteVec bad = good;
    bad[c.at] = c.value;
    EXPECT_EQ(ImportStatus(bad), NTE_BAD_DATA) << c.what;
  }
  // Lengths that still add up to the blob's size but disagree with the suite.
  ByteVec shifted = good;
  shifted[21] = 15;
  shifted[22] = 5;
  EXPECT_EQ(ImportStatus(shifted), NTE_BAD_DATA);
  // A TLS 1.3 suite id with TLS 1.2.
  ByteVec tls13 = good;
  tls13[8] = 0x13;
  tls13[9] = 0x01;
  EXPECT_EQ(ImportStatus(tls13), NTE_BAD_DATA);
  // A read key's blob with a sequence floor.
  ByteVec read_blob = Export(read_);
  read_blob[19] = 1;
  EXPECT_EQ(ImportStatus(read_blob), NTE_BAD_DATA);

  // The good blob still imports, and its handle goes stale when freed.
  NCRYPT_KEY_HANDLE moved = 0;
  ASSERT_EQ(SslImportKey(prov_, &moved, opaque, good.data(), len, 0), 0);
  ASSERT_EQ(SslFreeObject(moved, 0), 0);
  EXPECT_EQ(Seal(moved, 1, &record), NTE_INVALID_HANDLE);
}

// The imported key is an ordinary session key: direction rules, properties.
TEST_F(OpaqueBlob, ImportedKeysKeepTheirDirection) {
  MakeSession(kTls12, kEcdheGcm);
  const NCRYPT_KEY_HANDLE w = Import(Export(write_)), r = Import(Export(read_));
  ByteVec record, plain;
  ASSERT_EQ(Seal(w, 0, &record), 0);
  EXPECT_EQ(Seal(r, 1, &record), NTE_BAD_KEY_STATE);
  EXPECT_EQ(Open(w, 0, PeerSeal(0), &plain), NTE_BAD_KEY_STATE);
  ASSERT_EQ(Open(r, 0, PeerSeal(0), &plain), 0);
  EXPECT_EQ(plain, Text(0));
}

}  // namespace
