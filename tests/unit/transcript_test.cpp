// transcript_test.cpp - ossl::RunningHash and the HandshakeHash object (core/transcript.h).
// Expected digests never come from our code: they are FIPS 180 / RFC 1321 published values for
// "abc" and the empty string, or OpenSSL's own one-shot EVP_Digest over the same concatenated
// messages. Covers: incremental vs one-shot, snapshots that do not consume, copies that are
// independent, the MD5||SHA-1 pairing of TLS 1.0/1.1, the per-suite hash of TLS 1.2/1.3, the
// client-auth hashes, the session-hash and client-auth rules, and concurrent use of one object.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include "support/ossl_reference.h"

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/transcript.h"
#include "ossl/digest.h"

namespace opensslp {
namespace {

using test::ByteVec;
using test::FromHex;

ByteVec AsVec(Bytes b) { return ByteVec(b.begin(), b.end()); }
Bytes AsBytes(const std::string& s) { return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }

ByteVec OneShot(const char* name, const ByteVec& data) { return opensslp::test::Digest(name, data); }
ByteVec Md5Sha1(const ByteVec& data) { return opensslp::test::Md5Sha1Digest(data); }

// A few handshake-like messages (4-byte header + body), concatenated as a transcript would be.
std::vector<ByteVec> Messages() {
  std::vector<ByteVec> msgs;
  for (int i = 0; i < 5; ++i) {
    ByteVec m = {static_cast<std::uint8_t>(i + 1), 0, 0, static_cast<std::uint8_t>(10 * i + 3)};
    for (int j = 0; j < 10 * i + 3; ++j) m.push_back(static_cast<std::uint8_t>(i * 37 + j));
    msgs.push_back(m);
  }
  return msgs;
}
ByteVec Concat(const std::vector<ByteVec>& msgs, std::size_t count) {
  ByteVec out;
  for (std::size_t i = 0; i < count && i < msgs.size(); ++i) out.insert(out.end(), msgs[i].begin(), msgs[i].end());
  return out;
}

ByteVec Snap(const ossl::RunningHash& h) {
  ByteVec out(h.size());
  EXPECT_TRUE(h.Snapshot(out).ok());
  return out;
}

// ---- ossl::RunningHash ----------------------------------------------------------------------

struct Kat {
  HashAlg alg;
  const char* input;
  const char* digest_hex;
};
// FIPS 180-4 example digests (NIST CSRC "Examples with Intermediate Values", SHA-1/SHA-256/
// SHA-384/SHA-512 for "abc") and RFC 1321 §A.5 (MD5 test suite).
const Kat kKats[] = {
    {HashAlg::kMd5, "", "d41d8cd98f00b204e9800998ecf8427e"},
    {HashAlg::kMd5, "abc", "900150983cd24fb0d6963f7d28e17f72"},
    {HashAlg::kSha1, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
    {HashAlg::kSha256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {HashAlg::kSha256, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {HashAlg::kSha384, "abc",
     "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"},
    {HashAlg::kSha512, "abc",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd"
     "454d4423643ce80e2a9ac94fa54ca49f"},
};

TEST(RunningHash, PublishedVectors) {
  for (const Kat& kat : kKats) {
    auto h = ossl::RunningHash::Create(kat.alg);
    ASSERT_TRUE(h.ok());
    ASSERT_TRUE(h->Update(AsBytes(kat.input)).ok());
    EXPECT_EQ(Snap(*h), FromHex(kat.digest_hex)) << kat.digest_hex;
    ByteVec final_out(h->size());
    ASSERT_TRUE(h->Final(final_out).ok());
    EXPECT_EQ(final_out, FromHex(kat.digest_hex));
  }
}

TEST(RunningHash, IncrementalEqualsOneShotAndSnapshotDoesNotConsume) {
  const char* names[] = {"MD5", "SHA1", "SHA256", "SHA384", "SHA512"};
  const HashAlg algs[] = {HashAlg::kMd5, HashAlg::kSha1, HashAlg::kSha256, HashAlg::kSha384, HashAlg::kSha512};
  const auto msgs = Messages();
  for (int a = 0; a < 5; ++a) {
    auto h = ossl::RunningHash::Create(algs[a]);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->size(), OneShot(names[a], {}).size());
    EXPECT_EQ(Snap(*h), OneShot(names[a], {}));  // nothing hashed yet
    for (std::size_t i = 0; i < msgs.size(); ++i) {
      ASSERT_TRUE(h->Update(msgs[i]).ok());
      ASSERT_TRUE(h->Update(Bytes()).ok());  // empty updates change nothing
      EXPECT_EQ(Snap(*h), OneShot(names[a], Concat(msgs, i + 1))) << names[a] << " after " << i + 1;
      EXPECT_EQ(Snap(*h), OneShot(names[a], Concat(msgs, i + 1)));  // twice: still not consumed
    }
  }
}

TEST(RunningHash, CopyIsIndependent) {
  const auto msgs = Messages();
  auto h = ossl::RunningHash::Create(HashAlg::kSha256);
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(h->Update(msgs[0]).ok());
  auto copy = h->Copy();
  ASSERT_TRUE(copy.ok());
  ASSERT_TRUE(h->Update(msgs[1]).ok());
  ASSERT_TRUE(copy->Update(msgs[2]).ok());
  EXPECT_EQ(Snap(*h), OneShot("SHA256", Concat(msgs, 2)));
  ByteVec m02 = msgs[0];
  m02.insert(m02.end(), msgs[2].begin(), msgs[2].end());
  EXPECT_EQ(Snap(copy.value()), OneShot("SHA256", m02));
}

TEST(RunningHash, FinalConsumesAndSmallBuffersAreRefused) {
  auto h = ossl::RunningHash::Create(HashAlg::kSha384);
  ASSERT_TRUE(h.ok());
  ByteVec small(47);
  EXPECT_EQ(h->Snapshot(small).error(), Error::kInvalidParameter);
  EXPECT_EQ(h->Final(small).error(), Error::kInvalidParameter);
  ByteVec out(48);
  ASSERT_TRUE(h->Final(out).ok());
  EXPECT_EQ(out, OneShot("SHA384", {}));
  // A finalised (or moved-from) hash refuses everything instead of touching freed state.
  EXPECT_EQ(h->Update(AsBytes("x")).error(), Error::kInternal);
  EXPECT_EQ(h->Snapshot(out).error(), Error::kInternal);
  EXPECT_EQ(h->Copy().error(), Error::kInternal);
  auto g = ossl::RunningHash::Create(HashAlg::kSha1);
  ASSERT_TRUE(g.ok());
  ossl::RunningHash moved = std::move(g).value();
  EXPECT_EQ(Snap(moved), OneShot("SHA1", {}));
}

// ---- HandshakeHash ----------------------------------------------------------------------------

struct Case {
  std::uint32_t protocol;
  std::uint32_t suite;
  HashAlg alg;
  const char* md;  // OpenSSL name, or nullptr for MD5||SHA-1
};
const Case kCases[] = {
    {0x0301, 0x002F, HashAlg::kMd5Sha1, nullptr},  // TLS 1.0 RSA AES128-SHA
    {0x0302, 0xC014, HashAlg::kMd5Sha1, nullptr},  // TLS 1.1 ECDHE-RSA AES256-SHA
    {0x0303, 0x002F, HashAlg::kSha256, "SHA256"},  // TLS 1.2, CBC-SHA suite: PRF SHA-256
    {0x0303, 0xC02F, HashAlg::kSha256, "SHA256"},
    {0x0303, 0xC030, HashAlg::kSha384, "SHA384"},  // *_SHA384: PRF SHA-384 (RFC 5289)
    {0x0303, 0x00AF, HashAlg::kSha384, "SHA384"},
    {0x0304, 0x1301, HashAlg::kSha256, "SHA256"},  // TLS 1.3 (RFC 8446 §B.4)
    {0x0304, 0x1302, HashAlg::kSha384, "SHA384"},
    {0x0304, 0x1303, HashAlg::kSha256, "SHA256"},
};

ByteVec Expected(const Case& c, const ByteVec& data) { return c.md ? OneShot(c.md, data) : Md5Sha1(data); }

TEST(HandshakeHash, DigestPerProtocolAndSuite) {
  const auto msgs = Messages();
  for (const Case& c : kCases) {
    auto h = HandshakeHash::CreateHandshake(c.protocol, c.suite);
    ASSERT_TRUE(h.ok()) << c.protocol << " " << c.suite;
    const HandshakeHash& hash = *h.value();
    EXPECT_EQ(hash.kind(), ObjectKind::kHandshakeHash);
    EXPECT_EQ(hash.purpose(), TranscriptPurpose::kHandshake);
    EXPECT_EQ(hash.alg(), c.alg);
    EXPECT_EQ(hash.suite().id, c.suite);
    EXPECT_EQ(static_cast<std::uint32_t>(hash.version()), c.protocol);
    EXPECT_EQ(hash.digest_size(), Expected(c, {}).size());
    for (std::size_t i = 0; i < msgs.size(); ++i) {
      ASSERT_TRUE(h.value()->Update(msgs[i]).ok());
      auto d = hash.CurrentDigest();
      ASSERT_TRUE(d.ok());
      EXPECT_EQ(d->alg, c.alg);
      EXPECT_EQ(AsVec(d->view()), Expected(c, Concat(msgs, i + 1))) << c.protocol << " " << c.suite << " " << i;
    }
  }
}

TEST(HandshakeHash, Md5Sha1PairIsMd5ThenSha1) {
  // Independent of Expected(): the published MD5("abc") and SHA-1("abc") back to back.
  auto h = HandshakeHash::CreateHandshake(0x0301, 0x002F);
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(h.value()->Update(AsBytes("abc")).ok());
  auto d = h.value()->CurrentDigest();
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(AsVec(d->view()), FromHex("900150983cd24fb0d6963f7d28e17f72a9993e364706816aba3e25717850c26c9cd0d89d"));
}

TEST(HandshakeHash, RejectsUnsupportedProtocolsAndSuites) {
  EXPECT_EQ(HandshakeHash::CreateHandshake(0x0300, 0x002F).error(), Error::kNotSupported);  // SSL 3
  EXPECT_EQ(HandshakeHash::CreateHandshake(0x0002, 0x002F).error(), Error::kNotSupported);  // SSL 2
  EXPECT_EQ(HandshakeHash::CreateHandshake(0xFEFD, 0xC02F).error(), Error::kNotSupported);  // DTLS 1.2
  EXPECT_EQ(HandshakeHash::CreateHandshake(0, 0).error(), Error::kNotSupported);
  EXPECT_EQ(HandshakeHash::CreateHandshake(0x0303, 0x0005).error(), Error::kNotSupported);  // RC4
  EXPECT_EQ(HandshakeHash::CreateHandshake(0x0303, 0xFFFFFFFF).error(), Error::kNotSupported);
  EXPECT_EQ(HandshakeHash::CreateHandshake(0x0301, 0xC02F).error(), Error::kNotSupported);  // GCM on 1.0
  EXPECT_EQ(HandshakeHash::CreateHandshake(0x0303, 0x1301).error(), Error::kNotSupported);  // 1.3 suite on 1.2
  EXPECT_EQ(HandshakeHash::CreateHandshake(0x0304, 0xC02F).error(), Error::kNotSupported);  // 1.2 suite on 1.3
}

TEST(HandshakeHash, SessionHashRules) {
  const auto msgs = Messages();
  auto tls10 = HandshakeHash::CreateHandshake(0x0301, 0xC013);
  auto tls12 = HandshakeHash::CreateHandshake(0x0303, 0xC030);
  auto tls13 = HandshakeHash::CreateHandshake(0x0304, 0x1301);
  auto auth = HandshakeHash::CreateClientAuth(0x0303, 0xC02F, u"SHA256");
  ASSERT_TRUE(tls10.ok() && tls12.ok() && tls13.ok() && auth.ok());
  for (auto* h : {&tls10, &tls12, &tls13, &auth}) ASSERT_TRUE(h->value()->Update(Concat(msgs, 3)).ok());

  auto s10 = tls10.value()->SessionHash(0x0301);
  ASSERT_TRUE(s10.ok());
  EXPECT_EQ(AsVec(s10->view()), Md5Sha1(Concat(msgs, 3)));
  // TLS 1.0 and 1.1 share the MD5||SHA-1 transcript.
  auto s11 = tls10.value()->SessionHash(0x0302);
  ASSERT_TRUE(s11.ok());
  EXPECT_EQ(AsVec(s11->view()), Md5Sha1(Concat(msgs, 3)));
  auto s12 = tls12.value()->SessionHash(0x0303);
  ASSERT_TRUE(s12.ok());
  EXPECT_EQ(AsVec(s12->view()), OneShot("SHA384", Concat(msgs, 3)));

  EXPECT_EQ(tls10.value()->SessionHash(0x0303).error(), Error::kInvalidParameter);
  EXPECT_EQ(tls12.value()->SessionHash(0x0301).error(), Error::kInvalidParameter);
  // TLS 1.3 is its own family: its current transcript hash (HelloRetryRequest's message_hash).
  EXPECT_EQ(tls12.value()->SessionHash(0x0304).error(), Error::kInvalidParameter);
  EXPECT_TRUE(tls13.value()->SessionHash(0x0304).ok());
  EXPECT_EQ(tls13.value()->SessionHash(0x0303).error(), Error::kInvalidParameter);
  EXPECT_EQ(tls12.value()->SessionHash(0x0300).error(), Error::kNotSupported);
  EXPECT_EQ(tls12.value()->SessionHash(0xFEFD).error(), Error::kNotSupported);
  EXPECT_EQ(auth.value()->SessionHash(0x0303).error(), Error::kInvalidHandle);

  // The session hash did not consume the transcript: hashing more still matches a one-shot.
  ASSERT_TRUE(tls12.value()->Update(Concat(msgs, 5)).ok());
  ByteVec all = Concat(msgs, 3);
  ByteVec more = Concat(msgs, 5);
  all.insert(all.end(), more.begin(), more.end());
  auto again = tls12.value()->SessionHash(0x0303);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(AsVec(again->view()), OneShot("SHA384", all));
}

TEST(HandshakeHash, ClientAuthHashes) {
  const auto msgs = Messages();
  const struct {
    const char16_t* id;
    const char* md;
    HashAlg alg;
  } ok_ids[] = {
      {u"SHA1", "SHA1", HashAlg::kSha1},       {u"SHA256", "SHA256", HashAlg::kSha256},
      {u"SHA384", "SHA384", HashAlg::kSha384}, {u"SHA512", "SHA512", HashAlg::kSha512},
      {u"sha256", "SHA256", HashAlg::kSha256}, {u"Sha512", "SHA512", HashAlg::kSha512},
  };
  for (const auto& id : ok_ids) {
    auto h = HandshakeHash::CreateClientAuth(0x0303, 0xC02F, id.id);
    ASSERT_TRUE(h.ok()) << id.md;
    EXPECT_EQ(h.value()->purpose(), TranscriptPurpose::kClientAuth);
    EXPECT_EQ(h.value()->alg(), id.alg);
    ASSERT_TRUE(h.value()->Update(Concat(msgs, 4)).ok());
    // TLS 1.2: the hash's own digest, whatever signature algorithm is named (or none).
    for (std::optional<std::u16string_view> sig :
         {std::optional<std::u16string_view>(u"RSA"), std::optional<std::u16string_view>(u"ECDSA"),
          std::optional<std::u16string_view>(u"whatever"), std::optional<std::u16string_view>()}) {
      auto d = h.value()->ClientAuthDigest(sig);
      ASSERT_TRUE(d.ok());
      EXPECT_EQ(d->alg, id.alg);
      EXPECT_EQ(AsVec(d->view()), OneShot(id.md, Concat(msgs, 4)));
    }
  }
  EXPECT_EQ(HandshakeHash::CreateClientAuth(0x0303, 0xC02F, u"MD5").error(), Error::kNotSupported);
  EXPECT_EQ(HandshakeHash::CreateClientAuth(0x0303, 0xC02F, u"md5").error(), Error::kNotSupported);
  EXPECT_EQ(HandshakeHash::CreateClientAuth(0x0303, 0xC02F, u"SHA224").error(), Error::kNotSupported);
  EXPECT_EQ(HandshakeHash::CreateClientAuth(0x0303, 0xC02F, u"SHA256 ").error(), Error::kNotSupported);
  EXPECT_EQ(HandshakeHash::CreateClientAuth(0x0303, 0xC02F, u"").error(), Error::kInvalidParameter);
  EXPECT_EQ(HandshakeHash::CreateClientAuth(0x0301, 0x002F, u"SHA1").error(), Error::kNotSupported);
  EXPECT_EQ(HandshakeHash::CreateClientAuth(0x0302, 0x002F, u"SHA1").error(), Error::kNotSupported);
  EXPECT_EQ(HandshakeHash::CreateClientAuth(0x0304, 0x1301, u"SHA256").error(), Error::kNotSupported);
  EXPECT_EQ(HandshakeHash::CreateClientAuth(0x0303, 0x1301, u"SHA256").error(), Error::kNotSupported);
  EXPECT_EQ(HandshakeHash::CreateClientAuth(0x0303, 0x0005, u"SHA256").error(), Error::kNotSupported);
}

TEST(HandshakeHash, ClientAuthDigestTls10) {
  const auto msgs = Messages();
  auto h = HandshakeHash::CreateHandshake(0x0302, 0xC009);
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(h.value()->Update(Concat(msgs, 5)).ok());
  const ByteVec data = Concat(msgs, 5);
  for (const char16_t* rsa : {u"RSA", u"rsa"}) {
    auto d = h.value()->ClientAuthDigest(std::u16string_view(rsa));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->alg, HashAlg::kMd5Sha1);
    EXPECT_EQ(AsVec(d->view()), Md5Sha1(data));
  }
  for (const char16_t* sha1_only : {u"ECDSA", u"ecdsa", u"DSA", u"ECDSA_P256", u"ECDSA_P384", u"ECDSA_P521"}) {
    auto d = h.value()->ClientAuthDigest(std::u16string_view(sha1_only));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->alg, HashAlg::kSha1);
    EXPECT_EQ(AsVec(d->view()), OneShot("SHA1", data));
  }
  EXPECT_EQ(h.value()->ClientAuthDigest(std::nullopt).error(), Error::kInvalidParameter);
  EXPECT_EQ(h.value()->ClientAuthDigest(std::u16string_view(u"")).error(), Error::kInvalidParameter);
  EXPECT_EQ(h.value()->ClientAuthDigest(std::u16string_view(u"ECDH")).error(), Error::kNotSupported);
  EXPECT_EQ(h.value()->ClientAuthDigest(std::u16string_view(u"RSA_SIGN ")).error(), Error::kNotSupported);
  // Still not consumed.
  auto d = h.value()->CurrentDigest();
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(AsVec(d->view()), Md5Sha1(data));

  auto tls13 = HandshakeHash::CreateHandshake(0x0304, 0x1302);
  ASSERT_TRUE(tls13.ok());
  EXPECT_EQ(tls13.value()->ClientAuthDigest(std::u16string_view(u"RSA")).error(), Error::kNotSupported);
  auto tls12 = HandshakeHash::CreateHandshake(0x0303, 0xC02B);
  ASSERT_TRUE(tls12.ok());
  auto d12 = tls12.value()->ClientAuthDigest(std::nullopt);
  ASSERT_TRUE(d12.ok());
  EXPECT_EQ(AsVec(d12->view()), OneShot("SHA256", {}));
}

TEST(HandshakeHash, DuplicateIsIndependent) {
  const auto msgs = Messages();
  for (const Case& c : kCases) {
    auto h = HandshakeHash::CreateHandshake(c.protocol, c.suite);
    ASSERT_TRUE(h.ok());
    ASSERT_TRUE(h.value()->Update(msgs[0]).ok());
    auto dup = h.value()->Duplicate();
    ASSERT_TRUE(dup.ok());
    EXPECT_EQ(dup.value()->alg(), c.alg);
    EXPECT_EQ(dup.value()->version(), h.value()->version());
    EXPECT_EQ(dup.value()->suite().id, c.suite);
    EXPECT_EQ(dup.value()->purpose(), TranscriptPurpose::kHandshake);
    ASSERT_TRUE(h.value()->Update(msgs[1]).ok());
    ASSERT_TRUE(dup.value()->Update(msgs[2]).ok());
    ByteVec m02 = msgs[0];
    m02.insert(m02.end(), msgs[2].begin(), msgs[2].end());
    EXPECT_EQ(AsVec(h.value()->CurrentDigest()->view()), Expected(c, Concat(msgs, 2)));
    EXPECT_EQ(AsVec(dup.value()->CurrentDigest()->view()), Expected(c, m02));
  }
  auto auth = HandshakeHash::CreateClientAuth(0x0303, 0x009D, u"SHA512");
  ASSERT_TRUE(auth.ok());
  auto dup = auth.value()->Duplicate();
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(dup.value()->purpose(), TranscriptPurpose::kClientAuth);
  EXPECT_EQ(dup.value()->alg(), HashAlg::kSha512);
}

TEST(HandshakeHash, AlgorithmFacts) {
  EXPECT_EQ(HashLength(HashAlg::kMd5Sha1), 36u);
  EXPECT_EQ(HashLength(HashAlg::kSha1), 20u);
  EXPECT_EQ(HashLength(HashAlg::kSha256), 32u);
  EXPECT_EQ(HashLength(HashAlg::kSha384), 48u);
  EXPECT_EQ(HashLength(HashAlg::kSha512), 64u);
  EXPECT_EQ(AsPrfHash(HashAlg::kMd5Sha1), HashAlg::kMd5Sha1);
  EXPECT_EQ(AsPrfHash(HashAlg::kSha256), HashAlg::kSha256);
  EXPECT_EQ(AsPrfHash(HashAlg::kSha384), HashAlg::kSha384);
  EXPECT_FALSE(AsPrfHash(HashAlg::kSha1).has_value());
  EXPECT_FALSE(AsPrfHash(HashAlg::kSha512).has_value());
}

// A misbehaving caller hashing into one object from several threads: no corruption, and because
// every chunk is identical, every interleaving yields the same transcript.
TEST(HandshakeHash, ConcurrentUseIsSerialised) {
  for (const Case& c : {kCases[0], kCases[4]}) {
    auto h = HandshakeHash::CreateHandshake(c.protocol, c.suite);
    ASSERT_TRUE(h.ok());
    std::shared_ptr<HandshakeHash> hash = h.value();
    const ByteVec chunk(97, 0x5a);
    constexpr int kThreads = 4;
    constexpr int kPerThread = 200;
    std::vector<std::thread> threads;
    std::vector<int> failures(kThreads, 0);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          if (!hash->Update(chunk).ok()) ++failures[t];
          if (i % 16 == 0) {
            if (!hash->CurrentDigest().ok()) ++failures[t];
            if (!hash->Duplicate().ok()) ++failures[t];
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    for (int f : failures) EXPECT_EQ(f, 0);
    ByteVec all;
    for (int i = 0; i < kThreads * kPerThread; ++i) all.insert(all.end(), chunk.begin(), chunk.end());
    EXPECT_EQ(AsVec(hash->CurrentDigest()->view()), Expected(c, all));
  }
}

}  // namespace
}  // namespace opensslp
