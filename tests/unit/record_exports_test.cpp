// record_exports_test.cpp - SslEncryptPacket / SslDecryptPacket through their exported entry
// points, with session keys made by CreateSessionKey and inserted into HandleTable::Global() (the
// ABI test binary cannot make them until SslGenerateSessionKeys exists, so the argument-safety
// tests live here). Expected records are computed with OpenSSL's raw EVP in the test.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstring>
#include <vector>

#include "core/cipher_suites.h"
#include "handles/handle_table.h"
#include "record/session_key.h"
#include "sslprovider.h"
#include "support/bytes.h"
#include "support/ossl_reference.h"
#include "support/provider_support.h"

namespace opensslp {
namespace {

using test::ByteVec;
constexpr DWORD kBadResult = 0xDEADBEEF;

ByteVec Pattern(std::size_t n, std::uint8_t seed) {
  ByteVec v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed + i * 13);
  return v;
}

// AES-128-GCM TLS 1.2 record by raw EVP: salt ‖ seq nonce, AAD seq ‖ type ‖ 0303 ‖ len.
ByteVec RawGcmRecord(const ByteVec& key, const ByteVec& salt, std::uint64_t seq, std::uint8_t type,
                     const ByteVec& msg) {
  std::uint8_t nonce[12], aad[13];
  std::memcpy(nonce, salt.data(), 4);
  for (int i = 0; i < 8; ++i) nonce[4 + i] = aad[i] = static_cast<std::uint8_t>(seq >> (56 - 8 * i));
  aad[8] = type;
  aad[9] = aad[10] = 3;
  aad[11] = static_cast<std::uint8_t>(msg.size() >> 8);
  aad[12] = static_cast<std::uint8_t>(msg.size());
  const std::size_t frag = 8 + msg.size() + 16;
  ByteVec rec = {type, 3, 3, static_cast<std::uint8_t>(frag >> 8), static_cast<std::uint8_t>(frag)};
  rec.insert(rec.end(), nonce + 4, nonce + 12);
  const ByteVec body = test::AeadSeal("AES-128-GCM", key, {nonce, 12}, {aad, 13}, msg);
  rec.insert(rec.end(), body.begin(), body.end());
  return rec;
}

class RecordExports : public ::testing::Test {
 protected:
  void SetUp() override {
    prov_ = opensslp_test::OpenProvider();
    write_ = Insert(RecordDirection::kWrite);
    read_ = Insert(RecordDirection::kRead);
  }
  void TearDown() override {
    EXPECT_EQ(SslFreeObject(write_, 0), 0);
    EXPECT_EQ(SslFreeObject(read_, 0), 0);
    EXPECT_EQ(SslFreeObject(prov_, 0), 0);
  }
  NCRYPT_KEY_HANDLE Insert(RecordDirection d) {
    SessionKeyMaterial m;
    m.suite = FindCipherSuite(0xC02F);  // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    m.version = ProtocolVersion::kTls12;
    m.direction = d;
    m.enc_key = SecretBytes(key_);
    m.iv = SecretBytes(salt_);
    auto k = CreateSessionKey(std::move(m));
    EXPECT_TRUE(k.ok());
    auto h = HandleTable::Global().Insert(k.value());
    EXPECT_TRUE(h.ok());
    return static_cast<NCRYPT_KEY_HANDLE>(h.value());
  }
  SECURITY_STATUS Encrypt(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE k, PBYTE in, DWORD cb_in, PBYTE out, DWORD cb_out,
                          DWORD* result, ULONGLONG seq = 1, DWORD type = 23, DWORD flags = 0) {
    return SslEncryptPacket(p, k, in, cb_in, out, cb_out, result, seq, type, flags);
  }
  SECURITY_STATUS Decrypt(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE k, PBYTE in, DWORD cb_in, PBYTE out, DWORD cb_out,
                          DWORD* result, ULONGLONG seq = 1, DWORD flags = 0) {
    return SslDecryptPacket(p, k, in, cb_in, out, cb_out, result, seq, flags);
  }

  ByteVec key_ = Pattern(16, 0x21), salt_ = Pattern(4, 0x42);
  NCRYPT_PROV_HANDLE prov_ = 0;
  NCRYPT_KEY_HANDLE write_ = 0, read_ = 0;
};

TEST_F(RecordExports, EncryptDecryptMatchRawEvp) {
  for (DWORD type : {20u, 21u, 22u, 23u}) {
    ByteVec msg = Pattern(200, static_cast<std::uint8_t>(type));
    const ByteVec expected = RawGcmRecord(key_, salt_, 1000 + type, static_cast<std::uint8_t>(type), msg);
    DWORD size = kBadResult;
    ASSERT_EQ(Encrypt(prov_, write_, msg.data(), 200, nullptr, 0, &size, 1000 + type, type), 0);
    EXPECT_EQ(size, expected.size());
    ByteVec rec(size);
    DWORD got = kBadResult;
    ASSERT_EQ(Encrypt(prov_, write_, msg.data(), 200, rec.data(), size, &got, 1000 + type, type), 0);
    EXPECT_EQ(got, size);
    EXPECT_EQ(rec, expected);
    // Decrypt: size query, then the plaintext.
    ASSERT_EQ(Decrypt(prov_, read_, rec.data(), got, nullptr, 0, &size, 1000 + type), 0);
    EXPECT_EQ(size, 200u);
    ByteVec back(200);
    ASSERT_EQ(Decrypt(prov_, read_, rec.data(), got, back.data(), 200, &size, 1000 + type), 0);
    EXPECT_EQ(size, 200u);
    EXPECT_EQ(back, msg);
  }
}

TEST_F(RecordExports, EmptyRecords) {
  DWORD got = kBadResult;
  ByteVec rec(5 + 8 + 16);
  ASSERT_EQ(Encrypt(prov_, write_, nullptr, 0, rec.data(), static_cast<DWORD>(rec.size()), &got, 3, 22), 0);
  EXPECT_EQ(got, rec.size());
  EXPECT_EQ(rec, RawGcmRecord(key_, salt_, 3, 22, {}));
  // A 0-byte plaintext (docs/reference/functions.md#ssldecryptpacket: *pcbResult may legitimately
  // be 0); pbOutput may be NULL then.
  got = kBadResult;
  ASSERT_EQ(Decrypt(prov_, read_, rec.data(), static_cast<DWORD>(rec.size()), nullptr, 0, &got, 3), 0);
  EXPECT_EQ(got, 0u);
  std::uint8_t one = 0;
  ASSERT_EQ(Decrypt(prov_, read_, rec.data(), static_cast<DWORD>(rec.size()), &one, 1, &got, 3), 0);
  EXPECT_EQ(got, 0u);
}

TEST_F(RecordExports, InPlaceAtSampleOffsets) {
  const ByteVec msg = Pattern(64, 7);
  const ByteVec expected = RawGcmRecord(key_, salt_, 5, 23, msg);
  for (std::size_t off : {std::size_t{5}, std::size_t{13}}) {
    ByteVec buf(expected.size());
    std::memcpy(buf.data() + off, msg.data(), msg.size());
    DWORD got = 0;
    // A fresh write key per layout: one key never seals two records with the same sequence number.
    const NCRYPT_KEY_HANDLE writer = Insert(RecordDirection::kWrite);
    ASSERT_EQ(Encrypt(prov_, writer, buf.data() + off, 64, buf.data(), static_cast<DWORD>(buf.size()), &got, 5), 0);
    EXPECT_EQ(SslFreeObject(writer, 0), 0);
    EXPECT_EQ(buf, expected) << off;
    ASSERT_EQ(Decrypt(prov_, read_, buf.data(), got, buf.data() + off, static_cast<DWORD>(buf.size() - off), &got, 5),
              0);
    EXPECT_EQ(got, 64u);
    EXPECT_EQ(ByteVec(buf.begin() + off, buf.begin() + off + 64), msg) << off;
  }
  ByteVec buf(expected.size() + 8);
  DWORD got = 0;
  EXPECT_EQ(Encrypt(prov_, write_, buf.data() + 6, 64, buf.data(), static_cast<DWORD>(buf.size()), &got, 5),
            NTE_BUFFERS_OVERLAP);
  std::memcpy(buf.data(), expected.data(), expected.size());
  EXPECT_EQ(Decrypt(prov_, read_, buf.data(), static_cast<DWORD>(expected.size()), buf.data() + 2, 64, &got, 5),
            NTE_BUFFERS_OVERLAP);
}

TEST_F(RecordExports, TamperGivesOneErrorAndNoPlaintext) {
  const ByteVec msg = Pattern(50, 1);
  const ByteVec rec = RawGcmRecord(key_, salt_, 8, 23, msg);
  for (std::size_t i = 5; i < rec.size(); ++i) {
    ByteVec bad = rec;
    bad[i] ^= 0x20;
    ByteVec out(50, 0xAA);
    DWORD got = kBadResult;
    EXPECT_EQ(Decrypt(prov_, read_, bad.data(), static_cast<DWORD>(bad.size()), out.data(), 50, &got, 8),
              NTE_DECRYPTION_FAILURE)
        << i;
    EXPECT_NE(out, msg);
    for (std::uint8_t b : out) ASSERT_TRUE(b == 0 || b == 0xAA) << "plaintext byte written, flip at " << i;
  }
  ByteVec bad = rec;
  bad[2] = 1;  // version
  ByteVec out(50);
  DWORD got = 0;
  EXPECT_EQ(Decrypt(prov_, read_, bad.data(), static_cast<DWORD>(bad.size()), out.data(), 50, &got, 8), NTE_BAD_DATA);
  // Wrong sequence number: authentication failure.
  EXPECT_EQ(
      Decrypt(prov_, read_, const_cast<PBYTE>(rec.data()), static_cast<DWORD>(rec.size()), out.data(), 50, &got, 9),
      NTE_DECRYPTION_FAILURE);
}

// ---- Safety: every argument of SslEncryptPacket.
TEST_F(RecordExports, EncryptSafety) {
  ByteVec msg = Pattern(10, 2);
  ByteVec out(100, 0x77);
  DWORD got = kBadResult;
  PBYTE in = msg.data();
  const DWORD cb = 10, cap = 100;
  // Provider handle: NULL, stale, wrong kind.
  EXPECT_EQ(Encrypt(0, write_, in, cb, out.data(), cap, &got), NTE_INVALID_HANDLE);
  EXPECT_EQ(Encrypt(opensslp_test::StaleProvider(), write_, in, cb, out.data(), cap, &got), NTE_INVALID_HANDLE);
  EXPECT_EQ(Encrypt(write_, write_, in, cb, out.data(), cap, &got), NTE_INVALID_HANDLE);
  // Key handle: NULL, garbage, wrong kind, provider, stale.
  EXPECT_EQ(Encrypt(prov_, 0, in, cb, out.data(), cap, &got), NTE_INVALID_HANDLE);
  EXPECT_EQ(Encrypt(prov_, 0x12345678, in, cb, out.data(), cap, &got), NTE_INVALID_HANDLE);
  NCRYPT_KEY_HANDLE eph = opensslp_test::MakeEphemeralP256(prov_);
  EXPECT_EQ(Encrypt(prov_, eph, in, cb, out.data(), cap, &got), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslFreeObject(eph, 0), 0);
  EXPECT_EQ(Encrypt(prov_, prov_, in, cb, out.data(), cap, &got), NTE_INVALID_HANDLE);
  NCRYPT_KEY_HANDLE stale = Insert(RecordDirection::kWrite);
  EXPECT_EQ(SslFreeObject(stale, 0), 0);
  EXPECT_EQ(Encrypt(prov_, stale, in, cb, out.data(), cap, &got), NTE_INVALID_HANDLE);
  // A read key cannot encrypt.
  EXPECT_EQ(Encrypt(prov_, read_, in, cb, out.data(), cap, &got), NTE_BAD_KEY_STATE);
  // Input: NULL with a length; oversize.
  EXPECT_EQ(Encrypt(prov_, write_, nullptr, cb, out.data(), cap, &got), NTE_INVALID_PARAMETER);
  ByteVec big(16385);
  ByteVec big_out(17000);
  EXPECT_EQ(Encrypt(prov_, write_, big.data(), 16385, big_out.data(), 17000, &got), NTE_INVALID_PARAMETER);
  EXPECT_EQ(Encrypt(prov_, write_, big.data(), 0xFFFFFFFF, big_out.data(), 17000, &got), NTE_INVALID_PARAMETER);
  EXPECT_EQ(Encrypt(prov_, write_, big.data(), 16384, big_out.data(), 17000, &got), 0);
  // Output: too small (size reported, nothing written), pcbResult NULL.
  got = kBadResult;
  EXPECT_EQ(Encrypt(prov_, write_, in, cb, out.data(), 38, &got), NTE_BUFFER_TOO_SMALL);
  EXPECT_EQ(got, 39u);
  EXPECT_EQ(out, ByteVec(100, 0x77));
  EXPECT_EQ(Encrypt(prov_, write_, in, cb, out.data(), cap, nullptr), NTE_INVALID_PARAMETER);
  EXPECT_EQ(Encrypt(prov_, write_, in, cb, nullptr, 0, nullptr), NTE_INVALID_PARAMETER);
  // Sequence number 2^64-1, content types, flags.
  EXPECT_EQ(Encrypt(prov_, write_, in, cb, out.data(), cap, &got, ~0ull), NTE_INVALID_PARAMETER);
  for (DWORD t : {0u, 19u, 24u, 0x117u, 0xFFFFFFFFu}) {
    EXPECT_EQ(Encrypt(prov_, write_, in, cb, out.data(), cap, &got, 1, t), NTE_INVALID_PARAMETER) << t;
  }
  for (DWORD f : {1u, 0x80000000u}) {
    EXPECT_EQ(Encrypt(prov_, write_, in, cb, out.data(), cap, &got, 1, 23, f), NTE_BAD_FLAGS) << f;
  }
  EXPECT_EQ(out, ByteVec(100, 0x77));
  // Still works afterwards, with the next sequence number (1 was used by the 16384-byte record).
  EXPECT_EQ(Encrypt(prov_, write_, in, cb, out.data(), cap, &got, 2), 0);
  EXPECT_EQ(got, 39u);
}

// A write key never seals two records under one sequence number, nor goes back: that would reuse
// the AEAD nonce (RFC 5116 §3). Failed calls do not consume a number; gaps are allowed.
TEST_F(RecordExports, SequenceNumbersNeverRepeatOnAWriteKey) {
  ByteVec msg = Pattern(10, 2), other = Pattern(10, 9);
  ByteVec out(100, 0x77);
  DWORD got = 0;
  EXPECT_EQ(Encrypt(prov_, write_, msg.data(), 10, out.data(), 38, &got, 4), NTE_BUFFER_TOO_SMALL);
  EXPECT_EQ(Encrypt(prov_, write_, msg.data(), 10, out.data(), 100, &got, 4), 0) << "a failed call used nothing";
  const ByteVec first(out.begin(), out.begin() + got);
  std::fill(out.begin(), out.end(), 0x77);
  EXPECT_EQ(Encrypt(prov_, write_, other.data(), 10, out.data(), 100, &got, 4), NTE_INVALID_PARAMETER);
  EXPECT_EQ(Encrypt(prov_, write_, other.data(), 10, out.data(), 100, &got, 3), NTE_INVALID_PARAMETER);
  EXPECT_EQ(Encrypt(prov_, write_, other.data(), 10, out.data(), 100, &got, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(out, ByteVec(100, 0x77)) << "nothing written";
  EXPECT_EQ(Encrypt(prov_, write_, other.data(), 10, out.data(), 100, &got, 9), 0) << "gaps are allowed";
  EXPECT_EQ(Encrypt(prov_, write_, other.data(), 10, out.data(), 100, &got, 10), 0);
  // The record sealed with 4 still opens (the read side keeps no such state).
  ByteVec back(100);
  EXPECT_EQ(Decrypt(prov_, read_, const_cast<PBYTE>(first.data()), static_cast<DWORD>(first.size()), back.data(), 100,
                    &got, 4),
            0);
  EXPECT_EQ(ByteVec(back.begin(), back.begin() + got), msg);
}

// ---- Safety: every argument of SslDecryptPacket.
TEST_F(RecordExports, DecryptSafety) {
  ByteVec rec = RawGcmRecord(key_, salt_, 1, 23, Pattern(10, 3));
  PBYTE in = rec.data();
  const DWORD cb = static_cast<DWORD>(rec.size());
  ByteVec out(100, 0x77);
  const DWORD cap = 100;
  DWORD got = kBadResult;
  EXPECT_EQ(Decrypt(0, read_, in, cb, out.data(), cap, &got), NTE_INVALID_HANDLE);
  EXPECT_EQ(Decrypt(opensslp_test::StaleProvider(), read_, in, cb, out.data(), cap, &got), NTE_INVALID_HANDLE);
  EXPECT_EQ(Decrypt(read_, read_, in, cb, out.data(), cap, &got), NTE_INVALID_HANDLE);
  EXPECT_EQ(Decrypt(prov_, 0, in, cb, out.data(), cap, &got), NTE_INVALID_HANDLE);
  NCRYPT_KEY_HANDLE eph = opensslp_test::MakeEphemeralP256(prov_);
  EXPECT_EQ(Decrypt(prov_, eph, in, cb, out.data(), cap, &got), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslFreeObject(eph, 0), 0);
  EXPECT_EQ(Decrypt(prov_, prov_, in, cb, out.data(), cap, &got), NTE_INVALID_HANDLE);
  NCRYPT_KEY_HANDLE stale = Insert(RecordDirection::kRead);
  EXPECT_EQ(SslFreeObject(stale, 0), 0);
  EXPECT_EQ(Decrypt(prov_, stale, in, cb, out.data(), cap, &got), NTE_INVALID_HANDLE);
  EXPECT_EQ(Decrypt(prov_, write_, in, cb, out.data(), cap, &got), NTE_BAD_KEY_STATE);
  // Input: NULL with a length, NULL/empty record, oversize (length field cannot match).
  EXPECT_EQ(Decrypt(prov_, read_, nullptr, cb, out.data(), cap, &got), NTE_INVALID_PARAMETER);
  EXPECT_EQ(Decrypt(prov_, read_, nullptr, 0, out.data(), cap, &got), NTE_BAD_DATA);
  EXPECT_EQ(Decrypt(prov_, read_, in, 0, out.data(), cap, &got), NTE_BAD_DATA);
  EXPECT_EQ(Decrypt(prov_, read_, in, 4, out.data(), cap, &got), NTE_BAD_DATA);
  ByteVec huge(20000);
  std::memcpy(huge.data(), rec.data(), rec.size());
  EXPECT_EQ(Decrypt(prov_, read_, huge.data(), 20000, out.data(), cap, &got), NTE_BAD_DATA);
  EXPECT_EQ(Decrypt(prov_, read_, in, 0xFFFFFFFF, out.data(), cap, &got), NTE_BAD_DATA);
  // Output: too small, pcbResult NULL.
  got = kBadResult;
  EXPECT_EQ(Decrypt(prov_, read_, in, cb, out.data(), 9, &got), NTE_BUFFER_TOO_SMALL);
  EXPECT_EQ(got, 10u);
  EXPECT_EQ(out, ByteVec(100, 0x77));
  EXPECT_EQ(Decrypt(prov_, read_, in, cb, out.data(), cap, nullptr), NTE_INVALID_PARAMETER);
  EXPECT_EQ(Decrypt(prov_, read_, in, cb, out.data(), cap, &got, ~0ull), NTE_INVALID_PARAMETER);
  for (DWORD f : {1u, 0x80000000u}) {
    EXPECT_EQ(Decrypt(prov_, read_, in, cb, out.data(), cap, &got, 1, f), NTE_BAD_FLAGS) << f;
  }
  EXPECT_EQ(out, ByteVec(100, 0x77));
  EXPECT_EQ(Decrypt(prov_, read_, in, cb, out.data(), cap, &got), 0);
  EXPECT_EQ(got, 10u);
}

// A TLS 1.0 AES-CBC-SHA key pair through the exports: the decrypt size query reports the upper
// bound (fragment - MAC - 1; the padding is only known after authentication), the result the
// exact length, and the IV chain continues across calls.
TEST_F(RecordExports, CbcThroughExports) {
  NCRYPT_KEY_HANDLE keys[2] = {};
  for (int i = 0; i < 2; ++i) {
    SessionKeyMaterial m;
    m.suite = FindCipherSuite(0x002F);  // TLS_RSA_WITH_AES_128_CBC_SHA
    m.version = ProtocolVersion::kTls10;
    m.direction = i == 0 ? RecordDirection::kWrite : RecordDirection::kRead;
    m.enc_key = SecretBytes(Pattern(16, 1));
    m.mac_key = SecretBytes(Pattern(20, 2));
    m.iv = SecretBytes(Pattern(16, 3));
    auto k = CreateSessionKey(std::move(m));
    ASSERT_TRUE(k.ok());
    auto h = HandleTable::Global().Insert(k.value());
    ASSERT_TRUE(h.ok());
    keys[i] = static_cast<NCRYPT_KEY_HANDLE>(h.value());
  }
  for (ULONGLONG seq = 0; seq < 3; ++seq) {
    ByteVec msg = Pattern(10 + seq, static_cast<std::uint8_t>(seq));
    DWORD size = 0;
    ASSERT_EQ(Encrypt(prov_, keys[0], msg.data(), static_cast<DWORD>(msg.size()), nullptr, 0, &size, seq), 0);
    const DWORD padded = static_cast<DWORD>((msg.size() + 20 + 1 + 15) / 16 * 16);  // data ‖ MAC ‖ padding
    EXPECT_EQ(size, 5u + padded);
    ByteVec rec(size);
    ASSERT_EQ(Encrypt(prov_, keys[0], msg.data(), static_cast<DWORD>(msg.size()), rec.data(), size, &size, seq), 0);
    DWORD bound = 0;
    ASSERT_EQ(Decrypt(prov_, keys[1], rec.data(), size, nullptr, 0, &bound, seq), 0);
    EXPECT_EQ(bound, padded - 20u - 1u);
    ByteVec back(bound);
    DWORD got = 0;
    EXPECT_EQ(Decrypt(prov_, keys[1], rec.data(), size, back.data(), bound - 1, &got, seq), NTE_BUFFER_TOO_SMALL);
    EXPECT_EQ(got, bound);
    ASSERT_EQ(Decrypt(prov_, keys[1], rec.data(), size, back.data(), bound, &got, seq), 0);
    EXPECT_EQ(got, msg.size());
    EXPECT_EQ(ByteVec(back.begin(), back.begin() + got), msg);
  }
  EXPECT_EQ(SslFreeObject(keys[0], 0), 0);
  EXPECT_EQ(SslFreeObject(keys[1], 0), 0);
}

TEST_F(RecordExports, KeyProperties) {
  // The session key describes itself from the catalog (SslGetKeyProperty reads Describe()).
  auto k = HandleTable::Global().Lookup<SessionKey>(static_cast<Handle>(write_));
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k.value()->Describe().algorithm, u"AES");
  EXPECT_EQ(k.value()->Describe().bits, 128u);
}

}  // namespace
}  // namespace opensslp
