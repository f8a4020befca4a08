// tls13_key_blob_test.cpp - the BCRYPT_OPAQUE_KEY_BLOB codec of TLS 1.3 record keys and traffic
// secrets (src/record/tls13_key_blob.h), their export / import, and the opaque-blob dispatch.
//
// Expected blobs are laid out by hand here from the documented format, not produced by the
// encoder. Record-level continuation against OpenSSL (and across processes) is in
// tests/abi/tls13_key_blob_exports_test.cpp.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "core/cipher_suites.h"
#include "core/tls13_key_schedule.h"
#include "record/framing.h"
#include "record/session_key.h"
#include "record/session_key_blob.h"
#include "record/tls13_key_blob.h"
#include "support/bytes.h"

namespace opensslp {
namespace {

using test::ByteVec;

ByteVec Pattern(std::size_t n, std::uint8_t seed) {
  ByteVec v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed + i);
  return v;
}

ByteVec Cat(std::initializer_list<ByteVec> parts) {
  ByteVec out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

const CipherSuite& Suite(std::uint16_t id) { return *FindCipherSuite(id); }

// The blobs of the layout in record/tls13_key_blob.h, by hand. Record key: TLS_AES_128_GCM_SHA256,
// application traffic, floor 0x0102030405060708. Traffic secret: TLS_AES_128_GCM_SHA256 (SHA-256),
// application traffic, the server's. (Stage 2 and role 1 are the bases so that every +1 / +0x80
// change of a header byte is an invalid value.)
const ByteVec kKey = Pattern(16, 0x10);
const ByteVec kIv = Pattern(12, 0x40);
const ByteVec kSecret = Pattern(32, 0x80);

ByteVec RecordKeyBlob() {
  return Cat({{'O', 'P', '1', '3', 0x00, 0x01, 0x01, 0x02, 0x03, 0x04, 0x13, 0x01},
              {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08},
              {16, 12},
              kKey,
              kIv});
}

ByteVec TrafficSecretBlob() {
  return Cat({{'O', 'P', '1', '3', 0x00, 0x01, 0x02, 0x02, 0x03, 0x04, 0x13, 0x01}, {0x01, 32}, kSecret});
}

Tls13KeyBlobView RecordKeyView() {
  Tls13KeyBlobView v;
  v.kind = Tls13KeyBlobKind::kRecordKey;
  v.stage = Tls13TrafficStage::kApplication;
  v.suite = &Suite(0x1301);
  v.next_write_seq = 0x0102030405060708ull;
  v.key = kKey;
  v.iv = kIv;
  return v;
}

Tls13KeyBlobView TrafficSecretView() {
  Tls13KeyBlobView v;
  v.kind = Tls13KeyBlobKind::kTrafficSecret;
  v.stage = Tls13TrafficStage::kApplication;
  v.suite = &Suite(0x1301);
  v.role = TlsRole::kServer;
  v.secret = kSecret;
  return v;
}

TEST(Tls13KeyBlob, EncodesTheDocumentedLayout) {
  ByteVec out(Tls13RecordKeyBlobLength(Suite(0x1301)), 0xEE);
  ASSERT_EQ(out.size(), 50u);
  ASSERT_TRUE(EncodeTls13KeyBlob(RecordKeyView(), out).ok());
  EXPECT_EQ(out, RecordKeyBlob());

  out.assign(Tls13TrafficSecretBlobLength(Suite(0x1301)), 0xEE);
  ASSERT_EQ(out.size(), 46u);
  ASSERT_TRUE(EncodeTls13KeyBlob(TrafficSecretView(), out).ok());
  EXPECT_EQ(out, TrafficSecretBlob());

  // The other suites' lengths: AES-256-GCM (key 32, SHA-384) and ChaCha20-Poly1305 (key 32, SHA-256).
  EXPECT_EQ(Tls13RecordKeyBlobLength(Suite(0x1302)), 66u);
  EXPECT_EQ(Tls13RecordKeyBlobLength(Suite(0x1303)), 66u);
  EXPECT_EQ(Tls13TrafficSecretBlobLength(Suite(0x1302)), 62u);
  EXPECT_EQ(Tls13TrafficSecretBlobLength(Suite(0x1303)), 46u);
  // A handshake client secret: stage 1, role 0.
  Tls13KeyBlobView hs = TrafficSecretView();
  hs.stage = Tls13TrafficStage::kHandshake;
  hs.role = TlsRole::kClient;
  ASSERT_TRUE(EncodeTls13KeyBlob(hs, out).ok());
  EXPECT_EQ(out[7], 1);
  EXPECT_EQ(out[12], 0);
}

TEST(Tls13KeyBlob, EncoderRefusesInconsistentViews) {
  ByteVec out(50, 0xEE);
  const ByteVec short_key = Pattern(15, 1), long_secret = Pattern(48, 1);
  auto refused = [&](const Tls13KeyBlobView& v, const char* what) {
    EXPECT_EQ(EncodeTls13KeyBlob(v, out).error(), Error::kInternal) << what;
  };
  Tls13KeyBlobView v = RecordKeyView();
  v.key = short_key;
  refused(v, "key length");
  v = RecordKeyView();
  v.iv = kKey;
  refused(v, "IV length");
  v = RecordKeyView();
  v.suite = FindCipherSuite(0xC02F);
  refused(v, "a TLS 1.2 suite");
  v.suite = nullptr;
  refused(v, "no suite");
  for (Tls13TrafficStage stage : {Tls13TrafficStage::kNone, Tls13TrafficStage::kEarly}) {
    v = RecordKeyView();
    v.stage = stage;
    refused(v, "a stage that does not export");
  }
  v = RecordKeyView();
  v.secret = kSecret;
  refused(v, "a record key with a secret");
  ByteVec out_short(49);
  EXPECT_EQ(EncodeTls13KeyBlob(RecordKeyView(), out_short).error(), Error::kInternal);
  ByteVec out_long(51);
  EXPECT_EQ(EncodeTls13KeyBlob(RecordKeyView(), out_long).error(), Error::kInternal);

  Tls13KeyBlobView t = TrafficSecretView();
  t.secret = long_secret;
  refused(t, "secret length (SHA-256 suite)");
  t = TrafficSecretView();
  t.next_write_seq = 1;
  refused(t, "a traffic secret with sequence state");
  t = TrafficSecretView();
  t.key = kKey;
  refused(t, "a traffic secret with a key");
  t = TrafficSecretView();
  t.stage = Tls13TrafficStage::kEarly;
  refused(t, "0-RTT");
  EXPECT_EQ(out, ByteVec(50, 0xEE)) << "nothing written";
}

TEST(Tls13KeyBlob, DecodesWhatTheLayoutSays) {
  const ByteVec rk = RecordKeyBlob();
  auto r = DecodeTls13KeyBlob(rk);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().kind, Tls13KeyBlobKind::kRecordKey);
  EXPECT_EQ(r.value().stage, Tls13TrafficStage::kApplication);
  EXPECT_EQ(r.value().suite->id, 0x1301);
  EXPECT_EQ(r.value().next_write_seq, 0x0102030405060708ull);
  EXPECT_EQ(ByteVec(r.value().key.begin(), r.value().key.end()), kKey);
  EXPECT_EQ(ByteVec(r.value().iv.begin(), r.value().iv.end()), kIv);

  const ByteVec ts = TrafficSecretBlob();
  auto t = DecodeTls13KeyBlob(ts);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.value().kind, Tls13KeyBlobKind::kTrafficSecret);
  EXPECT_EQ(t.value().stage, Tls13TrafficStage::kApplication);
  EXPECT_EQ(t.value().role, TlsRole::kServer);
  EXPECT_EQ(ByteVec(t.value().secret.begin(), t.value().secret.end()), kSecret);

  // A SHA-384 suite's handshake client secret.
  const ByteVec secret48 = Pattern(48, 3);
  auto h = DecodeTls13KeyBlob(Cat({{'O', 'P', '1', '3', 0, 1, 2, 1, 3, 4, 0x13, 0x02}, {0, 48}, secret48}));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h.value().stage, Tls13TrafficStage::kHandshake);
  EXPECT_EQ(h.value().role, TlsRole::kClient);
  EXPECT_EQ(h.value().suite->id, 0x1302);
}

// Every malformed variant is kBadData: empty, every truncation, trailing bytes, oversize, a change
// of any header byte (except the sequence floor, whose every value is valid), and the named
// corruptions below.
void ExpectEveryCorruptionRefused(const ByteVec& good, std::size_t header_length, std::size_t seq_from,
                                  std::size_t seq_to) {
  ASSERT_TRUE(DecodeTls13KeyBlob(good).ok());
  EXPECT_EQ(DecodeTls13KeyBlob(Bytes()).error(), Error::kBadData);
  for (std::size_t cut = 0; cut < good.size(); ++cut)
    EXPECT_EQ(DecodeTls13KeyBlob(Bytes(good.data(), cut)).error(), Error::kBadData) << "cut " << cut;
  ByteVec longer = good;
  longer.push_back(0);
  EXPECT_EQ(DecodeTls13KeyBlob(longer).error(), Error::kBadData);
  ByteVec huge = good;
  huge.resize(kMaxTls13KeyBlobLength + 1);
  EXPECT_EQ(DecodeTls13KeyBlob(huge).error(), Error::kBadData);
  for (std::size_t at = 0; at < header_length; ++at) {
    if (at >= seq_from && at < seq_to) continue;
    for (std::uint8_t delta : {std::uint8_t{1}, std::uint8_t{0x80}}) {
      ByteVec bad = good;
      bad[at] = static_cast<std::uint8_t>(bad[at] + delta);
      auto r = DecodeTls13KeyBlob(bad);
      EXPECT_FALSE(r.ok()) << "offset " << at << " +" << int{delta};
      if (!r.ok()) {
        EXPECT_EQ(r.error(), Error::kBadData);
      }
    }
  }
}

TEST(Tls13KeyBlob, EveryRecordKeyCorruptionIsBadData) {
  const ByteVec good = RecordKeyBlob();
  ExpectEveryCorruptionRefused(good, kTls13RecordKeyBlobHeaderLength, 12, 20);
  struct Corruption {
    std::size_t at;
    std::uint8_t value;
    const char* what;
  } const corruptions[] = {
      {0, 'o', "magic"},
      {3, '2', "magic OP12"},
      {5, 0, "format version 0"},
      {5, 2, "format version 2"},
      {6, 0, "kind 0"},
      {6, 2, "kind: traffic secret (lengths differ)"},
      {6, 3, "kind 3"},
      {7, 0, "stage 0 (none)"},
      {7, 3, "stage 3"},
      {9, 0x03, "protocol 0x0303"},
      {8, 0x7F, "protocol 0x7F04 (a draft)"},
      {11, 0x02, "suite 0x1302 (a 32-byte key)"},
      {11, 0x04, "suite 0x1304 (not in the catalog)"},
      {10, 0xC0, "suite 0xC001 (not TLS 1.3)"},
      {20, 32, "key length"},
      {20, 15, "key length"},
      {21, 4, "IV length (TLS 1.2 GCM's)"},
      {21, 0, "IV length"},
  };
  for (const Corruption& c : corruptions) {
    ByteVec bad = good;
    bad[c.at] = c.value;
    EXPECT_EQ(DecodeTls13KeyBlob(bad).error(), Error::kBadData) << c.what;
  }
  // Lengths that still add up to the blob's size but disagree with the suite.
  ByteVec shifted = good;
  shifted[20] = 15;
  shifted[21] = 13;
  EXPECT_EQ(DecodeTls13KeyBlob(shifted).error(), Error::kBadData);
  // The same key under a suite with 32-byte keys, lengths consistent with the blob.
  ByteVec aes256 = Cat({{'O', 'P', '1', '3', 0, 1, 1, 2, 3, 4, 0x13, 0x02}, ByteVec(8, 0), {16, 12}, kKey, kIv});
  EXPECT_EQ(DecodeTls13KeyBlob(aes256).error(), Error::kBadData);
}

TEST(Tls13KeyBlob, EveryTrafficSecretCorruptionIsBadData) {
  const ByteVec good = TrafficSecretBlob();
  ExpectEveryCorruptionRefused(good, kTls13TrafficSecretBlobHeaderLength, 0, 0);
  struct Corruption {
    std::size_t at;
    std::uint8_t value;
    const char* what;
  } const corruptions[] = {
      {6, 1, "kind: record key (lengths differ)"},
      {7, 0, "stage 0 (none)"},
      {7, 3, "stage 3"},
      {12, 2, "role 2"},
      {13, 48, "secret length (SHA-384's, for a SHA-256 suite)"},
      {13, 31, "secret length"},
      {11, 0x02, "suite 0x1302 (SHA-384)"},
  };
  for (const Corruption& c : corruptions) {
    ByteVec bad = good;
    bad[c.at] = c.value;
    EXPECT_EQ(DecodeTls13KeyBlob(bad).error(), Error::kBadData) << c.what;
  }
  // A 48-byte secret under a SHA-256 suite, lengths consistent with the blob.
  EXPECT_EQ(
      DecodeTls13KeyBlob(Cat({{'O', 'P', '1', '3', 0, 1, 2, 2, 3, 4, 0x13, 0x01}, {1, 48}, Pattern(48, 0)})).error(),
      Error::kBadData);
}

// ---- objects --------------------------------------------------------------------------------------

std::shared_ptr<SessionKey> RecordKey(Tls13TrafficStage stage) {
  SessionKeyMaterial m;
  m.suite = &Suite(0x1301);
  m.version = ProtocolVersion::kTls13;
  m.direction = RecordDirection::kBoth;
  m.stage = stage;
  m.enc_key = SecretBytes(kKey);
  m.iv = SecretBytes(kIv);
  auto key = CreateTls13RecordKey(std::move(m));
  EXPECT_TRUE(key.ok());
  return key.ok() ? key.value() : nullptr;
}

TEST(Tls13KeyBlob, RecordKeyRoundTripKeepsTheFloor) {
  std::shared_ptr<SessionKey> key = RecordKey(Tls13TrafficStage::kApplication);
  ASSERT_NE(key, nullptr);
  std::uint8_t msg[3] = {1, 2, 3};
  ByteVec rec(key->SealedLength(3));
  ASSERT_TRUE(key->Seal(7, kContentApplicationData, msg, 3, rec.data(), rec.size()).ok());
  ASSERT_TRUE(key->OpaqueBlobExportable());
  ByteVec blob(key->OpaqueBlobLength());
  ASSERT_EQ(blob.size(), 50u);
  ASSERT_TRUE(key->ExportOpaqueBlob(blob).ok());
  EXPECT_EQ(blob,
            Cat({{'O', 'P', '1', '3', 0, 1, 1, 2, 3, 4, 0x13, 0x01}, {0, 0, 0, 0, 0, 0, 0, 8}, {16, 12}, kKey, kIv}));

  auto imported = ImportOpaqueKeyBlob(blob);
  ASSERT_TRUE(imported.ok());
  ASSERT_EQ(imported.value()->kind(), ObjectKind::kSessionKey);
  auto moved = std::static_pointer_cast<SessionKey>(imported.value());
  EXPECT_EQ(moved->version(), ProtocolVersion::kTls13);
  EXPECT_EQ(moved->direction(), RecordDirection::kBoth);
  EXPECT_EQ(moved->tls13_stage(), Tls13TrafficStage::kApplication);
  auto repeat = moved->Seal(7, kContentApplicationData, msg, 3, rec.data(), rec.size());
  ASSERT_FALSE(repeat.ok());
  EXPECT_EQ(repeat.error(), Error::kInvalidParameter);
  // Same key and nonce: both seal the same record for 8, and each opens the other's.
  ByteVec a(rec.size()), b(rec.size());
  ASSERT_TRUE(key->Seal(8, kContentApplicationData, msg, 3, a.data(), a.size()).ok());
  ASSERT_TRUE(moved->Seal(8, kContentApplicationData, msg, 3, b.data(), b.size()).ok());
  EXPECT_EQ(a, b);
  ByteVec plain(a.size());
  auto opened = moved->Open(8, a.data(), a.size(), plain.data(), plain.size());
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(ByteVec(plain.begin(), plain.begin() + opened.value()), ByteVec({1, 2, 3, kContentApplicationData}));
  // A key that only opened exports the floor 0.
  std::shared_ptr<SessionKey> reader = RecordKey(Tls13TrafficStage::kHandshake);
  ASSERT_TRUE(reader->Open(8, a.data(), a.size(), plain.data(), plain.size()).ok());
  ASSERT_TRUE(reader->ExportOpaqueBlob(blob).ok());
  EXPECT_EQ(ByteVec(blob.begin() + 7, blob.begin() + 20), Cat({{1, 3, 4, 0x13, 0x01}, ByteVec(8, 0)}));
}

TEST(Tls13KeyBlob, ZeroRttAndOtherStagesDoNotExport) {
  std::shared_ptr<SessionKey> early_key = RecordKey(Tls13TrafficStage::kEarly);
  ASSERT_NE(early_key, nullptr);
  EXPECT_FALSE(early_key->OpaqueBlobExportable());
  ByteVec out(early_key->OpaqueBlobLength(), 0xEE);
  EXPECT_EQ(early_key->ExportOpaqueBlob(out).error(), Error::kNotSupported);
  EXPECT_EQ(out, ByteVec(out.size(), 0xEE));

  const Tls13Secret early_traffic(ObjectKind::kTls13TrafficSecret, Suite(0x1301), SecretBytes(kSecret),
                                  TlsRole::kClient, Tls13TrafficStage::kEarly);
  EXPECT_EQ(TrafficSecretBlobLength(early_traffic).error(), Error::kNotSupported);
  ByteVec t(46, 0xEE);
  EXPECT_EQ(ExportTrafficSecretBlob(early_traffic, t).error(), Error::kNotSupported);
  // Any other stage's secret, even one constructed with a traffic stage, is no traffic secret.
  for (ObjectKind kind :
       {ObjectKind::kTls13EarlySecret, ObjectKind::kTls13HandshakeSecret, ObjectKind::kTls13MasterSecret,
        ObjectKind::kTls13ExporterSecret, ObjectKind::kTls13ResumptionSecret, ObjectKind::kTls13BinderKey}) {
    const Tls13Secret other(kind, Suite(0x1301), SecretBytes(kSecret), TlsRole::kClient,
                            Tls13TrafficStage::kApplication);
    EXPECT_EQ(other.traffic_stage(), Tls13TrafficStage::kNone);
    EXPECT_EQ(TrafficSecretBlobLength(other).error(), Error::kNotSupported) << ObjectKindName(kind);
  }
  EXPECT_EQ(t, ByteVec(46, 0xEE));
}

TEST(Tls13KeyBlob, TrafficSecretRoundTrip) {
  const Tls13Secret secret(ObjectKind::kTls13TrafficSecret, Suite(0x1301), SecretBytes(kSecret), TlsRole::kServer,
                           Tls13TrafficStage::kApplication);
  ASSERT_EQ(TrafficSecretBlobLength(secret).value(), 46u);
  ByteVec blob(46);
  ASSERT_TRUE(ExportTrafficSecretBlob(secret, blob).ok());
  EXPECT_EQ(blob, TrafficSecretBlob());
  auto imported = ImportOpaqueKeyBlob(blob);
  ASSERT_TRUE(imported.ok());
  ASSERT_EQ(imported.value()->kind(), ObjectKind::kTls13TrafficSecret);
  auto moved = std::static_pointer_cast<Tls13Secret>(imported.value());
  EXPECT_EQ(moved->suite().id, 0x1301);
  EXPECT_EQ(moved->role(), TlsRole::kServer);
  EXPECT_EQ(moved->traffic_stage(), Tls13TrafficStage::kApplication);
  EXPECT_EQ(ByteVec(moved->secret().begin(), moved->secret().end()), kSecret);
  // KeyUpdate keeps role and stage, so the successor exports too.
  auto next = ExpandNextTrafficSecret(*moved);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next.value()->traffic_stage(), Tls13TrafficStage::kApplication);
  EXPECT_EQ(next.value()->role(), TlsRole::kServer);
  EXPECT_TRUE(TrafficSecretBlobLength(*next.value()).ok());
}

// The stage is set where the secret is made: ExpandTrafficSecrets by its base, KeyUpdate by its
// predecessor, SslExpandWriteKey's material by its traffic secret.
TEST(Tls13KeyBlob, StagesFollowTheSchedule) {
  auto early = ExtractEarlySecret(Suite(0x1301), nullptr);
  ASSERT_TRUE(early.ok());
  const ByteVec zeros(32, 0);
  auto hs = ExtractHandshakeSecret(*early.value(), Pattern(32, 9));
  ASSERT_TRUE(hs.ok());
  auto ms = ExtractMasterSecret(*hs.value());
  ASSERT_TRUE(ms.ok());
  auto e = ExpandTrafficSecrets(*early.value(), zeros, true, false);
  auto h = ExpandTrafficSecrets(*hs.value(), zeros, true, true);
  auto a = ExpandTrafficSecrets(*ms.value(), zeros, true, true);
  ASSERT_TRUE(e.ok() && h.ok() && a.ok());
  EXPECT_EQ(e.value().client->traffic_stage(), Tls13TrafficStage::kEarly);
  EXPECT_EQ(h.value().client->traffic_stage(), Tls13TrafficStage::kHandshake);
  EXPECT_EQ(h.value().server->traffic_stage(), Tls13TrafficStage::kHandshake);
  EXPECT_EQ(a.value().client->traffic_stage(), Tls13TrafficStage::kApplication);
  EXPECT_EQ(a.value().server->traffic_stage(), Tls13TrafficStage::kApplication);
  EXPECT_EQ(early.value()->traffic_stage(), Tls13TrafficStage::kNone);
  auto material = ExpandTls13RecordKeyMaterial(*h.value().server);
  ASSERT_TRUE(material.ok());
  EXPECT_EQ(material.value().stage, Tls13TrafficStage::kHandshake);
  auto key = CreateTls13RecordKey(std::move(material.value()));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key.value()->tls13_stage(), Tls13TrafficStage::kHandshake);
  auto e_key = ExpandTls13RecordKeyMaterial(*e.value().client);
  ASSERT_TRUE(e_key.ok());
  EXPECT_EQ(e_key.value().stage, Tls13TrafficStage::kEarly);
}

// SslImportKey's dispatch: the magic picks the format; anything else is kBadData.
TEST(Tls13KeyBlob, ImportDispatchesOnTheMagic) {
  // A TLS 1.2 blob (record/session_key_blob.h) still imports as a TLS 1.2 session key.
  const ByteVec tls12 = Cat({{'O', 'P', 'S', 'K', 0, 1, 3, 3, 0xC0, 0x2F, 1, 0},
                             ByteVec(8, 0),
                             {0, 16, 4, 0},
                             Pattern(16, 1),
                             Pattern(4, 2)});
  auto k = ImportOpaqueKeyBlob(tls12);
  ASSERT_TRUE(k.ok());
  ASSERT_EQ(k.value()->kind(), ObjectKind::kSessionKey);
  EXPECT_EQ(std::static_pointer_cast<SessionKey>(k.value())->version(), ProtocolVersion::kTls12);
  // A TLS 1.3 body under the TLS 1.2 magic, and the reverse.
  ByteVec swapped = RecordKeyBlob();
  swapped[2] = 'S';
  swapped[3] = 'K';
  EXPECT_EQ(ImportOpaqueKeyBlob(swapped).error(), Error::kBadData);
  ByteVec reverse = tls12;
  reverse[2] = '1';
  reverse[3] = '3';
  EXPECT_EQ(ImportOpaqueKeyBlob(reverse).error(), Error::kBadData);
  for (const ByteVec& junk : {ByteVec{}, ByteVec{'O'}, ByteVec{'O', 'P', '1'}, ByteVec{'O', 'P', '1', '3'},
                              ByteVec(50, 0), ByteVec(300, 0xFF)}) {
    EXPECT_EQ(ImportOpaqueKeyBlob(junk).error(), Error::kBadData) << junk.size();
  }
}

}  // namespace
}  // namespace opensslp
