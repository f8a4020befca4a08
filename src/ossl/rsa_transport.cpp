// rsa_transport.cpp - see rsa_transport.h.
#include "ossl/rsa_transport.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "ossl/library.h"
#include "ossl/ossl_ptr.h"

namespace opensslp::ossl {

bool IsRsaKey(const PKey& key) noexcept { return key && EVP_PKEY_is_a(key.get(), "RSA") == 1; }

std::size_t RsaModulusBytes(const PKey& key) noexcept {
  if (!IsRsaKey(key)) return 0;
  const int size = EVP_PKEY_get_size(key.get());
  return size > 0 ? static_cast<std::size_t>(size) : 0;
}

Result<std::vector<std::uint8_t>> RsaPkcs1Encrypt(const PKey& public_key, Bytes plaintext) {
  const std::size_t k = RsaModulusBytes(public_key);
  ENSURE(k != 0, Error::kBadKey);
  ENSURE(plaintext.size() + 11 <= k, Error::kBadKey);  // RFC 8017 §7.2.1 step 1
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, public_key.get(), nullptr));
  ENSURE(ctx != nullptr, Error::kNoMemory);
  ENSURE(EVP_PKEY_encrypt_init(ctx.get()) == 1, Error::kInternal);
  ENSURE(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1, Error::kInternal);
  std::vector<std::uint8_t> out(k);
  std::size_t out_len = out.size();
  ENSURE(EVP_PKEY_encrypt(ctx.get(), out.data(), &out_len, plaintext.data(), plaintext.size()) == 1, Error::kInternal);
  ENSURE(out_len == k, Error::kInternal);
  return out;
}

Result<SecretArray<kRsaPremasterLength>> RsaDecryptTlsPremaster(const PKey& private_key, Bytes ciphertext,
                                                                std::uint16_t client_version) {
  const std::size_t k = RsaModulusBytes(private_key);
  ENSURE(k != 0, Error::kBadKey);
  // The fallback secret exists before anything is decrypted, as RFC 5246 §7.4.7.1 step 1 says.
  SecretArray<kRsaPremasterLength> random_pms;
  TRY(RandomBytes(random_pms.span()));
  if (ciphertext.size() != k) return random_pms;  // public property: no timing concern

  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, private_key.get(), nullptr));
  ENSURE(ctx != nullptr, Error::kNoMemory);
  ENSURE(EVP_PKEY_decrypt_init(ctx.get()) == 1, Error::kInternal);
  ENSURE(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_WITH_TLS_PADDING) == 1, Error::kInternal);
  unsigned int version = client_version;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_uint(OSSL_ASYM_CIPHER_PARAM_TLS_CLIENT_VERSION, &version),
      OSSL_PARAM_construct_end(),
  };
  ENSURE(EVP_PKEY_CTX_set_params(ctx.get(), params) == 1, Error::kInternal);

  SecretArray<kRsaPremasterLength> pms;
  std::size_t out_len = pms.size();
  // With RSA_PKCS1_WITH_TLS_PADDING OpenSSL returns success and 48 bytes for every padding,
  // length and version failure (ossl_rsa_padding_check_PKCS1_type_2_TLS). It fails only when the
  // raw RSA operation does (ciphertext value >= modulus, a public property of the input).
  if (EVP_PKEY_decrypt(ctx.get(), pms.data(), &out_len, ciphertext.data(), ciphertext.size()) != 1 ||
      out_len != kRsaPremasterLength) {
    ClearErrorQueue();
    return random_pms;
  }
  return pms;
}

}  // namespace opensslp::ossl
