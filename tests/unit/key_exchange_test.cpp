// key_exchange_test.cpp - ephemeral (EC)DHE keys and the raw shared secret (core/key_exchange.h).
// Expected secrets come from OpenSSL's own EVP_PKEY_derive, called here in the test on the same
// EVP_PKEYs, never from our code.
#include <gtest/gtest.h>

#include "support/group_bits.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/evp.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "base/groups.h"
#include "core/key_blobs.h"
#include "core/key_exchange.h"
#include "ossl/key_agreement.h"
#include "support/ossl_reference.h"

namespace opensslp {
namespace {

using test::ByteVec;

// ---- independent OpenSSL helpers ----------------------------------------------------------------

// p and g of an OpenSSL built-in DH group ("ffdhe2048", "modp_2048", ...), big-endian.
void NamedDhDomain(const char* name, ByteVec* p, ByteVec* g) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr);
  ASSERT_NE(ctx, nullptr);
  ASSERT_EQ(EVP_PKEY_paramgen_init(ctx), 1);
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(name), 0),
                         OSSL_PARAM_construct_end()};
  ASSERT_EQ(EVP_PKEY_CTX_set_params(ctx, params), 1);
  EVP_PKEY* domain = nullptr;
  ASSERT_EQ(EVP_PKEY_paramgen(ctx, &domain), 1);
  BIGNUM *bp = nullptr, *bg = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(domain, OSSL_PKEY_PARAM_FFC_P, &bp), 1);
  ASSERT_EQ(EVP_PKEY_get_bn_param(domain, OSSL_PKEY_PARAM_FFC_G, &bg), 1);
  p->resize(BN_num_bytes(bp));
  BN_bn2bin(bp, p->data());
  g->assign(p->size(), 0);
  BN_bn2binpad(bg, g->data(), static_cast<int>(g->size()));
  BN_free(bp);
  BN_free(bg);
  EVP_PKEY_free(domain);
  EVP_PKEY_CTX_free(ctx);
}

void PutLe32(ByteVec& v, std::uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}

// BCRYPT_DH_PARAMETER_HEADER{cbLength, magic, cbKeyLength} || p || g.
ByteVec DhParamsBlob(const ByteVec& p, const ByteVec& g) {
  ByteVec blob;
  PutLe32(blob, static_cast<std::uint32_t>(12 + p.size() + g.size()));
  PutLe32(blob, 0x4d504844);
  PutLe32(blob, static_cast<std::uint32_t>(p.size()));
  blob.insert(blob.end(), p.begin(), p.end());
  blob.insert(blob.end(), g.begin(), g.end());
  return blob;
}

std::shared_ptr<EphemeralKey> MustCreate(std::uint32_t key_type, std::uint32_t bits = 0, Bytes params = {},
                                         std::uint32_t protocol = 0x0303) {
  EphemeralKeyRequest r;
  r.protocol = protocol;
  r.key_type = key_type;
  r.key_bits = bits;
  r.params = params;
  auto key = CreateEphemeralKey(r);
  EXPECT_TRUE(key.ok()) << "key_type " << key_type << " bits " << bits << ": " << ErrorName(key.error());
  return key.ok() ? key.value() : nullptr;
}

Error CreateError(std::uint32_t key_type, std::uint32_t bits, Bytes params = {}, std::uint32_t protocol = 0x0303) {
  EphemeralKeyRequest r;
  r.protocol = protocol;
  r.key_type = key_type;
  r.key_bits = bits;
  r.params = params;
  auto key = CreateEphemeralKey(r);
  EXPECT_FALSE(key.ok());
  return key.ok() ? Error::kInternal : key.error();
}

// The peer's public key as another party would send it: exported by us, imported by us.
std::shared_ptr<PublicKey> PublicOf(const EphemeralKey& key) {
  const KeyDescription d = key.Describe();
  const KeyBlobType type = d.algorithm == u"DH" ? KeyBlobType::kDhPublic : KeyBlobType::kSslEccPublic;
  auto blob = ExportPublicKeyBlob(key, type);
  EXPECT_TRUE(blob.ok());
  if (!blob.ok()) return nullptr;
  auto pub = ImportPublicKeyBlob(type, blob.value());
  EXPECT_TRUE(pub.ok()) << ErrorName(pub.error());
  return pub.ok() ? pub.value() : nullptr;
}

// ---- creation --------------------------------------------------------------------------------

TEST(CreateEphemeralKey, EveryCurveWithItsDescription) {
  for (const GroupInfo& g : kGroups) {
    if (!IsEcGroup(g)) continue;
    for (std::uint32_t bits : {0u, std::uint32_t{g.field_bits}}) {
      auto key = MustCreate(g.iana_id, bits);
      ASSERT_NE(key, nullptr);
      const KeyDescription d = key->Describe();
      EXPECT_EQ(d.algorithm, u"ECDH");
      EXPECT_EQ(d.bits, opensslp_test::IndependentGroupBits(g.iana_id));
      EXPECT_EQ(d.key_type, g.iana_id);
      EXPECT_EQ(key->protocol(), 0x0303u);
    }
  }
  // X25519 also accepts its byte length in bits.
  EXPECT_NE(MustCreate(29, 256), nullptr);
}

TEST(CreateEphemeralKey, AllProtocolsTls10To13) {
  for (std::uint32_t protocol : {0x0301u, 0x0302u, 0x0303u, 0x0304u})
    EXPECT_NE(MustCreate(23, 0, {}, protocol), nullptr);
  for (std::uint32_t protocol : {0u, 0x0002u, 0x0300u, 0x0305u, 0xFEFFu, 0xFEFDu, 0xFFFFFFFFu})
    EXPECT_EQ(CreateError(23, 0, {}, protocol), Error::kNotSupported) << protocol;
}

TEST(CreateEphemeralKey, UnknownGroupsAndWrongSizes) {
  for (std::uint32_t type : {1u, 22u, 26u, 28u, 31u, 255u, 261u, 0xFFFFu, 0xFFFFFFFFu})
    EXPECT_EQ(CreateError(type, 0), Error::kNotSupported) << type;
  EXPECT_EQ(CreateError(23, 384), Error::kInvalidParameter);
  EXPECT_EQ(CreateError(24, 256), Error::kInvalidParameter);
  EXPECT_EQ(CreateError(25, 512), Error::kInvalidParameter);
  EXPECT_EQ(CreateError(30, 456), Error::kInvalidParameter);
  EXPECT_EQ(CreateError(256, 3072), Error::kInvalidParameter);
  const std::uint8_t junk[16] = {};
  EXPECT_EQ(CreateError(23, 0, junk), Error::kInvalidParameter) << "no parameters for a curve";
  EXPECT_EQ(CreateError(257, 0, junk), Error::kInvalidParameter) << "no parameters for a named ffdhe group";
}

TEST(CreateEphemeralKey, FfdheByKeyTypeAndByBits) {
  for (const GroupInfo& g : kGroups) {
    if (g.family != GroupFamily::kFfdhe) continue;
    auto by_type = MustCreate(g.iana_id);
    auto by_bits = MustCreate(0, g.field_bits);
    ASSERT_NE(by_type, nullptr);
    ASSERT_NE(by_bits, nullptr);
    for (const auto& key : {by_type, by_bits}) {
      EXPECT_EQ(key->Describe().algorithm, u"DH");
      EXPECT_EQ(key->Describe().bits, opensslp_test::IndependentGroupBits(g.iana_id));
      EXPECT_EQ(key->Describe().key_type, 0u);
    }
    EXPECT_TRUE(ossl::SameDomain(by_type->pkey(), by_bits->pkey()));
    // The group really is RFC 7919's: p and g as OpenSSL knows them.
    ByteVec p, gen;
    NamedDhDomain(std::string(g.ossl_name).c_str(), &p, &gen);
    auto parts = ossl::DhPublicValues(by_type->pkey());
    ASSERT_TRUE(parts.ok());
    EXPECT_EQ(parts->p, p);
    EXPECT_EQ(parts->g, gen);
  }
  auto dflt = MustCreate(0, 0);
  ASSERT_NE(dflt, nullptr);
  EXPECT_EQ(dflt->Describe().bits, 2048u) << "default DHE group is ffdhe2048";
  EXPECT_EQ(CreateError(0, 1024), Error::kNotSupported) << "weak groups refused (Logjam)";
  EXPECT_EQ(CreateError(0, 1), Error::kNotSupported);
  EXPECT_EQ(CreateError(0, 2047), Error::kNotSupported);
  EXPECT_EQ(CreateError(0, 2049), Error::kInvalidParameter);
  EXPECT_EQ(CreateError(0, 5000), Error::kInvalidParameter);
  EXPECT_EQ(CreateError(0, 16384), Error::kInvalidParameter);
}

TEST(CreateEphemeralKey, CallerSuppliedDhParameters) {
  for (const char* name : {"ffdhe2048", "modp_2048", "ffdhe3072"}) {
    ByteVec p, g;
    NamedDhDomain(name, &p, &g);
    const ByteVec params = DhParamsBlob(p, g);
    for (std::uint32_t bits : {0u, static_cast<std::uint32_t>(8 * p.size())}) {
      auto key = MustCreate(0, bits, params);
      ASSERT_NE(key, nullptr) << name;
      EXPECT_EQ(key->Describe().algorithm, u"DH");
      EXPECT_EQ(key->Describe().bits, 8 * p.size());
      auto parts = ossl::DhPublicValues(key->pkey());
      ASSERT_TRUE(parts.ok());
      EXPECT_EQ(parts->p, p);
      EXPECT_EQ(parts->g, g);
    }
  }
}

TEST(CreateEphemeralKey, MalformedDhParameters) {
  ByteVec p, g;
  NamedDhDomain("ffdhe2048", &p, &g);
  const ByteVec good = DhParamsBlob(p, g);
  auto error_of = [](const ByteVec& params, std::uint32_t bits = 0) { return CreateError(0, bits, params); };
  auto patched = [&](std::size_t offset, std::uint32_t value) {
    ByteVec v = good;
    for (int i = 0; i < 4; ++i) v[offset + i] = static_cast<std::uint8_t>(value >> (8 * i));
    return v;
  };
  EXPECT_EQ(error_of(ByteVec(good.begin(), good.begin() + 11)), Error::kInvalidParameter) << "short header";
  EXPECT_EQ(error_of(ByteVec(good.begin(), good.end() - 1)), Error::kInvalidParameter) << "truncated";
  ByteVec trailing = good;
  trailing.push_back(0);
  EXPECT_EQ(error_of(trailing), Error::kInvalidParameter) << "trailing byte";
  EXPECT_EQ(error_of(patched(0, static_cast<std::uint32_t>(good.size() + 1))), Error::kInvalidParameter) << "cbLength";
  EXPECT_EQ(error_of(patched(0, 0xFFFFFFFFu)), Error::kInvalidParameter);
  EXPECT_EQ(error_of(patched(4, 0x42504844)), Error::kInvalidParameter) << "DH public magic instead";
  EXPECT_EQ(error_of(patched(8, 255)), Error::kInvalidParameter) << "cbKeyLength disagrees";
  EXPECT_EQ(error_of(patched(8, 0)), Error::kInvalidParameter);
  EXPECT_EQ(error_of(patched(8, 0x80000006u)), Error::kInvalidParameter) << "cbKeyLength overflow";
  EXPECT_EQ(error_of(good, 3072), Error::kInvalidParameter) << "bits disagree with p";
  // p even, g out of range.
  ByteVec even_p = p;
  even_p.back() ^= 1;
  EXPECT_EQ(error_of(DhParamsBlob(even_p, g)), Error::kInvalidParameter);
  ByteVec p_minus_1 = p;
  p_minus_1.back() ^= 1;  // p is odd, so this is p-1
  ByteVec zero(p.size(), 0), one(p.size(), 0);
  one.back() = 1;
  for (const ByteVec& bad_g : {zero, one, p_minus_1, p})
    EXPECT_EQ(error_of(DhParamsBlob(p, bad_g)), Error::kInvalidParameter);
  // A leading zero byte in p (cbKeyLength is p's length).
  ByteVec padded_p = p, padded_g = g;
  padded_p.insert(padded_p.begin(), 0);
  padded_g.insert(padded_g.begin(), 0);
  EXPECT_EQ(error_of(DhParamsBlob(padded_p, padded_g)), Error::kInvalidParameter);
  // Too small (Logjam) and too large groups are refused as unsupported.
  ByteVec p1024, g1024;
  NamedDhDomain("dh_1024_160", &p1024, &g1024);
  EXPECT_EQ(error_of(DhParamsBlob(p1024, g1024)), Error::kNotSupported);
  ByteVec huge(1025, 0xff), huge_g(1025, 0);
  huge_g.back() = 2;
  EXPECT_EQ(error_of(DhParamsBlob(huge, huge_g)), Error::kNotSupported);
}

// ---- agreement ---------------------------------------------------------------------------------

TEST(ComputeSharedSecret, EcdheBetweenTwoOfOurKeysMatchesOpenssl) {
  for (const GroupInfo& g : kGroups) {
    if (!IsEcGroup(g)) continue;
    auto a = MustCreate(g.iana_id), b = MustCreate(g.iana_id);
    ASSERT_TRUE(a && b);
    auto a_pub = PublicOf(*a), b_pub = PublicOf(*b);
    ASSERT_TRUE(a_pub && b_pub);
    auto ab = ComputeSharedSecret(*a, *b_pub);
    auto ba = ComputeSharedSecret(*b, *a_pub);
    ASSERT_TRUE(ab.ok() && ba.ok()) << g.tls_name;
    const ByteVec expected = test::DeriveSharedSecret(a->pkey().get(), b->pkey().get(), false);
    ASSERT_EQ(expected.size(), g.coordinate_bytes) << "fixed length";
    EXPECT_EQ(ByteVec(ab->span().begin(), ab->span().end()), expected) << g.tls_name;
    EXPECT_EQ(ByteVec(ba->span().begin(), ba->span().end()), expected) << g.tls_name;
    // The same for every protocol (EC secrets are never stripped).
    auto tls12 = ComputeTlsPremasterSecret(*a, *b_pub, 0x0303);
    ASSERT_TRUE(tls12.ok());
    EXPECT_EQ(tls12->size(), g.coordinate_bytes);
  }
}

TEST(ComputeSharedSecret, DheBetweenTwoOfOurKeysMatchesOpenssl) {
  ByteVec p, g;
  NamedDhDomain("modp_2048", &p, &g);
  const ByteVec params = DhParamsBlob(p, g);
  struct Case {
    std::uint32_t key_type, bits;
    Bytes params;
  };
  for (const Case& c : {Case{256, 0, {}}, Case{0, 3072, {}}, Case{0, 0, params}}) {
    auto a = MustCreate(c.key_type, c.bits, c.params), b = MustCreate(c.key_type, c.bits, c.params);
    ASSERT_TRUE(a && b);
    auto b_pub = PublicOf(*b);
    ASSERT_NE(b_pub, nullptr);
    auto raw = ComputeSharedSecret(*a, *b_pub);
    ASSERT_TRUE(raw.ok()) << ErrorName(raw.error());
    const ByteVec padded = test::DeriveSharedSecret(a->pkey().get(), b->pkey().get(), true);
    const ByteVec stripped = test::DeriveSharedSecret(a->pkey().get(), b->pkey().get(), false);  // OpenSSL default
    EXPECT_EQ(ByteVec(raw->span().begin(), raw->span().end()), padded);
    EXPECT_EQ(raw->size(), a->Describe().bits / 8) << "TLS 1.3 form: length of p";
    auto tls12 = ComputeTlsPremasterSecret(*a, *b_pub, 0x0303);
    auto tls13 = ComputeTlsPremasterSecret(*a, *b_pub, 0x0304);
    ASSERT_TRUE(tls12.ok() && tls13.ok());
    EXPECT_EQ(ByteVec(tls12->span().begin(), tls12->span().end()), stripped) << "RFC 5246 §8.1.2";
    EXPECT_EQ(ByteVec(tls13->span().begin(), tls13->span().end()), padded) << "RFC 8446 §7.4.1";
  }
}

TEST(ComputeSharedSecret, StripLeadingZeros) {
  const std::uint8_t bytes[] = {0, 0, 0, 7, 0, 9};
  SecretBytes s = StripLeadingZeros(SecretBytes(Bytes(bytes)));
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s.data()[0], 7);
  EXPECT_EQ(s.data()[2], 9);
  const std::uint8_t none[] = {1, 0};
  EXPECT_EQ(StripLeadingZeros(SecretBytes(Bytes(none))).size(), 2u);
  const std::uint8_t all[] = {0, 0};
  EXPECT_EQ(StripLeadingZeros(SecretBytes(Bytes(all))).size(), 0u);
}

TEST(ComputeSharedSecret, RefusesKeysOfDifferentGroups) {
  auto p256 = MustCreate(23), p384 = MustCreate(24), x25519 = MustCreate(29), x448 = MustCreate(30);
  auto dh2048 = MustCreate(256), dh3072 = MustCreate(257);
  ASSERT_TRUE(p256 && p384 && x25519 && x448 && dh2048 && dh3072);
  auto pub_p384 = PublicOf(*p384), pub_x448 = PublicOf(*x448), pub_dh3072 = PublicOf(*dh3072),
       pub_p256 = PublicOf(*p256), pub_x25519 = PublicOf(*x25519), pub_dh2048 = PublicOf(*dh2048);
  struct Pair {
    const EphemeralKey* mine;
    const PublicKey* peer;
  };
  for (const Pair& pr :
       {Pair{p256.get(), pub_p384.get()}, Pair{p256.get(), pub_x25519.get()}, Pair{x25519.get(), pub_x448.get()},
        Pair{x448.get(), pub_p384.get()}, Pair{dh2048.get(), pub_dh3072.get()}, Pair{dh3072.get(), pub_p256.get()},
        Pair{p256.get(), pub_dh2048.get()}}) {
    auto s = ComputeSharedSecret(*pr.mine, *pr.peer);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error(), Error::kBadKey);
  }
  // Same p, different g: a different domain.
  ByteVec p, g;
  NamedDhDomain("ffdhe2048", &p, &g);
  ByteVec g5(p.size(), 0);
  g5.back() = 5;
  auto g5_key = MustCreate(0, 0, DhParamsBlob(p, g5));
  ASSERT_NE(g5_key, nullptr);
  auto s = ComputeSharedSecret(*g5_key, *pub_dh2048);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error(), Error::kBadKey);
}

TEST(ComputeSharedSecret, RefusesAnEcdsaTaggedPeer) {
  auto mine = MustCreate(23), other = MustCreate(23);
  ASSERT_TRUE(mine && other);
  auto blob = ExportPublicKeyBlob(*other, KeyBlobType::kEccPublic);
  ASSERT_TRUE(blob.ok());
  // Re-tag it with BCRYPT_ECDSA_PUBLIC_P256_MAGIC.
  ByteVec v = blob.value();
  v[0] = 0x45, v[1] = 0x43, v[2] = 0x53, v[3] = 0x31;
  auto ecdsa = ImportPublicKeyBlob(KeyBlobType::kEccPublic, v);
  ASSERT_TRUE(ecdsa.ok());
  EXPECT_EQ(ecdsa.value()->Describe().algorithm, u"ECDSA");
  auto s = ComputeSharedSecret(*mine, *ecdsa.value());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error(), Error::kBadKey);
}

TEST(ComputeSharedSecret, X25519LowOrderPointIsRefusedAtAgreement) {
  // u = 0 and u = 1 are low-order points (RFC 7748 §6.1; Wycheproof "LowOrderPublic"): they import
  // (every 32-byte string is a valid encoding) but the all-zero result is refused.
  auto mine = MustCreate(29);
  ASSERT_NE(mine, nullptr);
  for (std::uint8_t u0 : {0, 1}) {
    ByteVec blob;
    PutLe32(blob, 29);
    PutLe32(blob, 32);
    blob.resize(8 + 32, 0);
    blob[8] = u0;
    auto peer = ImportPublicKeyBlob(KeyBlobType::kSslEccPublic, blob);
    ASSERT_TRUE(peer.ok());
    auto s = ComputeSharedSecret(*mine, *peer.value());
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error(), Error::kBadKey);
  }
}

// ---- single use of DHE keys (Raccoon countermeasure) ---------------------------------------------

TEST(EphemeralKeyUse, DheKeyIsClaimedOnceAndReleasedOnFailure) {
  auto dh = MustCreate(256);
  ASSERT_NE(dh, nullptr);
  EXPECT_TRUE(EphemeralKeyUse::IsSingleUse(*dh));
  {
    auto first = EphemeralKeyUse::Claim(*dh);
    ASSERT_TRUE(first.ok());
    auto concurrent = EphemeralKeyUse::Claim(*dh);
    ASSERT_FALSE(concurrent.ok()) << "a held claim excludes a second one";
    EXPECT_EQ(concurrent.error(), Error::kBadKeyState);
    // `first` goes out of scope uncommitted: the call that took it failed.
  }
  EXPECT_FALSE(dh->premaster_used()) << "a failed use changes nothing";
  {
    auto use = EphemeralKeyUse::Claim(*dh);
    ASSERT_TRUE(use.ok());
    use->Commit();
  }
  EXPECT_TRUE(dh->premaster_used());
  auto again = EphemeralKeyUse::Claim(*dh);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error(), Error::kBadKeyState);
}

TEST(EphemeralKeyUse, EcdheKeysAreNotSingleUse) {
  for (std::uint32_t group : {23u, 24u, 25u, 29u, 30u}) {
    auto ec = MustCreate(group);
    ASSERT_NE(ec, nullptr);
    EXPECT_FALSE(EphemeralKeyUse::IsSingleUse(*ec)) << group;
    for (int i = 0; i < 3; ++i) {
      auto use = EphemeralKeyUse::Claim(*ec);
      ASSERT_TRUE(use.ok()) << group;
      use->Commit();
    }
    EXPECT_FALSE(ec->premaster_used()) << group;
  }
}

TEST(EphemeralKeyUse, ConcurrentClaimsOfOneDheKeyHaveOneWinner) {
  auto dh = MustCreate(256);
  ASSERT_NE(dh, nullptr);
  std::atomic<int> winners{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto use = EphemeralKeyUse::Claim(*dh);
      if (use.ok()) {
        use->Commit();
        ++winners;
      } else if (use.error() == Error::kBadKeyState) {
        ++refused;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(refused.load(), 7);
}

}  // namespace
}  // namespace opensslp
