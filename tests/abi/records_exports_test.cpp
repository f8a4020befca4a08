// records_exports_test.cpp - SslEncryptPacket / SslDecryptPacket through the shared library's
// exported API only. Until SslGenerateSessionKeys exists a caller cannot obtain a session key, so
// this covers the handle checks a real caller can reach; the full argument-safety and round-trip
// tests are in tests/unit/record_exports_test.cpp (session keys inserted into the handle table).
#include <gtest/gtest.h>

#include <vector>

#include "sslprovider.h"
#include "support/provider_support.h"

namespace {

TEST(RecordsExports, RejectHandlesThatAreNotSessionKeys) {
  NCRYPT_PROV_HANDLE prov = opensslp_test::OpenProvider();
  NCRYPT_KEY_HANDLE eph = opensslp_test::MakeEphemeralP256(prov);
  std::vector<BYTE> in(64, 0x17), out(128);
  DWORD got = 0;
  for (NCRYPT_KEY_HANDLE key : {NCRYPT_KEY_HANDLE{0}, eph, NCRYPT_KEY_HANDLE{prov}, NCRYPT_KEY_HANDLE{0x7fff1234}}) {
    EXPECT_EQ(SslEncryptPacket(prov, key, in.data(), 10, out.data(), 128, &got, 0, 23, 0), NTE_INVALID_HANDLE);
    EXPECT_EQ(SslDecryptPacket(prov, key, in.data(), 40, out.data(), 128, &got, 0, 0), NTE_INVALID_HANDLE);
  }
  // The provider handle is checked first: NULL and stale providers.
  NCRYPT_PROV_HANDLE stale = opensslp_test::StaleProvider();
  for (NCRYPT_PROV_HANDLE p : {NCRYPT_PROV_HANDLE{0}, stale}) {
    EXPECT_EQ(SslEncryptPacket(p, eph, in.data(), 10, out.data(), 128, &got, 0, 23, 0), NTE_INVALID_HANDLE);
    EXPECT_EQ(SslDecryptPacket(p, eph, in.data(), 40, out.data(), 128, &got, 0, 0), NTE_INVALID_HANDLE);
  }
  EXPECT_EQ(SslFreeObject(eph, 0), 0);
  // A freed key handle.
  EXPECT_EQ(SslEncryptPacket(prov, eph, in.data(), 10, out.data(), 128, &got, 0, 23, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslFreeObject(prov, 0), 0);
}

}  // namespace
