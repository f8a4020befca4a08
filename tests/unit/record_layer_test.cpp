// record_layer_test.cpp - SessionKey (src/record/session_key.h): creation checks, round trips of
// every TLS 1.2 AEAD suite of the catalog cross-checked against OpenSSL's raw EVP seal/open
// computed here (RFC 5288 / RFC 7905 nonces, RFC 5246 §6.2.3.3 AAD), tamper tests, in-place
// layouts and malformed records.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <atomic>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "core/cipher_suites.h"
#include "record/session_key.h"
#include "support/bytes.h"
#include "support/ossl_reference.h"

namespace opensslp {
namespace {

using test::ByteVec;

ByteVec Pattern(std::size_t n, std::uint8_t seed) {
  ByteVec v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed + i * 7);
  return v;
}

void PutBe64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<std::uint8_t>(v);
}

// The TLS 1.2 AEAD record computed with OpenSSL's EVP API alone (the expected value).
ByteVec RawRecord(const CipherSuite& s, const ByteVec& key, const ByteVec& iv, std::uint64_t seq, std::uint8_t type,
                  const ByteVec& msg) {
  const bool gcm = ModeOf(s.cipher) == CipherMode::kGcm;
  std::uint8_t nonce[12];
  if (gcm) {  // RFC 5288 §3: salt ‖ explicit nonce (= seq)
    std::memcpy(nonce, iv.data(), 4);
    PutBe64(nonce + 4, seq);
  } else {  // RFC 7905 §2
    std::memset(nonce, 0, 4);
    PutBe64(nonce + 4, seq);
    for (int i = 0; i < 12; ++i) nonce[i] ^= iv[i];
  }
  std::uint8_t aad[13];
  PutBe64(aad, seq);
  aad[8] = type;
  aad[9] = 3;
  aad[10] = 3;
  aad[11] = static_cast<std::uint8_t>(msg.size() >> 8);
  aad[12] = static_cast<std::uint8_t>(msg.size());
  const std::size_t explicit_len = gcm ? 8 : 0;
  const std::size_t frag = explicit_len + msg.size() + 16;
  ByteVec rec = {type, 3, 3, static_cast<std::uint8_t>(frag >> 8), static_cast<std::uint8_t>(frag)};
  if (gcm) rec.insert(rec.end(), nonce + 4, nonce + 12);
  const char* name = s.cipher == BulkCipher::kAes128Gcm   ? "AES-128-GCM"
                     : s.cipher == BulkCipher::kAes256Gcm ? "AES-256-GCM"
                                                          : "ChaCha20-Poly1305";
  const ByteVec body = test::AeadSeal(name, key, {nonce, 12}, {aad, 13}, msg);
  rec.insert(rec.end(), body.begin(), body.end());
  return rec;
}

SessionKeyMaterial Material(const CipherSuite& s, RecordDirection d, const ByteVec& key, const ByteVec& iv) {
  SessionKeyMaterial m;
  m.suite = &s;
  m.version = ProtocolVersion::kTls12;
  m.direction = d;
  m.enc_key = SecretBytes(key);
  m.iv = SecretBytes(iv);
  return m;
}

std::shared_ptr<SessionKey> Make(const CipherSuite& s, RecordDirection d, const ByteVec& key, const ByteVec& iv) {
  auto k = CreateSessionKey(Material(s, d, key, iv));
  EXPECT_TRUE(k.ok()) << s.name;
  return k.ok() ? k.value() : nullptr;
}

std::vector<const CipherSuite*> Tls12AeadSuites() {
  std::vector<const CipherSuite*> out;
  for (const auto& s : kCipherSuites) {
    if (IsAead(s) && SupportsVersion(s, ProtocolVersion::kTls12)) out.push_back(&s);
  }
  return out;
}

struct Pair {
  const CipherSuite* suite;
  ByteVec key, iv;
  std::shared_ptr<SessionKey> writer, reader;
};
Pair MakePair(const CipherSuite& s) {
  Pair p{&s, Pattern(s.key_len, 0x11), Pattern(s.fixed_iv_len, 0x5A), nullptr, nullptr};
  p.writer = Make(s, RecordDirection::kWrite, p.key, p.iv);
  p.reader = Make(s, RecordDirection::kRead, p.key, p.iv);
  return p;
}

// 10 AES-GCM + 3 ChaCha20-Poly1305 TLS 1.2 suites.
TEST(RecordLayer, CatalogHasAeadSuites) { EXPECT_EQ(Tls12AeadSuites().size(), 13u); }

TEST(RecordLayer, RoundTripEveryAeadSuiteAgainstRawEvp) {
  for (const CipherSuite* s : Tls12AeadSuites()) {
    Pair p = MakePair(*s);
    ASSERT_TRUE(p.writer && p.reader) << s->name;
    EXPECT_EQ(p.writer->Describe().bits, s->key_len * 8u);
    EXPECT_EQ(p.writer->Describe().key_type, 0u);
    EXPECT_EQ(p.writer->Describe().algorithm, std::u16string(CngCipherName(s->cipher)));
    for (std::size_t n :
         {std::size_t{0}, std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{1000}, kMaxPlaintextLength}) {
      for (std::uint64_t seq :
           {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{0x0102030405060708}, kLastSequenceNumber - 1}) {
        for (std::uint8_t type : {kContentChangeCipherSpec, kContentApplicationData}) {
          const ByteVec msg = Pattern(n, static_cast<std::uint8_t>(seq + type));
          // A fresh pair each time: a write key never reuses (or goes back to) a sequence number.
          p = MakePair(*s);
          ByteVec rec(p.writer->SealedLength(n) + 3, 0xEE);
          auto w = p.writer->Seal(seq, type, msg.data(), n, rec.data(), rec.size());
          ASSERT_TRUE(w.ok()) << s->name << " n=" << n;
          ASSERT_EQ(w.value(), p.writer->SealedLength(n));
          EXPECT_EQ(rec[w.value()], 0xEE) << "wrote past the record";
          rec.resize(w.value());
          EXPECT_EQ(rec, RawRecord(*s, p.key, p.iv, seq, type, msg)) << s->name << " n=" << n << " seq=" << seq;
          auto len = p.reader->OpenedLength(rec);
          ASSERT_TRUE(len.ok());
          EXPECT_EQ(len.value(), n);
          ByteVec back(n + 1, 0xCC);
          auto r = p.reader->Open(seq, rec.data(), rec.size(), back.data(), back.size());
          ASSERT_TRUE(r.ok()) << s->name;
          EXPECT_EQ(ByteVec(back.begin(), back.begin() + r.value()), msg);
          // The wrong sequence number is an authentication failure.
          const std::uint64_t other = seq == kLastSequenceNumber - 1 ? seq - 1 : seq ^ 1;
          r = p.reader->Open(other, rec.data(), rec.size(), back.data(), back.size());
          ASSERT_FALSE(r.ok());
          EXPECT_EQ(r.error(), Error::kBadRecord);
        }
      }
    }
  }
}

// Opening records made by OpenSSL's raw EVP (not by our writer).
TEST(RecordLayer, OpensRawEvpRecords) {
  for (const CipherSuite* s : Tls12AeadSuites()) {
    Pair p = MakePair(*s);
    const ByteVec msg = Pattern(333, 3);
    const ByteVec rec = RawRecord(*s, p.key, p.iv, 77, kContentHandshake, msg);
    ByteVec back(msg.size());
    auto r = p.reader->Open(77, rec.data(), rec.size(), back.data(), back.size());
    ASSERT_TRUE(r.ok()) << s->name;
    EXPECT_EQ(back, msg);
  }
}

TEST(RecordLayer, TamperAnyByte) {
  for (const CipherSuite* s : Tls12AeadSuites()) {
    Pair p = MakePair(*s);
    const ByteVec msg = Pattern(40, 9);
    ByteVec rec(p.writer->SealedLength(msg.size()));
    ASSERT_TRUE(p.writer->Seal(5, kContentApplicationData, msg.data(), msg.size(), rec.data(), rec.size()).ok());
    for (std::size_t i = 0; i < rec.size(); ++i) {
      for (std::uint8_t flip : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
        ByteVec bad = rec;
        bad[i] ^= flip;
        ByteVec out(msg.size(), 0xAA);
        auto r = p.reader->Open(5, bad.data(), bad.size(), out.data(), out.size());
        ASSERT_FALSE(r.ok()) << s->name << " byte " << i;
        if (i == 0) {
          // Type 23 ^ 1 = 22 is still a valid type (authenticated through the AAD); 23 ^ 0x80 is not.
          EXPECT_EQ(r.error(), flip == 1 ? Error::kBadRecord : Error::kBadData) << i;
        } else if (i < 5) {
          EXPECT_EQ(r.error(), Error::kBadData) << s->name << " header byte " << i;
        } else {
          EXPECT_EQ(r.error(), Error::kBadRecord) << s->name << " byte " << i;
        }
        // No plaintext, and nothing else either: decryption happens in the key's scratch buffer,
        // so a refused record never writes to the output.
        EXPECT_EQ(out, ByteVec(msg.size(), 0xAA)) << i;
      }
    }
    // Truncated and extended records.
    ByteVec out(msg.size() + 64);
    for (std::size_t cut = 0; cut < rec.size(); ++cut) {
      auto r = p.reader->Open(5, rec.data(), cut, out.data(), out.size());
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error(), Error::kBadData) << "length " << cut;
    }
    ByteVec longer = rec;
    longer.push_back(0);
    auto r = p.reader->Open(5, longer.data(), longer.size(), out.data(), out.size());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), Error::kBadData);
  }
}

TEST(RecordLayer, MalformedHeaders) {
  Pair p = MakePair(*FindCipherSuite(0xC02F));
  auto header_only = [&](std::uint8_t type, std::uint16_t version, std::size_t frag) {
    ByteVec rec(5 + frag, 0);
    rec[0] = type;
    rec[1] = static_cast<std::uint8_t>(version >> 8);
    rec[2] = static_cast<std::uint8_t>(version);
    rec[3] = static_cast<std::uint8_t>(frag >> 8);
    rec[4] = static_cast<std::uint8_t>(frag);
    return rec;
  };
  ByteVec out(70000);
  auto expect_bad_data = [&](const ByteVec& rec, const char* what) {
    auto r = p.reader->Open(0, rec.data(), rec.size(), out.data(), out.size());
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error(), Error::kBadData) << what;
  };
  expect_bad_data(header_only(19, 0x0303, 40), "type 19");
  expect_bad_data(header_only(24, 0x0303, 40), "type 24");
  expect_bad_data(header_only(23, 0x0301, 40), "TLS 1.0 version on a TLS 1.2 key");
  expect_bad_data(header_only(23, 0x0304, 40), "TLS 1.3 version");
  expect_bad_data(header_only(23, 0x0303, 23), "shorter than nonce + tag");
  expect_bad_data(header_only(23, 0x0303, kMaxPlaintextLength + 25), "plaintext 2^14 + 1");
  expect_bad_data(header_only(23, 0x0303, kMaxCiphertextLength + 1), "over 2^14 + 2048");
  // Exactly nonce + tag is an empty record: well formed (and then fails authentication).
  auto r = p.reader->Open(0, header_only(23, 0x0303, 24).data(), 29, out.data(), out.size());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Error::kBadRecord);
}

TEST(RecordLayer, ArgumentChecks) {
  Pair p = MakePair(*FindCipherSuite(0xCCA8));
  const ByteVec msg = Pattern(10, 1);
  ByteVec rec(p.writer->SealedLength(msg.size()));
  // Direction.
  auto r = p.reader->Seal(0, 23, msg.data(), msg.size(), rec.data(), rec.size());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Error::kBadKeyState);
  ASSERT_TRUE(p.writer->Seal(0, 23, msg.data(), msg.size(), rec.data(), rec.size()).ok());
  ByteVec out(64);
  r = p.writer->Open(0, rec.data(), rec.size(), out.data(), out.size());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Error::kBadKeyState);
  // Content type, sequence-number wrap, plaintext size.
  for (std::uint8_t t : {0, 19, 24, 255}) {
    r = p.writer->Seal(0, t, msg.data(), msg.size(), rec.data(), rec.size());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), Error::kInvalidParameter) << int{t};
  }
  r = p.writer->Seal(kLastSequenceNumber, 23, msg.data(), msg.size(), rec.data(), rec.size());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Error::kInvalidParameter);
  r = p.reader->Open(kLastSequenceNumber, rec.data(), rec.size(), out.data(), out.size());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Error::kInvalidParameter);
  ByteVec big(kMaxPlaintextLength + 1);
  ByteVec big_out(big.size() + 64);
  r = p.writer->Seal(0, 23, big.data(), big.size(), big_out.data(), big_out.size());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Error::kInvalidParameter);
  // Output too small.
  r = p.writer->Seal(0, 23, msg.data(), msg.size(), rec.data(), rec.size() - 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Error::kBufferTooSmall);
  r = p.reader->Open(0, rec.data(), rec.size(), out.data(), msg.size() - 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Error::kBufferTooSmall);
}

TEST(RecordLayer, CreateSessionKeyValidatesMaterial) {
  const CipherSuite& gcm = *FindCipherSuite(0xC02F);
  const ByteVec key = Pattern(16, 1), iv = Pattern(4, 2);
  auto expect = [](SessionKeyMaterial m, Error e, const char* what) {
    auto k = CreateSessionKey(std::move(m));
    ASSERT_FALSE(k.ok()) << what;
    EXPECT_EQ(k.error(), e) << what;
  };
  SessionKeyMaterial m = Material(gcm, RecordDirection::kWrite, key, iv);
  m.suite = nullptr;
  expect(std::move(m), Error::kInvalidParameter, "no suite");
  expect(Material(gcm, RecordDirection::kWrite, Pattern(15, 1), iv), Error::kInvalidParameter, "short key");
  expect(Material(gcm, RecordDirection::kWrite, Pattern(32, 1), iv), Error::kInvalidParameter, "long key");
  expect(Material(gcm, RecordDirection::kWrite, key, Pattern(12, 1)), Error::kInvalidParameter, "iv length");
  m = Material(gcm, RecordDirection::kWrite, key, iv);
  m.mac_key = SecretBytes(Pattern(20, 1));
  expect(std::move(m), Error::kInvalidParameter, "MAC key on an AEAD suite");
  m = Material(gcm, RecordDirection::kWrite, key, iv);
  m.version = ProtocolVersion::kTls11;
  expect(std::move(m), Error::kInvalidParameter, "GCM on TLS 1.1");
  expect(Material(*FindCipherSuite(0x1301), RecordDirection::kWrite, key, Pattern(12, 1)), Error::kInvalidParameter,
         "TLS 1.3 suite");
  // CBC: the MAC key must have the MAC's length; TLS 1.0 needs the 16-byte IV, TLS 1.1+ none.
  const CipherSuite& cbc = *FindCipherSuite(0xC013);
  m = Material(cbc, RecordDirection::kWrite, key, {});
  expect(std::move(m), Error::kInvalidParameter, "CBC without MAC key");
  m = Material(cbc, RecordDirection::kWrite, key, Pattern(16, 1));
  m.mac_key = SecretBytes(Pattern(20, 3));
  expect(std::move(m), Error::kInvalidParameter, "CBC TLS 1.2 with an IV");
  m = Material(cbc, RecordDirection::kWrite, key, {});
  m.version = ProtocolVersion::kTls10;
  m.mac_key = SecretBytes(Pattern(20, 3));
  expect(std::move(m), Error::kInvalidParameter, "CBC TLS 1.0 without its IV");
}

// The in-place layouts of docs/reference/caller-semantics.md#record-layer and the natural in-place offsets.
TEST(RecordLayer, InPlaceLayouts) {
  for (const CipherSuite* s : Tls12AeadSuites()) {
    const std::size_t ex = ModeOf(s->cipher) == CipherMode::kGcm ? 8 : 0;
    const ByteVec msg = Pattern(100, 4);
    for (std::size_t offset : {std::size_t{5}, 5 + ex}) {
      Pair p = MakePair(*s);  // one record with sequence number 9 per write key
      const ByteVec expected = RawRecord(*s, p.key, p.iv, 9, 23, msg);
      // Encrypt: the plaintext sits at pbOutput + offset.
      ByteVec buf(expected.size() + 8, 0);
      std::memcpy(buf.data() + offset, msg.data(), msg.size());
      auto w = p.writer->Seal(9, 23, buf.data() + offset, msg.size(), buf.data(), buf.size());
      ASSERT_TRUE(w.ok()) << s->name << " offset " << offset;
      EXPECT_EQ(ByteVec(buf.begin(), buf.begin() + w.value()), expected) << s->name << " offset " << offset;
      // Decrypt: the plaintext goes to pbInput + offset.
      ByteVec in = expected;
      auto r = p.reader->Open(9, in.data(), in.size(), in.data() + offset, in.size() - offset);
      ASSERT_TRUE(r.ok()) << s->name << " offset " << offset;
      EXPECT_EQ(ByteVec(in.begin() + offset, in.begin() + offset + r.value()), msg);
      // A failed in-place decryption leaves no plaintext anywhere in the buffer: the buffer is
      // exactly the record that came in.
      in = expected;
      in.back() ^= 1;
      const ByteVec tampered = in;
      r = p.reader->Open(9, in.data(), in.size(), in.data() + offset, in.size() - offset);
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error(), Error::kBadRecord);
      EXPECT_EQ(in, tampered);
      for (std::size_t i = 0; i + 16 <= msg.size(); ++i) {
        ASSERT_NE(std::memcmp(in.data() + i, msg.data(), 16), 0) << "plaintext left at " << i;
      }
    }
    // Other overlaps (refused before any sequence number is looked at).
    Pair p = MakePair(*s);
    const ByteVec expected = RawRecord(*s, p.key, p.iv, 9, 23, msg);
    ByteVec buf(expected.size() + 64, 0);
    for (std::size_t offset : {std::size_t{0}, std::size_t{1}, std::size_t{4}, std::size_t{6}, std::size_t{30}}) {
      if (offset == 5 || offset == 5 + ex) continue;
      auto w = p.writer->Seal(9, 23, buf.data() + offset, msg.size(), buf.data(), buf.size());
      ASSERT_FALSE(w.ok()) << offset;
      EXPECT_EQ(w.error(), Error::kBuffersOverlap) << offset;
      ByteVec in = expected;
      in.resize(in.size() + 64);
      auto r = p.reader->Open(9, in.data(), expected.size(), in.data() + offset, msg.size());
      ASSERT_FALSE(r.ok()) << offset;
      EXPECT_EQ(r.error(), Error::kBuffersOverlap) << offset;
    }
  }
}

// What encrypt adds is exactly what SslLookupCipherLengths reports
// (docs/reference/caller-semantics.md#record-layer).
TEST(RecordLayer, SealedLengthMatchesCatalogOverhead) {
  for (const CipherSuite* s : Tls12AeadSuites()) {
    Pair p = MakePair(*s);
    const RecordOverhead o = RecordOverheadFor(*s, ProtocolVersion::kTls12);
    for (std::size_t n : {std::size_t{0}, std::size_t{7}, kMaxPlaintextLength}) {
      EXPECT_EQ(p.writer->SealedLength(n), 5 + o.header_len + n + o.fixed_trailer_len) << s->name;
    }
  }
}

// One key used from several threads: records are serialised by the key's lock, and each one still
// opens (a race on the shared cipher context would corrupt nonces or tags).
TEST(RecordLayer, ConcurrentUseOfOneKey) {
  Pair p = MakePair(*FindCipherSuite(0xC030));
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  std::atomic<std::uint64_t> next_seq{0};
  std::atomic<int> sealed{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::uint64_t i = 0; i < 200; ++i) {
        // Threads race for sequence numbers; a thread that lost the race to a higher number is
        // refused (a write key never goes back), which is correct and not a failure.
        const std::uint64_t seq = next_seq.fetch_add(1);
        const ByteVec msg = Pattern(64 + t, static_cast<std::uint8_t>(seq));
        ByteVec rec(p.writer->SealedLength(msg.size()));
        ByteVec back(msg.size());
        auto w = p.writer->Seal(seq, 23, msg.data(), msg.size(), rec.data(), rec.size());
        if (!w.ok()) {
          if (w.error() != Error::kInvalidParameter) ++failures[t];
          continue;
        }
        sealed.fetch_add(1);
        auto r = p.reader->Open(seq, rec.data(), rec.size(), back.data(), back.size());
        if (!r.ok() || back != msg) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
  EXPECT_GT(sealed.load(), 0);
}

}  // namespace
}  // namespace opensslp
