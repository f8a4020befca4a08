// keys_exports_test.cpp - SslCreateEphemeralKey, SslImportKey and SslExportKey through the
// exported API only: every group, every blob format, the size-query convention, key properties,
// and a "safety" block per export covering each argument.
#include <gtest/gtest.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <cstring>
#include <string>
#include <vector>

#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/bytes.h"
#include "support/provider_support.h"
#include "support/wide.h"

namespace {

using opensslp_test::OpenProvider;

using opensslp::test::ByteVec;

constexpr char16_t kOurName[] = u"OpenSSLP Protocol Provider";
constexpr DWORD kTls12 = TLS1_2_PROTOCOL_VERSION;
constexpr DWORD kSuite = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
constexpr DWORD kDhSuite = TLS_DHE_RSA_WITH_AES_128_GCM_SHA256;
constexpr NCRYPT_KEY_HANDLE kSentinel = 0x5a5a;

// Blob-type names as u"..." so that they work on Windows (L"...") and elsewhere.
const char16_t kEcc[] = u"ECCPUBLICBLOB";
const char16_t kSslEcc[] = u"SSLECCPUBLICBLOB";
const char16_t kDh[] = u"DHPUBLICBLOB";
const char16_t kRsa[] = u"RSAPUBLICBLOB";

struct Curve {
  DWORD id, bits, coordinate, public_bytes, ecdh_magic;
};
const Curve kCurves[] = {
    {23, 256, 32, 65, 0x314B4345}, {24, 384, 48, 97, 0x334B4345}, {25, 521, 66, 133, 0x354B4345},
    {29, 255, 32, 32, 0},          {30, 448, 56, 56, 0},
};

void PutLe32(ByteVec& v, std::uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}
void SetLe32(ByteVec& v, std::size_t offset, std::uint32_t x) {
  for (int i = 0; i < 4; ++i) v[offset + i] = static_cast<std::uint8_t>(x >> (8 * i));
}
std::uint32_t GetLe32(const ByteVec& v, std::size_t offset) {
  return std::uint32_t{v[offset]} | (std::uint32_t{v[offset + 1]} << 8) | (std::uint32_t{v[offset + 2]} << 16) |
         (std::uint32_t{v[offset + 3]} << 24);
}

NCRYPT_KEY_HANDLE Create(NCRYPT_PROV_HANDLE prov, DWORD key_type, DWORD bits = 0, ByteVec params = {},
                         DWORD suite = kSuite) {
  NCRYPT_KEY_HANDLE key = 0;
  EXPECT_EQ(SslCreateEphemeralKey(prov, &key, kTls12, suite, key_type, bits, params.empty() ? nullptr : params.data(),
                                  static_cast<DWORD>(params.size()), 0),
            0)
      << "key type " << key_type << " bits " << bits;
  return key;
}

// Exports with the size query first, then into an exactly sized buffer.
ByteVec Export(NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE key, const char16_t* type) {
  DWORD size = 0;
  EXPECT_EQ(SslExportKey(prov, key, W(type), nullptr, 0, &size, 0), 0);
  ByteVec out(size);
  DWORD written = 0;
  EXPECT_EQ(SslExportKey(prov, key, W(type), out.data(), size, &written, 0), 0);
  EXPECT_EQ(written, size);
  return out;
}

NCRYPT_KEY_HANDLE Import(NCRYPT_PROV_HANDLE prov, const char16_t* type, ByteVec blob) {
  NCRYPT_KEY_HANDLE key = 0;
  EXPECT_EQ(SslImportKey(prov, &key, W(type), blob.data(), static_cast<DWORD>(blob.size()), 0), 0);
  return key;
}

SECURITY_STATUS ImportStatus(NCRYPT_PROV_HANDLE prov, const char16_t* type, ByteVec blob) {
  NCRYPT_KEY_HANDLE key = kSentinel;
  SECURITY_STATUS s = SslImportKey(prov, &key, W(type), blob.data(), static_cast<DWORD>(blob.size()), 0);
  if (s == 0) {
    SslFreeObject(key, 0);
  } else {
    EXPECT_EQ(key, kSentinel) << "no output on failure";
  }
  return s;
}

DWORD DwordProperty(NCRYPT_KEY_HANDLE key, const char16_t* name) {
  PBYTE out = nullptr;
  DWORD size = 0;
  EXPECT_EQ(SslGetKeyProperty(key, W(name), &out, &size, 0), 0);
  DWORD value = 0xFFFFFFFF;
  if (out != nullptr && size == sizeof(DWORD)) std::memcpy(&value, out, sizeof value);
  EXPECT_EQ(SslFreeBuffer(out), 0);
  return value;
}

std::u16string StringProperty(NCRYPT_KEY_HANDLE key, const char16_t* name) {
  PBYTE out = nullptr;
  DWORD size = 0;
  EXPECT_EQ(SslGetKeyProperty(key, W(name), &out, &size, 0), 0);
  std::u16string value = out != nullptr ? ToU16(reinterpret_cast<const WCHAR*>(out)) : std::u16string();
  EXPECT_EQ(size, 2 * (value.size() + 1));
  EXPECT_EQ(SslFreeBuffer(out), 0);
  return value;
}

void ExpectDescription(NCRYPT_KEY_HANDLE key, const char16_t* algorithm, DWORD bits, DWORD key_type) {
  EXPECT_EQ(StringProperty(key, u"Algorithm Name"), algorithm);
  EXPECT_EQ(DwordProperty(key, u"Length"), bits);
  EXPECT_EQ(DwordProperty(key, u"KEYTYPE"), key_type);
}

// BCRYPT_DH_PARAMETER_HEADER || p || g, from a DH public blob (magic, cbKey, p, g, y).
ByteVec DhParamsFromPublicBlob(const ByteVec& blob, const ByteVec* replace_g = nullptr) {
  const std::uint32_t cb = GetLe32(blob, 4);
  ByteVec params;
  PutLe32(params, 12 + 2 * cb);
  PutLe32(params, 0x4d504844);
  PutLe32(params, cb);
  params.insert(params.end(), blob.begin() + 8, blob.begin() + 8 + cb);
  if (replace_g != nullptr) {
    params.insert(params.end(), replace_g->begin(), replace_g->end());
  } else {
    params.insert(params.end(), blob.begin() + 8 + cb, blob.begin() + 8 + 2 * cb);
  }
  return params;
}

// ---- SslCreateEphemeralKey ---------------------------------------------------------------------

TEST(SslCreateEphemeralKey, Tls13SuitesTakeAnyGroup) {
  NCRYPT_PROV_HANDLE prov = OpenProvider();
  for (DWORD group : {DWORD{23}, DWORD{29}, DWORD{30}, DWORD{256}}) {
    NCRYPT_KEY_HANDLE key = 0;
    EXPECT_EQ(
        SslCreateEphemeralKey(prov, &key, TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256, group, 0, nullptr, 0, 0), 0)
        << group;
    EXPECT_EQ(SslFreeObject(key, 0), 0);
  }
  NCRYPT_KEY_HANDLE key = 0;
  EXPECT_EQ(SslCreateEphemeralKey(prov, &key, TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256, 0, 0, nullptr, 0, 0),
            NTE_INVALID_PARAMETER)
      << "TLS 1.3 always names the group";
  EXPECT_EQ(key, 0u);
  EXPECT_EQ(SslFreeObject(prov, 0), 0);
}

TEST(SslCreateEphemeralKey, EveryCurvePropertiesAndExport) {
  NCRYPT_PROV_HANDLE prov = OpenProvider();
  for (const Curve& c : kCurves) {
    for (DWORD bits : {DWORD{0}, c.bits}) {
      NCRYPT_KEY_HANDLE key = Create(prov, c.id, bits);
      ASSERT_NE(key, 0u);
      ExpectDescription(key, u"ECDH", c.bits, c.id);
      const ByteVec ssl = Export(prov, key, kSslEcc);
      ASSERT_EQ(ssl.size(), 8 + c.public_bytes);
      EXPECT_EQ(GetLe32(ssl, 0), c.id);
      EXPECT_EQ(GetLe32(ssl, 4), c.public_bytes);
      if (c.ecdh_magic != 0) {
        EXPECT_EQ(ssl[8], 0x04) << "uncompressed point";
        const ByteVec ecc = Export(prov, key, kEcc);
        ASSERT_EQ(ecc.size(), 8 + 2 * c.coordinate);
        EXPECT_EQ(GetLe32(ecc, 0), c.ecdh_magic);
        EXPECT_EQ(GetLe32(ecc, 4), c.coordinate);
        EXPECT_TRUE(std::equal(ecc.begin() + 8, ecc.end(), ssl.begin() + 9)) << "same X||Y in both formats";
      } else {
        DWORD size = 0;
        EXPECT_EQ(SslExportKey(prov, key, W(kEcc), nullptr, 0, &size, 0), NTE_INVALID_PARAMETER)
            << "no BCRYPT_ECCPUBLIC_BLOB for X25519/X448";
      }
      DWORD size = 0;
      EXPECT_EQ(SslExportKey(prov, key, W(kDh), nullptr, 0, &size, 0), NTE_INVALID_PARAMETER);
      EXPECT_EQ(SslExportKey(prov, key, W(kRsa), nullptr, 0, &size, 0), NTE_INVALID_PARAMETER);
      EXPECT_EQ(SslFreeObject(key, 0), 0);
    }
  }
  EXPECT_EQ(SslFreeObject(prov, 0), 0);
}

TEST(SslCreateEphemeralKey, FfdheAndCustomParameters) {
  NCRYPT_PROV_HANDLE prov = OpenProvider();
  struct Case {
    DWORD key_type, bits, expected_bits;
  };
  for (const Case& c : {Case{256, 0, 2048}, Case{257, 3072, 3072}, Case{0, 0, 2048}, Case{0, 4096, 4096}}) {
    NCRYPT_KEY_HANDLE key = Create(prov, c.key_type, c.bits, {}, kDhSuite);
    ASSERT_NE(key, 0u);
    ExpectDescription(key, u"DH", c.expected_bits, 0);
    const ByteVec blob = Export(prov, key, kDh);
    ASSERT_EQ(blob.size(), 8 + 3 * (c.expected_bits / 8));
    EXPECT_EQ(GetLe32(blob, 0), 0x42504844u);
    EXPECT_EQ(GetLe32(blob, 4), c.expected_bits / 8);
    DWORD size = 0;
    EXPECT_EQ(SslExportKey(prov, key, W(kEcc), nullptr, 0, &size, 0), NTE_INVALID_PARAMETER);
    EXPECT_EQ(SslExportKey(prov, key, W(kSslEcc), nullptr, 0, &size, 0), NTE_INVALID_PARAMETER);
    EXPECT_EQ(SslFreeObject(key, 0), 0);
  }
  // Caller-supplied p and g: ffdhe2048's p with g = 2 (recognised) and with g = 5 (not a named
  // group).
  NCRYPT_KEY_HANDLE named = Create(prov, 256, 0, {}, kDhSuite);
  const ByteVec named_blob = Export(prov, named, kDh);
  ByteVec g5(256, 0);
  g5.back() = 5;
  for (const ByteVec& params : {DhParamsFromPublicBlob(named_blob), DhParamsFromPublicBlob(named_blob, &g5)}) {
    NCRYPT_KEY_HANDLE key = Create(prov, 0, 0, params, kDhSuite);
    ASSERT_NE(key, 0u);
    ExpectDescription(key, u"DH", 2048, 0);
    const ByteVec blob = Export(prov, key, kDh);
    EXPECT_TRUE(std::equal(params.begin() + 12, params.end(), blob.begin() + 8)) << "p and g as given";
    EXPECT_EQ(SslFreeObject(key, 0), 0);
  }
  EXPECT_EQ(SslFreeObject(named, 0), 0);
  EXPECT_EQ(SslFreeObject(prov, 0), 0);
}

TEST(SslCreateEphemeralKeySafety, EveryArgument) {
  NCRYPT_PROV_HANDLE prov = OpenProvider();
  NCRYPT_KEY_HANDLE key = kSentinel;
  // Provider handle: zero, a key handle, a stale provider.
  EXPECT_EQ(SslCreateEphemeralKey(0, &key, kTls12, kSuite, 23, 256, nullptr, 0, 0), NTE_INVALID_HANDLE);
  NCRYPT_KEY_HANDLE other = Create(prov, 23);
  EXPECT_EQ(SslCreateEphemeralKey(other, &key, kTls12, kSuite, 23, 256, nullptr, 0, 0), NTE_INVALID_HANDLE);
  NCRYPT_PROV_HANDLE stale = OpenProvider();
  EXPECT_EQ(SslFreeObject(stale, 0), 0);
  EXPECT_EQ(SslCreateEphemeralKey(stale, &key, kTls12, kSuite, 23, 256, nullptr, 0, 0), NTE_INVALID_HANDLE);
  // Output pointer.
  EXPECT_EQ(SslCreateEphemeralKey(prov, nullptr, kTls12, kSuite, 23, 256, nullptr, 0, 0), NTE_INVALID_PARAMETER);
  // Flags (all reserved).
  for (DWORD flags : {DWORD{1}, DWORD{NCRYPT_SSL_SERVER_FLAG}, DWORD{0x80000000u}})
    EXPECT_EQ(SslCreateEphemeralKey(prov, &key, kTls12, kSuite, 23, 256, nullptr, 0, flags), NTE_BAD_FLAGS);
  // Protocols outside TLS 1.0..1.3.
  for (DWORD protocol : {DWORD{0}, DWORD{SSL2_PROTOCOL_VERSION}, DWORD{SSL3_PROTOCOL_VERSION}, DWORD{0x0305},
                         DWORD{DTLS1_2_PROTOCOL_VERSION}, DWORD{0xFFFFFFFFu}})
    EXPECT_EQ(SslCreateEphemeralKey(prov, &key, protocol, kSuite, 23, 256, nullptr, 0, 0), NTE_NOT_SUPPORTED)
        << protocol;
  // Groups we do not have.
  for (DWORD type : {DWORD{22}, DWORD{26}, DWORD{0xFFFF}, DWORD{0xFFFFFFFFu}})
    EXPECT_EQ(SslCreateEphemeralKey(prov, &key, kTls12, kSuite, type, 0, nullptr, 0, 0), NTE_NOT_SUPPORTED) << type;
  // The suite must be one we offer for the protocol, and must use an ephemeral key of this kind.
  for (DWORD suite : {DWORD{0}, DWORD{TLS_RSA_WITH_RC4_128_SHA}, DWORD{TLS_RSA_WITH_3DES_EDE_CBC_SHA}, DWORD{0x1234}})
    EXPECT_EQ(SslCreateEphemeralKey(prov, &key, kTls12, suite, 23, 256, nullptr, 0, 0), NTE_NOT_SUPPORTED) << suite;
  EXPECT_EQ(SslCreateEphemeralKey(prov, &key, TLS1_0_PROTOCOL_VERSION, kSuite, 23, 256, nullptr, 0, 0),
            NTE_NOT_SUPPORTED)
      << "a GCM suite is not a TLS 1.0 suite";
  EXPECT_EQ(SslCreateEphemeralKey(prov, &key, kTls12, TLS_AES_128_GCM_SHA256, 23, 256, nullptr, 0, 0),
            NTE_NOT_SUPPORTED)
      << "a TLS 1.3 suite is not a TLS 1.2 suite";
  EXPECT_EQ(SslCreateEphemeralKey(prov, &key, kTls12, kDhSuite, 23, 256, nullptr, 0, 0), NTE_INVALID_PARAMETER)
      << "a curve for a DHE suite";
  EXPECT_EQ(SslCreateEphemeralKey(prov, &key, kTls12, kSuite, 256, 0, nullptr, 0, 0), NTE_INVALID_PARAMETER)
      << "an ffdhe group for an ECDHE suite";
  EXPECT_EQ(SslCreateEphemeralKey(prov, &key, kTls12, kSuite, 0, 2048, nullptr, 0, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslCreateEphemeralKey(prov, &key, kTls12, TLS_RSA_WITH_AES_128_GCM_SHA256, 23, 256, nullptr, 0, 0),
            NTE_INVALID_PARAMETER)
      << "RSA key transport has no ephemeral key";
  EXPECT_EQ(SslCreateEphemeralKey(prov, &key, kTls12, TLS_PSK_WITH_AES_128_GCM_SHA256, 23, 256, nullptr, 0, 0),
            NTE_INVALID_PARAMETER);
  EXPECT_EQ(key, kSentinel) << "no handle on failure";
  // Key sizes that do not fit the group.
  EXPECT_EQ(SslCreateEphemeralKey(prov, &key, kTls12, kSuite, 23, 384, nullptr, 0, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslCreateEphemeralKey(prov, &key, kTls12, kDhSuite, 0, 1024, nullptr, 0, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslCreateEphemeralKey(prov, &key, kTls12, kDhSuite, 0, 12345, nullptr, 0, 0), NTE_INVALID_PARAMETER);
  // Parameter pointer and length must agree; no parameters for a curve.
  BYTE junk[64] = {};
  EXPECT_EQ(SslCreateEphemeralKey(prov, &key, kTls12, kDhSuite, 0, 0, junk, 0, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslCreateEphemeralKey(prov, &key, kTls12, kDhSuite, 0, 0, nullptr, 64, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslCreateEphemeralKey(prov, &key, kTls12, kSuite, 23, 0, junk, sizeof junk, 0), NTE_INVALID_PARAMETER);
  // Malformed DH parameters: zeros, a header only, a huge cbKeyLength, bad magic.
  EXPECT_EQ(SslCreateEphemeralKey(prov, &key, kTls12, kDhSuite, 0, 0, junk, sizeof junk, 0), NTE_INVALID_PARAMETER);
  ByteVec header;
  PutLe32(header, 12);
  PutLe32(header, 0x4d504844);
  PutLe32(header, 0);
  EXPECT_EQ(SslCreateEphemeralKey(prov, &key, kTls12, kDhSuite, 0, 0, header.data(), 12, 0), NTE_INVALID_PARAMETER);
  SetLe32(header, 8, 0xFFFFFFFFu);
  EXPECT_EQ(SslCreateEphemeralKey(prov, &key, kTls12, kDhSuite, 0, 0, header.data(), 12, 0), NTE_INVALID_PARAMETER);
  NCRYPT_KEY_HANDLE named = Create(prov, 256, 0, {}, kDhSuite);
  ByteVec params = DhParamsFromPublicBlob(Export(prov, named, kDh));
  SetLe32(params, 4, 0x42504844);
  EXPECT_EQ(
      SslCreateEphemeralKey(prov, &key, kTls12, kDhSuite, 0, 0, params.data(), static_cast<DWORD>(params.size()), 0),
      NTE_INVALID_PARAMETER);
  SetLe32(params, 4, 0x4d504844);
  EXPECT_EQ(SslCreateEphemeralKey(prov, &key, kTls12, kDhSuite, 0, 0, params.data(),
                                  static_cast<DWORD>(params.size() - 1), 0),
            NTE_INVALID_PARAMETER)
      << "truncated";
  EXPECT_EQ(key, kSentinel) << "no output on failure";
  EXPECT_EQ(SslFreeObject(named, 0), 0);
  EXPECT_EQ(SslFreeObject(other, 0), 0);
  EXPECT_EQ(SslFreeObject(prov, 0), 0);
}

// ---- SslExportKey ------------------------------------------------------------------------------

TEST(SslExportKey, SizeQueryTooSmallAndExact) {
  NCRYPT_PROV_HANDLE prov = OpenProvider();
  NCRYPT_KEY_HANDLE key = Create(prov, 24);
  DWORD size = 0;
  ASSERT_EQ(SslExportKey(prov, key, W(kEcc), nullptr, 0, &size, 0), 0);
  EXPECT_EQ(size, 8u + 96u);
  ByteVec buf(size + 10, 0xcc);
  DWORD got = 0;
  EXPECT_EQ(SslExportKey(prov, key, W(kEcc), buf.data(), size - 1, &got, 0), NTE_BUFFER_TOO_SMALL);
  EXPECT_EQ(got, size) << "required size reported";
  EXPECT_EQ(buf[0], 0xcc) << "nothing written";
  got = 0;
  EXPECT_EQ(SslExportKey(prov, key, W(kEcc), buf.data(), 0, &got, 0), NTE_BUFFER_TOO_SMALL);
  EXPECT_EQ(got, size);
  got = 0;
  ASSERT_EQ(SslExportKey(prov, key, W(kEcc), buf.data(), static_cast<DWORD>(buf.size()), &got, 0), 0);
  EXPECT_EQ(got, size) << "a larger buffer gets the exact size";
  EXPECT_EQ(buf[size], 0xcc) << "nothing written past the blob";
  // The same with the size query over-sized cbOutput (ignored when pbOutput is NULL).
  got = 0;
  EXPECT_EQ(SslExportKey(prov, key, W(kEcc), nullptr, 1000, &got, 0), 0);
  EXPECT_EQ(got, size);
  EXPECT_EQ(SslFreeObject(key, 0), 0);
  EXPECT_EQ(SslFreeObject(prov, 0), 0);
}

TEST(SslExportKeySafety, EveryArgument) {
  NCRYPT_PROV_HANDLE prov = OpenProvider();
  NCRYPT_KEY_HANDLE key = Create(prov, 23);
  BYTE buf[512];
  DWORD size = 77;
  // Provider handle.
  EXPECT_EQ(SslExportKey(0, key, W(kEcc), buf, sizeof buf, &size, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExportKey(key, key, W(kEcc), buf, sizeof buf, &size, 0), NTE_INVALID_HANDLE) << "key as provider";
  // Key handle: zero, a provider, unknown, stale.
  EXPECT_EQ(SslExportKey(prov, 0, W(kEcc), buf, sizeof buf, &size, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExportKey(prov, prov, W(kEcc), buf, sizeof buf, &size, 0), NTE_INVALID_HANDLE) << "provider as key";
  EXPECT_EQ(SslExportKey(prov, 0xdeadbeef, W(kEcc), buf, sizeof buf, &size, 0), NTE_INVALID_HANDLE);
  NCRYPT_KEY_HANDLE stale = Create(prov, 23);
  EXPECT_EQ(SslFreeObject(stale, 0), 0);
  EXPECT_EQ(SslExportKey(prov, stale, W(kEcc), buf, sizeof buf, &size, 0), NTE_INVALID_HANDLE);
  // pcbResult, flags, blob type.
  EXPECT_EQ(SslExportKey(prov, key, W(kEcc), buf, sizeof buf, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExportKey(prov, key, W(kEcc), nullptr, 0, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExportKey(prov, key, W(kEcc), buf, sizeof buf, &size, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(SslExportKey(prov, key, W(kEcc), buf, sizeof buf, &size, 0x80000000u), NTE_BAD_FLAGS);
  EXPECT_EQ(SslExportKey(prov, key, nullptr, buf, sizeof buf, &size, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExportKey(prov, key, W(u"NOSUCHBLOB"), buf, sizeof buf, &size, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExportKey(prov, key, W(u"eccpublicblob"), buf, sizeof buf, &size, 0), NTE_INVALID_PARAMETER);
  std::u16string huge(10000, u'E');
  EXPECT_EQ(SslExportKey(prov, key, W(huge.c_str()), buf, sizeof buf, &size, 0), NTE_INVALID_PARAMETER);
  // Private halves and the opaque session-key blob are not exported.
  for (const char16_t* type : {u"ECCPRIVATEBLOB", u"DHPRIVATEBLOB", u"RSAPRIVATEBLOB", u"OpaqueKeyBlob"})
    EXPECT_EQ(SslExportKey(prov, key, W(type), buf, sizeof buf, &size, 0), NTE_NOT_SUPPORTED) << ToAscii(W(type));
  EXPECT_EQ(size, 77u) << "no size written on failure";
  EXPECT_EQ(SslFreeObject(key, 0), 0);
  EXPECT_EQ(SslFreeObject(prov, 0), 0);
}

// ---- SslImportKey ------------------------------------------------------------------------------

TEST(SslImportKey, EveryFormatRoundTrips) {
  NCRYPT_PROV_HANDLE prov = OpenProvider();
  for (const Curve& c : kCurves) {
    NCRYPT_KEY_HANDLE mine = Create(prov, c.id);
    for (const char16_t* type : {kSslEcc, kEcc}) {
      if (c.ecdh_magic == 0 && type == kEcc) continue;
      const ByteVec blob = Export(prov, mine, type);
      NCRYPT_KEY_HANDLE pub = Import(prov, type, blob);
      ASSERT_NE(pub, 0u);
      ExpectDescription(pub, u"ECDH", c.bits, c.id);
      EXPECT_EQ(Export(prov, pub, type), blob) << "export of an imported key in its own format";
      EXPECT_EQ(SslFreeObject(pub, 0), 0);
      EXPECT_EQ(DwordProperty(mine, u"KEYTYPE"), c.id) << "the ephemeral key is unaffected";
    }
    EXPECT_EQ(SslFreeObject(mine, 0), 0);
  }
  // ECDSA-tagged ECC blob.
  NCRYPT_KEY_HANDLE p256 = Create(prov, 23);
  ByteVec ecdsa = Export(prov, p256, kEcc);
  SetLe32(ecdsa, 0, 0x31534345);  // BCRYPT_ECDSA_PUBLIC_P256_MAGIC
  NCRYPT_KEY_HANDLE ecdsa_key = Import(prov, kEcc, ecdsa);
  ExpectDescription(ecdsa_key, u"ECDSA", 256, 23);
  EXPECT_EQ(Export(prov, ecdsa_key, kEcc), ecdsa);
  EXPECT_EQ(SslFreeObject(ecdsa_key, 0), 0);
  EXPECT_EQ(SslFreeObject(p256, 0), 0);
  // DH.
  NCRYPT_KEY_HANDLE dh = Create(prov, 256, 0, {}, kDhSuite);
  const ByteVec dh_blob = Export(prov, dh, kDh);
  NCRYPT_KEY_HANDLE dh_pub = Import(prov, kDh, dh_blob);
  ExpectDescription(dh_pub, u"DH", 2048, 0);
  EXPECT_EQ(Export(prov, dh_pub, kDh), dh_blob);
  EXPECT_EQ(SslFreeObject(dh_pub, 0), 0);
  EXPECT_EQ(SslFreeObject(dh, 0), 0);
  // RSA, from a key OpenSSL generates here.
  EVP_PKEY* rsa = EVP_RSA_gen(2048);
  ASSERT_NE(rsa, nullptr);
  BIGNUM *n = nullptr, *e = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(rsa, OSSL_PKEY_PARAM_RSA_N, &n), 1);
  ASSERT_EQ(EVP_PKEY_get_bn_param(rsa, OSSL_PKEY_PARAM_RSA_E, &e), 1);
  ByteVec rsa_blob;
  PutLe32(rsa_blob, 0x31415352);
  PutLe32(rsa_blob, 2048);
  PutLe32(rsa_blob, static_cast<std::uint32_t>(BN_num_bytes(e)));
  PutLe32(rsa_blob, static_cast<std::uint32_t>(BN_num_bytes(n)));
  PutLe32(rsa_blob, 0);
  PutLe32(rsa_blob, 0);
  const std::size_t at = rsa_blob.size();
  rsa_blob.resize(at + BN_num_bytes(e) + BN_num_bytes(n));
  BN_bn2bin(e, rsa_blob.data() + at);
  BN_bn2bin(n, rsa_blob.data() + at + BN_num_bytes(e));
  NCRYPT_KEY_HANDLE rsa_pub = Import(prov, kRsa, rsa_blob);
  ExpectDescription(rsa_pub, u"RSA", 2048, 0);
  EXPECT_EQ(Export(prov, rsa_pub, kRsa), rsa_blob);
  DWORD size = 0;
  EXPECT_EQ(SslExportKey(prov, rsa_pub, W(kEcc), nullptr, 0, &size, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslFreeObject(rsa_pub, 0), 0);
  BN_free(n);
  BN_free(e);
  EVP_PKEY_free(rsa);
  EXPECT_EQ(SslFreeObject(prov, 0), 0);
}

TEST(SslImportKeySafety, EveryArgument) {
  NCRYPT_PROV_HANDLE prov = OpenProvider();
  NCRYPT_KEY_HANDLE mine = Create(prov, 23);
  ByteVec good = Export(prov, mine, kEcc);
  NCRYPT_KEY_HANDLE key = kSentinel;
  const DWORD len = static_cast<DWORD>(good.size());
  // Provider handle: zero, a key, stale.
  EXPECT_EQ(SslImportKey(0, &key, W(kEcc), good.data(), len, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslImportKey(mine, &key, W(kEcc), good.data(), len, 0), NTE_INVALID_HANDLE);
  NCRYPT_PROV_HANDLE stale = OpenProvider();
  EXPECT_EQ(SslFreeObject(stale, 0), 0);
  EXPECT_EQ(SslImportKey(stale, &key, W(kEcc), good.data(), len, 0), NTE_INVALID_HANDLE);
  // Output pointer, flags.
  EXPECT_EQ(SslImportKey(prov, nullptr, W(kEcc), good.data(), len, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslImportKey(prov, &key, W(kEcc), good.data(), len, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(SslImportKey(prov, &key, W(kEcc), good.data(), len, 0xFFFFFFFFu), NTE_BAD_FLAGS);
  // Blob type: NULL, unknown, over-long, known but not importable here.
  EXPECT_EQ(SslImportKey(prov, &key, nullptr, good.data(), len, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslImportKey(prov, &key, W(u"ECCPUBLICBLOBX"), good.data(), len, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslImportKey(prov, &key, W(u""), good.data(), len, 0), NTE_INVALID_PARAMETER);
  std::u16string huge(10000, u'E');
  EXPECT_EQ(SslImportKey(prov, &key, W(huge.c_str()), good.data(), len, 0), NTE_INVALID_PARAMETER);
  for (const char16_t* type : {u"ECCPRIVATEBLOB", u"RSAPRIVATEBLOB", u"CAPIPUBLICBLOB"})
    EXPECT_EQ(SslImportKey(prov, &key, W(type), good.data(), len, 0), NTE_NOT_SUPPORTED) << ToAscii(W(type));
  // The TLS 1.3 PSK name takes a key data blob (tls13_exports_test.cpp): an ECC blob is not one.
  EXPECT_EQ(SslImportKey(prov, &key, W(u"TLS13PRESHAREDKEY"), good.data(), len, 0), NTE_BAD_DATA);
  // The opaque name is a session-key blob (session_key_blob_exports_test.cpp): an ECC blob is not one.
  EXPECT_EQ(SslImportKey(prov, &key, W(u"OpaqueKeyBlob"), good.data(), len, 0), NTE_BAD_DATA);
  // Blob pointer and length.
  EXPECT_EQ(SslImportKey(prov, &key, W(kEcc), nullptr, len, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslImportKey(prov, &key, W(kEcc), good.data(), 0, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslImportKey(prov, &key, W(kEcc), nullptr, 0, 0), NTE_INVALID_PARAMETER);
  // A length far beyond any key blob is refused before the buffer is read.
  EXPECT_EQ(SslImportKey(prov, &key, W(kEcc), good.data(), 0x7FFFFFFFu, 0), NTE_BAD_DATA);
  EXPECT_EQ(SslImportKey(prov, &key, W(kEcc), good.data(), 0xFFFFFFFFu, 0), NTE_BAD_DATA);
  EXPECT_EQ(key, kSentinel) << "no output on failure";
  // Blob content: truncated, trailing, bad magic, huge cbKey, invalid point, wrong format.
  for (DWORD cut : {DWORD{1}, DWORD{7}, DWORD{8}, len - 1}) {
    ByteVec v(good.begin(), good.begin() + cut);
    EXPECT_EQ(ImportStatus(prov, kEcc, v), NTE_BAD_DATA) << cut;
  }
  ByteVec v = good;
  v.push_back(0);
  EXPECT_EQ(ImportStatus(prov, kEcc, v), NTE_BAD_DATA);
  v = good;
  SetLe32(v, 0, 0x11111111);
  EXPECT_EQ(ImportStatus(prov, kEcc, v), NTE_BAD_DATA);
  for (std::uint32_t cb : {0u, 33u, 0x7FFFFFFFu, 0xFFFFFFFFu}) {
    v = good;
    SetLe32(v, 4, cb);
    EXPECT_EQ(ImportStatus(prov, kEcc, v), NTE_BAD_DATA) << cb;
  }
  v = good;
  v[20] ^= 0x40;
  EXPECT_EQ(ImportStatus(prov, kEcc, v), NTE_BAD_DATA) << "not on the curve";
  EXPECT_EQ(ImportStatus(prov, kSslEcc, good), NTE_BAD_DATA) << "ECC blob given as SSL ECC blob";
  EXPECT_EQ(ImportStatus(prov, kDh, good), NTE_BAD_DATA);
  EXPECT_EQ(ImportStatus(prov, kRsa, good), NTE_BAD_DATA);
  // SSL ECC blob with unsupported curve ids.
  ByteVec ssl = Export(prov, mine, kSslEcc);
  for (std::uint32_t curve : {22u, 0xFFFFu}) {
    v = ssl;
    SetLe32(v, 0, curve);
    EXPECT_EQ(ImportStatus(prov, kSslEcc, v), NTE_BAD_DATA) << curve;
  }
  // DH: y = 1 and y = p-1 (small subgroup) are refused.
  NCRYPT_KEY_HANDLE dh = Create(prov, 256, 0, {}, kDhSuite);
  const ByteVec dh_blob = Export(prov, dh, kDh);
  v = dh_blob;
  std::fill(v.begin() + 8 + 512, v.end(), 0);
  v.back() = 1;
  EXPECT_EQ(ImportStatus(prov, kDh, v), NTE_BAD_DATA) << "y = 1";
  v = dh_blob;
  std::copy(dh_blob.begin() + 8, dh_blob.begin() + 8 + 256, v.begin() + 8 + 512);
  v.back() -= 1;
  EXPECT_EQ(ImportStatus(prov, kDh, v), NTE_BAD_DATA) << "y = p-1";
  EXPECT_EQ(SslFreeObject(dh, 0), 0);
  EXPECT_EQ(SslFreeObject(mine, 0), 0);
  EXPECT_EQ(SslFreeObject(prov, 0), 0);
}

TEST(SslImportKey, ImportedAndEphemeralKeysAreFreedAndGoStale) {
  NCRYPT_PROV_HANDLE prov = OpenProvider();
  NCRYPT_KEY_HANDLE mine = Create(prov, 29);
  NCRYPT_KEY_HANDLE pub = Import(prov, kSslEcc, Export(prov, mine, kSslEcc));
  for (NCRYPT_KEY_HANDLE k : {pub, mine}) {
    EXPECT_EQ(SslFreeObject(k, 0), 0);
    EXPECT_EQ(SslFreeObject(k, 0), NTE_INVALID_HANDLE);
    PBYTE out = nullptr;
    DWORD size = 0;
    EXPECT_EQ(SslGetKeyProperty(k, W(u"KEYTYPE"), &out, &size, 0), NTE_INVALID_HANDLE);
    EXPECT_EQ(SslExportKey(prov, k, W(kSslEcc), nullptr, 0, &size, 0), NTE_INVALID_HANDLE);
  }
  EXPECT_EQ(SslFreeObject(prov, 0), 0);
}

}  // namespace
