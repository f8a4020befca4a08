// ct_memcheck_test.cpp - constant-time validation under Valgrind's memcheck (the "ctgrind"
// technique, docs/constant-time.md).
//
// memcheck tracks, bit by bit, whether each value is "defined". It reports a conditional jump
// whose condition depends on an undefined value and a memory access whose address does. This
// program marks the secrets (key material, the message an RSA decryption produced, the inputs of a
// comparison) UNDEFINED with VALGRIND_MAKE_MEM_UNDEFINED and runs the code that handles them: every
// value computed from a secret is then undefined too, so any branch or table index on it is a
// memcheck error, and `valgrind --error-exitcode=1` fails the test. The values the protocol
// reveals anyway (the record was accepted or refused, its length once accepted, "the Finished
// matches") are handed over explicitly by the library through CtDeclassify (util/constant_time.h),
// which this program defines as VALGRIND_MAKE_MEM_DEFINED. Nothing else is made defined except by
// the checks below, after the code under test has returned.
//
// Checked: the TLS CBC record open (ossl/cbc.cpp: padding, MAC extraction, the MAC over a secret
// length, the verdict) directly and through the record key (record/session_key.cpp with
// tls12_cbc.cpp, TLS 1.0 and 1.2); the AEAD record opens (tls12_aead.cpp, tls13_aead.cpp with the
// RFC 8446 §5.4 padding scan, ossl/aead.cpp around OpenSSL's tag check); the RSA pre-master
// implicit rejection of both backends as far as Linux can run them (core/implicit_rejection.cpp,
// the selection the Windows KSP backend uses, and ossl/rsa_transport.cpp, the OpenSSL backend);
// the constant-time comparisons (util ConstantTimeEqual, and the driver's Finished / PSK binder
// comparison, tools/tlswire/constant_time.h).
//
// Every case also checks its functional result (expected values from OpenSSL or from the inputs,
// never from opensslp) and that the secret really reached the output (VALGRIND_GET_VBITS shows
// undefined bits in it), so a lost marking cannot pass silently.
//
// Self-tests of the harness (tests/ct/CMakeLists.txt runs each and requires memcheck to fail it):
//   --self-test=branch      a comparison that returns at the first differing secret byte
//   --self-test=index       a table lookup indexed by a secret byte
//   --self-test=verdict     the CBC open with CtDeclassify switched off: the library's own branch on
//                           its verdict (ossl/cbc.cpp) must be reported, proving the secret reaches it
#include <valgrind/memcheck.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/cipher_suites.h"
#include "core/implicit_rejection.h"
#include "ossl/cbc.h"
#include "ossl/pkey.h"
#include "ossl/rsa_transport.h"
#include "record/framing.h"
#include "record/session_key.h"
#include "tlswire/constant_time.h"
#include "util/constant_time.h"
#include "util/secret.h"

namespace {

bool g_declassify_enabled = true;
std::size_t g_declassified_calls = 0;

}  // namespace

namespace opensslp {

// The memcheck version of the library's hook (util/constant_time.h): the bytes become defined.
void CtDeclassify(const void* data, std::size_t len) noexcept {
  ++g_declassified_calls;
  if (g_declassify_enabled) VALGRIND_MAKE_MEM_DEFINED(data, len);
}

}  // namespace opensslp

namespace {

using opensslp::Bytes;
using opensslp::Error;
using opensslp::ProtocolVersion;
using Buffer = std::vector<std::uint8_t>;

int g_passed = 0;
int g_failed = 0;

// Only ever called with defined conditions: the cases make values Public() before checking them.
void Check(bool ok, const std::string& what) {
  if (ok) {
    ++g_passed;
  } else {
    ++g_failed;
    std::fprintf(stderr, "FAILED: %s\n", what.c_str());
  }
}

void Secret(const void* data, std::size_t len) { VALGRIND_MAKE_MEM_UNDEFINED(data, len); }
void Public(const void* data, std::size_t len) { VALGRIND_MAKE_MEM_DEFINED(data, len); }

// True if any bit of data[0..len) is undefined for memcheck: the secret marking reached it. Outside
// Valgrind there is nothing to ask, and the answer is true (the run is then functional only).
bool Tainted(const void* data, std::size_t len) {
  if (!RUNNING_ON_VALGRIND) return true;
  Buffer vbits(len);
  if (VALGRIND_GET_VBITS(data, vbits.data(), len) != 1) return false;
  for (std::uint8_t v : vbits) {
    if (v != 0) return true;
  }
  return false;
}

Buffer Random(std::size_t n) {
  Buffer out(n);
  if (n != 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) std::abort();
  return out;
}

opensslp::SecretBytes SecretCopy(const Buffer& bytes) {
  opensslp::SecretBytes out{std::span<const std::uint8_t>(bytes)};
  Secret(out.data(), out.size());
  return out;
}

// ---- Reference constructions with OpenSSL (the expected values never come from opensslp). ----

const EVP_MD* MdFor(opensslp::MacAlgorithm mac) {
  switch (mac) {
    case opensslp::MacAlgorithm::kHmacSha1: return EVP_sha1();
    case opensslp::MacAlgorithm::kHmacSha256: return EVP_sha256();
    default: return EVP_sha384();
  }
}

const EVP_CIPHER* CbcFor(opensslp::BulkCipher cipher) {
  return cipher == opensslp::BulkCipher::kAes128Cbc ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
}

Buffer CbcEncryptRaw(opensslp::BulkCipher cipher, const Buffer& key, const std::uint8_t* iv, const Buffer& plain) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  Buffer out(plain.size());
  int len = 0;
  if (EVP_EncryptInit_ex(ctx, CbcFor(cipher), nullptr, key.data(), iv) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
      EVP_EncryptUpdate(ctx, out.data(), &len, plain.data(), static_cast<int>(plain.size())) != 1 ||
      static_cast<std::size_t>(len) != plain.size()) {
    std::abort();
  }
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

enum class CbcDefect { kNone, kBadPaddingByte, kBadMac, kPadLongerThanRecord };

// data ‖ HMAC(mac_key, header11 ‖ len(2) ‖ data) ‖ (pad_len + 1) × pad_len (RFC 5246 §6.2.3.2), with
// one defect, CBC-encrypted without further padding.
Buffer CbcRecordBody(opensslp::BulkCipher cipher, opensslp::MacAlgorithm mac, const Buffer& enc_key,
                     const Buffer& mac_key, const std::uint8_t* header11, const std::uint8_t* iv, const Buffer& data,
                     std::size_t pad_len, CbcDefect defect) {
  Buffer mac_input(header11, header11 + 11);
  mac_input.push_back(static_cast<std::uint8_t>(data.size() >> 8));
  mac_input.push_back(static_cast<std::uint8_t>(data.size()));
  mac_input.insert(mac_input.end(), data.begin(), data.end());
  std::uint8_t tag[EVP_MAX_MD_SIZE];
  unsigned int tag_len = 0;
  if (HMAC(MdFor(mac), mac_key.data(), static_cast<int>(mac_key.size()), mac_input.data(), mac_input.size(), tag,
           &tag_len) == nullptr) {
    std::abort();
  }
  Buffer plain = data;
  plain.insert(plain.end(), tag, tag + tag_len);
  plain.insert(plain.end(), pad_len + 1, static_cast<std::uint8_t>(pad_len));
  if (plain.size() % 16 != 0) std::abort();  // the case chose a bad pad_len
  switch (defect) {
    case CbcDefect::kNone: break;
    case CbcDefect::kBadPaddingByte: plain[plain.size() - 1 - pad_len] ^= 0x01; break;  // the first padding byte
    case CbcDefect::kBadMac: plain[data.size()] ^= 0x80; break;
    case CbcDefect::kPadLongerThanRecord: plain.back() = 0xFF; break;
  }
  return CbcEncryptRaw(cipher, enc_key, iv, plain);
}

// ---- 1. The CBC core: ossl::CbcHmacContext::Open. ----

void CbcCoreCase(opensslp::BulkCipher cipher, opensslp::MacAlgorithm mac, std::size_t data_len, std::size_t pad_len,
                 CbcDefect defect, const char* name) {
  const Buffer enc_key = Random(opensslp::CipherKeyLength(cipher));
  const Buffer mac_key = Random(opensslp::MacLength(mac));
  const Buffer data = Random(data_len);
  const Buffer iv = Random(16);
  const std::uint8_t header11[11] = {0, 0, 0, 0, 0, 0, 0, 7, opensslp::kContentApplicationData, 3, 3};
  const Buffer ct = CbcRecordBody(cipher, mac, enc_key, mac_key, header11, iv.data(), data, pad_len, defect);

  // The secrets: both keys. Everything the context derives from them is undefined from here on.
  opensslp::SecretBytes secret_enc = SecretCopy(enc_key);
  opensslp::SecretBytes secret_mac = SecretCopy(mac_key);
  auto context = opensslp::ossl::CbcHmacContext::Create(cipher, mac, secret_enc.span(), secret_mac.span(),
                                                        opensslp::ossl::CbcHmacContext::Direction::kOpen);
  Check(context.ok(), std::string(name) + ": context");
  if (!context.ok()) return;
  Buffer scratch(ct.size());
  const std::size_t before = g_declassified_calls;
  auto opened = context.value().Open(header11, ct, iv.data(), scratch);
  Check(g_declassified_calls > before, std::string(name) + ": the verdict went through CtDeclassify");
  const bool expect_ok = defect == CbcDefect::kNone;
  Check(opened.ok() == expect_ok, std::string(name) + ": verdict");
  if (expect_ok && opened.ok()) {
    Check(opened.value() == data_len, std::string(name) + ": length");
    Check(Tainted(scratch.data(), data_len) || data_len == 0, std::string(name) + ": plaintext derived from the key");
    Public(scratch.data(), scratch.size());
    Check(std::memcmp(scratch.data(), data.data(), data_len) == 0, std::string(name) + ": plaintext");
  } else if (!opened.ok()) {
    Check(opened.error() == Error::kBadRecord, std::string(name) + ": kBadRecord");
  }
}

void CbcCore() {
  using opensslp::BulkCipher;
  using opensslp::MacAlgorithm;
  struct Suite {
    BulkCipher cipher;
    MacAlgorithm mac;
    const char* name;
  };
  for (const Suite& s : {Suite{BulkCipher::kAes128Cbc, MacAlgorithm::kHmacSha1, "AES-128-CBC/HMAC-SHA1"},
                         Suite{BulkCipher::kAes256Cbc, MacAlgorithm::kHmacSha256, "AES-256-CBC/HMAC-SHA256"},
                         Suite{BulkCipher::kAes128Cbc, MacAlgorithm::kHmacSha384, "AES-128-CBC/HMAC-SHA384"}}) {
    const std::size_t m = opensslp::MacLength(s.mac);
    // data lengths giving minimal padding, 255 bytes of padding, and no data at all.
    const std::size_t short_pad = 15 - (100 + m) % 16;  // 100 bytes of data
    const std::size_t long_data = 300 + (16 - (300 + m + 256) % 16) % 16;
    const std::string n = s.name;
    CbcCoreCase(s.cipher, s.mac, 100, short_pad, CbcDefect::kNone, (n + " minimal padding").c_str());
    CbcCoreCase(s.cipher, s.mac, long_data, 255, CbcDefect::kNone, (n + " 255 bytes of padding").c_str());
    CbcCoreCase(s.cipher, s.mac, 0, 15 - m % 16, CbcDefect::kNone, (n + " empty").c_str());
    CbcCoreCase(s.cipher, s.mac, long_data, 255, CbcDefect::kBadPaddingByte, (n + " bad padding byte").c_str());
    CbcCoreCase(s.cipher, s.mac, 100, short_pad, CbcDefect::kBadPaddingByte, (n + " bad short padding").c_str());
    CbcCoreCase(s.cipher, s.mac, 100, short_pad, CbcDefect::kBadMac, (n + " bad MAC").c_str());
    CbcCoreCase(s.cipher, s.mac, 100, short_pad, CbcDefect::kPadLongerThanRecord, (n + " padding > record").c_str());
  }
}

// ---- 2. The record path: SessionKey::Open with each protection, keyed with secret material. ----

struct RecordKeys {
  std::shared_ptr<opensslp::SessionKey> writer;  // public material: makes the records
  std::shared_ptr<opensslp::SessionKey> reader;  // the same material, marked secret
};

RecordKeys MakeRecordKeys(const opensslp::CipherSuite& suite, ProtocolVersion version, const Buffer& mac_key,
                          const Buffer& enc_key, const Buffer& iv) {
  const bool tls13 = version == ProtocolVersion::kTls13;
  auto make = [&](bool secret, opensslp::RecordDirection direction) {
    opensslp::SessionKeyMaterial m;
    m.suite = &suite;
    m.version = version;
    m.direction = direction;
    m.stage = tls13 ? opensslp::Tls13TrafficStage::kApplication : opensslp::Tls13TrafficStage::kNone;
    m.mac_key = opensslp::SecretBytes{std::span<const std::uint8_t>(mac_key)};
    m.enc_key = opensslp::SecretBytes{std::span<const std::uint8_t>(enc_key)};
    m.iv = opensslp::SecretBytes{std::span<const std::uint8_t>(iv)};
    if (secret) {
      Secret(m.mac_key.data(), m.mac_key.size());
      Secret(m.enc_key.data(), m.enc_key.size());
      Secret(m.iv.data(), m.iv.size());
    }
    auto key = opensslp::CreateSessionKey(std::move(m));
    if (!key.ok()) std::abort();
    return std::move(key).value();
  };
  const auto write_direction = tls13 ? opensslp::RecordDirection::kBoth : opensslp::RecordDirection::kWrite;
  const auto read_direction = tls13 ? opensslp::RecordDirection::kBoth : opensslp::RecordDirection::kRead;
  return {make(false, write_direction), make(true, read_direction)};
}

void RecordCase(std::uint16_t suite_id, ProtocolVersion version) {
  const opensslp::CipherSuite* suite = opensslp::FindCipherSuite(suite_id);
  if (suite == nullptr) std::abort();
  const std::string name = std::string(suite->name) + (version == ProtocolVersion::kTls10 ? " TLS 1.0" : "");
  const Buffer mac_key = Random(suite->mac_key_len);
  const Buffer enc_key = Random(suite->key_len);
  const Buffer iv = Random(opensslp::KeyBlockIvLength(*suite, version));
  RecordKeys keys = MakeRecordKeys(*suite, version, mac_key, enc_key, iv);

  std::uint64_t seq = 5;  // a write key refuses a sequence number it has used (nonce reuse)
  for (std::size_t len : {std::size_t{0}, std::size_t{1}, std::size_t{333}}) {
    const Buffer plain = Random(len);
    ++seq;
    Buffer record(keys.writer->SealedLength(len));
    auto sealed =
        keys.writer->Seal(seq, opensslp::kContentApplicationData, plain.data(), len, record.data(), record.size());
    Check(sealed.ok(), name + ": seal");
    if (!sealed.ok()) return;
    record.resize(sealed.value());
    const std::size_t before = g_declassified_calls;
    Buffer out(record.size());
    auto opened = keys.reader->Open(seq, record.data(), record.size(), out.data(), out.size());
    Check(opened.ok(), name + ": open " + std::to_string(len));
    if (!opened.ok()) continue;
    // TLS 1.3: the content and then the inner content type (docs/tls13.md).
    const std::size_t got = opened.value();
    const std::size_t want = version == ProtocolVersion::kTls13 ? len + 1 : len;
    Check(got == want, name + ": length");
    const bool aead = opensslp::ModeOf(suite->cipher) != opensslp::CipherMode::kCbc;
    if (!aead || version == ProtocolVersion::kTls13) {
      Check(g_declassified_calls > before, name + ": the length went through CtDeclassify");
    }
    Check(got == 0 || Tainted(out.data(), got), name + ": plaintext derived from the key");
    Public(out.data(), out.size());
    Check(got < len || std::memcmp(out.data(), plain.data(), len) == 0, name + ": round trip");

    // Tampered (the last byte: the MAC / padding for CBC, the tag for AEAD).
    if (version != ProtocolVersion::kTls10) {  // TLS 1.0's chained IV moved on with the record above
      record.back() ^= 0x01;
      auto refused = keys.reader->Open(seq, record.data(), record.size(), out.data(), out.size());
      Check(!refused.ok() && refused.error() == Error::kBadRecord, name + ": tampered record refused");
    }
  }
}

// TLS 1.3 with zero padding after the content type (RFC 8446 §5.4), which opensslp never sends: the
// record is built with OpenSSL's AES-128-GCM. The padding scan must not branch on where the last
// non-zero byte is.
void Tls13PaddingCase() {
  const opensslp::CipherSuite* suite = opensslp::FindCipherSuite(0x1301);  // TLS_AES_128_GCM_SHA256
  const Buffer key = Random(16), iv = Random(12), content = Random(50);
  RecordKeys keys = MakeRecordKeys(*suite, ProtocolVersion::kTls13, {}, key, iv);
  for (std::size_t pad : {std::size_t{0}, std::size_t{7}, std::size_t{300}}) {
    Buffer inner = content;
    inner.push_back(opensslp::kContentHandshake);
    inner.insert(inner.end(), pad, 0);
    const std::uint64_t seq = 9;
    std::uint8_t nonce[12];
    std::memcpy(nonce, iv.data(), 12);
    for (int i = 0; i < 8; ++i) nonce[4 + i] ^= static_cast<std::uint8_t>(seq >> (8 * (7 - i)));
    Buffer record = {opensslp::kContentApplicationData, 3, 3, static_cast<std::uint8_t>((inner.size() + 16) >> 8),
                     static_cast<std::uint8_t>(inner.size() + 16)};
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    Buffer ct(inner.size());
    std::uint8_t tag[16];
    int len = 0;
    if (EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, key.data(), nonce) != 1 ||
        EVP_EncryptUpdate(ctx, nullptr, &len, record.data(), 5) != 1 ||
        EVP_EncryptUpdate(ctx, ct.data(), &len, inner.data(), static_cast<int>(inner.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx, tag, &len) != 1 || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1) {
      std::abort();
    }
    EVP_CIPHER_CTX_free(ctx);
    record.insert(record.end(), ct.begin(), ct.end());
    record.insert(record.end(), tag, tag + 16);
    Buffer out(record.size());
    auto opened = keys.reader->Open(seq, record.data(), record.size(), out.data(), out.size());
    Check(opened.ok() && opened.value() == content.size() + 1,
          "TLS 1.3 padding " + std::to_string(pad) + ": content length");
    Public(out.data(), out.size());
    Check(opened.ok() && std::memcmp(out.data(), inner.data(), content.size() + 1) == 0,
          "TLS 1.3 padding " + std::to_string(pad) + ": content and type");
  }
}

// ---- 3. RSA pre-master implicit rejection. ----

// The selection both backends' last step share (core/implicit_rejection.cpp; the Windows KSP backend
// calls it after NCryptDecrypt): every input but the public client_version is secret.
void SelectPremasterCase(std::uint32_t status, std::size_t message_len, bool good_version, const char* name) {
  const std::uint16_t client_version = 0x0303;
  Buffer message = Random(512);
  message[0] = good_version ? 0x03 : 0x02;
  message[1] = 0x03;
  opensslp::SecretArray<48> fallback;
  if (RAND_bytes(fallback.data(), 48) != 1) std::abort();
  const Buffer fallback_copy(fallback.data(), fallback.data() + 48);
  const Buffer message_copy = message;
  const bool expect_message = status == 0 && message_len == 48 && good_version;  // before the marking

  Secret(&status, sizeof status);
  Secret(&message_len, sizeof message_len);
  Secret(message.data(), message.size());
  Secret(fallback.data(), 48);
  auto selected = opensslp::SelectTlsPremaster(status, message, message_len, client_version, fallback);
  Check(selected.ok(), std::string(name) + ": selected");
  if (!selected.ok()) return;
  Check(Tainted(selected.value().data(), 48), std::string(name) + ": the result is still secret");
  Public(selected.value().data(), 48);
  const Buffer& want = expect_message ? message_copy : fallback_copy;
  Check(std::memcmp(selected.value().data(), want.data(), 48) == 0,
        std::string(name) + (expect_message ? ": the decrypted message" : ": the random fallback"));
}

opensslp::ossl::PKey LoadKey(const char* path) {
  BIO* bio = BIO_new_file(path, "r");
  EVP_PKEY* key = bio != nullptr ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  if (key == nullptr) {
    std::fprintf(stderr, "cannot read %s\n", path);
    std::abort();
  }
  return opensslp::ossl::PKey(key);
}

Buffer RsaEncrypt(const opensslp::ossl::PKey& key, const Buffer& message, int padding) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr);
  std::size_t len = 0;
  if (ctx == nullptr || EVP_PKEY_encrypt_init(ctx) != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx, padding) != 1 ||
      EVP_PKEY_encrypt(ctx, nullptr, &len, message.data(), message.size()) != 1) {
    std::abort();
  }
  Buffer out(len);
  if (EVP_PKEY_encrypt(ctx, out.data(), &len, message.data(), message.size()) != 1) std::abort();
  EVP_PKEY_CTX_free(ctx);
  out.resize(len);
  return out;
}

// The OpenSSL backend (ossl/rsa_transport.cpp). The ciphertext is marked undefined: it is public,
// but so everything OpenSSL derives from it (the decrypted message, the padding verdict, the
// selected secret) is undefined when it comes back to our code. Inside EVP_PKEY_decrypt OpenSSL is
// the boundary (its bignum code branches on the public ciphertext's value, which memcheck cannot
// tell from a secret): tests/ct/openssl.supp suppresses what memcheck reports inside libcrypto
// under EVP_PKEY_decrypt, and nothing else.
// `expected`: the pre-master a valid ciphertext carries; `refused`: the message an invalid one
// carries, which must not come back (the result is the random fallback instead).
void RsaBackendCase(const opensslp::ossl::PKey& key, const Buffer& ciphertext, const Buffer* expected,
                    const Buffer* refused, const char* name) {
  Buffer ct = ciphertext;
  Secret(ct.data(), ct.size());
  auto pms = opensslp::ossl::RsaDecryptTlsPremaster(key, ct, 0x0303);
  Check(pms.ok(), std::string(name) + ": no error is reported");
  if (!pms.ok()) return;
  Check(Tainted(pms.value().data(), 48), std::string(name) + ": the result is still secret");
  Public(pms.value().data(), 48);
  if (expected != nullptr) {
    Check(std::memcmp(pms.value().data(), expected->data(), 48) == 0, std::string(name) + ": the pre-master");
  }
  if (refused != nullptr) {
    Check(std::memcmp(pms.value().data(), refused->data(), 48) != 0, std::string(name) + ": not the message");
  }
}

void ImplicitRejection() {
  SelectPremasterCase(0, 48, true, "select: good");
  SelectPremasterCase(0x80090005, 48, true, "select: decryption failed");
  SelectPremasterCase(0, 47, true, "select: 47 bytes");
  SelectPremasterCase(0, 256, true, "select: 256 bytes");
  SelectPremasterCase(0, 48, false, "select: wrong version");

  const opensslp::ossl::PKey key = LoadKey(OPENSSLP_CT_DATA_DIR "/keystore/keys/rsa2048.key");
  Buffer pms = Random(48);
  pms[0] = 0x03;
  pms[1] = 0x03;
  RsaBackendCase(key, RsaEncrypt(key, pms, RSA_PKCS1_PADDING), &pms, nullptr, "RSA backend: good");
  Buffer old_version = pms;
  old_version[1] = 0x01;
  RsaBackendCase(key, RsaEncrypt(key, old_version, RSA_PKCS1_PADDING), nullptr, &old_version,
                 "RSA backend: wrong version");
  RsaBackendCase(key, RsaEncrypt(key, Random(47), RSA_PKCS1_PADDING), nullptr, nullptr, "RSA backend: 47 bytes");
  // 0x00 0x01 ... : block type 1 (a signature block), not type 2.
  Buffer block(256, 0xFF);
  block[0] = 0x00;
  block[1] = 0x01;
  block[256 - 49] = 0x00;
  std::memcpy(block.data() + 256 - 48, pms.data(), 48);
  RsaBackendCase(key, RsaEncrypt(key, block, RSA_NO_PADDING), nullptr, &pms, "RSA backend: block type 1");
}

// ---- 4. Constant-time comparisons (Finished verify_data, PSK binders, MACs). ----

void ComparisonCase(std::size_t len, std::size_t differ_at, const char* name) {
  Buffer a = Random(len);
  Buffer b = a;
  if (differ_at < len) b[differ_at] ^= 0x20;
  Secret(a.data(), len);
  Secret(b.data(), len);
  bool library = opensslp::ConstantTimeEqual(a, b);  // declassifies its own verdict
  bool driver = opensslp::tlswire::ConstantTimeEqual(a, b);
  Public(&driver, sizeof driver);  // the driver's caller branches on it: the public verdict
  Check(library == (differ_at >= len), std::string("util ConstantTimeEqual ") + name);
  Check(driver == (differ_at >= len), std::string("tlswire ConstantTimeEqual ") + name);
}

void Comparisons() {
  ComparisonCase(12, 99, "12 equal");  // TLS 1.2 Finished
  ComparisonCase(48, 99, "48 equal");  // TLS 1.3 SHA-384 Finished / binder
  ComparisonCase(32, 0, "first byte differs");
  ComparisonCase(32, 31, "last byte differs");
}

// ---- Self-tests: code that leaks, which memcheck must report. ----

// What a naive Finished check does: stop at the first difference.
__attribute__((noinline)) bool LeakyBranchCompare(const std::uint8_t* a, const std::uint8_t* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// What a table-driven cipher does: a memory address that depends on a secret byte.
__attribute__((noinline)) std::uint8_t LeakyIndexLookup(const std::uint8_t* secret) {
  static std::uint8_t table[256];
  for (int i = 0; i < 256; ++i) table[i] = static_cast<std::uint8_t>(i * 7);
  return table[secret[0]];
}

int SelfTest(std::string_view which) {
  if (!RUNNING_ON_VALGRIND) {
    std::fprintf(stderr, "the self-tests are meaningful only under valgrind\n");
    return 2;
  }
  if (which == "branch") {
    Buffer a = Random(32), b = a;
    Secret(a.data(), a.size());
    bool equal = LeakyBranchCompare(a.data(), b.data(), a.size());
    Public(&equal, sizeof equal);
    std::printf("self-test branch ran (equal=%d)\n", equal ? 1 : 0);
    return 0;
  }
  if (which == "index") {
    Buffer a = Random(1);
    Secret(a.data(), a.size());
    std::uint8_t v = LeakyIndexLookup(a.data());
    Public(&v, sizeof v);
    std::printf("self-test index ran (%u)\n", v);
    return 0;
  }
  if (which == "verdict") {
    g_declassify_enabled = false;
    CbcCoreCase(opensslp::BulkCipher::kAes128Cbc, opensslp::MacAlgorithm::kHmacSha1, 100, 15 - 120 % 16,
                CbcDefect::kBadMac, "self-test verdict");
    std::printf("self-test verdict ran\n");
    return 0;
  }
  std::fprintf(stderr, "unknown self-test %.*s\n", static_cast<int>(which.size()), which.data());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.substr(0, 12) == "--self-test=") return SelfTest(arg.substr(12));
    std::fprintf(stderr, "usage: %s [--self-test=branch|index|verdict]\n", argv[0]);
    return 2;
  }
  if (!RUNNING_ON_VALGRIND) {
    std::printf("not running under valgrind: functional checks only, no constant-time check\n");
  }
  CbcCore();
  RecordCase(0x002F, ProtocolVersion::kTls10);  // TLS_RSA_WITH_AES_128_CBC_SHA, chained IV
  RecordCase(0x002F, ProtocolVersion::kTls12);
  RecordCase(0xC028, ProtocolVersion::kTls12);  // TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384
  RecordCase(0xC02F, ProtocolVersion::kTls12);  // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
  RecordCase(0xCCA8, ProtocolVersion::kTls12);  // TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
  RecordCase(0x1302, ProtocolVersion::kTls13);  // TLS_AES_256_GCM_SHA384
  RecordCase(0x1303, ProtocolVersion::kTls13);  // TLS_CHACHA20_POLY1305_SHA256
  Tls13PaddingCase();
  ImplicitRejection();
  Comparisons();
  std::printf("ct memcheck: %d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
