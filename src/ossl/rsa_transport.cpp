// rsa_transport.cpp - see rsa_transport.h.
#include "ossl/rsa_transport.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "ossl/library.h"
#include "ossl/ossl_ptr.h"

namespace opensslp::ossl {

// EVP_PKEY_get_base_id, not EVP_PKEY_is_a: in OpenSSL 3.0 is_a looks the name up with a string
// copy, so under memory pressure an RSA key "is not RSA" (found by tests/alloc/: NTE_INVALID_PARAMETER
// instead of NTE_NO_MEMORY). The id is a field read. Same answer: RSA-PSS keys are EVP_PKEY_RSA_PSS.
bool IsRsaKey(const PKey& key) noexcept { return key && EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_RSA; }

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

namespace {

// 0xFF if x == 0, else 0x00, without a branch: for x in 1..255, x - 1 < 256 and the shift leaves 0.
std::uint8_t ZeroMask(unsigned x) noexcept { return static_cast<std::uint8_t>((x - 1) >> 8); }

// Hides a mask's value from the optimiser, so that the selection below stays a data-flow select
// and does not become a branch on a secret (OpenSSL's value_barrier does the same).
std::uint8_t ValueBarrier(std::uint8_t mask) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __asm__("" : "+r"(mask));
#endif
  return mask;
}

}  // namespace

Result<SecretArray<kRsaPremasterLength>> RsaDecryptTlsPremaster(const PKey& private_key, Bytes ciphertext,
                                                                std::uint16_t client_version) {
  const std::size_t k = RsaModulusBytes(private_key);
  ENSURE(k != 0, Error::kBadKey);
  // EM = 0x00 || 0x02 || PS (at least 8 non-zero bytes) || 0x00 || M with |M| = 48 (RFC 8017
  // §7.2.2), so a usable modulus has k >= 59 bytes; opensslp's keys have k >= 128.
  ENSURE(k >= kRsaPremasterLength + 11, Error::kBadKey);
  // The fallback secret exists before anything is decrypted, as RFC 5246 §7.4.7.1 step 1 says.
  SecretArray<kRsaPremasterLength> random_pms;
  TRY(RandomBytes(random_pms.span()));
  if (ciphertext.size() != k) return random_pms;  // public property: no timing concern

  // Decrypted without padding into memory opensslp owns and wipes. OpenSSL 3.0's own TLS padding
  // mode (RSA_PKCS1_WITH_TLS_PADDING) decrypts into a heap buffer that it frees WITHOUT wiping
  // (providers/implementations/asymciphers/rsa_enc.c, OPENSSL_free(tbuf)): the pre-master secret
  // of every RSA handshake would stay in freed memory (found by tests/wipe/,
  // docs/soak-and-wipe.md). The raw RSA operation wipes its own buffer (rsa_ossl.c).
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, private_key.get(), nullptr));
  ENSURE(ctx != nullptr, Error::kNoMemory);
  ENSURE(EVP_PKEY_decrypt_init(ctx.get()) == 1, Error::kInternal);
  ENSURE(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) == 1, Error::kInternal);
  SecretBytes em(k);
  std::size_t em_len = em.size();
  // The raw operation fails only when the ciphertext value is >= the modulus (a public property
  // of the input); anything else is decided below without a branch.
  if (EVP_PKEY_decrypt(ctx.get(), em.data(), &em_len, ciphertext.data(), ciphertext.size()) != 1 || em_len != k) {
    ClearErrorQueue();
    return random_pms;
  }

  // RFC 5246 §7.4.7.1: the padding, the 48-byte length (the separator at exactly k - 49) and
  // ClientHello.client_version are checked with masks over every byte; then the decrypted value
  // or the random one is selected, again with masks. Nothing about the outcome is reported. The
  // version-rollback workaround (libssl's SSL_OP_TLS_ROLLBACK_BUG) is not applied.
  const std::uint8_t* e = em.data();
  const std::size_t separator = k - kRsaPremasterLength - 1;
  std::uint8_t good = ZeroMask(e[0]) & ZeroMask(e[1] ^ 0x02u);
  for (std::size_t i = 2; i < separator; ++i) good &= static_cast<std::uint8_t>(~ZeroMask(e[i]));
  good &= ZeroMask(e[separator]);
  good &= ZeroMask(e[separator + 1] ^ static_cast<unsigned>(client_version >> 8));
  good &= ZeroMask(e[separator + 2] ^ static_cast<unsigned>(client_version & 0xFF));
  good = ValueBarrier(good);
  SecretArray<kRsaPremasterLength> pms;
  for (std::size_t i = 0; i < kRsaPremasterLength; ++i) {
    pms.data()[i] = static_cast<std::uint8_t>((e[separator + 1 + i] & good) | (random_pms.data()[i] & ~good));
  }
  return pms;
}

}  // namespace opensslp::ossl
