// ossl_test_ptr.h - std::unique_ptr owners for the OpenSSL objects tests create, so that a failed
// EXPECT/ASSERT (which returns early) never leaks them. Depends on OpenSSL only.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <memory>

namespace opensslp::test {

template <auto Free>
struct OsslDeleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};

template <typename T, auto Free>
using OsslPtr = std::unique_ptr<T, OsslDeleter<Free>>;

using BioPtr = OsslPtr<BIO, BIO_free>;
using BnPtr = OsslPtr<BIGNUM, BN_free>;
using CipherPtr = OsslPtr<EVP_CIPHER, EVP_CIPHER_free>;
using CipherCtxPtr = OsslPtr<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;
using KdfPtr = OsslPtr<EVP_KDF, EVP_KDF_free>;
using KdfCtxPtr = OsslPtr<EVP_KDF_CTX, EVP_KDF_CTX_free>;
using MdPtr = OsslPtr<EVP_MD, EVP_MD_free>;
using MdCtxPtr = OsslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using PkeyPtr = OsslPtr<EVP_PKEY, EVP_PKEY_free>;
using PkeyCtxPtr = OsslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;

}  // namespace opensslp::test
