// tls13_exports_test.cpp - the TLS 1.3 key-schedule exports (SslExtractEarlyKey,
// SslExtractHandshakeKey, SslExtractMasterKey, SslExpandTrafficKeys, SslExpandExporterMasterKey,
// SslExpandResumptionMasterKey, SslExpandPreSharedKey, SslExpandBinderKey,
// SslExpandNextGenTrafficKey, SslDuplicateTranscriptHash and the TLS 1.3 SslComputeFinishedHash)
// through the exported API only.
//
// Secrets never leave the provider, so each one is observed through the MAC it keys: the
// Finished value SslComputeFinishedHash makes with a traffic secret or binder key must equal
// HMAC(HKDF-Expand-Label(secret, "finished", "", n), transcript hash) computed from the same
// inputs by tests/support/ossl_reference (OpenSSL's TLS13-KDF and HKDF: nothing of ours). The
// (EC)DHE input is an ECDH between an OpenSSL key and the provider's exported ephemeral key.
#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "opensslp/opensslp.h"
#include "sslprovider.h"
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

// HMAC(key, data) as HKDF-Extract(salt = key, IKM = data): RFC 5869 §2.2 defines it so.
ByteVec Hmac(const char* digest, ByteView key, ByteView data) { return HkdfExtract(digest, key, data); }

// The expected Finished / binder value of a secret over a transcript (RFC 8446 §4.4.4).
ByteVec ExpectedFinished(const Suite& s, ByteView secret, ByteView transcript_hash) {
  return Hmac(s.digest, HkdfExpandLabel(s.digest, secret, "finished", {}, s.n), transcript_hash);
}

ByteVec ToVec(ByteView v) { return ByteVec(v.begin(), v.end()); }

void PutLe32(ByteVec& v, std::uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}

class Tls13Exports : public testing::TestWithParam<Suite> {
 protected:
  void SetUp() override {
    prov_ = OpenProvider();
    peer_ = EVP_EC_gen("P-256");
    ASSERT_NE(peer_, nullptr);
  }
  void TearDown() override {
    for (auto h : handles_) SslFreeObject(h, 0);
    SslFreeObject(prov_, 0);
    EVP_PKEY_free(peer_);
  }
  ULONG_PTR Keep(ULONG_PTR h) {
    if (h != 0) handles_.push_back(h);
    return h;
  }
  const Suite& suite() const { return GetParam(); }

  // Our ephemeral P-256 key, the peer's public key imported, and the (EC)DHE shared secret as
  // OpenSSL computes it (support/tls13_schedule.h).
  void KeyShares(NCRYPT_KEY_HANDLE* mine, NCRYPT_KEY_HANDLE* peer_public, ByteVec* shared) {
    opensslp_test::Tls13KeyShares(prov_, suite().id, peer_, handles_, mine, peer_public, shared);
  }

  // Early (no PSK), handshake and master secrets over a fresh key exchange; `shared` is the (EC)DHE
  // secret as OpenSSL computes it.
  void Schedule(NCRYPT_KEY_HANDLE* early, NCRYPT_KEY_HANDLE* handshake, NCRYPT_KEY_HANDLE* master, ByteVec* shared) {
    opensslp_test::Tls13Schedule(prov_, suite().id, peer_, handles_, early, handshake, master, shared);
  }

  // A TLS 1.3 transcript of the suite holding `messages`.
  NCRYPT_HASH_HANDLE Transcript(ByteView messages, DWORD suite_id = 0) {
    NCRYPT_HASH_HANDLE h = 0;
    EXPECT_EQ(SslCreateHandshakeHash(prov_, &h, TLS1_3_PROTOCOL_VERSION, suite_id ? suite_id : suite().id, 0), 0);
    if (!messages.empty()) {
      EXPECT_EQ(SslHashHandshake(prov_, h, const_cast<std::uint8_t*>(messages.data()),
                                 static_cast<DWORD>(messages.size()), 0),
                0);
    }
    return Keep(h);
  }

  // The Finished value the provider computes with `key` over `transcript`.
  ByteVec Finished(NCRYPT_KEY_HANDLE key, NCRYPT_HASH_HANDLE transcript, DWORD flag = NCRYPT_SSL_CLIENT_FLAG) {
    ByteVec out(suite().n);
    EXPECT_EQ(SslComputeFinishedHash(prov_, key, transcript, out.data(), static_cast<DWORD>(out.size()), flag), 0);
    return out;
  }

  NCRYPT_PROV_HANDLE prov_ = 0;
  EVP_PKEY* peer_ = nullptr;
  std::vector<ULONG_PTR> handles_;
};

// A whole 1-RTT schedule, then KeyUpdate, resumption and a resumption binder, each secret checked
// through its Finished MAC against OpenSSL's TLS13-KDF over the same inputs.
TEST_P(Tls13Exports, FullScheduleMatchesOpenSsl) {
  const Suite& s = suite();
  NCRYPT_KEY_HANDLE early = 0, handshake = 0, master = 0;
  ByteVec shared;
  ASSERT_NO_FATAL_FAILURE(Schedule(&early, &handshake, &master, &shared));

  const ByteVec ref_early = Tls13Extract(s.digest, {}, {});
  const ByteVec ref_handshake = Tls13Extract(s.digest, ref_early, shared);
  const ByteVec ref_master = Tls13Extract(s.digest, ref_handshake, {});

  // Handshake traffic secrets over ClientHello..ServerHello, Finished over a longer transcript.
  const ByteVec hellos = Concat({AsBytes("\x01\x00\x00\x05hello"sv), AsBytes("\x02\x00\x00\x05world"sv)});
  NCRYPT_HASH_HANDLE hello_hash = Transcript(hellos);
  NCRYPT_KEY_HANDLE c_hs = 0, s_hs = 0;
  ASSERT_EQ(SslExpandTrafficKeys(prov_, handshake, hello_hash, &c_hs, &s_hs, nullptr, 0), 0);
  Keep(c_hs);
  Keep(s_hs);
  const ByteVec flight = Concat({hellos, AsBytes("\x08\x00\x00\x02{}"sv)});
  NCRYPT_HASH_HANDLE flight_hash = Transcript(flight);
  const ByteVec flight_digest = Digest(s.digest, flight);
  EXPECT_EQ(Hex(Finished(s_hs, flight_hash, NCRYPT_SSL_SERVER_FLAG)),
            Hex(ExpectedFinished(s, DeriveSecret(s.digest, ref_handshake, "s hs traffic", hellos), flight_digest)));
  EXPECT_EQ(Hex(Finished(c_hs, flight_hash)),
            Hex(ExpectedFinished(s, DeriveSecret(s.digest, ref_handshake, "c hs traffic", hellos), flight_digest)));

  // Application traffic secrets; KeyUpdate ("traffic upd") of the client's.
  NCRYPT_KEY_HANDLE c_ap = 0, s_ap = 0, c_ap1 = 0;
  ASSERT_EQ(SslExpandTrafficKeys(prov_, master, flight_hash, &c_ap, &s_ap, nullptr, 0), 0);
  Keep(c_ap);
  Keep(s_ap);
  const ByteVec ref_c_ap = DeriveSecret(s.digest, ref_master, "c ap traffic", flight);
  const ByteVec ref_s_ap = DeriveSecret(s.digest, ref_master, "s ap traffic", flight);
  EXPECT_EQ(Hex(Finished(c_ap, flight_hash)), Hex(ExpectedFinished(s, ref_c_ap, flight_digest)));
  EXPECT_EQ(Hex(Finished(s_ap, flight_hash)), Hex(ExpectedFinished(s, ref_s_ap, flight_digest)));
  ASSERT_EQ(SslExpandNextGenTrafficKey(prov_, c_ap, &c_ap1, nullptr, 0), 0);
  Keep(c_ap1);
  EXPECT_EQ(Hex(Finished(c_ap1, flight_hash)),
            Hex(ExpectedFinished(s, HkdfExpandLabel(s.digest, ref_c_ap, "traffic upd", {}, s.n), flight_digest)));

  // Only one side asked for: the other pointer may be NULL.
  NCRYPT_KEY_HANDLE only_server = 0;
  ASSERT_EQ(SslExpandTrafficKeys(prov_, master, flight_hash, nullptr, &only_server, nullptr, 0), 0);
  Keep(only_server);
  EXPECT_EQ(Hex(Finished(only_server, flight_hash)), Hex(ExpectedFinished(s, ref_s_ap, flight_digest)));

  // Resumption: "res master" over the transcript through client Finished, the PSK for a ticket
  // nonce, the early secret from that PSK and its resumption binder key.
  const ByteVec through_client_finished = Concat({flight, AsBytes("\x14\x00\x00\x01!"sv)});
  NCRYPT_HASH_HANDLE full_hash = Transcript(through_client_finished);
  NCRYPT_KEY_HANDLE resumption = 0, psk = 0, early2 = 0, binder = 0, ext_binder = 0;
  ASSERT_EQ(SslExpandResumptionMasterKey(prov_, master, full_hash, &resumption, nullptr, 0), 0);
  Keep(resumption);
  std::uint8_t nonce[] = {0x00, 0x01};
  ASSERT_EQ(SslExpandPreSharedKey(prov_, resumption, nonce, sizeof nonce, &psk, nullptr, 0), 0);
  Keep(psk);
  ASSERT_EQ(SslExtractEarlyKey(prov_, psk, &early2, TLS1_3_PROTOCOL_VERSION, s.id, nullptr, 0), 0);
  Keep(early2);
  ASSERT_EQ(SslExpandBinderKey(prov_, early2, &binder, nullptr, NCRYPT_SSL_RESUMPTION_PSK_FLAG), 0);
  Keep(binder);
  ASSERT_EQ(SslExpandBinderKey(prov_, early2, &ext_binder, nullptr, NCRYPT_SSL_EXTERNAL_PSK_FLAG), 0);
  Keep(ext_binder);
  const ByteVec ref_res = DeriveSecret(s.digest, ref_master, "res master", through_client_finished);
  const ByteVec ref_psk = HkdfExpandLabel(s.digest, ref_res, "resumption", ByteView(nonce, sizeof nonce), s.n);
  const ByteVec ref_early2 = Tls13Extract(s.digest, {}, ref_psk);
  const ByteVec partial_hello = ToVec(AsBytes("\x01\x00\x00\x09truncated"sv));
  NCRYPT_HASH_HANDLE binder_hash = Transcript(partial_hello);
  const ByteVec binder_digest = Digest(s.digest, partial_hello);
  EXPECT_EQ(Hex(Finished(binder, binder_hash)),
            Hex(ExpectedFinished(s, DeriveSecret(s.digest, ref_early2, "res binder", {}), binder_digest)));
  EXPECT_EQ(Hex(Finished(ext_binder, binder_hash)),
            Hex(ExpectedFinished(s, DeriveSecret(s.digest, ref_early2, "ext binder", {}), binder_digest)));

  // 0-RTT: the client early traffic secret over the ClientHello.
  NCRYPT_KEY_HANDLE c_e = 0;
  ASSERT_EQ(SslExpandTrafficKeys(prov_, early2, binder_hash, &c_e, nullptr, nullptr, 0), 0);
  Keep(c_e);
  EXPECT_EQ(Hex(Finished(c_e, binder_hash)),
            Hex(ExpectedFinished(s, DeriveSecret(s.digest, ref_early2, "c e traffic", partial_hello), binder_digest)));

  // The exporter secrets exist for both bases (their output is checked with SslExportKeyingMaterial
  // once it accepts TLS 1.3 exporter secrets).
  NCRYPT_KEY_HANDLE exporter = 0, early_exporter = 0;
  EXPECT_EQ(SslExpandExporterMasterKey(prov_, master, flight_hash, &exporter, nullptr, 0), 0);
  Keep(exporter);
  EXPECT_EQ(SslExpandExporterMasterKey(prov_, early2, binder_hash, &early_exporter, nullptr, 0), 0);
  Keep(early_exporter);
}

// SslDuplicateTranscriptHash: an independent copy -- updating either leaves the other as it was.
TEST_P(Tls13Exports, DuplicateTranscriptIsIndependent) {
  const Suite& s = suite();
  const ByteVec first = ToVec(AsBytes("\x01\x00\x00\x01x"sv));
  const ByteVec more = ToVec(AsBytes("\x0b\x00\x00\x01y"sv));
  NCRYPT_HASH_HANDLE original = Transcript(first);
  NCRYPT_HASH_HANDLE copy = 0;
  ASSERT_EQ(SslDuplicateTranscriptHash(prov_, original, &copy, 0), 0);
  Keep(copy);
  ASSERT_EQ(SslHashHandshake(prov_, copy, const_cast<std::uint8_t*>(more.data()), static_cast<DWORD>(more.size()), 0),
            0);
  ByteVec a(s.n), b(s.n);
  DWORD len = 0;
  ASSERT_EQ(
      SslComputeSessionHash(prov_, original, TLS1_3_PROTOCOL_VERSION, a.data(), static_cast<DWORD>(a.size()), &len, 0),
      0);
  ASSERT_EQ(
      SslComputeSessionHash(prov_, copy, TLS1_3_PROTOCOL_VERSION, b.data(), static_cast<DWORD>(b.size()), &len, 0), 0);
  EXPECT_EQ(Hex(a), Hex(Digest(s.digest, first)));
  EXPECT_EQ(Hex(b), Hex(Digest(s.digest, Concat({first, more}))));
}

// A BCRYPT_KEY_DATA_BLOB_HEADER {magic "KDBM", version 1, length} followed by the key: the layout
// opensslp takes for TLS13PRESHAREDKEY (an inference: docs/tls13.md).
ByteVec PskBlob(ByteView key, std::uint32_t magic = 0x4d42444b, std::uint32_t version = 1) {
  ByteVec blob;
  PutLe32(blob, magic);
  PutLe32(blob, version);
  PutLe32(blob, static_cast<std::uint32_t>(key.size()));
  blob.insert(blob.end(), key.begin(), key.end());
  return blob;
}

// An external PSK imported through SslImportKey seeds the early secret; its "ext binder" binder
// matches OpenSSL's TLS13-KDF over the same PSK.
TEST_P(Tls13Exports, ExternalPskSeedsTheEarlySecret) {
  const Suite& s = suite();
  const ByteVec key = ToVec(AsBytes("an external pre-shared key of 43 bytes!!!!!"sv));
  ByteVec blob = PskBlob(key);
  NCRYPT_KEY_HANDLE psk = 0, early = 0, binder = 0;
  ASSERT_EQ(SslImportKey(prov_, &psk, W(u"TLS13PRESHAREDKEY"), blob.data(), static_cast<DWORD>(blob.size()), 0), 0);
  Keep(psk);
  ASSERT_EQ(SslExtractEarlyKey(prov_, psk, &early, TLS1_3_PROTOCOL_VERSION, s.id, nullptr, 0), 0);
  Keep(early);
  ASSERT_EQ(SslExpandBinderKey(prov_, early, &binder, nullptr, NCRYPT_SSL_EXTERNAL_PSK_FLAG), 0);
  Keep(binder);
  const ByteVec hello =
      ToVec(AsBytes("\x01\x00\x00\x03"
                    "abc"sv));
  NCRYPT_HASH_HANDLE h = Transcript(hello);
  const ByteVec ref_early = Tls13Extract(s.digest, {}, key);
  EXPECT_EQ(Hex(Finished(binder, h)),
            Hex(ExpectedFinished(s, DeriveSecret(s.digest, ref_early, "ext binder", {}), Digest(s.digest, hello))));

  // Malformed blobs: wrong magic, version, length; empty key; trailing byte.
  NCRYPT_KEY_HANDLE out = 0;
  for (ByteVec bad : {PskBlob(key, 0x12345678), PskBlob(key, 0x4d42444b, 2), PskBlob({}),
                      ByteVec(blob.begin(), blob.end() - 1), Concat({blob, AsBytes("x"sv)})}) {
    EXPECT_EQ(SslImportKey(prov_, &out, W(u"TLS13PRESHAREDKEY"), bad.data(), static_cast<DWORD>(bad.size()), 0),
              NTE_BAD_DATA);
  }
  ByteVec too_long = PskBlob(ByteVec(1025, 7));
  EXPECT_EQ(SslImportKey(prov_, &out, W(u"TLS13PRESHAREDKEY"), too_long.data(), static_cast<DWORD>(too_long.size()), 0),
            NTE_BAD_DATA);
  EXPECT_EQ(out, 0u);
}

// SslExportKeyingMaterial with an exporter secret: RFC 8446 §7.5, checked against OpenSSL's
// TLS13-KDF over the same exporter master secret; NULL and empty context are the same; the TLS
// 1.2 randoms must be absent.
TEST_P(Tls13Exports, ExporterMatchesOpenSsl) {
  const Suite& s = suite();
  NCRYPT_KEY_HANDLE early = 0, handshake = 0, master = 0, exporter = 0;
  ByteVec shared;
  ASSERT_NO_FATAL_FAILURE(Schedule(&early, &handshake, &master, &shared));
  const ByteVec flight =
      ToVec(AsBytes("\x01\x00\x00\x01"
                    "a"
                    "\x02\x00\x00\x01"
                    "b"
                    "\x14\x00\x00\x01"
                    "c"sv));
  NCRYPT_HASH_HANDLE h = Transcript(flight);
  ASSERT_EQ(SslExpandExporterMasterKey(prov_, master, h, &exporter, nullptr, 0), 0);
  Keep(exporter);
  const ByteVec ref_master = Tls13Extract(s.digest, Tls13Extract(s.digest, Tls13Extract(s.digest, {}, {}), shared), {});
  const ByteVec ref_exporter = DeriveSecret(s.digest, ref_master, "exp master", flight);
  auto expected = [&](std::string_view label, ByteView context, std::size_t n) {
    return HkdfExpandLabel(s.digest, DeriveSecret(s.digest, ref_exporter, label, {}), "exporter",
                           Digest(s.digest, context), n);
  };
  char label[] = "EXPORTER-Channel-Binding";
  std::uint8_t context[] = {1, 2, 3};
  ByteVec out(42), none(32), empty(32);
  ASSERT_EQ(SslExportKeyingMaterial(prov_, exporter, label, nullptr, 0, context, sizeof context, out.data(), 42, 0), 0);
  EXPECT_EQ(Hex(out), Hex(expected(label, ByteView(context, sizeof context), 42)));
  ASSERT_EQ(SslExportKeyingMaterial(prov_, exporter, label, nullptr, 0, nullptr, 0, none.data(), 32, 0), 0);
  ASSERT_EQ(SslExportKeyingMaterial(prov_, exporter, label, nullptr, 0, context, 0, empty.data(), 32, 0), 0);
  EXPECT_EQ(Hex(none), Hex(expected(label, {}, 32)));
  EXPECT_EQ(Hex(empty), Hex(none));

  // Safety: TLS 1.2 randoms given; output too long for HKDF; a label over 249 bytes; the wrong
  // stage (the master secret itself); flags.
  std::uint8_t randoms[64] = {};
  ByteVec big(255 * s.n + 1);
  std::string long_label(250, 'L');
  EXPECT_EQ(SslExportKeyingMaterial(prov_, exporter, label, randoms, 64, nullptr, 0, out.data(), 42, 0),
            NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExportKeyingMaterial(prov_, exporter, label, nullptr, 0, nullptr, 0, big.data(),
                                    static_cast<DWORD>(big.size()), 0),
            NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExportKeyingMaterial(prov_, exporter, long_label.data(), nullptr, 0, nullptr, 0, out.data(), 42, 0),
            NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExportKeyingMaterial(prov_, master, label, nullptr, 0, nullptr, 0, out.data(), 42, 0),
            NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExportKeyingMaterial(prov_, exporter, label, nullptr, 0, nullptr, 0, out.data(), 42, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(std::vector<std::uint8_t>(big.size(), 0), big) << "nothing written on failure";
}

// ---- TLS 1.3 records ----------------------------------------------------------------------------

// TLSInnerPlaintext: content ‖ type ‖ `padding` zeros (RFC 8446 §5.2).
ByteVec Inner(ByteView content, std::uint8_t type, std::size_t padding = 0) {
  ByteVec inner(content.begin(), content.end());
  inner.push_back(type);
  inner.insert(inner.end(), padding, 0);
  return inner;
}

// A TLS 1.3 record made by OpenSSL: header 17 03 03 len, AEAD(key, iv XOR seq, header, inner).
ByteVec ReferenceRecord(const Suite& s, ByteView key, ByteView iv, std::uint64_t seq, ByteView inner) {
  ByteVec nonce(iv.begin(), iv.end());
  for (int i = 0; i < 8; ++i) nonce[11 - i] ^= static_cast<std::uint8_t>(seq >> (8 * i));
  const std::size_t len = inner.size() + 16;
  const ByteVec header = {0x17, 0x03, 0x03, static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)};
  return Concat({header, opensslp::test::AeadSeal(s.cipher, key, nonce, header, inner)});
}

// SslExpandWriteKey's key seals exactly what OpenSSL seals with the key and IV that OpenSSL's
// TLS13-KDF derives from the same traffic secret, opens OpenSSL's records (padding removed, the
// content type last), and refuses what RFC 8446 §5 refuses.
TEST_P(Tls13Exports, RecordsMatchOpenSsl) {
  const Suite& s = suite();
  NCRYPT_KEY_HANDLE early = 0, handshake = 0, master = 0, c_hs = 0, key = 0;
  ByteVec shared;
  ASSERT_NO_FATAL_FAILURE(Schedule(&early, &handshake, &master, &shared));
  const ByteVec hellos =
      ToVec(AsBytes("\x01\x00\x00\x01"
                    "h"
                    "\x02\x00\x00\x01"
                    "s"sv));
  NCRYPT_HASH_HANDLE h = Transcript(hellos);
  ASSERT_EQ(SslExpandTrafficKeys(prov_, handshake, h, &c_hs, nullptr, nullptr, 0), 0);
  Keep(c_hs);
  ASSERT_EQ(SslExpandWriteKey(prov_, c_hs, &key, nullptr, 0), 0);
  Keep(key);
  const ByteVec ref_traffic =
      DeriveSecret(s.digest, Tls13Extract(s.digest, Tls13Extract(s.digest, {}, {}), shared), "c hs traffic", hellos);
  const ByteVec ref_key = HkdfExpandLabel(s.digest, ref_traffic, "key", {}, s.key_len);
  const ByteVec ref_iv = HkdfExpandLabel(s.digest, ref_traffic, "iv", {}, 12);

  // Sealing: the whole TLSCiphertext, for increasing sequence numbers (a write key refuses a repeated
  // one) and record sizes, an empty record included.
  const std::pair<std::uint64_t, std::size_t> records[] = {{0, 0}, {1, 1}, {2, 300}, {0x0102030405, 17}};
  for (const auto& [seq, size] : records) {
    ByteVec data(size, static_cast<std::uint8_t>(seq + size));
    ByteVec out(size + 22);
    DWORD len = 0;
    ASSERT_EQ(SslEncryptPacket(prov_, key, data.data(), static_cast<DWORD>(size), out.data(),
                               static_cast<DWORD>(out.size()), &len, seq, 23, 0),
              0);
    EXPECT_EQ(Hex(ByteView(out.data(), len)), Hex(ReferenceRecord(s, ref_key, ref_iv, seq, Inner(data, 23))));
  }

  // Opening OpenSSL's records, one with zero padding: the content and its type, padding removed.
  const ByteVec content = ToVec(AsBytes("padded application data"sv));
  const ByteVec padded = ReferenceRecord(s, ref_key, ref_iv, 7, Inner(content, 23, 40));
  ByteVec out(padded.size());
  DWORD len = 0;
  ASSERT_EQ(SslDecryptPacket(prov_, key, const_cast<std::uint8_t*>(padded.data()), static_cast<DWORD>(padded.size()),
                             out.data(), static_cast<DWORD>(out.size()), &len, 7, 0),
            0);
  EXPECT_EQ(Hex(ByteView(out.data(), len)), Hex(Inner(content, 23)));

  // Every alignment of the content type and of the padding (the type is found eight bytes at a
  // time): content of 0..19 bytes ending in zeros, then the type, then 0..19 zero bytes.
  for (std::size_t content_len = 0; content_len < 20; ++content_len) {
    for (std::size_t padding = 0; padding < 20; ++padding) {
      ByteVec data(content_len, 0);
      for (std::size_t i = 0; i < content_len / 2; ++i) data[i] = static_cast<std::uint8_t>(i + 1);
      const ByteVec record = ReferenceRecord(s, ref_key, ref_iv, 9, Inner(data, 22, padding));
      ByteVec opened(record.size());
      DWORD opened_len = 0;
      ASSERT_EQ(
          SslDecryptPacket(prov_, key, const_cast<std::uint8_t*>(record.data()), static_cast<DWORD>(record.size()),
                           opened.data(), static_cast<DWORD>(opened.size()), &opened_len, 9, 0),
          0)
          << content_len << " + " << padding;
      EXPECT_EQ(Hex(ByteView(opened.data(), opened_len)), Hex(Inner(data, 22))) << content_len << " + " << padding;
    }
  }

  // The type is found while the plaintext is copied out, 16 bytes at a time in 240-byte blocks:
  // every position of the type over the first blocks and every padding length 0..300 (content
  // with zero bytes of its own, so only the last non-zero byte counts), opened into a separate
  // buffer and in place, alternately; then the largest records (2^14 bytes of content, padding
  // 0..239: up to the 2^14 + 256-byte limit of the fragment, tag included).
  auto expect_opens = [&](const ByteVec& data, std::uint8_t type, std::size_t padding, bool in_place) {
    ByteVec record = ReferenceRecord(s, ref_key, ref_iv, 11, Inner(data, type, padding));
    ByteVec separate(record.size(), 0xEE);
    std::uint8_t* const dest = in_place ? record.data() + 5 : separate.data();
    DWORD opened_len = 0;
    ASSERT_EQ(SslDecryptPacket(prov_, key, record.data(), static_cast<DWORD>(record.size()), dest,
                               static_cast<DWORD>(record.size() - 5), &opened_len, 11, 0),
              0)
        << data.size() << " + " << padding << (in_place ? " in place" : "");
    ASSERT_EQ(Hex(ByteView(dest, opened_len)), Hex(Inner(data, type)))
        << data.size() << " + " << padding << (in_place ? " in place" : "");
  };
  for (std::size_t content_len = 0; content_len <= 300; ++content_len) {
    ByteVec data(content_len);
    for (std::size_t i = 0; i < content_len; ++i) data[i] = static_cast<std::uint8_t>(i % 3 == 0 ? 0 : i);
    // Each type position with the paddings of three vectors, each padding with the type in three.
    for (std::size_t padding = 0; padding <= (content_len < 48 ? 300 : 47); ++padding) {
      ASSERT_NO_FATAL_FAILURE(expect_opens(data, 23, padding, (content_len + padding) % 2 == 1));
    }
  }
  ByteVec full(1 << 14);
  for (std::size_t i = 0; i < full.size(); ++i) full[i] = static_cast<std::uint8_t>(i * 7 + 1);
  for (std::size_t padding = 0; padding <= 239; ++padding) {
    ASSERT_NO_FATAL_FAILURE(expect_opens(full, 21, padding, padding % 2 == 1));
  }

  auto open = [&](ByteVec record, std::uint64_t seq) {
    ByteVec o(record.size() + 1);
    DWORD l = 0;
    return SslDecryptPacket(prov_, key, record.data(), static_cast<DWORD>(record.size()), o.data(),
                            static_cast<DWORD>(o.size()), &l, seq, 0);
  };
  // Wrong sequence number or a flipped bit: authentication failure, one error for all.
  EXPECT_EQ(open(padded, 8), NTE_DECRYPTION_FAILURE);
  ByteVec tampered = padded;
  tampered[10] ^= 1;
  EXPECT_EQ(open(tampered, 7), NTE_DECRYPTION_FAILURE);
  // An inner plaintext of zeros only (no content type): malformed (RFC 8446 §5.4).
  EXPECT_EQ(open(ReferenceRecord(s, ref_key, ref_iv, 0, ByteVec(20, 0)), 0), NTE_BAD_DATA);
  // Outer type other than application_data, or another legacy version: malformed.
  ByteVec handshake_type = ReferenceRecord(s, ref_key, ref_iv, 0, Inner(content, 22));
  handshake_type[0] = 22;
  EXPECT_EQ(open(handshake_type, 0), NTE_BAD_DATA);
  ByteVec version = ReferenceRecord(s, ref_key, ref_iv, 0, Inner(content, 23));
  version[2] = 0x04;
  EXPECT_EQ(open(version, 0), NTE_BAD_DATA);
  // A fragment over 2^14 + 256 bytes: malformed, whatever it holds.
  ByteVec huge = ReferenceRecord(s, ref_key, ref_iv, 0, ByteVec((1 << 14) + 256 - 16 + 1, 1));
  EXPECT_EQ(open(huge, 0), NTE_BAD_DATA);
  // More than 2^14 bytes of content (authentic, but over the limit): record_overflow.
  EXPECT_EQ(open(ReferenceRecord(s, ref_key, ref_iv, 0, Inner(ByteVec((1 << 14) + 1, 1), 23)), 0), NTE_BAD_DATA);
  // ... and nothing of such a record, authentic but refused, is left in the output.
  {
    const ByteVec overflow = ReferenceRecord(s, ref_key, ref_iv, 0, Inner(ByteVec((1 << 14) + 1, 1), 23));
    ByteVec o(overflow.size(), 0xEE);
    DWORD l = 0;
    EXPECT_EQ(SslDecryptPacket(prov_, key, const_cast<std::uint8_t*>(overflow.data()),
                               static_cast<DWORD>(overflow.size()), o.data(), static_cast<DWORD>(o.size()), &l, 0, 0),
              NTE_BAD_DATA);
    EXPECT_EQ(std::count(o.begin(), o.end(), std::uint8_t{1}), 0);
  }

  // Sealing refuses: more than 2^14 bytes, a ChangeCipherSpec, a sequence number below the last.
  ByteVec big((1 << 14) + 1), o(big.size() + 64);
  EXPECT_EQ(SslEncryptPacket(prov_, key, big.data(), static_cast<DWORD>(big.size()), o.data(),
                             static_cast<DWORD>(o.size()), &len, 9, 23, 0),
            NTE_INVALID_PARAMETER);
  EXPECT_EQ(
      SslEncryptPacket(prov_, key, big.data(), 1, o.data(), static_cast<DWORD>(o.size()), &len, 0x0102030406, 20, 0),
      NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslEncryptPacket(prov_, key, big.data(), 1, o.data(), static_cast<DWORD>(o.size()), &len, 1, 23, 0),
            NTE_INVALID_PARAMETER);

  // SslLookupCipherLengths: no header bytes, a trailer of the tag plus the content-type byte.
  NCRYPT_SSL_CIPHER_LENGTHS lengths{};
  ASSERT_EQ(SslLookupCipherLengths(prov_, TLS1_3_PROTOCOL_VERSION, s.id, 0, &lengths, sizeof lengths, 0), 0);
  EXPECT_EQ(lengths.dwHeaderLen, 0u);
  EXPECT_EQ(lengths.dwFixedTrailerLen, 17u);

  // SslExpandWriteKey safety. (The key's BCRYPT_OPAQUE_KEY_BLOB: abi/tls13_key_blob_exports_test.)
  NCRYPT_KEY_HANDLE bad = 0;
  EXPECT_EQ(SslExpandWriteKey(prov_, c_hs, nullptr, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExpandWriteKey(prov_, c_hs, &bad, nullptr, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(SslExpandWriteKey(prov_, handshake, &bad, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExpandWriteKey(prov_, key, &bad, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExpandWriteKey(0, c_hs, &bad, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(bad, 0u);
  DWORD blob_len = 0;
  EXPECT_EQ(SslExportKey(prov_, key, W(u"OpaqueKeyBlob"), nullptr, 0, &blob_len, 0), 0);
  EXPECT_EQ(blob_len, 22u + s.key_len + 12u);
}

// ---- Safety: every argument of every TLS 1.3 export --------------------------------------------
// Each failing call must leave its output handle 0 (no handle on failure).

TEST_P(Tls13Exports, SafetyExtractEarlyKey) {
  const Suite& s = suite();
  NCRYPT_KEY_HANDLE out = 0;
  const NCRYPT_PROV_HANDLE stale = opensslp_test::StaleProvider();
  EXPECT_EQ(SslExtractEarlyKey(0, 0, &out, TLS1_3_PROTOCOL_VERSION, s.id, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExtractEarlyKey(stale, 0, &out, TLS1_3_PROTOCOL_VERSION, s.id, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExtractEarlyKey(prov_, 0, nullptr, TLS1_3_PROTOCOL_VERSION, s.id, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExtractEarlyKey(prov_, 0, &out, TLS1_3_PROTOCOL_VERSION, s.id, nullptr, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(SslExtractEarlyKey(prov_, 0, &out, TLS1_2_PROTOCOL_VERSION, s.id, nullptr, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(
      SslExtractEarlyKey(prov_, 0, &out, TLS1_3_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, nullptr, 0),
      NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslExtractEarlyKey(prov_, 0, &out, 0xFFFFFFFF, s.id, nullptr, 0), NTE_NOT_SUPPORTED);
  NCryptBufferDesc bad_list = {1, 0, nullptr};  // ulVersion 1: malformed
  EXPECT_EQ(SslExtractEarlyKey(prov_, 0, &out, TLS1_3_PROTOCOL_VERSION, s.id, &bad_list, 0), NTE_INVALID_PARAMETER);
  // A PSK handle that is not a PSK (a provider, an ephemeral key, a freed early secret).
  NCRYPT_KEY_HANDLE eph = Keep(opensslp_test::MakeEphemeralP256(prov_));
  EXPECT_EQ(SslExtractEarlyKey(prov_, prov_, &out, TLS1_3_PROTOCOL_VERSION, s.id, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExtractEarlyKey(prov_, eph, &out, TLS1_3_PROTOCOL_VERSION, s.id, nullptr, 0), NTE_INVALID_HANDLE);
  NCRYPT_KEY_HANDLE freed = 0;
  ASSERT_EQ(SslExtractEarlyKey(prov_, 0, &freed, TLS1_3_PROTOCOL_VERSION, s.id, nullptr, 0), 0);
  ASSERT_EQ(SslFreeObject(freed, 0), 0);
  EXPECT_EQ(SslExtractEarlyKey(prov_, freed, &out, TLS1_3_PROTOCOL_VERSION, s.id, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(out, 0u);
}

// The stage handles of a schedule, for the safety tests of the later stages.
struct Stages {
  NCRYPT_KEY_HANDLE mine = 0, peer = 0, early = 0, handshake = 0, master = 0, c_hs = 0, resumption = 0, binder = 0;
  NCRYPT_HASH_HANDLE transcript = 0, other_hash = 0, tls12_hash = 0;
};

TEST_P(Tls13Exports, SafetyLaterStages) {
  const Suite& s = suite();
  Stages st;
  ByteVec shared;
  ASSERT_NO_FATAL_FAILURE(KeyShares(&st.mine, &st.peer, &shared));
  ASSERT_EQ(SslExtractEarlyKey(prov_, 0, &st.early, TLS1_3_PROTOCOL_VERSION, s.id, nullptr, 0), 0);
  Keep(st.early);
  ASSERT_EQ(SslExtractHandshakeKey(prov_, st.mine, st.peer, st.early, &st.handshake, nullptr, 0), 0);
  Keep(st.handshake);
  ASSERT_EQ(SslExtractMasterKey(prov_, st.handshake, &st.master, nullptr, 0), 0);
  Keep(st.master);
  st.transcript = Transcript(AsBytes("\x01\x00\x00\x01x"sv));
  // A transcript of the other hash, and a TLS 1.2 transcript of the same hash.
  st.other_hash = Transcript({}, s.n == 32 ? TLS_AES_256_GCM_SHA384 : TLS_AES_128_GCM_SHA256);
  EXPECT_EQ(SslCreateHandshakeHash(
                prov_, &st.tls12_hash, TLS1_2_PROTOCOL_VERSION,
                s.n == 32 ? TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 : TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 0),
            0);
  Keep(st.tls12_hash);
  ASSERT_EQ(SslExpandTrafficKeys(prov_, st.handshake, st.transcript, &st.c_hs, nullptr, nullptr, 0), 0);
  Keep(st.c_hs);
  ASSERT_EQ(SslExpandResumptionMasterKey(prov_, st.master, st.transcript, &st.resumption, nullptr, 0), 0);
  Keep(st.resumption);
  ASSERT_EQ(SslExpandBinderKey(prov_, st.early, &st.binder, nullptr, NCRYPT_SSL_EXTERNAL_PSK_FLAG), 0);
  Keep(st.binder);
  NCRYPT_KEY_HANDLE out = 0, out2 = 0;
  NCRYPT_HASH_HANDLE hout = 0;
  std::uint8_t nonce[4] = {};

  // SslExtractHandshakeKey: wrong kinds in each key position, NULL out, flags.
  EXPECT_EQ(SslExtractHandshakeKey(0, st.mine, st.peer, st.early, &out, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExtractHandshakeKey(prov_, st.mine, st.peer, st.early, nullptr, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExtractHandshakeKey(prov_, st.mine, st.peer, st.early, &out, nullptr, 2), NTE_BAD_FLAGS);
  EXPECT_EQ(SslExtractHandshakeKey(prov_, st.peer, st.peer, st.early, &out, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExtractHandshakeKey(prov_, st.mine, st.mine, st.early, &out, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExtractHandshakeKey(prov_, st.mine, st.peer, st.handshake, &out, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExtractHandshakeKey(prov_, st.mine, st.peer, 0, &out, nullptr, 0), NTE_INVALID_HANDLE);

  // SslExtractMasterKey: only a handshake secret.
  EXPECT_EQ(SslExtractMasterKey(prov_, st.handshake, nullptr, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExtractMasterKey(prov_, st.handshake, &out, nullptr, 1), NTE_BAD_FLAGS);
  for (NCRYPT_KEY_HANDLE wrong : {st.early, st.master, st.c_hs, st.binder, st.mine, NCRYPT_KEY_HANDLE{0}}) {
    EXPECT_EQ(SslExtractMasterKey(prov_, wrong, &out, nullptr, 0), NTE_INVALID_HANDLE);
  }

  // SslExpandTrafficKeys: both outputs NULL; a server secret of an early secret; wrong base kinds;
  // a hash handle that is not a hash; a transcript of another hash or of TLS 1.2.
  EXPECT_EQ(SslExpandTrafficKeys(prov_, st.handshake, st.transcript, nullptr, nullptr, nullptr, 0),
            NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExpandTrafficKeys(prov_, st.handshake, st.transcript, &out, &out2, nullptr, 4), NTE_BAD_FLAGS);
  EXPECT_EQ(SslExpandTrafficKeys(prov_, st.early, st.transcript, &out, &out2, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExpandTrafficKeys(prov_, st.c_hs, st.transcript, &out, &out2, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExpandTrafficKeys(prov_, st.resumption, st.transcript, &out, &out2, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExpandTrafficKeys(prov_, st.handshake, st.handshake, &out, &out2, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExpandTrafficKeys(prov_, st.handshake, st.other_hash, &out, &out2, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExpandTrafficKeys(prov_, st.handshake, st.tls12_hash, &out, &out2, nullptr, 0), NTE_INVALID_PARAMETER);

  // SslExpandExporterMasterKey / SslExpandResumptionMasterKey.
  EXPECT_EQ(SslExpandExporterMasterKey(prov_, st.master, st.transcript, nullptr, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExpandExporterMasterKey(prov_, st.master, st.transcript, &out, nullptr, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(SslExpandExporterMasterKey(prov_, st.handshake, st.transcript, &out, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExpandExporterMasterKey(prov_, st.master, st.other_hash, &out, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExpandResumptionMasterKey(prov_, st.master, st.transcript, nullptr, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExpandResumptionMasterKey(prov_, st.master, st.transcript, &out, nullptr, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(SslExpandResumptionMasterKey(prov_, st.early, st.transcript, &out, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExpandResumptionMasterKey(prov_, st.master, st.tls12_hash, &out, nullptr, 0), NTE_INVALID_PARAMETER);

  // SslExpandPreSharedKey: NULL nonce with a length, an oversize nonce, wrong base.
  EXPECT_EQ(SslExpandPreSharedKey(prov_, st.resumption, nonce, 4, nullptr, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExpandPreSharedKey(prov_, st.resumption, nullptr, 4, &out, nullptr, 0), NTE_INVALID_PARAMETER);
  std::vector<std::uint8_t> huge(256);
  EXPECT_EQ(SslExpandPreSharedKey(prov_, st.resumption, huge.data(), 256, &out, nullptr, 0), NTE_INVALID_PARAMETER);
  ASSERT_EQ(SslExpandPreSharedKey(prov_, st.resumption, huge.data(), 255, &out, nullptr, 0), 0);  // the limit itself
  Keep(out);
  out = 0;
  // An over-long nonce is a parameter error whatever the handle: every argument-shape check comes
  // before the handle lookup (the order fuzz_tls13_stages' model holds the export to).
  EXPECT_EQ(SslExpandPreSharedKey(prov_, st.master, huge.data(), 256, &out, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExpandPreSharedKey(prov_, 0, huge.data(), 256, &out, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExpandPreSharedKey(prov_, st.resumption, nonce, 4, &out, nullptr, 8), NTE_BAD_FLAGS);
  EXPECT_EQ(SslExpandPreSharedKey(prov_, st.master, nonce, 4, &out, nullptr, 0), NTE_INVALID_HANDLE);

  // SslExpandBinderKey: exactly one of the two flags; only an early secret.
  EXPECT_EQ(SslExpandBinderKey(prov_, st.early, nullptr, nullptr, NCRYPT_SSL_EXTERNAL_PSK_FLAG), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExpandBinderKey(prov_, st.early, &out, nullptr, 0), NTE_BAD_FLAGS);
  EXPECT_EQ(
      SslExpandBinderKey(prov_, st.early, &out, nullptr, NCRYPT_SSL_EXTERNAL_PSK_FLAG | NCRYPT_SSL_RESUMPTION_PSK_FLAG),
      NTE_BAD_FLAGS);
  EXPECT_EQ(SslExpandBinderKey(prov_, st.handshake, &out, nullptr, NCRYPT_SSL_RESUMPTION_PSK_FLAG), NTE_INVALID_HANDLE);

  // SslExpandNextGenTrafficKey: only a traffic secret.
  EXPECT_EQ(SslExpandNextGenTrafficKey(prov_, st.c_hs, nullptr, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslExpandNextGenTrafficKey(prov_, st.c_hs, &out, nullptr, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(SslExpandNextGenTrafficKey(prov_, st.master, &out, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExpandNextGenTrafficKey(prov_, st.binder, &out, nullptr, 0), NTE_INVALID_HANDLE);

  // SslDuplicateTranscriptHash.
  EXPECT_EQ(SslDuplicateTranscriptHash(prov_, st.transcript, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslDuplicateTranscriptHash(prov_, st.transcript, &hout, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(SslDuplicateTranscriptHash(prov_, st.master, &hout, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslDuplicateTranscriptHash(0, st.transcript, &hout, 0), NTE_INVALID_HANDLE);

  // SslComputeFinishedHash with TLS 1.3 keys: the output must be Hash.length; not a handshake or
  // master secret; not another hash's transcript; one of the two flags.
  std::vector<std::uint8_t> mac(s.n);
  EXPECT_EQ(SslComputeFinishedHash(prov_, st.c_hs, st.transcript, mac.data(), static_cast<DWORD>(s.n - 1),
                                   NCRYPT_SSL_CLIENT_FLAG),
            NTE_INVALID_PARAMETER);
  EXPECT_EQ(
      SslComputeFinishedHash(prov_, st.c_hs, st.transcript, nullptr, static_cast<DWORD>(s.n), NCRYPT_SSL_CLIENT_FLAG),
      NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslComputeFinishedHash(prov_, st.c_hs, st.transcript, mac.data(), static_cast<DWORD>(s.n), 0),
            NTE_BAD_FLAGS);
  EXPECT_EQ(SslComputeFinishedHash(prov_, st.master, st.transcript, mac.data(), static_cast<DWORD>(s.n),
                                   NCRYPT_SSL_CLIENT_FLAG),
            NTE_INVALID_HANDLE);
  EXPECT_EQ(SslComputeFinishedHash(prov_, st.c_hs, st.other_hash, mac.data(), static_cast<DWORD>(s.n),
                                   NCRYPT_SSL_CLIENT_FLAG),
            NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslComputeFinishedHash(prov_, st.binder, st.tls12_hash, mac.data(), static_cast<DWORD>(s.n),
                                   NCRYPT_SSL_CLIENT_FLAG),
            NTE_INVALID_PARAMETER);
  EXPECT_EQ(std::vector<std::uint8_t>(s.n, 0), mac) << "nothing written on failure";

  // Stale handles: a freed secret is refused everywhere.
  NCRYPT_KEY_HANDLE freed = 0;
  ASSERT_EQ(SslExtractMasterKey(prov_, st.handshake, &freed, nullptr, 0), 0);
  ASSERT_EQ(SslFreeObject(freed, 0), 0);
  EXPECT_EQ(SslExpandTrafficKeys(prov_, freed, st.transcript, &out, &out2, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslExpandResumptionMasterKey(prov_, freed, st.transcript, &out, nullptr, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(out, 0u);
  EXPECT_EQ(out2, 0u);
  EXPECT_EQ(hout, 0u);
}

INSTANTIATE_TEST_SUITE_P(Suites, Tls13Exports, testing::ValuesIn(kSuites), [](const testing::TestParamInfo<Suite>& p) {
  return std::string(p.param.id == TLS_AES_128_GCM_SHA256   ? "Aes128GcmSha256"
                     : p.param.id == TLS_AES_256_GCM_SHA384 ? "Aes256GcmSha384"
                                                            : "ChaCha20Poly1305Sha256");
});

}  // namespace
