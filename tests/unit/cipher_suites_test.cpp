// cipher_suites_test.cpp - the catalog (core/cipher_suites.h) against an independent, hand-written
// expectation list taken from the IANA TLS Cipher Suites registry and the RFCs
// (tests/data/iana_cipher_suites.txt), plus per-suite invariants (TEST_P over the catalog) whose
// expected numbers are written here from the RFCs, and the private-key filtering of
// SslEnumCipherSuites (needs an internal KeyObject, hence a unit test).
#include "core/cipher_suites.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "handles/handle_table.h"
#include "sslprovider.h"
#include "support/wide.h"

namespace opensslp {
namespace {

// ---- The expectation list ---------------------------------------------------------------------

struct Expected {
  std::uint32_t id = 0;
  std::string name, kx, auth, cipher, mac, prf;
  std::set<std::string> versions;
};
struct Absent {
  std::uint32_t id = 0;
  std::string name, reason;
};
struct ExpectationList {
  std::vector<Expected> suites;
  std::vector<Absent> absent;
};

const ExpectationList& LoadExpectations() {
  static const ExpectationList list = [] {
    ExpectationList out;
    const std::string path = std::string(OPENSSLP_TEST_DATA_DIR) + "/iana_cipher_suites.txt";
    std::ifstream in(path);
    EXPECT_TRUE(in.good()) << "cannot open " << path;
    std::string line;
    int line_no = 0;
    bool saw_source = false, saw_license = false;
    while (std::getline(in, line)) {
      ++line_no;
      if (line.rfind("# source:", 0) == 0) saw_source = true;
      if (line.rfind("# license:", 0) == 0) saw_license = true;
      if (line.empty() || line[0] == '#') continue;
      std::istringstream fields(line);
      std::string kind, id_text;
      fields >> kind >> id_text;
      const auto id = static_cast<std::uint32_t>(std::stoul(id_text, nullptr, 16));
      if (kind == "suite") {
        Expected e;
        e.id = id;
        std::string versions;
        fields >> e.name >> e.kx >> e.auth >> e.cipher >> e.mac >> e.prf >> versions;
        EXPECT_FALSE(fields.fail()) << "line " << line_no;
        std::istringstream vs(versions);
        for (std::string v; std::getline(vs, v, ',');) e.versions.insert(v);
        out.suites.push_back(e);
      } else if (kind == "absent") {
        Absent a;
        a.id = id;
        fields >> a.name >> a.reason;
        EXPECT_FALSE(fields.fail()) << "line " << line_no;
        out.absent.push_back(a);
      } else {
        ADD_FAILURE() << "line " << line_no << ": unknown record kind " << kind;
      }
    }
    EXPECT_TRUE(saw_source && saw_license) << "vector files start with # source: and # license:";
    return out;
  }();
  return list;
}

std::string KxText(KeyExchange k) {
  switch (k) {
    case KeyExchange::kRsa: return "RSA";
    case KeyExchange::kDhe: return "DHE";
    case KeyExchange::kEcdhe: return "ECDHE";
    case KeyExchange::kPsk: return "PSK";
    case KeyExchange::kTls13: return "TLS13";
  }
  return "?";
}
std::string AuthText(Authentication a) {
  switch (a) {
    case Authentication::kRsa: return "RSA";
    case Authentication::kEcdsa: return "ECDSA";
    case Authentication::kPsk: return "PSK";
    case Authentication::kAny: return "ANY";
  }
  return "?";
}
std::string CipherText(BulkCipher c) {
  switch (c) {
    case BulkCipher::kAes128Gcm: return "AES_128_GCM";
    case BulkCipher::kAes256Gcm: return "AES_256_GCM";
    case BulkCipher::kAes128Cbc: return "AES_128_CBC";
    case BulkCipher::kAes256Cbc: return "AES_256_CBC";
    case BulkCipher::kChaCha20Poly1305: return "CHACHA20_POLY1305";
  }
  return "?";
}
std::string MacText(MacAlgorithm m) {
  switch (m) {
    case MacAlgorithm::kAead: return "AEAD";
    case MacAlgorithm::kHmacSha1: return "HMAC_SHA1";
    case MacAlgorithm::kHmacSha256: return "HMAC_SHA256";
    case MacAlgorithm::kHmacSha384: return "HMAC_SHA384";
  }
  return "?";
}
std::string PrfText(HashAlg h) {
  switch (h) {
    case HashAlg::kMd5Sha1: return "MD5SHA1";
    case HashAlg::kSha256: return "SHA256";
    case HashAlg::kSha384: return "SHA384";
    default: return "?";  // never a catalog PRF hash
  }
}
std::set<std::string> VersionsText(VersionSet versions) {
  std::set<std::string> out;
  if (versions.Contains(ProtocolVersion::kTls10)) out.insert("1.0");
  if (versions.Contains(ProtocolVersion::kTls11)) out.insert("1.1");
  if (versions.Contains(ProtocolVersion::kTls12)) out.insert("1.2");
  if (versions.Contains(ProtocolVersion::kTls13)) out.insert("1.3");
  if (versions.Contains(ProtocolVersion::kDtls10) || versions.Contains(ProtocolVersion::kDtls12) ||
      versions.Contains(ProtocolVersion::kDtls13)) {
    out.insert("DTLS");  // never in the catalog: the expectation list has no DTLS suite
  }
  return out;
}

TEST(CipherSuiteCatalog, MatchesTheIanaExpectationList) {
  const ExpectationList& list = LoadExpectations();
  ASSERT_EQ(list.suites.size(), 34u)
      << "the task's suite list: 12 ECDHE + 6 DHE + 6 RSA + 3 ChaCha + 3 TLS 1.3 + 4 PSK";
  ASSERT_EQ(kCipherSuites.size(), list.suites.size());
  for (const Expected& e : list.suites) {
    SCOPED_TRACE(e.name);
    const CipherSuite* s = FindCipherSuite(e.id);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->name, e.name);
    EXPECT_EQ(KxText(s->kx), e.kx);
    EXPECT_EQ(AuthText(s->auth), e.auth);
    EXPECT_EQ(CipherText(s->cipher), e.cipher);
    EXPECT_EQ(MacText(s->mac), e.mac);
    EXPECT_EQ(PrfText(s->prf), e.prf);
    EXPECT_EQ(VersionsText(s->versions), e.versions);
  }
  // And nothing in the catalog that the list does not have.
  std::set<std::uint32_t> listed;
  for (const Expected& e : list.suites) listed.insert(e.id);
  for (const CipherSuite& s : kCipherSuites) EXPECT_TRUE(listed.count(s.id)) << s.name;
}

TEST(CipherSuiteCatalog, ExcludedSuitesAreAbsentAndNotSupported) {
  const ExpectationList& list = LoadExpectations();
  ASSERT_GE(list.absent.size(), 30u);
  for (const Absent& a : list.absent) {
    SCOPED_TRACE(a.name);
    EXPECT_EQ(FindCipherSuite(a.id), nullptr);
    for (std::uint32_t v : {0x0301u, 0x0302u, 0x0303u, 0x0304u}) {
      auto r = LookupCipherSuite(v, a.id);
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error(), Error::kNotSupported);
    }
  }
}

TEST(CipherSuiteCatalog, NoWeakFamilyByName) {
  for (const CipherSuite& s : kCipherSuites) {
    for (const char* bad : {"RC4", "DES", "3DES", "NULL", "EXPORT", "anon", "DSS", "MD5", "RC2", "IDEA", "CCM"}) {
      EXPECT_EQ(s.name.find(bad), std::string_view::npos) << s.name << " contains " << bad;
    }
  }
}

TEST(CipherSuiteCatalog, SortedByIdWithoutDuplicates) {
  for (std::size_t i = 1; i < kCipherSuites.size(); ++i) EXPECT_LT(kCipherSuites[i - 1].id, kCipherSuites[i].id);
}

TEST(CipherSuiteCatalog, UnknownIdsAndProtocols) {
  for (std::uint32_t id : {0x1234u, 0xFFFFu, 0x10000u, 0xFFFFFFFFu, 0x002Eu, 0x0030u, 0xC02Au, 0xCCABu}) {
    EXPECT_EQ(FindCipherSuite(id), nullptr) << std::hex << id;
    EXPECT_EQ(LookupCipherSuite(0x0303, id).error(), Error::kNotSupported);
  }
  // SSL 2, SSL 3, DTLS 1.0/1.2 and nonsense protocol values.
  for (std::uint32_t v : {0x0002u, 0x0300u, 0xFEFFu, 0xFEFDu, 0x0000u, 0x0305u, 0x0303FFFFu, 0xFFFFFFFFu}) {
    EXPECT_EQ(ParseProtocolVersion(v).error(), Error::kNotSupported) << std::hex << v;
    EXPECT_EQ(LookupCipherSuite(v, 0xC02F).error(), Error::kNotSupported) << std::hex << v;
  }
}

TEST(CipherSuiteCatalog, VersionMismatchIsNotSupported) {
  EXPECT_EQ(LookupCipherSuite(0x0301, 0xC02F).error(), Error::kNotSupported);  // GCM on TLS 1.0
  EXPECT_EQ(LookupCipherSuite(0x0302, 0x003C).error(), Error::kNotSupported);  // SHA256 on TLS 1.1
  EXPECT_EQ(LookupCipherSuite(0x0303, 0x1301).error(), Error::kNotSupported);  // TLS 1.3 suite on 1.2
  EXPECT_EQ(LookupCipherSuite(0x0304, 0xC02F).error(), Error::kNotSupported);  // TLS 1.2 suite on 1.3
  EXPECT_EQ(LookupCipherSuite(0x0304, 0x002F).error(), Error::kNotSupported);
  ASSERT_TRUE(LookupCipherSuite(0x0301, 0x002F).ok());
  EXPECT_EQ(LookupCipherSuite(0x0301, 0x002F).value()->id, 0x002F);
}

TEST(CipherSuiteCatalog, EnumerationOrder) {
  const auto order = EnumerationOrder();
  std::size_t expected = 0;
  for (const CipherSuite& s : kCipherSuites) expected += VersionsText(s.versions).size();
  // 8 CBC-SHA suites on three versions + 26 single-version suites.
  EXPECT_EQ(expected, 8u * 3 + 26u);
  ASSERT_EQ(order.size(), expected);
  std::set<std::pair<std::uint16_t, std::uint16_t>> seen;
  for (const SuiteVersion& sv : order) {
    EXPECT_TRUE(SupportsVersion(*sv.suite, sv.version));
    EXPECT_TRUE(seen.insert({sv.suite->id, static_cast<std::uint16_t>(sv.version)}).second) << "duplicate";
  }
  // TLS 1.3 first; RSA key transport after every forward-secret certificate suite; PSK last.
  EXPECT_EQ(order.front().version, ProtocolVersion::kTls13);
  EXPECT_EQ(order.front().suite->id, 0x1302);
  std::size_t last_fs = 0, first_rsa = order.size(), first_psk = order.size(), last_rsa = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const KeyExchange kx = order[i].suite->kx;
    if (kx == KeyExchange::kEcdhe || kx == KeyExchange::kDhe || kx == KeyExchange::kTls13) last_fs = i;
    if (kx == KeyExchange::kRsa) first_rsa = std::min(first_rsa, i), last_rsa = i;
    if (kx == KeyExchange::kPsk) first_psk = std::min(first_psk, i);
  }
  EXPECT_LT(last_fs, first_rsa);
  EXPECT_LT(last_rsa, first_psk);
  // RSA CBC is the last RSA group, ending with TLS_RSA_WITH_AES_128_CBC_SHA on TLS 1.0.
  EXPECT_EQ(order[last_rsa].suite->id, 0x002F);
  EXPECT_EQ(order[last_rsa].version, ProtocolVersion::kTls10);
}

TEST(CipherSuiteCatalog, KeyTypeChecks) {
  const CipherSuite& ecdhe = *FindCipherSuite(0xC02F);
  const CipherSuite& dhe = *FindCipherSuite(0x009E);
  const CipherSuite& rsa = *FindCipherSuite(0x009C);
  const CipherSuite& psk = *FindCipherSuite(0x00A8);
  const CipherSuite& tls13 = *FindCipherSuite(0x1301);
  for (const CipherSuite* s : {&ecdhe, &dhe, &rsa, &psk, &tls13}) EXPECT_TRUE(CheckKeyType(*s, 0).ok());
  for (std::uint32_t t : {23u, 24u, 25u, 29u, 30u}) {
    EXPECT_TRUE(CheckKeyType(ecdhe, t).ok());
    EXPECT_TRUE(CheckKeyType(tls13, t).ok());
    EXPECT_EQ(CheckKeyType(dhe, t).error(), Error::kInvalidParameter);
    EXPECT_EQ(CheckKeyType(rsa, t).error(), Error::kInvalidParameter);
  }
  EXPECT_TRUE(CheckKeyType(dhe, 256).ok());
  EXPECT_EQ(CheckKeyType(ecdhe, 256).error(), Error::kInvalidParameter);
  EXPECT_EQ(CheckKeyType(psk, 23).error(), Error::kInvalidParameter);
  for (std::uint32_t t : {1u, 22u, 26u, 0x1234u, 0xFFFFFFFFu})
    EXPECT_EQ(CheckKeyType(ecdhe, t).error(), Error::kNotSupported);
}

// ---- Per-suite invariants (TEST_P over the catalog) ------------------------------------------

class CatalogEntry : public testing::TestWithParam<CipherSuite> {};

TEST_P(CatalogEntry, KeyAndIvLengthsFollowTheRfcs) {
  const CipherSuite& s = GetParam();
  const bool aes128 = s.cipher == BulkCipher::kAes128Gcm || s.cipher == BulkCipher::kAes128Cbc;
  EXPECT_EQ(s.key_len, aes128 ? 16 : 32);  // AES-128 / AES-256 / ChaCha20 (RFC 8439 §2.3: 256-bit key)
  switch (s.cipher) {
    case BulkCipher::kAes128Gcm:
    case BulkCipher::kAes256Gcm:
      EXPECT_EQ(s.tag_len, 16);  // RFC 5288 §3 / RFC 8446 §B.4: 16-byte tag
      EXPECT_EQ(s.mac_key_len, 0);
      if (s.kx == KeyExchange::kTls13) {
        EXPECT_EQ(s.fixed_iv_len, 12);  // RFC 8446 §5.3: iv_length 12
        EXPECT_EQ(s.record_iv_len, 0);
      } else {
        EXPECT_EQ(s.fixed_iv_len, 4);   // RFC 5288 §3: 4-byte salt from the key block
        EXPECT_EQ(s.record_iv_len, 8);  // RFC 5288 §3: 8-byte nonce_explicit
      }
      break;
    case BulkCipher::kChaCha20Poly1305:
      EXPECT_EQ(s.tag_len, 16);
      EXPECT_EQ(s.fixed_iv_len, 12);  // RFC 7905 §2: 12-byte fixed_iv_length, no explicit nonce
      EXPECT_EQ(s.record_iv_len, 0);
      break;
    case BulkCipher::kAes128Cbc:
    case BulkCipher::kAes256Cbc: {
      EXPECT_EQ(s.tag_len, 0);
      EXPECT_EQ(s.fixed_iv_len, 16);   // RFC 5246 App. C: IV size 16 (TLS 1.0 implicit IV)
      EXPECT_EQ(s.record_iv_len, 16);  // RFC 4346 §6.2.3.2: explicit IV = block size
      const int mac = s.mac == MacAlgorithm::kHmacSha1 ? 20 : s.mac == MacAlgorithm::kHmacSha256 ? 32 : 48;
      EXPECT_EQ(s.mac_key_len, mac);  // RFC 5246 App. C: mac_key_length
      break;
    }
  }
}

TEST_P(CatalogEntry, PerVersionDerivedFacts) {
  const CipherSuite& s = GetParam();
  for (ProtocolVersion v : kProtocolVersionsNewestFirst) {
    auto lookup = LookupCipherSuite(static_cast<std::uint32_t>(v), s.id);
    EXPECT_EQ(lookup.ok(), SupportsVersion(s, v));
    if (!SupportsVersion(s, v)) continue;
    EXPECT_EQ(lookup.value()->id, s.id);
    // TLS 1.0/1.1 PRF is MD5 ‖ SHA-1 whatever the suite says (RFC 2246 §5, RFC 4346 §5).
    if (v == ProtocolVersion::kTls10 || v == ProtocolVersion::kTls11) {
      EXPECT_EQ(PrfHashFor(s, v), HashAlg::kMd5Sha1);
    } else {
      EXPECT_EQ(PrfHashFor(s, v), s.prf);
    }
    const RecordOverhead o = RecordOverheadFor(s, v);
    if (s.mac != MacAlgorithm::kAead) {
      EXPECT_EQ(KeyBlockIvLength(s, v), v == ProtocolVersion::kTls10 ? 16 : 0);
      EXPECT_EQ(o.header_len, v == ProtocolVersion::kTls10 ? 0u : 16u);
      EXPECT_EQ(o.fixed_trailer_len, s.mac_key_len);
      EXPECT_EQ(o.max_variable_trailer_len, 16u);
      EXPECT_TRUE(o.block_padding);
    } else if (v == ProtocolVersion::kTls13) {
      EXPECT_EQ(o.header_len, 0u);
      EXPECT_EQ(o.fixed_trailer_len, 17u);  // 16-byte tag + inner content type (RFC 8446 §5.2)
      EXPECT_EQ(o.max_variable_trailer_len, 0u);
    } else {
      const bool gcm = s.cipher != BulkCipher::kChaCha20Poly1305;
      EXPECT_EQ(o.header_len, gcm ? 8u : 0u);
      EXPECT_EQ(o.fixed_trailer_len, 16u);
      EXPECT_EQ(o.max_variable_trailer_len, 0u);
      EXPECT_FALSE(o.block_padding);
    }
  }
}

TEST_P(CatalogEntry, NamesFitAndAgreeWithTheIanaName) {
  const CipherSuite& s = GetParam();
  EXPECT_LT(s.name.size(), 64u);
  EXPECT_EQ(s.name.rfind("TLS_", 0), 0u);
  // The suffix of the IANA name names the MAC / PRF hash.
  const bool sha384 = s.name.ends_with("_SHA384");
  EXPECT_EQ(s.prf == HashAlg::kSha384, sha384);
  EXPECT_EQ(CngCipherName(s.cipher), s.cipher == BulkCipher::kChaCha20Poly1305 ? u"CHACHA20_POLY1305" : u"AES");
}

std::string ParamName(const testing::TestParamInfo<CipherSuite>& info) { return std::string(info.param.name); }

INSTANTIATE_TEST_SUITE_P(AllSuites, CatalogEntry, testing::ValuesIn(kCipherSuites), ParamName);

// ---- Private-key filtering (SslEnumCipherSuites with hPrivateKey) ------------------------------

class FakePrivateKey final : public KeyObject {
 public:
  explicit FakePrivateKey(std::u16string algorithm, ObjectKind kind = ObjectKind::kPrivateKey)
      : KeyObject(kind), algorithm_(std::move(algorithm)) {}
  KeyDescription Describe() const override { return {algorithm_, 256, 0}; }

 private:
  std::u16string algorithm_;
};

class PrivateKeyFilter : public testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(SslOpenProvider(&prov_, nullptr, 0), 0); }
  void TearDown() override {
    for (Handle h : handles_) (void)HandleTable::Global().Erase(h);
    EXPECT_EQ(SslFreeObject(prov_, 0), 0);
  }
  NCRYPT_KEY_HANDLE AddKey(std::u16string algorithm, ObjectKind kind = ObjectKind::kPrivateKey) {
    auto h = HandleTable::Global().Insert(std::make_shared<FakePrivateKey>(std::move(algorithm), kind));
    EXPECT_TRUE(h.ok());
    handles_.push_back(h.value());
    return static_cast<NCRYPT_KEY_HANDLE>(h.value());
  }
  // Enumerates every (suite, protocol) entry with `key`; returns the suite ids, in order.
  std::vector<std::uint32_t> Enumerate(NCRYPT_KEY_HANDLE key) {
    std::vector<std::uint32_t> ids;
    void* state = nullptr;
    NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
    SECURITY_STATUS rc;
    while ((rc = SslEnumCipherSuites(prov_, key, &suite, &state, 0)) == 0) {
      ids.push_back(suite->dwCipherSuite);
      EXPECT_EQ(SslFreeBuffer(suite), 0);
    }
    EXPECT_EQ(rc, NTE_NO_MORE_ITEMS);
    if (state != nullptr) {
      EXPECT_EQ(SslFreeBuffer(state), 0);
    }
    return ids;
  }

  NCRYPT_PROV_HANDLE prov_ = 0;
  std::vector<Handle> handles_;
};

TEST_F(PrivateKeyFilter, RsaKeyGetsRsaAndTls13Suites) {
  const auto ids = Enumerate(AddKey(u"RSA"));
  ASSERT_FALSE(ids.empty());
  std::set<std::uint32_t> distinct(ids.begin(), ids.end());
  for (std::uint32_t id : distinct) {
    const CipherSuite* s = FindCipherSuite(id);
    ASSERT_NE(s, nullptr);
    EXPECT_TRUE(s->auth == Authentication::kRsa || s->auth == Authentication::kAny) << s->name;
  }
  // Independent spot checks: RSA-signed ECDHE, DHE and RSA key transport are in, ECDSA and PSK out.
  for (std::uint32_t id : {0x1301u, 0x1302u, 0x1303u, 0xC02Fu, 0xC030u, 0xCCA8u, 0x009Eu, 0xCCAAu, 0x009Cu, 0x002Fu})
    EXPECT_TRUE(distinct.count(id)) << std::hex << id;
  for (std::uint32_t id : {0xC02Bu, 0xC009u, 0xCCA9u, 0x00A8u, 0x00AFu})
    EXPECT_FALSE(distinct.count(id)) << std::hex << id;
  EXPECT_EQ(distinct.size(), 3u + 7u + 7u + 6u);  // TLS 1.3 + ECDHE-RSA + DHE-RSA + RSA
}

TEST_F(PrivateKeyFilter, EcdsaKeyGetsEcdsaAndTls13Suites) {
  for (const char16_t* alg : {u"ECDSA", u"ECDSA_P256", u"ECDSA_P384"}) {
    const auto ids = Enumerate(AddKey(alg));
    std::set<std::uint32_t> distinct(ids.begin(), ids.end());
    const std::set<std::uint32_t> expected = {0x1301, 0x1302, 0x1303, 0xC009, 0xC00A,
                                              0xC023, 0xC024, 0xC02B, 0xC02C, 0xCCA9};
    EXPECT_EQ(distinct, expected);
    // C009 and C00A appear for TLS 1.0, 1.1 and 1.2.
    EXPECT_EQ(ids.size(), expected.size() + 2 * 2);
  }
}

TEST_F(PrivateKeyFilter, OtherAlgorithmsGetOnlyTls13) {
  for (const char16_t* alg : {u"DSA", u"Ed25519", u"ECDH", u""}) {
    const auto ids = Enumerate(AddKey(alg));
    EXPECT_EQ(ids, (std::vector<std::uint32_t>{0x1302, 0x1301, 0x1303}));
  }
}

TEST_F(PrivateKeyFilter, NoKeyGetsEverythingIncludingPsk) {
  const auto ids = Enumerate(0);
  EXPECT_EQ(ids.size(), 50u);
  std::set<std::uint32_t> distinct(ids.begin(), ids.end());
  EXPECT_EQ(distinct.size(), 34u);
  EXPECT_TRUE(distinct.count(0x00A8));
}

TEST_F(PrivateKeyFilter, WrongKindAndStaleKeyHandles) {
  NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
  void* state = nullptr;
  // A public key (not a certificate's private key) and a provider handle are the wrong kinds.
  EXPECT_EQ(SslEnumCipherSuites(prov_, AddKey(u"RSA", ObjectKind::kPublicKey), &suite, &state, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslEnumCipherSuites(prov_, prov_, &suite, &state, 0), NTE_INVALID_HANDLE);
  NCRYPT_KEY_HANDLE stale = AddKey(u"RSA");
  ASSERT_TRUE(HandleTable::Global().Erase(static_cast<Handle>(stale)).ok());
  EXPECT_EQ(SslEnumCipherSuites(prov_, stale, &suite, &state, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(suite, nullptr);
  EXPECT_EQ(state, nullptr);
}

TEST_F(PrivateKeyFilter, ExFiltersTheSameWay) {
  NCRYPT_KEY_HANDLE key = AddKey(u"ECDSA");
  void* state = nullptr;
  NCRYPT_SSL_CIPHER_SUITE_EX* suite = nullptr;
  std::vector<std::uint32_t> ids;
  SECURITY_STATUS rc;
  while ((rc = SslEnumCipherSuitesEx(prov_, key, &suite, &state, 0)) == 0) {
    ids.push_back(suite->dwCipherSuite);
    EXPECT_EQ(suite->dwVersion, 1u);
    EXPECT_EQ(SslFreeBuffer(suite), 0);
  }
  EXPECT_EQ(rc, NTE_NO_MORE_ITEMS);
  EXPECT_EQ(SslFreeBuffer(state), 0);
  EXPECT_EQ(ids, Enumerate(key));
}

}  // namespace
}  // namespace opensslp
