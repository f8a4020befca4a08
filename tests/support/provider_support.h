// provider_support.h - handles the ABI tests need again and again, made through the exported API.
#pragma once

#include <gtest/gtest.h>

#include "opensslp/opensslp.h"
#include "sslprovider.h"

namespace opensslp_test {

// A fresh provider handle (the caller frees it).
inline NCRYPT_PROV_HANDLE OpenProvider() {
  NCRYPT_PROV_HANDLE prov = 0;
  EXPECT_EQ(SslOpenProvider(&prov, OPENSSLP_PROVIDER_NAME, 0), 0);
  EXPECT_NE(prov, 0u);
  return prov;
}

// A handle that named a provider and has been freed.
inline NCRYPT_PROV_HANDLE StaleProvider() {
  NCRYPT_PROV_HANDLE prov = OpenProvider();
  EXPECT_EQ(SslFreeObject(prov, 0), 0);
  return prov;
}

// A live handle of a kind other than provider: an ephemeral P-256 key (the caller frees it).
inline NCRYPT_KEY_HANDLE MakeEphemeralP256(NCRYPT_PROV_HANDLE prov) {
  NCRYPT_KEY_HANDLE key = 0;
  EXPECT_EQ(SslCreateEphemeralKey(prov, &key, TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                                  TLS_ECC_P256_CURVE_KEY_TYPE, 256, nullptr, 0, 0),
            0);
  EXPECT_NE(key, 0u);
  return key;
}

}  // namespace opensslp_test
