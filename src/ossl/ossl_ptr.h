// ossl_ptr.h - one owning smart-pointer alias per OpenSSL type that src/ossl/ uses (BoringSSL's
// bssl::UniquePtr idea): every object OpenSSL hands out goes into one of these at once, so no
// error path can leak it. Only src/ossl/ includes this (it pulls in the OpenSSL headers).
//
// Types that can hold secrets are freed with their wiping variant:
//   BIGNUM      BN_clear_free (a private scalar or exponent is a BIGNUM; wiping a public one costs
//               next to nothing, so there is a single alias);
//   OSSL_PARAM  ClearFreeParams below: OpenSSL 3.0 has no OSSL_PARAM_clear_free, and
//               OSSL_PARAM_free wipes only the secure block (values of BIGNUMs flagged
//               BN_FLG_SECURE); the other values live in the same allocation as the array and
//               would be freed unwiped.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/pkcs12.h>
#include <openssl/store.h>
#include <openssl/ui.h>
#include <openssl/x509.h>

#include <memory>

namespace opensslp::ossl {

// Wipes every value of a parameter array built by OSSL_PARAM_BLD_to_param (or OSSL_PARAM_dup),
// then frees it. Those arrays own their values, so writing to them is allowed.
inline void ClearFreeParams(OSSL_PARAM* params) noexcept {
  if (params == nullptr) return;
  for (OSSL_PARAM* p = params; p->key != nullptr; ++p) {
    if (p->data != nullptr && p->data_size != 0) OPENSSL_cleanse(p->data, p->data_size);
  }
  OSSL_PARAM_free(params);  // also wipes the secure block
}

// A deleter calling `Free` (a function, not a macro: OPENSSL_free is handled by OpensslFree).
template <auto Free>
struct FreeWith {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

// Memory from OPENSSL_malloc (e.g. the output of i2d_* with a NULL buffer).
struct OpensslFree {
  void operator()(void* p) const noexcept { OPENSSL_free(p); }
};

using BnPtr = std::unique_ptr<BIGNUM, FreeWith<BN_clear_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, FreeWith<BN_CTX_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, FreeWith<EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, FreeWith<EVP_MD_CTX_free>>;
// EVP_CIPHER_CTX_free wipes the key schedule (the providers' freectx cleanses); likewise the MAC
// and KDF contexts wipe their keys when freed.
using EvpCipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, FreeWith<EVP_CIPHER_CTX_free>>;
using EvpMacPtr = std::unique_ptr<EVP_MAC, FreeWith<EVP_MAC_free>>;
using EvpMacCtxPtr = std::unique_ptr<EVP_MAC_CTX, FreeWith<EVP_MAC_CTX_free>>;
using EvpKdfPtr = std::unique_ptr<EVP_KDF, FreeWith<EVP_KDF_free>>;
using EvpKdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, FreeWith<EVP_KDF_CTX_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, FreeWith<ECDSA_SIG_free>>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, FreeWith<EC_GROUP_free>>;
using EcPointPtr = std::unique_ptr<EC_POINT, FreeWith<EC_POINT_clear_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, FreeWith<OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, FreeWith<ClearFreeParams>>;
using BioPtr = std::unique_ptr<BIO, FreeWith<BIO_free>>;
using X509Ptr = std::unique_ptr<X509, FreeWith<X509_free>>;
using Pkcs12Ptr = std::unique_ptr<PKCS12, FreeWith<PKCS12_free>>;
using DecoderCtxPtr = std::unique_ptr<OSSL_DECODER_CTX, FreeWith<OSSL_DECODER_CTX_free>>;
using StoreCtxPtr = std::unique_ptr<OSSL_STORE_CTX, FreeWith<OSSL_STORE_close>>;
using StoreInfoPtr = std::unique_ptr<OSSL_STORE_INFO, FreeWith<OSSL_STORE_INFO_free>>;
using UiMethodPtr = std::unique_ptr<UI_METHOD, FreeWith<UI_destroy_method>>;
using OsslBytesPtr = std::unique_ptr<unsigned char, OpensslFree>;

}  // namespace opensslp::ossl
