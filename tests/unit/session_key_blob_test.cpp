// session_key_blob_test.cpp - the BCRYPT_OPAQUE_KEY_BLOB codec of session keys
// (src/record/session_key_blob.h) and SessionKey export / import.
//
// Expected blobs are laid out by hand here from the documented format (header fields, then the
// key fields), not produced by the encoder. Record-level continuation against OpenSSL is in
// tests/abi/session_key_blob_exports_test.cpp.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "core/cipher_suites.h"
#include "record/session_key.h"
#include "record/session_key_blob.h"
#include "support/bytes.h"

namespace opensslp {
namespace {

using test::ByteVec;

ByteVec Pattern(std::size_t n, std::uint8_t seed) {
  ByteVec v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed + i);
  return v;
}

ByteVec Cat(std::initializer_list<ByteVec> parts) {
  ByteVec out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

struct Fields {
  const CipherSuite* suite;
  ProtocolVersion version;
  ByteVec mac, key, iv, chain;
};

Fields GcmFields() {
  return {FindCipherSuite(0xC02F), ProtocolVersion::kTls12, {}, Pattern(16, 0x10), Pattern(4, 0x40), {}};
}
Fields CbcTls10Fields() {
  return {FindCipherSuite(0xC013), ProtocolVersion::kTls10, Pattern(20, 0x80),
          Pattern(16, 0x10),       Pattern(16, 0x40),       Pattern(16, 0xC0)};
}

SessionKeyBlobView View(const Fields& f, RecordDirection d, std::uint64_t seq) {
  SessionKeyBlobView v;
  v.suite = f.suite;
  v.version = f.version;
  v.direction = d;
  v.next_write_seq = seq;
  v.mac_key = f.mac;
  v.enc_key = f.key;
  v.iv = f.iv;
  v.chain_iv = f.chain;
  return v;
}

TEST(SessionKeyBlob, EncodesTheDocumentedLayout) {
  const Fields g = GcmFields();
  ByteVec out(SessionKeyBlobLength(*g.suite, g.version), 0xEE);
  ASSERT_EQ(out.size(), 44u);
  ASSERT_TRUE(EncodeSessionKeyBlob(View(g, RecordDirection::kWrite, 0x0102030405060708ull), out).ok());
  EXPECT_EQ(out, Cat({{'O', 'P', 'S', 'K', 0x00, 0x01, 0x03, 0x03, 0xC0, 0x2F, 0x01, 0x00},
                      {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08},
                      {0, 16, 4, 0},
                      g.key,
                      g.iv}));

  const Fields c = CbcTls10Fields();
  out.assign(SessionKeyBlobLength(*c.suite, c.version), 0xEE);
  ASSERT_EQ(out.size(), 24u + 20 + 16 + 16 + 16);
  ASSERT_TRUE(EncodeSessionKeyBlob(View(c, RecordDirection::kRead, 0), out).ok());
  EXPECT_EQ(out, Cat({{'O', 'P', 'S', 'K', 0x00, 0x01, 0x03, 0x01, 0xC0, 0x13, 0x00, 0x00},
                      ByteVec(8, 0),
                      {20, 16, 16, 16},
                      c.mac,
                      c.key,
                      c.iv,
                      c.chain}));
}

TEST(SessionKeyBlob, EncoderRefusesInconsistentViews) {
  Fields g = GcmFields();
  ByteVec out(44, 0xEE);
  Fields wrong = g;
  wrong.key = Pattern(15, 1);
  EXPECT_EQ(EncodeSessionKeyBlob(View(wrong, RecordDirection::kWrite, 0), out).error(), Error::kInternal);
  EXPECT_EQ(EncodeSessionKeyBlob(View(g, RecordDirection::kRead, 5), out).error(), Error::kInternal)
      << "read keys carry no sequence state";
  ByteVec short_out(43);
  EXPECT_EQ(EncodeSessionKeyBlob(View(g, RecordDirection::kWrite, 0), short_out).error(), Error::kInternal);
  EXPECT_EQ(out, ByteVec(44, 0xEE)) << "nothing written";
}

TEST(SessionKeyBlob, DecodesWhatTheLayoutSays) {
  const Fields c = CbcTls10Fields();
  const ByteVec blob = Cat({{'O', 'P', 'S', 'K', 0, 1, 3, 1, 0xC0, 0x13, 1, 0},
                            {0, 0, 0, 0, 0, 0, 0x01, 0x00},
                            {20, 16, 16, 16},
                            c.mac,
                            c.key,
                            c.iv,
                            c.chain});
  auto v = DecodeSessionKeyBlob(blob);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v.value().suite->id, 0xC013);
  EXPECT_EQ(v.value().version, ProtocolVersion::kTls10);
  EXPECT_EQ(v.value().direction, RecordDirection::kWrite);
  EXPECT_EQ(v.value().next_write_seq, 256u);
  EXPECT_EQ(ByteVec(v.value().mac_key.begin(), v.value().mac_key.end()), c.mac);
  EXPECT_EQ(ByteVec(v.value().enc_key.begin(), v.value().enc_key.end()), c.key);
  EXPECT_EQ(ByteVec(v.value().iv.begin(), v.value().iv.end()), c.iv);
  EXPECT_EQ(ByteVec(v.value().chain_iv.begin(), v.value().chain_iv.end()), c.chain);
}

TEST(SessionKeyBlob, EveryCorruptionIsBadData) {
  const Fields c = CbcTls10Fields();
  const ByteVec good = Cat({{'O', 'P', 'S', 'K', 0, 1, 3, 1, 0xC0, 0x13, 1, 0},
                            ByteVec(8, 0),
                            {20, 16, 16, 16},
                            c.mac,
                            c.key,
                            c.iv,
                            c.chain});
  ASSERT_TRUE(DecodeSessionKeyBlob(good).ok());
  EXPECT_EQ(DecodeSessionKeyBlob(Bytes()).error(), Error::kBadData);
  for (std::size_t cut = 0; cut < good.size(); ++cut)
    EXPECT_EQ(DecodeSessionKeyBlob(Bytes(good.data(), cut)).error(), Error::kBadData) << cut;
  ByteVec longer = good;
  longer.push_back(0);
  EXPECT_EQ(DecodeSessionKeyBlob(longer).error(), Error::kBadData);
  EXPECT_EQ(DecodeSessionKeyBlob(ByteVec(kMaxSessionKeyBlobLength + 1, 0)).error(), Error::kBadData);
  // Single-byte changes at every header offset except the sequence number (any value is valid for
  // a write key) must be refused; key bytes are opaque and any value decodes.
  for (std::size_t at = 0; at < kSessionKeyBlobHeaderLength; ++at) {
    if (at >= 12 && at < 20) continue;
    for (std::uint8_t delta : {std::uint8_t{1}, std::uint8_t{0x80}}) {
      ByteVec bad = good;
      bad[at] = static_cast<std::uint8_t>(bad[at] + delta);
      auto r = DecodeSessionKeyBlob(bad);
      // 0xC013 + 1 = 0xC014 (TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA) needs a 32-byte key: refused too.
      EXPECT_FALSE(r.ok()) << "offset " << at << " +" << int{delta};
      if (!r.ok()) {
        EXPECT_EQ(r.error(), Error::kBadData);
      }
    }
  }
  // A read key with a sequence floor.
  ByteVec read = good;
  read[10] = 0;
  read[19] = 1;
  EXPECT_EQ(DecodeSessionKeyBlob(read).error(), Error::kBadData);
  read[19] = 0;
  EXPECT_TRUE(DecodeSessionKeyBlob(read).ok());
}

TEST(SessionKeyBlob, KeyRoundTripKeepsState) {
  const Fields g = GcmFields();
  SessionKeyMaterial m;
  m.suite = g.suite;
  m.version = g.version;
  m.direction = RecordDirection::kWrite;
  m.enc_key = SecretBytes(g.key);
  m.iv = SecretBytes(g.iv);
  auto writer = CreateSessionKey(std::move(m));
  ASSERT_TRUE(writer.ok());
  std::uint8_t msg[3] = {1, 2, 3};
  ByteVec rec(writer.value()->SealedLength(3));
  ASSERT_TRUE(writer.value()->Seal(7, kContentApplicationData, msg, 3, rec.data(), rec.size()).ok());
  ByteVec blob(writer.value()->OpaqueBlobLength());
  ASSERT_TRUE(writer.value()->ExportOpaqueBlob(blob).ok());
  EXPECT_EQ(ByteVec(blob.begin() + 12, blob.begin() + 20), ByteVec({0, 0, 0, 0, 0, 0, 0, 8}));
  auto moved = ImportSessionKeyBlob(blob);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved.value()->direction(), RecordDirection::kWrite);
  EXPECT_EQ(moved.value()->suite().id, 0xC02F);
  auto repeat = moved.value()->Seal(7, kContentApplicationData, msg, 3, rec.data(), rec.size());
  ASSERT_FALSE(repeat.ok());
  EXPECT_EQ(repeat.error(), Error::kInvalidParameter);
  // Both keys produce the same record for 8 (same key and nonce): the material moved intact.
  ByteVec a(rec.size()), b(rec.size());
  ASSERT_TRUE(writer.value()->Seal(8, kContentApplicationData, msg, 3, a.data(), a.size()).ok());
  ASSERT_TRUE(moved.value()->Seal(8, kContentApplicationData, msg, 3, b.data(), b.size()).ok());
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace opensslp
