// tls13_schedule.h - the start of a TLS 1.3 key schedule through the exported API, for the ABI
// tests that need real traffic secrets: a P-256 exchange with an OpenSSL peer key and the early
// (no PSK), handshake and master secrets. The (EC)DHE secret is returned as OpenSSL computes it,
// so expected values come from tests/support/ossl_reference.h, never from the provider.
#pragma once

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <vector>

#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/bytes.h"
#include "support/ossl_reference.h"
#include "support/wide.h"

namespace opensslp_test {

// Our ephemeral P-256 key for TLS 1.3 `suite`, `peer`'s public key imported, and the (EC)DHE shared
// secret as OpenSSL computes it from the peer's side. Every handle made is appended to `keep`.
inline void Tls13KeyShares(NCRYPT_PROV_HANDLE prov, DWORD suite, EVP_PKEY* peer, std::vector<ULONG_PTR>& keep,
                           NCRYPT_KEY_HANDLE* mine, NCRYPT_KEY_HANDLE* peer_public, opensslp::test::ByteVec* shared) {
  using opensslp::test::ByteVec;
  ASSERT_EQ(
      SslCreateEphemeralKey(prov, mine, TLS1_3_PROTOCOL_VERSION, suite, TLS_ECC_P256_CURVE_KEY_TYPE, 0, nullptr, 0, 0),
      0);
  keep.push_back(*mine);
  DWORD len = 0;
  ASSERT_EQ(SslExportKey(prov, *mine, W(u"ECCPUBLICBLOB"), nullptr, 0, &len, 0), 0);
  ByteVec blob(len);
  ASSERT_EQ(SslExportKey(prov, *mine, W(u"ECCPUBLICBLOB"), blob.data(), len, &len, 0), 0);
  *shared = opensslp::test::EcdhWithPublicPoint(peer, "P-256", opensslp::test::PointFromEccPublicBlob(blob));
  ASSERT_EQ(shared->size(), 32u);
  ByteVec point(65);
  std::size_t plen = 0;
  ASSERT_EQ(EVP_PKEY_get_octet_string_param(peer, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size(), &plen), 1);
  // BCRYPT_ECCPUBLIC_BLOB: BCRYPT_ECDH_PUBLIC_P256_MAGIC, cbKey 32 (little-endian), X, Y.
  ByteVec peer_blob = {0x45, 0x43, 0x4B, 0x31, 32, 0, 0, 0};
  peer_blob.insert(peer_blob.end(), point.begin() + 1, point.end());
  ASSERT_EQ(
      SslImportKey(prov, peer_public, W(u"ECCPUBLICBLOB"), peer_blob.data(), static_cast<DWORD>(peer_blob.size()), 0),
      0);
  keep.push_back(*peer_public);
}

// Early (no PSK), handshake and master secrets of `suite` over a fresh key exchange with `peer`;
// `shared` is the (EC)DHE secret as OpenSSL computes it. Every handle made is appended to `keep`.
inline void Tls13Schedule(NCRYPT_PROV_HANDLE prov, DWORD suite, EVP_PKEY* peer, std::vector<ULONG_PTR>& keep,
                          NCRYPT_KEY_HANDLE* early, NCRYPT_KEY_HANDLE* handshake, NCRYPT_KEY_HANDLE* master,
                          opensslp::test::ByteVec* shared) {
  NCRYPT_KEY_HANDLE mine = 0, peer_public = 0;
  ASSERT_NO_FATAL_FAILURE(Tls13KeyShares(prov, suite, peer, keep, &mine, &peer_public, shared));
  ASSERT_EQ(SslExtractEarlyKey(prov, 0, early, TLS1_3_PROTOCOL_VERSION, suite, nullptr, 0), 0);
  keep.push_back(*early);
  ASSERT_EQ(SslExtractHandshakeKey(prov, mine, peer_public, *early, handshake, nullptr, 0), 0);
  keep.push_back(*handshake);
  ASSERT_EQ(SslExtractMasterKey(prov, *handshake, master, nullptr, 0), 0);
  keep.push_back(*master);
}

}  // namespace opensslp_test
