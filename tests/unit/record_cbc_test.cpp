// record_cbc_test.cpp - AES-CBC + HMAC record protection (MAC-then-encrypt, RFC 5246 §6.2.3.2,
// RFC 2246 / RFC 4346 §6.2.3.2) for every CBC suite of the catalog × TLS 1.0 / 1.1 / 1.2.
// Every expected value comes from OpenSSL's raw EVP AES-CBC and HMAC() computed here:
//   - records we seal are decrypted and checked byte by byte by the test (MAC, padding, the TLS
//     1.0 IV chain that the test tracks on its own);
//   - records the test builds (with every legal padding length, 1..256 bytes) are opened by us —
//     this drives the constant-time MAC computation through every data-length/block alignment.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <atomic>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "core/cipher_suites.h"
#include "record/session_key.h"
#include "support/bytes.h"

namespace opensslp {
namespace {

using test::ByteVec;

ByteVec Pattern(std::size_t n, std::uint8_t seed) {
  ByteVec v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed * 31 + i * 7 + (i >> 8));
  return v;
}

const EVP_MD* Md(const CipherSuite& s) {
  return s.mac == MacAlgorithm::kHmacSha1     ? EVP_sha1()
         : s.mac == MacAlgorithm::kHmacSha256 ? EVP_sha256()
                                              : EVP_sha384();
}

ByteVec RawCbc(const CipherSuite& s, bool enc, const ByteVec& key, const std::uint8_t* iv, const ByteVec& in) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  EXPECT_EQ(EVP_CipherInit_ex2(ctx, s.key_len == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc(), key.data(), iv,
                               enc ? 1 : 0, nullptr),
            1);
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  ByteVec out(in.size());
  int len = 0;
  EXPECT_EQ(EVP_CipherUpdate(ctx, out.data(), &len, in.data(), static_cast<int>(in.size())), 1);
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

ByteVec RawMac(const CipherSuite& s, const ByteVec& mac_key, std::uint64_t seq, std::uint8_t type,
               std::uint16_t version, const ByteVec& msg) {
  ByteVec in(13);
  for (int i = 0; i < 8; ++i) in[i] = static_cast<std::uint8_t>(seq >> (56 - 8 * i));
  in[8] = type;
  in[9] = static_cast<std::uint8_t>(version >> 8);
  in[10] = static_cast<std::uint8_t>(version);
  in[11] = static_cast<std::uint8_t>(msg.size() >> 8);
  in[12] = static_cast<std::uint8_t>(msg.size());
  in.insert(in.end(), msg.begin(), msg.end());
  ByteVec out(EVP_MAX_MD_SIZE);
  unsigned len = 0;
  HMAC(Md(s), mac_key.data(), static_cast<int>(mac_key.size()), in.data(), in.size(), out.data(), &len);
  out.resize(len);
  return out;
}

struct Keys {
  const CipherSuite* suite;
  ProtocolVersion version;
  ByteVec enc, mac, iv;  // iv: TLS 1.0 only
  std::shared_ptr<SessionKey> writer, reader;
  std::size_t ex() const { return version == ProtocolVersion::kTls10 ? 0 : 16; }
  std::uint16_t wire() const { return static_cast<std::uint16_t>(version); }
};

Keys MakeKeys(const CipherSuite& s, ProtocolVersion v) {
  Keys k{&s,
         v,
         Pattern(s.key_len, 1),
         Pattern(s.mac_key_len, 2),
         v == ProtocolVersion::kTls10 ? Pattern(16, 3) : ByteVec{},
         nullptr,
         nullptr};
  for (RecordDirection d : {RecordDirection::kWrite, RecordDirection::kRead}) {
    SessionKeyMaterial m;
    m.suite = &s;
    m.version = v;
    m.direction = d;
    m.enc_key = SecretBytes(k.enc);
    m.mac_key = SecretBytes(k.mac);
    m.iv = SecretBytes(k.iv);
    auto r = CreateSessionKey(std::move(m));
    EXPECT_TRUE(r.ok()) << s.name;
    (d == RecordDirection::kWrite ? k.writer : k.reader) = r.ok() ? r.value() : nullptr;
  }
  return k;
}

// A record built by the test: msg ‖ MAC ‖ (pad_len + 1) bytes of pad_len, CBC under `iv`.
ByteVec RawRecord(const Keys& k, const std::uint8_t* iv, std::uint64_t seq, std::uint8_t type, const ByteVec& msg,
                  std::size_t pad_len, ByteVec* mac_out = nullptr) {
  ByteVec plain = msg;
  ByteVec mac = RawMac(*k.suite, k.mac, seq, type, k.wire(), msg);
  if (mac_out) *mac_out = mac;
  plain.insert(plain.end(), mac.begin(), mac.end());
  plain.insert(plain.end(), pad_len + 1, static_cast<std::uint8_t>(pad_len));
  ByteVec body = RawCbc(*k.suite, true, k.enc, iv, plain);
  const std::size_t frag = k.ex() + body.size();
  ByteVec rec = {type, static_cast<std::uint8_t>(k.wire() >> 8), static_cast<std::uint8_t>(k.wire()),
                 static_cast<std::uint8_t>(frag >> 8), static_cast<std::uint8_t>(frag)};
  if (k.ex() != 0) rec.insert(rec.end(), iv, iv + 16);
  rec.insert(rec.end(), body.begin(), body.end());
  return rec;
}

std::vector<std::pair<const CipherSuite*, ProtocolVersion>> CbcCases() {
  std::vector<std::pair<const CipherSuite*, ProtocolVersion>> out;
  for (const auto& s : kCipherSuites) {
    if (IsAead(s)) continue;
    for (ProtocolVersion v : {ProtocolVersion::kTls10, ProtocolVersion::kTls11, ProtocolVersion::kTls12}) {
      if (SupportsVersion(s, v)) out.emplace_back(&s, v);
    }
  }
  return out;
}

TEST(RecordCbc, Cases) { EXPECT_EQ(CbcCases().size(), 8u * 3 + 10u); }  // 8 CBC-SHA × 3 + 10 TLS 1.2-only

// Our records, checked with raw EVP + HMAC; a stream of records exercises the TLS 1.0 IV chain.
TEST(RecordCbc, SealedRecordsMatchRawComputation) {
  for (auto [s, v] : CbcCases()) {
    Keys k = MakeKeys(*s, v);
    ASSERT_TRUE(k.writer && k.reader);
    EXPECT_EQ(k.writer->Describe().algorithm, u"AES");
    ByteVec chain = k.iv;  // the test's own view of the TLS 1.0 IV chain
    std::uint64_t seq = 0;
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{31},
                          std::size_t{100}, std::size_t{1000}, kMaxPlaintextLength}) {
      for (std::uint8_t type : {std::uint8_t{22}, std::uint8_t{23}}) {
        const ByteVec msg = Pattern(n, static_cast<std::uint8_t>(seq));
        ByteVec rec(k.writer->SealedLength(n));
        auto w = k.writer->Seal(seq, type, msg.data(), n, rec.data(), rec.size());
        ASSERT_TRUE(w.ok()) << s->name;
        ASSERT_EQ(w.value(), rec.size());
        const std::size_t padded = (n + s->mac_key_len + 1 + 15) / 16 * 16;
        ASSERT_EQ(rec.size(), 5 + k.ex() + padded);
        EXPECT_EQ(rec[0], type);
        EXPECT_EQ(LoadBe16(rec.data() + 1), k.wire());
        EXPECT_EQ(LoadBe16(rec.data() + 3), rec.size() - 5);
        const std::uint8_t* iv = k.ex() ? rec.data() + 5 : chain.data();
        const ByteVec body(rec.begin() + 5 + k.ex(), rec.end());
        const ByteVec plain = RawCbc(*s, false, k.enc, iv, body);
        EXPECT_EQ(ByteVec(plain.begin(), plain.begin() + n), msg) << s->name;
        EXPECT_EQ(ByteVec(plain.begin() + n, plain.begin() + n + s->mac_key_len),
                  RawMac(*s, k.mac, seq, type, k.wire(), msg))
            << s->name << " MAC";
        const std::size_t pad = padded - n - s->mac_key_len;
        EXPECT_EQ(ByteVec(plain.end() - pad, plain.end()), ByteVec(pad, static_cast<std::uint8_t>(pad - 1)));
        if (!k.ex()) chain.assign(rec.end() - 16, rec.end());
        // And we open it.
        auto bound = k.reader->OpenedLength(rec);
        ASSERT_TRUE(bound.ok());
        EXPECT_EQ(bound.value(), padded - s->mac_key_len - 1);
        ByteVec back(bound.value());
        auto r = k.reader->Open(seq, rec.data(), rec.size(), back.data(), back.size());
        ASSERT_TRUE(r.ok()) << s->name << " n=" << n;
        EXPECT_EQ(ByteVec(back.begin(), back.begin() + r.value()), msg);
        ++seq;
      }
    }
    // TLS 1.1+: two records of the same data get different explicit IVs.
    if (k.ex()) {
      ByteVec a(k.writer->SealedLength(10)), b(a.size());
      const ByteVec msg = Pattern(10, 9);
      Keys fresh = MakeKeys(*s, v);
      ASSERT_TRUE(fresh.writer->Seal(50, 23, msg.data(), 10, a.data(), a.size()).ok());
      ASSERT_TRUE(fresh.writer->Seal(51, 23, msg.data(), 10, b.data(), b.size()).ok());
      EXPECT_NE(ByteVec(a.begin() + 5, a.begin() + 21), ByteVec(b.begin() + 5, b.begin() + 21));
    }
  }
}

// Records with every legal padding length (RFC 5246 §6.2.3.2: up to 255 + the length byte) and
// data lengths that move the MAC and the hash padding across block boundaries.
TEST(RecordCbc, OpensRawRecordsWithEveryPaddingLength) {
  int opened = 0;
  for (auto [s, v] : CbcCases()) {
    if (v == ProtocolVersion::kTls11) continue;  // same code path as TLS 1.2
    Keys k = MakeKeys(*s, v);
    ByteVec chain = k.iv;
    std::uint64_t seq = 1000;
    for (std::size_t n = 0; n <= 1200; n += (n < 70 ? 1 : n < 600 ? 13 : n < 620 ? 1 : 197)) {
      const ByteVec msg = Pattern(n, static_cast<std::uint8_t>(n));
      for (std::size_t pad = 0; pad <= 255; ++pad) {
        if ((n + s->mac_key_len + pad + 1) % 16 != 0) continue;
        if (pad > 40 && pad < 240 && pad % 7 != 0) continue;  // keep the run short; ends covered
        ByteVec iv = k.ex() ? Pattern(16, static_cast<std::uint8_t>(pad)) : chain;
        ByteVec rec = RawRecord(k, iv.data(), seq, 23, msg, pad);
        ByteVec out(rec.size(), 0xAA);
        auto r = k.reader->Open(seq, rec.data(), rec.size(), out.data(), out.size());
        ASSERT_TRUE(r.ok()) << s->name << " v=" << k.wire() << " n=" << n << " pad=" << pad;
        ASSERT_EQ(r.value(), n);
        ASSERT_EQ(ByteVec(out.begin(), out.begin() + n), msg);
        if (!k.ex()) chain.assign(rec.end() - 16, rec.end());
        ++seq;
        ++opened;
      }
    }
  }
  std::cout << opened << " raw CBC records opened\n";
}

// Bad MAC, bad padding, padding too long, wrong sequence number: one error, no plaintext.
TEST(RecordCbc, AuthenticationFailuresAreUniform) {
  for (auto [s, v] : CbcCases()) {
    if (v == ProtocolVersion::kTls10) continue;  // TLS 1.0: separate test (the chain moves)
    Keys k = MakeKeys(*s, v);
    const ByteVec msg = Pattern(37, 5);
    const ByteVec iv = Pattern(16, 77);
    auto expect_fail = [&](ByteVec rec, std::uint64_t seq, const std::string& what) {
      ByteVec out(rec.size(), 0xAA);
      auto r = k.reader->Open(seq, rec.data(), rec.size(), out.data(), out.size());
      ASSERT_FALSE(r.ok()) << s->name << " " << what;
      EXPECT_EQ(r.error(), Error::kBadRecord) << s->name << " " << what;
      EXPECT_EQ(out, ByteVec(rec.size(), 0xAA)) << what << ": output written";
    };
    std::size_t pad = 0;
    while ((msg.size() + s->mac_key_len + pad + 1) % 16 != 0) ++pad;
    const ByteVec good = RawRecord(k, iv.data(), 4, 23, msg, pad);
    expect_fail(good, 5, "wrong sequence number");
    for (std::size_t i = 5; i < good.size(); ++i) {
      ByteVec bad = good;
      bad[i] ^= 0x04;
      expect_fail(bad, 4, "flip at " + std::to_string(i));
    }
    // Padding bytes inconsistent (MAC correct): build the plaintext by hand.
    ByteVec mac = RawMac(*s, k.mac, 4, 23, k.wire(), msg);
    for (int variant = 0; variant < 3; ++variant) {
      ByteVec plain = msg;
      plain.insert(plain.end(), mac.begin(), mac.end());
      plain.insert(plain.end(), pad + 1, static_cast<std::uint8_t>(pad));
      if (variant == 0 && pad > 0) plain[plain.size() - 2] ^= 1;             // one padding byte wrong
      if (variant == 1) plain.back() = static_cast<std::uint8_t>(pad + 16);  // length too long for the bytes
      if (variant == 2) plain.back() = 255;                                  // longer than the record
      ByteVec body = RawCbc(*s, true, k.enc, iv.data(), plain);
      ByteVec rec = {23, static_cast<std::uint8_t>(k.wire() >> 8), static_cast<std::uint8_t>(k.wire()),
                     static_cast<std::uint8_t>((16 + body.size()) >> 8), static_cast<std::uint8_t>(16 + body.size())};
      rec.insert(rec.end(), iv.begin(), iv.end());
      rec.insert(rec.end(), body.begin(), body.end());
      if (variant == 0 && pad == 0) continue;
      expect_fail(rec, 4, "padding variant " + std::to_string(variant));
    }
    // Malformed (public) shapes: not whole blocks, too short.
    ByteVec cut = good;
    cut.resize(cut.size() - 1);
    cut[3] = static_cast<std::uint8_t>((cut.size() - 5) >> 8);
    cut[4] = static_cast<std::uint8_t>(cut.size() - 5);
    ByteVec out(good.size());
    auto r = k.reader->Open(4, cut.data(), cut.size(), out.data(), out.size());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), Error::kBadData);
    ByteVec tiny = {23, 3, static_cast<std::uint8_t>(k.wire()), 0, 16};
    tiny.resize(21, 0);
    r = k.reader->Open(4, tiny.data(), tiny.size(), out.data(), out.size());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), Error::kBadData);
  }
}

TEST(RecordCbc, Tls10ChainIsKeptPerKey) {
  Keys k = MakeKeys(*FindCipherSuite(0xC013), ProtocolVersion::kTls10);
  const ByteVec m1 = Pattern(20, 1), m2 = Pattern(30, 2);
  ByteVec r1(k.writer->SealedLength(20)), r2(k.writer->SealedLength(30));
  ASSERT_TRUE(k.writer->Seal(0, 23, m1.data(), 20, r1.data(), r1.size()).ok());
  ASSERT_TRUE(k.writer->Seal(1, 23, m2.data(), 30, r2.data(), r2.size()).ok());
  // Out of order: record 2 decrypted with the initial IV garbles its first block -> MAC failure.
  ByteVec out(64);
  auto r = k.reader->Open(1, r2.data(), r2.size(), out.data(), out.size());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Error::kBadRecord);
  // A failure does not advance the chain: in order, both open.
  r = k.reader->Open(0, r1.data(), r1.size(), out.data(), out.size());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(ByteVec(out.begin(), out.begin() + 20), m1);
  r = k.reader->Open(1, r2.data(), r2.size(), out.data(), out.size());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(ByteVec(out.begin(), out.begin() + 30), m2);
}

TEST(RecordCbc, InPlaceLayouts) {
  for (ProtocolVersion v : {ProtocolVersion::kTls10, ProtocolVersion::kTls12}) {
    Keys k = MakeKeys(*FindCipherSuite(0xC014), v);
    const ByteVec msg = Pattern(77, 3);
    std::uint64_t seq = 3;
    for (std::size_t off : {std::size_t{5}, 5 + k.ex()}) {
      ByteVec buf(k.writer->SealedLength(77) + 16);
      std::memcpy(buf.data() + off, msg.data(), msg.size());
      auto w = k.writer->Seal(seq, 23, buf.data() + off, 77, buf.data(), buf.size());
      ASSERT_TRUE(w.ok()) << off;
      auto r = k.reader->Open(seq, buf.data(), w.value(), buf.data() + off, w.value() - off);
      ++seq;
      ASSERT_TRUE(r.ok()) << off;
      EXPECT_EQ(ByteVec(buf.begin() + off, buf.begin() + off + 77), msg);
    }
    ByteVec buf(k.writer->SealedLength(77) + 64);
    auto w = k.writer->Seal(3, 23, buf.data() + 7, 77, buf.data(), buf.size());
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error(), Error::kBuffersOverlap);
  }
}

TEST(RecordCbc, SealedLengthWithinCatalogOverhead) {
  for (auto [s, v] : CbcCases()) {
    Keys k = MakeKeys(*s, v);
    const RecordOverhead o = RecordOverheadFor(*s, v);
    for (std::size_t n = 0; n < 40; ++n) {
      const std::size_t len = k.writer->SealedLength(n);
      EXPECT_GE(len, 5 + o.header_len + n + o.fixed_trailer_len + 1);
      EXPECT_LE(len, 5 + o.header_len + n + o.fixed_trailer_len + o.max_variable_trailer_len) << s->name;
    }
  }
}

// One TLS 1.2 CBC key pair used from several threads (the scratch buffer and the cipher contexts
// are per key and serialised by its lock).
TEST(RecordCbc, ConcurrentUseOfOneKey) {
  Keys k = MakeKeys(*FindCipherSuite(0xC028), ProtocolVersion::kTls12);
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  std::atomic<std::uint64_t> next_seq{0};
  std::atomic<int> sealed{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::uint64_t i = 0; i < 100; ++i) {
        // Racing threads may present numbers out of order; the refused ones are not failures.
        const std::uint64_t seq = next_seq.fetch_add(1);
        const ByteVec msg = Pattern(100 + 16 * t, static_cast<std::uint8_t>(seq));
        ByteVec rec(k.writer->SealedLength(msg.size()));
        ByteVec back(rec.size());
        auto w = k.writer->Seal(seq, 23, msg.data(), msg.size(), rec.data(), rec.size());
        if (!w.ok()) {
          if (w.error() != Error::kInvalidParameter) ++failures[t];
          continue;
        }
        sealed.fetch_add(1);
        auto r = k.reader->Open(seq, rec.data(), rec.size(), back.data(), back.size());
        if (!r.ok() || r.value() != msg.size() || !std::equal(msg.begin(), msg.end(), back.begin())) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
  EXPECT_GT(sealed.load(), 0);
}

}  // namespace
}  // namespace opensslp
