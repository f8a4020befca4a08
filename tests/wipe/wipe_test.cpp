// wipe_test.cpp - opensslp_wipe_tests: every block the provider frees is searched for the secrets
// of the session it just served, and none may hold one (docs/soak-and-wipe.md).
//
// Each test drives a complete lifecycle through the exported API (keys, master secret, session
// keys, records both ways, Finished, exporter, opaque blobs, TLS 1.3 schedule, then every handle
// freed) under the freed-memory inspector of wipe_hooks.h. The secrets it looks for are never taken
// from opensslp: they are planted (a pre-master secret and an external PSK with a distinctive
// pattern), computed by OpenSSL from the same inputs (the ECDH secret, TLS1-PRF master secret and
// key block, TLS13-KDF secrets, record keys and IVs, exporter output), or read from the private key
// file the key store serves. The expected values are computed before the provider call that could
// free a copy of them, outside the scanning window, so the reference computations' own frees are
// not inspected.
//
// The last test checks the other way out: the error-trace line (docs/errors.md) of failing calls
// whose inputs contain secrets, captured from stderr, holds none of them, raw or in hex.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/bytes.h"
#include "support/cert_support.h"
#include "support/env_support.h"
#include "support/ossl_reference.h"
#include "support/wide.h"
#include "wipe/wipe_hooks.h"

namespace {

using namespace opensslp::test;
using opensslp_wipe::AddSecret;

constexpr DWORD kTls12 = TLS1_2_PROTOCOL_VERSION;
constexpr DWORD kTls13 = TLS1_3_PROTOCOL_VERSION;
const char16_t kSslEcc[] = u"SSLECCPUBLICBLOB";
const char16_t kOpaque[] = u"OpaqueKeyBlob";

// ---- byte helpers ---------------------------------------------------------------------------------

ByteVec Slice(const ByteVec& v, std::size_t offset, std::size_t n) {
  return ByteVec(v.begin() + static_cast<std::ptrdiff_t>(offset), v.begin() + static_cast<std::ptrdiff_t>(offset + n));
}
void PutLe32(ByteVec& v, std::uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}
ByteVec Be64(std::uint64_t x) {
  ByteVec v(8);
  for (int i = 0; i < 8; ++i) v[i] = static_cast<std::uint8_t>(x >> (56 - 8 * i));
  return v;
}
// A distinctive pattern: `tag` repeated, each copy followed by a running counter.
ByteVec Pattern(std::string_view tag, std::size_t n) {
  ByteVec v;
  for (std::size_t i = 0; v.size() < n; ++i) {
    v.insert(v.end(), tag.begin(), tag.end());
    v.push_back(static_cast<std::uint8_t>(i));
  }
  v.resize(n);
  return v;
}

// ---- TLS 1.2 -----------------------------------------------------------------------------------------

struct Tls12Case {
  DWORD suite;
  const char* prf;
  enum Kind { kGcm, kChaCha, kCbc } kind;
  std::size_t mac_len, key_len, iv_len;
  const char* cipher;  // OpenSSL name
  const char* mac;     // HMAC digest (CBC)
};
const Tls12Case kTls12Cases[] = {
    {0xC02F, "SHA256", Tls12Case::kGcm, 0, 16, 4, "AES-128-GCM", nullptr},
    {0xC030, "SHA384", Tls12Case::kGcm, 0, 32, 4, "AES-256-GCM", nullptr},
    {0xCCA8, "SHA256", Tls12Case::kChaCha, 0, 32, 12, "ChaCha20-Poly1305", nullptr},
    {0xC013, "SHA256", Tls12Case::kCbc, 20, 16, 16, "AES-128-CBC", "SHA1"},
    {0xC028, "SHA384", Tls12Case::kCbc, 48, 32, 16, "AES-256-CBC", "SHA384"},
};

// seq_num || type || version || length (RFC 5246 §6.2.3.1 MAC input, §6.2.3.3 additional data).
ByteVec PseudoHeader(std::uint64_t seq, std::size_t len) {
  return Concat({Be64(seq), ByteVec{CT_APPLICATIONDATA, 3, 3, static_cast<std::uint8_t>(len >> 8),
                                    static_cast<std::uint8_t>(len)}});
}

// A TLS 1.2 record made by OpenSSL with the given write key, IV and MAC key.
ByteVec OpensslRecord12(const Tls12Case& c, const ByteVec& key, const ByteVec& iv, const ByteVec& mac_key,
                        const ByteVec& plain, std::uint64_t seq) {
  auto header = [](std::size_t body) {
    return ByteVec{CT_APPLICATIONDATA, 3, 3, static_cast<std::uint8_t>(body >> 8), static_cast<std::uint8_t>(body)};
  };
  if (c.kind == Tls12Case::kGcm) {  // RFC 5288 §3: salt || explicit nonce; the explicit part is sent
    const ByteVec explicit_nonce = Be64(seq);
    const ByteVec sealed =
        AeadSeal(c.cipher, key, Concat({iv, explicit_nonce}), PseudoHeader(seq, plain.size()), plain);
    return Concat({header(8 + sealed.size()), explicit_nonce, sealed});
  }
  if (c.kind == Tls12Case::kChaCha) {  // RFC 7905 §2: IV xor the padded sequence number
    ByteVec nonce = iv;
    for (int i = 0; i < 8; ++i) nonce[4 + i] ^= Be64(seq)[i];
    const ByteVec sealed = AeadSeal(c.cipher, key, nonce, PseudoHeader(seq, plain.size()), plain);
    return Concat({header(sealed.size()), sealed});
  }
  // CBC (RFC 5246 §6.2.3.2): explicit IV, then AES-CBC(plain || HMAC || padding).
  unsigned int mac_len = 0;
  ByteVec mac(EVP_MAX_MD_SIZE);
  const ByteVec mac_input = Concat({PseudoHeader(seq, plain.size()), plain});
  HMAC(EVP_get_digestbyname(c.mac), mac_key.data(), static_cast<int>(mac_key.size()), mac_input.data(),
       mac_input.size(), mac.data(), &mac_len);
  mac.resize(mac_len);
  ByteVec inner = Concat({plain, mac});
  const std::size_t pad = 15 - inner.size() % 16;
  inner.insert(inner.end(), pad + 1, static_cast<std::uint8_t>(pad));
  const ByteVec record_iv = Pattern("record iv", 16);
  ByteVec body(inner.size());
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int len = 0;
  EXPECT_EQ(EVP_EncryptInit_ex(ctx, EVP_get_cipherbyname(c.cipher), nullptr, key.data(), record_iv.data()), 1);
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  EXPECT_EQ(EVP_EncryptUpdate(ctx, body.data(), &len, inner.data(), static_cast<int>(inner.size())), 1);
  EVP_CIPHER_CTX_free(ctx);
  return Concat({header(16 + body.size()), record_iv, body});
}

// ---- OpenSSL's own unwiped frees ------------------------------------------------------------------
// Hits inside OpenSSL 3.0 that opensslp cannot avoid short of replacing OpenSSL's code, each
// listed in docs/soak-and-wipe.md#openssl-boundaries. Only the key store's private key (loaded once
// per SslOpenPrivateKey) is allowed through, and only at these sites; a hit of any session secret,
// or anywhere else, fails. Returns the boundary's name, or nullptr.
const char* KnownOpensslBoundary(const opensslp_wipe::Hit& hit) {
  const bool private_key = hit.secret.rfind("RSA private key ", 0) == 0;
  if (!private_key) return nullptr;
  // The PEM and DER decoders free their copy of the key's DER encoding with OPENSSL_free.
  if (hit.where.find("encode_decode/decode_der2key.c") != std::string::npos) return "OpenSSL decoder (der2key)";
  if (hit.where.find("encode_decode/decode_pem2der.c") != std::string::npos) return "OpenSSL decoder (pem2der)";
  // (EVP_PKEY_pairwise_check once left dQ and qInv here, freed with BN_free by rsa_chk.c; RSA keys
  // are now checked by ossl/signing.cpp, whose BIGNUMs are all cleared, so that site is gone.)
  return nullptr;
}

// ---- the fixture ----------------------------------------------------------------------------------

class Wipe : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(opensslp_wipe::OpensslHooksInstalled()) << "CRYPTO_set_mem_functions refused: OpenSSL allocated first";
    opensslp_wipe::TakeHits();
    opensslp_wipe::ClearSecrets();
    scanned_before_ = opensslp_wipe::BlocksScanned();
    ASSERT_EQ(P(SslOpenProvider(&prov_, OPENSSLP_PROVIDER_NAME, 0)), 0);
    stack_windows_before_ = opensslp_wipe::StackWindowsScanned();
  }
  void TearDown() override {
    // Counted before TearDown's own provider calls: the test body's calls were inspected.
    EXPECT_GE(opensslp_wipe::StackWindowsScanned() - stack_windows_before_, min_stack_windows_);
    FreeAll();
    EXPECT_EQ(P(SslFreeObject(prov_, 0)), 0);
    // The inspector saw the lifecycle: blocks were freed inside provider calls and secrets known.
    EXPECT_GE(opensslp_wipe::BlocksScanned() - scanned_before_, min_blocks_scanned_);
    EXPECT_GT(opensslp_wipe::SecretCount(), 0u);
    for (const auto& hit : opensslp_wipe::TakeHits()) {
      if (hit.on_stack) {
        ADD_FAILURE() << "the stack left behind by " << hit.where << " held the secret \"" << hit.secret << "\"";
        continue;
      }
      if (const char* boundary = KnownOpensslBoundary(hit)) {
        std::printf("[ boundary ] %s: a freed block of %zu bytes held \"%s\" (freed at %s)\n", boundary, hit.block_size,
                    hit.secret.c_str(), hit.where.c_str());
        continue;
      }
      ADD_FAILURE() << "a freed block of " << hit.block_size << " bytes held the secret \"" << hit.secret
                    << "\" (freed at " << hit.where << ")\n"
                    << hit.backtrace;
    }
    opensslp_wipe::ClearSecrets();
  }

  ULONG_PTR Keep(ULONG_PTR h) {
    EXPECT_NE(h, 0u);
    handles_.push_back(h);
    return h;
  }
  void FreeAll() {
    for (auto h : handles_) EXPECT_EQ(P(SslFreeObject(h, 0)), 0);
    handles_.clear();
  }

  // An ephemeral key of `group` and its public key bytes (SSLECCPUBLICBLOB without the header).
  NCRYPT_KEY_HANDLE Ephemeral(DWORD protocol, DWORD suite, DWORD group, ByteVec* public_key) {
    NCRYPT_KEY_HANDLE key = 0;
    EXPECT_EQ(P(SslCreateEphemeralKey(prov_, &key, protocol, suite, group, 0, nullptr, 0, 0)), 0);
    Keep(key);
    DWORD len = 0;
    EXPECT_EQ(P(SslExportKey(prov_, key, W(kSslEcc), nullptr, 0, &len, 0)), 0);
    ByteVec blob(len);
    EXPECT_EQ(P(SslExportKey(prov_, key, W(kSslEcc), blob.data(), len, &len, 0)), 0);
    public_key->assign(blob.begin() + 8, blob.end());
    return key;
  }
  // An OpenSSL key of `group` and the provider's import of its public half.
  NCRYPT_KEY_HANDLE PeerPublic(EVP_PKEY* peer, DWORD group) {
    ByteVec point(133);
    std::size_t len = 0;
    EXPECT_EQ(
        EVP_PKEY_get_octet_string_param(peer, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point.data(), point.size(), &len), 1);
    point.resize(len);
    ByteVec blob;
    PutLe32(blob, group);
    PutLe32(blob, static_cast<std::uint32_t>(point.size()));
    blob.insert(blob.end(), point.begin(), point.end());
    NCRYPT_KEY_HANDLE key = 0;
    EXPECT_EQ(P(SslImportKey(prov_, &key, W(kSslEcc), blob.data(), static_cast<DWORD>(blob.size()), 0)), 0);
    return Keep(key);
  }
  NCRYPT_HASH_HANDLE Transcript(DWORD protocol, DWORD suite, const ByteVec& messages) {
    NCRYPT_HASH_HANDLE h = 0;
    EXPECT_EQ(P(SslCreateHandshakeHash(prov_, &h, protocol, suite, 0)), 0);
    EXPECT_EQ(P(SslHashHandshake(prov_, h, const_cast<std::uint8_t*>(messages.data()),
                                 static_cast<DWORD>(messages.size()), 0)),
              0);
    return Keep(h);
  }
  ByteVec Encrypt(NCRYPT_KEY_HANDLE key, const ByteVec& data, std::uint64_t seq) {
    ByteVec out(data.size() + 5 + 16 + 64 + 256);
    DWORD len = 0;
    EXPECT_EQ(P(SslEncryptPacket(prov_, key, const_cast<std::uint8_t*>(data.data()), static_cast<DWORD>(data.size()),
                                 out.data(), static_cast<DWORD>(out.size()), &len, seq, CT_APPLICATIONDATA, 0)),
              0);
    out.resize(len);
    return out;
  }
  ByteVec Decrypt(NCRYPT_KEY_HANDLE key, ByteVec record, std::uint64_t seq, SECURITY_STATUS expected = 0) {
    ByteVec out(record.size());
    DWORD len = 0;
    EXPECT_EQ(P(SslDecryptPacket(prov_, key, record.data(), static_cast<DWORD>(record.size()), out.data(),
                                 static_cast<DWORD>(out.size()), &len, seq, 0)),
              expected);
    out.resize(expected == 0 ? len : 0);
    return out;
  }
  // SslExportKey(OpaqueKeyBlob) and SslImportKey of the blob: a second handle on the same key.
  NCRYPT_KEY_HANDLE ThroughBlob(NCRYPT_KEY_HANDLE key) {
    DWORD len = 0;
    EXPECT_EQ(P(SslExportKey(prov_, key, W(kOpaque), nullptr, 0, &len, 0)), 0);
    ByteVec blob(len);
    EXPECT_EQ(P(SslExportKey(prov_, key, W(kOpaque), blob.data(), len, &len, 0)), 0);
    NCRYPT_KEY_HANDLE copy = 0;
    EXPECT_EQ(P(SslImportKey(prov_, &copy, W(kOpaque), blob.data(), len, 0)), 0);
    OPENSSL_cleanse(blob.data(), blob.size());  // the test's own copy (not the provider's)
    return Keep(copy);
  }

  void Tls12Lifecycle(const Tls12Case& c, DWORD group, bool server);

  NCRYPT_PROV_HANDLE prov_ = 0;
  std::vector<ULONG_PTR> handles_;
  std::uint64_t scanned_before_ = 0;
  std::uint64_t stack_windows_before_ = 0;
  std::uint64_t min_stack_windows_ = 1;     // after SetUp's own call
  std::uint64_t min_blocks_scanned_ = 100;  // a lifecycle frees hundreds of blocks
};

// The TLS 1.2 ECDHE lifecycle of one suite, group and role: every secret of the session registered,
// then master key, session keys (and their opaque blobs), records both ways, a tampered record,
// Finished, exporter, EAP key block, and every handle freed.
void Wipe::Tls12Lifecycle(const Tls12Case& c, DWORD group, bool server) {
  const char* group_name = group == 29 ? "X25519" : "P-256";
  SCOPED_TRACE(testing::Message() << "suite 0x" << std::hex << c.suite << " group " << group_name
                                  << (server ? " server" : " client"));
  PkeyPtr peer(group == 29 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519")
                           : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  ASSERT_TRUE(peer);
  ByteVec mine_public;
  Wipe* w = this;
  const NCRYPT_KEY_HANDLE mine = w->Ephemeral(kTls12, c.suite, group, &mine_public);
  const NCRYPT_KEY_HANDLE peer_public = w->PeerPublic(peer.get(), group);

  ByteVec cr = Pattern("client random", 32), sr = Pattern("server random", 32);
  NCryptBuffer buffers[] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr.data()},
                            {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, sr.data()}};
  NCryptBufferDesc params = {NCRYPTBUFFER_VERSION, 2, buffers};

  // The secrets, from OpenSSL.
  const ByteVec pre_master = EcdhWithPublicPoint(peer.get(), group_name, mine_public);
  const ByteVec master = Tls1MasterSecret(c.prf, pre_master, cr, sr);
  const std::size_t block_len = 2 * (c.mac_len + c.key_len + c.iv_len);
  const ByteVec kb = Tls1KeyBlock(c.prf, master, cr, sr, block_len);
  const ByteVec client_mac = Slice(kb, 0, c.mac_len), server_mac = Slice(kb, c.mac_len, c.mac_len);
  const ByteVec client_key = Slice(kb, 2 * c.mac_len, c.key_len),
                server_key = Slice(kb, 2 * c.mac_len + c.key_len, c.key_len);
  const ByteVec client_iv = Slice(kb, 2 * (c.mac_len + c.key_len), c.iv_len);
  const ByteVec server_iv = Slice(kb, 2 * (c.mac_len + c.key_len) + c.iv_len, c.iv_len);
  const ByteVec randoms = Concat({cr, sr});
  const ByteVec exporter = Tls1Prf(c.prf, master, "EXPORTER-wipe", randoms, 48);
  const ByteVec eap = Tls1Prf(c.prf, master, "client EAP encryption", randoms, 128);
  AddSecret("TLS 1.2 pre-master secret (ECDH)", pre_master);
  AddSecret("TLS 1.2 master secret", master);
  AddSecret("TLS 1.2 key block", kb);
  AddSecret("TLS 1.2 client write MAC key", client_mac);
  AddSecret("TLS 1.2 server write MAC key", server_mac);
  AddSecret("TLS 1.2 client write key", client_key);
  AddSecret("TLS 1.2 server write key", server_key);
  AddSecret("TLS 1.2 client write IV", client_iv);  // registered when 12 bytes or more
  AddSecret("TLS 1.2 server write IV", server_iv);
  AddSecret("TLS 1.2 exporter output", exporter);
  AddSecret("TLS 1.2 EAP key block", eap);

  NCRYPT_KEY_HANDLE master_key = 0, read = 0, write = 0;
  ASSERT_EQ(P(SslGenerateMasterKey(w->prov_, mine, peer_public, &master_key, kTls12, c.suite, &params, nullptr, 0,
                                   nullptr, server ? NCRYPT_SSL_SERVER_FLAG : NCRYPT_SSL_CLIENT_FLAG)),
            0);
  w->Keep(master_key);
  ASSERT_EQ(P(SslGenerateSessionKeys(w->prov_, master_key, &read, &write, &params, 0)), 0);
  w->Keep(read);
  w->Keep(write);

  // Records: ours out (OpenSSL-side opening is the record tests' job; here the round trip through
  // our own read key of the blob copy is enough), OpenSSL's in, a tampered one refused.
  const ByteVec& peer_key = server ? client_key : server_key;
  const ByteVec& peer_iv = server ? client_iv : server_iv;
  const ByteVec& peer_mac = server ? client_mac : server_mac;
  const ByteVec plain = Pattern("application data", 300);
  for (std::uint64_t seq = 0; seq < 3; ++seq) w->Encrypt(write, plain, seq);
  ByteVec incoming = OpensslRecord12(c, peer_key, peer_iv, peer_mac, plain, 5);
  EXPECT_EQ(w->Decrypt(read, incoming, 5), plain);
  ByteVec tampered = incoming;
  tampered[tampered.size() - 3] ^= 1;
  w->Decrypt(read, tampered, 6, NTE_DECRYPTION_FAILURE);
  const NCRYPT_KEY_HANDLE read_copy = w->ThroughBlob(read);
  EXPECT_EQ(w->Decrypt(read_copy, OpensslRecord12(c, peer_key, peer_iv, peer_mac, plain, 9), 9), plain);
  const NCRYPT_KEY_HANDLE write_copy = w->ThroughBlob(write);
  w->Encrypt(write_copy, plain, 10);

  // Finished, exporter, EAP.
  const NCRYPT_HASH_HANDLE hash = w->Transcript(kTls12, c.suite, Pattern("handshake messages", 200));
  ByteVec finished(12);
  EXPECT_EQ(P(SslComputeFinishedHash(w->prov_, master_key, hash, finished.data(), 12, NCRYPT_SSL_CLIENT_FLAG)), 0);
  ByteVec out(48);
  char label[] = "EXPORTER-wipe";
  EXPECT_EQ(P(SslExportKeyingMaterial(w->prov_, master_key, label, const_cast<std::uint8_t*>(randoms.data()), 64,
                                      nullptr, 0, out.data(), 48, 0)),
            0);
  EXPECT_EQ(out, exporter);
  ByteVec eap_out(128);
  DWORD eap_len = 0;
  EXPECT_EQ(P(SslComputeEapKeyBlock(w->prov_, master_key, const_cast<std::uint8_t*>(randoms.data()), 64, eap_out.data(),
                                    128, &eap_len, 0)),
            0);
  EXPECT_EQ(eap_out, eap);
  OPENSSL_cleanse(out.data(), out.size());
  OPENSSL_cleanse(eap_out.data(), eap_out.size());
}

TEST_F(Wipe, Tls12EcdheSessions) {
  for (const Tls12Case& c : kTls12Cases)
    for (bool server : {false, true})
      for (DWORD group : {DWORD{29}, DWORD{TLS_ECC_P256_CURVE_KEY_TYPE}}) {
        Tls12Lifecycle(c, group, server);
        FreeAll();
      }
}

// RSA key transport, server side: a planted pre-master secret imported with the key store's RSA
// key (SslOpenPrivateKey), whose private components are secrets too; then session keys, records
// and every handle freed, the private key last.
TEST_F(Wipe, Tls12RsaServerWithStoredKey) {
  const std::string store = KeyStoreDir();
  ScopedEnv env(OPENSSLP_KEY_STORE_ENV, store + "/dir");
  // The private key as OpenSSL reads it from the fixture file: its components, both byte orders
  // (big-endian in encodings, little-endian words inside a BIGNUM), and the file's base64 body.
  BIO* bio = BIO_new_file((store + "/keys/rsa2048.key").c_str(), "r");
  ASSERT_NE(bio, nullptr);
  PkeyPtr rsa(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  ASSERT_TRUE(rsa);
  for (const char* name :
       {OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
        OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1}) {
    BIGNUM* bn = nullptr;
    ASSERT_EQ(EVP_PKEY_get_bn_param(rsa.get(), name, &bn), 1);
    ByteVec be(static_cast<std::size_t>(BN_num_bytes(bn)));
    BN_bn2bin(bn, be.data());
    ByteVec le(be.rbegin(), be.rend());
    BN_clear_free(bn);
    AddSecret(std::string("RSA private key ") + name + " (big-endian)", be);
    AddSecret(std::string("RSA private key ") + name + " (little-endian)", le);
  }
  const ByteVec file = ReadAll(store + "/keys/rsa2048.key");
  const std::string text(file.begin(), file.end());
  const std::size_t body = text.find('\n') + 1 + 64 + 1;  // the second line of base64
  AddSecret("RSA private key file (base64 text)", AsBytes(std::string_view(text).substr(body, 64)));

  ByteVec pms = Pattern("\xC0planted\xFEpre-master\x9D", 48);
  pms[0] = 3;
  pms[1] = 3;
  ByteVec cr = Pattern("client random", 32), sr = Pattern("server random", 32);
  DWORD version = 0x0303;
  NCryptBuffer buffers[] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr.data()},
                            {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, sr.data()},
                            {4, NCRYPTBUFFER_SSL_HIGHEST_VERSION, &version}};
  NCryptBufferDesc params = {NCRYPTBUFFER_VERSION, 3, buffers};
  const ByteVec master = Tls1MasterSecret("SHA256", pms, cr, sr);
  const ByteVec kb = Tls1KeyBlock("SHA256", master, cr, sr, 40);
  AddSecret("planted pre-master secret", pms);
  AddSecret("TLS 1.2 master secret (RSA)", master);
  AddSecret("TLS 1.2 client write key (RSA)", Slice(kb, 0, 16));
  AddSecret("TLS 1.2 server write key (RSA)", Slice(kb, 16, 16));
  ByteVec ct = RsaPkcs1Encrypt(rsa.get(), pms);

  CertContext cert(FixtureCertDer("rsa2048"));
  NCRYPT_KEY_HANDLE priv = 0, master_key = 0, read = 0, write = 0;
  ASSERT_EQ(P(SslOpenPrivateKey(prov_, &priv, cert.get(), 0)), 0);
  Keep(priv);
  ASSERT_EQ(P(SslImportMasterKey(prov_, priv, &master_key, kTls12, 0x009C, &params, ct.data(),
                                 static_cast<DWORD>(ct.size()), NCRYPT_SSL_SERVER_FLAG)),
            0);
  Keep(master_key);
  // A corrupted ciphertext: implicit rejection (a random master secret, success).
  ByteVec bad = ct;
  bad[20] ^= 0x40;
  NCRYPT_KEY_HANDLE rejected = 0;
  ASSERT_EQ(P(SslImportMasterKey(prov_, priv, &rejected, kTls12, 0x009C, &params, bad.data(),
                                 static_cast<DWORD>(bad.size()), NCRYPT_SSL_SERVER_FLAG)),
            0);
  Keep(rejected);
  ASSERT_EQ(P(SslGenerateSessionKeys(prov_, master_key, &read, &write, &params, 0)), 0);
  Keep(read);
  Keep(write);
  Encrypt(write, Pattern("data", 100), 0);
  // A signature with the stored key (the server's CertificateVerify path).
  // TLS 1.0/1.1 form: MD5 || SHA-1 of the handshake, no DigestInfo.
  ByteVec digest = Md5Sha1Digest(Pattern("to be signed", 50)), sig(256);
  DWORD sig_len = 0;
  EXPECT_EQ(P(SslSignHash(prov_, priv, digest.data(), 36, sig.data(), 256, &sig_len, 0)), 0);
}

// ---- TLS 1.3 -----------------------------------------------------------------------------------------

struct Tls13Case {
  DWORD suite;
  const char* digest;
  std::size_t n;
  const char* cipher;
  std::size_t key_len;
};
const Tls13Case kTls13Cases[] = {{0x1301, "SHA256", 32, "AES-128-GCM", 16},
                                 {0x1302, "SHA384", 48, "AES-256-GCM", 32},
                                 {0x1303, "SHA256", 32, "ChaCha20-Poly1305", 32}};

// Registers a traffic secret with everything derived from it (RFC 8446 §7.3, §4.4.4).
void AddTrafficSecret(const Tls13Case& c, const std::string& name, const ByteVec& secret) {
  AddSecret(name, secret);
  AddSecret(name + " key", HkdfExpandLabel(c.digest, secret, "key", {}, c.key_len));
  AddSecret(name + " iv", HkdfExpandLabel(c.digest, secret, "iv", {}, 12));
  AddSecret(name + " finished key", HkdfExpandLabel(c.digest, secret, "finished", {}, c.n));
}

ByteVec Tls13Record(const Tls13Case& c, const ByteVec& secret, std::uint64_t seq, const ByteVec& content) {
  const ByteVec key = HkdfExpandLabel(c.digest, secret, "key", {}, c.key_len);
  ByteVec nonce = HkdfExpandLabel(c.digest, secret, "iv", {}, 12);
  for (int i = 0; i < 8; ++i) nonce[4 + i] ^= Be64(seq)[i];
  const ByteVec inner = Concat({content, ByteVec{CT_APPLICATIONDATA, 0, 0, 0}});
  const std::size_t len = inner.size() + 16;
  const ByteVec header = {0x17, 3, 3, static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)};
  return Concat({header, AeadSeal(c.cipher, key, nonce, header, inner)});
}

// The whole TLS 1.3 schedule of a client against an OpenSSL peer, with resumption and an external
// PSK: every secret registered first, then every export of the family, records, KeyUpdate, the
// opaque blobs of traffic secrets and record keys, and every handle freed.
TEST_F(Wipe, Tls13Schedules) {
  for (const Tls13Case& c : kTls13Cases) {
    for (DWORD group : {DWORD{29}, DWORD{TLS_ECC_P256_CURVE_KEY_TYPE}}) {
      SCOPED_TRACE(testing::Message() << "suite 0x" << std::hex << c.suite << " group " << std::dec << group);
      const char* d = c.digest;
      PkeyPtr peer(group == 29 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519")
                               : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
      ASSERT_TRUE(peer);
      ByteVec mine_public;
      const NCRYPT_KEY_HANDLE mine = Ephemeral(kTls13, c.suite, group, &mine_public);
      const NCRYPT_KEY_HANDLE peer_public = PeerPublic(peer.get(), group);

      // The secrets, from OpenSSL's HKDF / TLS13-KDF (RFC 8446 §7.1).
      const ByteVec hellos = Pattern("client hello, server hello", 180);
      const ByteVec flight = Concat({hellos, Pattern("encrypted extensions .. server finished", 400)});
      const ByteVec through_cf = Concat({flight, Pattern("client finished", 40)});
      const ByteVec shared = EcdhWithPublicPoint(peer.get(), group == 29 ? "X25519" : "P-256", mine_public);
      const ByteVec early = Tls13Extract(d, {}, {});  // no PSK: a public constant, not registered
      const ByteVec handshake = Tls13Extract(d, early, shared);
      const ByteVec master = Tls13Extract(d, handshake, {});
      const ByteVec c_hs = DeriveSecret(d, handshake, "c hs traffic", hellos);
      const ByteVec s_hs = DeriveSecret(d, handshake, "s hs traffic", hellos);
      const ByteVec c_ap = DeriveSecret(d, master, "c ap traffic", flight);
      const ByteVec s_ap = DeriveSecret(d, master, "s ap traffic", flight);
      const ByteVec c_ap1 = HkdfExpandLabel(d, c_ap, "traffic upd", {}, c.n);
      const ByteVec exp = DeriveSecret(d, master, "exp master", flight);
      const ByteVec res = DeriveSecret(d, master, "res master", through_cf);
      const std::uint8_t nonce[] = {0, 7};
      const ByteVec psk = HkdfExpandLabel(d, res, "resumption", ByteView(nonce, 2), c.n);
      const ByteVec early2 = Tls13Extract(d, {}, psk);
      const ByteVec binder = DeriveSecret(d, early2, "res binder", {});
      const ByteVec c_e = DeriveSecret(d, early2, "c e traffic", hellos);
      const ByteVec ext_psk = Pattern("\xA7planted\xF0psk\x9C", 48);
      const ByteVec ext_early = Tls13Extract(d, {}, ext_psk);
      const ByteVec ext_binder = DeriveSecret(d, ext_early, "ext binder", {});
      char label[] = "EXPORTER-wipe";
      const ByteVec ekm = HkdfExpandLabel(d, DeriveSecret(d, exp, label, {}), "exporter", Digest(d, {}), 40);
      AddSecret("TLS 1.3 (EC)DHE secret", shared);
      AddSecret("TLS 1.3 handshake secret", handshake);
      AddSecret("TLS 1.3 derived (handshake)", DeriveSecret(d, handshake, "derived", {}));
      AddSecret("TLS 1.3 master secret", master);
      AddTrafficSecret(c, "c hs traffic", c_hs);
      AddTrafficSecret(c, "s hs traffic", s_hs);
      AddTrafficSecret(c, "c ap traffic", c_ap);
      AddTrafficSecret(c, "s ap traffic", s_ap);
      AddTrafficSecret(c, "c ap traffic (KeyUpdate)", c_ap1);
      AddTrafficSecret(c, "c e traffic", c_e);
      AddSecret("exporter master secret", exp);
      AddSecret("exporter output", ekm);
      AddSecret("resumption master secret", res);
      AddSecret("resumption PSK", psk);
      AddSecret("early secret (resumption PSK)", early2);
      AddSecret("derived (resumed early)", DeriveSecret(d, early2, "derived", {}));
      AddSecret("res binder key", binder);
      AddSecret("res binder finished key", HkdfExpandLabel(d, binder, "finished", {}, c.n));
      AddSecret("planted external PSK", ext_psk);
      AddSecret("early secret (external PSK)", ext_early);
      AddSecret("ext binder key", ext_binder);
      AddSecret("ext binder finished key", HkdfExpandLabel(d, ext_binder, "finished", {}, c.n));

      NCRYPT_KEY_HANDLE early_key = 0, hs_key = 0, master_key = 0;
      ASSERT_EQ(P(SslExtractEarlyKey(prov_, 0, &early_key, kTls13, c.suite, nullptr, 0)), 0);
      Keep(early_key);
      ASSERT_EQ(P(SslExtractHandshakeKey(prov_, mine, peer_public, early_key, &hs_key, nullptr, 0)), 0);
      Keep(hs_key);
      ASSERT_EQ(P(SslExtractMasterKey(prov_, hs_key, &master_key, nullptr, 0)), 0);
      Keep(master_key);
      const NCRYPT_HASH_HANDLE hello_hash = Transcript(kTls13, c.suite, hellos);
      const NCRYPT_HASH_HANDLE flight_hash = Transcript(kTls13, c.suite, flight);
      const NCRYPT_HASH_HANDLE full_hash = Transcript(kTls13, c.suite, through_cf);
      NCRYPT_HASH_HANDLE dup = 0;
      ASSERT_EQ(P(SslDuplicateTranscriptHash(prov_, flight_hash, &dup, 0)), 0);
      Keep(dup);

      NCRYPT_KEY_HANDLE t_c_hs = 0, t_s_hs = 0, t_c_ap = 0, t_s_ap = 0, t_c_ap1 = 0;
      ASSERT_EQ(P(SslExpandTrafficKeys(prov_, hs_key, hello_hash, &t_c_hs, &t_s_hs, nullptr, 0)), 0);
      Keep(t_c_hs);
      Keep(t_s_hs);
      ASSERT_EQ(P(SslExpandTrafficKeys(prov_, master_key, flight_hash, &t_c_ap, &t_s_ap, nullptr, 0)), 0);
      Keep(t_c_ap);
      Keep(t_s_ap);
      ASSERT_EQ(P(SslExpandNextGenTrafficKey(prov_, t_c_ap, &t_c_ap1, nullptr, 0)), 0);
      Keep(t_c_ap1);
      ByteVec fin(c.n);
      EXPECT_EQ(P(SslComputeFinishedHash(prov_, t_s_hs, flight_hash, fin.data(), static_cast<DWORD>(c.n),
                                         NCRYPT_SSL_SERVER_FLAG)),
                0);
      EXPECT_EQ(
          P(SslComputeFinishedHash(prov_, t_c_hs, dup, fin.data(), static_cast<DWORD>(c.n), NCRYPT_SSL_CLIENT_FLAG)),
          0);

      // Records: write keys of the client's secrets, read keys of the server's (OpenSSL's records),
      // the same through opaque blobs of the secret and of the record key.
      const ByteVec content = Pattern("tls13 content", 250);
      for (NCRYPT_KEY_HANDLE traffic : {t_c_hs, t_c_ap, t_c_ap1}) {
        NCRYPT_KEY_HANDLE key = 0;
        ASSERT_EQ(P(SslExpandWriteKey(prov_, traffic, &key, nullptr, 0)), 0);
        Keep(key);
        Encrypt(key, content, 0);
        Encrypt(ThroughBlob(key), content, 1);
      }
      for (const auto& [traffic, secret] : {std::pair{t_s_hs, &s_hs}, std::pair{t_s_ap, &s_ap}}) {
        NCRYPT_KEY_HANDLE key = 0;
        ASSERT_EQ(P(SslExpandWriteKey(prov_, ThroughBlob(traffic), &key, nullptr, 0)), 0);
        Keep(key);
        EXPECT_EQ(Decrypt(key, Tls13Record(c, *secret, 3, content), 3), Concat({content, ByteVec{CT_APPLICATIONDATA}}));
        ByteVec tampered = Tls13Record(c, *secret, 4, content);
        tampered[9] ^= 1;
        Decrypt(key, tampered, 4, NTE_DECRYPTION_FAILURE);
      }

      // Exporter, resumption, binder, 0-RTT secret, external PSK.
      NCRYPT_KEY_HANDLE exp_key = 0, res_key = 0, psk_key = 0, early2_key = 0, binder_key = 0, c_e_key = 0;
      ASSERT_EQ(P(SslExpandExporterMasterKey(prov_, master_key, flight_hash, &exp_key, nullptr, 0)), 0);
      Keep(exp_key);
      ByteVec ekm_out(40);
      EXPECT_EQ(P(SslExportKeyingMaterial(prov_, exp_key, label, nullptr, 0, nullptr, 0, ekm_out.data(), 40, 0)), 0);
      EXPECT_EQ(ekm_out, ekm);
      OPENSSL_cleanse(ekm_out.data(), ekm_out.size());
      ASSERT_EQ(P(SslExpandResumptionMasterKey(prov_, master_key, full_hash, &res_key, nullptr, 0)), 0);
      Keep(res_key);
      ASSERT_EQ(P(SslExpandPreSharedKey(prov_, res_key, const_cast<std::uint8_t*>(nonce), 2, &psk_key, nullptr, 0)), 0);
      Keep(psk_key);
      ASSERT_EQ(P(SslExtractEarlyKey(prov_, psk_key, &early2_key, kTls13, c.suite, nullptr, 0)), 0);
      Keep(early2_key);
      ASSERT_EQ(P(SslExpandBinderKey(prov_, early2_key, &binder_key, nullptr, NCRYPT_SSL_RESUMPTION_PSK_FLAG)), 0);
      Keep(binder_key);
      EXPECT_EQ(P(SslComputeFinishedHash(prov_, binder_key, hello_hash, fin.data(), static_cast<DWORD>(c.n),
                                         NCRYPT_SSL_CLIENT_FLAG)),
                0);
      ASSERT_EQ(P(SslExpandTrafficKeys(prov_, early2_key, hello_hash, &c_e_key, nullptr, nullptr, 0)), 0);
      Keep(c_e_key);
      NCRYPT_KEY_HANDLE c_e_write = 0;
      ASSERT_EQ(P(SslExpandWriteKey(prov_, c_e_key, &c_e_write, nullptr, 0)), 0);
      Keep(c_e_write);
      Encrypt(c_e_write, content, 0);

      ByteVec psk_blob;
      PutLe32(psk_blob, 0x4d42444b);  // BCRYPT_KEY_DATA_BLOB_MAGIC "KDBM", version 1 (docs/tls13.md)
      PutLe32(psk_blob, 1);
      PutLe32(psk_blob, static_cast<std::uint32_t>(ext_psk.size()));
      psk_blob.insert(psk_blob.end(), ext_psk.begin(), ext_psk.end());
      NCRYPT_KEY_HANDLE ext_key = 0, ext_early_key = 0, ext_binder_key = 0;
      ASSERT_EQ(P(SslImportKey(prov_, &ext_key, W(u"TLS13PRESHAREDKEY"), psk_blob.data(),
                               static_cast<DWORD>(psk_blob.size()), 0)),
                0);
      Keep(ext_key);
      OPENSSL_cleanse(psk_blob.data(), psk_blob.size());
      ASSERT_EQ(P(SslExtractEarlyKey(prov_, ext_key, &ext_early_key, kTls13, c.suite, nullptr, 0)), 0);
      Keep(ext_early_key);
      ASSERT_EQ(P(SslExpandBinderKey(prov_, ext_early_key, &ext_binder_key, nullptr, NCRYPT_SSL_EXTERNAL_PSK_FLAG)), 0);
      Keep(ext_binder_key);
      EXPECT_EQ(P(SslComputeFinishedHash(prov_, ext_binder_key, hello_hash, fin.data(), static_cast<DWORD>(c.n),
                                         NCRYPT_SSL_CLIENT_FLAG)),
                0);
      FreeAll();
    }
  }
}

// ---- secrets in error traces ----------------------------------------------------------------------------

// The per-call trace's file (set by main) and a file's whole text.
std::string g_trace_file;

std::string ReadFileText(const std::string& path) {
  std::string text;
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
  }
  return text;
}

// Redirects stderr (fd 2) into a temporary file while it lives; Text() is what was written.
class CapturedStderr {
 public:
  CapturedStderr() {
    std::fflush(stderr);
    file_ = std::tmpfile();
    saved_ = dup(2);
    dup2(fileno(file_), 2);
  }
  ~CapturedStderr() { Restore(); }
  std::string Text() {
    Restore();
    std::string text;
    std::rewind(file_);
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0) text.append(buf, n);
    return text;
  }

 private:
  void Restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    dup2(saved_, 2);
    close(saved_);
    saved_ = -1;
  }
  std::FILE* file_ = nullptr;
  int saved_ = -1;
};

std::string Upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

// Failing calls whose inputs or objects hold secrets, with OPENSSLP_ERROR_TRACE=1: each prints its
// error origin (docs/errors.md), and no registered secret may appear in that output -- raw, or as
// hex in either case (any 8 consecutive bytes).
TEST_F(Wipe, ErrorTracesCarryNoSecret) {
  min_blocks_scanned_ = 10;
  const Tls13Case& c = kTls13Cases[0];
  const ByteVec ext_psk = Pattern("\xA7planted\xF0psk\x9C", 48);
  AddSecret("planted external PSK", ext_psk);
  const ByteVec secret = HkdfExtract(c.digest, {}, ext_psk);
  AddSecret("early secret (external PSK)", secret);
  std::string text;
  {
    CapturedStderr captured;
    // A malformed PSK blob (the key itself is the payload), a PSK blob too long.
    ByteVec blob;
    PutLe32(blob, 0x4d42444b);
    PutLe32(blob, 2);  // wrong version
    PutLe32(blob, static_cast<std::uint32_t>(ext_psk.size()));
    blob.insert(blob.end(), ext_psk.begin(), ext_psk.end());
    NCRYPT_KEY_HANDLE key = 0;
    EXPECT_EQ(P(SslImportKey(prov_, &key, W(u"TLS13PRESHAREDKEY"), blob.data(), static_cast<DWORD>(blob.size()), 0)),
              NTE_BAD_DATA);
    // The key material as an opaque blob: malformed.
    EXPECT_NE(P(SslImportKey(prov_, &key, W(kOpaque), const_cast<std::uint8_t*>(ext_psk.data()),
                             static_cast<DWORD>(ext_psk.size()), 0)),
              0);
    // A good PSK, then wrong-stage and malformed uses of its early secret.
    blob[4] = 1;
    ASSERT_EQ(P(SslImportKey(prov_, &key, W(u"TLS13PRESHAREDKEY"), blob.data(), static_cast<DWORD>(blob.size()), 0)),
              0);
    Keep(key);
    NCRYPT_KEY_HANDLE early = 0, out = 0;
    ASSERT_EQ(P(SslExtractEarlyKey(prov_, key, &early, kTls13, c.suite, nullptr, 0)), 0);
    Keep(early);
    EXPECT_EQ(P(SslExtractMasterKey(prov_, early, &out, nullptr, 0)), NTE_INVALID_HANDLE);
    EXPECT_NE(P(SslExpandBinderKey(prov_, early, &out, nullptr, 0x12345678)), 0);
    char label[] = "EXPORTER";
    ByteVec o(32);
    EXPECT_NE(P(SslExportKeyingMaterial(prov_, early, label, nullptr, 0, nullptr, 0, o.data(), 32, 0)), 0);
    // A record key from a traffic secret, and a forged record under it.
    NCRYPT_HASH_HANDLE h = Transcript(kTls13, c.suite, Pattern("hello", 40));
    NCRYPT_KEY_HANDLE traffic = 0, write = 0;
    ASSERT_EQ(P(SslExpandTrafficKeys(prov_, early, h, &traffic, nullptr, nullptr, 0)), 0);
    Keep(traffic);
    ASSERT_EQ(P(SslExpandWriteKey(prov_, traffic, &write, nullptr, 0)), 0);
    Keep(write);
    ByteVec forged = Concat({ByteVec{0x17, 3, 3, 0, 40}, ext_psk.size() >= 40 ? Slice(ext_psk, 0, 40) : ext_psk});
    Decrypt(write, forged, 0, NTE_DECRYPTION_FAILURE);
    text = captured.Text();
  }
  EXPECT_NE(text.find("opensslp: 0x"), std::string::npos)
      << "no error trace was printed (OPENSSLP_ERROR_TRACE=1 is set by main): the check would prove nothing";
  // The per-call trace of every call so far (docs/diagnostics.md), which main switches on at the
  // verbose level: the same search covers its lines.
  const std::string per_call = ReadFileText(g_trace_file);
  EXPECT_NE(per_call.find("SslDecryptPacket(provider, session key) -> 0x8009002C NTE_DECRYPTION_FAILURE"),
            std::string::npos)
      << "no per-call trace line for the forged record in " << g_trace_file
      << " (OPENSSLP_TRACE=verbose and OPENSSLP_TRACE_FILE are set by main): the check would prove nothing";
  text += per_call;
  for (const auto& s : opensslp_wipe::Secrets()) {
    for (std::size_t i = 0; i + 8 <= s.bytes.size(); ++i) {
      const ByteView window(s.bytes.data() + i, 8);
      const std::string hex = Hex(window);
      EXPECT_EQ(text.find(hex), std::string::npos) << s.name << " appears in hex in the trace";
      EXPECT_EQ(text.find(Upper(hex)), std::string::npos) << s.name << " appears in hex in the trace";
      EXPECT_EQ(text.find(std::string(window.begin(), window.end())), std::string::npos)
          << s.name << " appears raw in the trace";
    }
  }
  std::printf("%s", text.c_str());  // for the reader: what the traces say
}

// The inspector itself: a secret freed unwiped inside the scanning window is found (this is what
// a missing SecureWipe looks like), a wiped one is not.
TEST_F(Wipe, InspectorFindsAnUnwipedBlock) {
  min_blocks_scanned_ = 3;
  min_stack_windows_ = 0;
  const ByteVec secret = Pattern("INSPECTOR-CANARY", 40);
  AddSecret("inspector canary", secret);
  {
    opensslp_wipe::ScanScope scope;
    auto* unwiped = new std::uint8_t[64];
    std::memcpy(unwiped + 10, secret.data(), secret.size());
    delete[] unwiped;
    void* wiped = OPENSSL_malloc(64);
    std::memcpy(wiped, secret.data(), secret.size());
    OPENSSL_clear_free(wiped, 64);
    void* openssl_unwiped = OPENSSL_malloc(64);
    std::memcpy(static_cast<char*>(openssl_unwiped) + 3, secret.data() + 20, 20);  // the tail only
    OPENSSL_free(openssl_unwiped);
  }
  const auto hits = opensslp_wipe::TakeHits();
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].where, "operator delete");
  EXPECT_NE(hits[1].where.find("wipe_test.cpp"), std::string::npos) << hits[1].where;
}

// The stack inspector is live: a function that leaves a secret deep in its frame is caught when
// it runs as a "provider call"; the same function followed by any export (here one that fails on
// its null handle) is not, because every export scrubs the stack below it before returning
// (abi/boundary.h ScrubStack). The secret sits ~10 KB deep: below the export's own frame and
// deeper than a failing call's own work reaches, within the 16 KiB the export scrubs.
__attribute__((noinline)) int LeaveOnStack(const ByteVec& secret) {
  volatile std::uint8_t frame[12288];
  for (std::size_t i = 0; i < secret.size(); ++i) frame[2048 + i] = secret[i];
  asm volatile("" : : "r"(frame) : "memory");
  return frame[2048];
}
__attribute__((noinline)) int LeaveOnStackThenCallAnExport(const ByteVec& secret) {
  const int r = LeaveOnStack(secret);
  EXPECT_EQ(SslIncrementProviderReferenceCount(0), NTE_INVALID_HANDLE);
  return r;
}
// The same failing export's own work, without the scrub, does not reach the canary: a call that
// only looks its handle up (a function of the test, as deep as the export's lookup) leaves it.
__attribute__((noinline)) int LeaveOnStackThenShallowWork(const ByteVec& secret) {
  const int r = LeaveOnStack(secret);
  volatile std::uint8_t shallow[2048];
  for (std::size_t i = 0; i < sizeof shallow; ++i) shallow[i] = 0;
  return r + shallow[0];
}

TEST_F(Wipe, InspectorFindsASecretLeftOnTheStack) {
  min_blocks_scanned_ = 0;
  const ByteVec secret = Pattern("STACK-CANARY", 40);
  AddSecret("stack canary", secret);
  (void)P(LeaveOnStack(secret));
  auto hits = opensslp_wipe::TakeHits();
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_TRUE(hits[0].on_stack);
  EXPECT_EQ(hits[0].secret, "stack canary");
  EXPECT_NE(hits[0].where.find("LeaveOnStack(secret)"), std::string::npos) << hits[0].where;
  (void)P(LeaveOnStackThenShallowWork(secret));
  ASSERT_EQ(opensslp_wipe::TakeHits().size(), 1u) << "2 KB of later work does not reach a canary 10 KB deep";
  (void)P(LeaveOnStackThenCallAnExport(secret));
  EXPECT_TRUE(opensslp_wipe::TakeHits().empty()) << "the export's scrub left the secret";
}

}  // namespace

int main(int argc, char** argv) {
  // Before the first provider call: the boundary reads it once (src/abi/boundary.cpp).
  opensslp::test::SetEnv("OPENSSLP_ERROR_TRACE", "1");
  // The per-call trace of every call of every test, read by ErrorTracesCarryNoSecret
  // (docs/diagnostics.md; the configuration reads the environment at the first provider call).
  g_trace_file = "/tmp/opensslp-wipe-trace-" + std::to_string(getpid()) + ".txt";
  std::remove(g_trace_file.c_str());
  opensslp::test::SetEnv("OPENSSLP_TRACE", "verbose");
  opensslp::test::SetEnv("OPENSSLP_TRACE_FILE", g_trace_file.c_str());
  testing::InitGoogleTest(&argc, argv);
  const int rc = RUN_ALL_TESTS();
  std::remove(g_trace_file.c_str());
  return rc;
}
