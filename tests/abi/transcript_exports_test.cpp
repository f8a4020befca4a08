// transcript_exports_test.cpp - SslCreateHandshakeHash, SslHashHandshake, SslComputeSessionHash,
// SslCreateClientAuthHash and SslComputeClientAuthHash through the shared library's exports (and
// once through GetSChannelInterface's function table). Expected digests are computed here with
// OpenSSL's one-shot EVP_Digest over the same bytes; then a "safety" block per export covering
// each argument: NULL, zero and oversize lengths, wrong handle kinds, stale handles, bad flags,
// unsupported protocols / suites / algorithm ids.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include "support/ossl_reference.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/provider_support.h"
#include "support/wide.h"

namespace {

using opensslp::test::ByteVec;
using opensslp_test::MakeEphemeralP256;
using opensslp_test::OpenProvider;
using opensslp_test::StaleProvider;

constexpr DWORD kTls10 = TLS1_0_PROTOCOL_VERSION;
constexpr DWORD kTls11 = TLS1_1_PROTOCOL_VERSION;
constexpr DWORD kTls12 = TLS1_2_PROTOCOL_VERSION;
constexpr DWORD kTls13 = TLS1_3_PROTOCOL_VERSION;
constexpr NCRYPT_HASH_HANDLE kSentinel = 0x5a5a;

ByteVec OneShot(const char* name, const ByteVec& data) { return opensslp::test::Digest(name, data); }
ByteVec Md5Sha1(const ByteVec& data) { return opensslp::test::Md5Sha1Digest(data); }

// ClientHello-, ServerHello- and Certificate-shaped messages with their 4-byte headers.
std::vector<ByteVec> Messages() {
  std::vector<ByteVec> msgs;
  for (std::uint8_t type : {1, 2, 11, 16}) {
    const std::size_t len = 40u + type * 13u;
    ByteVec m = {type, 0, static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)};
    for (std::size_t j = 0; j < len; ++j) m.push_back(static_cast<std::uint8_t>(type * 7 + j));
    msgs.push_back(m);
  }
  return msgs;
}

class TranscriptExports : public testing::Test {
 protected:
  void SetUp() override { prov_ = OpenProvider(); }
  void TearDown() override { EXPECT_EQ(SslFreeObject(prov_, 0), 0); }

  NCRYPT_HASH_HANDLE Create(DWORD protocol, DWORD suite) {
    NCRYPT_HASH_HANDLE h = 0;
    EXPECT_EQ(SslCreateHandshakeHash(prov_, &h, protocol, suite, 0), 0);
    EXPECT_NE(h, 0u);
    return h;
  }
  NCRYPT_HASH_HANDLE CreateAuth(const char16_t* alg, DWORD suite = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) {
    NCRYPT_HASH_HANDLE h = 0;
    EXPECT_EQ(SslCreateClientAuthHash(prov_, &h, kTls12, suite, W(alg), 0), 0);
    EXPECT_NE(h, 0u);
    return h;
  }
  void Hash(NCRYPT_HASH_HANDLE h, ByteVec data) {
    EXPECT_EQ(SslHashHandshake(prov_, h, data.data(), static_cast<DWORD>(data.size()), 0), 0);
  }
  ByteVec Session(NCRYPT_HASH_HANDLE h, DWORD protocol) {
    DWORD size = 0;
    EXPECT_EQ(SslComputeSessionHash(prov_, h, protocol, nullptr, 0, &size, 0), 0);
    ByteVec out(size);
    DWORD written = 0;
    EXPECT_EQ(SslComputeSessionHash(prov_, h, protocol, out.data(), size, &written, 0), 0);
    EXPECT_EQ(written, size);
    return out;
  }
  ByteVec ClientAuth(NCRYPT_HASH_HANDLE h, const char16_t* alg, NCRYPT_KEY_HANDLE master = 0) {
    DWORD size = 0;
    EXPECT_EQ(SslComputeClientAuthHash(prov_, master, h, alg ? W(alg) : nullptr, nullptr, 0, &size, 0), 0);
    ByteVec out(size);
    DWORD written = 0;
    EXPECT_EQ(SslComputeClientAuthHash(prov_, master, h, alg ? W(alg) : nullptr, out.data(), size, &written, 0), 0);
    EXPECT_EQ(written, size);
    return out;
  }

  NCRYPT_PROV_HANDLE prov_ = 0;
};

// ---- Behaviour ----------------------------------------------------------------------------------

TEST_F(TranscriptExports, SessionHashPerProtocolAndSuite) {
  const struct {
    DWORD protocol, suite;
    const char* md;  // nullptr: MD5||SHA-1
  } cases[] = {
      {kTls10, TLS_RSA_WITH_AES_128_CBC_SHA, nullptr},
      {kTls11, TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, nullptr},
      {kTls12, TLS_RSA_WITH_AES_128_CBC_SHA, "SHA256"},
      {kTls12, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "SHA256"},
      {kTls12, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "SHA384"},
      {kTls12, TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, "SHA384"},
  };
  const auto msgs = Messages();
  for (const auto& c : cases) {
    NCRYPT_HASH_HANDLE h = Create(c.protocol, c.suite);
    ByteVec so_far;
    EXPECT_EQ(Session(h, c.protocol), c.md ? OneShot(c.md, so_far) : Md5Sha1(so_far));
    for (const ByteVec& m : msgs) {
      Hash(h, m);
      so_far.insert(so_far.end(), m.begin(), m.end());
      // Snapshot twice: computing the session hash does not consume the transcript.
      EXPECT_EQ(Session(h, c.protocol), c.md ? OneShot(c.md, so_far) : Md5Sha1(so_far)) << c.suite;
      EXPECT_EQ(Session(h, c.protocol), c.md ? OneShot(c.md, so_far) : Md5Sha1(so_far));
    }
    EXPECT_EQ(SslFreeObject(h, 0), 0);
  }
}

TEST_F(TranscriptExports, MessagesMayBeSplitAnywhere) {
  // Incremental in odd pieces (including empty ones) equals a one-shot of the whole.
  ByteVec all;
  for (const ByteVec& m : Messages()) all.insert(all.end(), m.begin(), m.end());
  NCRYPT_HASH_HANDLE h = Create(kTls12, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384);
  std::size_t pos = 0;
  for (std::size_t step = 0; pos < all.size(); ++step) {
    const std::size_t n = std::min<std::size_t>(step % 7, all.size() - pos);
    EXPECT_EQ(SslHashHandshake(prov_, h, n ? all.data() + pos : nullptr, static_cast<DWORD>(n), 0), 0);
    pos += n;
  }
  EXPECT_EQ(Session(h, kTls12), OneShot("SHA384", all));
  EXPECT_EQ(SslFreeObject(h, 0), 0);
}

TEST_F(TranscriptExports, Tls10And11ShareTheTranscriptFamily) {
  NCRYPT_HASH_HANDLE h = Create(kTls11, TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA);
  Hash(h, Messages()[0]);
  EXPECT_EQ(Session(h, kTls10), Md5Sha1(Messages()[0]));
  EXPECT_EQ(Session(h, kTls11), Md5Sha1(Messages()[0]));
  EXPECT_EQ(SslFreeObject(h, 0), 0);
}

TEST_F(TranscriptExports, ClientAuthHashTls10) {
  ByteVec all;
  NCRYPT_HASH_HANDLE h = Create(kTls10, TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA);
  for (const ByteVec& m : Messages()) {
    Hash(h, m);
    all.insert(all.end(), m.begin(), m.end());
  }
  EXPECT_EQ(ClientAuth(h, u"RSA"), Md5Sha1(all));  // RFC 2246 §7.4.8 (36 bytes)
  EXPECT_EQ(ClientAuth(h, u"rsa"), Md5Sha1(all));
  EXPECT_EQ(ClientAuth(h, u"ECDSA"), OneShot("SHA1", all));  // RFC 4492 §5.8 (20 bytes)
  EXPECT_EQ(ClientAuth(h, u"DSA"), OneShot("SHA1", all));
  EXPECT_EQ(ClientAuth(h, u"ECDSA_P384"), OneShot("SHA1", all));
  // Not consumed: the session hash still covers everything, and more can be hashed.
  EXPECT_EQ(Session(h, kTls10), Md5Sha1(all));
  Hash(h, {20, 0, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  all.insert(all.end(), {20, 0, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  EXPECT_EQ(ClientAuth(h, u"RSA"), Md5Sha1(all));
  EXPECT_EQ(SslFreeObject(h, 0), 0);
}

TEST_F(TranscriptExports, ClientAuthHashTls12) {
  const auto msgs = Messages();
  ByteVec all;
  for (const ByteVec& m : msgs) all.insert(all.end(), m.begin(), m.end());
  const struct {
    const char16_t* id;
    const char* md;
  } algs[] = {
      {u"SHA1", "SHA1"}, {u"SHA256", "SHA256"}, {u"SHA384", "SHA384"}, {u"SHA512", "SHA512"}, {u"sHa384", "SHA384"}};
  NCRYPT_HASH_HANDLE handshake = Create(kTls12, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
  std::vector<NCRYPT_HASH_HANDLE> extra;
  for (const auto& a : algs) extra.push_back(CreateAuth(a.id));
  for (const ByteVec& m : msgs) {
    Hash(handshake, m);
    for (NCRYPT_HASH_HANDLE h : extra) Hash(h, m);
  }
  for (std::size_t i = 0; i < extra.size(); ++i) {
    // The hash's own digest whatever pszAlgId names, and pszAlgId may be NULL for TLS 1.2.
    EXPECT_EQ(ClientAuth(extra[i], u"RSA"), OneShot(algs[i].md, all)) << algs[i].md;
    EXPECT_EQ(ClientAuth(extra[i], u"ECDSA"), OneShot(algs[i].md, all));
    EXPECT_EQ(ClientAuth(extra[i], nullptr), OneShot(algs[i].md, all));
    EXPECT_EQ(SslFreeObject(extra[i], 0), 0);
  }
  // The handshake hash itself gives its PRF hash.
  EXPECT_EQ(ClientAuth(handshake, u"RSA"), OneShot("SHA256", all));
  EXPECT_EQ(Session(handshake, kTls12), OneShot("SHA256", all));
  EXPECT_EQ(SslFreeObject(handshake, 0), 0);
}

TEST_F(TranscriptExports, Tls13HashIsTheSuiteHash) {
  // TLS 1.3 hashes exist for the TLS 1.3 functions; SslComputeSessionHash gives their current
  // Transcript-Hash (for HelloRetryRequest's message_hash, RFC 8446 §4.4.1); the TLS <= 1.2
  // CertificateVerify digests do not apply to them.
  for (DWORD suite : {DWORD{TLS_AES_128_GCM_SHA256}, DWORD{TLS_AES_256_GCM_SHA384}}) {
    NCRYPT_HASH_HANDLE h = Create(kTls13, suite);
    Hash(h, Messages()[0]);
    DWORD size = 0;
    BYTE out[64];
    ASSERT_EQ(SslComputeSessionHash(prov_, h, kTls13, out, sizeof out, &size, 0), 0);
    const char* digest = suite == TLS_AES_128_GCM_SHA256 ? "SHA256" : "SHA384";
    EXPECT_EQ(ByteVec(out, out + size), opensslp::test::Digest(digest, Messages()[0]));
    EXPECT_EQ(SslComputeSessionHash(prov_, h, kTls12, out, sizeof out, &size, 0), NTE_INVALID_PARAMETER);
    EXPECT_EQ(SslComputeClientAuthHash(prov_, 0, h, W(u"RSA"), out, sizeof out, &size, 0), NTE_NOT_SUPPORTED);
    EXPECT_EQ(SslFreeObject(h, 0), 0);
  }
}

TEST_F(TranscriptExports, ThroughTheFunctionTable) {
  NCRYPT_SSL_FUNCTION_TABLE* table = nullptr;
  ASSERT_EQ(GetSChannelInterface(W(u"OpenSSLP Protocol Provider"), &table, 0), 0);
  ASSERT_NE(table, nullptr);
  NCRYPT_HASH_HANDLE h = 0, auth = 0;
  ASSERT_EQ(table->CreateHandshakeHash(prov_, &h, kTls12, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0), 0);
  ASSERT_EQ(table->CreateClientAuthHash(prov_, &auth, kTls12, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, W(u"SHA384"), 0),
            0);
  ByteVec m = Messages()[1];
  ASSERT_EQ(table->HashHandshake(prov_, h, m.data(), static_cast<DWORD>(m.size()), 0), 0);
  ASSERT_EQ(table->HashHandshake(prov_, auth, m.data(), static_cast<DWORD>(m.size()), 0), 0);
  BYTE out[64];
  DWORD size = 0;
  ASSERT_EQ(table->ComputeSessionHash(prov_, h, kTls12, out, sizeof out, &size, 0), 0);
  EXPECT_EQ(ByteVec(out, out + size), OneShot("SHA256", m));
  ASSERT_EQ(table->ComputeClientAuthHash(prov_, 0, auth, W(u"RSA"), out, sizeof out, &size, 0), 0);
  EXPECT_EQ(ByteVec(out, out + size), OneShot("SHA384", m));
  EXPECT_EQ(table->FreeObject(h, 0), 0);
  EXPECT_EQ(table->FreeObject(auth, 0), 0);
}

// A misbehaving caller using one hash handle from several threads, and freeing it while they run:
// every call either succeeds or reports NTE_INVALID_HANDLE (after the free), nothing crashes, and
// with identical chunks every interleaving gives the same transcript.
TEST_F(TranscriptExports, ConcurrentCallersOnOneHandle) {
  NCRYPT_HASH_HANDLE h = Create(kTls10, TLS_RSA_WITH_AES_256_CBC_SHA);
  ByteVec chunk(61, 0xa5);
  constexpr int kThreads = 4, kPerThread = 150;
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      BYTE out[36];
      DWORD size = 0;
      for (int i = 0; i < kPerThread; ++i) {
        if (SslHashHandshake(prov_, h, chunk.data(), static_cast<DWORD>(chunk.size()), 0) != 0) ++bad;
        if (i % 10 == 0 && SslComputeSessionHash(prov_, h, kTls10, out, sizeof out, &size, 0) != 0) ++bad;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
  ByteVec all;
  for (int i = 0; i < kThreads * kPerThread; ++i) all.insert(all.end(), chunk.begin(), chunk.end());
  EXPECT_EQ(Session(h, kTls10), Md5Sha1(all));

  // Now free it while threads are still hashing.
  std::atomic<bool> go{false};
  std::atomic<int> unexpected{0};
  threads.clear();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kPerThread; ++i) {
        const SECURITY_STATUS rc = SslHashHandshake(prov_, h, chunk.data(), static_cast<DWORD>(chunk.size()), 0);
        if (rc != 0 && rc != NTE_INVALID_HANDLE) ++unexpected;
      }
    });
  }
  go = true;
  EXPECT_EQ(SslFreeObject(h, 0), 0);
  for (auto& th : threads) th.join();
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_EQ(SslHashHandshake(prov_, h, chunk.data(), 1, 0), NTE_INVALID_HANDLE);
}

// ---- Safety: SslCreateHandshakeHash --------------------------------------------------------------

TEST_F(TranscriptExports, CreateHandshakeHashSafety) {
  NCRYPT_HASH_HANDLE h = kSentinel;
  const DWORD suite = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
  // Provider handle: zero, stale, wrong kind (an ephemeral key).
  EXPECT_EQ(SslCreateHandshakeHash(0, &h, kTls12, suite, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslCreateHandshakeHash(StaleProvider(), &h, kTls12, suite, 0), NTE_INVALID_HANDLE);
  NCRYPT_KEY_HANDLE key = MakeEphemeralP256(prov_);
  EXPECT_EQ(SslCreateHandshakeHash(key, &h, kTls12, suite, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslFreeObject(key, 0), 0);
  // Output pointer.
  EXPECT_EQ(SslCreateHandshakeHash(prov_, nullptr, kTls12, suite, 0), NTE_INVALID_PARAMETER);
  // Protocols and suites.
  for (DWORD protocol : {DWORD{SSL2_PROTOCOL_VERSION}, DWORD{SSL3_PROTOCOL_VERSION}, DWORD{DTLS1_0_PROTOCOL_VERSION},
                         DWORD{DTLS1_2_PROTOCOL_VERSION}, DWORD{0}, DWORD{0x0305}, DWORD{0xFFFFFFFF}}) {
    EXPECT_EQ(SslCreateHandshakeHash(prov_, &h, protocol, suite, 0), NTE_NOT_SUPPORTED) << protocol;
  }
  EXPECT_EQ(SslCreateHandshakeHash(prov_, &h, kTls12, TLS_RSA_WITH_RC4_128_SHA, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslCreateHandshakeHash(prov_, &h, kTls12, 0, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslCreateHandshakeHash(prov_, &h, kTls12, 0xFFFFFFFF, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslCreateHandshakeHash(prov_, &h, kTls10, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslCreateHandshakeHash(prov_, &h, kTls12, TLS_AES_128_GCM_SHA256, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslCreateHandshakeHash(prov_, &h, kTls13, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0), NTE_NOT_SUPPORTED);
  // Flags: every bit, including the role flags (they mean nothing here).
  for (DWORD flags : {DWORD{NCRYPT_SSL_CLIENT_FLAG}, DWORD{NCRYPT_SSL_SERVER_FLAG}, DWORD{0x80000000u}}) {
    EXPECT_EQ(SslCreateHandshakeHash(prov_, &h, kTls12, suite, flags), NTE_BAD_FLAGS);
  }
  EXPECT_EQ(h, kSentinel);  // no failure wrote a handle
}

// ---- Safety: SslHashHandshake --------------------------------------------------------------------

TEST_F(TranscriptExports, HashHandshakeSafety) {
  NCRYPT_HASH_HANDLE h = Create(kTls12, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
  BYTE data[4] = {1, 2, 3, 4};
  // Provider handle.
  EXPECT_EQ(SslHashHandshake(0, h, data, 4, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslHashHandshake(StaleProvider(), h, data, 4, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslHashHandshake(h, h, data, 4, 0), NTE_INVALID_HANDLE);  // a hash as the provider
  // Hash handle: zero, provider, ephemeral key, stale.
  EXPECT_EQ(SslHashHandshake(prov_, 0, data, 4, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslHashHandshake(prov_, prov_, data, 4, 0), NTE_INVALID_HANDLE);
  NCRYPT_KEY_HANDLE key = MakeEphemeralP256(prov_);
  EXPECT_EQ(SslHashHandshake(prov_, key, data, 4, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslFreeObject(key, 0), 0);
  NCRYPT_HASH_HANDLE stale = Create(kTls12, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
  EXPECT_EQ(SslFreeObject(stale, 0), 0);
  EXPECT_EQ(SslHashHandshake(prov_, stale, data, 4, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslFreeObject(stale, 0), NTE_INVALID_HANDLE);  // double free
  // Input: NULL with a length (small and huge); NULL or not with zero length is legal.
  EXPECT_EQ(SslHashHandshake(prov_, h, nullptr, 1, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslHashHandshake(prov_, h, nullptr, 0xFFFFFFFF, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslHashHandshake(prov_, h, nullptr, 0, 0), 0);
  EXPECT_EQ(SslHashHandshake(prov_, h, data, 0, 0), 0);
  // Flags.
  EXPECT_EQ(SslHashHandshake(prov_, h, data, 4, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(SslHashHandshake(prov_, h, data, 4, 0x80000000u), NTE_BAD_FLAGS);
  // None of the failures (nor the empty inputs) changed the transcript.
  EXPECT_EQ(Session(h, kTls12), OneShot("SHA256", {}));
  EXPECT_EQ(SslFreeObject(h, 0), 0);
}

// ---- Safety: SslComputeSessionHash ---------------------------------------------------------------

TEST_F(TranscriptExports, ComputeSessionHashSafety) {
  NCRYPT_HASH_HANDLE h = Create(kTls12, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384);
  Hash(h, Messages()[0]);
  const ByteVec expected = OneShot("SHA384", Messages()[0]);
  BYTE out[80];
  DWORD size = 0;
  // Provider handle.
  EXPECT_EQ(SslComputeSessionHash(0, h, kTls12, out, sizeof out, &size, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslComputeSessionHash(StaleProvider(), h, kTls12, out, sizeof out, &size, 0), NTE_INVALID_HANDLE);
  // Hash handle: zero, provider, ephemeral key, stale, a client-auth hash.
  EXPECT_EQ(SslComputeSessionHash(prov_, 0, kTls12, out, sizeof out, &size, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslComputeSessionHash(prov_, prov_, kTls12, out, sizeof out, &size, 0), NTE_INVALID_HANDLE);
  NCRYPT_KEY_HANDLE key = MakeEphemeralP256(prov_);
  EXPECT_EQ(SslComputeSessionHash(prov_, key, kTls12, out, sizeof out, &size, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslFreeObject(key, 0), 0);
  NCRYPT_HASH_HANDLE stale = Create(kTls12, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384);
  EXPECT_EQ(SslFreeObject(stale, 0), 0);
  EXPECT_EQ(SslComputeSessionHash(prov_, stale, kTls12, out, sizeof out, &size, 0), NTE_INVALID_HANDLE);
  NCRYPT_HASH_HANDLE auth = CreateAuth(u"SHA384");
  EXPECT_EQ(SslComputeSessionHash(prov_, auth, kTls12, out, sizeof out, &size, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslFreeObject(auth, 0), 0);
  // Protocol: other families (TLS 1.0/1.1, TLS 1.3), unsupported values.
  EXPECT_EQ(SslComputeSessionHash(prov_, h, kTls10, out, sizeof out, &size, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslComputeSessionHash(prov_, h, kTls11, out, sizeof out, &size, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslComputeSessionHash(prov_, h, kTls13, out, sizeof out, &size, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslComputeSessionHash(prov_, h, SSL3_PROTOCOL_VERSION, out, sizeof out, &size, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslComputeSessionHash(prov_, h, DTLS1_2_PROTOCOL_VERSION, out, sizeof out, &size, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslComputeSessionHash(prov_, h, 0, out, sizeof out, &size, 0), NTE_NOT_SUPPORTED);
  // pcbResult NULL (with and without an output buffer).
  EXPECT_EQ(SslComputeSessionHash(prov_, h, kTls12, out, sizeof out, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslComputeSessionHash(prov_, h, kTls12, nullptr, 0, nullptr, 0), NTE_INVALID_PARAMETER);
  // Flags.
  EXPECT_EQ(SslComputeSessionHash(prov_, h, kTls12, out, sizeof out, &size, 1), NTE_BAD_FLAGS);
  // Size query ignores cbOutput; too small (0 and one short) reports the size and writes nothing.
  size = 0;
  EXPECT_EQ(SslComputeSessionHash(prov_, h, kTls12, nullptr, 12345, &size, 0), 0);
  EXPECT_EQ(size, 48u);
  for (DWORD cb : {DWORD{0}, DWORD{47}}) {
    std::fill(std::begin(out), std::end(out), BYTE{0xEE});
    size = 0;
    EXPECT_EQ(SslComputeSessionHash(prov_, h, kTls12, out, cb, &size, 0), NTE_BUFFER_TOO_SMALL);
    EXPECT_EQ(size, 48u);
    for (BYTE b : out) ASSERT_EQ(b, 0xEE);
  }
  // Oversize buffer: the 48 bytes, the rest untouched.
  std::fill(std::begin(out), std::end(out), BYTE{0xEE});
  EXPECT_EQ(SslComputeSessionHash(prov_, h, kTls12, out, sizeof out, &size, 0), 0);
  EXPECT_EQ(size, 48u);
  EXPECT_EQ(ByteVec(out, out + 48), expected);
  for (std::size_t i = 48; i < sizeof out; ++i) EXPECT_EQ(out[i], 0xEE);
  EXPECT_EQ(SslFreeObject(h, 0), 0);
}

// ---- Safety: SslCreateClientAuthHash -------------------------------------------------------------

TEST_F(TranscriptExports, CreateClientAuthHashSafety) {
  NCRYPT_HASH_HANDLE h = kSentinel;
  const DWORD suite = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
  // Provider handle.
  EXPECT_EQ(SslCreateClientAuthHash(0, &h, kTls12, suite, W(u"SHA256"), 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslCreateClientAuthHash(StaleProvider(), &h, kTls12, suite, W(u"SHA256"), 0), NTE_INVALID_HANDLE);
  NCRYPT_KEY_HANDLE key = MakeEphemeralP256(prov_);
  EXPECT_EQ(SslCreateClientAuthHash(key, &h, kTls12, suite, W(u"SHA256"), 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslFreeObject(key, 0), 0);
  // Pointers.
  EXPECT_EQ(SslCreateClientAuthHash(prov_, nullptr, kTls12, suite, W(u"SHA256"), 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslCreateClientAuthHash(prov_, &h, kTls12, suite, nullptr, 0), NTE_INVALID_PARAMETER);
  // Algorithm ids: empty, over-long, MD5, unknown, near misses.
  EXPECT_EQ(SslCreateClientAuthHash(prov_, &h, kTls12, suite, W(u""), 0), NTE_INVALID_PARAMETER);
  const std::u16string long_id(65, u'A');
  EXPECT_EQ(SslCreateClientAuthHash(prov_, &h, kTls12, suite, W(long_id.c_str()), 0), NTE_INVALID_PARAMETER);
  const std::u16string long_sha(1000, u'S');
  EXPECT_EQ(SslCreateClientAuthHash(prov_, &h, kTls12, suite, W(long_sha.c_str()), 0), NTE_INVALID_PARAMETER);
  for (const char16_t* id : {u"MD5", u"md5", u"SHA224", u"SHA-256", u"SHA256 ", u"SHA3-256", u"RSA", u"\u0160HA256"}) {
    EXPECT_EQ(SslCreateClientAuthHash(prov_, &h, kTls12, suite, W(id), 0), NTE_NOT_SUPPORTED);
  }
  // Protocols: only TLS 1.2.
  for (DWORD protocol :
       {kTls10, kTls11, kTls13, DWORD{SSL3_PROTOCOL_VERSION}, DWORD{DTLS1_2_PROTOCOL_VERSION}, DWORD{0}}) {
    EXPECT_EQ(SslCreateClientAuthHash(prov_, &h, protocol, TLS_RSA_WITH_AES_128_CBC_SHA, W(u"SHA1"), 0),
              NTE_NOT_SUPPORTED)
        << protocol;
  }
  EXPECT_EQ(SslCreateClientAuthHash(prov_, &h, kTls13, TLS_AES_128_GCM_SHA256, W(u"SHA256"), 0), NTE_NOT_SUPPORTED);
  // Suites.
  EXPECT_EQ(SslCreateClientAuthHash(prov_, &h, kTls12, TLS_RSA_WITH_RC4_128_SHA, W(u"SHA256"), 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslCreateClientAuthHash(prov_, &h, kTls12, TLS_AES_128_GCM_SHA256, W(u"SHA256"), 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslCreateClientAuthHash(prov_, &h, kTls12, 0xFFFFFFFF, W(u"SHA256"), 0), NTE_NOT_SUPPORTED);
  // Flags.
  EXPECT_EQ(SslCreateClientAuthHash(prov_, &h, kTls12, suite, W(u"SHA256"), 1), NTE_BAD_FLAGS);
  EXPECT_EQ(SslCreateClientAuthHash(prov_, &h, kTls12, suite, W(u"SHA256"), NCRYPT_SSL_CLIENT_FLAG), NTE_BAD_FLAGS);
  EXPECT_EQ(h, kSentinel);
}

// ---- Safety: SslComputeClientAuthHash ------------------------------------------------------------

TEST_F(TranscriptExports, ComputeClientAuthHashSafety) {
  NCRYPT_HASH_HANDLE h10 = Create(kTls10, TLS_RSA_WITH_AES_128_CBC_SHA);
  NCRYPT_HASH_HANDLE h12 = Create(kTls12, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
  Hash(h10, Messages()[2]);
  Hash(h12, Messages()[2]);
  BYTE out[80];
  DWORD size = 0;
  // Provider handle.
  EXPECT_EQ(SslComputeClientAuthHash(0, 0, h10, W(u"RSA"), out, sizeof out, &size, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslComputeClientAuthHash(StaleProvider(), 0, h10, W(u"RSA"), out, sizeof out, &size, 0),
            NTE_INVALID_HANDLE);
  // Master key: 0 is accepted (TLS does not use it); other kinds and stale handles are refused.
  NCRYPT_KEY_HANDLE key = MakeEphemeralP256(prov_);
  EXPECT_EQ(SslComputeClientAuthHash(prov_, key, h10, W(u"RSA"), out, sizeof out, &size, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslComputeClientAuthHash(prov_, prov_, h10, W(u"RSA"), out, sizeof out, &size, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslComputeClientAuthHash(prov_, h12, h10, W(u"RSA"), out, sizeof out, &size, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslComputeClientAuthHash(prov_, 0x12345678, h10, W(u"RSA"), out, sizeof out, &size, 0), NTE_INVALID_HANDLE);
  // Hash handle: zero, provider, key, stale.
  EXPECT_EQ(SslComputeClientAuthHash(prov_, 0, 0, W(u"RSA"), out, sizeof out, &size, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslComputeClientAuthHash(prov_, 0, prov_, W(u"RSA"), out, sizeof out, &size, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslComputeClientAuthHash(prov_, 0, key, W(u"RSA"), out, sizeof out, &size, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslFreeObject(key, 0), 0);
  EXPECT_EQ(SslComputeClientAuthHash(prov_, key, h10, W(u"RSA"), out, sizeof out, &size, 0), NTE_INVALID_HANDLE);
  NCRYPT_HASH_HANDLE stale = Create(kTls10, TLS_RSA_WITH_AES_128_CBC_SHA);
  EXPECT_EQ(SslFreeObject(stale, 0), 0);
  EXPECT_EQ(SslComputeClientAuthHash(prov_, 0, stale, W(u"RSA"), out, sizeof out, &size, 0), NTE_INVALID_HANDLE);
  // Algorithm id (TLS 1.0/1.1 only): NULL, empty, over-long, unsupported.
  EXPECT_EQ(SslComputeClientAuthHash(prov_, 0, h10, nullptr, out, sizeof out, &size, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslComputeClientAuthHash(prov_, 0, h10, W(u""), out, sizeof out, &size, 0), NTE_INVALID_PARAMETER);
  const std::u16string long_id(65, u'R');
  EXPECT_EQ(SslComputeClientAuthHash(prov_, 0, h10, W(long_id.c_str()), out, sizeof out, &size, 0),
            NTE_INVALID_PARAMETER);
  for (const char16_t* id : {u"ECDH", u"DH", u"RSA ", u"SHA1", u"AES", u"\u0280SA"}) {
    EXPECT_EQ(SslComputeClientAuthHash(prov_, 0, h10, W(id), out, sizeof out, &size, 0), NTE_NOT_SUPPORTED);
  }
  // pcbResult NULL; flags.
  EXPECT_EQ(SslComputeClientAuthHash(prov_, 0, h10, W(u"RSA"), out, sizeof out, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslComputeClientAuthHash(prov_, 0, h12, nullptr, nullptr, 0, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslComputeClientAuthHash(prov_, 0, h10, W(u"RSA"), out, sizeof out, &size, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(SslComputeClientAuthHash(prov_, 0, h12, W(u"RSA"), out, sizeof out, &size, NCRYPT_SSL_CLIENT_FLAG),
            NTE_BAD_FLAGS);
  // Output sizes: query, too small (nothing written), oversize (only the digest written).
  size = 0;
  EXPECT_EQ(SslComputeClientAuthHash(prov_, 0, h10, W(u"RSA"), nullptr, 0, &size, 0), 0);
  EXPECT_EQ(size, 36u);
  EXPECT_EQ(SslComputeClientAuthHash(prov_, 0, h10, W(u"ECDSA"), nullptr, 0, &size, 0), 0);
  EXPECT_EQ(size, 20u);
  std::fill(std::begin(out), std::end(out), BYTE{0xEE});
  EXPECT_EQ(SslComputeClientAuthHash(prov_, 0, h10, W(u"RSA"), out, 35, &size, 0), NTE_BUFFER_TOO_SMALL);
  EXPECT_EQ(size, 36u);
  EXPECT_EQ(SslComputeClientAuthHash(prov_, 0, h12, W(u"RSA"), out, 0, &size, 0), NTE_BUFFER_TOO_SMALL);
  EXPECT_EQ(size, 32u);
  for (BYTE b : out) ASSERT_EQ(b, 0xEE);
  EXPECT_EQ(SslComputeClientAuthHash(prov_, 0, h10, W(u"RSA"), out, sizeof out, &size, 0), 0);
  EXPECT_EQ(size, 36u);
  EXPECT_EQ(ByteVec(out, out + 36), Md5Sha1(Messages()[2]));
  for (std::size_t i = 36; i < sizeof out; ++i) EXPECT_EQ(out[i], 0xEE);
  EXPECT_EQ(SslFreeObject(h10, 0), 0);
  EXPECT_EQ(SslFreeObject(h12, 0), 0);
}

}  // namespace
