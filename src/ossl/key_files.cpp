#include "ossl/key_files.h"

#include <openssl/bio.h>
#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/store.h>
#include <openssl/ui.h>
#include <openssl/x509.h>

#include <cstring>
#include <memory>

#include "ossl/ossl_ptr.h"

namespace opensslp::ossl {
namespace {

// Longest password accepted from a .pass file.
constexpr std::size_t kMaxPasswordLength = 1023;

// A pem_password_cb that hands out the password in `u` (a SecretBytes*, or nullptr for none). It
// never prompts: without a password the load fails, which is what a service must do.
int PasswordCallback(char* buf, int size, int /*rwflag*/, void* u) {
  const auto* password = static_cast<const SecretBytes*>(u);
  if (password == nullptr || size <= 0) return -1;
  if (password->size() > static_cast<std::size_t>(size)) return -1;
  if (!password->empty()) std::memcpy(buf, password->data(), password->size());
  return static_cast<int>(password->size());
}

bool PasswordUsable(const SecretBytes* password) {
  // An empty password (an empty .pass file) has no data pointer: memchr(NULL, 0, 0) is undefined
  // (found by fuzz/fuzz_key_store.cpp under UBSan).
  return password == nullptr || password->empty() ||
         (password->size() <= kMaxPasswordLength && std::memchr(password->data(), 0, password->size()) == nullptr);
}

Result<PKey> DecodeAuto(Bytes contents, const SecretBytes* password) {
  EVP_PKEY* pkey = nullptr;
  DecoderCtxPtr ctx(OSSL_DECODER_CTX_new_for_pkey(&pkey, /*input_type=*/nullptr, /*structure=*/nullptr,
                                                  /*keytype=*/nullptr, EVP_PKEY_KEYPAIR,
                                                  /*libctx=*/nullptr, /*propquery=*/nullptr));
  if (!ctx) return Error::kNoMemory;
  // Always install our callback, so that OpenSSL never falls back to a terminal prompt.
  if (OSSL_DECODER_CTX_set_pem_password_cb(ctx.get(), PasswordCallback, const_cast<SecretBytes*>(password)) != 1) {
    return Error::kInternal;
  }
  const unsigned char* data = contents.data();
  std::size_t len = contents.size();
  if (OSSL_DECODER_from_data(ctx.get(), &data, &len) != 1 || pkey == nullptr) return Error::kBadKey;
  return PKey(pkey);
}

Result<PKey> DecodePkcs12(Bytes contents, const SecretBytes* password) {
  if (contents.size() > static_cast<std::size_t>(INT32_MAX)) return Error::kBadKey;
  BioPtr bio(BIO_new_mem_buf(contents.data(), static_cast<int>(contents.size())));
  if (!bio) return Error::kNoMemory;
  Pkcs12Ptr p12(d2i_PKCS12_bio(bio.get(), nullptr));
  if (!p12) return Error::kBadKey;
  // PKCS12_parse wants a NUL-terminated password; NULL or "" makes it try both "no password"
  // forms (RFC 7292 leaves the empty password ambiguous).
  SecretBytes pass_z;
  if (password != nullptr) {
    pass_z = SecretBytes(password->size() + 1);
    if (!password->empty()) std::memcpy(pass_z.data(), password->data(), password->size());
  }
  EVP_PKEY* pkey = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* ca = nullptr;
  const int ok = PKCS12_parse(p12.get(), password != nullptr ? reinterpret_cast<const char*>(pass_z.data()) : nullptr,
                              &pkey, &cert, &ca);
  PKey key(pkey);
  const X509Ptr owned_cert(cert);
  sk_X509_pop_free(ca, X509_free);
  if (ok != 1 || !key) return Error::kBadKey;
  return key;
}

}  // namespace

Result<ParsedCertificate> ParseCertificateDer(Bytes der) {
  if (der.empty() || der.size() > kMaxCertificateSize) return Error::kInvalidParameter;
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != der.data() + der.size()) return Error::kInvalidParameter;
  EVP_PKEY* pub = X509_get_pubkey(cert.get());      // a new reference
  if (pub == nullptr) return Error::kNotSupported;  // a key algorithm OpenSSL cannot decode
  ParsedCertificate out;
  out.public_key = PKey(pub);

  unsigned char sha1[EVP_MAX_MD_SIZE];
  unsigned int sha1_len = 0;
  if (EVP_Digest(der.data(), der.size(), sha1, &sha1_len, EVP_sha1(), nullptr) != 1 || sha1_len != 20) {
    return Error::kInternal;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out.thumbprint.reserve(40);
  for (unsigned int i = 0; i < sha1_len; ++i) {
    out.thumbprint.push_back(kHex[sha1[i] >> 4]);
    out.thumbprint.push_back(kHex[sha1[i] & 0xf]);
  }
  return out;
}

Result<PKey> DecodePrivateKey(Bytes contents, KeyFileFormat format, const SecretBytes* password) {
  if (contents.empty()) return Error::kBadKey;
  if (!PasswordUsable(password)) return Error::kBadKey;
  return format == KeyFileFormat::kPkcs12 ? DecodePkcs12(contents, password) : DecodeAuto(contents, password);
}

Result<PKey> LoadPrivateKeyFromUri(const std::string& uri, const SecretBytes* password) {
  if (uri.empty() || uri.find('\0') != std::string::npos) return Error::kNotFound;
  if (!PasswordUsable(password)) return Error::kBadKey;
  // A UI method that only ever answers with `password` (or fails): never a terminal prompt.
  UiMethodPtr ui(UI_UTIL_wrap_read_pem_callback(PasswordCallback, 0));
  if (!ui) return Error::kNoMemory;
  StoreCtxPtr store(OSSL_STORE_open_ex(uri.c_str(), nullptr, nullptr, ui.get(), const_cast<SecretBytes*>(password),
                                       nullptr, nullptr, nullptr));
  if (!store) return Error::kNotFound;
  if (OSSL_STORE_expect(store.get(), OSSL_STORE_INFO_PKEY) != 1) return Error::kInternal;
  // Bounded: a store could in principle yield objects forever.
  for (int i = 0; i < 64 && OSSL_STORE_eof(store.get()) == 0; ++i) {
    StoreInfoPtr info(OSSL_STORE_load(store.get()));
    if (!info) continue;
    if (OSSL_STORE_INFO_get_type(info.get()) != OSSL_STORE_INFO_PKEY) continue;
    EVP_PKEY* pkey = OSSL_STORE_INFO_get1_PKEY(info.get());
    if (pkey == nullptr) return Error::kNoMemory;
    return PKey(pkey);
  }
  return Error::kBadKey;
}

}  // namespace opensslp::ossl
