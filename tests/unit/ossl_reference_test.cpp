// ossl_reference_test.cpp - the tests' OpenSSL-side reference (tests/support/ossl_reference.h)
// against published values, so that the reference itself is checked by something nobody here
// wrote: RFC 5869 (HKDF test case 1), RFC 8448 §3 (the TLS 1.3 key schedule of a simple 1-RTT
// handshake, SHA-256), and the seed order of the TLS 1.2 helpers against the plain PRF.
#include <gtest/gtest.h>

#include "support/bytes.h"
#include "support/ossl_reference.h"

namespace opensslp::test {
namespace {

// RFC 5869 Appendix A.1 (test case 1, SHA-256).
TEST(OsslReference, HkdfRfc5869TestCase1) {
  const ByteVec ikm(22, 0x0b);
  const ByteVec salt = FromHex("000102030405060708090a0b0c");
  const ByteVec info = FromHex("f0f1f2f3f4f5f6f7f8f9");
  const ByteVec prk = HkdfExtract("SHA256", salt, ikm);
  EXPECT_EQ(Hex(prk), "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  EXPECT_EQ(Hex(HkdfExpand("SHA256", prk, info, 42)),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

// RFC 8448 §3: early secret (no PSK), the "derived" salt, the handshake secret from the x25519
// shared secret, the handshake traffic secrets over Hash(ClientHello || ServerHello), the client
// handshake write key and IV, and the master secret.
TEST(OsslReference, Tls13KeyScheduleRfc8448Section3) {
  const ByteVec early = Tls13Extract("SHA256", {}, ByteVec(32, 0));
  EXPECT_EQ(Hex(early), "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a");
  EXPECT_EQ(Hex(Tls13Extract("SHA256", {}, {})), Hex(early));  // no key: Hash.length zeros
  EXPECT_EQ(Hex(HkdfExtract("SHA256", {}, ByteVec(32, 0))), Hex(early));
  EXPECT_EQ(Hex(DeriveSecret("SHA256", early, "derived", {})),
            "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba");

  const ByteVec shared = FromHex("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d");
  const ByteVec handshake = Tls13Extract("SHA256", early, shared);
  EXPECT_EQ(Hex(handshake), "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac");
  EXPECT_EQ(Hex(HkdfExtract("SHA256", DeriveSecret("SHA256", early, "derived", {}), shared)), Hex(handshake));

  const ByteVec hello_hash = FromHex("860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8");
  const ByteVec client_hs = HkdfExpandLabel("SHA256", handshake, "c hs traffic", hello_hash, 32);
  EXPECT_EQ(Hex(client_hs), "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21");
  EXPECT_EQ(Hex(HkdfExpandLabel("SHA256", handshake, "s hs traffic", hello_hash, 32)),
            "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");
  EXPECT_EQ(Hex(HkdfExpandLabel("SHA256", client_hs, "key", {}, 16)), "dbfaa693d1762c5b666af5d950258d01");
  EXPECT_EQ(Hex(HkdfExpandLabel("SHA256", client_hs, "iv", {}, 12)), "5bd3c71b836e0b76bb73265f");

  EXPECT_EQ(Hex(Tls13Extract("SHA256", handshake, {})),
            "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919");
}

// The TLS 1.2 helpers are the PRF with RFC 5246's labels and seed orders: client || server for
// the master secret, server || client for the key block.
TEST(OsslReference, Tls1HelpersUseTheRfcSeedOrder) {
  const ByteVec secret(48, 0x0c), cr(32, 0xc1), sr(32, 0x5e), hash(32, 0x4a);
  EXPECT_EQ(Tls1MasterSecret("SHA256", secret, cr, sr),
            Tls1Prf("SHA256", secret, "master secret", Concat({cr, sr}), 48));
  EXPECT_EQ(Tls1KeyBlock("SHA384", secret, cr, sr, 72),
            Tls1Prf("SHA384", secret, "key expansion", Concat({sr, cr}), 72));
  EXPECT_EQ(Tls1ExtendedMasterSecret("MD5-SHA1", secret, hash),
            Tls1Prf("MD5-SHA1", secret, "extended master secret", hash, 48));
  EXPECT_NE(Tls1MasterSecret("SHA256", secret, cr, sr), Tls1MasterSecret("SHA256", secret, sr, cr));
  EXPECT_EQ(Tls1Prf("SHA256", {}, "empty secret", cr, 20).size(), 20u);
}

// Seal then open round-trips for both AEAD families; a flipped tag bit is refused.
TEST(OsslReference, AeadRoundTrip) {
  for (auto [name, key_len] :
       {std::pair{"AES-128-GCM", 16}, std::pair{"AES-256-GCM", 32}, std::pair{"ChaCha20-Poly1305", 32}}) {
    const ByteVec key(key_len, 0x11), nonce(12, 0x22), aad(13, 0x33), pt(37, 0x44);
    ByteVec sealed = AeadSeal(name, key, nonce, aad, pt);
    ASSERT_EQ(sealed.size(), pt.size() + 16) << name;
    EXPECT_EQ(AeadOpen(name, key, nonce, aad, sealed), pt) << name;
    sealed.back() ^= 1;
    EXPECT_EQ(AeadOpen(name, key, nonce, aad, sealed), std::nullopt) << name;
  }
}

// NIST's AES-GCM test case 2 (the GCM specification, McGrew & Viega): zero key, IV and block.
TEST(OsslReference, AesGcmPublishedVector) {
  const ByteVec sealed = AeadSeal("AES-128-GCM", ByteVec(16, 0), ByteVec(12, 0), {}, ByteVec(16, 0));
  EXPECT_EQ(Hex(sealed), "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf");
}

// Hex and FromHex are inverses; malformed hex gives nothing.
TEST(OsslReference, HexRoundTrip) {
  EXPECT_EQ(Hex(FromHex("00ff10AB")), "00ff10ab");
  EXPECT_TRUE(FromHex("abc").empty());
  EXPECT_TRUE(FromHex("zz").empty());
  EXPECT_EQ(Hex(Digest("SHA256", {})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace opensslp::test
