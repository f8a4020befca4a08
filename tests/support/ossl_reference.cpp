// ossl_reference.cpp - see ossl_reference.h.
#include "support/ossl_reference.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include <string>
#include <vector>

namespace opensslp::test {
namespace {

// Every reference function runs between ERR_set_mark and ERR_pop_to_mark: what OpenSSL queues
// while computing an expectation (e.g. a refused AEAD tag) is reported in the failure message, if
// any, and never left behind for test_main's empty-queue check -- which stays meant for the code
// under test.
class ErrorMark {
 public:
  ErrorMark() { ERR_set_mark(); }
  ~ErrorMark() { ERR_pop_to_mark(); }
  ErrorMark(const ErrorMark&) = delete;
  ErrorMark& operator=(const ErrorMark&) = delete;
};

// The newest queued OpenSSL error, for failure messages.
std::string LastError() {
  const unsigned long e = ERR_peek_last_error();
  if (e == 0) return "(no OpenSSL error queued)";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

// OSSL_PARAM builders over borrowed bytes and strings. An empty octet string still needs a
// non-null pointer: OpenSSL treats a null one as "not given".
OSSL_PARAM Octets(const char* key, ByteView v) {
  static std::uint8_t empty = 0;
  return OSSL_PARAM_construct_octet_string(key, v.empty() ? &empty : const_cast<std::uint8_t*>(v.data()), v.size());
}
OSSL_PARAM Utf8(const char* key, const std::string& s) {
  return OSSL_PARAM_construct_utf8_string(key, const_cast<char*>(s.c_str()), 0);
}

// EVP_KDF_derive of the named KDF into n bytes; empty (and a reported failure) if OpenSSL refuses.
ByteVec Kdf(const char* name, std::vector<OSSL_PARAM> params, std::size_t n) {
  const ErrorMark mark;
  params.push_back(OSSL_PARAM_construct_end());
  KdfPtr kdf(EVP_KDF_fetch(nullptr, name, nullptr));
  KdfCtxPtr ctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
  ByteVec out(n);
  if (ctx == nullptr || EVP_KDF_derive(ctx.get(), out.data(), out.size(), params.data()) != 1) {
    ADD_FAILURE() << "OpenSSL EVP_KDF " << name << " failed: " << LastError();
    return {};
  }
  return out;
}

std::size_t DigestSize(const std::string& digest) {
  const ErrorMark mark;
  MdPtr md(EVP_MD_fetch(nullptr, digest.c_str(), nullptr));
  if (md == nullptr) {
    ADD_FAILURE() << "OpenSSL has no digest " << digest << ": " << LastError();
    return 0;
  }
  return static_cast<std::size_t>(EVP_MD_get_size(md.get()));
}

}  // namespace

// ---- digests --------------------------------------------------------------------------------------

ByteVec Digest(std::string_view name, ByteView data) {
  const ErrorMark mark;
  MdPtr md(EVP_MD_fetch(nullptr, std::string(name).c_str(), nullptr));
  ByteVec out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (md == nullptr || EVP_Digest(data.data(), data.size(), out.data(), &len, md.get(), nullptr) != 1) {
    ADD_FAILURE() << "OpenSSL digest " << name << " failed: " << LastError();
    return {};
  }
  out.resize(len);
  return out;
}

ByteVec Md5Sha1Digest(ByteView data) { return Concat({Digest("MD5", data), Digest("SHA1", data)}); }

// ---- TLS 1.0-1.2 PRF ------------------------------------------------------------------------------

ByteVec Tls1Prf(std::string_view digest, ByteView secret, std::string_view label, ByteView seed, std::size_t n) {
  const std::string md(digest);
  const ByteVec full_seed = Concat({AsBytes(label), seed});
  return Kdf(
      "TLS1-PRF",
      {Utf8(OSSL_KDF_PARAM_DIGEST, md), Octets(OSSL_KDF_PARAM_SECRET, secret), Octets(OSSL_KDF_PARAM_SEED, full_seed)},
      n);
}

ByteVec Tls1MasterSecret(std::string_view digest, ByteView pre_master, ByteView client_random, ByteView server_random) {
  return Tls1Prf(digest, pre_master, "master secret", Concat({client_random, server_random}), 48);
}

ByteVec Tls1ExtendedMasterSecret(std::string_view digest, ByteView pre_master, ByteView session_hash) {
  return Tls1Prf(digest, pre_master, "extended master secret", session_hash, 48);
}

ByteVec Tls1KeyBlock(std::string_view digest, ByteView master, ByteView client_random, ByteView server_random,
                     std::size_t n) {
  return Tls1Prf(digest, master, "key expansion", Concat({server_random, client_random}), n);
}

// ---- HKDF and TLS 1.3 -------------------------------------------------------------------------------

ByteVec HkdfExtract(std::string_view digest, ByteView salt, ByteView ikm) {
  const std::string md(digest), mode = "EXTRACT_ONLY";
  std::vector<OSSL_PARAM> params = {Utf8(OSSL_KDF_PARAM_DIGEST, md), Utf8(OSSL_KDF_PARAM_MODE, mode),
                                    Octets(OSSL_KDF_PARAM_KEY, ikm)};
  if (!salt.empty()) params.push_back(Octets(OSSL_KDF_PARAM_SALT, salt));
  return Kdf("HKDF", std::move(params), DigestSize(md));
}

ByteVec HkdfExpand(std::string_view digest, ByteView prk, ByteView info, std::size_t n) {
  const std::string md(digest), mode = "EXPAND_ONLY";
  std::vector<OSSL_PARAM> params = {Utf8(OSSL_KDF_PARAM_DIGEST, md), Utf8(OSSL_KDF_PARAM_MODE, mode),
                                    Octets(OSSL_KDF_PARAM_KEY, prk)};
  if (!info.empty()) params.push_back(Octets(OSSL_KDF_PARAM_INFO, info));
  return Kdf("HKDF", std::move(params), n);
}

ByteVec HkdfExpandLabel(std::string_view digest, ByteView secret, std::string_view label, ByteView context,
                        std::size_t n) {
  const std::string md(digest), mode = "EXPAND_ONLY";
  std::vector<OSSL_PARAM> params = {
      Utf8(OSSL_KDF_PARAM_DIGEST, md), Utf8(OSSL_KDF_PARAM_MODE, mode), Octets(OSSL_KDF_PARAM_KEY, secret),
      Octets(OSSL_KDF_PARAM_PREFIX, AsBytes("tls13 ")), Octets(OSSL_KDF_PARAM_LABEL, AsBytes(label))};
  if (!context.empty()) params.push_back(Octets(OSSL_KDF_PARAM_DATA, context));
  return Kdf("TLS13-KDF", std::move(params), n);
}

ByteVec DeriveSecret(std::string_view digest, ByteView secret, std::string_view label, ByteView messages) {
  const ByteVec hash = Digest(digest, messages);
  return HkdfExpandLabel(digest, secret, label, hash, hash.size());
}

ByteVec Tls13Extract(std::string_view digest, ByteView previous, ByteView ikm) {
  // TLS13-KDF's extract mode takes the previous stage's secret as "salt" and derives the real salt
  // from it with the "derived" label itself; no salt means zeros, no key means Hash.length zeros.
  const std::string md(digest), mode = "EXTRACT_ONLY";
  std::vector<OSSL_PARAM> params = {Utf8(OSSL_KDF_PARAM_DIGEST, md), Utf8(OSSL_KDF_PARAM_MODE, mode),
                                    Octets(OSSL_KDF_PARAM_PREFIX, AsBytes("tls13 ")),
                                    Octets(OSSL_KDF_PARAM_LABEL, AsBytes("derived"))};
  if (!previous.empty()) params.push_back(Octets(OSSL_KDF_PARAM_SALT, previous));
  if (!ikm.empty()) params.push_back(Octets(OSSL_KDF_PARAM_KEY, ikm));
  return Kdf("TLS13-KDF", std::move(params), DigestSize(md));
}

// ---- key agreement -----------------------------------------------------------------------------------

ByteVec DeriveSharedSecret(EVP_PKEY* mine, EVP_PKEY* peer, bool dh_pad) {
  const ErrorMark mark;
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, mine, nullptr));
  std::size_t len = 0;
  if (ctx == nullptr || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      (dh_pad && EVP_PKEY_CTX_set_dh_pad(ctx.get(), 1) != 1) || EVP_PKEY_derive_set_peer(ctx.get(), peer) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1)
    return {};
  ByteVec out(len);
  if (EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1) return {};
  out.resize(len);
  return out;
}

PkeyPtr PublicKeyFromEncoded(std::string_view group, ByteView encoded) {
  const ErrorMark mark;
  const std::string name(group);
  const bool ec = name != "X25519" && name != "X448";
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, ec ? "EC" : name.c_str(), nullptr));
  std::vector<OSSL_PARAM> params;
  if (ec) params.push_back(Utf8(OSSL_PKEY_PARAM_GROUP_NAME, name));
  params.push_back(Octets(OSSL_PKEY_PARAM_PUB_KEY, encoded));
  params.push_back(OSSL_PARAM_construct_end());
  EVP_PKEY* key = nullptr;
  if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.data()) != 1)
    ADD_FAILURE() << "OpenSSL cannot load a " << name << " public key of " << encoded.size()
                  << " bytes: " << LastError();
  return PkeyPtr(key);
}

ByteVec PointFromEccPublicBlob(ByteView blob) {
  if (blob.size() < 8) {
    ADD_FAILURE() << "BCRYPT_ECCPUBLIC_BLOB of " << blob.size() << " bytes";
    return {};
  }
  ByteVec point = {0x04};
  point.insert(point.end(), blob.begin() + 8, blob.end());
  return point;
}

ByteVec EcdhWithPublicPoint(EVP_PKEY* mine, std::string_view group, ByteView point) {
  PkeyPtr peer = PublicKeyFromEncoded(group, point);
  if (peer == nullptr) return {};
  ByteVec secret = DeriveSharedSecret(mine, peer.get());
  if (secret.empty()) ADD_FAILURE() << "OpenSSL ECDH (" << group << ") failed";
  return secret;
}

ByteVec DhWithPublicValue(EVP_PKEY* mine, ByteView y) {
  const ErrorMark mark;
  PkeyPtr peer(EVP_PKEY_new());
  if (peer == nullptr || EVP_PKEY_copy_parameters(peer.get(), mine) != 1 ||
      EVP_PKEY_set1_encoded_public_key(peer.get(), y.data(), y.size()) != 1) {
    ADD_FAILURE() << "OpenSSL cannot load a DH public value of " << y.size() << " bytes: " << LastError();
    return {};
  }
  ByteVec secret = DeriveSharedSecret(mine, peer.get());
  if (secret.empty()) ADD_FAILURE() << "OpenSSL DH failed";
  return secret;
}

// ---- RSA PKCS#1 v1.5 --------------------------------------------------------------------------------

namespace {

ByteVec RsaPkcs1(bool encrypt, EVP_PKEY* key, ByteView in) {
  const ErrorMark mark;
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
  std::size_t len = 0;
  auto run = [&](std::uint8_t* out) {
    return encrypt ? EVP_PKEY_encrypt(ctx.get(), out, &len, in.data(), in.size())
                   : EVP_PKEY_decrypt(ctx.get(), out, &len, in.data(), in.size());
  };
  const bool ready = ctx != nullptr &&
                     (encrypt ? EVP_PKEY_encrypt_init(ctx.get()) : EVP_PKEY_decrypt_init(ctx.get())) == 1 &&
                     EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1 && run(nullptr) == 1;
  ByteVec out(len);
  if (!ready || run(out.data()) != 1) {
    ADD_FAILURE() << "OpenSSL RSA PKCS#1 v1.5 " << (encrypt ? "encryption" : "decryption")
                  << " failed: " << LastError();
    return {};
  }
  out.resize(len);
  return out;
}

}  // namespace

ByteVec RsaPkcs1Encrypt(EVP_PKEY* key, ByteView plaintext) { return RsaPkcs1(true, key, plaintext); }
ByteVec RsaPkcs1Decrypt(EVP_PKEY* key, ByteView ciphertext) { return RsaPkcs1(false, key, ciphertext); }

// ---- AEAD ----------------------------------------------------------------------------------------------

namespace {

constexpr std::size_t kTagLength = 16;

// A cipher context keyed for one AEAD operation, with the AAD already absorbed; null on failure.
CipherCtxPtr AeadStart(bool encrypt, std::string_view name, ByteView key, ByteView nonce, ByteView aad) {
  CipherPtr cipher(EVP_CIPHER_fetch(nullptr, std::string(name).c_str(), nullptr));
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int n = 0;
  const int nonce_len = static_cast<int>(nonce.size());
  if (cipher == nullptr || ctx == nullptr ||
      EVP_CipherInit_ex2(ctx.get(), cipher.get(), nullptr, nullptr, encrypt ? 1 : 0, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, nonce_len, nullptr) != 1 ||
      static_cast<std::size_t>(EVP_CIPHER_CTX_get_key_length(ctx.get())) != key.size() ||
      EVP_CipherInit_ex2(ctx.get(), nullptr, key.data(), nonce.data(), encrypt ? 1 : 0, nullptr) != 1 ||
      (!aad.empty() && EVP_CipherUpdate(ctx.get(), nullptr, &n, aad.data(), static_cast<int>(aad.size())) != 1))
    return nullptr;
  return ctx;
}

}  // namespace

ByteVec AeadSeal(std::string_view cipher, ByteView key, ByteView nonce, ByteView aad, ByteView plaintext) {
  const ErrorMark mark;
  CipherCtxPtr ctx = AeadStart(true, cipher, key, nonce, aad);
  ByteVec out(plaintext.size() + kTagLength);
  int n = 0, fin = 0;
  if (ctx == nullptr ||
      EVP_CipherUpdate(ctx.get(), out.data(), &n, plaintext.data(), static_cast<int>(plaintext.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), out.data() + n, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kTagLength, out.data() + plaintext.size()) != 1) {
    ADD_FAILURE() << "OpenSSL " << cipher << " seal failed: " << LastError();
    return {};
  }
  return out;
}

std::optional<ByteVec> AeadOpen(std::string_view cipher, ByteView key, ByteView nonce, ByteView aad, ByteView sealed) {
  const ErrorMark mark;
  if (sealed.size() < kTagLength) return std::nullopt;
  const std::size_t len = sealed.size() - kTagLength;
  CipherCtxPtr ctx = AeadStart(false, cipher, key, nonce, aad);
  ByteVec out(len + 1);  // never a zero-length buffer
  ByteVec tag(sealed.begin() + static_cast<std::ptrdiff_t>(len), sealed.end());
  int n = 0, fin = 0;
  if (ctx == nullptr || EVP_CipherUpdate(ctx.get(), out.data(), &n, sealed.data(), static_cast<int>(len)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kTagLength, tag.data()) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), out.data() + n, &fin) != 1)
    return std::nullopt;
  out.resize(len);
  return out;
}

}  // namespace opensslp::test
