// opensslp_bench.cpp - the provider's exported API against raw OpenSSL doing the same work
// (bench/README.md). Every "Ours" benchmark has a "Raw" twin with the same arguments; at exit a
// summary prints ratio = raw_time / our_time per pair (1.0 = no overhead; the targets in bench/README.md:
// >= 0.95 at 16 KiB records, >= 0.7 at 64 B records (TLS 1.2 and TLS 1.3 alike), >= 0.9 for
// SslGenerateSessionKeys and for the TLS 1.3 client key schedule).
//
// Fairness rules followed by every Raw twin:
//  - algorithms (EVP_CIPHER, EVP_KDF) are fetched once, outside the timed loop;
//  - record protection: the key is set once per context, per record only the nonce changes, and
//    the nonce / additional data / record layout are those of the provider (RFC 5288 §3 salt ‖
//    explicit nonce = seq for AES-GCM, RFC 7905 §2 IV XOR seq for ChaCha20-Poly1305, RFC 5246
//    §6.2.3.3 additional data, header ‖ explicit nonce ‖ ciphertext ‖ tag);
//  - key schedules: TLS1-PRF through EVP_KDF, cipher contexts initialised with the derived keys,
//    secrets wiped, contexts freed - the same work the provider's key objects carry;
//  - TLS 1.3 records (RFC 8446 §5.2-§5.3): nonce = iv XOR seq, additional data = the 5-byte
//    header, content then the inner content type byte through the cipher, no padding;
//  - the TLS 1.3 schedule: EVP_KDF "TLS13-KDF" for Extract / Expand-Label, EVP_MAC HMAC for
//    Finished, EVP_PKEY_derive for x25519.
// The provider is linked as the shared library and called through its exports, so the figures
// include what a caller (Schannel) pays: handle lookup, Guard, argument checks.
#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include "opensslp/opensslp.h"
#include "sslprovider.h"

namespace {

using ByteVec = std::vector<std::uint8_t>;

constexpr DWORD kTls12 = TLS1_2_PROTOCOL_VERSION;
constexpr DWORD kAesGcm = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;  // 0xC02F
constexpr DWORD kChaCha = 0xCCA8;                                 // TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
constexpr DWORD kRsaGcm = 0x009C;                                 // TLS_RSA_WITH_AES_128_GCM_SHA256
constexpr std::size_t kHeader = 5, kTag = 16;

// A benchmark setup failure is a bug, not a figure: stop loudly.
void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "opensslp_bench: %s failed\n", what);
    std::abort();
  }
}
void Check(SECURITY_STATUS status, const char* what) {
  if (status != 0) {
    std::fprintf(stderr, "opensslp_bench: %s failed: 0x%08x\n", what, static_cast<unsigned>(status));
    std::abort();
  }
}

LPCWSTR Wide(const char16_t* s) { return reinterpret_cast<LPCWSTR>(s); }

void StoreBe64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<std::uint8_t>(v);
}

// ---- the provider side ----------------------------------------------------------------------

// client_random / server_random (and the RSA client version) as an NCryptBufferDesc.
struct Randoms {
  ByteVec cr = ByteVec(32), sr = ByteVec(32);
  DWORD version = 0x0303;
  NCryptBuffer buffers[3];
  NCryptBufferDesc desc{};
  Randoms() {
    RAND_bytes(cr.data(), 32);
    RAND_bytes(sr.data(), 32);
  }
  NCryptBufferDesc* get(bool with_version = false) {
    buffers[0] = {32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr.data()};
    buffers[1] = {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, sr.data()};
    buffers[2] = {4, NCRYPTBUFFER_SSL_HIGHEST_VERSION, &version};
    desc = {NCRYPTBUFFER_VERSION, with_version ? 3u : 2u, buffers};
    return &desc;
  }
};

NCRYPT_PROV_HANDLE OpenProvider() {
  NCRYPT_PROV_HANDLE prov = 0;
  Check(SslOpenProvider(&prov, OPENSSLP_PROVIDER_NAME, 0), "SslOpenProvider");
  return prov;
}

NCRYPT_KEY_HANDLE CreateP256(NCRYPT_PROV_HANDLE prov, DWORD suite) {
  NCRYPT_KEY_HANDLE key = 0;
  Check(SslCreateEphemeralKey(prov, &key, kTls12, suite, TLS_ECC_P256_CURVE_KEY_TYPE, 256, nullptr, 0, 0),
        "SslCreateEphemeralKey");
  return key;
}

// SslExportKey(ECCPUBLICBLOB) into a caller buffer, then SslImportKey of it: what each side does
// with the other's key_exchange value. The blob is at most 72 bytes for P-256 (8 + 2*32), so
// the size query Schannel may make first is skipped on both sides of the comparison.
NCRYPT_KEY_HANDLE TransferPublic(NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE from) {
  std::uint8_t blob[72 + 8];
  DWORD len = 0;
  Check(SslExportKey(prov, from, Wide(u"ECCPUBLICBLOB"), blob, sizeof blob, &len, 0), "SslExportKey");
  NCRYPT_KEY_HANDLE pub = 0;
  Check(SslImportKey(prov, &pub, Wide(u"ECCPUBLICBLOB"), blob, len, 0), "SslImportKey");
  return pub;
}

// Two provider-side ends of one ECDHE-P256 TLS 1.2 connection: the client's write key seals what
// the server's read key opens. (A server-role master key for an OpenSSL-generated peer cannot be
// built through the API - its private key never enters the provider - so both ends are ours.)
struct Connection {
  NCRYPT_PROV_HANDLE prov = 0;
  NCRYPT_KEY_HANDLE client_master = 0, server_master = 0;
  NCRYPT_KEY_HANDLE client_read = 0, client_write = 0, server_read = 0, server_write = 0;
  Randoms randoms;

  explicit Connection(DWORD suite) {
    prov = OpenProvider();
    const NCRYPT_KEY_HANDLE client_eph = CreateP256(prov, suite), server_eph = CreateP256(prov, suite);
    const NCRYPT_KEY_HANDLE server_pub = TransferPublic(prov, server_eph),
                            client_pub = TransferPublic(prov, client_eph);
    Check(SslGenerateMasterKey(prov, client_eph, server_pub, &client_master, kTls12, suite, randoms.get(), nullptr, 0,
                               nullptr, NCRYPT_SSL_CLIENT_FLAG),
          "SslGenerateMasterKey(client)");
    Check(SslGenerateMasterKey(prov, server_eph, client_pub, &server_master, kTls12, suite, randoms.get(), nullptr, 0,
                               nullptr, NCRYPT_SSL_SERVER_FLAG),
          "SslGenerateMasterKey(server)");
    Check(SslGenerateSessionKeys(prov, client_master, &client_read, &client_write, randoms.get(), 0),
          "SslGenerateSessionKeys(client)");
    Check(SslGenerateSessionKeys(prov, server_master, &server_read, &server_write, randoms.get(), 0),
          "SslGenerateSessionKeys(server)");
    for (NCRYPT_KEY_HANDLE h : {client_eph, server_eph, server_pub, client_pub}) SslFreeObject(h, 0);
  }
  ~Connection() {
    for (NCRYPT_HANDLE h : {client_master, server_master, client_read, client_write, server_read, server_write}) {
      SslFreeObject(h, 0);
    }
    SslFreeObject(prov, 0);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
};

// ---- the raw OpenSSL side ---------------------------------------------------------------------

// An AEAD record context with the key set once (RFC 5288 / RFC 7905 nonces, as the provider).
class RawAead {
 public:
  RawAead(DWORD suite, bool encrypt) : gcm_(suite == kAesGcm) {
    cipher_ = EVP_CIPHER_fetch(nullptr, gcm_ ? "AES-128-GCM" : "ChaCha20-Poly1305", nullptr);
    Check(cipher_ != nullptr, "EVP_CIPHER_fetch");
    ctx_ = EVP_CIPHER_CTX_new();
    // Both directions share the key and IV so a raw sealer's records open with a raw opener.
    std::uint8_t key[32];
    std::memset(key, 0x42, sizeof key);
    std::memset(iv_, 0x24, sizeof iv_);
    Check(EVP_CipherInit_ex(ctx_, cipher_, nullptr, key, nullptr, encrypt ? 1 : 0) == 1, "EVP_CipherInit_ex");
  }
  ~RawAead() {
    EVP_CIPHER_CTX_free(ctx_);
    EVP_CIPHER_free(cipher_);
  }
  RawAead(const RawAead&) = delete;
  RawAead& operator=(const RawAead&) = delete;

  std::size_t explicit_len() const { return gcm_ ? 8 : 0; }

  // header ‖ explicit nonce ‖ ciphertext ‖ tag, like SslEncryptPacket.
  std::size_t Seal(std::uint64_t seq, const std::uint8_t* in, std::size_t len, std::uint8_t* out) {
    std::uint8_t nonce[12], aad[13];
    MakeNonce(seq, nonce);
    MakeAad(seq, len, aad);
    const std::size_t fragment = explicit_len() + len + kTag;
    out[0] = 23, out[1] = 3, out[2] = 3, out[3] = static_cast<std::uint8_t>(fragment >> 8);
    out[4] = static_cast<std::uint8_t>(fragment);
    if (gcm_) StoreBe64(out + kHeader, seq);
    std::uint8_t* body = out + kHeader + explicit_len();
    int n = 0;
    Check(EVP_EncryptInit_ex(ctx_, nullptr, nullptr, nullptr, nonce) == 1 &&
              EVP_EncryptUpdate(ctx_, nullptr, &n, aad, sizeof aad) == 1 &&
              EVP_EncryptUpdate(ctx_, body, &n, in, static_cast<int>(len)) == 1 &&
              EVP_EncryptFinal_ex(ctx_, body + n, &n) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_GET_TAG, kTag, body + len) == 1,
          "raw seal");
    return kHeader + fragment;
  }

  std::size_t Open(std::uint64_t seq, const std::uint8_t* in, std::size_t in_len, std::uint8_t* out) {
    const std::size_t len = in_len - kHeader - explicit_len() - kTag;
    const std::uint8_t* body = in + kHeader + explicit_len();
    std::uint8_t nonce[12], aad[13], tag[kTag];
    MakeNonce(seq, nonce);
    MakeAad(seq, len, aad);
    std::memcpy(tag, body + len, kTag);
    int n = 0;
    Check(EVP_DecryptInit_ex(ctx_, nullptr, nullptr, nullptr, nonce) == 1 &&
              EVP_DecryptUpdate(ctx_, nullptr, &n, aad, sizeof aad) == 1 &&
              EVP_DecryptUpdate(ctx_, out, &n, body, static_cast<int>(len)) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_SET_TAG, kTag, tag) == 1 &&
              EVP_DecryptFinal_ex(ctx_, out + n, &n) == 1,
          "raw open");
    return len;
  }

 private:
  void MakeNonce(std::uint64_t seq, std::uint8_t* nonce) const {
    std::uint8_t s[8];
    StoreBe64(s, seq);
    if (gcm_) {
      std::memcpy(nonce, iv_, 4);
      std::memcpy(nonce + 4, s, 8);
    } else {
      std::memcpy(nonce, iv_, 12);
      for (int i = 0; i < 8; ++i) nonce[4 + i] ^= s[i];
    }
  }
  static void MakeAad(std::uint64_t seq, std::size_t len, std::uint8_t* aad) {
    StoreBe64(aad, seq);
    aad[8] = 23, aad[9] = 3, aad[10] = 3;
    aad[11] = static_cast<std::uint8_t>(len >> 8), aad[12] = static_cast<std::uint8_t>(len);
  }

  bool gcm_;
  EVP_CIPHER* cipher_ = nullptr;
  EVP_CIPHER_CTX* ctx_ = nullptr;
  std::uint8_t iv_[12];
};

// TLS1-PRF through one fetched EVP_KDF and one reused (reset) context.
class RawPrf {
 public:
  RawPrf() {
    kdf_ = EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr);
    Check(kdf_ != nullptr, "EVP_KDF_fetch");
    ctx_ = EVP_KDF_CTX_new(kdf_);
  }
  ~RawPrf() {
    EVP_KDF_CTX_free(ctx_);
    EVP_KDF_free(kdf_);
  }
  RawPrf(const RawPrf&) = delete;
  RawPrf& operator=(const RawPrf&) = delete;

  // PRF(secret, label, seed_a ‖ seed_b) into out[0, n) (RFC 5246 §5). The label and seeds form
  // one seed buffer, as the provider builds it.
  void Derive(const std::uint8_t* secret, std::size_t secret_len, const char* label, const ByteVec& seed_a,
              const ByteVec& seed_b, std::uint8_t* out, std::size_t n) {
    std::uint8_t seed[13 + 64];
    const std::size_t label_len = std::strlen(label);
    std::memcpy(seed, label, label_len);
    std::memcpy(seed + label_len, seed_a.data(), 32);
    std::memcpy(seed + label_len + 32, seed_b.data(), 32);
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, const_cast<std::uint8_t*>(secret), secret_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, label_len + 64),
        OSSL_PARAM_construct_end(),
    };
    // TLS1-PRF appends every SEED parameter it is given (OpenSSL 3.0 kdf_tls1_prf_set_ctx_params),
    // so a reused context is reset first; the fetched algorithm and the context stay.
    EVP_KDF_CTX_reset(ctx_);
    Check(EVP_KDF_derive(ctx_, out, n, params) == 1, "EVP_KDF_derive");
  }

 private:
  EVP_KDF* kdf_ = nullptr;
  EVP_KDF_CTX* ctx_ = nullptr;
};

// The raw equivalent of SslGenerateSessionKeys for AES-128-GCM: the 40-byte key block
// (2 × 16-byte keys, 2 × 4-byte salts; RFC 5246 §6.3, RFC 5288 §3) and two keyed contexts,
// which are freed again (the provider side frees its two key handles in the timed loop too).
void RawSessionKeys(RawPrf& prf, const EVP_CIPHER* cipher, const std::uint8_t* master, const Randoms& r) {
  std::uint8_t block[40];
  prf.Derive(master, 48, "key expansion", r.sr, r.cr, block, sizeof block);
  EVP_CIPHER_CTX* write = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX* read = EVP_CIPHER_CTX_new();
  Check(EVP_CipherInit_ex(write, cipher, nullptr, block, nullptr, 1) == 1 &&
            EVP_CipherInit_ex(read, cipher, nullptr, block + 16, nullptr, 0) == 1,
        "EVP_CipherInit_ex");
  benchmark::DoNotOptimize(block);
  OPENSSL_cleanse(block, sizeof block);
  EVP_CIPHER_CTX_free(write);
  EVP_CIPHER_CTX_free(read);
}

// ---- 1. record protection --------------------------------------------------------------------

void SetRecordCounters(benchmark::State& state, std::size_t len) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * len));
  state.SetLabel(state.range(0) == kAesGcm ? "AES-128-GCM" : "ChaCha20-Poly1305");
}

// Encrypt: each iteration seals one record with the next sequence number (a write key refuses a
// repeated or decreasing one; the raw twin uses the same counter for its nonce).
void BM_EncryptOurs(benchmark::State& state) {
  const DWORD suite = static_cast<DWORD>(state.range(0));
  const std::size_t len = static_cast<std::size_t>(state.range(1));
  Connection conn(suite);
  ByteVec in(len, 0x17), out(len + 64);
  std::uint64_t seq = 0;
  DWORD written = 0;
  for (auto _ : state) {
    Check(SslEncryptPacket(conn.prov, conn.client_write, in.data(), static_cast<DWORD>(len), out.data(),
                           static_cast<DWORD>(out.size()), &written, seq++, 23, 0),
          "SslEncryptPacket");
    benchmark::DoNotOptimize(out.data());
  }
  SetRecordCounters(state, len);
}

void BM_EncryptRaw(benchmark::State& state) {
  const DWORD suite = static_cast<DWORD>(state.range(0));
  const std::size_t len = static_cast<std::size_t>(state.range(1));
  RawAead aead(suite, true);
  ByteVec in(len, 0x17), out(len + 64);
  std::uint64_t seq = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(aead.Seal(seq++, in.data(), len, out.data()));
    benchmark::DoNotOptimize(out.data());
  }
  SetRecordCounters(state, len);
}

// Decrypt: a ring of kRing records is sealed before the timed loop, record i with sequence number
// i; each iteration opens the next record of the ring with its own sequence number. A read key
// keeps no sequence state (the caller owns the counter, docs/reference/functions.md#records), so
// reopening the ring is exactly the per-record work, with no PauseTiming noise in the loop. The raw
// twin opens a ring sealed the same way.
constexpr std::size_t kRing = 64;

void BM_DecryptOurs(benchmark::State& state) {
  const DWORD suite = static_cast<DWORD>(state.range(0));
  const std::size_t len = static_cast<std::size_t>(state.range(1));
  Connection conn(suite);
  ByteVec in(len, 0x17), out(len + 64);
  std::vector<ByteVec> ring(kRing, ByteVec(len + 64));
  DWORD written = 0;
  for (std::size_t i = 0; i < kRing; ++i) {
    Check(SslEncryptPacket(conn.prov, conn.client_write, in.data(), static_cast<DWORD>(len), ring[i].data(),
                           static_cast<DWORD>(ring[i].size()), &written, i, 23, 0),
          "SslEncryptPacket");
    ring[i].resize(written);
  }
  std::size_t i = 0;
  for (auto _ : state) {
    ByteVec& record = ring[i];
    Check(SslDecryptPacket(conn.prov, conn.server_read, record.data(), static_cast<DWORD>(record.size()), out.data(),
                           static_cast<DWORD>(out.size()), &written, i, 0),
          "SslDecryptPacket");
    benchmark::DoNotOptimize(out.data());
    i = (i + 1) % kRing;
  }
  SetRecordCounters(state, len);
}

void BM_DecryptRaw(benchmark::State& state) {
  const DWORD suite = static_cast<DWORD>(state.range(0));
  const std::size_t len = static_cast<std::size_t>(state.range(1));
  RawAead sealer(suite, true), opener(suite, false);
  ByteVec in(len, 0x17), out(len + 64);
  std::vector<ByteVec> ring(kRing, ByteVec(len + 64));
  for (std::size_t i = 0; i < kRing; ++i) ring[i].resize(sealer.Seal(i, in.data(), len, ring[i].data()));
  std::size_t i = 0;
  for (auto _ : state) {
    const ByteVec& record = ring[i];
    benchmark::DoNotOptimize(opener.Open(i, record.data(), record.size(), out.data()));
    benchmark::DoNotOptimize(out.data());
    i = (i + 1) % kRing;
  }
  SetRecordCounters(state, len);
}

void RecordArgs(benchmark::internal::Benchmark* b) {
  for (std::int64_t suite : {std::int64_t{kAesGcm}, std::int64_t{kChaCha}}) {
    for (std::int64_t len : {64, 1024, 16384}) b->Args({suite, len});
  }
  b->ArgNames({"suite", "bytes"});
}

BENCHMARK(BM_EncryptOurs)->Apply(RecordArgs);
BENCHMARK(BM_EncryptRaw)->Apply(RecordArgs);
BENCHMARK(BM_DecryptOurs)->Apply(RecordArgs);
BENCHMARK(BM_DecryptRaw)->Apply(RecordArgs);

// ---- 2. SslGenerateSessionKeys ----------------------------------------------------------------

// Measured work: SslGenerateSessionKeys plus SslFreeObject of the read and the write key (a
// handle that is never freed would grow the handle table and is not what a caller does).
void BM_SessionKeysOurs(benchmark::State& state) {
  Connection conn(kAesGcm);
  for (auto _ : state) {
    NCRYPT_KEY_HANDLE read = 0, write = 0;
    Check(SslGenerateSessionKeys(conn.prov, conn.client_master, &read, &write, conn.randoms.get(), 0),
          "SslGenerateSessionKeys");
    SslFreeObject(read, 0);
    SslFreeObject(write, 0);
  }
}

// Measured work: the key-block PRF, two EVP_CipherInit_ex of AES-128-GCM contexts, wipe, frees.
void BM_SessionKeysRaw(benchmark::State& state) {
  RawPrf prf;
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
  Randoms randoms;
  std::uint8_t master[48];
  RAND_bytes(master, sizeof master);
  for (auto _ : state) RawSessionKeys(prf, cipher, master, randoms);
  EVP_CIPHER_free(cipher);
}

BENCHMARK(BM_SessionKeysOurs);
BENCHMARK(BM_SessionKeysRaw);

// ---- 3. a whole ECDHE-P256 key schedule -------------------------------------------------------

// Both sides' provider calls for one TLS 1.2 ECDHE-P256 AES-128-GCM connection: 2 ×
// SslCreateEphemeralKey, 2 × SslExportKey, 2 × SslImportKey, 2 × SslGenerateMasterKey,
// 2 × SslGenerateSessionKeys, and SslFreeObject of all 10 handles.
void BM_EcdheScheduleOurs(benchmark::State& state) {
  const NCRYPT_PROV_HANDLE prov = OpenProvider();
  Randoms randoms;
  for (auto _ : state) {
    const NCRYPT_KEY_HANDLE client_eph = CreateP256(prov, kAesGcm), server_eph = CreateP256(prov, kAesGcm);
    const NCRYPT_KEY_HANDLE server_pub = TransferPublic(prov, server_eph),
                            client_pub = TransferPublic(prov, client_eph);
    NCRYPT_KEY_HANDLE cm = 0, sm = 0, keys[4] = {};
    Check(SslGenerateMasterKey(prov, client_eph, server_pub, &cm, kTls12, kAesGcm, randoms.get(), nullptr, 0, nullptr,
                               NCRYPT_SSL_CLIENT_FLAG),
          "SslGenerateMasterKey(client)");
    Check(SslGenerateMasterKey(prov, server_eph, client_pub, &sm, kTls12, kAesGcm, randoms.get(), nullptr, 0, nullptr,
                               NCRYPT_SSL_SERVER_FLAG),
          "SslGenerateMasterKey(server)");
    Check(SslGenerateSessionKeys(prov, cm, &keys[0], &keys[1], randoms.get(), 0), "SslGenerateSessionKeys");
    Check(SslGenerateSessionKeys(prov, sm, &keys[2], &keys[3], randoms.get(), 0), "SslGenerateSessionKeys");
    for (NCRYPT_KEY_HANDLE h :
         {client_eph, server_eph, server_pub, client_pub, cm, sm, keys[0], keys[1], keys[2], keys[3]}) {
      SslFreeObject(h, 0);
    }
  }
  SslFreeObject(prov, 0);
}

EVP_PKEY* RawP256Keygen() {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* key = nullptr;
  Check(ctx != nullptr && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_CTX_set_group_name(ctx, "P-256") == 1 &&
            EVP_PKEY_keygen(ctx, &key) == 1,
        "P-256 keygen");
  EVP_PKEY_CTX_free(ctx);
  return key;
}

// The peer's public key rebuilt from its encoded point: the raw counterpart of export + import
// (a raw TLS stack also has to parse the peer's key_exchange value).
EVP_PKEY* RawTransferPublic(EVP_PKEY* from) {
  std::uint8_t point[65];
  std::size_t len = 0;
  Check(EVP_PKEY_get_octet_string_param(from, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &len) == 1, "get point");
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  char group[] = "P-256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
                         OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, len),
                         OSSL_PARAM_construct_end()};
  EVP_PKEY* pub = nullptr;
  Check(EVP_PKEY_fromdata_init(ctx) == 1 && EVP_PKEY_fromdata(ctx, &pub, EVP_PKEY_PUBLIC_KEY, params) == 1, "fromdata");
  EVP_PKEY_CTX_free(ctx);
  return pub;
}

void RawDerive(EVP_PKEY* mine, EVP_PKEY* peer, std::uint8_t* secret) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(mine, nullptr);
  std::size_t n = 32;
  Check(EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, peer) == 1 &&
            EVP_PKEY_derive(ctx, secret, &n) == 1 && n == 32,
        "ECDH derive");
  EVP_PKEY_CTX_free(ctx);
}

// The sum of the schedule's primitives: 2 keygens, 2 point encode/decode, 2 ECDH derives,
// 2 master-secret PRFs, 2 key-block PRFs + 4 cipher inits (RawSessionKeys), wipes and frees.
void BM_EcdheScheduleRaw(benchmark::State& state) {
  RawPrf prf;
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
  Randoms randoms;
  for (auto _ : state) {
    EVP_PKEY* client = RawP256Keygen();
    EVP_PKEY* server = RawP256Keygen();
    EVP_PKEY* server_pub = RawTransferPublic(server);
    EVP_PKEY* client_pub = RawTransferPublic(client);
    std::uint8_t pms[2][32], ms[2][48];
    RawDerive(client, server_pub, pms[0]);
    RawDerive(server, client_pub, pms[1]);
    for (int side = 0; side < 2; ++side) {
      prf.Derive(pms[side], 32, "master secret", randoms.cr, randoms.sr, ms[side], 48);
      RawSessionKeys(prf, cipher, ms[side], randoms);
    }
    OPENSSL_cleanse(pms, sizeof pms);
    OPENSSL_cleanse(ms, sizeof ms);
    for (EVP_PKEY* k : {client, server, server_pub, client_pub}) EVP_PKEY_free(k);
  }
  EVP_CIPHER_free(cipher);
}

BENCHMARK(BM_EcdheScheduleOurs)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EcdheScheduleRaw)->Unit(benchmark::kMicrosecond);

// ---- 4. RSA-2048 key transport ----------------------------------------------------------------

std::string KeyStoreDir() { return OPENSSLP_BENCH_KEY_STORE_DIR; }

ByteVec ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  Check(f.good(), path.c_str());
  return ByteVec(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

EVP_PKEY* LoadRsa2048() {
  BIO* bio = BIO_new_file((KeyStoreDir() + "/keys/rsa2048.key").c_str(), "r");
  Check(bio != nullptr, "open rsa2048.key");
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  Check(k != nullptr, "read rsa2048.key");
  return k;
}

void PutLe32(ByteVec& v, std::uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}

ByteVec BnBytes(EVP_PKEY* k, const char* name) {
  BIGNUM* bn = nullptr;
  Check(EVP_PKEY_get_bn_param(k, name, &bn) == 1, "get bn");
  ByteVec out(BN_num_bytes(bn));
  BN_bn2bin(bn, out.data());
  BN_free(bn);
  return out;
}

// BCRYPT_RSAPUBLIC_BLOB: header (magic, bits, cbPublicExp, cbModulus, 0, 0) ‖ e ‖ n.
ByteVec RsaPublicBlob(EVP_PKEY* k) {
  const ByteVec n = BnBytes(k, OSSL_PKEY_PARAM_RSA_N), e = BnBytes(k, OSSL_PKEY_PARAM_RSA_E);
  ByteVec blob;
  PutLe32(blob, 0x31415352);  // BCRYPT_RSAPUBLIC_MAGIC
  PutLe32(blob, static_cast<std::uint32_t>(n.size() * 8));
  PutLe32(blob, static_cast<std::uint32_t>(e.size()));
  PutLe32(blob, static_cast<std::uint32_t>(n.size()));
  PutLe32(blob, 0);
  PutLe32(blob, 0);
  blob.insert(blob.end(), e.begin(), e.end());
  blob.insert(blob.end(), n.begin(), n.end());
  return blob;
}

// Client SslGenerateMasterKey with the server's RSA public key (encrypts a fresh pre-master
// secret) + server SslImportMasterKey with the key-store private key (decrypts it), both master
// secrets derived, both handles freed.
void BM_RsaTransportOurs(benchmark::State& state) {
  const NCRYPT_PROV_HANDLE prov = OpenProvider();
  EVP_PKEY* rsa = LoadRsa2048();
  ByteVec blob = RsaPublicBlob(rsa);
  EVP_PKEY_free(rsa);
  NCRYPT_KEY_HANDLE pub = 0, priv = 0;
  Check(SslImportKey(prov, &pub, Wide(u"RSAPUBLICBLOB"), blob.data(), static_cast<DWORD>(blob.size()), 0),
        "SslImportKey(RSA)");
  // SslOpenPrivateKey finds the key through the key store named by OPENSSLP_KEY_STORE.
  setenv(OPENSSLP_KEY_STORE_ENV, (KeyStoreDir() + "/dir").c_str(), 1);
  ByteVec der = ReadFile(KeyStoreDir() + "/certs/rsa2048.der");
  CERT_CONTEXT cert = {X509_ASN_ENCODING, der.data(), static_cast<DWORD>(der.size()), nullptr, nullptr};
  Check(SslOpenPrivateKey(prov, &priv, &cert, 0), "SslOpenPrivateKey");
  Randoms randoms;
  std::uint8_t ct[256];
  for (auto _ : state) {
    NCRYPT_KEY_HANDLE cm = 0, sm = 0;
    DWORD len = 0;
    Check(SslGenerateMasterKey(prov, 0, pub, &cm, kTls12, kRsaGcm, randoms.get(true), ct, sizeof ct, &len,
                               NCRYPT_SSL_CLIENT_FLAG),
          "SslGenerateMasterKey(RSA)");
    Check(SslImportMasterKey(prov, priv, &sm, kTls12, kRsaGcm, randoms.get(true), ct, len, NCRYPT_SSL_SERVER_FLAG),
          "SslImportMasterKey");
    SslFreeObject(cm, 0);
    SslFreeObject(sm, 0);
  }
  for (NCRYPT_HANDLE h : {pub, priv, prov}) SslFreeObject(h, 0);
}

// Raw: random pre-master secret (version bytes set), RSA PKCS#1 v1.5 encrypt and decrypt, two
// master-secret PRFs. (No Bleichenbacher countermeasure on the raw side: OpenSSL 3.0's decrypt
// returns an error on bad padding, so the raw figure is a lower bound of a safe server.)
void BM_RsaTransportRaw(benchmark::State& state) {
  EVP_PKEY* rsa = LoadRsa2048();
  RawPrf prf;
  Randoms randoms;
  std::uint8_t pms[48], decrypted[256], ct[256], ms[2][48];
  for (auto _ : state) {
    RAND_bytes(pms, sizeof pms);
    pms[0] = 3, pms[1] = 3;
    EVP_PKEY_CTX* enc = EVP_PKEY_CTX_new(rsa, nullptr);
    std::size_t ct_len = sizeof ct;
    Check(EVP_PKEY_encrypt_init(enc) == 1 && EVP_PKEY_CTX_set_rsa_padding(enc, RSA_PKCS1_PADDING) == 1 &&
              EVP_PKEY_encrypt(enc, ct, &ct_len, pms, sizeof pms) == 1,
          "RSA encrypt");
    EVP_PKEY_CTX_free(enc);
    EVP_PKEY_CTX* dec = EVP_PKEY_CTX_new(rsa, nullptr);
    std::size_t pt_len = sizeof decrypted;
    Check(EVP_PKEY_decrypt_init(dec) == 1 && EVP_PKEY_CTX_set_rsa_padding(dec, RSA_PKCS1_PADDING) == 1 &&
              EVP_PKEY_decrypt(dec, decrypted, &pt_len, ct, ct_len) == 1 && pt_len == 48,
          "RSA decrypt");
    EVP_PKEY_CTX_free(dec);
    prf.Derive(pms, 48, "master secret", randoms.cr, randoms.sr, ms[0], 48);
    prf.Derive(decrypted, 48, "master secret", randoms.cr, randoms.sr, ms[1], 48);
    OPENSSL_cleanse(pms, sizeof pms);
    OPENSSL_cleanse(decrypted, sizeof decrypted);
    OPENSSL_cleanse(ms, sizeof ms);
  }
  EVP_PKEY_free(rsa);
}

BENCHMARK(BM_RsaTransportOurs)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RsaTransportRaw)->Unit(benchmark::kMicrosecond);

// ---- 5. TLS 1.3 record protection ---------------------------------------------------------------

constexpr DWORD kTls13 = TLS1_3_PROTOCOL_VERSION;
constexpr DWORD kTls13AesGcm = TLS_AES_128_GCM_SHA256;  // 0x1301
constexpr DWORD kTls13ChaCha = 0x1303;                  // TLS_CHACHA20_POLY1305_SHA256
constexpr DWORD kX25519KeyType = 29;                    // docs/keys.md: dwKeyType of x25519

NCRYPT_HASH_HANDLE Tls13Transcript(NCRYPT_PROV_HANDLE prov, DWORD suite, std::size_t messages_len) {
  NCRYPT_HASH_HANDLE h = 0;
  Check(SslCreateHandshakeHash(prov, &h, kTls13, suite, 0), "SslCreateHandshakeHash");
  ByteVec messages(messages_len, 0x5a);
  Check(SslHashHandshake(prov, h, messages.data(), static_cast<DWORD>(messages.size()), 0), "SslHashHandshake");
  return h;
}

// SSLECCPUBLICBLOB of an x25519 public key: IANA group id, key length, key (docs/keys.md).
ByteVec X25519PublicBlob(const std::uint8_t* pub) {
  ByteVec blob;
  PutLe32(blob, kX25519KeyType);
  PutLe32(blob, 32);
  blob.insert(blob.end(), pub, pub + 32);
  return blob;
}

// An x25519 key pair made by OpenSSL: the server's, whose public key the client imports.
struct RawX25519 {
  EVP_PKEY* key = nullptr;
  std::uint8_t pub[32];
  RawX25519() {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "X25519", nullptr);
    std::size_t len = sizeof pub;
    Check(ctx != nullptr && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_keygen(ctx, &key) == 1 &&
              EVP_PKEY_get_raw_public_key(key, pub, &len) == 1 && len == 32,
          "X25519 keygen");
    EVP_PKEY_CTX_free(ctx);
  }
  ~RawX25519() { EVP_PKEY_free(key); }
  RawX25519(const RawX25519&) = delete;
  RawX25519& operator=(const RawX25519&) = delete;
};

// One TLS 1.3 record key made through the API: an x25519 exchange, the early, handshake and master
// secrets, the client application traffic secret and SslExpandWriteKey. A TLS 1.3 key seals and
// opens (docs/tls13.md), so the same key serves both benchmarks.
struct Tls13RecordKey {
  NCRYPT_PROV_HANDLE prov = 0;
  NCRYPT_KEY_HANDLE key = 0;

  explicit Tls13RecordKey(DWORD suite) {
    prov = OpenProvider();
    RawX25519 server;
    const ByteVec blob = X25519PublicBlob(server.pub);
    NCRYPT_KEY_HANDLE eph = 0, peer = 0, early = 0, hs = 0, ms = 0, c_ap = 0, s_ap = 0;
    Check(SslCreateEphemeralKey(prov, &eph, kTls13, suite, kX25519KeyType, 0, nullptr, 0, 0), "SslCreateEphemeralKey");
    Check(SslImportKey(prov, &peer, Wide(u"SSLECCPUBLICBLOB"), const_cast<std::uint8_t*>(blob.data()),
                       static_cast<DWORD>(blob.size()), 0),
          "SslImportKey(x25519)");
    const NCRYPT_HASH_HANDLE h = Tls13Transcript(prov, suite, 512);
    Check(SslExtractEarlyKey(prov, 0, &early, kTls13, suite, nullptr, 0), "SslExtractEarlyKey");
    Check(SslExtractHandshakeKey(prov, eph, peer, early, &hs, nullptr, 0), "SslExtractHandshakeKey");
    Check(SslExtractMasterKey(prov, hs, &ms, nullptr, 0), "SslExtractMasterKey");
    Check(SslExpandTrafficKeys(prov, ms, h, &c_ap, &s_ap, nullptr, 0), "SslExpandTrafficKeys");
    Check(SslExpandWriteKey(prov, c_ap, &key, nullptr, 0), "SslExpandWriteKey");
    for (NCRYPT_HANDLE x : {eph, peer, early, hs, ms, c_ap, s_ap, h}) SslFreeObject(x, 0);
  }
  ~Tls13RecordKey() {
    SslFreeObject(key, 0);
    SslFreeObject(prov, 0);
  }
  Tls13RecordKey(const Tls13RecordKey&) = delete;
  Tls13RecordKey& operator=(const Tls13RecordKey&) = delete;
};

// The raw counterpart of a TLS 1.3 record key (RFC 8446 §5.2-§5.3): one context per direction,
// key set once; per record the nonce (iv XOR seq), the 5-byte header as additional data, the
// content and then the inner content type byte through the cipher, the tag. Opening decrypts
// straight into the caller's buffer and finds the content type as the last non-zero byte.
class RawTls13Aead {
 public:
  RawTls13Aead(DWORD suite, bool encrypt) {
    cipher_ = EVP_CIPHER_fetch(nullptr, suite == kTls13AesGcm ? "AES-128-GCM" : "ChaCha20-Poly1305", nullptr);
    Check(cipher_ != nullptr, "EVP_CIPHER_fetch");
    ctx_ = EVP_CIPHER_CTX_new();
    std::uint8_t key[32];
    std::memset(key, 0x42, sizeof key);
    std::memset(iv_, 0x24, sizeof iv_);
    Check(EVP_CipherInit_ex(ctx_, cipher_, nullptr, key, nullptr, encrypt ? 1 : 0) == 1, "EVP_CipherInit_ex");
  }
  ~RawTls13Aead() {
    EVP_CIPHER_CTX_free(ctx_);
    EVP_CIPHER_free(cipher_);
  }
  RawTls13Aead(const RawTls13Aead&) = delete;
  RawTls13Aead& operator=(const RawTls13Aead&) = delete;

  // header ‖ AEAD(content ‖ type) ‖ tag, like SslEncryptPacket for TLS 1.3.
  std::size_t Seal(std::uint64_t seq, std::uint8_t type, const std::uint8_t* in, std::size_t len, std::uint8_t* out) {
    std::uint8_t nonce[12];
    MakeNonce(seq, nonce);
    const std::size_t fragment = len + 1 + kTag;
    out[0] = 23, out[1] = 3, out[2] = 3, out[3] = static_cast<std::uint8_t>(fragment >> 8);
    out[4] = static_cast<std::uint8_t>(fragment);
    std::uint8_t* body = out + kHeader;
    int n = 0;
    Check(EVP_EncryptInit_ex(ctx_, nullptr, nullptr, nullptr, nonce) == 1 &&
              EVP_EncryptUpdate(ctx_, nullptr, &n, out, kHeader) == 1 &&
              EVP_EncryptUpdate(ctx_, body, &n, in, static_cast<int>(len)) == 1 &&
              EVP_EncryptUpdate(ctx_, body + len, &n, &type, 1) == 1 &&
              EVP_EncryptFinal_ex(ctx_, body + len + 1, &n) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_GET_TAG, kTag, body + len + 1) == 1,
          "raw TLS 1.3 seal");
    return kHeader + fragment;
  }

  // The content followed by its type (the SslDecryptPacket convention); returns its length.
  std::size_t Open(std::uint64_t seq, const std::uint8_t* in, std::size_t in_len, std::uint8_t* out) {
    const std::size_t len = in_len - kHeader - kTag;
    const std::uint8_t* body = in + kHeader;
    std::uint8_t nonce[12], tag[kTag];
    MakeNonce(seq, nonce);
    std::memcpy(tag, body + len, kTag);
    int n = 0;
    Check(EVP_DecryptInit_ex(ctx_, nullptr, nullptr, nullptr, nonce) == 1 &&
              EVP_DecryptUpdate(ctx_, nullptr, &n, in, kHeader) == 1 &&
              EVP_DecryptUpdate(ctx_, out, &n, body, static_cast<int>(len)) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_SET_TAG, kTag, tag) == 1 &&
              EVP_DecryptFinal_ex(ctx_, out + n, &n) == 1,
          "raw TLS 1.3 open");
    std::size_t end = len;
    while (end > 0 && out[end - 1] == 0) --end;  // RFC 8446 §5.4: zero padding, then the type
    return end;
  }

 private:
  void MakeNonce(std::uint64_t seq, std::uint8_t* nonce) const {
    std::uint8_t s[8];
    StoreBe64(s, seq);
    std::memcpy(nonce, iv_, 12);
    for (int i = 0; i < 8; ++i) nonce[4 + i] ^= s[i];
  }

  EVP_CIPHER* cipher_ = nullptr;
  EVP_CIPHER_CTX* ctx_ = nullptr;
  std::uint8_t iv_[12];
};

void SetTls13RecordCounters(benchmark::State& state, std::size_t len) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * len));
  state.SetLabel(state.range(0) == kTls13AesGcm ? "TLS 1.3 AES-128-GCM" : "TLS 1.3 ChaCha20-Poly1305");
}

// Encrypt: one application-data record per iteration, sequence number +1 each time.
void BM_Tls13EncryptOurs(benchmark::State& state) {
  const DWORD suite = static_cast<DWORD>(state.range(0));
  const std::size_t len = static_cast<std::size_t>(state.range(1));
  Tls13RecordKey k(suite);
  ByteVec in(len, 0x17), out(len + 64);
  std::uint64_t seq = 0;
  DWORD written = 0;
  for (auto _ : state) {
    Check(SslEncryptPacket(k.prov, k.key, in.data(), static_cast<DWORD>(len), out.data(),
                           static_cast<DWORD>(out.size()), &written, seq++, 23, 0),
          "SslEncryptPacket(TLS 1.3)");
    benchmark::DoNotOptimize(out.data());
  }
  SetTls13RecordCounters(state, len);
}

void BM_Tls13EncryptRaw(benchmark::State& state) {
  const DWORD suite = static_cast<DWORD>(state.range(0));
  const std::size_t len = static_cast<std::size_t>(state.range(1));
  RawTls13Aead raw(suite, true);
  ByteVec in(len, 0x17), out(len + 64);
  std::uint64_t seq = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(raw.Seal(seq++, 23, in.data(), len, out.data()));
    benchmark::DoNotOptimize(out.data());
  }
  SetTls13RecordCounters(state, len);
}

// Decrypt: a ring of kRing records sealed before the timed loop (sequence numbers 0..kRing-1),
// reopened in turn with each record's own number (opening keeps no sequence state).
void BM_Tls13DecryptOurs(benchmark::State& state) {
  const DWORD suite = static_cast<DWORD>(state.range(0));
  const std::size_t len = static_cast<std::size_t>(state.range(1));
  Tls13RecordKey k(suite);
  ByteVec in(len, 0x17), out(len + 64);
  std::vector<ByteVec> ring(kRing, ByteVec(len + 64));
  DWORD written = 0;
  for (std::size_t i = 0; i < kRing; ++i) {
    Check(SslEncryptPacket(k.prov, k.key, in.data(), static_cast<DWORD>(len), ring[i].data(),
                           static_cast<DWORD>(ring[i].size()), &written, i, 23, 0),
          "SslEncryptPacket(TLS 1.3)");
    ring[i].resize(written);
  }
  std::size_t i = 0;
  for (auto _ : state) {
    ByteVec& record = ring[i];
    Check(SslDecryptPacket(k.prov, k.key, record.data(), static_cast<DWORD>(record.size()), out.data(),
                           static_cast<DWORD>(out.size()), &written, i, 0),
          "SslDecryptPacket(TLS 1.3)");
    benchmark::DoNotOptimize(out.data());
    i = (i + 1) % kRing;
  }
  SetTls13RecordCounters(state, len);
}

void BM_Tls13DecryptRaw(benchmark::State& state) {
  const DWORD suite = static_cast<DWORD>(state.range(0));
  const std::size_t len = static_cast<std::size_t>(state.range(1));
  RawTls13Aead sealer(suite, true), opener(suite, false);
  ByteVec in(len, 0x17), out(len + 64);
  std::vector<ByteVec> ring(kRing, ByteVec(len + 64));
  for (std::size_t i = 0; i < kRing; ++i) ring[i].resize(sealer.Seal(i, 23, in.data(), len, ring[i].data()));
  std::size_t i = 0;
  for (auto _ : state) {
    const ByteVec& record = ring[i];
    benchmark::DoNotOptimize(opener.Open(i, record.data(), record.size(), out.data()));
    benchmark::DoNotOptimize(out.data());
    i = (i + 1) % kRing;
  }
  SetTls13RecordCounters(state, len);
}

void Tls13RecordArgs(benchmark::internal::Benchmark* b) {
  for (std::int64_t suite : {std::int64_t{kTls13AesGcm}, std::int64_t{kTls13ChaCha}}) {
    for (std::int64_t len : {64, 1024, 16384}) b->Args({suite, len});
  }
  b->ArgNames({"suite", "bytes"});
}

BENCHMARK(BM_Tls13EncryptOurs)->Apply(Tls13RecordArgs);
BENCHMARK(BM_Tls13EncryptRaw)->Apply(Tls13RecordArgs);
BENCHMARK(BM_Tls13DecryptOurs)->Apply(Tls13RecordArgs);
BENCHMARK(BM_Tls13DecryptRaw)->Apply(Tls13RecordArgs);

// ---- 6. a TLS 1.3 client key schedule -----------------------------------------------------------

// The transcripts a client hashes the schedule over (through ServerHello, through the server's
// CertificateVerify, through its Finished), made once: hashing messages is not schedule work.
struct Tls13Transcripts {
  NCRYPT_HASH_HANDLE through_sh, through_cv, through_sf;
  explicit Tls13Transcripts(NCRYPT_PROV_HANDLE prov)
      : through_sh(Tls13Transcript(prov, kTls13AesGcm, 300)),
        through_cv(Tls13Transcript(prov, kTls13AesGcm, 1200)),
        through_sf(Tls13Transcript(prov, kTls13AesGcm, 1236)) {}
  void Free() {
    for (NCRYPT_HASH_HANDLE h : {through_sh, through_cv, through_sf}) SslFreeObject(h, 0);
  }
};

// Measured work, one TLS_AES_128_GCM_SHA256 client: SslCreateEphemeralKey (x25519), SslImportKey
// of the server's share, SslExtractEarlyKey, SslExtractHandshakeKey, SslExpandTrafficKeys (handshake),
// SslExtractMasterKey, SslExpandTrafficKeys (application), 4 × SslExpandWriteKey, 2 ×
// SslComputeFinishedHash (server's, client's), SslFreeObject of all 13 handles.
void BM_Tls13ScheduleOurs(benchmark::State& state) {
  const NCRYPT_PROV_HANDLE prov = OpenProvider();
  RawX25519 server;
  ByteVec blob = X25519PublicBlob(server.pub);
  Tls13Transcripts t(prov);
  std::uint8_t finished[2][32];
  for (auto _ : state) {
    NCRYPT_KEY_HANDLE eph = 0, peer = 0, early = 0, hs = 0, ms = 0, c_hs = 0, s_hs = 0, c_ap = 0, s_ap = 0;
    NCRYPT_KEY_HANDLE keys[4] = {};
    Check(SslCreateEphemeralKey(prov, &eph, kTls13, kTls13AesGcm, kX25519KeyType, 0, nullptr, 0, 0),
          "SslCreateEphemeralKey");
    Check(SslImportKey(prov, &peer, Wide(u"SSLECCPUBLICBLOB"), blob.data(), static_cast<DWORD>(blob.size()), 0),
          "SslImportKey");
    Check(SslExtractEarlyKey(prov, 0, &early, kTls13, kTls13AesGcm, nullptr, 0), "SslExtractEarlyKey");
    Check(SslExtractHandshakeKey(prov, eph, peer, early, &hs, nullptr, 0), "SslExtractHandshakeKey");
    Check(SslExpandTrafficKeys(prov, hs, t.through_sh, &c_hs, &s_hs, nullptr, 0), "SslExpandTrafficKeys(hs)");
    Check(SslExtractMasterKey(prov, hs, &ms, nullptr, 0), "SslExtractMasterKey");
    Check(SslExpandTrafficKeys(prov, ms, t.through_sf, &c_ap, &s_ap, nullptr, 0), "SslExpandTrafficKeys(ap)");
    const NCRYPT_KEY_HANDLE traffic[4] = {c_hs, s_hs, c_ap, s_ap};
    for (int i = 0; i < 4; ++i) Check(SslExpandWriteKey(prov, traffic[i], &keys[i], nullptr, 0), "SslExpandWriteKey");
    Check(SslComputeFinishedHash(prov, s_hs, t.through_cv, finished[0], 32, NCRYPT_SSL_SERVER_FLAG),
          "SslComputeFinishedHash(server)");
    Check(SslComputeFinishedHash(prov, c_hs, t.through_sf, finished[1], 32, NCRYPT_SSL_CLIENT_FLAG),
          "SslComputeFinishedHash(client)");
    benchmark::DoNotOptimize(finished);
    for (NCRYPT_KEY_HANDLE h : {eph, peer, early, hs, ms, c_hs, s_hs, c_ap, s_ap, keys[0], keys[1], keys[2], keys[3]}) {
      SslFreeObject(h, 0);
    }
  }
  t.Free();
  SslFreeObject(prov, 0);
}

// The same derivations straight on OpenSSL: EVP_KDF "TLS13-KDF" (fetched once, one context reset
// per derive) for every Extract and Expand-Label (RFC 8446 §7.1, §7.3), EVP_MAC HMAC for the two
// Finished (§4.4.4), X25519 keygen and EVP_PKEY_derive, transcript hashes by EVP_MD_CTX copy +
// final, one keyed EVP_CIPHER_CTX per record key (a raw stack needs one per direction; ours hold
// two and a decryption scratch buffer), secrets wiped, everything freed.
class RawTls13Kdf {
 public:
  RawTls13Kdf() {
    kdf_ = EVP_KDF_fetch(nullptr, "TLS13-KDF", nullptr);
    Check(kdf_ != nullptr, "EVP_KDF_fetch(TLS13-KDF)");
    ctx_ = EVP_KDF_CTX_new(kdf_);
  }
  ~RawTls13Kdf() {
    EVP_KDF_CTX_free(ctx_);
    EVP_KDF_free(kdf_);
  }
  RawTls13Kdf(const RawTls13Kdf&) = delete;
  RawTls13Kdf& operator=(const RawTls13Kdf&) = delete;

  // HKDF-Extract(salt = Derive-Secret(previous, "derived", "") or 0, ikm or 0) (§7.1).
  void Extract(const std::uint8_t* previous, const std::uint8_t* ikm, std::size_t ikm_len, std::uint8_t* out) {
    OSSL_PARAM params[7];
    std::size_t n = Common(params, "EXTRACT_ONLY", "derived");
    if (previous != nullptr) params[n++] = OctetParam(OSSL_KDF_PARAM_SALT, previous, 32);
    if (ikm != nullptr) params[n++] = OctetParam(OSSL_KDF_PARAM_KEY, ikm, ikm_len);
    params[n] = OSSL_PARAM_construct_end();
    Derive(params, out, 32);
  }
  // HKDF-Expand-Label(secret, label, context, n) (§7.1).
  void ExpandLabel(const std::uint8_t* secret, const char* label, const std::uint8_t* context, std::size_t context_len,
                   std::uint8_t* out, std::size_t out_len) {
    OSSL_PARAM params[7];
    std::size_t n = Common(params, "EXPAND_ONLY", label);
    params[n++] = OctetParam(OSSL_KDF_PARAM_KEY, secret, 32);
    if (context_len != 0) params[n++] = OctetParam(OSSL_KDF_PARAM_DATA, context, context_len);
    params[n] = OSSL_PARAM_construct_end();
    Derive(params, out, out_len);
  }

 private:
  static OSSL_PARAM OctetParam(const char* key, const std::uint8_t* p, std::size_t len) {
    return OSSL_PARAM_construct_octet_string(key, const_cast<std::uint8_t*>(p), len);
  }
  std::size_t Common(OSSL_PARAM* params, const char* mode, const char* label) {
    static char digest[] = "SHA256";
    static char prefix[] = "tls13 ";
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
    params[1] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, const_cast<char*>(mode), 0);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PREFIX, prefix, 6);
    params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_LABEL, const_cast<char*>(label), std::strlen(label));
    return 4;
  }
  void Derive(const OSSL_PARAM* params, std::uint8_t* out, std::size_t out_len) {
    EVP_KDF_CTX_reset(ctx_);  // no salt / data left over from the previous derive
    Check(EVP_KDF_derive(ctx_, out, out_len, params) == 1, "EVP_KDF_derive(TLS13-KDF)");
  }

  EVP_KDF* kdf_ = nullptr;
  EVP_KDF_CTX* ctx_ = nullptr;
};

// Hash(transcript so far) without disturbing the running hash.
void RawTranscriptHash(EVP_MD_CTX* scratch, const EVP_MD_CTX* running, std::uint8_t* out) {
  unsigned int len = 0;
  Check(EVP_MD_CTX_copy_ex(scratch, running) == 1 && EVP_DigestFinal_ex(scratch, out, &len) == 1 && len == 32,
        "transcript hash");
}

EVP_MD_CTX* RawRunningTranscript(const EVP_MD* md, std::size_t messages_len) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ByteVec messages(messages_len, 0x5a);
  Check(EVP_DigestInit_ex(ctx, md, nullptr) == 1 && EVP_DigestUpdate(ctx, messages.data(), messages.size()) == 1,
        "transcript");
  return ctx;
}

void BM_Tls13ScheduleRaw(benchmark::State& state) {
  RawTls13Kdf kdf;
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* mac = EVP_MAC_CTX_new(hmac);
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
  EVP_PKEY_CTX* keygen = EVP_PKEY_CTX_new_from_name(nullptr, "X25519", nullptr);
  Check(md != nullptr && mac != nullptr && cipher != nullptr && keygen != nullptr && EVP_PKEY_keygen_init(keygen) == 1,
        "raw TLS 1.3 setup");
  char sha256[] = "SHA256";
  const OSSL_PARAM mac_params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, sha256, 0),
                                   OSSL_PARAM_construct_end()};
  Check(EVP_MAC_CTX_set_params(mac, mac_params) == 1, "HMAC digest");
  RawX25519 server;
  EVP_MD_CTX* through_sh = RawRunningTranscript(md, 300);
  EVP_MD_CTX* through_cv = RawRunningTranscript(md, 1200);
  EVP_MD_CTX* through_sf = RawRunningTranscript(md, 1236);
  EVP_MD_CTX* scratch = EVP_MD_CTX_new();
  std::uint8_t finished[2][32];
  for (auto _ : state) {
    // x25519: our key pair, the server's share parsed, the shared secret.
    EVP_PKEY* eph = nullptr;
    Check(EVP_PKEY_keygen(keygen, &eph) == 1, "X25519 keygen");
    EVP_PKEY* peer = EVP_PKEY_new_raw_public_key_ex(nullptr, "X25519", nullptr, server.pub, 32);
    EVP_PKEY_CTX* derive = EVP_PKEY_CTX_new_from_pkey(nullptr, eph, nullptr);
    std::uint8_t shared[32];
    std::size_t shared_len = sizeof shared;
    Check(peer != nullptr && derive != nullptr && EVP_PKEY_derive_init(derive) == 1 &&
              EVP_PKEY_derive_set_peer(derive, peer) == 1 && EVP_PKEY_derive(derive, shared, &shared_len) == 1,
          "X25519 derive");
    // The schedule (RFC 8446 §7.1).
    std::uint8_t early[32], hs[32], ms[32], traffic[4][32], th[32], key[16], iv[12], finished_key[32];
    kdf.Extract(nullptr, nullptr, 0, early);
    kdf.Extract(early, shared, shared_len, hs);
    RawTranscriptHash(scratch, through_sh, th);
    kdf.ExpandLabel(hs, "c hs traffic", th, 32, traffic[0], 32);
    kdf.ExpandLabel(hs, "s hs traffic", th, 32, traffic[1], 32);
    kdf.Extract(hs, nullptr, 0, ms);
    RawTranscriptHash(scratch, through_sf, th);
    kdf.ExpandLabel(ms, "c ap traffic", th, 32, traffic[2], 32);
    kdf.ExpandLabel(ms, "s ap traffic", th, 32, traffic[3], 32);
    // Four record keys (§7.3): key, iv, a keyed cipher context.
    EVP_CIPHER_CTX* records[4];
    for (int i = 0; i < 4; ++i) {
      kdf.ExpandLabel(traffic[i], "key", nullptr, 0, key, sizeof key);
      kdf.ExpandLabel(traffic[i], "iv", nullptr, 0, iv, sizeof iv);
      records[i] = EVP_CIPHER_CTX_new();
      Check(records[i] != nullptr && EVP_CipherInit_ex2(records[i], cipher, key, nullptr, 1, nullptr) == 1,
            "record key");
    }
    // Two Finished (§4.4.4): HMAC(Expand-Label(traffic, "finished", "", 32), transcript hash).
    for (int side = 0; side < 2; ++side) {
      RawTranscriptHash(scratch, side == 0 ? through_cv : through_sf, th);
      kdf.ExpandLabel(traffic[side == 0 ? 1 : 0], "finished", nullptr, 0, finished_key, 32);
      std::size_t out_len = 0;
      Check(EVP_MAC_init(mac, finished_key, 32, nullptr) == 1 && EVP_MAC_update(mac, th, 32) == 1 &&
                EVP_MAC_final(mac, finished[side], &out_len, 32) == 1,
            "Finished HMAC");
    }
    benchmark::DoNotOptimize(finished);
    OPENSSL_cleanse(shared, sizeof shared);
    OPENSSL_cleanse(early, sizeof early);
    OPENSSL_cleanse(hs, sizeof hs);
    OPENSSL_cleanse(ms, sizeof ms);
    OPENSSL_cleanse(traffic, sizeof traffic);
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(iv, sizeof iv);
    OPENSSL_cleanse(finished_key, sizeof finished_key);
    for (EVP_CIPHER_CTX* c : records) EVP_CIPHER_CTX_free(c);
    EVP_PKEY_CTX_free(derive);
    EVP_PKEY_free(peer);
    EVP_PKEY_free(eph);
  }
  for (EVP_MD_CTX* c : {through_sh, through_cv, through_sf, scratch}) EVP_MD_CTX_free(c);
  EVP_PKEY_CTX_free(keygen);
  EVP_CIPHER_free(cipher);
  EVP_MAC_CTX_free(mac);
  EVP_MAC_free(hmac);
  EVP_MD_free(md);
}

BENCHMARK(BM_Tls13ScheduleOurs)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Tls13ScheduleRaw)->Unit(benchmark::kMicrosecond);

// ---- the ratio summary ------------------------------------------------------------------------

// Collects the CPU time per iteration of every run and, at the end, prints raw_time / our_time
// for each "...Ours/<args>" that has a "...Raw/<args>" twin. CPU time rather than wall time: the
// benchmarks are single-threaded and the build machine is shared, so wall time carries other
// processes' noise. With --benchmark_repetitions=N the median of the repetitions is used.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  // Colour only on a terminal, so a redirected run is plain text (Linux-only program: isatty).
  RatioReporter() : ConsoleReporter(isatty(STDOUT_FILENO) != 0 ? OO_ColorTabular : OO_Tabular) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const std::string name = run.run_name.str();
      if (run.run_type == Run::RT_Aggregate) {
        if (run.aggregate_name != "median") continue;
        median_.insert(name);
      } else if (median_.count(name) != 0) {
        continue;  // a median for this benchmark is (or will be) reported
      }
      times_[name] = run.GetAdjustedCPUTime();
      units_[name] = run.time_unit;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\nratio = raw_time / our_time, CPU time (1.00 = no overhead; higher is better)\n");
    for (const auto& [name, ours] : times_) {
      const std::size_t at = name.find("Ours");
      if (at == std::string::npos) continue;
      std::string raw_name = name;
      raw_name.replace(at, 4, "Raw");
      const auto raw = times_.find(raw_name);
      if (raw == times_.end() || ours <= 0) continue;
      std::printf("  %-52s ours %12.3f  raw %12.3f %s  ratio %.3f\n", name.c_str(), ours, raw->second,
                  benchmark::GetTimeUnitString(units_[name]), raw->second / ours);
    }
  }

 private:
  std::map<std::string, double> times_;
  std::map<std::string, benchmark::TimeUnit> units_;
  std::set<std::string> median_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
