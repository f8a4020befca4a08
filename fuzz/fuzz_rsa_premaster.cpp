// fuzz_rsa_premaster.cpp - the server side of RSA key transport: SslImportMasterKey with the RSA
// private key SslOpenPrivateKey opens for a certificate (the key store, docs/key-store.md: the
// fixtures of tests/data/keystore, rsa2048), decrypting the client's EncryptedPreMasterSecret
// (PKCS#1 v1.5) with implicit rejection (RFC 5246 §7.4.7.1).
//
// Input: byte 0 selects
//   bits 0-1  protocol and suite: TLS 1.2 0x009C (PRF SHA-256), TLS 1.2 0x009D (PRF SHA-384),
//             TLS 1.0 0x002F, TLS 1.1 0x0035 (PRF MD5-SHA1)
//   bits 2-3  NCRYPTBUFFER_SSL_HIGHEST_VERSION (the client_version the pre-master must start
//             with): 0x0303, 0x0302, 0x0301, 0x0304
//   bit 4     extended master secret (a session hash instead of the randoms)
//   bit 5     the TLS 1.0+ two-byte length prefix in front of the ciphertext
//   bits 6-7  what the rest is: 0 the ciphertext itself; 1 length(2, big-endian, mod 2200) and
//             the start of a ciphertext, zero-filled or cut to that length; 2 a plaintext the harness
//             encrypts with PKCS#1 v1.5 (EVP, the certificate's public key); 3 the padded block
//             itself, encrypted raw (RSA_NO_PADDING; first byte forced to 0 so it is < n), so the
//             fuzzer controls the PKCS#1 padding.
// Reference: the harness decrypts the same ciphertext raw with OpenSSL and checks the PKCS#1 type
// 2 padding, the 48-byte length and the version itself.
// Oracles: documented statuses only; implicit rejection: for every ciphertext of 1..2050 bytes the
// status is the one a valid ciphertext gets with the same parameters (0 for all of these
// parameter sets; checked at start-up); no handle left behind; a ciphertext the reference finds
// valid gives the master secret of that pre-master (RFC 5705 exporter through
// SslExportKeyingMaterial compared with OpenSSL's TLS1-PRF of the reference master secret: the
// client's side); a well-padded 48-byte pre-master with another version never gives that master
// secret (no version rollback).
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "opensslp/opensslp.h"
#include "opensslp/win_types.h"

using namespace opensslp::fuzz;

namespace {

using Bytes = std::vector<std::uint8_t>;

struct Config {
  DWORD protocol;
  DWORD suite;
  const char* prf;
};
constexpr Config kConfigs[] = {
    {TLS1_2_PROTOCOL_VERSION, 0x009C, "SHA256"},    // TLS_RSA_WITH_AES_128_GCM_SHA256
    {TLS1_2_PROTOCOL_VERSION, 0x009D, "SHA384"},    // TLS_RSA_WITH_AES_256_GCM_SHA384
    {TLS1_0_PROTOCOL_VERSION, 0x002F, "MD5-SHA1"},  // TLS_RSA_WITH_AES_128_CBC_SHA
    {TLS1_1_PROTOCOL_VERSION, 0x0035, "MD5-SHA1"},  // TLS_RSA_WITH_AES_256_CBC_SHA
};
constexpr DWORD kVersions[] = {0x0303, 0x0302, 0x0301, 0x0304};
constexpr std::size_t kMaxEncrypted = 16384 / 8 + 2;  // what SslImportMasterKey accepts at most

std::string KeyStoreDir() {
  std::string here = __FILE__;  // <root>/fuzz/fuzz_rsa_premaster.cpp
  const std::size_t slash = here.find_last_of('/');
  return (slash == std::string::npos ? std::string(".") : here.substr(0, slash)) + "/../tests/data/keystore";
}

Bytes ReadFile(const std::string& path) {
  Bytes out;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    std::fprintf(stderr, "fuzz setup: cannot read %s\n", path.c_str());
    std::abort();
  }
  std::uint8_t buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + n);
  std::fclose(f);
  return out;
}

struct Fixture {
  EVP_PKEY* rsa = nullptr;    // the key store's private key, for the reference
  NCRYPT_KEY_HANDLE key = 0;  // SslOpenPrivateKey's handle (lives for the run)
  std::size_t k = 0;
  Bytes cr = Bytes(32), sr = Bytes(32), session_hash = Bytes(48);
  SECURITY_STATUS valid_status[4][4][2] = {};  // what a valid ciphertext gets, per parameter set
};

Fixture& Fix();

Bytes Prf(const char* digest, const Bytes& secret, const std::string& label, const Bytes& seed, std::size_t n) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr);
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  Bytes full(label.begin(), label.end());
  full.insert(full.end(), seed.begin(), seed.end());
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, const_cast<std::uint8_t*>(secret.data()), secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, full.data(), full.size()), OSSL_PARAM_construct_end()};
  Bytes out(n);
  Require(ctx != nullptr && EVP_KDF_derive(ctx, out.data(), n, params) == 1, "OpenSSL TLS1-PRF (reference)");
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(kdf);
  return out;
}

Bytes Randoms() {
  Bytes r = Fix().cr;
  r.insert(r.end(), Fix().sr.begin(), Fix().sr.end());
  return r;
}

// What SslExportKeyingMaterial must give for the master secret of `premaster`.
Bytes ReferenceExport(const Config& c, bool ems, const Bytes& premaster) {
  const Bytes master = ems ? Prf(c.prf, premaster, "extended master secret", Fix().session_hash, 48)
                           : Prf(c.prf, premaster, "master secret", Randoms(), 48);
  return Prf(c.prf, master, "EXPORTER-opensslp-fuzz", Randoms(), 32);
}

Bytes ProviderExport(NCRYPT_KEY_HANDLE master) {
  Bytes randoms = Randoms(), out(32);
  char label[] = "EXPORTER-opensslp-fuzz";
  Require(
      CheckStatus(SslExportKeyingMaterial(Provider(), master, label, randoms.data(), 64, nullptr, 0, out.data(), 32, 0),
                  "SslExportKeyingMaterial") == 0,
      "an imported master key exports keying material");
  return out;
}

// SslImportMasterKey; the master handle (0 on failure) and the status.
NCRYPT_KEY_HANDLE Import(std::size_t config, std::size_t version, bool ems, Bytes ciphertext, SECURITY_STATUS* rc) {
  const Config& c = kConfigs[config];
  DWORD highest = kVersions[version];
  Fixture& f = Fix();
  std::vector<NCryptBuffer> buffers;
  if (ems) {
    buffers.push_back(
        {static_cast<ULONG>(f.session_hash.size()), NCRYPTBUFFER_SSL_SESSION_HASH, f.session_hash.data()});
  } else {
    buffers.push_back({32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, f.cr.data()});
    buffers.push_back({32, NCRYPTBUFFER_SSL_SERVER_RANDOM, f.sr.data()});
  }
  buffers.push_back({4, NCRYPTBUFFER_SSL_HIGHEST_VERSION, &highest});
  NCryptBufferDesc desc = {NCRYPTBUFFER_VERSION, static_cast<ULONG>(buffers.size()), buffers.data()};
  NCRYPT_KEY_HANDLE master = 0x5A5A;
  *rc = CheckStatus(SslImportMasterKey(Provider(), f.key, &master, c.protocol, c.suite, &desc,
                                       ciphertext.empty() ? nullptr : ciphertext.data(),
                                       static_cast<DWORD>(ciphertext.size()), NCRYPT_SSL_SERVER_FLAG),
                    "SslImportMasterKey");
  if (*rc != 0) {
    Require(master == 0x5A5A, "a failed SslImportMasterKey writes no handle");
    return 0;
  }
  return master;
}

Bytes EncryptPkcs1(const Bytes& plaintext) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(Fix().rsa, nullptr);
  std::size_t len = Fix().k;
  Bytes out(len);
  const bool ok = ctx != nullptr && EVP_PKEY_encrypt_init(ctx) == 1 &&
                  EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
                  EVP_PKEY_encrypt(ctx, out.data(), &len, plaintext.data(), plaintext.size()) == 1;
  EVP_PKEY_CTX_free(ctx);
  Require(ok && len == Fix().k, "OpenSSL PKCS#1 v1.5 encryption (reference)");
  return out;
}

// Raw RSA (no padding) of a k-byte block below the modulus: encrypt or decrypt.
std::optional<Bytes> RawRsa(bool encrypt, const Bytes& in) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(Fix().rsa, nullptr);
  std::size_t len = Fix().k;
  Bytes out(len);
  const bool ok = ctx != nullptr && (encrypt ? EVP_PKEY_encrypt_init(ctx) : EVP_PKEY_decrypt_init(ctx)) == 1 &&
                  EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1 &&
                  (encrypt ? EVP_PKEY_encrypt(ctx, out.data(), &len, in.data(), in.size())
                           : EVP_PKEY_decrypt(ctx, out.data(), &len, in.data(), in.size())) == 1;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) return std::nullopt;
  if (len < Fix().k) out.insert(out.begin(), Fix().k - len, 0);  // keep the leading zeros
  out.resize(Fix().k);
  return out;
}

// The reference decryption: the message of a well-formed PKCS#1 v1.5 type 2 block (RFC 8017
// §7.2.2: 00 02, at least 8 non-zero padding bytes, 00, message), or nothing.
std::optional<Bytes> ReferenceMessage(Bytes ciphertext) {
  const std::size_t k = Fix().k;
  if (ciphertext.size() == k + 2 && (std::size_t{ciphertext[0]} << 8 | ciphertext[1]) == k)
    ciphertext.erase(ciphertext.begin(), ciphertext.begin() + 2);
  if (ciphertext.size() != k) return std::nullopt;
  const std::optional<Bytes> block = RawRsa(false, ciphertext);
  if (!block || (*block)[0] != 0 || (*block)[1] != 2) return std::nullopt;
  std::size_t i = 2;
  while (i < k && (*block)[i] != 0) ++i;
  if (i == k || i < 10) return std::nullopt;
  return Bytes(block->begin() + static_cast<std::ptrdiff_t>(i + 1), block->end());
}

Fixture& Fix() {
  static Fixture* fixture = [] {
    auto* f = new Fixture;
    for (int i = 0; i < 32; ++i)
      f->cr[i] = static_cast<std::uint8_t>(0x10 + i), f->sr[i] = static_cast<std::uint8_t>(0x80 + i);
    for (int i = 0; i < 48; ++i) f->session_hash[i] = static_cast<std::uint8_t>(0xE0 ^ i);
    const std::string store = KeyStoreDir();
    std::FILE* pem = std::fopen((store + "/keys/rsa2048.key").c_str(), "r");
    Require(pem != nullptr, "fuzz setup: tests/data/keystore/keys/rsa2048.key");
    f->rsa = PEM_read_PrivateKey(pem, nullptr, nullptr, nullptr);
    std::fclose(pem);
    Require(f->rsa != nullptr, "fuzz setup: loading rsa2048.key");
    f->k = static_cast<std::size_t>(EVP_PKEY_get_size(f->rsa));
    // SslOpenPrivateKey through the key store's directory form; the store is read at the open only.
    setenv(OPENSSLP_KEY_STORE_ENV, (store + "/dir").c_str(), 1);
    static Bytes der = ReadFile(store + "/certs/rsa2048.der");
    static CERT_CONTEXT cert = {X509_ASN_ENCODING, der.data(), static_cast<DWORD>(der.size()), nullptr, nullptr};
    Require(SslOpenPrivateKey(Provider(), &f->key, &cert, 0) == 0, "fuzz setup: SslOpenPrivateKey(rsa2048)");
    return f;
  }();
  return *fixture;
}

// At start-up: a valid ciphertext under every parameter set; its status is what every other
// ciphertext must get, and with a matching version it gives the client's master secret.
void CheckValidCiphertexts() {
  Fixture& f = Fix();
  for (std::size_t c = 0; c < 4; ++c)
    for (std::size_t v = 0; v < 4; ++v)
      for (int ems = 0; ems < 2; ++ems) {
        Bytes pms(48);
        for (int i = 0; i < 48; ++i) pms[i] = static_cast<std::uint8_t>(i * 7 + 1);
        pms[0] = static_cast<std::uint8_t>(kVersions[v] >> 8);
        pms[1] = static_cast<std::uint8_t>(kVersions[v]);
        SECURITY_STATUS rc = 0;
        const NCRYPT_KEY_HANDLE master = Import(c, v, ems != 0, EncryptPkcs1(pms), &rc);
        f.valid_status[c][v][ems] = rc;
        if (rc == 0) {
          ExpectEqual(ProviderExport(master), ReferenceExport(kConfigs[c], ems != 0, pms),
                      "start-up: a valid ciphertext gives the client's master secret");
          Free(master);
        }
      }
  // TLS 1.2 with a TLS 1.2 client_version must work, whatever else does not.
  Require(f.valid_status[0][0][0] == 0 && f.valid_status[0][0][1] == 0,
          "start-up: SslImportMasterKey of a valid TLS 1.2 ciphertext succeeds");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  CheckValidCiphertexts();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  HandleScope scope;
  Fixture& f = Fix();
  const std::size_t config = data[0] & 3, version = (data[0] >> 2) & 3;
  const bool ems = (data[0] & 0x10) != 0, prefix = (data[0] & 0x20) != 0;
  const unsigned mode = data[0] >> 6;
  Bytes rest(data + 1, data + size);
  Bytes ciphertext;
  if (mode == 2) {
    if (rest.size() > f.k - 11) rest.resize(f.k - 11);
    ciphertext = EncryptPkcs1(rest);
  } else if (mode == 3) {
    rest.resize(f.k, 0);
    rest[0] = 0;
    const std::optional<Bytes> c = RawRsa(true, rest);
    Require(c.has_value(), "OpenSSL raw RSA encryption of a block below the modulus (reference)");
    ciphertext = *c;
  } else if (mode == 1 && rest.size() >= 2) {
    // A fuzzer-chosen length, 0..2199 (beyond the 2050 bytes SslImportMasterKey takes), zero-filled.
    const std::size_t length = (std::size_t{rest[0]} << 8 | rest[1]) % 2200;
    ciphertext.assign(rest.begin() + 2, rest.end());
    ciphertext.resize(length, 0);
  } else {
    ciphertext = rest;
  }
  if (prefix) {
    ciphertext.insert(ciphertext.begin(), {static_cast<std::uint8_t>(ciphertext.size() >> 8),
                                           static_cast<std::uint8_t>(ciphertext.size())});
  }

  SECURITY_STATUS rc = 0;
  const NCRYPT_KEY_HANDLE master = Import(config, version, ems, ciphertext, &rc);
  const bool public_length_ok = !ciphertext.empty() && ciphertext.size() <= kMaxEncrypted;
  if (public_length_ok && rc != f.valid_status[config][version][ems]) {
    std::fprintf(stderr,
                 "fuzz oracle: implicit rejection: a %zu-byte ciphertext gets 0x%08X, a valid one 0x%08X "
                 "(RFC 5246 §7.4.7.1)\n",
                 ciphertext.size(), static_cast<unsigned>(rc),
                 static_cast<unsigned>(f.valid_status[config][version][ems]));
    std::abort();
  }
  if (rc != 0) return 0;

  const Bytes got = ProviderExport(master);
  Free(master);
  const std::optional<Bytes> message = ReferenceMessage(ciphertext);
  if (message && message->size() == 48) {
    const Bytes candidate = ReferenceExport(kConfigs[config], ems, *message);
    const bool version_ok = (*message)[0] == static_cast<std::uint8_t>(kVersions[version] >> 8) &&
                            (*message)[1] == static_cast<std::uint8_t>(kVersions[version]);
    if (version_ok) {
      ExpectEqual(got, candidate, "a valid encrypted pre-master gives the client's master secret");
    } else {
      Require(got != candidate, "a pre-master with another version is rejected (implicitly)");
    }
  }
  return 0;
}
