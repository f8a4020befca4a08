// suites_exports_test.cpp - SslEnumCipherSuites(Ex), SslLookupCipherSuiteInfo,
// SslLookupCipherLengths, SslGetCipherSuitePRFHashAlgorithm and SslEnumEccCurves through the
// exported API only. Expected values are written here from the RFCs / IANA registry / Microsoft's
// reported values (docs/reference/types-and-constants.md#structures), or computed independently
// with OpenSSL (curve OIDs and public key sizes); each export has a "safety" block covering every
// argument.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/provider_support.h"
#include "support/wide.h"

namespace {

using opensslp_test::MakeEphemeralP256;
using opensslp_test::OpenProvider;
using opensslp_test::StaleProvider;

constexpr DWORD kTls10 = TLS1_0_PROTOCOL_VERSION;
constexpr DWORD kTls11 = TLS1_1_PROTOCOL_VERSION;
constexpr DWORD kTls12 = TLS1_2_PROTOCOL_VERSION;
constexpr DWORD kTls13 = TLS1_3_PROTOCOL_VERSION;

// Suites opensslp refuses (ids: docs/reference/types-and-constants.md#cipher-suite-ids): RC4, 3DES,
// NULL, DES, export, SSL 2, unknown.
const std::vector<DWORD> kUnsupportedSuites = {TLS_RSA_WITH_RC4_128_SHA,
                                               TLS_RSA_WITH_3DES_EDE_CBC_SHA,
                                               TLS_RSA_WITH_NULL_SHA,
                                               TLS_RSA_WITH_DES_CBC_SHA,
                                               TLS_RSA_EXPORT_WITH_RC4_40_MD5,
                                               TLS_PSK_WITH_NULL_SHA256,
                                               TLS_DHE_DSS_WITH_AES_128_CBC_SHA,
                                               SSL_CK_RC4_128_WITH_MD5,
                                               0x1234,
                                               0xFFFFFFFF};
const std::vector<DWORD> kBadProtocols = {SSL2_PROTOCOL_VERSION,
                                          SSL3_PROTOCOL_VERSION,
                                          DTLS1_0_PROTOCOL_VERSION,
                                          DTLS1_2_PROTOCOL_VERSION,
                                          0,
                                          0x0305,
                                          0x0403,
                                          0xFFFFFFFF};
const std::vector<DWORD> kBadFlags = {1, NCRYPT_SSL_SERVER_FLAG, 0x80000000u, 0xFFFFFFFFu};

class SuitesTest : public testing::Test {
 protected:
  void SetUp() override { prov_ = OpenProvider(); }
  void TearDown() override { EXPECT_EQ(SslFreeObject(prov_, 0), 0); }
  NCRYPT_PROV_HANDLE prov_ = 0;
};

// ---- SslEnumCipherSuites -------------------------------------------------------------------------

std::vector<NCRYPT_SSL_CIPHER_SUITE> EnumerateAll(NCRYPT_PROV_HANDLE prov) {
  std::vector<NCRYPT_SSL_CIPHER_SUITE> out;
  void* state = nullptr;
  NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
  SECURITY_STATUS rc;
  while ((rc = SslEnumCipherSuites(prov, 0, &suite, &state, 0)) == 0) {
    out.push_back(*suite);
    EXPECT_EQ(SslFreeBuffer(suite), 0);
    if (out.size() > 1000) break;
  }
  EXPECT_EQ(rc, NTE_NO_MORE_ITEMS);
  EXPECT_NE(state, nullptr);
  EXPECT_EQ(SslFreeBuffer(state), 0);
  return out;
}

TEST_F(SuitesTest, EnumerationContract) {
  const auto all = EnumerateAll(prov_);
  // 34 suites; the 8 CBC-SHA suites appear for TLS 1.0, 1.1 and 1.2: 8*3 + 26 = 50 entries.
  ASSERT_EQ(all.size(), 50u);
  std::set<std::pair<DWORD, DWORD>> pairs;
  std::set<DWORD> ids;
  for (const auto& s : all) {
    EXPECT_TRUE(pairs.insert({s.dwCipherSuite, s.dwProtocol}).second) << "duplicate " << std::hex << s.dwCipherSuite;
    ids.insert(s.dwCipherSuite);
    EXPECT_EQ(s.dwBaseCipherSuite, s.dwCipherSuite);
    EXPECT_EQ(s.dwKeyType, 0u);
    EXPECT_TRUE(s.dwProtocol >= kTls10 && s.dwProtocol <= kTls13);
  }
  EXPECT_EQ(ids.size(), 34u);
  // TLS 1.3 first (Schannel's preference order), RSA key transport CBC last among certificate suites.
  EXPECT_EQ(all.front().dwCipherSuite, DWORD{TLS_AES_256_GCM_SHA384});
  EXPECT_EQ(all.front().dwProtocol, kTls13);
  for (DWORD excluded : kUnsupportedSuites) EXPECT_EQ(ids.count(excluded), 0u);
}

TEST_F(SuitesTest, EnumerationMatchesLookup) {
  for (const auto& s : EnumerateAll(prov_)) {
    NCRYPT_SSL_CIPHER_SUITE info;
    std::memset(&info, 0xAB, sizeof(info));
    ASSERT_EQ(SslLookupCipherSuiteInfo(prov_, s.dwProtocol, s.dwCipherSuite, 0, &info, 0), 0);
    EXPECT_EQ(std::memcmp(&info, &s, sizeof(info)), 0) << ToAscii(s.szCipherSuite);
  }
}

TEST_F(SuitesTest, EnumerationAfterTheEndStaysFinished) {
  void* state = nullptr;
  NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
  int n = 0;
  while (SslEnumCipherSuites(prov_, 0, &suite, &state, 0) == 0) {
    ++n;
    EXPECT_EQ(SslFreeBuffer(suite), 0);
  }
  suite = nullptr;
  EXPECT_EQ(SslEnumCipherSuites(prov_, 0, &suite, &state, 0), NTE_NO_MORE_ITEMS);
  EXPECT_EQ(suite, nullptr);
  EXPECT_EQ(n, 50);
  EXPECT_EQ(SslFreeBuffer(state), 0);
  EXPECT_EQ(SslFreeBuffer(state), NTE_INVALID_PARAMETER) << "double free of the state is refused";
}

TEST_F(SuitesTest, AbandonedEnumerationFreesCleanly) {
  void* state = nullptr;
  NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
  ASSERT_EQ(SslEnumCipherSuites(prov_, 0, &suite, &state, 0), 0);
  ASSERT_NE(state, nullptr);
  EXPECT_EQ(SslFreeBuffer(suite), 0);
  EXPECT_EQ(SslFreeBuffer(state), 0);
}

TEST_F(SuitesTest, EnumeratedFieldsFollowMicrosoftConventions) {
  std::map<std::pair<DWORD, DWORD>, NCRYPT_SSL_CIPHER_SUITE> by_key;
  for (const auto& s : EnumerateAll(prov_)) by_key[{s.dwCipherSuite, s.dwProtocol}] = s;

  // Get-TlsCipherSuite on Windows for TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
  // (docs/reference/types-and-constants.md#structures).
  const auto& c02c = by_key.at({0xC02C, kTls12});
  EXPECT_EQ(ToAscii(c02c.szCipherSuite), "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
  EXPECT_EQ(c02c.dwCipherSuite, 49196u);
  EXPECT_EQ(ToAscii(c02c.szCipher), "AES");
  EXPECT_EQ(c02c.dwCipherLen, 256u);
  EXPECT_EQ(c02c.dwCipherBlockLen, 16u);
  EXPECT_EQ(ToAscii(c02c.szHash), "");
  EXPECT_EQ(c02c.dwHashLen, 0u);
  EXPECT_EQ(ToAscii(c02c.szExchange), "ECDH");
  EXPECT_EQ(c02c.dwMinExchangeLen, 0u);
  EXPECT_EQ(c02c.dwMaxExchangeLen, 65536u);
  EXPECT_EQ(ToAscii(c02c.szCertificate), "ECDSA");
  EXPECT_EQ(c02c.dwKeyType, 0u);

  // CBC with HMAC-SHA1 on every version up to 1.2; hash length in bits.
  for (DWORD v : {kTls10, kTls11, kTls12}) {
    const auto& s = by_key.at({0x002F, v});
    EXPECT_EQ(ToAscii(s.szCipherSuite), "TLS_RSA_WITH_AES_128_CBC_SHA");
    EXPECT_EQ(s.dwCipherLen, 128u);
    EXPECT_EQ(ToAscii(s.szHash), "SHA1");
    EXPECT_EQ(s.dwHashLen, 160u);
    EXPECT_EQ(ToAscii(s.szExchange), "RSA");
    EXPECT_EQ(s.dwMinExchangeLen, 1024u);
    EXPECT_EQ(s.dwMaxExchangeLen, 16384u);
    EXPECT_EQ(ToAscii(s.szCertificate), "RSA");
  }
  EXPECT_EQ(by_key.count({0x002F, kTls13}), 0u);
  EXPECT_EQ(by_key.count({0xC02F, kTls11}), 0u);

  const auto& c028 = by_key.at({0xC028, kTls12});
  EXPECT_EQ(ToAscii(c028.szHash), "SHA384");
  EXPECT_EQ(c028.dwHashLen, 384u);

  const auto& dhe = by_key.at({0x009F, kTls12});
  EXPECT_EQ(ToAscii(dhe.szExchange), "DH");
  EXPECT_EQ(dhe.dwMinExchangeLen, 2048u);
  EXPECT_EQ(dhe.dwMaxExchangeLen, 8192u);

  const auto& psk = by_key.at({0x00A8, kTls12});
  EXPECT_EQ(ToAscii(psk.szExchange), "PSK");
  EXPECT_EQ(ToAscii(psk.szCertificate), "");

  const auto& chacha = by_key.at({0x1303, kTls13});
  EXPECT_EQ(ToAscii(chacha.szCipherSuite), "TLS_CHACHA20_POLY1305_SHA256");
  EXPECT_EQ(ToAscii(chacha.szCipher), "CHACHA20_POLY1305");
  EXPECT_EQ(chacha.dwCipherLen, 256u);
  EXPECT_EQ(chacha.dwCipherBlockLen, 1u);
  EXPECT_EQ(ToAscii(chacha.szExchange), "");
  EXPECT_EQ(ToAscii(chacha.szCertificate), "");

  const auto& cca9 = by_key.at({0xCCA9, kTls12});
  EXPECT_EQ(ToAscii(cca9.szCipherSuite), "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
}

TEST_F(SuitesTest, ExEnumerationHasVersionAndChainingMode) {
  const auto plain = EnumerateAll(prov_);
  void* state = nullptr;
  NCRYPT_SSL_CIPHER_SUITE_EX* suite = nullptr;
  std::size_t i = 0;
  SECURITY_STATUS rc;
  while ((rc = SslEnumCipherSuitesEx(prov_, 0, &suite, &state, 0)) == 0) {
    ASSERT_LT(i, plain.size());
    EXPECT_EQ(suite->dwVersion, DWORD{NCRYPT_SSL_CIPHER_SUITE_EX_VERSION});
    // The 14 shared fields equal the plain enumeration's, in the same order.
    EXPECT_EQ(std::memcmp(&suite->dwProtocol, &plain[i], sizeof(NCRYPT_SSL_CIPHER_SUITE)), 0);
    const std::string name = ToAscii(suite->szCipherSuite);
    const std::string mode = ToAscii(suite->szCipherMode);
    if (name.find("GCM") != std::string::npos) {
      EXPECT_EQ(mode, "ChainingModeGCM") << name;
    } else if (name.find("CBC") != std::string::npos) {
      EXPECT_EQ(mode, "ChainingModeCBC") << name;
    } else {
      EXPECT_EQ(mode, "") << name;
    }
    EXPECT_EQ(SslFreeBuffer(suite), 0);
    ++i;
  }
  EXPECT_EQ(rc, NTE_NO_MORE_ITEMS);
  EXPECT_EQ(i, plain.size());
  EXPECT_EQ(SslFreeBuffer(state), 0);
}

TEST_F(SuitesTest, EnumSafetyProviderHandle) {
  NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
  NCRYPT_SSL_CIPHER_SUITE_EX* suite_ex = nullptr;
  void* state = nullptr;
  const NCRYPT_PROV_HANDLE stale = StaleProvider();
  for (NCRYPT_PROV_HANDLE bad : {NCRYPT_PROV_HANDLE{0}, stale, NCRYPT_PROV_HANDLE{0x12345}}) {
    EXPECT_EQ(SslEnumCipherSuites(bad, 0, &suite, &state, 0), NTE_INVALID_HANDLE);
    EXPECT_EQ(SslEnumCipherSuitesEx(bad, 0, &suite_ex, &state, 0), NTE_INVALID_HANDLE);
  }
  {  // a live handle of another kind
    const NCRYPT_KEY_HANDLE key = MakeEphemeralP256(prov_);
    EXPECT_EQ(SslEnumCipherSuites(key, 0, &suite, &state, 0), NTE_INVALID_HANDLE);
    EXPECT_EQ(SslEnumCipherSuitesEx(key, 0, &suite_ex, &state, 0), NTE_INVALID_HANDLE);
    EXPECT_EQ(SslFreeObject(key, 0), 0);
  }
  EXPECT_EQ(suite, nullptr);
  EXPECT_EQ(suite_ex, nullptr);
  EXPECT_EQ(state, nullptr);
}

TEST_F(SuitesTest, EnumSafetyNullOutputsAndFlags) {
  NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
  NCRYPT_SSL_CIPHER_SUITE_EX* suite_ex = nullptr;
  void* state = nullptr;
  EXPECT_EQ(SslEnumCipherSuites(prov_, 0, nullptr, &state, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslEnumCipherSuites(prov_, 0, &suite, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslEnumCipherSuitesEx(prov_, 0, nullptr, &state, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslEnumCipherSuitesEx(prov_, 0, &suite_ex, nullptr, 0), NTE_INVALID_PARAMETER);
  for (DWORD flags : kBadFlags) {
    EXPECT_EQ(SslEnumCipherSuites(prov_, 0, &suite, &state, flags), NTE_BAD_FLAGS);
    EXPECT_EQ(SslEnumCipherSuitesEx(prov_, 0, &suite_ex, &state, flags), NTE_BAD_FLAGS);
  }
  EXPECT_EQ(suite, nullptr);
  EXPECT_EQ(suite_ex, nullptr);
  EXPECT_EQ(state, nullptr);
}

TEST_F(SuitesTest, EnumSafetyPrivateKeyHandle) {
  NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
  NCRYPT_SSL_CIPHER_SUITE_EX* suite_ex = nullptr;
  void* state = nullptr;
  // A provider handle, a freed handle and garbage are not private keys.
  const NCRYPT_PROV_HANDLE stale = StaleProvider();
  for (NCRYPT_KEY_HANDLE bad : {NCRYPT_KEY_HANDLE{prov_}, NCRYPT_KEY_HANDLE{stale}, NCRYPT_KEY_HANDLE{0x777}}) {
    EXPECT_EQ(SslEnumCipherSuites(prov_, bad, &suite, &state, 0), NTE_INVALID_HANDLE);
    EXPECT_EQ(SslEnumCipherSuitesEx(prov_, bad, &suite_ex, &state, 0), NTE_INVALID_HANDLE);
  }
  // An ephemeral key is a key, but not a certificate's private key.
  {  // a live handle of another kind
    const NCRYPT_KEY_HANDLE key = MakeEphemeralP256(prov_);
    EXPECT_EQ(SslEnumCipherSuites(prov_, key, &suite, &state, 0), NTE_INVALID_HANDLE);
    EXPECT_EQ(SslFreeObject(key, 0), 0);
  }
  EXPECT_EQ(suite, nullptr);
  EXPECT_EQ(suite_ex, nullptr);
  EXPECT_EQ(state, nullptr);
}

TEST_F(SuitesTest, EnumSafetyGarbageState) {
  NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
  NCRYPT_SSL_CIPHER_SUITE_EX* suite_ex = nullptr;
  // A pointer opensslp never handed out (never dereferenced).
  alignas(8) unsigned char local[64] = {};
  void* state = local;
  EXPECT_EQ(SslEnumCipherSuites(prov_, 0, &suite, &state, 0), NTE_INVALID_PARAMETER);
  state = reinterpret_cast<void*>(std::uintptr_t{0x10});
  EXPECT_EQ(SslEnumCipherSuitesEx(prov_, 0, &suite_ex, &state, 0), NTE_INVALID_PARAMETER);

  // A buffer opensslp did hand out, but not an enumeration state (a cipher-suite struct).
  void* real_state = nullptr;
  ASSERT_EQ(SslEnumCipherSuites(prov_, 0, &suite, &real_state, 0), 0);
  void* wrong = suite;
  NCRYPT_SSL_CIPHER_SUITE* again = nullptr;
  EXPECT_EQ(SslEnumCipherSuites(prov_, 0, &again, &wrong, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(again, nullptr);
  // A plain state handed to the Ex function (and the other way round) is refused.
  EXPECT_EQ(SslEnumCipherSuitesEx(prov_, 0, &suite_ex, &real_state, 0), NTE_INVALID_PARAMETER);
  // A freed state is refused.
  EXPECT_EQ(SslFreeBuffer(suite), 0);
  EXPECT_EQ(SslFreeBuffer(real_state), 0);
  EXPECT_EQ(SslEnumCipherSuites(prov_, 0, &again, &real_state, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(again, nullptr);
  EXPECT_EQ(suite_ex, nullptr);

  void* ex_state = nullptr;
  ASSERT_EQ(SslEnumCipherSuitesEx(prov_, 0, &suite_ex, &ex_state, 0), 0);
  EXPECT_EQ(SslEnumCipherSuites(prov_, 0, &again, &ex_state, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslFreeBuffer(suite_ex), 0);
  EXPECT_EQ(SslFreeBuffer(ex_state), 0);
}

// ---- SslLookupCipherSuiteInfo ---------------------------------------------------------------------

TEST_F(SuitesTest, LookupInfoEchoesKeyType) {
  NCRYPT_SSL_CIPHER_SUITE info{};
  ASSERT_EQ(SslLookupCipherSuiteInfo(prov_, kTls12, 0xC02F, TLS_ECC_P384_CURVE_KEY_TYPE, &info, 0), 0);
  EXPECT_EQ(info.dwKeyType, DWORD{TLS_ECC_P384_CURVE_KEY_TYPE});
  EXPECT_EQ(ToAscii(info.szCipherSuite), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  EXPECT_EQ(info.dwProtocol, kTls12);
  EXPECT_EQ(info.dwCipherLen, 128u);
  ASSERT_EQ(SslLookupCipherSuiteInfo(prov_, kTls13, 0x1302, 29, &info, 0), 0);  // X25519
  EXPECT_EQ(info.dwKeyType, 29u);
  EXPECT_EQ(info.dwCipherLen, 256u);
}

TEST_F(SuitesTest, LookupInfoSafety) {
  NCRYPT_SSL_CIPHER_SUITE info;
  std::memset(&info, 0xAB, sizeof(info));
  const NCRYPT_SSL_CIPHER_SUITE untouched = info;
  const NCRYPT_PROV_HANDLE stale = StaleProvider();
  for (NCRYPT_PROV_HANDLE bad : {NCRYPT_PROV_HANDLE{0}, stale}) {
    EXPECT_EQ(SslLookupCipherSuiteInfo(bad, kTls12, 0xC02F, 0, &info, 0), NTE_INVALID_HANDLE);
  }
  {  // a live handle of another kind
    const NCRYPT_KEY_HANDLE key = MakeEphemeralP256(prov_);
    EXPECT_EQ(SslLookupCipherSuiteInfo(key, kTls12, 0xC02F, 0, &info, 0), NTE_INVALID_HANDLE);
    EXPECT_EQ(SslFreeObject(key, 0), 0);
  }
  EXPECT_EQ(SslLookupCipherSuiteInfo(prov_, kTls12, 0xC02F, 0, nullptr, 0), NTE_INVALID_PARAMETER);
  for (DWORD flags : kBadFlags)
    EXPECT_EQ(SslLookupCipherSuiteInfo(prov_, kTls12, 0xC02F, 0, &info, flags), NTE_BAD_FLAGS);
  for (DWORD id : kUnsupportedSuites)
    for (DWORD v : {kTls10, kTls11, kTls12, kTls13})
      EXPECT_EQ(SslLookupCipherSuiteInfo(prov_, v, id, 0, &info, 0), NTE_NOT_SUPPORTED) << std::hex << id;
  for (DWORD v : kBadProtocols) EXPECT_EQ(SslLookupCipherSuiteInfo(prov_, v, 0xC02F, 0, &info, 0), NTE_NOT_SUPPORTED);
  // Valid suite, wrong version.
  EXPECT_EQ(SslLookupCipherSuiteInfo(prov_, kTls10, 0xC02F, 0, &info, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslLookupCipherSuiteInfo(prov_, kTls12, 0x1301, 0, &info, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslLookupCipherSuiteInfo(prov_, kTls13, 0x002F, 0, &info, 0), NTE_NOT_SUPPORTED);
  // Key types: unknown group, and a group on a suite without a group.
  EXPECT_EQ(SslLookupCipherSuiteInfo(prov_, kTls12, 0xC02F, 0x1234, &info, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslLookupCipherSuiteInfo(prov_, kTls12, 0x009C, TLS_ECC_P256_CURVE_KEY_TYPE, &info, 0),
            NTE_INVALID_PARAMETER);
  EXPECT_EQ(std::memcmp(&info, &untouched, sizeof(info)), 0) << "no output on failure";
}

// ---- SslLookupCipherLengths ---------------------------------------------------------------------

struct LengthCase {
  DWORD protocol, suite, header, fixed, variable, flags;
};

TEST_F(SuitesTest, LookupLengthsMatchTheRfcs) {
  // Numbers from the record formats: RFC 2246 §6.2.3.2 (TLS 1.0 CBC: no explicit IV),
  // RFC 4346 §6.2.3.2 (TLS 1.1+ CBC: 16-byte IV), RFC 5288 §3 (GCM: 8-byte explicit nonce, 16-byte
  // tag), RFC 7905 §2 (ChaCha20-Poly1305: no explicit nonce), RFC 8446 §5.2 (tag + content type),
  // HMAC sizes SHA-1 20 / SHA-256 32 / SHA-384 48, AES block 16.
  const LengthCase cases[] = {
      {kTls10, 0x002F, 0, 20, 16, NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING},
      {kTls11, 0x002F, 16, 20, 16, NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING},
      {kTls12, 0xC014, 16, 20, 16, NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING},
      {kTls12, 0x003C, 16, 32, 16, NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING},
      {kTls12, 0xC028, 16, 48, 16, NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING},
      {kTls12, 0x00AF, 16, 48, 16, NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING},
      {kTls12, 0xC02F, 8, 16, 0, 0},
      {kTls12, 0x009D, 8, 16, 0, 0},
      {kTls12, 0xCCA8, 0, 16, 0, 0},
      {kTls13, 0x1301, 0, 17, 0, 0},
      {kTls13, 0x1302, 0, 17, 0, 0},
      {kTls13, 0x1303, 0, 17, 0, 0},
  };
  for (const LengthCase& c : cases) {
    SCOPED_TRACE(testing::Message() << std::hex << c.protocol << "/" << c.suite);
    NCRYPT_SSL_CIPHER_LENGTHS lengths{};
    ASSERT_EQ(SslLookupCipherLengths(prov_, c.protocol, c.suite, 0, &lengths, sizeof(lengths), 0), 0);
    EXPECT_EQ(lengths.cbLength, sizeof(NCRYPT_SSL_CIPHER_LENGTHS));
    EXPECT_EQ(lengths.dwHeaderLen, c.header);
    EXPECT_EQ(lengths.dwFixedTrailerLen, c.fixed);
    EXPECT_EQ(lengths.dwMaxVariableTrailerLen, c.variable);
    EXPECT_EQ(lengths.dwFlags, c.flags);
  }
}

TEST_F(SuitesTest, LookupLengthsForEveryEnumeratedEntry) {
  for (const auto& s : EnumerateAll(prov_)) {
    NCRYPT_SSL_CIPHER_LENGTHS lengths{};
    EXPECT_EQ(SslLookupCipherLengths(prov_, s.dwProtocol, s.dwCipherSuite, 0, &lengths, sizeof(lengths), 0), 0);
    // AEAD suites have no hash in the enumeration; CBC suites pad.
    EXPECT_EQ(lengths.dwFlags != 0, s.dwHashLen != 0) << ToAscii(s.szCipherSuite);
    if (s.dwHashLen != 0) {
      EXPECT_EQ(lengths.dwFixedTrailerLen * 8, s.dwHashLen);
    }
  }
}

TEST_F(SuitesTest, LookupLengthsSafety) {
  struct {
    NCRYPT_SSL_CIPHER_LENGTHS lengths;
    unsigned char tail[12];
  } big;
  std::memset(&big, 0xAB, sizeof(big));
  const auto untouched = big;
  NCRYPT_SSL_CIPHER_LENGTHS* p = &big.lengths;
  const DWORD cb = sizeof(NCRYPT_SSL_CIPHER_LENGTHS);
  const NCRYPT_PROV_HANDLE stale = StaleProvider();
  for (NCRYPT_PROV_HANDLE bad : {NCRYPT_PROV_HANDLE{0}, stale})
    EXPECT_EQ(SslLookupCipherLengths(bad, kTls12, 0xC02F, 0, p, cb, 0), NTE_INVALID_HANDLE);
  {  // a live handle of another kind
    const NCRYPT_KEY_HANDLE key = MakeEphemeralP256(prov_);
    EXPECT_EQ(SslLookupCipherLengths(key, kTls12, 0xC02F, 0, p, cb, 0), NTE_INVALID_HANDLE);
    EXPECT_EQ(SslFreeObject(key, 0), 0);
  }
  EXPECT_EQ(SslLookupCipherLengths(prov_, kTls12, 0xC02F, 0, nullptr, cb, 0), NTE_INVALID_PARAMETER);
  for (DWORD small : {DWORD{0}, DWORD{4}, cb - 1})
    EXPECT_EQ(SslLookupCipherLengths(prov_, kTls12, 0xC02F, 0, p, small, 0), NTE_INVALID_PARAMETER);
  for (DWORD flags : kBadFlags)
    EXPECT_EQ(SslLookupCipherLengths(prov_, kTls12, 0xC02F, 0, p, cb, flags), NTE_BAD_FLAGS);
  for (DWORD id : kUnsupportedSuites)
    EXPECT_EQ(SslLookupCipherLengths(prov_, kTls12, id, 0, p, cb, 0), NTE_NOT_SUPPORTED);
  for (DWORD v : kBadProtocols) EXPECT_EQ(SslLookupCipherLengths(prov_, v, 0x002F, 0, p, cb, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslLookupCipherLengths(prov_, kTls11, 0x009C, 0, p, cb, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslLookupCipherLengths(prov_, kTls12, 0xC02F, 0xABCD, p, cb, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(std::memcmp(&big, &untouched, sizeof(big)), 0) << "no output on failure";
  // An oversize buffer is accepted; only the structure's 20 bytes are written.
  ASSERT_EQ(SslLookupCipherLengths(prov_, kTls12, 0xC02F, 0, p, sizeof(big), 0), 0);
  EXPECT_EQ(big.lengths.cbLength, cb);
  EXPECT_EQ(std::memcmp(big.tail, untouched.tail, sizeof(big.tail)), 0);
}

// ---- SslGetCipherSuitePRFHashAlgorithm ----------------------------------------------------------

std::string PrfHashName(NCRYPT_PROV_HANDLE prov, DWORD protocol, DWORD suite, SECURITY_STATUS* rc) {
  WCHAR name[NCRYPT_SSL_MAX_NAME_SIZE];
  std::memset(name, 0xAB, sizeof(name));
  *rc = SslGetCipherSuitePRFHashAlgorithm(prov, protocol, suite, 0, name, 0);
  return *rc == 0 ? ToAscii(name) : std::string();
}

TEST_F(SuitesTest, PrfHashFollowsTheRfcs) {
  // RFC 5246 §5 (SHA-256 for every TLS 1.2 suite defined there), RFC 5288/5289/5487 (SHA-384 for
  // _SHA384 suites), RFC 8446 §B.4 (the hash in the TLS 1.3 suite name).
  const std::vector<std::pair<std::pair<DWORD, DWORD>, const char*>> cases = {
      {{kTls12, 0x002F}, "SHA256"}, {{kTls12, 0xC014}, "SHA256"}, {{kTls12, 0xC02F}, "SHA256"},
      {{kTls12, 0xC030}, "SHA384"}, {{kTls12, 0xC024}, "SHA384"}, {{kTls12, 0x009D}, "SHA384"},
      {{kTls12, 0x00AF}, "SHA384"}, {{kTls12, 0xCCA9}, "SHA256"}, {{kTls13, 0x1301}, "SHA256"},
      {{kTls13, 0x1302}, "SHA384"}, {{kTls13, 0x1303}, "SHA256"},
  };
  for (const auto& [key, expected] : cases) {
    SECURITY_STATUS rc;
    EXPECT_EQ(PrfHashName(prov_, key.first, key.second, &rc), expected) << std::hex << key.second;
    EXPECT_EQ(rc, 0);
  }
}

TEST_F(SuitesTest, PrfHashSafety) {
  WCHAR name[NCRYPT_SSL_MAX_NAME_SIZE];
  std::memset(name, 0xAB, sizeof(name));
  WCHAR untouched[NCRYPT_SSL_MAX_NAME_SIZE];
  std::memcpy(untouched, name, sizeof(name));
  // TLS 1.0/1.1: the MD5 ‖ SHA-1 PRF has no CNG name; documented as NTE_NOT_SUPPORTED.
  EXPECT_EQ(SslGetCipherSuitePRFHashAlgorithm(prov_, kTls10, 0x002F, 0, name, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslGetCipherSuitePRFHashAlgorithm(prov_, kTls11, 0xC013, 0, name, 0), NTE_NOT_SUPPORTED);
  const NCRYPT_PROV_HANDLE stale = StaleProvider();
  for (NCRYPT_PROV_HANDLE bad : {NCRYPT_PROV_HANDLE{0}, stale})
    EXPECT_EQ(SslGetCipherSuitePRFHashAlgorithm(bad, kTls12, 0xC02F, 0, name, 0), NTE_INVALID_HANDLE);
  {  // a live handle of another kind
    const NCRYPT_KEY_HANDLE key = MakeEphemeralP256(prov_);
    EXPECT_EQ(SslGetCipherSuitePRFHashAlgorithm(key, kTls12, 0xC02F, 0, name, 0), NTE_INVALID_HANDLE);
    EXPECT_EQ(SslFreeObject(key, 0), 0);
  }
  EXPECT_EQ(SslGetCipherSuitePRFHashAlgorithm(prov_, kTls12, 0xC02F, 0, nullptr, 0), NTE_INVALID_PARAMETER);
  for (DWORD flags : kBadFlags)
    EXPECT_EQ(SslGetCipherSuitePRFHashAlgorithm(prov_, kTls12, 0xC02F, 0, name, flags), NTE_BAD_FLAGS);
  for (DWORD id : kUnsupportedSuites)
    EXPECT_EQ(SslGetCipherSuitePRFHashAlgorithm(prov_, kTls12, id, 0, name, 0), NTE_NOT_SUPPORTED);
  for (DWORD v : kBadProtocols)
    EXPECT_EQ(SslGetCipherSuitePRFHashAlgorithm(prov_, v, 0xC02F, 0, name, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslGetCipherSuitePRFHashAlgorithm(prov_, kTls13, 0xC02F, 0, name, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslGetCipherSuitePRFHashAlgorithm(prov_, kTls12, 0xC02F, 77, name, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(std::memcmp(name, untouched, sizeof(name)), 0) << "no output on failure";
}

// ---- SslEnumEccCurves ---------------------------------------------------------------------------

// The OID and TLS public-key size of a curve, computed by OpenSSL (independent of opensslp).
struct OsslCurveFacts {
  std::string oid;
  std::size_t public_key_len;
};
OsslCurveFacts OsslFacts(const char* openssl_group, int nid) {
  OsslCurveFacts facts;
  char text[128] = {};
  OBJ_obj2txt(text, sizeof(text), OBJ_nid2obj(nid), 1);
  facts.oid = text;
  EVP_PKEY* key = (nid == NID_X25519 || nid == NID_X448) ? EVP_PKEY_Q_keygen(nullptr, nullptr, openssl_group)
                                                         : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", openssl_group);
  EXPECT_NE(key, nullptr) << openssl_group;
  unsigned char* encoded = nullptr;
  // The TLS wire form: uncompressed point (RFC 8422 §5.4.1) or raw u-coordinate (RFC 7748 §5).
  facts.public_key_len = key ? EVP_PKEY_get1_encoded_public_key(key, &encoded) : 0;
  OPENSSL_free(encoded);
  EVP_PKEY_free(key);
  return facts;
}

TEST_F(SuitesTest, EccCurves) {
  DWORD count = 0;
  NCRYPT_SSL_ECC_CURVE* curves = nullptr;
  ASSERT_EQ(SslEnumEccCurves(prov_, &count, &curves, 0), 0);
  ASSERT_NE(curves, nullptr);
  ASSERT_EQ(count, 5u);
  struct Want {
    const char* cng;
    DWORD iana;
    const char* ossl;
    int nid;
  };
  // CNG curve names (bcrypt.h BCRYPT_ECC_CURVE_*; curve448 is opensslp's own), IANA NamedGroup ids.
  const std::map<std::string, Want> want = {
      {"curve25519", {"curve25519", 29, "X25519", NID_X25519}},
      {"nistP256", {"nistP256", 23, "P-256", NID_X9_62_prime256v1}},
      {"nistP384", {"nistP384", 24, "P-384", NID_secp384r1}},
      {"nistP521", {"nistP521", 25, "P-521", NID_secp521r1}},
      {"curve448", {"curve448", 30, "X448", NID_X448}},
  };
  std::set<std::string> seen;
  for (DWORD i = 0; i < count; ++i) {
    const NCRYPT_SSL_ECC_CURVE& c = curves[i];
    const std::string name = ToAscii(c.szCurveName);
    SCOPED_TRACE(name);
    ASSERT_TRUE(want.count(name));
    EXPECT_TRUE(seen.insert(name).second);
    const Want& w = want.at(name);
    const OsslCurveFacts facts = OsslFacts(w.ossl, w.nid);
    EXPECT_EQ(c.dwCurveType, w.iana);
    EXPECT_EQ(std::string(c.szOID), facts.oid);
    EXPECT_EQ(c.dwPublicKeyLength, facts.public_key_len);
    EXPECT_EQ(c.dwFlags, 0u);
  }
  EXPECT_EQ(ToAscii(curves[0].szCurveName), "curve25519") << "most preferred first";
  EXPECT_EQ(SslFreeBuffer(curves), 0);
  EXPECT_EQ(SslFreeBuffer(curves), NTE_INVALID_PARAMETER);
}

TEST_F(SuitesTest, EccCurvesSafety) {
  DWORD count = 0xABCD;
  NCRYPT_SSL_ECC_CURVE* curves = nullptr;
  const NCRYPT_PROV_HANDLE stale = StaleProvider();
  for (NCRYPT_PROV_HANDLE bad : {NCRYPT_PROV_HANDLE{0}, stale, NCRYPT_PROV_HANDLE{0x4242}})
    EXPECT_EQ(SslEnumEccCurves(bad, &count, &curves, 0), NTE_INVALID_HANDLE);
  {  // a live handle of another kind
    const NCRYPT_KEY_HANDLE key = MakeEphemeralP256(prov_);
    EXPECT_EQ(SslEnumEccCurves(key, &count, &curves, 0), NTE_INVALID_HANDLE);
    EXPECT_EQ(SslFreeObject(key, 0), 0);
  }
  EXPECT_EQ(SslEnumEccCurves(prov_, nullptr, &curves, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslEnumEccCurves(prov_, &count, nullptr, 0), NTE_INVALID_PARAMETER);
  for (DWORD flags : kBadFlags) EXPECT_EQ(SslEnumEccCurves(prov_, &count, &curves, flags), NTE_BAD_FLAGS);
  EXPECT_EQ(count, 0xABCDu);
  EXPECT_EQ(curves, nullptr);
}

}  // namespace
