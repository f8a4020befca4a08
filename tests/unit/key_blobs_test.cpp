// key_blobs_test.cpp - public-key blob import/export (core/key_blobs.h). Expected key bytes come
// from OpenSSL's own accessors (EVP_PKEY_get_octet_string_param, get_raw_public_key,
// get_bn_param) on the same keys, or from keys OpenSSL generated in the test.
#include <gtest/gtest.h>

#include "support/group_bits.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <vector>

#include "base/groups.h"
#include "core/key_blobs.h"
#include "core/key_exchange.h"
#include "support/bytes.h"

namespace opensslp {
namespace {

using test::ByteVec;

void PutLe32(ByteVec& v, std::uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}
void SetLe32(ByteVec& v, std::size_t offset, std::uint32_t x) {
  for (int i = 0; i < 4; ++i) v[offset + i] = static_cast<std::uint8_t>(x >> (8 * i));
}
void Append(ByteVec& v, const ByteVec& more) { v.insert(v.end(), more.begin(), more.end()); }

ByteVec BnBytes(EVP_PKEY* pkey, const char* name, std::size_t pad = 0) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(pkey, name, &bn), 1);
  ByteVec out(pad != 0 ? pad : static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2binpad(bn, out.data(), static_cast<int>(out.size()));
  BN_free(bn);
  return out;
}

std::shared_ptr<EphemeralKey> Create(std::uint32_t key_type) {
  EphemeralKeyRequest r;
  r.protocol = 0x0304;
  r.key_type = key_type;
  auto key = CreateEphemeralKey(r);
  EXPECT_TRUE(key.ok());
  return key.ok() ? key.value() : nullptr;
}

ByteVec Export(const AsymmetricKey& key, KeyBlobType type) {
  auto blob = ExportPublicKeyBlob(key, type);
  EXPECT_TRUE(blob.ok()) << ErrorName(blob.error());
  return blob.ok() ? blob.value() : ByteVec();
}

Error ImportError(KeyBlobType type, const ByteVec& blob) {
  auto key = ImportPublicKeyBlob(type, blob);
  EXPECT_FALSE(key.ok());
  return key.ok() ? Error::kInternal : key.error();
}

// ---- names -------------------------------------------------------------------------------------

TEST(KeyBlobNames, KnownUnknownAndCase) {
  EXPECT_EQ(ParseKeyBlobType(u"ECCPUBLICBLOB").value(), KeyBlobType::kEccPublic);
  EXPECT_EQ(ParseKeyBlobType(u"SSLECCPUBLICBLOB").value(), KeyBlobType::kSslEccPublic);
  EXPECT_EQ(ParseKeyBlobType(u"DHPUBLICBLOB").value(), KeyBlobType::kDhPublic);
  EXPECT_EQ(ParseKeyBlobType(u"RSAPUBLICBLOB").value(), KeyBlobType::kRsaPublic);
  EXPECT_EQ(ParseKeyBlobType(u"OpaqueKeyBlob").value(), KeyBlobType::kOpaque);
  EXPECT_FALSE(IsPublicKeyBlobType(KeyBlobType::kOpaque));
  EXPECT_FALSE(IsPublicKeyBlobType(KeyBlobType::kEccPrivate));
  for (const char16_t* bad : {u"", u"eccpublicblob", u"ECCPUBLICBLOB ", u"ECCPUBLIC", u"X"})
    EXPECT_EQ(ParseKeyBlobType(bad).error(), Error::kInvalidParameter);
  EXPECT_EQ(ImportPublicKeyBlob(KeyBlobType::kEccPrivate, ByteVec(72)).error(), Error::kNotSupported);
}

// ---- ECC ---------------------------------------------------------------------------------------

TEST(EccBlobs, ExportedPointIsOpensslsPointAndRoundTrips) {
  for (const GroupInfo& g : kGroups) {
    if (g.family != GroupFamily::kNistCurve) continue;
    auto key = Create(g.iana_id);
    ASSERT_NE(key, nullptr);
    ByteVec point(1 + 2 * g.coordinate_bytes);
    std::size_t len = 0;
    ASSERT_EQ(
        EVP_PKEY_get_octet_string_param(key->pkey().get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size(), &len),
        1);
    ASSERT_EQ(len, point.size());
    ASSERT_EQ(point[0], 0x04);

    const ByteVec ecc = Export(*key, KeyBlobType::kEccPublic);
    ByteVec expected_ecc;
    PutLe32(expected_ecc, g.iana_id == 23 ? kEcdhP256Magic : g.iana_id == 24 ? kEcdhP384Magic : kEcdhP521Magic);
    PutLe32(expected_ecc, g.coordinate_bytes);
    expected_ecc.insert(expected_ecc.end(), point.begin() + 1, point.end());
    EXPECT_EQ(ecc, expected_ecc) << g.tls_name;

    const ByteVec ssl = Export(*key, KeyBlobType::kSslEccPublic);
    ByteVec expected_ssl;
    PutLe32(expected_ssl, g.iana_id);
    PutLe32(expected_ssl, g.public_key_bytes);
    Append(expected_ssl, point);
    EXPECT_EQ(ssl, expected_ssl) << g.tls_name;

    for (auto [type, blob] : {std::pair{KeyBlobType::kEccPublic, ecc}, std::pair{KeyBlobType::kSslEccPublic, ssl}}) {
      auto pub = ImportPublicKeyBlob(type, blob);
      ASSERT_TRUE(pub.ok()) << ErrorName(pub.error());
      EXPECT_EQ(pub.value()->Describe().algorithm, u"ECDH");
      EXPECT_EQ(pub.value()->Describe().bits, opensslp_test::IndependentGroupBits(g.iana_id));
      EXPECT_EQ(pub.value()->Describe().key_type, g.iana_id);
      EXPECT_EQ(Export(*pub.value(), KeyBlobType::kEccPublic), ecc);
      EXPECT_EQ(Export(*pub.value(), KeyBlobType::kSslEccPublic), ssl);
    }
  }
}

TEST(EccBlobs, GenericAndEcdsaMagics) {
  for (const GroupInfo& g : kGroups) {
    if (g.family != GroupFamily::kNistCurve) continue;
    auto key = Create(g.iana_id);
    ByteVec blob = Export(*key, KeyBlobType::kEccPublic);
    SetLe32(blob, 0, kEcdhGenericMagic);
    auto generic = ImportPublicKeyBlob(KeyBlobType::kEccPublic, blob);
    ASSERT_TRUE(generic.ok());
    EXPECT_EQ(generic.value()->Describe().key_type, g.iana_id) << "cbKey decides the curve";
    EXPECT_EQ(generic.value()->Describe().algorithm, u"ECDH");

    const std::uint32_t ecdsa_magic = g.iana_id == 23   ? kEcdsaP256Magic
                                      : g.iana_id == 24 ? kEcdsaP384Magic
                                                        : kEcdsaP521Magic;
    for (std::uint32_t magic : {ecdsa_magic, kEcdsaGenericMagic}) {
      SetLe32(blob, 0, magic);
      auto ecdsa = ImportPublicKeyBlob(KeyBlobType::kEccPublic, blob);
      ASSERT_TRUE(ecdsa.ok());
      EXPECT_EQ(ecdsa.value()->Describe().algorithm, u"ECDSA");
      EXPECT_EQ(ecdsa.value()->Describe().key_type, g.iana_id);
      EXPECT_EQ(ecdsa.value()->Describe().bits, opensslp_test::IndependentGroupBits(g.iana_id));
      // Exported again with the specific ECDSA magic.
      ByteVec again = Export(*ecdsa.value(), KeyBlobType::kEccPublic);
      ByteVec want = blob;
      SetLe32(want, 0, ecdsa_magic);
      EXPECT_EQ(again, want);
    }
  }
}

TEST(EccBlobs, MalformedAndInvalidAreBadData) {
  auto key = Create(23);
  const ByteVec good = Export(*key, KeyBlobType::kEccPublic);
  auto err = [](ByteVec blob) { return ImportError(KeyBlobType::kEccPublic, blob); };
  ByteVec v;
  EXPECT_EQ(err({}), Error::kBadData);
  EXPECT_EQ(err(ByteVec(good.begin(), good.begin() + 7)), Error::kBadData) << "short header";
  EXPECT_EQ(err(ByteVec(good.begin(), good.begin() + 8)), Error::kBadData) << "header only";
  EXPECT_EQ(err(ByteVec(good.begin(), good.end() - 1)), Error::kBadData) << "truncated";
  v = good;
  v.push_back(0);
  EXPECT_EQ(err(v), Error::kBadData) << "trailing byte";
  v = good;
  SetLe32(v, 0, kEcdhP384Magic);
  EXPECT_EQ(err(v), Error::kBadData) << "magic says P-384, cbKey 32";
  v = good;
  SetLe32(v, 0, 0x12345678);
  EXPECT_EQ(err(v), Error::kBadData) << "unknown magic";
  v = good;
  SetLe32(v, 0, kDhPublicMagic);
  EXPECT_EQ(err(v), Error::kBadData);
  v = good;
  SetLe32(v, 4, 0xFFFFFFFFu);
  EXPECT_EQ(err(v), Error::kBadData) << "huge cbKey";
  v = good;
  SetLe32(v, 4, 0x80000000u);
  SetLe32(v, 0, kEcdhGenericMagic);
  EXPECT_EQ(err(v), Error::kBadData) << "generic magic, no curve of that size";
  v = good;
  SetLe32(v, 0, kEcdhGenericMagic);
  SetLe32(v, 4, 33);
  EXPECT_EQ(err(v), Error::kBadData);
  v = good;
  v.back() ^= 1;
  EXPECT_EQ(err(v), Error::kBadData) << "point not on the curve";
  v = good;
  std::fill(v.begin() + 8, v.end(), 0);
  EXPECT_EQ(err(v), Error::kBadData) << "(0, 0) / infinity";
  // X = p (out of field range), Y anything.
  v = good;
  std::fill(v.begin() + 8, v.begin() + 40, 0xff);
  EXPECT_EQ(err(v), Error::kBadData);
}

TEST(SslEccBlobs, MalformedAndInvalidAreBadData) {
  auto key = Create(24);
  const ByteVec good = Export(*key, KeyBlobType::kSslEccPublic);
  auto err = [](ByteVec blob) { return ImportError(KeyBlobType::kSslEccPublic, blob); };
  ByteVec v = good;
  v[8] = 0x02;  // compressed-point prefix with an uncompressed length
  EXPECT_EQ(err(v), Error::kBadData);
  v = good;
  v[8] = 0x00;
  EXPECT_EQ(err(v), Error::kBadData);
  v = good;
  SetLe32(v, 0, 23);
  EXPECT_EQ(err(v), Error::kBadData) << "curve type disagrees with cbKey";
  for (std::uint32_t curve : {0u, 22u, 256u, 0xFFFFu}) {
    v = good;
    SetLe32(v, 0, curve);
    EXPECT_EQ(err(v), Error::kBadData) << curve;
  }
  v = good;
  SetLe32(v, 4, 96);
  EXPECT_EQ(err(v), Error::kBadData) << "X||Y without the 04 prefix is not our form";
  // A compressed point (0x02 || X) of the same key is refused: not expressible in our form.
  ByteVec compressed;
  PutLe32(compressed, 24);
  PutLe32(compressed, 49);
  compressed.push_back(0x02);
  compressed.insert(compressed.end(), good.begin() + 9, good.begin() + 9 + 48);
  EXPECT_EQ(err(compressed), Error::kBadData);
  v = good;
  v.push_back(0);
  EXPECT_EQ(err(v), Error::kBadData);
  v = good;
  v.back() ^= 0x10;
  EXPECT_EQ(err(v), Error::kBadData);
}

TEST(SslEccBlobs, MontgomeryKeysRoundTripAndMatchOpenssl) {
  for (std::uint32_t id : {29u, 30u}) {
    const GroupInfo& g = *FindGroup(id);
    auto key = Create(id);
    ByteVec raw(g.coordinate_bytes);
    std::size_t len = raw.size();
    ASSERT_EQ(EVP_PKEY_get_raw_public_key(key->pkey().get(), raw.data(), &len), 1);
    ByteVec expected;
    PutLe32(expected, id);
    PutLe32(expected, g.coordinate_bytes);
    Append(expected, raw);
    const ByteVec blob = Export(*key, KeyBlobType::kSslEccPublic);
    EXPECT_EQ(blob, expected);
    auto pub = ImportPublicKeyBlob(KeyBlobType::kSslEccPublic, blob);
    ASSERT_TRUE(pub.ok());
    EXPECT_EQ(pub.value()->Describe().algorithm, u"ECDH");
    EXPECT_EQ(pub.value()->Describe().key_type, id);
    EXPECT_EQ(pub.value()->Describe().bits, opensslp_test::IndependentGroupBits(g.iana_id));
    EXPECT_EQ(Export(*pub.value(), KeyBlobType::kSslEccPublic), blob);
    // No BCRYPT_ECCPUBLIC_BLOB for Montgomery keys, no DH or RSA blob either.
    for (KeyBlobType t : {KeyBlobType::kEccPublic, KeyBlobType::kDhPublic, KeyBlobType::kRsaPublic})
      EXPECT_EQ(ExportPublicKeyBlob(*key, t).error(), Error::kInvalidParameter);
    // Wrong lengths.
    ByteVec v = blob;
    v.pop_back();
    EXPECT_EQ(ImportError(KeyBlobType::kSslEccPublic, v), Error::kBadData);
    v = blob;
    SetLe32(v, 4, g.coordinate_bytes + 1);
    v.push_back(0);
    EXPECT_EQ(ImportError(KeyBlobType::kSslEccPublic, v), Error::kBadData);
  }
}

TEST(SslEccBlobs, X25519HighBitIsMasked) {
  // RFC 7748 §5: the receiver masks the top bit of the last byte.
  ByteVec blob;
  PutLe32(blob, 29);
  PutLe32(blob, 32);
  for (int i = 0; i < 32; ++i) blob.push_back(static_cast<std::uint8_t>(9 + i));
  blob.back() |= 0x80;
  auto pub = ImportPublicKeyBlob(KeyBlobType::kSslEccPublic, blob);
  ASSERT_TRUE(pub.ok());
  ByteVec masked = blob;
  masked.back() &= 0x7f;
  EXPECT_EQ(Export(*pub.value(), KeyBlobType::kSslEccPublic), masked);
}

// ---- DH ----------------------------------------------------------------------------------------

TEST(DhBlobs, ExportMatchesOpensslAndRoundTrips) {
  for (std::uint32_t id : {256u, 257u}) {
    auto key = Create(id);
    ASSERT_NE(key, nullptr);
    const std::size_t len = FindGroup(id)->coordinate_bytes;
    ByteVec expected;
    PutLe32(expected, kDhPublicMagic);
    PutLe32(expected, static_cast<std::uint32_t>(len));
    Append(expected, BnBytes(key->pkey().get(), OSSL_PKEY_PARAM_FFC_P, len));
    Append(expected, BnBytes(key->pkey().get(), OSSL_PKEY_PARAM_FFC_G, len));
    Append(expected, BnBytes(key->pkey().get(), OSSL_PKEY_PARAM_PUB_KEY, len));
    const ByteVec blob = Export(*key, KeyBlobType::kDhPublic);
    EXPECT_EQ(blob, expected);
    auto pub = ImportPublicKeyBlob(KeyBlobType::kDhPublic, blob);
    ASSERT_TRUE(pub.ok()) << ErrorName(pub.error());
    EXPECT_EQ(pub.value()->Describe().algorithm, u"DH");
    EXPECT_EQ(pub.value()->Describe().bits, 8 * len);
    EXPECT_EQ(pub.value()->Describe().key_type, 0u);
    EXPECT_EQ(Export(*pub.value(), KeyBlobType::kDhPublic), blob);
    EXPECT_EQ(ExportPublicKeyBlob(*key, KeyBlobType::kEccPublic).error(), Error::kInvalidParameter);
    EXPECT_EQ(ExportPublicKeyBlob(*key, KeyBlobType::kSslEccPublic).error(), Error::kInvalidParameter);
  }
}

TEST(DhBlobs, SmallSubgroupAndOutOfRangeValuesAreRejected) {
  auto key = Create(256);  // ffdhe2048
  const ByteVec good = Export(*key, KeyBlobType::kDhPublic);
  const std::size_t len = 256;
  const ByteVec p(good.begin() + 8, good.begin() + 8 + len);
  auto with_y = [&](const ByteVec& y) {
    ByteVec v(good.begin(), good.begin() + 8 + 2 * len);
    Append(v, y);
    return ImportError(KeyBlobType::kDhPublic, v);
  };
  ByteVec zero(len, 0), one(len, 0), p_minus_1 = p, p_minus_2 = p, all_ff(len, 0xff);
  one.back() = 1;
  p_minus_1.back() -= 1;  // p is odd: no borrow
  p_minus_2.back() -= 2;  // p ends in ...ff: no borrow
  ASSERT_EQ(p.back(), 0xff);
  EXPECT_EQ(with_y(zero), Error::kBadData) << "y = 0";
  EXPECT_EQ(with_y(one), Error::kBadData) << "y = 1";
  EXPECT_EQ(with_y(p_minus_1), Error::kBadData) << "y = p-1 (order 2)";
  EXPECT_EQ(with_y(p), Error::kBadData) << "y = p";
  EXPECT_EQ(with_y(all_ff), Error::kBadData) << "y > p";
  // p-2 = -2 mod p is in range but, p being 7 mod 8 for the RFC 7919 primes, -2 is a quadratic
  // non-residue: its order is 2q, not q, so y^q = -1 != 1 (RFC 7919 §5.1 check).
  EXPECT_EQ(p[len - 1] & 7, 7);
  EXPECT_EQ(with_y(p_minus_2), Error::kBadData) << "y = p-2 (order 2q)";
  // y = 4 = 2^2 is in the subgroup generated by g = 2: accepted.
  ByteVec four(len, 0);
  four.back() = 4;
  ByteVec v(good.begin(), good.begin() + 8 + 2 * len);
  Append(v, four);
  EXPECT_TRUE(ImportPublicKeyBlob(KeyBlobType::kDhPublic, v).ok());
}

TEST(DhBlobs, MalformedAreBadData) {
  auto key = Create(256);
  const ByteVec good = Export(*key, KeyBlobType::kDhPublic);
  auto err = [](ByteVec blob) { return ImportError(KeyBlobType::kDhPublic, blob); };
  ByteVec v = good;
  SetLe32(v, 0, 0x4d504844);  // parameters magic
  EXPECT_EQ(err(v), Error::kBadData);
  v = good;
  v.pop_back();
  EXPECT_EQ(err(v), Error::kBadData);
  v = good;
  v.push_back(1);
  EXPECT_EQ(err(v), Error::kBadData);
  for (std::uint32_t cb : {0u, 128u, 255u, 257u, 1025u, 0x55555556u, 0xFFFFFFFFu}) {
    v = good;
    SetLe32(v, 4, cb);
    EXPECT_EQ(err(v), Error::kBadData) << cb;
  }
  v = good;
  v[8 + 255] ^= 1;  // p even
  EXPECT_EQ(err(v), Error::kBadData);
  v = good;
  v[8] = 0;  // p with a leading zero byte
  EXPECT_EQ(err(v), Error::kBadData);
  for (std::uint8_t g_last : {0, 1}) {
    v = good;
    std::fill(v.begin() + 8 + 256, v.begin() + 8 + 512, 0);
    v[8 + 511] = g_last;
    EXPECT_EQ(err(v), Error::kBadData) << "g = " << int(g_last);
  }
  EXPECT_EQ(err(ByteVec(good.begin(), good.begin() + 4)), Error::kBadData);
}

// ---- RSA ---------------------------------------------------------------------------------------

ByteVec RsaBlob(const ByteVec& e, const ByteVec& n, std::uint32_t bits) {
  ByteVec blob;
  PutLe32(blob, kRsaPublicMagic);
  PutLe32(blob, bits);
  PutLe32(blob, static_cast<std::uint32_t>(e.size()));
  PutLe32(blob, static_cast<std::uint32_t>(n.size()));
  PutLe32(blob, 0);
  PutLe32(blob, 0);
  Append(blob, e);
  Append(blob, n);
  return blob;
}

TEST(RsaBlobs, OpensslKeyImportsAndRoundTrips) {
  EVP_PKEY* rsa = EVP_RSA_gen(2048);
  ASSERT_NE(rsa, nullptr);
  const ByteVec n = BnBytes(rsa, OSSL_PKEY_PARAM_RSA_N), e = BnBytes(rsa, OSSL_PKEY_PARAM_RSA_E);
  const ByteVec blob = RsaBlob(e, n, 2048);
  auto pub = ImportPublicKeyBlob(KeyBlobType::kRsaPublic, blob);
  ASSERT_TRUE(pub.ok()) << ErrorName(pub.error());
  EXPECT_EQ(pub.value()->Describe().algorithm, u"RSA");
  EXPECT_EQ(pub.value()->Describe().bits, 2048u);
  EXPECT_EQ(pub.value()->Describe().key_type, 0u);
  EXPECT_EQ(EVP_PKEY_eq(pub.value()->pkey().get(), rsa), 1) << "same public key as OpenSSL's";
  EXPECT_EQ(Export(*pub.value(), KeyBlobType::kRsaPublic), blob);
  for (KeyBlobType t : {KeyBlobType::kEccPublic, KeyBlobType::kSslEccPublic, KeyBlobType::kDhPublic})
    EXPECT_EQ(ExportPublicKeyBlob(*pub.value(), t).error(), Error::kInvalidParameter);

  auto err = [](ByteVec b) { return ImportError(KeyBlobType::kRsaPublic, b); };
  ByteVec v = blob;
  SetLe32(v, 0, 0x32415352);  // BCRYPT_RSAPRIVATE_MAGIC
  EXPECT_EQ(err(v), Error::kBadData);
  v = blob;
  SetLe32(v, 4, 2047);
  EXPECT_EQ(err(v), Error::kBadData) << "BitLength disagrees";
  v = blob;
  SetLe32(v, 16, 1);
  EXPECT_EQ(err(v), Error::kBadData) << "cbPrime1";
  v = blob;
  v.push_back(0);
  EXPECT_EQ(err(v), Error::kBadData) << "trailing";
  v = blob;
  v.pop_back();
  EXPECT_EQ(err(v), Error::kBadData) << "truncated";
  v = blob;
  SetLe32(v, 12, 0xFFFFFFF0u);
  EXPECT_EQ(err(v), Error::kBadData) << "huge cbModulus";
  ByteVec even_n = n;
  even_n.back() &= 0xfe;
  EXPECT_EQ(err(RsaBlob(e, even_n, 2048)), Error::kBadData) << "even modulus";
  EXPECT_EQ(err(RsaBlob({1}, n, 2048)), Error::kBadData) << "e = 1";
  EXPECT_EQ(err(RsaBlob({0x01, 0x00, 0x00}, n, 2048)), Error::kBadData) << "e even";
  EXPECT_EQ(err(RsaBlob({0x00, 0x01, 0x00, 0x01}, n, 2048)), Error::kBadData) << "leading zero in e";
  EXPECT_EQ(err(RsaBlob(ByteVec(9, 0x01), n, 2048)), Error::kBadData) << "e longer than 8 bytes";
  ByteVec padded_n = n;
  padded_n.insert(padded_n.begin(), 0);
  EXPECT_EQ(err(RsaBlob(e, padded_n, 2048)), Error::kBadData) << "leading zero in n";
  ByteVec small_n(127, 0xff);
  EXPECT_EQ(err(RsaBlob(e, small_n, 1016)), Error::kBadData) << "< 1024 bits";
  EVP_PKEY_free(rsa);
}

TEST(RsaBlobs, SmallestAndExponentThree) {
  // A 1024-bit modulus with e = 3 is at the edge of the policy: accepted.
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  ASSERT_EQ(EVP_PKEY_keygen_init(ctx), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 1024), 1);
  BIGNUM* three = BN_new();
  BN_set_word(three, 3);
  ASSERT_EQ(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, three), 1);
  EVP_PKEY* rsa = nullptr;
  ASSERT_EQ(EVP_PKEY_generate(ctx, &rsa), 1);
  auto pub = ImportPublicKeyBlob(KeyBlobType::kRsaPublic, RsaBlob({3}, BnBytes(rsa, OSSL_PKEY_PARAM_RSA_N), 1024));
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(pub.value()->Describe().bits, 1024u);
  BN_free(three);
  EVP_PKEY_free(rsa);
  EVP_PKEY_CTX_free(ctx);
}

// ---- robustness --------------------------------------------------------------------------------

TEST(KeyBlobs, MutatedBlobsAreAcceptedOrBadDataNeverAnythingElse) {
  // Deterministic mutations (xorshift) of one good blob per format: byte flips, truncation,
  // extension, and header words set to edge values. Every result is a key or kBadData.
  auto rsa = EVP_RSA_gen(1024);
  ASSERT_NE(rsa, nullptr);
  const ByteVec n = BnBytes(rsa, OSSL_PKEY_PARAM_RSA_N), e = BnBytes(rsa, OSSL_PKEY_PARAM_RSA_E);
  EVP_PKEY_free(rsa);
  ByteVec rsa_blob;
  PutLe32(rsa_blob, kRsaPublicMagic);
  PutLe32(rsa_blob, 1024);
  PutLe32(rsa_blob, static_cast<std::uint32_t>(e.size()));
  PutLe32(rsa_blob, static_cast<std::uint32_t>(n.size()));
  PutLe32(rsa_blob, 0);
  PutLe32(rsa_blob, 0);
  Append(rsa_blob, e);
  Append(rsa_blob, n);
  auto p256 = Create(23), x448 = Create(30), dh = Create(256);
  const std::pair<KeyBlobType, ByteVec> seeds[] = {
      {KeyBlobType::kEccPublic, Export(*p256, KeyBlobType::kEccPublic)},
      {KeyBlobType::kSslEccPublic, Export(*p256, KeyBlobType::kSslEccPublic)},
      {KeyBlobType::kSslEccPublic, Export(*x448, KeyBlobType::kSslEccPublic)},
      {KeyBlobType::kDhPublic, Export(*dh, KeyBlobType::kDhPublic)},
      {KeyBlobType::kRsaPublic, rsa_blob},
  };
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&]() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const std::uint32_t edges[] = {0, 1, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFFu, 32, 65, 256};
  int accepted = 0, refused = 0;
  for (const auto& [type, seed] : seeds) {
    for (int i = 0; i < 300; ++i) {
      ByteVec v = seed;
      switch (next() % 4) {
        case 0: v[next() % v.size()] ^= static_cast<std::uint8_t>(1u << (next() % 8)); break;
        case 1: v.resize(next() % v.size()); break;
        case 2: v.resize(v.size() + 1 + next() % 8, static_cast<std::uint8_t>(next())); break;
        case 3:
          SetLe32(v, 4 * (next() % (v.size() >= 24 && type == KeyBlobType::kRsaPublic ? 6 : 2)), edges[next() % 8]);
          break;
      }
      auto key = ImportPublicKeyBlob(type, v);
      if (key.ok()) {
        ++accepted;
      } else {
        ++refused;
        EXPECT_EQ(key.error(), Error::kBadData);
      }
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_GT(accepted, 0) << "some flips (e.g. in an RSA modulus or X448 key) still give keys";
}

}  // namespace
}  // namespace opensslp
