// record_wycheproof_test.cpp - Project Wycheproof AES-GCM and ChaCha20-Poly1305 vectors (96-bit
// nonce, 128-bit tag; tests/vectors/aes_gcm.txt, chacha20_poly1305.txt) against the record layer.
//
// Two paths, each vector through both where it can go:
//  1. Direct AEAD path (ossl::AeadContext, the record layer's cipher core): EVERY vector, with its
//     own AAD. valid: Seal gives exactly ct‖tag and Open gives msg; invalid: Open fails with the
//     single kBadRecord and leaves no plaintext in the output.
//  2. Record path (SessionKey::Seal / Open, the code behind SslEncryptPacket / SslDecryptPacket):
//     every VALID vector. A TLS record's AAD is the fixed 13-byte seq‖type‖version‖length, which
//     no vector in these files uses (checked by the extraction: 0 vectors have a TLS-shaped AAD),
//     so the record path cannot reproduce the vector's tag. It can reproduce the nonce and the
//     ciphertext: both ciphers are stream ciphers, so the ciphertext depends only on key, nonce and
//     message, never on the AAD. The key material is built so the TLS nonce construction yields
//     the vector's nonce:
//       AES-GCM (RFC 5288 §3): salt = iv[0..4), sequence number = iv[4..12) as a big-endian
//         integer (opensslp sends the sequence number as explicit nonce);
//       ChaCha20-Poly1305 (RFC 7905 §2): sequence number s = 0x0102030405060708 and fixed IV =
//         iv XOR (0^4 ‖ s), so that IV XOR padded(s) = the vector's iv.
//     Checked: the record's explicit nonce, the ciphertext bytes = the vector's ct, and the tag =
//     OpenSSL's raw EVP computation with the TLS AAD (computed here, independently of opensslp);
//     then the read key opens the record back to msg, and a record with the vector's tag in place
//     of the right one (the AAD differs) is refused. Two AES-GCM vectors (tcId 22, 93) have the
//     explicit part ff..ff = 2^64-1, a sequence number the record layer refuses: for them the
//     refusal is checked instead.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "core/cipher_suites.h"
#include "ossl/aead.h"
#include "record/session_key.h"
#include "support/bytes.h"
#include "support/ossl_reference.h"
#include "support/vector_file.h"

namespace opensslp {
namespace {

using test::ByteVec;

// OpenSSL's own AEAD seal, independent of opensslp: returns ct ‖ tag.
ByteVec RawSeal(const char* name, const ByteVec& key, const ByteVec& nonce, const ByteVec& aad, const ByteVec& msg) {
  return test::AeadSeal(name, key, nonce, aad, msg);
}

struct Param {
  const char* file;
  bool chacha;
  int min_direct;  // the file's vector count (tests/vectors/*.txt header)
  int min_record;  // its valid vectors
};

class RecordWycheproof : public ::testing::TestWithParam<Param> {};

BulkCipher CipherFor(bool chacha, std::size_t key_len) {
  if (chacha) return BulkCipher::kChaCha20Poly1305;
  return key_len == 16 ? BulkCipher::kAes128Gcm : BulkCipher::kAes256Gcm;
}

// A TLS 1.2 suite of the catalog with that bulk cipher.
const CipherSuite* SuiteFor(BulkCipher c) {
  return FindCipherSuite(c == BulkCipher::kAes128Gcm ? 0xC02F : c == BulkCipher::kAes256Gcm ? 0xC030 : 0xCCA8);
}

std::shared_ptr<SessionKey> MakeKey(BulkCipher c, RecordDirection d, const ByteVec& key, const ByteVec& iv) {
  SessionKeyMaterial m;
  m.suite = SuiteFor(c);
  m.version = ProtocolVersion::kTls12;
  m.direction = d;
  m.enc_key = SecretBytes(key);
  m.iv = SecretBytes(iv);
  auto k = CreateSessionKey(std::move(m));
  EXPECT_TRUE(k.ok());
  return k.ok() ? k.value() : nullptr;
}

TEST_P(RecordWycheproof, DirectAndRecordPaths) {
  test::VectorFile file;
  std::string error;
  ASSERT_TRUE(test::VectorFile::Load(test::VectorPath(GetParam().file), &file, &error)) << error;
  const bool chacha = GetParam().chacha;
  int direct = 0, record = 0, rejected = 0;
  for (const auto& r : file.records()) {
    const std::string where = r.Where() + " tcId " + r.Text("tcId");
    const std::string result = r.Text("result");
    r.Text("flags");
    r.Text("comment");
    const ByteVec key = r.Hex("key"), iv = r.Hex("iv"), aad = r.Hex("aad"), msg = r.Hex("msg"), ct = r.Hex("ct"),
                  tag = r.Hex("tag");
    r.ExpectAllConsumed();
    ASSERT_EQ(std::to_string(key.size() * 8), r.Instruction("keySize")) << where;
    const BulkCipher cipher = CipherFor(chacha, key.size());

    // ---- Path 1: direct AEAD with the vector's AAD.
    auto opener = ossl::AeadContext::Create(cipher, key, ossl::AeadContext::Direction::kOpen);
    ASSERT_TRUE(opener.ok()) << where;
    ByteVec out(ct.size(), 0xAA);
    Status opened = opener->Open(iv, aad, ct, tag, out);
    if (result == "valid") {
      ASSERT_TRUE(opened.ok()) << where;
      EXPECT_EQ(out, msg) << where;
      auto sealer = ossl::AeadContext::Create(cipher, key, ossl::AeadContext::Direction::kSeal);
      ASSERT_TRUE(sealer.ok()) << where;
      ByteVec sealed(msg.size()), got_tag(16);
      ASSERT_TRUE(sealer->Seal(iv, aad, msg, sealed, got_tag).ok()) << where;
      EXPECT_EQ(sealed, ct) << where;
      EXPECT_EQ(got_tag, tag) << where;
    } else {
      ASSERT_EQ(result, "invalid") << where;  // no "acceptable" vectors in these groups
      ASSERT_FALSE(opened.ok()) << where;
      EXPECT_EQ(opened.error(), Error::kBadRecord) << where;
      EXPECT_EQ(out, ByteVec(ct.size(), 0)) << where << ": plaintext left after a failure";
      ++rejected;
    }
    ++direct;
    if (result != "valid") continue;

    // ---- Path 2: the record layer, nonce built by the TLS construction.
    std::uint64_t seq = 0;
    ByteVec fixed_iv;
    if (chacha) {
      seq = 0x0102030405060708ull;
      fixed_iv = iv;
      for (int i = 0; i < 8; ++i) fixed_iv[4 + i] ^= static_cast<std::uint8_t>(seq >> (56 - 8 * i));
    } else {
      for (int i = 4; i < 12; ++i) seq = (seq << 8) | iv[i];
      fixed_iv.assign(iv.begin(), iv.begin() + 4);
    }
    if (seq == kLastSequenceNumber) {
      // tcId 22 and 93: explicit part ff..ff = 2^64-1, which the record layer refuses (no wrap,
      // RFC 5246 §6.1); these two are covered by the direct path only.
      auto w = MakeKey(cipher, RecordDirection::kWrite, key, fixed_iv);
      ASSERT_TRUE(w) << where;
      ByteVec rec(w->SealedLength(msg.size()));
      auto refused = w->Seal(seq, kContentApplicationData, msg.data(), msg.size(), rec.data(), rec.size());
      ASSERT_FALSE(refused.ok()) << where;
      EXPECT_EQ(refused.error(), Error::kInvalidParameter) << where;
      continue;
    }
    auto writer = MakeKey(cipher, RecordDirection::kWrite, key, fixed_iv);
    auto reader = MakeKey(cipher, RecordDirection::kRead, key, fixed_iv);
    ASSERT_TRUE(writer && reader) << where;
    const std::size_t explicit_len = chacha ? 0 : 8;
    ByteVec rec(writer->SealedLength(msg.size()));
    auto n = writer->Seal(seq, kContentApplicationData, msg.data(), msg.size(), rec.data(), rec.size());
    ASSERT_TRUE(n.ok()) << where;
    ASSERT_EQ(n.value(), 5 + explicit_len + msg.size() + 16) << where;
    const ByteVec tls_aad = {static_cast<std::uint8_t>(seq >> 56),
                             static_cast<std::uint8_t>(seq >> 48),
                             static_cast<std::uint8_t>(seq >> 40),
                             static_cast<std::uint8_t>(seq >> 32),
                             static_cast<std::uint8_t>(seq >> 24),
                             static_cast<std::uint8_t>(seq >> 16),
                             static_cast<std::uint8_t>(seq >> 8),
                             static_cast<std::uint8_t>(seq),
                             23,
                             3,
                             3,
                             static_cast<std::uint8_t>(msg.size() >> 8),
                             static_cast<std::uint8_t>(msg.size())};
    const std::size_t frag_len = explicit_len + msg.size() + 16;
    const ByteVec header = {23, 3, 3, static_cast<std::uint8_t>(frag_len >> 8), static_cast<std::uint8_t>(frag_len)};
    EXPECT_EQ(ByteVec(rec.begin(), rec.begin() + 5), header) << where;
    if (!chacha) {
      EXPECT_EQ(ByteVec(rec.begin() + 5, rec.begin() + 13), ByteVec(iv.begin() + 4, iv.end())) << where;
    }
    const ByteVec body(rec.begin() + 5 + explicit_len, rec.end());
    EXPECT_EQ(ByteVec(body.begin(), body.begin() + msg.size()), ct) << where << ": ciphertext";
    EXPECT_EQ(body, RawSeal(chacha ? "ChaCha20-Poly1305" : (key.size() == 16 ? "AES-128-GCM" : "AES-256-GCM"), key, iv,
                            tls_aad, msg))
        << where << ": record vs raw EVP";
    ByteVec back(msg.size() + 1, 0xAA);
    auto m = reader->Open(seq, rec.data(), rec.size(), back.data(), back.size());
    ASSERT_TRUE(m.ok()) << where;
    back.resize(m.value());
    EXPECT_EQ(back, msg) << where;
    // The vector's tag belongs to another AAD: the record layer must refuse it.
    if (tag != ByteVec(body.end() - 16, body.end())) {
      std::memcpy(rec.data() + rec.size() - 16, tag.data(), 16);
      ByteVec sink(msg.size() + 1, 0xAA);
      auto bad = reader->Open(seq, rec.data(), rec.size(), sink.data(), sink.size());
      ASSERT_FALSE(bad.ok()) << where;
      EXPECT_EQ(bad.error(), Error::kBadRecord) << where;
    }
    ++record;
  }
  std::cout << GetParam().file << ": " << direct << " vectors through the direct AEAD path (" << rejected
            << " rejected), " << record << " through the record layer\n";
  EXPECT_GE(direct, GetParam().min_direct);
  EXPECT_GE(record, GetParam().min_record);
}

INSTANTIATE_TEST_SUITE_P(Files, RecordWycheproof,
                         ::testing::Values(Param{"aes_gcm.txt", false, 97, 41},
                                           Param{"chacha20_poly1305.txt", true, 293, 233}),
                         [](const ::testing::TestParamInfo<Param>& p) {
                           return std::string(p.param.chacha ? "ChaCha" : "Gcm");
                         });

}  // namespace
}  // namespace opensslp
