// tls13_key_blob_exports_test.cpp - SslExportKey / SslImportKey of TLS 1.3 record keys
// (SslExpandWriteKey) and traffic secrets (SslExpandTrafficKeys, SslExpandNextGenTrafficKey) as
// BCRYPT_OPAQUE_KEY_BLOB (src/record/tls13_key_blob.h), through the exported API only.
//
// Independent expectations: the test holds the peer's private key, so it computes the (EC)DHE
// secret, the whole schedule, the traffic secrets, their KeyUpdate successors and the record keys
// and IVs with OpenSSL's HKDF / TLS13-KDF (tests/support/ossl_reference.h), and seals and opens
// records with OpenSSL's EVP AEAD. Nothing the provider computes is an expected value. The
// two-process tests hand blobs to opensslp_opaque_blob_child (tests/child/opaque_blob_child.cpp),
// which continues the stream and performs a KeyUpdate in a separate process (under Wine: a
// separate Windows process).
#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/blob_child.h"
#include "support/bytes.h"
#include "support/ossl_reference.h"
#include "support/provider_support.h"
#include "support/tls13_schedule.h"
#include "support/wide.h"

namespace {

using namespace std::string_view_literals;
using opensslp::test::AsBytes;
using opensslp::test::ByteVec;
using opensslp::test::ByteView;
using opensslp::test::Concat;
using opensslp::test::DeriveSecret;
using opensslp::test::Digest;
using opensslp::test::Hex;
using opensslp::test::HkdfExpandLabel;
using opensslp::test::HkdfExtract;
using opensslp::test::Tls13Extract;
using opensslp_test::OpenProvider;
using opensslp_test::ReadFile;
using opensslp_test::RunChild;
using opensslp_test::ScratchPath;
using opensslp_test::SplitRecords;
using opensslp_test::StaleProvider;
using opensslp_test::WriteFile;

struct Suite {
  DWORD id;
  const char* digest;  // OpenSSL name of the suite's hash
  std::size_t n;       // Hash.length
  const char* cipher;  // OpenSSL name of the record cipher
  std::size_t key_len;
};
constexpr Suite kSuites[] = {{TLS_AES_128_GCM_SHA256, "SHA256", 32, "AES-128-GCM", 16},
                             {TLS_AES_256_GCM_SHA384, "SHA384", 48, "AES-256-GCM", 32},
                             {0x1303 /* TLS_CHACHA20_POLY1305_SHA256 */, "SHA256", 32, "ChaCha20-Poly1305", 32}};

constexpr NCRYPT_KEY_HANDLE kSentinel = 0x5a5a;
const char16_t* const kOpaque = u"OpaqueKeyBlob";

ByteVec Be64(std::uint64_t x) {
  ByteVec out(8);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(x >> (56 - 8 * i));
  return out;
}

ByteVec Text(const char* prefix, std::uint64_t seq) {
  const std::string s = std::string(prefix) + " " + std::to_string(seq);
  return ByteVec(s.begin(), s.end());
}

// TLSInnerPlaintext without padding: content ‖ type.
ByteVec Inner(ByteView content, std::uint8_t type) { return Concat({content, ByteView(&type, 1)}); }

// OpenSSL's record protection (RFC 8446 §5.2, §5.3): key and IV of a traffic secret, nonce = IV
// XOR seq, AAD = the 5-byte header.
struct RecordKeys {
  ByteVec key, iv;
};

RecordKeys ReferenceKeys(const Suite& s, ByteView traffic_secret) {
  return {HkdfExpandLabel(s.digest, traffic_secret, "key", {}, s.key_len),
          HkdfExpandLabel(s.digest, traffic_secret, "iv", {}, 12)};
}

ByteVec Nonce(const RecordKeys& k, std::uint64_t seq) {
  ByteVec nonce = k.iv;
  for (int i = 0; i < 8; ++i) nonce[11 - i] ^= static_cast<std::uint8_t>(seq >> (8 * i));
  return nonce;
}

ByteVec ReferenceSeal(const Suite& s, const RecordKeys& k, std::uint64_t seq, ByteView inner) {
  const std::size_t len = inner.size() + 16;
  const ByteVec header = {0x17, 0x03, 0x03, static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)};
  return Concat({header, opensslp::test::AeadSeal(s.cipher, k.key, Nonce(k, seq), header, inner)});
}

// The inner plaintext (content ‖ type, no padding is sent by the provider), or nullopt.
std::optional<ByteVec> ReferenceOpen(const Suite& s, const RecordKeys& k, std::uint64_t seq, const ByteVec& record) {
  if (record.size() < 5 + 17) return std::nullopt;
  return opensslp::test::AeadOpen(s.cipher, k.key, Nonce(k, seq), ByteView(record).first(5),
                                  ByteView(record).subspan(5));
}

// ---- fixture -------------------------------------------------------------------------------------

// A 1-RTT schedule over a P-256 exchange with an OpenSSL key: the handshake and application
// traffic secrets of both sides as handles, and the same secrets as OpenSSL derives them.
class Tls13KeyBlob : public testing::TestWithParam<Suite> {
 protected:
  void SetUp() override {
    prov_ = OpenProvider();
    peer_ = EVP_EC_gen("P-256");
    ASSERT_NE(peer_, nullptr);
    const Suite& s = suite();
    ByteVec shared;
    ASSERT_NO_FATAL_FAILURE(
        opensslp_test::Tls13Schedule(prov_, s.id, peer_, handles_, &early_, &handshake_, &master_, &shared));
    const ByteVec hellos = Concat({AsBytes("\x01\x00\x00\x05hello"sv), AsBytes("\x02\x00\x00\x05world"sv)});
    const ByteVec flight = Concat({hellos, AsBytes("\x08\x00\x00\x02{}\x14\x00\x00\x01!"sv)});
    hello_hash_ = Transcript(hellos);
    flight_hash_ = Transcript(flight);
    ASSERT_EQ(SslExpandTrafficKeys(prov_, handshake_, hello_hash_, &c_hs_, &s_hs_, nullptr, 0), 0);
    Keep(c_hs_);
    Keep(s_hs_);
    ASSERT_EQ(SslExpandTrafficKeys(prov_, master_, flight_hash_, &c_ap_, &s_ap_, nullptr, 0), 0);
    Keep(c_ap_);
    Keep(s_ap_);
    const ByteVec ref_hs = Tls13Extract(s.digest, Tls13Extract(s.digest, {}, {}), shared);
    const ByteVec ref_ms = Tls13Extract(s.digest, ref_hs, {});
    ref_c_hs_ = DeriveSecret(s.digest, ref_hs, "c hs traffic", hellos);
    ref_s_hs_ = DeriveSecret(s.digest, ref_hs, "s hs traffic", hellos);
    ref_c_ap_ = DeriveSecret(s.digest, ref_ms, "c ap traffic", flight);
    ref_s_ap_ = DeriveSecret(s.digest, ref_ms, "s ap traffic", flight);
  }
  void TearDown() override {
    for (auto h : handles_) SslFreeObject(h, 0);
    SslFreeObject(prov_, 0);
    EVP_PKEY_free(peer_);
  }
  const Suite& suite() const { return GetParam(); }
  ULONG_PTR Keep(ULONG_PTR h) {
    if (h != 0) handles_.push_back(h);
    return h;
  }

  NCRYPT_HASH_HANDLE Transcript(ByteView messages) {
    NCRYPT_HASH_HANDLE h = 0;
    EXPECT_EQ(SslCreateHandshakeHash(prov_, &h, TLS1_3_PROTOCOL_VERSION, suite().id, 0), 0);
    EXPECT_EQ(
        SslHashHandshake(prov_, h, const_cast<std::uint8_t*>(messages.data()), static_cast<DWORD>(messages.size()), 0),
        0);
    return Keep(h);
  }
  NCRYPT_KEY_HANDLE WriteKey(NCRYPT_KEY_HANDLE traffic) {
    NCRYPT_KEY_HANDLE key = 0;
    EXPECT_EQ(SslExpandWriteKey(prov_, traffic, &key, nullptr, 0), 0);
    return Keep(key);
  }
  NCRYPT_KEY_HANDLE NextGen(NCRYPT_KEY_HANDLE traffic) {
    NCRYPT_KEY_HANDLE next = 0;
    EXPECT_EQ(SslExpandNextGenTrafficKey(prov_, traffic, &next, nullptr, 0), 0);
    return Keep(next);
  }
  // application_traffic_secret_N+1 as OpenSSL derives it (RFC 8446 §7.2).
  ByteVec RefNext(ByteView secret) const {
    return HkdfExpandLabel(suite().digest, secret, "traffic upd", {}, suite().n);
  }

  ByteVec Export(NCRYPT_KEY_HANDLE key) {
    DWORD size = 0;
    EXPECT_EQ(SslExportKey(prov_, key, W(kOpaque), nullptr, 0, &size, 0), 0);
    ByteVec blob(size);
    DWORD written = 0;
    EXPECT_EQ(SslExportKey(prov_, key, W(kOpaque), blob.data(), size, &written, 0), 0);
    EXPECT_EQ(written, size);
    return blob;
  }
  NCRYPT_KEY_HANDLE Import(ByteVec blob) {
    NCRYPT_KEY_HANDLE key = 0;
    EXPECT_EQ(SslImportKey(prov_, &key, W(kOpaque), blob.data(), static_cast<DWORD>(blob.size()), 0), 0);
    return Keep(key);
  }
  SECURITY_STATUS ImportStatus(ByteVec blob) {
    NCRYPT_KEY_HANDLE key = kSentinel;
    SECURITY_STATUS rc = SslImportKey(prov_, &key, W(kOpaque), blob.data(), static_cast<DWORD>(blob.size()), 0);
    if (rc == 0)
      Keep(key);
    else
      EXPECT_EQ(key, kSentinel) << "no handle on failure";
    return rc;
  }
  SECURITY_STATUS ExportStatus(NCRYPT_KEY_HANDLE key, const char16_t* type = kOpaque) {
    DWORD size = 77;
    SECURITY_STATUS rc = SslExportKey(prov_, key, W(type), nullptr, 0, &size, 0);
    if (rc != 0) {
      EXPECT_EQ(size, 77u) << "no size on failure";
    }
    return rc;
  }

  // Our side: one application-data record "<prefix> <seq>".
  SECURITY_STATUS Seal(NCRYPT_KEY_HANDLE key, std::uint64_t seq, ByteVec* record, const char* prefix = "record") {
    ByteVec text = Text(prefix, seq);
    record->assign(256, 0);
    DWORD written = 0;
    SECURITY_STATUS rc = SslEncryptPacket(prov_, key, text.data(), static_cast<DWORD>(text.size()), record->data(), 256,
                                          &written, seq, CT_APPLICATIONDATA, 0);
    record->resize(rc == 0 ? written : 0);
    return rc;
  }
  SECURITY_STATUS Open(NCRYPT_KEY_HANDLE key, std::uint64_t seq, ByteVec record, ByteVec* inner) {
    inner->assign(record.size(), 0);
    DWORD got = 0;
    SECURITY_STATUS rc = SslDecryptPacket(prov_, key, record.data(), static_cast<DWORD>(record.size()), inner->data(),
                                          static_cast<DWORD>(inner->size()), &got, seq, 0);
    inner->resize(rc == 0 ? got : 0);
    return rc;
  }

  NCRYPT_PROV_HANDLE prov_ = 0;
  EVP_PKEY* peer_ = nullptr;
  std::vector<ULONG_PTR> handles_;
  NCRYPT_KEY_HANDLE early_ = 0, handshake_ = 0, master_ = 0, c_hs_ = 0, s_hs_ = 0, c_ap_ = 0, s_ap_ = 0;
  NCRYPT_HASH_HANDLE hello_hash_ = 0, flight_hash_ = 0;
  ByteVec ref_c_hs_, ref_s_hs_, ref_c_ap_, ref_s_ap_;
};

INSTANTIATE_TEST_SUITE_P(Suites, Tls13KeyBlob, testing::ValuesIn(kSuites), [](const testing::TestParamInfo<Suite>& p) {
  return std::string(p.param.id == TLS_AES_128_GCM_SHA256   ? "Aes128GcmSha256"
                     : p.param.id == TLS_AES_256_GCM_SHA384 ? "Aes256GcmSha384"
                                                            : "ChaCha20Poly1305Sha256");
});

ByteVec Header(std::uint8_t kind, std::uint8_t stage, DWORD suite) {
  return {'O', 'P', '1', '3', 0, 1, kind, stage, 0x03, 0x04, 0x13, static_cast<std::uint8_t>(suite)};
}

// ---- layout ------------------------------------------------------------------------------------

// The documented layout (src/record/tls13_key_blob.h) holds the secrets OpenSSL derived.
TEST_P(Tls13KeyBlob, LayoutCarriesOpenSslDerivedValues) {
  const Suite& s = suite();
  const std::uint8_t n = static_cast<std::uint8_t>(s.n);
  EXPECT_EQ(Hex(Export(c_ap_)), Hex(Concat({Header(2, 2, s.id), ByteVec{0, n}, ref_c_ap_})));
  EXPECT_EQ(Hex(Export(s_ap_)), Hex(Concat({Header(2, 2, s.id), ByteVec{1, n}, ref_s_ap_})));
  EXPECT_EQ(Hex(Export(c_hs_)), Hex(Concat({Header(2, 1, s.id), ByteVec{0, n}, ref_c_hs_})));
  EXPECT_EQ(Hex(Export(s_hs_)), Hex(Concat({Header(2, 1, s.id), ByteVec{1, n}, ref_s_hs_})));
  // KeyUpdate's successor: still application traffic, the same side.
  EXPECT_EQ(Hex(Export(NextGen(s_ap_))), Hex(Concat({Header(2, 2, s.id), ByteVec{1, n}, RefNext(ref_s_ap_)})));

  const NCRYPT_KEY_HANDLE key = WriteKey(c_ap_);
  const RecordKeys ref = ReferenceKeys(s, ref_c_ap_);
  const std::uint8_t key_len = static_cast<std::uint8_t>(s.key_len);
  EXPECT_EQ(Hex(Export(key)), Hex(Concat({Header(1, 2, s.id), Be64(0), ByteVec{key_len, 12}, ref.key, ref.iv})));
  ByteVec record;
  ASSERT_EQ(Seal(key, 41, &record), 0);
  EXPECT_EQ(Hex(Export(key)), Hex(Concat({Header(1, 2, s.id), Be64(42), ByteVec{key_len, 12}, ref.key, ref.iv})));
  const RecordKeys hs = ReferenceKeys(s, ref_s_hs_);
  EXPECT_EQ(Hex(Export(WriteKey(s_hs_))),
            Hex(Concat({Header(1, 1, s.id), Be64(0), ByteVec{key_len, 12}, hs.key, hs.iv})));
}

// ---- the stream continues: in this process --------------------------------------------------------

// The imported record key continues both directions: it refuses the exporter's sequence numbers,
// seals what OpenSSL opens with its own keys, and opens what OpenSSL seals.
TEST_P(Tls13KeyBlob, RecordKeyContinuesAfterImport) {
  const Suite& s = suite();
  const NCRYPT_KEY_HANDLE key = WriteKey(c_ap_);
  const RecordKeys ref = ReferenceKeys(s, ref_c_ap_);
  ByteVec record;
  for (std::uint64_t seq = 0; seq < 3; ++seq) {
    ASSERT_EQ(Seal(key, seq, &record), 0);
    ASSERT_EQ(ReferenceOpen(s, ref, seq, record), Inner(Text("record", seq), CT_APPLICATIONDATA));
  }
  const NCRYPT_KEY_HANDLE moved = Import(Export(key));
  EXPECT_EQ(Seal(moved, 2, &record), NTE_INVALID_PARAMETER);
  EXPECT_EQ(Seal(moved, 0, &record), NTE_INVALID_PARAMETER);
  for (std::uint64_t seq = 3; seq < 6; ++seq) {
    ASSERT_EQ(Seal(moved, seq, &record), 0);
    EXPECT_EQ(ReferenceOpen(s, ref, seq, record), Inner(Text("record", seq), CT_APPLICATIONDATA))
        << "OpenSSL opens the imported key's record " << seq;
  }
  // The receiving direction: the server's key, moved before it opened anything.
  const NCRYPT_KEY_HANDLE server_key = Import(Export(WriteKey(s_ap_)));
  const RecordKeys server = ReferenceKeys(s, ref_s_ap_);
  ByteVec inner;
  for (std::uint64_t seq : {0u, 1u, 7u}) {
    const ByteVec content = Text("server", seq);
    ASSERT_EQ(Open(server_key, seq, ReferenceSeal(s, server, seq, Inner(content, CT_APPLICATIONDATA)), &inner), 0);
    EXPECT_EQ(inner, Inner(content, CT_APPLICATIONDATA));
  }
}

// An imported traffic secret is the original: SslExpandWriteKey gives the key OpenSSL derives
// from the original secret, SslExpandNextGenTrafficKey the next generation, and its Finished MAC
// is the one OpenSSL computes.
TEST_P(Tls13KeyBlob, TrafficSecretContinuesAfterImport) {
  const Suite& s = suite();
  const NCRYPT_KEY_HANDLE moved = Import(Export(c_ap_));
  ByteVec record;
  ASSERT_EQ(Seal(WriteKey(moved), 0, &record), 0);
  EXPECT_EQ(ReferenceOpen(s, ReferenceKeys(s, ref_c_ap_), 0, record), Inner(Text("record", 0), CT_APPLICATIONDATA));

  // KeyUpdate twice after the move.
  const NCRYPT_KEY_HANDLE gen1 = NextGen(moved), gen2 = NextGen(gen1);
  const ByteVec ref1 = RefNext(ref_c_ap_), ref2 = RefNext(ref1);
  ASSERT_EQ(Seal(WriteKey(gen1), 0, &record, "update"), 0);
  EXPECT_EQ(ReferenceOpen(s, ReferenceKeys(s, ref1), 0, record), Inner(Text("update", 0), CT_APPLICATIONDATA));
  ASSERT_EQ(Seal(WriteKey(gen2), 5, &record, "update"), 0);
  EXPECT_EQ(ReferenceOpen(s, ReferenceKeys(s, ref2), 5, record), Inner(Text("update", 5), CT_APPLICATIONDATA));
  // And the other way round: KeyUpdate before the move, the receiver opens with the moved secret.
  const NCRYPT_KEY_HANDLE s_gen1 = Import(Export(NextGen(s_ap_)));
  ByteVec inner;
  const ByteVec content = Text("server", 3);
  ASSERT_EQ(Open(WriteKey(s_gen1), 3,
                 ReferenceSeal(s, ReferenceKeys(s, RefNext(ref_s_ap_)), 3, Inner(content, CT_APPLICATIONDATA)), &inner),
            0);
  EXPECT_EQ(inner, Inner(content, CT_APPLICATIONDATA));

  // A handshake traffic secret moves too: its Finished MAC (RFC 8446 §4.4.4) is OpenSSL's.
  const NCRYPT_KEY_HANDLE hs = Import(Export(s_hs_));
  ByteVec finished(s.n);
  ASSERT_EQ(
      SslComputeFinishedHash(prov_, hs, flight_hash_, finished.data(), static_cast<DWORD>(s.n), NCRYPT_SSL_SERVER_FLAG),
      0);
  const ByteVec flight_digest =
      Digest(s.digest, Concat({AsBytes("\x01\x00\x00\x05hello"sv), AsBytes("\x02\x00\x00\x05world"sv),
                               AsBytes("\x08\x00\x00\x02{}\x14\x00\x00\x01!"sv)}));
  EXPECT_EQ(Hex(finished),
            Hex(HkdfExtract(s.digest, HkdfExpandLabel(s.digest, ref_s_hs_, "finished", {}, s.n), flight_digest)));
}

// ---- the stream continues: in another process, with a KeyUpdate there ----------------------------

// The parent seals records 0..2 with the client's application key, exports the traffic secret and
// the key; the child imports both, checks that 2 is refused, seals 3..5, performs KeyUpdate
// (SslExpandNextGenTrafficKey, SslExpandWriteKey), seals 0..2 with the new key and exports the new
// secret and key. OpenSSL opens every record with keys it derived itself (generation 0 from the
// schedule, generation 1 by "traffic upd"); the child's blobs hold OpenSSL's generation-1 values,
// and the parent, importing them back, continues at 3.
TEST_P(Tls13KeyBlob, TwoProcessesKeyUpdate) {
  const Suite& s = suite();
  const NCRYPT_KEY_HANDLE key = WriteKey(c_ap_);
  const RecordKeys gen0 = ReferenceKeys(s, ref_c_ap_);
  const ByteVec ref_next = RefNext(ref_c_ap_);
  const RecordKeys gen1 = ReferenceKeys(s, ref_next);
  ByteVec record;
  for (std::uint64_t seq = 0; seq < 3; ++seq) {
    ASSERT_EQ(Seal(key, seq, &record), 0);
    ASSERT_EQ(ReferenceOpen(s, gen0, seq, record), Inner(Text("record", seq), CT_APPLICATIONDATA));
  }
  const std::string traffic_path = ScratchPath("tls13.traffic"), key_path = ScratchPath("tls13.key"),
                    out_path = ScratchPath("tls13.records"), next_traffic_path = ScratchPath("tls13.next-traffic"),
                    next_key_path = ScratchPath("tls13.next-key");
  WriteFile(traffic_path, Export(c_ap_));
  WriteFile(key_path, Export(key));
  ASSERT_EQ(RunChild({"tls13-seal-update", traffic_path, key_path, out_path, "3", "3", "3", next_traffic_path,
                      next_key_path}),
            0);
  const std::vector<ByteVec> records = SplitRecords(ReadFile(out_path));
  const ByteVec next_traffic = ReadFile(next_traffic_path), next_key = ReadFile(next_key_path);
  for (const std::string& path : {traffic_path, key_path, out_path, next_traffic_path, next_key_path})
    std::remove(path.c_str());
  ASSERT_EQ(records.size(), 6u);
  for (std::uint64_t seq = 3; seq < 6; ++seq) {
    EXPECT_EQ(ReferenceOpen(s, gen0, seq, records[seq - 3]), Inner(Text("record", seq), CT_APPLICATIONDATA))
        << "OpenSSL opens the child's record " << seq << " with generation 0";
  }
  for (std::uint64_t seq = 0; seq < 3; ++seq) {
    EXPECT_EQ(ReferenceOpen(s, gen1, seq, records[3 + seq]), Inner(Text("update", seq), CT_APPLICATIONDATA))
        << "OpenSSL opens the child's record " << seq << " with generation 1 (after KeyUpdate)";
    EXPECT_FALSE(ReferenceOpen(s, gen0, seq, records[3 + seq]).has_value()) << "not with generation 0";
  }
  // The child's KeyUpdate, as blobs: OpenSSL's generation-1 secret, key and IV, and the floor 3.
  const std::uint8_t n = static_cast<std::uint8_t>(s.n), key_len = static_cast<std::uint8_t>(s.key_len);
  EXPECT_EQ(Hex(next_traffic), Hex(Concat({Header(2, 2, s.id), ByteVec{0, n}, ref_next})));
  EXPECT_EQ(Hex(next_key), Hex(Concat({Header(1, 2, s.id), Be64(3), ByteVec{key_len, 12}, gen1.key, gen1.iv})));
  // Back in this process: the key continues at 3, and the secret updates again.
  const NCRYPT_KEY_HANDLE back = Import(next_key);
  EXPECT_EQ(Seal(back, 2, &record), NTE_INVALID_PARAMETER);
  ASSERT_EQ(Seal(back, 3, &record, "update"), 0);
  EXPECT_EQ(ReferenceOpen(s, gen1, 3, record), Inner(Text("update", 3), CT_APPLICATIONDATA));
  ASSERT_EQ(Seal(WriteKey(NextGen(Import(next_traffic))), 0, &record, "again"), 0);
  EXPECT_EQ(ReferenceOpen(s, ReferenceKeys(s, RefNext(ref_next)), 0, record),
            Inner(Text("again", 0), CT_APPLICATIONDATA));
}

// The receiving side: the child imports the server's application traffic secret, performs
// KeyUpdate and opens a record OpenSSL sealed with the generation-1 keys it derived.
TEST_P(Tls13KeyBlob, TwoProcessesOpenAfterKeyUpdate) {
  const Suite& s = suite();
  const ByteVec content = Text("server after update", 9);
  const std::string traffic_path = ScratchPath("tls13.server-traffic"), in_path = ScratchPath("tls13.server-record"),
                    out_path = ScratchPath("tls13.server-plain");
  WriteFile(traffic_path, Export(s_ap_));
  WriteFile(in_path, ReferenceSeal(s, ReferenceKeys(s, RefNext(ref_s_ap_)), 9, Inner(content, CT_APPLICATIONDATA)));
  ASSERT_EQ(RunChild({"tls13-open-update", traffic_path, in_path, out_path, "9"}), 0);
  EXPECT_EQ(ReadFile(out_path), Inner(content, CT_APPLICATIONDATA)) << "the child opened OpenSSL's record";
  for (const std::string& path : {traffic_path, in_path, out_path}) std::remove(path.c_str());
}

// ---- argument safety ---------------------------------------------------------------------------

TEST_P(Tls13KeyBlob, ExportEveryArgument) {
  const Suite& s = suite();
  const NCRYPT_KEY_HANDLE key = WriteKey(c_ap_);
  const LPCWSTR opaque = W(kOpaque);
  std::uint8_t buf[128];
  std::memset(buf, 0xEE, sizeof buf);
  DWORD size = 77;
  for (NCRYPT_KEY_HANDLE h : {key, c_ap_}) {
    // Provider handle: NULL, stale, a key.
    EXPECT_EQ(SslExportKey(0, h, opaque, buf, sizeof buf, &size, 0), NTE_INVALID_HANDLE);
    EXPECT_EQ(SslExportKey(StaleProvider(), h, opaque, buf, sizeof buf, &size, 0), NTE_INVALID_HANDLE);
    EXPECT_EQ(SslExportKey(h, h, opaque, buf, sizeof buf, &size, 0), NTE_INVALID_HANDLE);
    // pcbResult, flags, blob type; a public-key name.
    EXPECT_EQ(SslExportKey(prov_, h, opaque, buf, sizeof buf, nullptr, 0), NTE_INVALID_PARAMETER);
    EXPECT_EQ(SslExportKey(prov_, h, opaque, buf, sizeof buf, &size, 1), NTE_BAD_FLAGS);
    EXPECT_EQ(SslExportKey(prov_, h, opaque, buf, sizeof buf, &size, 0x80000000u), NTE_BAD_FLAGS);
    EXPECT_EQ(SslExportKey(prov_, h, nullptr, buf, sizeof buf, &size, 0), NTE_INVALID_PARAMETER);
    EXPECT_EQ(SslExportKey(prov_, h, W(u"opaquekeyblob"), buf, sizeof buf, &size, 0), NTE_INVALID_PARAMETER);
    for (const char16_t* type : {u"ECCPUBLICBLOB", u"RSAPUBLICBLOB", u"ECCPRIVATEBLOB", u"TLS13PRESHAREDKEY"})
      EXPECT_EQ(SslExportKey(prov_, h, W(type), buf, sizeof buf, &size, 0), NTE_NOT_SUPPORTED) << ToAscii(W(type));
  }
  // Key handle: NULL, the provider, garbage, stale (an imported key and secret, freed).
  EXPECT_EQ(SslExportKey(prov_, 0, opaque, buf, sizeof buf, &size, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExportKey(prov_, prov_, opaque, buf, sizeof buf, &size, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExportKey(prov_, 0x7fff1234, opaque, buf, sizeof buf, &size, 0), NTE_INVALID_HANDLE);
  for (NCRYPT_KEY_HANDLE h : {key, c_ap_}) {
    ByteVec blob = Export(h);
    NCRYPT_KEY_HANDLE stale = 0;
    ASSERT_EQ(SslImportKey(prov_, &stale, opaque, blob.data(), static_cast<DWORD>(blob.size()), 0), 0);
    ASSERT_EQ(SslFreeObject(stale, 0), 0);
    EXPECT_EQ(SslExportKey(prov_, stale, opaque, buf, sizeof buf, &size, 0), NTE_INVALID_HANDLE);
  }
  EXPECT_EQ(size, 77u) << "no size written on failure";
  for (std::uint8_t b : buf) ASSERT_EQ(b, 0xEE) << "nothing written";

  // What does not export: every other TLS 1.3 stage, the PSK, the 0-RTT traffic secret and its key.
  NCRYPT_KEY_HANDLE c_e = 0, exporter = 0, resumption = 0, binder = 0, psk = 0;
  ASSERT_EQ(SslExpandTrafficKeys(prov_, early_, hello_hash_, &c_e, nullptr, nullptr, 0), 0);
  Keep(c_e);
  ASSERT_EQ(SslExpandExporterMasterKey(prov_, master_, flight_hash_, &exporter, nullptr, 0), 0);
  Keep(exporter);
  ASSERT_EQ(SslExpandResumptionMasterKey(prov_, master_, flight_hash_, &resumption, nullptr, 0), 0);
  Keep(resumption);
  ASSERT_EQ(SslExpandBinderKey(prov_, early_, &binder, nullptr, NCRYPT_SSL_RESUMPTION_PSK_FLAG), 0);
  Keep(binder);
  std::uint8_t nonce = 0;
  ASSERT_EQ(SslExpandPreSharedKey(prov_, resumption, &nonce, 1, &psk, nullptr, 0), 0);
  Keep(psk);
  const NCRYPT_KEY_HANDLE early_data_key = WriteKey(c_e);
  for (NCRYPT_KEY_HANDLE h : {early_, handshake_, master_, exporter, resumption, binder, psk, c_e, early_data_key}) {
    EXPECT_EQ(ExportStatus(h), NTE_NOT_SUPPORTED) << "size query";
    EXPECT_EQ(SslExportKey(prov_, h, opaque, buf, sizeof buf, &size, 0), NTE_NOT_SUPPORTED);
  }

  // Output: too small (zero, one short) reports the size and writes nothing.
  const DWORD key_size = static_cast<DWORD>(22 + s.key_len + 12), secret_size = static_cast<DWORD>(14 + s.n);
  for (auto [h, want] : {std::pair{key, key_size}, std::pair{c_ap_, secret_size}}) {
    for (DWORD cb : {DWORD{0}, want - 1}) {
      EXPECT_EQ(SslExportKey(prov_, h, opaque, buf, cb, &size, 0), NTE_BUFFER_TOO_SMALL) << cb;
      EXPECT_EQ(size, want);
    }
    for (std::uint8_t b : buf) ASSERT_EQ(b, 0xEE) << "nothing written";
    // Size query; an oversize buffer gets exactly the blob.
    size = 0;
    EXPECT_EQ(SslExportKey(prov_, h, opaque, nullptr, 0, &size, 0), 0);
    EXPECT_EQ(size, want);
    EXPECT_EQ(SslExportKey(prov_, h, opaque, buf, sizeof buf, &size, 0), 0);
    EXPECT_EQ(size, want);
    EXPECT_EQ(buf[want], 0xEE);
    std::memset(buf, 0xEE, sizeof buf);
  }
  // Exporting changes nothing: the key still seals from 0, and OpenSSL opens it.
  ByteVec record;
  ASSERT_EQ(Seal(key, 0, &record), 0);
  EXPECT_EQ(ReferenceOpen(s, ReferenceKeys(s, ref_c_ap_), 0, record), Inner(Text("record", 0), CT_APPLICATIONDATA));
}

TEST_P(Tls13KeyBlob, ImportEveryArgument) {
  const NCRYPT_KEY_HANDLE key = WriteKey(c_ap_);
  ByteVec record;
  ASSERT_EQ(Seal(key, 0, &record), 0);  // the floor becomes 1
  const LPCWSTR opaque = W(kOpaque);
  for (const ByteVec& good : {Export(key), Export(c_ap_)}) {
    SCOPED_TRACE(good[6] == 1 ? "record key" : "traffic secret");
    ByteVec copy = good;
    NCRYPT_KEY_HANDLE out = kSentinel;
    const DWORD len = static_cast<DWORD>(good.size());
    EXPECT_EQ(SslImportKey(0, &out, opaque, copy.data(), len, 0), NTE_INVALID_HANDLE);
    EXPECT_EQ(SslImportKey(StaleProvider(), &out, opaque, copy.data(), len, 0), NTE_INVALID_HANDLE);
    EXPECT_EQ(SslImportKey(key, &out, opaque, copy.data(), len, 0), NTE_INVALID_HANDLE) << "a key as provider";
    EXPECT_EQ(SslImportKey(prov_, nullptr, opaque, copy.data(), len, 0), NTE_INVALID_PARAMETER);
    EXPECT_EQ(SslImportKey(prov_, &out, opaque, copy.data(), len, 1), NTE_BAD_FLAGS);
    EXPECT_EQ(SslImportKey(prov_, &out, opaque, copy.data(), len, 0xFFFFFFFFu), NTE_BAD_FLAGS);
    EXPECT_EQ(SslImportKey(prov_, &out, opaque, nullptr, len, 0), NTE_INVALID_PARAMETER);
    EXPECT_EQ(SslImportKey(prov_, &out, opaque, copy.data(), 0, 0), NTE_INVALID_PARAMETER);
    EXPECT_EQ(SslImportKey(prov_, &out, nullptr, copy.data(), len, 0), NTE_INVALID_PARAMETER);
    // Oversize lengths are refused before the buffer is read.
    EXPECT_EQ(SslImportKey(prov_, &out, opaque, copy.data(), 0x7FFFFFFFu, 0), NTE_BAD_DATA);
    EXPECT_EQ(SslImportKey(prov_, &out, opaque, copy.data(), 0xFFFFFFFFu, 0), NTE_BAD_DATA);
    EXPECT_EQ(out, kSentinel);
    // Content: truncated anywhere, trailing bytes, every header field.
    for (std::size_t cut = 1; cut < good.size(); ++cut)
      EXPECT_EQ(ImportStatus(ByteVec(good.begin(), good.begin() + cut)), NTE_BAD_DATA) << cut;
    EXPECT_EQ(ImportStatus(Concat({good, ByteVec{0}})), NTE_BAD_DATA);
    EXPECT_EQ(ImportStatus(Concat({good, ByteVec(300, 0)})), NTE_BAD_DATA);
    struct Corruption {
      std::size_t at;
      std::uint8_t value;
      const char* what;
    };
    std::vector<Corruption> corruptions = {
        {0, 'X', "magic"},
        {3, '2', "magic"},
        {5, 0, "format version 0"},
        {5, 2, "format version 2"},
        {6, 0, "kind 0"},
        {6, 3, "kind 3"},
        {7, 0, "stage 0"},
        {7, 3, "stage 3 (0-RTT is no stage)"},
        {9, 0x03, "TLS 1.2"},
        {11, 0x04, "suite 0x1304"},
        {10, 0xC0, "a TLS 1.2 suite id"},
    };
    if (good[6] == 1) {
      corruptions.push_back({6, 2, "kind: traffic secret"});
      corruptions.push_back({20, 24, "key length"});
      corruptions.push_back({21, 4, "IV length"});
    } else {
      corruptions.push_back({6, 1, "kind: record key"});
      corruptions.push_back({12, 2, "role 2"});
      corruptions.push_back({13, static_cast<std::uint8_t>(good[13] ^ 0x10), "secret length"});
    }
    for (const Corruption& c : corruptions) {
      ByteVec bad = good;
      bad[c.at] = c.value;
      EXPECT_EQ(ImportStatus(bad), NTE_BAD_DATA) << c.what;
    }
    // The good blob imports, and its handle goes stale when freed.
    NCRYPT_KEY_HANDLE moved = 0;
    ASSERT_EQ(SslImportKey(prov_, &moved, opaque, copy.data(), len, 0), 0);
    ASSERT_EQ(SslFreeObject(moved, 0), 0);
    EXPECT_EQ(ExportStatus(moved), NTE_INVALID_HANDLE);
  }
}

// The imported objects are of their kinds: a traffic secret is no record key and the reverse, and
// the secret is refused where another stage belongs.
TEST_P(Tls13KeyBlob, ImportedObjectsKeepTheirKinds) {
  const NCRYPT_KEY_HANDLE secret = Import(Export(c_ap_)), key = Import(Export(WriteKey(c_ap_)));
  ByteVec record;
  EXPECT_EQ(Seal(secret, 0, &record), NTE_INVALID_HANDLE);
  ASSERT_EQ(Seal(key, 0, &record), 0);
  NCRYPT_KEY_HANDLE out = 0;
  EXPECT_EQ(SslExpandWriteKey(prov_, key, &out, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExpandNextGenTrafficKey(prov_, key, &out, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExtractMasterKey(prov_, secret, &out, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExpandTrafficKeys(prov_, secret, flight_hash_, &out, nullptr, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(out, 0u);
}

}  // namespace
