// tls13_rfc8448_test.cpp - the TLS 1.3 key-schedule exports walked through RFC 8448's example
// handshakes (tests/vectors/tls13_rfc8448_*.txt): every secret, Finished value, binder and PSK the
// RFC prints must come out of SslExtract* / SslExpand* / SslComputeFinishedHash.
//
// The exports are called as a caller would; only two things need the internals (this is a unit
// test): the RFC's x25519 private key becomes our ephemeral key (no export imports a private key),
// and each secret's bytes are read from its handle to compare them with the RFC (no export reveals
// a TLS 1.3 secret). The values are the RFC's; nothing here computes an expected value.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/key_exchange.h"
#include "core/tls13_key_schedule.h"
#include "handles/handle_table.h"
#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/bytes.h"
#include "support/vector_file.h"
#include "support/wide.h"

namespace opensslp {
namespace {

using test::ByteVec;
using test::Hex;
using test::VectorFile;
using test::VectorPath;
using test::VectorRecord;

constexpr std::uint32_t kX25519 = 29;

class Rfc8448 : public testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(SslOpenProvider(&prov_, nullptr, 0), 0); }
  void TearDown() override {
    for (ULONG_PTR h : handles_) SslFreeObject(h, 0);
    SslFreeObject(prov_, 0);
  }
  ULONG_PTR Keep(ULONG_PTR h) {
    handles_.push_back(h);
    return h;
  }

  const VectorRecord& Load(const char* name) {
    std::string error;
    EXPECT_TRUE(VectorFile::Load(VectorPath(name), &file_, &error)) << error;
    EXPECT_EQ(file_.records().size(), 1u);
    return file_.records().at(0);
  }

  // The RFC's x25519 private key as our ephemeral key (internal: no export imports private keys).
  NCRYPT_KEY_HANDLE OurX25519(const ByteVec& private_key) {
    auto key = EphemeralKeyFromPrivateForTesting(*FindGroup(kX25519), private_key);
    EXPECT_TRUE(key.ok());
    auto handle = HandleTable::Global().Insert(std::move(key).value());
    EXPECT_TRUE(handle.ok());
    return Keep(static_cast<NCRYPT_KEY_HANDLE>(handle.value()));
  }
  // The peer's x25519 public key through SslImportKey (SSLECCPUBLICBLOB: IANA id, length, key).
  NCRYPT_KEY_HANDLE PeerX25519(const ByteVec& public_key) {
    ByteVec blob = {kX25519, 0, 0, 0, static_cast<std::uint8_t>(public_key.size()), 0, 0, 0};
    blob.insert(blob.end(), public_key.begin(), public_key.end());
    NCRYPT_KEY_HANDLE key = 0;
    EXPECT_EQ(SslImportKey(prov_, &key, W(u"SSLECCPUBLICBLOB"), blob.data(), static_cast<DWORD>(blob.size()), 0), 0);
    return Keep(key);
  }
  NCRYPT_HASH_HANDLE Transcript() {
    NCRYPT_HASH_HANDLE h = 0;
    EXPECT_EQ(SslCreateHandshakeHash(prov_, &h, TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256, 0), 0);
    return Keep(h);
  }
  void Add(NCRYPT_HASH_HANDLE h, const ByteVec& message) {
    EXPECT_EQ(
        SslHashHandshake(prov_, h, const_cast<std::uint8_t*>(message.data()), static_cast<DWORD>(message.size()), 0),
        0);
  }
  ByteVec TranscriptHash(NCRYPT_HASH_HANDLE h) {
    ByteVec out(32);
    DWORD len = 0;
    EXPECT_EQ(SslComputeSessionHash(prov_, h, TLS1_3_PROTOCOL_VERSION, out.data(), 32, &len, 0), 0);
    out.resize(len);
    return out;
  }
  // The bytes of a TLS 1.3 secret or PSK handle (internal).
  std::string SecretHex(ULONG_PTR handle) {
    auto object = HandleTable::Global().LookupAny(static_cast<Handle>(handle));
    if (!object.ok()) return "(no object)";
    if (object.value()->kind() == ObjectKind::kPreSharedKey) {
      return Hex(static_cast<const PreSharedKey&>(*object.value()).key());
    }
    if (!Tls13Secret::Accepts(object.value()->kind())) return "(not a TLS 1.3 secret)";
    return Hex(static_cast<const Tls13Secret&>(*object.value()).secret());
  }
  // From the early secret and the transcript through ClientHello: the server's x25519 exchange,
  // the handshake secret, ServerHello, both handshake traffic secrets and the master secret, each
  // checked against the record `v`.
  void HandshakeStage(const VectorRecord& v, NCRYPT_KEY_HANDLE early, NCRYPT_HASH_HANDLE h, NCRYPT_KEY_HANDLE* c_hs,
                      NCRYPT_KEY_HANDLE* s_hs, NCRYPT_KEY_HANDLE* master) {
    NCRYPT_KEY_HANDLE handshake = 0;
    NCRYPT_KEY_HANDLE server_key = OurX25519(v.Hex("server_x25519_private"));
    NCRYPT_KEY_HANDLE client_public = PeerX25519(v.Hex("client_x25519_public"));
    ASSERT_EQ(SslExtractHandshakeKey(prov_, server_key, client_public, early, &handshake, nullptr, 0), 0);
    EXPECT_EQ(SecretHex(Keep(handshake)), Hex(v.Hex("handshake_secret")));
    Add(h, v.Hex("server_hello"));
    EXPECT_EQ(Hex(TranscriptHash(h)), Hex(v.Hex("transcript_hash_client_hello_server_hello")));
    ASSERT_EQ(SslExpandTrafficKeys(prov_, handshake, h, c_hs, s_hs, nullptr, 0), 0);
    EXPECT_EQ(SecretHex(Keep(*c_hs)), Hex(v.Hex("client_handshake_traffic_secret")));
    EXPECT_EQ(SecretHex(Keep(*s_hs)), Hex(v.Hex("server_handshake_traffic_secret")));
    ASSERT_EQ(SslExtractMasterKey(prov_, handshake, master, nullptr, 0), 0);
    EXPECT_EQ(SecretHex(Keep(*master)), Hex(v.Hex("master_secret")));
  }

  // The record key of a traffic secret (SslExpandWriteKey).
  NCRYPT_KEY_HANDLE RecordKey(NCRYPT_KEY_HANDLE traffic) {
    NCRYPT_KEY_HANDLE key = 0;
    EXPECT_EQ(SslExpandWriteKey(prov_, traffic, &key, nullptr, 0), 0);
    return Keep(key);
  }
  // SslEncryptPacket of `data` as one record of `type`; the whole TLSCiphertext.
  std::string SealHex(NCRYPT_KEY_HANDLE key, const ByteVec& data, std::uint8_t type, std::uint64_t seq) {
    ByteVec out(data.size() + 5 + 17);
    DWORD len = 0;
    EXPECT_EQ(SslEncryptPacket(prov_, key, const_cast<std::uint8_t*>(data.data()), static_cast<DWORD>(data.size()),
                               out.data(), static_cast<DWORD>(out.size()), &len, seq, type, 0),
              0);
    out.resize(len);
    return Hex(out);
  }
  // SslDecryptPacket of a record: the inner plaintext without padding, content type last.
  std::string OpenHex(NCRYPT_KEY_HANDLE key, const ByteVec& record, std::uint64_t seq) {
    ByteVec out(record.size());
    DWORD len = 0;
    EXPECT_EQ(SslDecryptPacket(prov_, key, const_cast<std::uint8_t*>(record.data()), static_cast<DWORD>(record.size()),
                               out.data(), static_cast<DWORD>(out.size()), &len, seq, 0),
              0);
    out.resize(len);
    return Hex(out);
  }
  static ByteVec WithType(ByteVec data, std::uint8_t type) {
    data.push_back(type);
    return data;
  }

  std::string FinishedHex(NCRYPT_KEY_HANDLE key, NCRYPT_HASH_HANDLE h, DWORD flag) {
    ByteVec out(32);
    EXPECT_EQ(SslComputeFinishedHash(prov_, key, h, out.data(), 32, flag), 0);
    return Hex(out);
  }

  NCRYPT_PROV_HANDLE prov_ = 0;
  VectorFile file_;
  std::vector<ULONG_PTR> handles_;
};

// RFC 8448 §3: a full 1-RTT handshake with x25519, TLS_AES_128_GCM_SHA256, seen from the server.
TEST_F(Rfc8448, Section3SimpleOneRtt) {
  const VectorRecord& v = Load("tls13_rfc8448_1rtt.txt");
  NCRYPT_KEY_HANDLE early = 0, master = 0, c_hs = 0, s_hs = 0, c_ap = 0, s_ap = 0, exporter = 0, resumption = 0,
                    psk = 0;
  ASSERT_EQ(SslExtractEarlyKey(prov_, 0, &early, TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256, nullptr, 0), 0);
  EXPECT_EQ(SecretHex(Keep(early)), Hex(v.Hex("early_secret")));

  NCRYPT_HASH_HANDLE h = Transcript();
  Add(h, v.Hex("client_hello"));
  ASSERT_NO_FATAL_FAILURE(HandshakeStage(v, early, h, &c_hs, &s_hs, &master));

  // The server's Finished covers everything through CertificateVerify (RFC 8446 §4.4.4).
  Add(h, v.Hex("encrypted_extensions"));
  Add(h, v.Hex("certificate"));
  Add(h, v.Hex("certificate_verify"));
  EXPECT_EQ(FinishedHex(s_hs, h, NCRYPT_SSL_SERVER_FLAG), Hex(v.Hex("server_finished_verify_data")));
  const ByteVec server_finished = v.Hex("server_finished");
  EXPECT_EQ(Hex(ByteVec(server_finished.begin() + 4, server_finished.end())),
            Hex(v.Hex("server_finished_verify_data")));
  Add(h, server_finished);
  EXPECT_EQ(Hex(TranscriptHash(h)), Hex(v.Hex("transcript_hash_client_hello_server_finished")));

  // The server's encrypted flight (EncryptedExtensions..Finished) is one record under the server
  // handshake key, and the client's Finished one under the client handshake key.
  const NCRYPT_KEY_HANDLE s_hs_key = RecordKey(s_hs), c_hs_key = RecordKey(c_hs);
  const ByteVec flight = v.Hex("server_handshake_record_payload");
  EXPECT_EQ(SealHex(s_hs_key, flight, 22, v.Number("server_handshake_record_seq")),
            Hex(v.Hex("server_handshake_record")));
  EXPECT_EQ(OpenHex(s_hs_key, v.Hex("server_handshake_record"), 0), Hex(WithType(flight, 22)));
  EXPECT_EQ(SealHex(c_hs_key, v.Hex("client_finished"), 22, v.Number("client_finished_record_seq")),
            Hex(v.Hex("client_finished_record")));

  // Application traffic and exporter secrets over ClientHello..server Finished.
  ASSERT_EQ(SslExpandTrafficKeys(prov_, master, h, &c_ap, &s_ap, nullptr, 0), 0);
  EXPECT_EQ(SecretHex(Keep(c_ap)), Hex(v.Hex("client_application_traffic_secret_0")));
  EXPECT_EQ(SecretHex(Keep(s_ap)), Hex(v.Hex("server_application_traffic_secret_0")));
  ASSERT_EQ(SslExpandExporterMasterKey(prov_, master, h, &exporter, nullptr, 0), 0);
  EXPECT_EQ(SecretHex(Keep(exporter)), Hex(v.Hex("exporter_master_secret")));

  // Application data both ways and the closing alerts under the application keys.
  const NCRYPT_KEY_HANDLE c_ap_key = RecordKey(c_ap), s_ap_key = RecordKey(s_ap);
  EXPECT_EQ(SealHex(s_ap_key, v.Hex("new_session_ticket"), 22, v.Number("new_session_ticket_record_seq")),
            Hex(v.Hex("new_session_ticket_record")));
  EXPECT_EQ(SealHex(c_ap_key, v.Hex("client_application_data"), 23, v.Number("client_application_data_record_seq")),
            Hex(v.Hex("client_application_data_record")));
  EXPECT_EQ(OpenHex(c_ap_key, v.Hex("client_application_data_record"), 0),
            Hex(WithType(v.Hex("client_application_data"), 23)));
  EXPECT_EQ(SealHex(s_ap_key, v.Hex("server_application_data"), 23, v.Number("server_application_data_record_seq")),
            Hex(v.Hex("server_application_data_record")));
  const ByteVec close_notify = {1, 0};  // RFC 8448 §3: alert (warning, close_notify)
  EXPECT_EQ(SealHex(c_ap_key, close_notify, 21, 1), Hex(v.Hex("client_alert_record")));
  EXPECT_EQ(SealHex(s_ap_key, close_notify, 21, 2), Hex(v.Hex("server_alert_record")));
  EXPECT_EQ(OpenHex(s_ap_key, v.Hex("server_alert_record"), 2), Hex(WithType(close_notify, 21)));

  // The client's Finished, then the resumption master secret and the ticket's PSK.
  EXPECT_EQ(FinishedHex(c_hs, h, NCRYPT_SSL_CLIENT_FLAG), Hex(v.Hex("client_finished_verify_data")));
  Add(h, v.Hex("client_finished"));
  EXPECT_EQ(Hex(TranscriptHash(h)), Hex(v.Hex("transcript_hash_client_hello_client_finished")));
  ASSERT_EQ(SslExpandResumptionMasterKey(prov_, master, h, &resumption, nullptr, 0), 0);
  EXPECT_EQ(SecretHex(Keep(resumption)), Hex(v.Hex("resumption_master_secret")));
  ByteVec nonce = v.Hex("ticket_nonce");
  ASSERT_EQ(SslExpandPreSharedKey(prov_, resumption, nonce.data(), static_cast<DWORD>(nonce.size()), &psk, nullptr, 0),
            0);
  EXPECT_EQ(SecretHex(Keep(psk)), Hex(v.Hex("resumption_psk")));
}

// RFC 8448 §4: the resumed handshake with 0-RTT, from §3's resumption master secret: the PSK, the
// early secret it seeds, the resumption binder over the truncated ClientHello, the client early
// traffic and early exporter secrets, then the (EC)DHE handshake and master secrets.
TEST_F(Rfc8448, Section4ResumedZeroRtt) {
  const VectorRecord& v = Load("tls13_rfc8448_resumption.txt");
  const CipherSuite* suite = FindCipherSuite(TLS_AES_128_GCM_SHA256);
  ASSERT_NE(suite, nullptr);
  // §3's resumption master secret as a handle (internal: the handshake that made it is §3's).
  auto inserted = HandleTable::Global().Insert(std::make_shared<Tls13Secret>(
      ObjectKind::kTls13ResumptionSecret, *suite, SecretBytes(Bytes(v.Hex("resumption_master_secret")))));
  ASSERT_TRUE(inserted.ok());
  const NCRYPT_KEY_HANDLE resumption = Keep(static_cast<NCRYPT_KEY_HANDLE>(inserted.value()));

  NCRYPT_KEY_HANDLE psk = 0, early = 0, binder = 0, c_e = 0, early_exporter = 0, master = 0, c_hs = 0, s_hs = 0;
  ByteVec nonce = v.Hex("ticket_nonce");
  ASSERT_EQ(SslExpandPreSharedKey(prov_, resumption, nonce.data(), static_cast<DWORD>(nonce.size()), &psk, nullptr, 0),
            0);
  EXPECT_EQ(SecretHex(Keep(psk)), Hex(v.Hex("psk")));
  ASSERT_EQ(SslExtractEarlyKey(prov_, psk, &early, TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256, nullptr, 0), 0);
  EXPECT_EQ(SecretHex(Keep(early)), Hex(v.Hex("early_secret")));

  ASSERT_EQ(SslExpandBinderKey(prov_, early, &binder, nullptr, NCRYPT_SSL_RESUMPTION_PSK_FLAG), 0);
  EXPECT_EQ(SecretHex(Keep(binder)), Hex(v.Hex("binder_key")));
  NCRYPT_HASH_HANDLE prefix = Transcript();
  Add(prefix, v.Hex("client_hello_prefix"));
  EXPECT_EQ(Hex(TranscriptHash(prefix)), Hex(v.Hex("binder_hash")));
  EXPECT_EQ(FinishedHex(binder, prefix, NCRYPT_SSL_CLIENT_FLAG), Hex(v.Hex("binder")));

  NCRYPT_HASH_HANDLE h = Transcript();
  Add(h, v.Hex("client_hello"));
  EXPECT_EQ(Hex(TranscriptHash(h)), Hex(v.Hex("transcript_hash_client_hello")));
  ASSERT_EQ(SslExpandTrafficKeys(prov_, early, h, &c_e, nullptr, nullptr, 0), 0);
  EXPECT_EQ(SecretHex(Keep(c_e)), Hex(v.Hex("client_early_traffic_secret")));
  ASSERT_EQ(SslExpandExporterMasterKey(prov_, early, h, &early_exporter, nullptr, 0), 0);
  EXPECT_EQ(SecretHex(Keep(early_exporter)), Hex(v.Hex("early_exporter_master_secret")));

  ASSERT_NO_FATAL_FAILURE(HandshakeStage(v, early, h, &c_hs, &s_hs, &master));
}

}  // namespace
}  // namespace opensslp
