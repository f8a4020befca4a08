// ksp_key_transport_test.cpp - (Windows only) RSA key transport with a private key held in a
// key storage provider: the KSP backend's DecryptPkcs1 (src/win/ksp_private_key.cpp), i.e.
// NCryptDecrypt(PKCS#1 v1.5) wrapped in RFC 5246 §7.4.7.1's implicit rejection, and
// SslImportMasterKey on top of it.
//
// Expected values: the pre-master secret is the test's own, encrypted by OpenSSL to the rsa2048
// fixture's public key; the master secret is OpenSSL's TLS1-PRF of it.
//
// Wine 8.0's NCryptDecrypt returns NTE_NOT_SUPPORTED for every padding (found by these tests),
// so under Wine (a) the selection wrapper is exercised with BCryptDecrypt, which Wine does
// implement, on the same key -- everything except the NCrypt call itself -- and (b) the real KSP
// path is checked for what Wine allows: a failing NCryptDecrypt must still give a 48-byte random
// secret and success; the positive NCryptDecrypt case skips with the Wine limitation.
#include <gtest/gtest.h>

#if defined(_WIN32)

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/private_key.h"
#include "handles/handle_table.h"
#include "sslprovider.h"
#include "support/cert_support.h"
#include "support/ossl_reference.h"
#include "support/wide.h"
#include "win/ksp_private_key.h"

namespace opensslp {
namespace {

using test::ByteVec;

EVP_PKEY* LoadRsa2048() {
  BIO* bio = BIO_new_file((test::KeyStoreDir() + "/keys/rsa2048.key").c_str(), "r");
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, const_cast<char*>(""));
  BIO_free(bio);
  EXPECT_NE(key, nullptr);
  return key;
}

// BCRYPT_RSAPRIVATE_BLOB: header, e, n, p, q (big-endian).
ByteVec RsaPrivateBlob(EVP_PKEY* pkey) {
  BIGNUM *n = nullptr, *e = nullptr, *p = nullptr, *q = nullptr;
  EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n);
  EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e);
  EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_FACTOR1, &p);
  EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_FACTOR2, &q);
  BCRYPT_RSAKEY_BLOB h = {};
  h.Magic = BCRYPT_RSAPRIVATE_MAGIC;
  h.BitLength = static_cast<ULONG>(BN_num_bits(n));
  h.cbPublicExp = static_cast<ULONG>(BN_num_bytes(e));
  h.cbModulus = static_cast<ULONG>(BN_num_bytes(n));
  h.cbPrime1 = static_cast<ULONG>(BN_num_bytes(p));
  h.cbPrime2 = static_cast<ULONG>(BN_num_bytes(q));
  ByteVec blob(sizeof(h) + h.cbPublicExp + h.cbModulus + h.cbPrime1 + h.cbPrime2);
  std::memcpy(blob.data(), &h, sizeof(h));
  std::uint8_t* out = blob.data() + sizeof(h);
  out += BN_bn2bin(e, out);
  out += BN_bn2bin(n, out);
  out += BN_bn2bin(p, out);
  BN_bn2bin(q, out);
  BN_free(n);
  BN_free(e);
  BN_clear_free(p);
  BN_clear_free(q);
  return blob;
}

// client_version || 46 bytes, the test's own pre-master secret.
ByteVec Premaster(std::uint16_t version) {
  ByteVec pms(48);
  for (std::size_t i = 0; i < 48; ++i) pms[i] = static_cast<std::uint8_t>(7 * i + 3);
  pms[0] = static_cast<std::uint8_t>(version >> 8);
  pms[1] = static_cast<std::uint8_t>(version);
  return pms;
}

ByteVec ToVec(const SecretArray<48>& s) { return ByteVec(s.data(), s.data() + 48); }

TEST(WindowsKsp, KeyTransportSelectionAroundBcryptDecrypt) {
  EVP_PKEY* rsa = LoadRsa2048();
  ASSERT_NE(rsa, nullptr);
  ByteVec blob = RsaPrivateBlob(rsa);
  BCRYPT_ALG_HANDLE alg = nullptr;
  BCRYPT_KEY_HANDLE key = nullptr;
  ASSERT_EQ(BCryptOpenAlgorithmProvider(&alg, BCRYPT_RSA_ALGORITHM, nullptr, 0), 0);
  ASSERT_EQ(
      BCryptImportKeyPair(alg, nullptr, BCRYPT_RSAPRIVATE_BLOB, &key, blob.data(), static_cast<ULONG>(blob.size()), 0),
      0);
  int calls = 0;
  const win::Pkcs1DecryptFunction decrypt = [key, &calls](Bytes in, MutBytes out, DWORD* out_len) -> SECURITY_STATUS {
    ++calls;
    ULONG len = 0;
    const NTSTATUS st = BCryptDecrypt(key, const_cast<PUCHAR>(in.data()), static_cast<ULONG>(in.size()), nullptr,
                                      nullptr, 0, out.data(), static_cast<ULONG>(out.size()), &len, BCRYPT_PAD_PKCS1);
    *out_len = len;
    return st == 0 ? 0 : NTE_BAD_DATA;
  };
  const ByteVec pms = Premaster(0x0303);
  const ByteVec ct = test::RsaPkcs1Encrypt(rsa, pms);

  // The right ciphertext and version: the real pre-master secret.
  auto good = win::DecryptTlsPremasterWith(decrypt, ct, 0x0303);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(ToVec(good.value()), pms);

  // Every failure: success, 48 bytes, not the pre-master, and a fresh value each time.
  ByteVec corrupted = ct;
  corrupted[20] ^= 0x01;
  const ByteVec wrong_length_pms(pms.begin(), pms.end() - 1);
  const std::vector<std::pair<ByteVec, std::uint16_t>> failures = {
      {corrupted, 0x0303},                                     // padding (or decryption) failure
      {ct, 0x0302},                                            // version differs from client_version
      {test::RsaPkcs1Encrypt(rsa, wrong_length_pms), 0x0303},  // 47-byte message
      {ByteVec(ct.begin(), ct.end() - 1), 0x0303},             // short ciphertext
  };
  for (const auto& [input, version] : failures) {
    auto first = win::DecryptTlsPremasterWith(decrypt, input, version);
    auto second = win::DecryptTlsPremasterWith(decrypt, input, version);
    ASSERT_TRUE(first.ok() && second.ok()) << "implicit rejection never reports the failure";
    EXPECT_NE(ToVec(first.value()), pms);
    EXPECT_NE(ToVec(first.value()), ToVec(second.value())) << "a fresh random secret per call";
  }
  EXPECT_EQ(calls, 1 + 2 * static_cast<int>(failures.size())) << "the decryption runs for every input";
  BCryptDestroyKey(key);
  BCryptCloseAlgorithmProvider(alg, 0);
  EVP_PKEY_free(rsa);
}

// SslImportMasterKey with a PrivateKey whose backend is a Microsoft Software KSP key.
TEST(WindowsKsp, SslImportMasterKeyWithKspKey) {
  NCRYPT_PROV_HANDLE ksp = 0;
  SECURITY_STATUS st = NCryptOpenStorageProvider(&ksp, MS_KEY_STORAGE_PROVIDER, 0);
  if (st != ERROR_SUCCESS) GTEST_SKIP() << "NCryptOpenStorageProvider(MS_KEY_STORAGE_PROVIDER): 0x" << std::hex << st;
  EVP_PKEY* rsa = LoadRsa2048();
  ASSERT_NE(rsa, nullptr);
  ByteVec blob = RsaPrivateBlob(rsa);
  NCRYPT_KEY_HANDLE ncrypt_key = 0;
  st = NCryptImportKey(ksp, 0, BCRYPT_RSAPRIVATE_BLOB, nullptr, &ncrypt_key, blob.data(),
                       static_cast<DWORD>(blob.size()), 0);
  NCryptFreeObject(ksp);
  if (st != ERROR_SUCCESS) {
    EVP_PKEY_free(rsa);
    GTEST_SKIP() << "NCryptImportKey(BCRYPT_RSAPRIVATE_BLOB): 0x" << std::hex << st;
  }
  // Is NCryptDecrypt available? (Wine 8.0: NTE_NOT_SUPPORTED for every padding.)
  const ByteVec pms = Premaster(0x0303);
  ByteVec ct = test::RsaPkcs1Encrypt(rsa, pms);
  ByteVec probe(256);
  DWORD probe_len = 0;
  const SECURITY_STATUS decrypt_status =
      NCryptDecrypt(ncrypt_key, ct.data(), static_cast<DWORD>(ct.size()), nullptr, probe.data(), 256, &probe_len,
                    NCRYPT_PAD_PKCS1_FLAG | NCRYPT_SILENT_FLAG);

  auto certificate = ParseCertificateKey(test::FixtureCertDer("rsa2048"));
  ASSERT_TRUE(certificate.ok());
  auto object = std::make_shared<PrivateKey>(std::move(certificate.value().public_key), certificate.value().info,
                                             win::KspBackendForOwnedKey(ncrypt_key));
  EXPECT_STREQ(object->backend().Name(), "ksp");
  auto handle = HandleTable::Global().Insert(object);
  ASSERT_TRUE(handle.ok());
  const NCRYPT_KEY_HANDLE priv = static_cast<NCRYPT_KEY_HANDLE>(handle.value());

  NCRYPT_PROV_HANDLE prov = 0;
  ASSERT_EQ(SslOpenProvider(&prov, W(u"OpenSSLP Protocol Provider"), 0), 0);
  ByteVec cr(32, 0x11), sr(32, 0x22);
  DWORD version = 0x0303;
  NCryptBuffer buffers[] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr.data()},
                            {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, sr.data()},
                            {4, NCRYPTBUFFER_SSL_HIGHEST_VERSION, &version}};
  NCryptBufferDesc params = {NCRYPTBUFFER_VERSION, 3, buffers};
  ByteVec randoms = cr;
  randoms.insert(randoms.end(), sr.begin(), sr.end());
  auto exported = [&](NCRYPT_KEY_HANDLE master) {
    ByteVec out(32);
    char label[] = "EXPORTER-ksp-test";
    EXPECT_EQ(SslExportKeyingMaterial(prov, master, label, randoms.data(), 64, nullptr, 0, out.data(), 32, 0), 0);
    return out;
  };
  const ByteVec expected =
      test::Tls1Prf("SHA256", test::Tls1MasterSecret("SHA256", pms, cr, sr), "EXPORTER-ksp-test", randoms, 32);

  // Corrupted ciphertext: success (implicit rejection), a master secret that is not the real one,
  // and a different one each time. This holds whether NCryptDecrypt works or not.
  ByteVec corrupted = ct;
  corrupted[33] ^= 0x80;
  ByteVec previous;
  for (int i = 0; i < 2; ++i) {
    NCRYPT_KEY_HANDLE master = 0;
    ASSERT_EQ(SslImportMasterKey(prov, priv, &master, TLS1_2_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_GCM_SHA256, &params,
                                 corrupted.data(), static_cast<DWORD>(corrupted.size()), NCRYPT_SSL_SERVER_FLAG),
              0);
    const ByteVec got = exported(master);
    EXPECT_NE(got, expected);
    EXPECT_NE(got, previous);
    previous = got;
    EXPECT_EQ(SslFreeObject(master, 0), 0);
  }

  const bool ncrypt_decrypts = decrypt_status == ERROR_SUCCESS;
  if (ncrypt_decrypts) {
    ASSERT_EQ(probe_len, 48u);
    NCRYPT_KEY_HANDLE master = 0;
    ASSERT_EQ(SslImportMasterKey(prov, priv, &master, TLS1_2_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_GCM_SHA256, &params,
                                 ct.data(), static_cast<DWORD>(ct.size()), NCRYPT_SSL_SERVER_FLAG),
              0);
    EXPECT_EQ(exported(master), expected) << "the KSP decrypted the real pre-master secret";
    EXPECT_EQ(SslFreeObject(master, 0), 0);
  }
  EXPECT_EQ(SslFreeObject(priv, 0), 0);  // frees the NCrypt key with the backend
  EXPECT_EQ(SslFreeObject(prov, 0), 0);
  EVP_PKEY_free(rsa);
  if (!ncrypt_decrypts) {
    GTEST_SKIP() << "Wine limit: NCryptDecrypt(NCRYPT_PAD_PKCS1_FLAG) returned 0x" << std::hex << decrypt_status
                 << "; the failure path was checked, the successful KSP decryption needs Windows";
  }
}

}  // namespace
}  // namespace opensslp

#endif  // _WIN32
