// tls13_rfc8448_test.cpp - the TLS 1.3 key-schedule exports walked through RFC 8448's example
// handshakes (tests/vectors/tls13_rfc8448_*.txt): every secret, Finished value, binder and PSK the
// RFC prints must come out of SslExtract* / SslExpand* / SslComputeFinishedHash, and every record
// it prints out of SslEncryptPacket under the key of SslExpandWriteKey.
//
// The exports are called as a caller would; only two things need the internals (this is a unit
// test): the RFC's x25519 and P-256 private keys become our ephemeral keys (no export imports a
// private key), and each secret's bytes are read from its handle to compare them with the RFC (no
// export reveals a TLS 1.3 secret). The values are the RFC's; nothing here computes an expected
// value. Where the RFC's value is a signature (randomised RSA-PSS, ECDSA), it is verified with
// SslVerifySignature over the content the test builds from our transcript hash.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/key_exchange.h"
#include "core/tls13_key_schedule.h"
#include "handles/handle_table.h"
#include "key_log_scope.h"
#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/bytes.h"
#include "support/ossl_reference.h"
#include "support/vector_file.h"
#include "support/wide.h"

namespace opensslp {
namespace {

using test::ByteVec;
using test::Concat;
using test::Hex;
using test::VectorFile;
using test::VectorPath;
using test::VectorRecord;

constexpr std::uint32_t kX25519 = 29;
constexpr std::uint32_t kSecp256r1 = 23;

// RFC 8446 §4.4.1: after a HelloRetryRequest, ClientHello1 is replaced in the transcript by the
// synthetic handshake message message_hash (type 254) whose body is Hash(ClientHello1).
constexpr std::uint8_t kMessageHash = 254;

// The key-log lines of a full handshake (docs/key-log.md): label, and the vector key of its secret.
const std::vector<std::pair<std::string, std::string>> kFullHandshakeKeyLog = {
    {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "client_handshake_traffic_secret"},
    {"SERVER_HANDSHAKE_TRAFFIC_SECRET", "server_handshake_traffic_secret"},
    {"CLIENT_TRAFFIC_SECRET_0", "client_application_traffic_secret_0"},
    {"SERVER_TRAFFIC_SECRET_0", "server_application_traffic_secret_0"},
    {"EXPORTER_SECRET", "exporter_master_secret"}};

// RFC 8446 §4.4.3: the content a CertificateVerify signs is 64 spaces, the context string, a zero
// byte and the transcript hash through the Certificate.
ByteVec SignedContent(std::string_view context, const ByteVec& transcript_hash) {
  ByteVec content(64, 0x20);
  content.insert(content.end(), context.begin(), context.end());
  content.push_back(0);
  content.insert(content.end(), transcript_hash.begin(), transcript_hash.end());
  return content;
}

void PutLe32(ByteVec& v, std::uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}

// The DER certificate of the first entry of a TLS 1.3 Certificate message (RFC 8446 §4.4.2):
// header (4), context length (1, empty here), list length (3), entry length (3), DER, extensions.
ByteVec FirstCertificate(const ByteVec& message) {
  if (message.size() < 11 || message[0] != 11 || message[4] != 0) return {};
  const std::size_t len = (std::size_t{message[8]} << 16) | (std::size_t{message[9]} << 8) | message[10];
  if (11 + len > message.size()) return {};
  return ByteVec(message.begin() + 11, message.begin() + 11 + len);
}

// The subject public key of a DER certificate, read by OpenSSL (it parses the RFC's bytes; it
// computes nothing that is compared).
test::PkeyPtr CertificateKey(const ByteVec& der) {
  const unsigned char* p = der.data();
  std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())), X509_free);
  if (!cert) return test::PkeyPtr(nullptr);
  return test::PkeyPtr(X509_get_pubkey(cert.get()));
}

ByteVec BnParam(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) return {};
  ByteVec out(static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  BN_free(bn);
  return out;
}

// BCRYPT_RSAPUBLIC_BLOB of an RSA key: header {magic, bits, cbPublicExp, cbModulus, 0, 0}, e, n.
ByteVec RsaPublicBlob(EVP_PKEY* key) {
  const ByteVec n = BnParam(key, OSSL_PKEY_PARAM_RSA_N), e = BnParam(key, OSSL_PKEY_PARAM_RSA_E);
  ByteVec blob;
  PutLe32(blob, BCRYPT_RSAPUBLIC_MAGIC);
  PutLe32(blob, static_cast<std::uint32_t>(EVP_PKEY_get_bits(key)));
  PutLe32(blob, static_cast<std::uint32_t>(e.size()));
  PutLe32(blob, static_cast<std::uint32_t>(n.size()));
  PutLe32(blob, 0);
  PutLe32(blob, 0);
  blob.insert(blob.end(), e.begin(), e.end());
  blob.insert(blob.end(), n.begin(), n.end());
  return blob;
}

// BCRYPT_ECCPUBLIC_BLOB of a P-256 point 04 || X || Y: {magic, 32}, X, Y.
ByteVec P256PublicBlob(const ByteVec& point, std::uint32_t magic) {
  ByteVec blob;
  PutLe32(blob, magic);
  PutLe32(blob, 32);
  if (point.size() == 65) blob.insert(blob.end(), point.begin() + 1, point.end());
  return blob;
}

// The raw r || s (32 bytes each) of a DER ECDSA-Sig-Value (SEQUENCE { INTEGER r, INTEGER s }), the
// form SslVerifySignature takes; empty if the DER is not of that simple shape.
ByteVec RawEcdsaSignature(const ByteVec& der) {
  ByteVec out;
  std::size_t at = 2;
  if (der.size() < 2 || der[0] != 0x30 || der[1] != der.size() - 2) return {};
  for (int i = 0; i < 2; ++i) {
    if (at + 2 > der.size() || der[at] != 0x02) return {};
    std::size_t len = der[at + 1];
    at += 2;
    if (at + len > der.size()) return {};
    std::size_t skip = 0;
    while (len - skip > 32 && der[at + skip] == 0) ++skip;
    if (len - skip > 32) return {};
    out.insert(out.end(), 32 - (len - skip), 0);
    out.insert(out.end(), der.begin() + static_cast<std::ptrdiff_t>(at + skip),
               der.begin() + static_cast<std::ptrdiff_t>(at + len));
    at += len;
  }
  return at == der.size() ? out : ByteVec{};
}

class Rfc8448 : public testing::Test {
 protected:
  // Every walk-through runs with the key log on (docs/key-log.md): its lines must be the RFC's
  // secrets, named by the RFC's ClientHello random.
  void SetUp() override {
    key_log_ = std::make_unique<test::KeyLogScope>(key_log_file_.path());
    ASSERT_EQ(SslOpenProvider(&prov_, nullptr, 0), 0);
  }
  void TearDown() override {
    for (ULONG_PTR h : handles_) SslFreeObject(h, 0);
    SslFreeObject(prov_, 0);
    key_log_.reset();
  }
  // The key log holds exactly one line per (label, vector key): "LABEL <random> <secret>", the
  // random being bytes 6..37 of the vector's ClientHello `client_hello_key`.
  void ExpectKeyLog(const VectorRecord& v, const char* client_hello_key,
                    const std::vector<std::pair<std::string, std::string>>& lines) {
    const ByteVec ch = v.Hex(client_hello_key);
    ASSERT_GE(ch.size(), 38u);
    const std::string random = Hex(ByteVec(ch.begin() + 6, ch.begin() + 38));
    std::vector<std::string> expected;
    for (const auto& [label, key] : lines) expected.push_back(label + " " + random + " " + Hex(v.Hex(key)));
    std::vector<std::string> logged = test::ReadLines(key_log_file_.path());
    std::sort(expected.begin(), expected.end());
    std::sort(logged.begin(), logged.end());
    EXPECT_EQ(logged, expected);
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
  // The RFC's P-256 private key as our ephemeral key (internal, as OurX25519).
  NCRYPT_KEY_HANDLE OurP256(const ByteVec& private_key) {
    auto key = EphemeralKeyFromPrivateForTesting(*FindGroup(kSecp256r1), private_key);
    EXPECT_TRUE(key.ok());
    auto handle = HandleTable::Global().Insert(std::move(key).value());
    EXPECT_TRUE(handle.ok());
    return Keep(static_cast<NCRYPT_KEY_HANDLE>(handle.value()));
  }
  // A public key through SslImportKey.
  NCRYPT_KEY_HANDLE Import(const char16_t* type, const ByteVec& blob) {
    NCRYPT_KEY_HANDLE key = 0;
    EXPECT_EQ(
        SslImportKey(prov_, &key, W(type), const_cast<std::uint8_t*>(blob.data()), static_cast<DWORD>(blob.size()), 0),
        0);
    return Keep(key);
  }
  // The public key of the first certificate of a Certificate message, imported (RSA or P-256).
  NCRYPT_KEY_HANDLE CertificatePublicKey(const ByteVec& certificate_message) {
    test::PkeyPtr key = CertificateKey(FirstCertificate(certificate_message));
    EXPECT_NE(key, nullptr);
    if (!key) return 0;
    if (EVP_PKEY_is_a(key.get(), "RSA")) return Import(u"RSAPUBLICBLOB", RsaPublicBlob(key.get()));
    ByteVec point(65);
    std::size_t len = 0;
    EXPECT_EQ(EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size(), &len), 1);
    return Import(u"ECCPUBLICBLOB", P256PublicBlob(point, BCRYPT_ECDSA_PUBLIC_P256_MAGIC));
  }
  // SslVerifySignature of a TLS 1.3 CertificateVerify message (RFC 8446 §4.4.3) over the content
  // built from `transcript_hash` (the hash through the Certificate): rsa_pss_rsae_sha256 (0x0804)
  // or ecdsa_secp256r1_sha256 (0x0403, DER signature re-encoded as r || s).
  void ExpectCertificateVerify(NCRYPT_KEY_HANDLE key, const ByteVec& certificate_verify, std::string_view context,
                               const ByteVec& transcript_hash) {
    ASSERT_GE(certificate_verify.size(), 8u);
    const std::uint16_t scheme = static_cast<std::uint16_t>((certificate_verify[4] << 8) | certificate_verify[5]);
    ByteVec signature(certificate_verify.begin() + 8, certificate_verify.end());
    ASSERT_EQ(signature.size(), std::size_t{certificate_verify[6]} << 8 | certificate_verify[7]);
    ByteVec digest = test::Digest("SHA256", SignedContent(context, transcript_hash));
    DWORD flags = 0;
    if (scheme == 0x0804) {
      flags = NCRYPT_SSL_SIGN_USE_PSS_PADDING;
    } else {
      ASSERT_EQ(scheme, 0x0403);
      signature = RawEcdsaSignature(signature);
      ASSERT_EQ(signature.size(), 64u);
    }
    EXPECT_EQ(SslVerifySignature(prov_, key, digest.data(), static_cast<DWORD>(digest.size()), signature.data(),
                                 static_cast<DWORD>(signature.size()), flags),
              0);
    // The same signature over another transcript must not verify.
    digest[0] ^= 1;
    EXPECT_EQ(SslVerifySignature(prov_, key, digest.data(), static_cast<DWORD>(digest.size()), signature.data(),
                                 static_cast<DWORD>(signature.size()), flags),
              NTE_BAD_SIGNATURE);
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
  test::TempFile key_log_file_;
  std::unique_ptr<test::KeyLogScope> key_log_;
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

  ExpectKeyLog(v, "client_hello", kFullHandshakeKeyLog);
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

  // The binder's transcript holds only a prefix of the ClientHello, the random included: it names
  // nothing (no secret comes from it), and the early secrets come from the full one.
  ExpectKeyLog(v, "client_hello",
               {{"CLIENT_EARLY_TRAFFIC_SECRET", "client_early_traffic_secret"},
                {"EARLY_EXPORTER_SECRET", "early_exporter_master_secret"},
                {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "client_handshake_traffic_secret"},
                {"SERVER_HANDSHAKE_TRAFFIC_SECRET", "server_handshake_traffic_secret"}});
}

// RFC 8448 §5: HelloRetryRequest, TLS_AES_128_GCM_SHA256, seen from the server. The client's first
// ClientHello offers only an x25519 share; the server asks for secp256r1 and the handshake runs
// over P-256. The transcript from then on starts with message_hash(ClientHello1) (RFC 8446 §4.4.1),
// built here from SslComputeSessionHash of a transcript holding ClientHello1.
TEST_F(Rfc8448, Section5HelloRetryRequest) {
  const VectorRecord& v = Load("tls13_rfc8448_hrr.txt");
  NCRYPT_KEY_HANDLE early = 0, handshake = 0, master = 0, c_hs = 0, s_hs = 0, c_ap = 0, s_ap = 0, exporter = 0,
                    resumption = 0;
  ASSERT_EQ(SslExtractEarlyKey(prov_, 0, &early, TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256, nullptr, 0), 0);
  EXPECT_EQ(SecretHex(Keep(early)), Hex(v.Hex("early_secret")));

  // message_hash = 254 || 00 00 Hash.length || Hash(ClientHello1), then HelloRetryRequest,
  // ClientHello2 and ServerHello.
  NCRYPT_HASH_HANDLE first = Transcript();
  Add(first, v.Hex("client_hello_1"));
  const ByteVec client_hello_1_hash = TranscriptHash(first);
  ASSERT_EQ(client_hello_1_hash.size(), 32u);
  ByteVec message_hash = {kMessageHash, 0, 0, static_cast<std::uint8_t>(client_hello_1_hash.size())};
  message_hash.insert(message_hash.end(), client_hello_1_hash.begin(), client_hello_1_hash.end());
  NCRYPT_HASH_HANDLE h = Transcript();
  Add(h, message_hash);
  Add(h, v.Hex("hello_retry_request"));
  Add(h, v.Hex("client_hello_2"));
  Add(h, v.Hex("server_hello"));
  EXPECT_EQ(Hex(TranscriptHash(h)), Hex(v.Hex("transcript_hash_server_hello")));

  // The server's P-256 key and the client's P-256 share.
  const NCRYPT_KEY_HANDLE server_key = OurP256(v.Hex("server_p256_private"));
  const NCRYPT_KEY_HANDLE client_public =
      Import(u"ECCPUBLICBLOB", P256PublicBlob(v.Hex("client_p256_public"), BCRYPT_ECDH_PUBLIC_P256_MAGIC));
  ASSERT_EQ(SslExtractHandshakeKey(prov_, server_key, client_public, early, &handshake, nullptr, 0), 0);
  EXPECT_EQ(SecretHex(Keep(handshake)), Hex(v.Hex("handshake_secret")));
  ASSERT_EQ(SslExpandTrafficKeys(prov_, handshake, h, &c_hs, &s_hs, nullptr, 0), 0);
  EXPECT_EQ(SecretHex(Keep(c_hs)), Hex(v.Hex("client_handshake_traffic_secret")));
  EXPECT_EQ(SecretHex(Keep(s_hs)), Hex(v.Hex("server_handshake_traffic_secret")));
  ASSERT_EQ(SslExtractMasterKey(prov_, handshake, &master, nullptr, 0), 0);
  EXPECT_EQ(SecretHex(Keep(master)), Hex(v.Hex("master_secret")));

  // The server's flight; its CertificateVerify (RSA-PSS, section 3's certificate) verifies over
  // our transcript through the Certificate, and its Finished is ours.
  const ByteVec certificate = v.Hex("certificate"), certificate_verify = v.Hex("certificate_verify");
  Add(h, v.Hex("encrypted_extensions"));
  Add(h, certificate);
  ExpectCertificateVerify(CertificatePublicKey(certificate), certificate_verify, "TLS 1.3, server CertificateVerify",
                          TranscriptHash(h));
  Add(h, certificate_verify);
  const ByteVec server_finished = v.Hex("server_finished");
  EXPECT_EQ(FinishedHex(s_hs, h, NCRYPT_SSL_SERVER_FLAG),
            Hex(ByteVec(server_finished.begin() + 4, server_finished.end())));
  Add(h, server_finished);
  EXPECT_EQ(Hex(TranscriptHash(h)), Hex(v.Hex("transcript_hash_server_finished")));

  // EncryptedExtensions..Finished as one record under the server handshake key, and back.
  const ByteVec flight = v.Hex("server_handshake_record_payload");
  EXPECT_EQ(Hex(flight),
            Hex(Concat({v.Hex("encrypted_extensions"), certificate, certificate_verify, server_finished})));
  const NCRYPT_KEY_HANDLE s_hs_key = RecordKey(s_hs), c_hs_key = RecordKey(c_hs);
  EXPECT_EQ(SealHex(s_hs_key, flight, 22, v.Number("server_handshake_record_seq")),
            Hex(v.Hex("server_handshake_record")));
  EXPECT_EQ(OpenHex(s_hs_key, v.Hex("server_handshake_record"), 0), Hex(WithType(flight, 22)));

  // Application and exporter secrets over ClientHello1..server Finished.
  ASSERT_EQ(SslExpandTrafficKeys(prov_, master, h, &c_ap, &s_ap, nullptr, 0), 0);
  EXPECT_EQ(SecretHex(Keep(c_ap)), Hex(v.Hex("client_application_traffic_secret_0")));
  EXPECT_EQ(SecretHex(Keep(s_ap)), Hex(v.Hex("server_application_traffic_secret_0")));
  ASSERT_EQ(SslExpandExporterMasterKey(prov_, master, h, &exporter, nullptr, 0), 0);
  EXPECT_EQ(SecretHex(Keep(exporter)), Hex(v.Hex("exporter_master_secret")));

  // The client's Finished: no copy of its verify_data was found, so it is checked through the
  // RFC's record: our Finished message sealed under the client handshake key is that record, and
  // the record opens to it.
  ByteVec client_finished = {20, 0, 0, 32};
  const ByteVec client_verify_data = test::FromHex(FinishedHex(c_hs, h, NCRYPT_SSL_CLIENT_FLAG));
  client_finished.insert(client_finished.end(), client_verify_data.begin(), client_verify_data.end());
  EXPECT_EQ(SealHex(c_hs_key, client_finished, 22, v.Number("client_finished_record_seq")),
            Hex(v.Hex("client_finished_record")));
  EXPECT_EQ(OpenHex(c_hs_key, v.Hex("client_finished_record"), 0), Hex(WithType(client_finished, 22)));
  Add(h, client_finished);
  ASSERT_EQ(SslExpandResumptionMasterKey(prov_, master, h, &resumption, nullptr, 0), 0);
  EXPECT_EQ(SecretHex(Keep(resumption)), Hex(v.Hex("resumption_master_secret")));

  // Both close_notify alerts under the application keys.
  const NCRYPT_KEY_HANDLE c_ap_key = RecordKey(c_ap), s_ap_key = RecordKey(s_ap);
  const ByteVec close_notify = {1, 0};
  EXPECT_EQ(SealHex(c_ap_key, close_notify, 21, v.Number("client_alert_record_seq")),
            Hex(v.Hex("client_alert_record")));
  EXPECT_EQ(SealHex(s_ap_key, close_notify, 21, v.Number("server_alert_record_seq")),
            Hex(v.Hex("server_alert_record")));
  EXPECT_EQ(OpenHex(c_ap_key, v.Hex("client_alert_record"), 0), Hex(WithType(close_notify, 21)));

  // The key log names them by the random ClientHello2 repeats from ClientHello1 (RFC 8446 §4.1.2),
  // found behind message_hash and the HelloRetryRequest.
  ExpectKeyLog(v, "client_hello_1", kFullHandshakeKeyLog);
}

// RFC 8448 §6: client authentication, x25519, TLS_AES_128_GCM_SHA256, seen from the client. The
// server (ECDSA P-256 certificate) sends a CertificateRequest; the client answers with an RSA
// certificate, an RSA-PSS CertificateVerify and its Finished. Both CertificateVerify signatures
// are verified with SslVerifySignature over the content built from our transcript hash (the RSA-PSS
// one is randomised, so its bytes cannot be reproduced); the client's Certificate, CertificateVerify
// and our Finished sealed together must be the RFC's record.
TEST_F(Rfc8448, Section6ClientAuthentication) {
  const VectorRecord& v = Load("tls13_rfc8448_client_auth.txt");
  NCRYPT_KEY_HANDLE early = 0, handshake = 0, master = 0, c_hs = 0, s_hs = 0, c_ap = 0, s_ap = 0, exporter = 0,
                    resumption = 0;
  ASSERT_EQ(SslExtractEarlyKey(prov_, 0, &early, TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256, nullptr, 0), 0);
  Keep(early);
  NCRYPT_HASH_HANDLE h = Transcript();
  Add(h, v.Hex("client_hello"));
  Add(h, v.Hex("server_hello"));

  const NCRYPT_KEY_HANDLE client_key = OurX25519(v.Hex("client_x25519_private"));
  const NCRYPT_KEY_HANDLE server_public = PeerX25519(v.Hex("server_x25519_public"));
  ASSERT_EQ(SslExtractHandshakeKey(prov_, client_key, server_public, early, &handshake, nullptr, 0), 0);
  Keep(handshake);
  ASSERT_EQ(SslExpandTrafficKeys(prov_, handshake, h, &c_hs, &s_hs, nullptr, 0), 0);
  EXPECT_EQ(SecretHex(Keep(c_hs)), Hex(v.Hex("client_handshake_traffic_secret")));
  EXPECT_EQ(SecretHex(Keep(s_hs)), Hex(v.Hex("server_handshake_traffic_secret")));
  ASSERT_EQ(SslExtractMasterKey(prov_, handshake, &master, nullptr, 0), 0);
  Keep(master);

  // The server's flight: EncryptedExtensions, CertificateRequest, Certificate, CertificateVerify
  // (ECDSA over our transcript through its Certificate), Finished (ours), as one record.
  const ByteVec server_certificate = v.Hex("server_certificate"),
                server_certificate_verify = v.Hex("server_certificate_verify"),
                server_finished = v.Hex("server_finished");
  Add(h, v.Hex("encrypted_extensions"));
  Add(h, v.Hex("certificate_request"));
  Add(h, server_certificate);
  ExpectCertificateVerify(CertificatePublicKey(server_certificate), server_certificate_verify,
                          "TLS 1.3, server CertificateVerify", TranscriptHash(h));
  Add(h, server_certificate_verify);
  EXPECT_EQ(FinishedHex(s_hs, h, NCRYPT_SSL_SERVER_FLAG),
            Hex(ByteVec(server_finished.begin() + 4, server_finished.end())));
  Add(h, server_finished);
  const NCRYPT_KEY_HANDLE s_hs_key = RecordKey(s_hs), c_hs_key = RecordKey(c_hs);
  const ByteVec server_flight = Concat({v.Hex("encrypted_extensions"), v.Hex("certificate_request"), server_certificate,
                                        server_certificate_verify, server_finished});
  EXPECT_EQ(SealHex(s_hs_key, server_flight, 22, v.Number("server_handshake_record_seq")),
            Hex(v.Hex("server_handshake_record")));
  EXPECT_EQ(OpenHex(s_hs_key, v.Hex("server_handshake_record"), 0), Hex(WithType(server_flight, 22)));

  // Application and exporter secrets over ClientHello..server Finished (the client's own
  // messages come after).
  ASSERT_EQ(SslExpandTrafficKeys(prov_, master, h, &c_ap, &s_ap, nullptr, 0), 0);
  EXPECT_EQ(SecretHex(Keep(c_ap)), Hex(v.Hex("client_application_traffic_secret_0")));
  EXPECT_EQ(SecretHex(Keep(s_ap)), Hex(v.Hex("server_application_traffic_secret_0")));
  ASSERT_EQ(SslExpandExporterMasterKey(prov_, master, h, &exporter, nullptr, 0), 0);
  EXPECT_EQ(SecretHex(Keep(exporter)), Hex(v.Hex("exporter_master_secret")));

  // The client's Certificate and CertificateVerify (RFC 8446 §4.4.3: "TLS 1.3, client
  // CertificateVerify" over the transcript through the client's Certificate), then its Finished
  // over the transcript through the CertificateVerify.
  const ByteVec client_certificate = v.Hex("client_certificate"),
                client_certificate_verify = v.Hex("client_certificate_verify");
  Add(h, client_certificate);
  ExpectCertificateVerify(CertificatePublicKey(client_certificate), client_certificate_verify,
                          "TLS 1.3, client CertificateVerify", TranscriptHash(h));
  Add(h, client_certificate_verify);
  ByteVec client_finished = {20, 0, 0, 32};
  const ByteVec client_verify_data = test::FromHex(FinishedHex(c_hs, h, NCRYPT_SSL_CLIENT_FLAG));
  client_finished.insert(client_finished.end(), client_verify_data.begin(), client_verify_data.end());
  const ByteVec client_flight = Concat({client_certificate, client_certificate_verify, client_finished});
  EXPECT_EQ(SealHex(c_hs_key, client_flight, 22, v.Number("client_handshake_record_seq")),
            Hex(v.Hex("client_handshake_record")));
  EXPECT_EQ(OpenHex(c_hs_key, v.Hex("client_handshake_record"), 0), Hex(WithType(client_flight, 22)));
  Add(h, client_finished);
  ASSERT_EQ(SslExpandResumptionMasterKey(prov_, master, h, &resumption, nullptr, 0), 0);
  EXPECT_EQ(SecretHex(Keep(resumption)), Hex(v.Hex("resumption_master_secret")));

  // Both close_notify alerts under the application keys.
  const NCRYPT_KEY_HANDLE c_ap_key = RecordKey(c_ap), s_ap_key = RecordKey(s_ap);
  const ByteVec close_notify = {1, 0};
  EXPECT_EQ(SealHex(c_ap_key, close_notify, 21, v.Number("client_alert_record_seq")),
            Hex(v.Hex("client_alert_record")));
  EXPECT_EQ(SealHex(s_ap_key, close_notify, 21, v.Number("server_alert_record_seq")),
            Hex(v.Hex("server_alert_record")));
  EXPECT_EQ(OpenHex(s_ap_key, v.Hex("server_alert_record"), 0), Hex(WithType(close_notify, 21)));

  ExpectKeyLog(v, "client_hello", kFullHandshakeKeyLog);
}

}  // namespace
}  // namespace opensslp
